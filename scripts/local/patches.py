"""Every replacement of a moto internal the emulator makes, in one place.

Each entry names the moto attribute it replaces and why. :func:`apply` refuses to run when one of
them no longer exists, so a moto upgrade fails at start-up (and in the tests), not in a user's deploy.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from moto.awslambda import models as lambda_models
from moto.awslambda.models import LambdaFunction
from moto.cloudformation import parsing as cloudformation_parsing
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.base_backend import BackendDict
from moto.core.utils import convert_to_flask_response
from moto.events.models import Rule as EventsRule
from moto.events.responses import EventsHandler
from moto.logs.responses import LogsResponse
from moto.moto_server import threaded_moto_server
from moto.s3 import notifications as s3_notifications
from moto.s3.models import FakeBucket, S3Backend
from moto.s3.responses import S3Response
from moto.sns.models import Subscription as SnsSubscription
from moto.sqs.models import Queue as SqsQueue
from moto.ssm.models import Parameter as SsmParameter
from moto.utilities.tagging_service import TaggingService

from scripts.local import concurrency, failures
from scripts.local.cloudformation import engine, parameters, references, tags, template
from scripts.local.events import delivery as events_delivery
from scripts.local.resources import custom
from scripts.local.s3 import eventbridge as s3_eventbridge


class MotoChangedError(RuntimeError):
    pass


def _bucket_permission(bucket: FakeBucket, action: str, resource: str):
    """``FakeBucket.get_permission`` evaluates bucket policies without a request context, so any
    statement with a Condition denies every request (our TLS-only Deny included). Here
    ``aws:SecureTransport`` is true (the loopback endpoint stands in for AWS's TLS endpoint) and a
    statement conditioned on any other key does not apply, as there is no context to evaluate it."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    policy = json.loads(bucket.policy)
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    policy["Statement"] = [s for s in statements if _condition_holds(s.get("Condition"))]
    return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)


def _condition_holds(condition: dict[str, Any] | None) -> bool:
    if not condition:
        return True
    if set(condition) != {"Bool"} or set(condition["Bool"]) != {"aws:SecureTransport"}:
        return False
    expected = condition["Bool"]["aws:SecureTransport"]
    values = expected if isinstance(expected, list) else [expected]
    return "true" in (str(value).lower() for value in values)


_original_validate_tags = TaggingService.validate_tags


def _validate_tags(self: TaggingService, tag_list: list[dict[str, str]], limit: int = 0) -> str:
    """``TaggingService.validate_tags`` refuses every ``aws:`` key, as services do for callers; the
    ``aws:cloudformation:`` tags CloudFormation puts on what it provisions pass (and, as in AWS, do not
    count against the limit)."""
    own = [tag for tag in tag_list if not tags.is_cloudformation_system_tag(str(tag.get(self.key_name, "")))]
    return _original_validate_tags(self, own, limit)


def _stack_update(self: Stack, template: str, role_arn=None, parameters=None, tags=None) -> None:
    engine.update(self, template, parameters if parameters is not None else self.parameters, role_arn, tags)


_original_outputs = Stack.outputs.fget


def _stack_outputs(self: Stack):
    """Outputs exist only once the stack is complete (moto would resolve them on a failed stack)."""
    return _original_outputs(self) if self.status in engine.OUTPUT_STATES else None


def _stack_exports(self: Stack):
    """A stack's exports are those published when it completed (moto resolves them from the template
    at any time, before its resources exist)."""
    exports = engine.backend_of(self).exports.values()
    return [export for export in exports if export.exporting_stack_id == self.stack_id]


def _stack_resources(self: Stack):
    return list(engine.created_resources(self.resource_map).values())


# -- parameter checks (scripts.local.cloudformation.parameters) ---------------------------------------
def _request_template(response: CloudFormationResponse, stack: Stack | None = None) -> dict[str, Any]:
    """The template a request names, as moto's handlers find it; {} when it names none (moto refuses
    that request itself)."""
    if stack is not None and response._get_bool_param("UsePreviousTemplate", False):
        return stack.template_dict
    body = response._get_param("TemplateBody")
    url = response._get_param("TemplateURL")
    if url and not body:
        body = response._get_stack_from_s3_url(url)
    return Stack.parse_template(body) if body else {}


