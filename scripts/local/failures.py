"""How the emulator fails: with an AWS error in the protocol of the service called, at once.

Left to itself, the server lets whatever a handler raises reach Flask, which answers an HTML page
with HTTP 500. Every AWS SDK retries a 500 (botocore retries 500, 502, 503, 504 in its legacy and
standard modes, and 509 and 429 besides), so a client waits seconds for an answer the emulator knew
at once, and a side effect of the failed request happens again on every attempt. Here each kind of
failure gets the answer a client can act on:

===============================  ====================================================================
failure                          answer
===============================  ====================================================================
``NotImplementedError``: an      ``NotImplemented``, HTTP 501, naming the operation. 501 is the status
operation or feature moto and    HTTP has for "the server does not support the functionality
our extensions lack              required", S3 answers ``NotImplemented`` with it, and no SDK retries it.
a request signed for a region    what AWS answers a credential scoped to an invalid region:
that does not exist (moto        ``SignatureDoesNotMatch`` (XML protocols) or
would fail with ``KeyError``)    ``InvalidSignatureException`` (JSON protocols), HTTP 403, and S3's
                                 ``AuthorizationHeaderMalformed``, HTTP 400, naming the region. On AWS
                                 the endpoint of such a region does not resolve; the emulator has one
                                 endpoint, so it answers as a real endpoint answers a bad scope.
any other exception: a bug in    ``InternalFailure`` (AWS's code for an unexpected failure), with HTTP
moto or in our extensions        501 rather than 500: the failure is deterministic, a retry would
                                 only repeat the request's side effects. The traceback goes to the
                                 emulator's log.
===============================  ====================================================================

moto's own AWS errors are not failures: a werkzeug ``HTTPException`` passes through untouched, and a
``ServiceException`` raised where moto does not serialize it is serialized as moto serializes it. A
request that no route of the service's app matches (Flask's ``NotFound``/``MethodNotAllowed``) is an
unsupported operation too. The serialization is moto's own (``moto.core.serialize``), so an error
has the shape moto's answers have in the same protocol (the ``X-Amzn-Query-Error`` header of
query-compatible JSON services included).
"""

from __future__ import annotations

import re
import sys
import traceback
from typing import Any

from moto.core.errors import ErrorShape
from moto.core.exceptions import ServiceException
from moto.core.model import OperationModel, ServiceModel
from moto.core.serialize import SerializationContext, get_serializer_class

from scripts.local import regions

NOT_IMPLEMENTED_STATUS = 501
_CREDENTIAL = re.compile(r"Credential=[^/,\s]*/\d{8}/(?P<region>[^/,\s]+)/")
_MOTO_NOT_IMPLEMENTED = re.compile(r"^The \w+ action has not been implemented$")
_SUPPORTED_PROTOCOLS = ("json", "rest-json", "rest-xml", "query", "ec2")
"""The protocols a botocore client may speak, in the order it prefers them (``botocore.utils``)."""

_JSON_PROTOCOLS = frozenset({"json", "rest-json"})


class EmulatorError(ServiceException):
    """An AWS error the emulator answers itself (its code and message set per instance)."""


def signing_region(request: Any) -> str | None:
    """The region of the request's SigV4 credential scope (header or presigned URL), if signed."""
    authorization = request.headers.get("Authorization", "")
    match = _CREDENTIAL.search(authorization)
    if match:
        return match["region"]
    credential = request.args.get("X-Amz-Credential", "")
    parts = credential.split("/")
    return parts[2] if len(parts) == 5 else None


def _service_model(app_service: str | None) -> ServiceModel | None:
    """The botocore model of the moto backend an app serves (``awslambda`` → lambda), if any."""
    from moto.core.responses import boto3_service_name
    from moto.core.utils import get_service_model, service_name_from_moto_package_name

    if not app_service:
        return None
    name = boto3_service_name.get(app_service) or service_name_from_moto_package_name(app_service)
    try:
        return get_service_model(name)
    except Exception:  # moto_api, instance_metadata, …: not an AWS service
        return None


