"""The emulator fails as AWS fails: an operation it does not implement, a region that does not exist
and its own bugs are answered at once with a well-formed AWS error in the service's protocol, which
no client retries, and the emulator keeps serving."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import boto3
import botocore
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from flask import Flask, request

from scripts.local import failures, regions
from scripts.local.bootstrap import bootstrap
from scripts.local.process import Emulator, free_port
from scripts.local.regions import RegionNotServedError

UNKNOWN_REGION = "us-east-7"


def client(emulator, service: str, region: str = "us-east-1", retries: dict | None = None):
    """A client with botocore's retry behaviour (``retries=None``: whatever the defaults are)."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    config = Config(retries=retries) if retries is not None else None
    return session.client(service, endpoint_url=emulator.endpoint, region_name=region, config=config)


def failure(call, **kwargs) -> tuple[dict, dict, float]:
    """The error, the response metadata and the seconds a call took to fail."""
    started = time.monotonic()
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return (
        caught.value.response["Error"],
        caught.value.response["ResponseMetadata"],
        time.monotonic() - started,
    )


# -- operations the emulator does not implement -----------------------------------------------------
UNSUPPORTED = [
    pytest.param(
        "servicecatalog",
        "list_tag_options",
        {},
        "Service Catalog ListTagOptions",
        id="json-1.1",
    ),
    pytest.param(
        "cloudwatch",
        "delete_anomaly_detector",
        {"Namespace": "AWS/SQS", "MetricName": "NumberOfMessagesSent", "Stat": "Sum"},
        "CloudWatch DeleteAnomalyDetector",
        id="json-1.0-query-compatible",
    ),
    pytest.param(
        "sts",
        "decode_authorization_message",
        {"EncodedMessage": "x"},
        "STS DecodeAuthorizationMessage",
        id="query",
    ),
    pytest.param(
        "lambda",
        "get_function_recursion_config",
        {"FunctionName": "f"},
        "Lambda GetFunctionRecursionConfig",
        id="rest-json-no-route",
    ),
    pytest.param(
        "route53",
        "create_cidr_collection",
        {"Name": "c", "CallerReference": "r"},
        "Route 53 CreateCidrCollection",
        id="rest-xml-no-route",
    ),
]


@pytest.mark.parametrize(("service", "operation", "arguments", "named"), UNSUPPORTED)
def test_an_unsupported_operation_is_named_in_an_aws_error_that_is_not_retried(
    emulator, service, operation, arguments, named
):
    error, metadata, _ = failure(getattr(client(emulator, service), operation), **arguments)
    assert error["Code"] == "NotImplemented"
    assert error["Message"] == f"{named} is not supported by the local AWS emulator."
    assert metadata["HTTPStatusCode"] == 501
    assert metadata["RetryAttempts"] == 0


@pytest.mark.parametrize(
    "retries",
    [None, {"mode": "legacy"}, {"mode": "standard"}, {"mode": "adaptive"}],
    ids=["default", "legacy", "standard", "adaptive"],
)
def test_a_client_with_its_usual_retries_fails_at_once(emulator, retries):
    servicecatalog = client(emulator, "servicecatalog", retries=retries)
    error, metadata, seconds = failure(servicecatalog.list_tag_options)
    assert (error["Code"], metadata["RetryAttempts"]) == ("NotImplemented", 0)
    # No backoff either (retries would wait about 7 s in all); a loaded machine may take a second to answer.
    assert seconds < 5


def test_botocore_retries_none_of_the_answers_the_emulator_gives():
    """What botocore's retry handlers decide for each status and code the emulator answers with, for
    every operation of the services the kit calls: the legacy handler (botocore's default) retries
    the statuses of ``_retry.json`` (500, 502, 503, 504, 509, 429) and throttling codes; the standard
    and adaptive ones retry 500, 502, 503, 504, throttling codes and the errors a model marks
    retryable."""
    from botocore.retries.standard import RetryContext, StandardRetryConditions

    class Response:
        def __init__(self, status: int) -> None:
            self.status_code = status

    legacy = json.loads((Path(botocore.__file__).parent / "data" / "_retry.json").read_text())
    legacy_statuses = {
        definition["applies_when"]["response"]["http_status_code"]
        for definition in legacy["definitions"].values()
        if "response" in definition["applies_when"]
        and "service_error_code" not in definition["applies_when"]["response"]
    }
    legacy_codes = {
        definition["applies_when"]["response"]["service_error_code"]
        for definition in legacy["definitions"].values()
        if "service_error_code" in definition["applies_when"].get("response", {})
    }
    assert {500, 502, 503, 504} <= legacy_statuses  # what the emulator answered before: retried
    answers = [
        (501, "NotImplemented"),
        (501, "InternalFailure"),
        (403, "SignatureDoesNotMatch"),
        (403, "InvalidSignatureException"),
        (400, "AuthorizationHeaderMalformed"),
    ]
    standard = StandardRetryConditions(max_attempts=3)
    session = botocore.session.get_session()
    for service in ("sagemaker", "servicecatalog", "cloudformation", "s3", "sts", "iam", "lambda", "sqs"):
        model = session.get_service_model(service)
        for operation in model.operation_names:
            for status, code in answers:
                context = RetryContext(
                    attempt_number=1,
                    operation_model=model.operation_model(operation),
                    parsed_response={"Error": {"Code": code}},
                    http_response=Response(status),
                )
                assert not standard.is_retryable(context), (service, operation, status, code)
    for status, code in answers:
        assert status not in legacy_statuses and code not in legacy_codes, (status, code)