def _context(response: CloudFormationResponse, stack: Stack | None) -> parameters.Context:
    return parameters.Context(
        response.current_account,
        response.region,
        response._get_param("StackName"),
        stack.stack_id if stack else None,
    )


def _check_request(response: CloudFormationResponse, stack: Stack | None) -> None:
    """Check that the request's template names only what exists, validate its parameters against the
    template (``stack``: the stack an update reads previous values from) and hand moto explicit values
    where the request said UsePreviousValue."""
    template = _request_template(response, stack)
    if not template:
        return
    references.check(template)
    given = response._get_param("Parameters", [])
    previous = parameters.previous_values(stack.template_dict, stack.parameters) if stack else None
    values = parameters.validate(template, given, previous, _context(response, stack))
    response.params["Parameters"] = [
        {"ParameterKey": entry["ParameterKey"], "ParameterValue": values[entry["ParameterKey"]]}
        if str(entry.get("UsePreviousValue")).lower() == "true"
        else entry
        for entry in given
    ]


def _process_cfn_response(self: CloudFormationResponse):
    """``CloudFormationResponse.process_cfn_response`` (a custom resource provider's response at its
    ResponseURL): moto stores the Data and marks the stack complete, and ignores FAILED. Here the response
    goes to the stack operation waiting for it, which completes or fails the resource and the stack."""
    query = self.querystring
    stack_id = (query.get("stack") or [""])[0]
    try:
        response = json.loads(self.body or "null")
    except json.JSONDecodeError:
        return 400, {"status": 400}, "The response must be the provider's JSON object."
    named = response if isinstance(response, dict) else {}
    logical_id = (query.get("resource") or [""])[0] or str(named.get("LogicalResourceId", ""))
    request_id = (query.get("request") or [""])[0] or named.get("RequestId")
    if not custom.answer(stack_id, logical_id, request_id, response):
        waiting = f"No custom resource request of stack {stack_id} waits for {logical_id!r}"
        return 404, {"status": 404}, f"{waiting} (answered already, or timed out)."
    return 200, {"status": 200}, ""


_original_reset = BackendDict.reset.__func__


def _reset_backends(cls: type[BackendDict]) -> None:
    """``BackendDict.reset`` (``/moto-api/reset``, and moto's own between tests): background work is
    cancelled first, so nothing started before the reset writes into the state after it."""
    concurrency.reset()
    _original_reset(cls)


_original_create_stack = CloudFormationResponse.create_stack


def _create_stack(self: CloudFormationResponse):
    """``CloudFormationResponse.create_stack``: moto creates the stack with whatever parameters it is
    given. Here they are checked first (unknown, missing, constraints, Rules), so a refused request
    leaves no stack."""
    _check_request(self, None)
    return _original_create_stack(self)


_original_update_stack = CloudFormationResponse.update_stack


def _update_stack(self: CloudFormationResponse):
    """``CloudFormationResponse.update_stack``: moto accepts a missing required parameter and fails on
    UsePreviousValue for a value that came from a Default. Here the parameters are checked against the
    new template, and UsePreviousValue becomes the previous value, before moto's handler runs."""
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    _check_request(self, stack)
    return _original_update_stack(self)


_original_create_change_set = CloudFormationResponse.create_change_set


def _create_change_set(self: CloudFormationResponse):
    """``CloudFormationResponse.create_change_set``: as for stacks, the parameters are checked before
    moto makes the change set (and, for CREATE, the REVIEW_IN_PROGRESS stack); UsePreviousValue
    becomes the previous value (moto reads it from its typed, resolved values)."""
    stack = None
    if self._get_param("ChangeSetType", "CREATE") == "UPDATE":
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        self.validate_template_and_stack_body()
    _check_request(self, stack)
    return _original_create_change_set(self)