def _protocol(service_model: ServiceModel, request: Any) -> str:
    """The protocol the client spoke: from the content type where it tells, otherwise the one a
    botocore client picks among those the service supports."""
    offered = service_model.metadata.get("protocols") or [service_model.protocol]
    content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip()
    if content_type.startswith("application/x-amz-json") and "json" in offered:
        return "json"
    if content_type == "application/json" and "rest-json" in offered:
        return "rest-json"
    if content_type == "application/x-www-form-urlencoded":
        for protocol in ("query", "ec2"):
            if protocol in offered:
                return protocol
    return next((p for p in _SUPPORTED_PROTOCOLS if p in offered), "json")


def _operation_name(service_model: ServiceModel, protocol: str, request: Any) -> str | None:
    if protocol == "json":
        target = request.headers.get("X-Amz-Target", "")
        return target.rsplit(".", 1)[-1] or None
    if protocol in ("query", "ec2"):
        return request.values.get("Action")
    try:
        from moto.core.routing import get_service_router

        operation, _ = get_service_router(service_model.service_name).match(request)
    except Exception:  # a path no operation of the service has
        return None
    return operation.name


def _operation_model(service_model: ServiceModel, name: str | None) -> OperationModel:
    if name in service_model.operation_names:
        return service_model.operation_model(name)
    return OperationModel({"name": name or "Unknown"}, service_model)


def error_response(
    service_model: ServiceModel,
    request: Any,
    error: EmulatorError,
    status: int,
    sender_fault: bool,
    operation: str | None = None,
):
    """A Flask response carrying ``error`` as the service answers errors in the request's protocol."""
    from flask import Response
    from moto.utilities.aws_headers import gen_amzn_requestid_long

    protocol = _protocol(service_model, request)
    operation = operation or _operation_name(service_model, protocol, request)
    shape = ErrorShape(
        error.code,
        {
            "type": "structure",
            "members": {},
            "exception": True,
            "fault": not sender_fault,
            "error": {"code": error.code, "httpStatusCode": status, "senderFault": sender_fault},
        },
    )
    request_id = gen_amzn_requestid_long()
    serializer = get_serializer_class(service_model.service_name, protocol)(
        _operation_model(service_model, operation), context=SerializationContext(request_id)
    )
    fields = serializer.MAP_TYPE()
    serializer._serialize_error_metadata(fields, error, shape)
    answer = serializer._serialized_error_to_response(
        serializer._create_default_response(), error, shape, fields
    )
    headers = {**answer["headers"], "x-amzn-RequestId": request_id}
    if protocol in _JSON_PROTOCOLS:  # moto's serializer names the model's first protocol (CBOR for some)
        headers["Content-Type"] = _json_content_type(service_model, protocol)
    return Response(response=answer["body"], status=answer["status_code"], headers=headers)


def _json_content_type(service_model: ServiceModel, protocol: str) -> str:
    if protocol == "rest-json":
        return "application/json"
    return f"application/x-amz-json-{service_model.metadata.get('jsonVersion', '1.0')}"


def _service_label(service_model: ServiceModel) -> str:
    return str(service_model.metadata.get("serviceId") or service_model.service_name)


def _describe(service_model: ServiceModel, operation: str | None, request: Any) -> str:
    """``SageMaker CreateProject``, or ``a SageMaker request (GET /path)`` for an unknown operation."""
    service = _service_label(service_model)
    return f"{service} {operation}" if operation else f"a {service} request ({request.method} {request.path})"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _region_error(
    service_model: ServiceModel, protocol: str, region: str, why: str
) -> tuple[EmulatorError, int]:
    """AWS's answer to a credential scoped to a region it cannot serve, with ``why`` it cannot."""
    if service_model.service_name == "s3":
        message = f"The authorization header is malformed; the region '{region}' is wrong: {why}."
        return EmulatorError("AuthorizationHeaderMalformed", message), 400
    code = "InvalidSignatureException" if protocol in _JSON_PROTOCOLS else "SignatureDoesNotMatch"
    return EmulatorError(code, f"Credential should be scoped to a valid region, not '{region}': {why}."), 403


