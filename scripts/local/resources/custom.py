"""Custom resources (``AWS::CloudFormation::CustomResource`` and ``Custom::*``): CloudFormation sends the
provider a request and waits for its response at the request's ``ResponseURL``.

The request goes to the ``ServiceToken``: an SNS topic gets it published (so its subscribers, a queue say,
receive it); a Lambda function is invoked with it asynchronously, as CloudFormation invokes it (its code
runs in the emulator, :mod:`scripts.local.awslambda`). The stack operation waits, apart from the API call,
until a response arrives (PUT or POST of the provider's JSON to the URL) or the wait times out:
``ServiceTimeout`` seconds if the resource sets it, else ``LOCAL_CUSTOM_RESOURCE_TIMEOUT``, else AWS's
hour. SUCCESS completes the resource (``Data`` answers ``Fn::GetAtt``); FAILED, an invalid response or the
timeout fails it, and the stack rolls back.

moto instead starts the Lambda function in a thread and completes the resource at once, so a stack is
complete before its provider has answered, and a FAILED response changes nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random

from scripts.local import endpoint
from scripts.local.cloudformation.engine import ResourceFailed, record
from scripts.local.cloudformation.workers import Wait
from scripts.local.resources.common import InvalidRequest

AWS_SERVICE_TIMEOUT_SECONDS = 3600
TIMEOUT_VARIABLE = "LOCAL_CUSTOM_RESOURCE_TIMEOUT"

_waiting: dict[tuple[str, str], ProviderRequest] = {}
"""Requests waiting for their provider's response, by (stack id, logical id)."""


class CustomResourceFailed(ResourceFailed):
    pass


@dataclass
class ProviderRequest:
    """One request to a provider and the wait for its response."""

    body: dict[str, Any]
    region: str
    timeout: float
    wait: Wait = field(default_factory=Wait)

    @property
    def key(self) -> tuple[str, str]:
        return self.body["StackId"], self.body["LogicalResourceId"]

    def send(self) -> dict[str, Any]:
        """Deliver the request and wait; the provider's response when it is SUCCESS."""
        token = self.body["ServiceToken"]
        _waiting[self.key] = self
        try:
            _deliver(token, self.body)
            _announce_wait(self.region, self.body)
            answered, response = self.wait.result(self.timeout)
        finally:
            _waiting.pop(self.key, None)
        if not answered:
            raise CustomResourceFailed(
                "CloudFormation did not receive a response from your Custom Resource. Please check your logs "
                f"for requestId [{self.body['RequestId']}]. (local timeout: {self.timeout:g} s; set "
                f"{TIMEOUT_VARIABLE} or the resource's ServiceTimeout)"
            )
        problem = _invalid(response)
        if problem:
            raise CustomResourceFailed(f"Invalid response object: {problem}")
        if response["Status"] == "FAILED":
            raise CustomResourceFailed(
                "Received response status [FAILED] from custom resource. Message returned: "
                f"{response.get('Reason') or 'See the details in the provider logs.'} "
                f"(RequestId: {self.body['RequestId']})"
            )
        return response


def answer(stack_id: str, logical_id: str, request_id: str | None, response: Any) -> bool:
    """Hand a provider's response to the request waiting for it (``request_id``, when the URL or the
    response names it, must be that request's); False when none is waiting."""
    request = _waiting.get((stack_id, logical_id))
    if request is None or (request_id and request_id != request.body["RequestId"]):
        return False
    return request.wait.answer(response)


def _invalid(response: Any) -> str | None:
    if not isinstance(response, dict):
        return "the response is not a JSON object"
    if response.get("Status") not in ("SUCCESS", "FAILED"):
        return "Status must be SUCCESS or FAILED"
    if not isinstance(response.get("Data", {}), dict):
        return "Data must be a JSON object"
    physical_id = response.get("PhysicalResourceId")
    if physical_id is not None and (
        not isinstance(physical_id, str) or not physical_id or len(physical_id) > 1024
    ):
        return "PhysicalResourceId must be a non-empty string of at most 1 KB"
    return None