def _lambda_code_object(account_id: str, partition: str, data: dict[str, Any]):
    """``moto.awslambda.models._validate_s3_bucket_and_key`` reads the newest version of ``S3Key`` whatever
    ``S3ObjectVersion`` says, and creates a function with empty code when the key does not exist. Lambda
    reads exactly the version named, and refuses a missing bucket, key or version (unless moto's
    ``VALIDATE_LAMBDA_S3=false`` turns that check off, as in moto)."""
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends

    s3 = s3_backends[account_id][partition]
    version = data.get("S3ObjectVersion")
    try:
        found = s3.get_object(data["S3Bucket"], data["S3Key"], version)
    except MissingBucket:
        found, code, message = None, "NoSuchBucket", "The specified bucket does not exist"
    else:
        key_exists = bool(s3.get_bucket(data["S3Bucket"]).keys.getlist(data["S3Key"], default=[]))
        code, message = (
            ("NoSuchVersion", "The specified version does not exist.")
            if version and key_exists
            else ("NoSuchKey", "The specified key does not exist.")
        )
    if found is None and lambda_models.do_validate_s3():
        raise InvalidParameterValueException(
            f"Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"
        )
    return found


_original_ssm_parameter = SsmParameter.__dict__["create_from_cloudformation_json"].__func__


def _ssm_parameter_from_cloudformation(cls, resource_name, cloudformation_json, *args, **kwargs):
    """``Parameter.create_from_cloudformation_json`` (SSM) takes ``Tags`` as a list of Key/Value pairs;
    AWS::SSM::Parameter declares them as a map (``{"team": "data"}``), which it fails on."""
    tags = cloudformation_json.get("Properties", {}).get("Tags")
    if isinstance(tags, dict):
        listed = [{"Key": key, "Value": value} for key, value in tags.items()]
        properties = {**cloudformation_json["Properties"], "Tags": listed}
        cloudformation_json = {**cloudformation_json, "Properties": properties}
    return _original_ssm_parameter(cls, resource_name, cloudformation_json, *args, **kwargs)


def _stack_parameter_list(self: Stack) -> list[dict[str, str]]:
    """``Stack.parameter_list`` shows moto's typed values (a CommaDelimitedList as a Python list's repr, a
    Number as an int); DescribeStacks shows each value as text, as it was given (or the Default), and
    ``****`` for NoEcho."""
    hidden = set(self.resource_map.no_echo_parameter_keys)
    return [
        {"ParameterKey": key, "ParameterValue": "****" if key in hidden else value}
        for key, value in parameters.previous_values(self.template_dict, self.parameters).items()
    ]


_original_validate_template = CloudFormationBackend.validate_template


def _validate_template(self: CloudFormationBackend, template: str) -> list[Any]:
    """``CloudFormationBackend.validate_template`` only runs cfn-lint; AWS also refuses a malformed
    Parameters section, a Rules section with unsupported functions or undeclared parameters, and a name
    the template refers to but does not define."""
    if template:
        parsed = Stack.parse_template(template)
        references.check(parsed)
        parameters.check_template(parsed)
    return _original_validate_template(self, template)


_original_flask_call = convert_to_flask_response.__call__


def _flask_response(self: convert_to_flask_response, args: Any = None, **kwargs: Any):
    """``convert_to_flask_response.__call__`` runs every handler of the server. It lets any exception
    but ``ClientError`` reach Flask, which answers an HTML page with HTTP 500 that clients retry for
    seconds: a NotImplementedError (an operation moto lacks), the KeyError of a region moto has no
    backend for, a bug. Here a request signed for a region that does not exist is refused before the
    handler runs, and what escapes the handler becomes an AWS error in the service's protocol
    (:mod:`scripts.local.failures`); moto's own errors (``HTTPException``) pass through. Each handler
    runs holding the emulator's state lock (:mod:`scripts.local.concurrency`): moto's backends have none."""
    from flask import current_app, request
    from werkzeug.exceptions import HTTPException

    service = getattr(current_app, "service", None)
    refused = failures.refuse_unknown_region(service, request)
    if refused is not None:
        return refused
    try:
        with concurrency.holding_state():
            return _original_flask_call(self, args, **kwargs)
    except HTTPException:
        raise
    except Exception as failure:
        answer = failures.answer_failure(service, request, failure)
        if answer is None:
            raise
        return answer


_original_create_backend_app = threaded_moto_server.create_backend_app


def _unrouted(error: Exception):
    from flask import current_app, request

    answer = failures.answer_unrouted(getattr(current_app, "service", None), request, error)
    return error if answer is None else answer


