"""AWS::Lambda::EventInvokeConfig, AWS::Lambda::Permission and AWS::Lambda::EventSourceMapping,
through moto's Lambda backend."""

from __future__ import annotations

import contextlib
import json
from typing import Any, ClassVar

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.utils import get_backend as lambda_backend
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from scripts.local.resources.common import InvalidRequest, as_bool, replace_resource, required_properties


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


class CfnPermission(CloudFormationModel):
    """AWS::Lambda::Permission, in place of moto's handler (its Ref is the repr of a Python object and
    it cannot delete). The statement id is the generated physical id, which Ref returns (the statement
    is Lambda's, without the template's FunctionName, which made it a policy nobody could parse); deleting
    removes that statement from the function's policy (``LambdaBackend.remove_permission``). Every
    property change replaces the permission, as AWS does."""

    _REQUIRED = ("Action", "FunctionName", "Principal")

    def __init__(self, statement_id: str, function_name: str, account_id: str, region_name: str) -> None:
        self.statement_id = statement_id
        self.function_name = function_name
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Permission"

    @property
    def physical_resource_id(self) -> str:
        return self.statement_id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = required_properties(cls, cloudformation_json)
        backend = lambda_backend(account_id, region_name)
        function = backend.get_function(properties["FunctionName"])
        statement = {key: value for key, value in properties.items() if key != "FunctionName"}
        function.policy.add_statement(raw=json.dumps({**statement, "StatementId": resource_name}))
        return cls(resource_name, function.function_name, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(LambdaClientError):  # deleting the function took its policy along
            lambda_backend(account_id, region_name).remove_permission(self.function_name, self.statement_id)


class CfnEventSourceMapping(CloudFormationModel):
    """AWS::Lambda::EventSourceMapping, in place of moto's handler, whose GetAtt Id and
    EventSourceMappingArn silently drop the output that uses them, whose update keeps a setting the
    template no longer has, and which takes a number given as a parameter's text as it is. Ref and
    GetAtt Id: the mapping's UUID; GetAtt EventSourceMappingArn. The settings in ``_IN_PLACE`` update
    in place (one the template drops goes back to Lambda's default); any other change replaces the
    mapping, as AWS does for its source and starting position."""

    _REQUIRED = ("FunctionName", "EventSourceArn")
    _IN_PLACE: ClassVar[dict[str, Any]] = {
        "FunctionName": None,
        "BatchSize": None,  # None: moto's default for the source (10 for SQS)
        "Enabled": True,
        "FunctionResponseTypes": None,
        "ScalingConfig": None,
        "MaximumBatchingWindowInSeconds": None,
        "FilterCriteria": None,
        "DestinationConfig": None,
        "MaximumRecordAgeInSeconds": None,
        "MaximumRetryAttempts": None,
        "BisectBatchOnFunctionError": None,
        "ParallelizationFactor": None,
        "TumblingWindowInSeconds": None,
    }
    """The settings UpdateEventSourceMapping changes, with Lambda's value when the template leaves one out."""
    _INTEGERS = (
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "MaximumRecordAgeInSeconds",
        "MaximumRetryAttempts",
        "ParallelizationFactor",
        "TumblingWindowInSeconds",
    )

    def __init__(self, uuid: str, account_id: str, region_name: str, properties: dict[str, Any]) -> None:
        self.uuid = uuid
        self.account_id = account_id
        self.region_name = region_name
        self.properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::EventSourceMapping"

    @property
    def physical_resource_id(self) -> str:
        return self.uuid

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Id", "EventSourceMappingArn")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Id":
            return self.uuid
        if attribute_name == "EventSourceMappingArn":
            return lambda_backend(self.account_id, self.region_name).get_event_source_mapping(self.uuid).arn
        raise UnformattedGetAttTemplateException()

    @classmethod
    def _spec(cls, properties: dict[str, Any]) -> dict[str, Any]:
        """The properties as Lambda's API types them."""
        spec = dict(properties)
        for name in cls._INTEGERS:
            if spec.get(name) is not None:
                spec[name] = int(spec[name])
        for name in ("Enabled", "BisectBatchOnFunctionError"):
            if spec.get(name) is not None:
                spec[name] = as_bool(spec[name], True)
        scaling = spec.get("ScalingConfig") or {}
        if "MaximumConcurrency" in scaling:
            concurrency = int(scaling["MaximumConcurrency"])
            if not 2 <= concurrency <= 1000:
                raise LambdaClientError(
                    "InvalidParameterValueException",
                    f"ScalingConfig.MaximumConcurrency {concurrency} must be between 2 and 1000.",
                )
            spec["ScalingConfig"] = {**scaling, "MaximumConcurrency": concurrency}
        return spec

    @staticmethod
    @contextlib.contextmanager
    def _lambda_errors():
        """moto reports a bad BatchSize as ValueError(code, message): as Lambda's error instead."""
        try:
            yield
        except ValueError as error:
            if len(error.args) != 2:
                raise
            raise LambdaClientError(*error.args) from error

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = required_properties(cls, cloudformation_json)
        with cls._lambda_errors():
            mapping = lambda_backend(account_id, region_name).create_event_source_mapping(
                cls._spec(properties)
            )
        return cls(mapping.uuid, account_id, region_name, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = required_properties(cls, cloudformation_json)
        names = set(properties) | set(original_resource.properties)
        if any(
            properties.get(name) != original_resource.properties.get(name)
            for name in names - set(cls._IN_PLACE)
        ):
            return replace_resource(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        settings = cls._spec({**cls._IN_PLACE, **properties})
        settings = {name: settings[name] for name in cls._IN_PLACE}
        with cls._lambda_errors():
            lambda_backend(account_id, region_name).update_event_source_mapping(
                original_resource.uuid, settings
            )
        return cls(original_resource.uuid, account_id, region_name, properties)

    def delete(self, account_id: str, region_name: str) -> None:
        lambda_backend(self.account_id, self.region_name).delete_event_source_mapping(self.uuid)
