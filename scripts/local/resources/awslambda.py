"""AWS::Lambda::EventInvokeConfig: asynchronous invocation settings, through moto's Lambda backend."""

from __future__ import annotations

from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.utils import get_backend as lambda_backend
from moto.core.common_models import CloudFormationModel

from scripts.local.resources.common import InvalidRequest, replace_resource, required_properties


class CfnEventInvokeConfig(CloudFormationModel):
    """AWS::Lambda::EventInvokeConfig. Ref: ``<FunctionName>|<Qualifier>`` (the reference says "a
    unique identifier"; the type's primary identifier is FunctionName and Qualifier). The retry,
    event-age and destination settings update in place; a new function or qualifier replaces it.

    moto keeps one configuration per function and ignores the qualifier, so only ``$LATEST`` (what
    GetFunctionEventInvokeConfig without a qualifier reads back) is accepted."""

    _REQUIRED = ("FunctionName", "Qualifier")

    _SETTINGS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")

    def __init__(self, function_name: str, qualifier: str) -> None:
        self.function_name = function_name
        self.qualifier = qualifier

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::EventInvokeConfig"

    @property
    def physical_resource_id(self) -> str:
        return f"{self.function_name}|{self.qualifier}"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def _settings(cls, properties: dict[str, Any]) -> dict[str, Any]:
        if properties["Qualifier"] != "$LATEST":
            raise InvalidRequest(
                f"AWS::Lambda::EventInvokeConfig Qualifier {properties['Qualifier']} is not supported by the "
                "local emulator (moto keeps one configuration per function): use $LATEST."
            )
        settings = {name: properties[name] for name in cls._SETTINGS if name in properties}
        for name in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
            if name in settings:
                settings[name] = int(settings[name])
        return settings

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = required_properties(cls, cloudformation_json)
        settings = cls._settings(properties)
        backend = lambda_backend(account_id, region_name)
        function = properties["FunctionName"]
        if backend.list_function_event_invoke_configs(function)["FunctionEventInvokeConfigs"]:
            raise LambdaClientError(
                "ResourceConflictException", f"An event invoke config already exists for {function}:$LATEST."
            )
        backend.put_function_event_invoke_config(function, settings)
        return cls(function, properties["Qualifier"])

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = required_properties(cls, cloudformation_json)
        identity = (properties["FunctionName"], properties["Qualifier"])
        if identity != (original_resource.function_name, original_resource.qualifier):
            return replace_resource(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        settings = cls._settings(properties)
        backend = lambda_backend(account_id, region_name)
        backend.delete_function_event_invoke_config(original_resource.function_name)
        backend.put_function_event_invoke_config(original_resource.function_name, settings)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        lambda_backend(account_id, region_name).delete_function_event_invoke_config(self.function_name)


# -- CodeBuild -------------------------------------------------------------------------------------