def _create_backend_app(service: str):
    """``threaded_moto_server.create_backend_app`` builds the Flask app of one service. A request no
    route of it matches (an operation moto has no URL for, as most REST operations it lacks) gets
    Flask's HTML 404 page, or 405 for a method the path does not take. Here both are answered as an
    unsupported operation, in the service's protocol (:mod:`scripts.local.failures`). Only werkzeug's
    own NotFound/MethodNotAllowed reach these handlers: moto's 404 errors are other classes."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    app = _original_create_backend_app(service)
    app.register_error_handler(NotFound, _unrouted)
    app.register_error_handler(MethodNotAllowed, _unrouted)
    return app


_FILTER_RULE_NAME = re.compile(r"<Name>\s*(prefix|suffix)\s*</Name>", re.IGNORECASE)
_original_notification_config = S3Response._notification_config_from_body


def _notification_config_from_body(self: S3Response) -> dict[str, Any]:
    """``S3Response._notification_config_from_body`` asserts that a key filter rule is named ``prefix``
    or ``suffix`` in lower case (any other spelling is an AssertionError). S3 takes the name in any
    case and answers ``Prefix``/``Suffix``, so a configuration read back and put again failed. Here the
    name is lower-cased before moto reads the body: the form moto stores and matches keys with."""
    body = self.body.decode() if isinstance(self.body, bytes) else self.body
    if body:
        self.body = _FILTER_RULE_NAME.sub(lambda match: f"<Name>{match[1].lower()}</Name>", body)
    return _original_notification_config(self)


def _notification_entry(notification: Any, arn_key: str) -> dict[str, Any]:
    entry = {"Id": notification.id, arn_key: notification.arn, "Events": list(notification.events)}
    rules = notification.filters.get("S3Key", {}).get("FilterRule")
    if rules:
        rules = rules if isinstance(rules, list) else [rules]
        entry["Filter"] = {
            "Key": {
                "FilterRules": [{"Name": rule["Name"].capitalize(), "Value": rule["Value"]} for rule in rules]
            }
        }
    return entry


def _get_bucket_notification(self: S3Response):
    """``S3Response.get_bucket_notification`` answers only the topic, queue and Lambda configurations,
    although moto stores EventBridgeConfiguration (``NotificationConfiguration.event_bridge``): a
    bucket sending its events to EventBridge read back as sending nothing, and a read-modify-write
    turned it off. Here the answer carries ``EventBridgeConfiguration`` as S3's does, and names key
    filter rules ``Prefix``/``Suffix`` as S3 does whatever case they were put in."""
    from moto.core.responses import ActionResult, EmptyResult

    configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
    self.data["Action"] = "GetBucketNotificationConfiguration"
    if not configuration:
        return self.serialized(EmptyResult())
    result: dict[str, Any] = {
        "TopicConfigurations": [_notification_entry(n, "TopicArn") for n in configuration.topic],
        "QueueConfigurations": [_notification_entry(n, "QueueArn") for n in configuration.queue],
        "LambdaFunctionConfigurations": [
            _notification_entry(n, "LambdaFunctionArn") for n in configuration.cloud_function
        ],
    }
    if configuration.event_bridge is not None:
        result["EventBridgeConfiguration"] = {}
    return self.serialized(ActionResult(result))


_original_filter_log_events = LogsResponse.filter_log_events


def _filter_log_events(self: LogsResponse) -> str:
    """``LogsResponse.filter_log_events`` ignores ``logStreamNamePrefix``: asked for one processing job's
    stream, it answered every job's events. Here the prefix chooses the streams, as CloudWatch Logs does
    (with ``logStreamNames`` too it is refused, as there)."""
    from moto.logs.exceptions import InvalidParameterException

    prefix = self._get_param("logStreamNamePrefix")
    if not prefix:
        return _original_filter_log_events(self)
    if self._get_param("logStreamNames"):
        raise InvalidParameterException(
            msg="Cannot specify both logStreamNames and logStreamNamePrefix in the same request."
        )
    group = self.logs_backend.groups.get(self._get_param("logGroupName"))
    names = [name for name in (group.streams if group else {}) if name.startswith(prefix)]
    if group is not None and not names:
        return json.dumps({"events": [], "searchedLogStreams": []})
    self.body = json.dumps({**json.loads(self.body), "logStreamNames": names})
    return _original_filter_log_events(self)


_original_queue_attributes = SqsQueue._set_attributes


def _queue_attributes(self: SqsQueue, attributes: dict[str, Any], now: Any = None) -> None:
    """``Queue._set_attributes`` sets the policy to whatever the call gives: SetQueueAttributes with only a
    VisibilityTimeout removed the queue's policy (and with it EventBridge's permission to send). SQS
    changes only the attributes given."""
    kept = getattr(self, "_policy_json", None) if "Policy" not in attributes else None
    _original_queue_attributes(self, attributes, now)
    if kept is not None:
        self._policy_json = kept


_original_subscription_publish = SnsSubscription.publish


def _subscription_publish(
    self: SnsSubscription, message: str, message_id: str, subject: str | None = None,
    message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any,
) -> None:  # fmt: skip
    """``Subscription.publish`` runs a Lambda subscriber through Docker with a fixed example event; here it
    is invoked asynchronously with the notification (:mod:`scripts.local.awslambda.sns_events`). The
    subscription's filter policy and a JSON message structure apply first, as before."""
    if self.protocol != "lambda":
        return _original_subscription_publish(
            self, message, message_id, subject, message_attributes, *args, **kwargs
        )
    from scripts.local.awslambda import sns_events

    if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
        message_attributes, message
    ):
        return None
    if kwargs.get("message_structure") == "json":
        message = self._parse_message_structure(message, self.protocol)
    sns_events.deliver(self, message, message_id, subject, message_attributes)
    return None