def as_sent(value: Any) -> Any:
    """Property values as a provider receives them: numbers and booleans as strings."""
    if isinstance(value, dict):
        return {key: as_sent(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_sent(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value


def _deliver(token: str, body: dict[str, Any]) -> None:
    parts = token.split(":", 5)
    service, region, account = (parts[2], parts[3], parts[4]) if len(parts) == 6 else ("", "", "")
    if service == "sns":
        from moto.sns.models import sns_backends

        sns_backends[account][region].publish(json.dumps(body), arn=token)
    elif service == "lambda":
        from moto.awslambda.utils import get_backend

        backend = get_backend(account, region)
        backend.get_function(token)  # a function that does not exist fails the resource
        backend.invoke(token, None, json.dumps(body), {"X-Amz-Invocation-Type": "Event"}, {})
    else:
        raise InvalidRequest(
            f"Invalid service token {token!r}: give the ARN of an SNS topic or a Lambda function"
        )


def _timeout(properties: dict[str, Any]) -> float:
    """``ServiceTimeout`` (AWS allows 1 to 3600 seconds), else the local default."""
    given = properties.get("ServiceTimeout")
    source = "ServiceTimeout" if given is not None else TIMEOUT_VARIABLE
    value = given if given is not None else os.environ.get(TIMEOUT_VARIABLE) or AWS_SERVICE_TIMEOUT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 1 <= seconds <= AWS_SERVICE_TIMEOUT_SECONDS:
        raise InvalidRequest(
            f"{source} must be a number of seconds from 1 to {AWS_SERVICE_TIMEOUT_SECONDS}: {value!r}"
        )
    return seconds


def _response_url(region: str, stack_id: str, logical_id: str, request_id: str) -> str:
    base = endpoint.current() or f"https://cloudformation.{region}.amazonaws.com"
    query = f"stack={quote(stack_id, safe='')}&resource={quote(logical_id)}&request={request_id}"
    return f"{base}/cloudformation_{region}/cfnresponse?{query}"


class CustomResource(CloudFormationModel):
    """A custom resource. Ref: the provider's PhysicalResourceId; GetAtt: any key of its ``Data``."""

    def __init__(
        self, stack_id: str, logical_id: str, resource_type: str, properties: dict[str, Any], response: dict
    ) -> None:
        self.stack_id = stack_id
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.properties = properties
        self.physical_resource_id: str = response["PhysicalResourceId"]
        self.data: dict[str, Any] = response.get("Data") or {}

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFormation::CustomResource"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True  # a provider's Data is known only once it has answered

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.data:
            raise UnformattedGetAttTemplateException()
        return self.data[attribute_name]

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CustomResource:
        properties = cloudformation_json["Properties"]
        stack_id, logical_id = kwargs["StackId"], kwargs["LogicalId"]
        resource_type = cloudformation_json["Type"]
        response = cls._request(region_name, stack_id, logical_id, resource_type, "Create", properties)
        response.setdefault("PhysicalResourceId", resource_name)
        return cls(stack_id, logical_id, resource_type, properties, response)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: CustomResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CustomResource:
        properties = cloudformation_json["Properties"]
        if properties.get("ServiceToken") != original_resource.properties.get("ServiceToken"):
            raise InvalidRequest("Modifying service token is not allowed.")
        response = cls._request(
            region_name,
            original_resource.stack_id,
            original_resource.logical_id,
            original_resource.resource_type,
            "Update",
            properties,
            PhysicalResourceId=original_resource.physical_resource_id,
            OldResourceProperties=as_sent(original_resource.properties),
        )
        response.setdefault("PhysicalResourceId", original_resource.physical_resource_id)
        return cls(original_resource.stack_id, original_resource.logical_id, original_resource.resource_type,
                   properties, response)  # fmt: skip

    def delete(self, account_id: str, region_name: str) -> None:
        self._request(
            region_name,
            self.stack_id,
            self.logical_id,
            self.resource_type,
            "Delete",
            self.properties,
            PhysicalResourceId=self.physical_resource_id,
        )

    @classmethod
    def _request(
        cls,
        region: str,
        stack_id: str,
        logical_id: str,
        resource_type: str,
        request_type: str,
        properties: dict[str, Any],
        **extra: Any,
    ) -> dict[str, Any]:
        if not properties.get("ServiceToken"):
            raise InvalidRequest(
                f"{resource_type} properties validation failed: required key [ServiceToken] not found."
            )
        request_id = str(mock_random.uuid4())
        body: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": properties["ServiceToken"],
            "ResponseURL": _response_url(region, stack_id, logical_id, request_id),
            "StackId": stack_id,
            "RequestId": request_id,
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
            "ResourceProperties": as_sent(properties),
            **extra,
        }
        return ProviderRequest(body, region, _timeout(properties)).send()


def _announce_wait(region: str, body: dict[str, Any]) -> None:
    """An IN_PROGRESS event saying what the stack now waits for."""
    from moto.cloudformation.models import cloudformation_backends

    account = body["StackId"].split(":")[4]
    stack = cloudformation_backends[account][region].get_stack(body["StackId"])
    reason = f"Waiting for the provider's response to request {body['RequestId']} at {body['ResponseURL']}"
    status = f"{body['RequestType'].upper()}_IN_PROGRESS"
    record(stack, body["LogicalResourceId"], body["ResourceType"], status, reason=reason)