def refuse_unknown_region(app_service: str | None, request: Any):
    """The error answering a request signed for a region AWS does not have; None for any other."""
    from moto import settings

    region = signing_region(request)
    if region is None or regions.exists(region) or settings.allow_unknown_region():
        return None
    service_model = _service_model(app_service)
    if service_model is None:
        return None
    protocol = _protocol(service_model, request)
    error, status = _region_error(service_model, protocol, region, f"region {region} does not exist")
    _log(f"refused a request signed for region {region!r}, which does not exist")
    return error_response(service_model, request, error, status, sender_fault=True)


def answer_failure(app_service: str | None, request: Any, failure: Exception):
    """The AWS error answering an exception that escaped a handler; None when the app serves no AWS
    service (the exception then takes its usual course)."""
    service_model = _service_model(app_service)
    if service_model is None:
        return None
    protocol = _protocol(service_model, request)
    operation = _operation_name(service_model, protocol, request)
    what = _describe(service_model, operation, request)
    region = signing_region(request)
    if isinstance(failure, ServiceException):  # raised outside the part of moto that serializes it
        return _serialized(service_model, protocol, operation, failure)
    if isinstance(failure, NotImplementedError):
        detail = str(failure).strip()
        message = _sentence(f"{what} is not supported by the local AWS emulator")
        if detail and not _MOTO_NOT_IMPLEMENTED.match(detail):
            message += f" ({detail})"
        _log(f"{message}; raised at {_where(failure)}")
        error = EmulatorError("NotImplemented", f"{message}.")
        return error_response(service_model, request, error, NOT_IMPLEMENTED_STATUS, False, operation)
    if isinstance(failure, KeyError) and region is not None and failure.args == (region,):
        # moto keeps a backend only for the regions botocore lists for the service
        why = f"{_service_label(service_model)} is not available in {region}"
        error, status = _region_error(service_model, protocol, region, why)
        _log(f"refused {what}: {why}")
        return error_response(service_model, request, error, status, True, operation)
    _log(f"{what} failed, a bug in the emulator:\n" + "".join(traceback.format_exception(failure)).rstrip())
    error = EmulatorError(
        "InternalFailure",
        f"The local AWS emulator failed on {what} ({type(failure).__name__}: {failure}); this is a bug "
        "in the emulator, and its log (`make local-status` shows where) has the traceback.",
    )
    return error_response(service_model, request, error, NOT_IMPLEMENTED_STATUS, False, operation)


def answer_unrouted(app_service: str | None, request: Any, error: Exception):
    """The AWS error answering a request no route of the service's app matches (werkzeug's
    ``NotFound``/``MethodNotAllowed``): an operation moto has no URL for, as most REST operations it
    lacks. None when the app serves no AWS service."""
    refused = refuse_unknown_region(app_service, request)
    if refused is not None:
        return refused
    service_model = _service_model(app_service)
    if service_model is None:
        return None
    operation = _operation_name(service_model, _protocol(service_model, request), request)
    message = _sentence(
        f"{_describe(service_model, operation, request)} is not supported by the local AWS emulator"
    )
    _log(f"{message}: no route of moto's {app_service} app matches {request.method} {request.path}")
    failure = EmulatorError("NotImplemented", f"{message}.")
    return error_response(service_model, request, failure, NOT_IMPLEMENTED_STATUS, False, operation)


def _serialized(service_model: ServiceModel, protocol: str, operation: str | None, failure: ServiceException):
    from flask import Response

    serializer = get_serializer_class(service_model.service_name, protocol)(
        _operation_model(service_model, operation)
    )
    answer = serializer.serialize(failure)
    headers = dict(answer["headers"])
    if protocol in _JSON_PROTOCOLS:
        headers["Content-Type"] = _json_content_type(service_model, protocol)
    return Response(response=answer["body"], status=answer["status_code"], headers=headers)


def _where(failure: BaseException) -> str:
    frames = traceback.extract_tb(failure.__traceback__)
    if not frames:
        return "an unknown place"
    last = frames[-1]
    return f"{last.filename}:{last.lineno} ({last.name})"


def _log(line: str) -> None:
    print(f"local AWS emulator: {line}", file=sys.stderr, flush=True)