_original_add_message = SqsQueue.add_message


def _add_message(self: SqsQueue, message: Any) -> None:
    """``Queue.add_message`` runs the queue's Lambda event source mappings inside SendMessage, so a slow
    function slowed the sender and a failing one was retried at once. Here the message is only queued,
    and the mappings' poller runs on a thread of its own (:mod:`scripts.local.awslambda.event_sources`)."""
    from scripts.local.awslambda import event_sources

    mappings, self.lambda_event_source_mappings = self.lambda_event_source_mappings, {}
    try:
        _original_add_message(self, message)
    finally:
        self.lambda_event_source_mappings = mappings
    if any(mapping.enabled for mapping in mappings.values()):
        event_sources.poll_soon(self)


_original_complete_multipart_upload = S3Backend.complete_multipart_upload


def _complete_multipart_upload(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
    """``S3Backend.complete_multipart_upload`` stores the object with ``put_object``, which sends an
    ``ObjectCreated:Put`` event before the ``CompleteMultipartUpload`` one: two events (and two pipeline
    runs) for one upload. S3 sends only the second; here the inner ``put_object`` sends nothing."""
    self.put_object = functools.partial(S3Backend.put_object, self, disable_notification=True)
    try:
        return _original_complete_multipart_upload(self, *args, **kwargs)
    finally:
        del self.put_object


_EVENT_FIELDS = ("id", "account", "source", "time", "region", "resources", "detail-type")


def _test_event_pattern(self: EventsHandler) -> str:
    """``EventsHandler.test_event_pattern`` answers nothing at all. Here the pattern is matched against the
    event with the same matcher rules use, and an event without the fields EventBridge requires is refused
    as EventBridge refuses it."""
    from moto.events.exceptions import ValidationException
    from moto.events.models import EventPattern

    pattern = EventPattern.load(self._get_param("EventPattern"))
    try:
        event = json.loads(self._get_param("Event") or "")
    except json.JSONDecodeError:
        raise ValidationException("Parameter Event is not valid.") from None
    if not isinstance(event, dict) or any(field not in event for field in _EVENT_FIELDS):
        raise ValidationException("Parameter Event is not valid.")
    return json.dumps({"Result": pattern.matches_event(event)})


def _send_to_targets(self: EventsRule, event: dict[str, Any], transform_input: bool = True) -> None:
    """``Rule.send_to_targets`` delivers inside the PutEvents request, applies a target's input settings
    with its own rules and raises NotImplementedError for a Lambda target; here delivery is EventBridge's
    (:mod:`scripts.local.events.delivery`)."""
    events_delivery.to_rule(self, event)


_original_lambda_from_cloudformation = LambdaFunction.create_from_cloudformation_json.__func__
_original_lambda_configuration = LambdaFunction.get_configuration


def _lambda_from_cloudformation(cls, resource_name, cloudformation_json, *args, **kwargs):
    """``LambdaFunction.create_from_cloudformation_json`` drops ``DeadLetterConfig`` and ``LoggingConfig``
    (the product's function sets both); they are kept on the function for the runtime. Its environment
    variables are strings, as Lambda keeps them (GetFunctionConfiguration showed a number, which
    UpdateFunctionConfiguration then refused)."""
    from scripts.local.awslambda.models import keep_settings

    variables = cloudformation_json.get("Properties", {}).get("Environment", {}).get("Variables")
    if variables:  # a Ref to a Number parameter is a string on AWS; moto's parameters keep numbers
        cloudformation_json["Properties"]["Environment"]["Variables"] = {
            k: str(v) for k, v in variables.items()
        }
    function = _original_lambda_from_cloudformation(cls, resource_name, cloudformation_json, *args, **kwargs)
    keep_settings(function, cloudformation_json.get("Properties", {}))
    return function


def _lambda_configuration(self: LambdaFunction, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """``LambdaFunction.get_configuration`` with the settings moto drops, as Lambda shows them."""
    from scripts.local.awslambda.models import described_settings

    return {**_original_lambda_configuration(self, *args, **kwargs), **described_settings(self)}


PATCHES: tuple[tuple[object, str, Callable[..., Any] | property | staticmethod | classmethod], ...] = (
    (FakeBucket, "get_permission", _bucket_permission),
    (lambda_models, "_validate_s3_bucket_and_key", _lambda_code_object),
    (SsmParameter, "create_from_cloudformation_json", classmethod(_ssm_parameter_from_cloudformation)),
    (TaggingService, "validate_tags", _validate_tags),
    (BackendDict, "reset", classmethod(_reset_backends)),
    (Stack, "parse_template", staticmethod(template.parse)),
    (Stack, "create_resources", engine.create),
    (Stack, "update", _stack_update),
    (Stack, "delete", engine.delete),
    (Stack, "outputs", property(_stack_outputs)),
    (Stack, "parameter_list", property(_stack_parameter_list)),
    (Stack, "stack_resources", property(_stack_resources)),
    (Stack, "exports", property(_stack_exports)),
    (CloudFormationBackend, "delete_stack", engine.delete_stack),
    (CloudFormationBackend, "execute_change_set", engine.execute_change_set),
    (CloudFormationBackend, "validate_template", _validate_template),
    (CloudFormationResponse, "create_stack", _create_stack),
    (CloudFormationResponse, "process_cfn_response", _process_cfn_response),
    (cloudformation_parsing, "CustomModel", custom.CustomResource),
    (CloudFormationResponse, "update_stack", _update_stack),
    (CloudFormationResponse, "create_change_set", _create_change_set),
    (convert_to_flask_response, "__call__", _flask_response),
    (threaded_moto_server, "create_backend_app", _create_backend_app),
    (LogsResponse, "filter_log_events", _filter_log_events),
    (SqsQueue, "add_message", _add_message),
    (SqsQueue, "_set_attributes", _queue_attributes),
    (SnsSubscription, "publish", _subscription_publish),
    (s3_notifications, "_send_event_bridge_message", s3_eventbridge.send),
    (S3Backend, "complete_multipart_upload", _complete_multipart_upload),
    (EventsHandler, "test_event_pattern", _test_event_pattern),
    (EventsRule, "send_to_targets", _send_to_targets),
    (LambdaFunction, "create_from_cloudformation_json", classmethod(_lambda_from_cloudformation)),
    (LambdaFunction, "get_configuration", _lambda_configuration),
    (S3Response, "get_bucket_notification", _get_bucket_notification),
    (S3Response, "_notification_config_from_body", _notification_config_from_body),
)


def apply() -> None:
    missing = [f"{owner.__name__}.{name}" for owner, name, _ in PATCHES if name not in vars(owner)]
    if missing:
        raise MotoChangedError(
            f"moto no longer has {', '.join(missing)}: revisit scripts/local/patches.py for this moto version"
        )
    for owner, name, replacement in PATCHES:
        setattr(owner, name, replacement)