def test_the_emulator_names_the_operation_in_its_log(emulator, emulator_process):
    emulator_log = emulator_process[0].log_file
    failure(client(emulator, "servicecatalog").list_tag_options)
    assert "Service Catalog ListTagOptions is not supported" in emulator_log.read_text()


# -- its own bugs --------------------------------------------------------------------------------------
def test_a_bug_is_an_internal_failure_that_is_not_retried_and_has_its_traceback_in_the_log(
    emulator, emulator_process
):
    """An exception no handler expects (here: moto's GetTemplateSummary reading a template that is a YAML
    list, which AWS refuses with a ValidationError) reaches the client as InternalFailure and the emulator's
    log as a traceback. If this request stops failing, pick another one."""
    emulator_log = emulator_process[0].log_file
    cloudformation = client(emulator, "cloudformation", retries={"mode": "standard"})
    error, metadata, seconds = failure(cloudformation.get_template_summary, TemplateBody="[]")
    assert error["Code"] == "InternalFailure"
    assert error["Message"].startswith(
        "The local AWS emulator failed on CloudFormation GetTemplateSummary (AttributeError"
    )
    assert "bug in the emulator" in error["Message"]
    assert (metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == (501, 0)
    assert seconds < 1
    log = emulator_log.read_text()
    assert (
        "CloudFormation GetTemplateSummary failed, a bug in the emulator:\nTraceback (most recent call last):"
        in log
    )
    assert "AttributeError: 'list' object has no attribute 'items'" in log
    assert client(emulator, "sts").get_caller_identity()["Account"] == emulator.account  # still serving


def test_an_exception_raised_in_our_code_is_logged_with_its_traceback(capsys):
    app = Flask("test")
    app.service = "sagemaker"
    with app.test_request_context(
        "/", method="POST", headers={"X-Amz-Target": "SageMaker.CreateProject"}, data=b"{}"
    ):
        try:
            {}["missing"]  # the bug
        except KeyError as bug:
            answer = failures.answer_failure(app.service, request, bug)
    assert answer.status_code == 501
    assert json.loads(answer.get_data())["__type"] == "InternalFailure"
    assert answer.headers["X-Amzn-Errortype"] == "InternalFailure"
    logged = capsys.readouterr().err
    assert "SageMaker CreateProject failed, a bug in the emulator:" in logged
    assert 'in test_an_exception_raised_in_our_code_is_logged_with_its_traceback\n    {}["missing"]' in logged
    assert "KeyError: 'missing'" in logged


# -- regions -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("service", "operation", "code", "status"),
    [
        ("sagemaker", "list_domains", "InvalidSignatureException", 403),
        ("lambda", "list_functions", "InvalidSignatureException", 403),
        ("sts", "get_caller_identity", "SignatureDoesNotMatch", 403),
        ("cloudformation", "list_stacks", "SignatureDoesNotMatch", 403),
        ("s3", "list_buckets", "AuthorizationHeaderMalformed", 400),
    ],
)
def test_a_region_that_does_not_exist_is_named_in_an_aws_error(emulator, service, operation, code, status):
    error, metadata, _ = failure(getattr(client(emulator, service, UNKNOWN_REGION), operation))
    assert error["Code"] == code
    assert f"'{UNKNOWN_REGION}'" in error["Message"]
    assert error["Message"].endswith(f": region {UNKNOWN_REGION} does not exist.")
    assert (metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == (status, 0)
    assert client(emulator, "sagemaker").list_domains()["Domains"]  # the emulator still serves


def test_a_region_without_the_service_is_named_in_an_aws_error(emulator):
    session = boto3.Session()
    everywhere = set(session.get_available_regions("sagemaker"))
    missing = sorted(everywhere - set(session.get_available_regions("servicecatalog")))
    if not missing:
        pytest.skip("botocore lists Service Catalog in every region it lists SageMaker in")
    error, metadata, _ = failure(client(emulator, "servicecatalog", missing[0]).list_portfolios)
    assert error["Code"] == "InvalidSignatureException"
    assert error["Message"].endswith(f": Service Catalog is not available in {missing[0]}.")
    assert metadata["HTTPStatusCode"] == 403


def test_the_bootstrap_refuses_a_region_that_does_not_exist_before_calling_anything():
    with pytest.raises(RegionNotServedError) as refused:
        bootstrap("http://127.0.0.1:9", UNKNOWN_REGION)  # nothing listens there
    assert str(refused.value) == (
        "the local AWS emulator cannot serve region 'us-east-7': AWS has no region of that name; "
        "set REGION to one it has, e.g. us-east-1 or eu-west-1"
    )
    assert regions.exists("eu-central-1") and regions.exists("cn-north-1") and regions.exists("us-gov-west-1")


def test_a_running_emulator_refuses_to_bootstrap_a_region_that_does_not_exist(emulator_process):
    running, state = emulator_process
    with pytest.raises(RegionNotServedError):
        running.ensure_running(state.port, UNKNOWN_REGION)
    assert UNKNOWN_REGION not in running.state().regions


def test_an_emulator_started_for_a_region_that_does_not_exist_keeps_running(tmp_path):
    emulator = Emulator(tmp_path)
    state = emulator.start(free_port(), UNKNOWN_REGION)
    try:
        assert state.regions == ()
        assert "cannot serve region 'us-east-7'" in emulator.log_file.read_text()
        running = SimpleNamespace(endpoint=state.endpoint)
        error, _, _ = failure(client(running, "sagemaker", UNKNOWN_REGION).list_domains)
        assert error["Code"] == "InvalidSignatureException"
        assert emulator.healthy(state)
    finally:
        emulator.stop()
    assert "KeyError" not in emulator.log_file.read_text()
