"""The pipeline definition (pipeline/pipeline.py) and build.py, all offline.

The autouse `network_calls` fixture (conftest.py) refuses and records any connection or DNS lookup;
tests that build a definition assert that the record stays empty.

Speed (the whole file ran in ~40 s, most of it the SDK's overhead):
- `python build.py --dry-run` in a fresh process (~5 s) starts with the module's first test and runs
  beside the others (`dry_run_script`); this process imports the SDK (~2 s) only after that (`sdk`),
  which is why `pipeline.pipeline` is imported inside the functions that use it, not at the top;
- building a pipeline in-process took ~2 s: the SDK re-checks its config schema on every lookup
  (`SchemaCheckedOnce`), each new boto3 session loads botocore's data files again (conftest's
  `boto_session`, shared), and the garbage collector scans the SDK's objects again and again (frozen).
"""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

import build
from pipeline.flow import Flow

REGION = "us-east-1"
DW_IMAGE_US_EAST_1 = "663277389841.dkr.ecr.us-east-1.amazonaws.com/sagemaker-data-wrangler-container:3.x"
ROLE_ARN = "arn:aws:iam::111122223333:role/sagemaker-fsi-p-abcdefgh1234-pipeline"
PIPELINE_NAME = "s3-fs-ingest-pipeline-p-abcdefgh1234"
PIPELINE_ARN = f"arn:aws:sagemaker:{REGION}:111122223333:pipeline/{PIPELINE_NAME}"
FLOW_URL = "s3://sagemaker-fsi-p-abcdefgh1234-artifacts/flows/project.flow"
FEATURE_GROUP = "abalone-features"
JOB_PREFIX = "sagemaker-fsi-p-abcdefgh1234"

BUILD_ENV = {
    "SAGEMAKER_PROJECT_NAME": "fs-demo",
    "SAGEMAKER_PROJECT_ID": "p-abcdefgh1234",
    "SAGEMAKER_PIPELINE_NAME": PIPELINE_NAME,
    "PIPELINE_DESCRIPTION": "automated ingestion from s3 to feature store",
    "DW_FLOW_URL": FLOW_URL,
    "DW_FLOW_OUTPUT_NAME": "",
    "FEATURE_GROUP_NAME": FEATURE_GROUP,
    "PIPELINE_ROLE_ARN": ROLE_ARN,
    "PROCESSING_JOB_PREFIX": JOB_PREFIX,
    "PROCESSING_INSTANCE_TYPE": "ml.m5.xlarge",
    "ARTIFACT_BUCKET": "sagemaker-fsi-p-abcdefgh1234-artifacts",
    "AWS_REGION": REGION,
}


class SchemaCheckedOnce:
    """`jsonschema` as the SDK's config module uses it, except that a schema is checked once.

    `jsonschema.validate(instance, schema)` first checks the *schema* against its metaschema, then
    the instance against the schema. The SDK calls it on every config lookup (~20 per pipeline built,
    ~0.1 s each for its large, constant schema). Here the schema check runs once per schema; the
    instance (pipeline.SAGEMAKER_CONFIG) is still validated on every call, with the same error.
    """

    def __init__(self, jsonschema) -> None:
        self._jsonschema = jsonschema
        self._checked: list[object] = []  # by identity, kept alive so that ids are not reused

    def __getattr__(self, name):
        return getattr(self._jsonschema, name)

    def validate(self, instance, schema, cls=None, *args, **kwargs) -> None:
        cls = cls or self._jsonschema.validators.validator_for(schema)
        if not any(checked is schema for checked in self._checked):
            cls.check_schema(schema)
            self._checked.append(schema)
        error = self._jsonschema.exceptions.best_match(cls(schema, *args, **kwargs).iter_errors(instance))
        if error is not None:
            raise error


@pytest.fixture(scope="module", autouse=True)
def sdk(dry_run_script_started_early):
    """The SageMaker SDK imported here, once the dry-run script has started; for this module's tests,
    the SDK's config schema checked once (SchemaCheckedOnce) and the objects that exist by then frozen
    (left out of garbage collections). The scripts run in fresh processes with the SDK untouched."""
    from sagemaker.config import config as sdk_config

    import pipeline.pipeline  # noqa: F401  (imports the SDK)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(sdk_config, "jsonschema", SchemaCheckedOnce(sdk_config.jsonschema))
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()


def test_sdk_config_is_still_validated():
    """SchemaCheckedOnce still rejects a config that does not fit the SDK's schema."""
    from sagemaker.config import config as sdk_config

    from pipeline.pipeline import SAGEMAKER_CONFIG

    assert isinstance(sdk_config.jsonschema, SchemaCheckedOnce)
    with pytest.raises(sdk_config.jsonschema.ValidationError, match="TelemetryOptOut"):
        sdk_config.validate_sagemaker_config(
            {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": "yes"}}}}
        )
    sdk_config.validate_sagemaker_config(SAGEMAKER_CONFIG)


def sagemaker_client(boto_session):
    return boto_session.client("sagemaker", region_name=REGION)


def definition_for(flow_path, boto_session, *, output_name=None, region=REGION, **kwargs) -> dict:
    from pipeline.pipeline import get_pipeline

    flow = Flow.from_file(flow_path)
    sources = flow.source_datasets()
    pipeline = get_pipeline(
        region=region,
        pipeline_name=PIPELINE_NAME,
        role_arn=ROLE_ARN,
        default_bucket="artifact-bucket",
        flow_url=FLOW_URL,
        dataset_names=[s.name for s in sources],
        output_name=output_name or flow.default_output_name(),
        feature_group_name=FEATURE_GROUP,
        job_name_prefix=JOB_PREFIX,
        boto_session=boto_session,
        **kwargs,
    )
    return json.loads(pipeline.definition())


@pytest.fixture(params=["tiny", "dw-flow.flow", "dw2-flow.flow"])
def flow_case(request, tiny_flow, shared_flow):
    """(flow file, dataset name, output name) for the tiny and the public flows."""
    if request.param == "tiny":
        return tiny_flow.path, tiny_flow.dataset, tiny_flow.output
    path = shared_flow(request.param)
    output = {
        "dw-flow.flow": "5827674e-d42e-4688-8609-b1aa34cc4954.default",
        "dw2-flow.flow": "c8880ed5-b8a0-4375-899b-1c4d86828152.default",
    }[request.param]
    return path, "abalone.csv", output


def test_definition_shape(flow_case, boto_session, network_calls):
    from pipeline.pipeline import STEP_NAME

    flow_path, dataset, output = flow_case
    definition = definition_for(flow_path, boto_session)

    assert definition["Version"] == "2020-12-01"
    [step] = definition["Steps"]
    assert step["Name"] == STEP_NAME
    assert step["Type"] == "Processing"
    arguments = step["Arguments"]

    assert arguments["AppSpecification"]["ImageUri"] == DW_IMAGE_US_EAST_1
    assert arguments["RoleArn"] == ROLE_ARN
    # Pipelines name the job <prefix>-<suffix>: the pipeline role may start only those.
    assert arguments["ProcessingJobName"] == JOB_PREFIX
    assert arguments["ProcessingResources"]["ClusterConfig"] == {
        "InstanceType": {"Get": "Parameters.ProcessingInstanceType"},
        "InstanceCount": {"Get": "Parameters.ProcessingInstanceCount"},
        "VolumeSizeInGB": {"Get": "Parameters.ProcessingVolumeSize"},
    }

    flow_input, data_input = arguments["ProcessingInputs"]
    assert flow_input["InputName"] == "flow"
    assert flow_input["S3Input"]["S3Uri"] == {"Get": "Parameters.InputFlowUrl"}
    assert flow_input["S3Input"]["LocalPath"] == "/opt/ml/processing/flow"
    assert data_input["InputName"] == dataset
    # Exactly the uploaded object: a manifest naming it (a prefix would also take a.csv.bak).
    assert data_input["S3Input"]["S3Uri"] == {"Get": "Parameters.InputManifestUrl"}
    assert data_input["S3Input"]["S3DataType"] == "ManifestFile"
    assert data_input["S3Input"]["LocalPath"] == f"/opt/ml/processing/{dataset}"
    assert flow_input["S3Input"]["S3DataType"] == "S3Prefix"
    for processing_input in (flow_input, data_input):
        assert processing_input["S3Input"]["S3InputMode"] == "File"

    # Throttling and capacity errors are retried by the pipeline before the execution fails.
    assert step["RetryPolicies"] == [
        {
            "ExceptionType": ["Step.SERVICE_FAULT", "Step.THROTTLING"],
            "IntervalSeconds": 60,
            "BackoffRate": 2.0,
            "MaxAttempts": 5,
        },
        {
            "ExceptionType": [
                "SageMaker.RESOURCE_LIMIT",
                "SageMaker.CAPACITY_ERROR",
                "SageMaker.JOB_INTERNAL_ERROR",
            ],
            "IntervalSeconds": 60,
            "BackoffRate": 2.0,
            "MaxAttempts": 5,
        },
    ]

    [processing_output] = arguments["ProcessingOutputConfig"]["Outputs"]
    assert processing_output == {
        "OutputName": output,
        "AppManaged": True,
        "FeatureStoreOutput": {"FeatureGroupName": {"Get": "Parameters.FeatureGroupName"}},
    }

    container_arguments = arguments["AppSpecification"]["ContainerArguments"]
    assert container_arguments[0] == "--output-config"
    assert json.loads(container_arguments[1]) == {output: {"content_type": "CSV"}}
    assert len(container_arguments) == 2

    assert definition["Parameters"] == [
        {"Name": "ProcessingInstanceType", "Type": "String", "DefaultValue": "ml.m5.4xlarge"},
        {"Name": "ProcessingInstanceCount", "Type": "Integer", "DefaultValue": 1},
        {"Name": "ProcessingVolumeSize", "Type": "Integer", "DefaultValue": 50},
        {"Name": "InputFlowUrl", "Type": "String", "DefaultValue": FLOW_URL},
        {"Name": "InputDataUrl", "Type": "String"},  # no default: never the flow author's data
        {"Name": "InputManifestUrl", "Type": "String"},
        {"Name": "FeatureGroupName", "Type": "String", "DefaultValue": FEATURE_GROUP},
    ]
    assert network_calls == []


def test_explicit_output_name_used_everywhere(tiny_flow, boto_session, network_calls):
    definition = definition_for(tiny_flow.path, boto_session, output_name=tiny_flow.source_output)
    arguments = definition["Steps"][0]["Arguments"]
    assert arguments["ProcessingOutputConfig"]["Outputs"][0]["OutputName"] == (tiny_flow.source_output)
    assert json.loads(arguments["AppSpecification"]["ContainerArguments"][1]) == {
        tiny_flow.source_output: {"content_type": "CSV"}
    }
    assert network_calls == []


def test_image_uri_other_region(tiny_flow, boto_session):
    definition = definition_for(tiny_flow.path, boto_session, region="ap-northeast-2")
    assert definition["Steps"][0]["Arguments"]["AppSpecification"]["ImageUri"] == (
        "131546521161.dkr.ecr.ap-northeast-2.amazonaws.com/sagemaker-data-wrangler-container:3.x"
    )


def test_region_without_data_wrangler(tiny_flow, boto_session):
    with pytest.raises(ValueError, match=r"not published in region 'me-central-1'"):
        definition_for(tiny_flow.path, boto_session, region="me-central-1")


def _get(dataset_names, output="n.default", boto_session=None):
    from pipeline.pipeline import get_pipeline

    return get_pipeline(
        region=REGION,
        pipeline_name=PIPELINE_NAME,
        role_arn=ROLE_ARN,
        default_bucket="artifact-bucket",
        flow_url=FLOW_URL,
        dataset_names=dataset_names,
        output_name=output,
        feature_group_name=FEATURE_GROUP,
        job_name_prefix=JOB_PREFIX,
        boto_session=boto_session,
    )


def test_more_than_one_source_refused():
    with pytest.raises(
        ValueError,
        match=r"^this template ingests one dataset, but the flow has 2 sources "
        r"\(a\.csv, b\.csv\); use a flow with a single source$",
    ):
        _get(["a.csv", "b.csv"])


@pytest.mark.parametrize("name", ["flow", "a/b.csv", ".."])
def test_unusable_dataset_name_refused(name):
    with pytest.raises(ValueError, match="cannot be used as a processing input name"):
        _get([name])


def test_default_bucket_is_answered_locally(boto_session, network_calls):
    pipeline = _get(["a.csv"], boto_session=boto_session)
    assert pipeline.sagemaker_session.default_bucket() == "artifact-bucket"
    assert network_calls == []


# --- build.py --------------------------------------------------------------------------------


def run_build(argv, env, capsys, **clients):
    code = build.main(argv, environ=env, **clients)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_build_dry_run_with_flow_file(tiny_flow, capsys, network_calls):
    # No injected session: build.py's own boto3 session, offline too.
    code, out, err = run_build(["--dry-run", "--flow-file", str(tiny_flow.path)], BUILD_ENV, capsys)
    assert code == 0, err
    definition = json.loads(out)
    step = definition["Steps"][0]["Arguments"]
    assert step["ProcessingInputs"][1]["InputName"] == tiny_flow.dataset
    assert step["ProcessingOutputConfig"]["Outputs"][0]["OutputName"] == tiny_flow.output
    assert "source dataset(s): tiny.csv" in err
    assert f"output: {tiny_flow.output} (the flow's last node" in err
    # The project's instance type and job prefix, which are all the pipeline role allows.
    assert step["ProcessingJobName"] == JOB_PREFIX
    [instance_type] = [p for p in definition["Parameters"] if p["Name"] == "ProcessingInstanceType"]
    assert instance_type["DefaultValue"] == "ml.m5.xlarge"
    assert network_calls == []


def test_build_uses_valid_output_name(tiny_flow, capsys, boto_session):
    env = {**BUILD_ENV, "DW_FLOW_OUTPUT_NAME": tiny_flow.source_output}
    code, out, err = run_build(
        ["--dry-run", "--flow-file", str(tiny_flow.path)], env, capsys, boto_session=boto_session
    )
    assert code == 0, err
    outputs = json.loads(out)["Steps"][0]["Arguments"]["ProcessingOutputConfig"]["Outputs"]
    assert outputs[0]["OutputName"] == tiny_flow.source_output
    assert "(DW_FLOW_OUTPUT_NAME)" in err


def test_build_rejects_unknown_output_name(tiny_flow, capsys):
    env = {**BUILD_ENV, "DW_FLOW_OUTPUT_NAME": "nope.default"}
    code, out, err = run_build(["--dry-run", "--flow-file", str(tiny_flow.path)], env, capsys)
    assert code == 1
    assert out == ""
    assert err.strip().splitlines()[-1].startswith("build.py: error: ")
    assert "output name 'nope.default' names no node of this flow" in err


@pytest.mark.parametrize("variable", build.REQUIRED_VARIABLES)
def test_build_missing_variable(tiny_flow, capsys, variable):
    env = {k: v for k, v in BUILD_ENV.items() if k != variable}
    code, out, err = run_build(["--dry-run", "--flow-file", str(tiny_flow.path)], env, capsys)
    assert code == 2
    assert out == ""
    assert err == (
        f"build.py: error: missing environment variable(s): {variable} "
        "(the CodeBuild project sets them; export them to run build.py by hand)\n"
    )


def test_build_missing_region(tiny_flow, capsys):
    env = {k: v for k, v in BUILD_ENV.items() if k != "AWS_REGION"}
    code, _, err = run_build(["--dry-run", "--flow-file", str(tiny_flow.path)], env, capsys)
    assert code == 2
    assert "AWS_REGION (or AWS_DEFAULT_REGION)" in err


@pytest.mark.parametrize("url", ["https://example.com/x.flow", "s3://bucket-only", "s3://b/dir/"])
def test_build_rejects_bad_flow_url(tiny_flow, capsys, url):
    env = {**BUILD_ENV, "DW_FLOW_URL": url}
    code, _, err = run_build(["--dry-run", "--flow-file", str(tiny_flow.path)], env, capsys)
    assert code == 1
    assert f"DW_FLOW_URL={url!r} is not an S3 object URL" in err


def _s3_with_flow(boto_session, document: dict | None, error_code: str | None = None):
    s3 = boto_session.client("s3", region_name=REGION)
    stubber = Stubber(s3)
    expected = {"Bucket": "sagemaker-fsi-p-abcdefgh1234-artifacts", "Key": "flows/project.flow"}
    if error_code:
        stubber.add_client_error("get_object", error_code, "The specified key does not exist.", 404, expected)
    else:
        body = json.dumps(document).encode()
        stubber.add_response("get_object", {"Body": StreamingBody(io.BytesIO(body), len(body))}, expected)
    stubber.activate()
    return s3, stubber


def test_build_reads_the_flow_from_s3(tiny_flow, capsys, boto_session, network_calls):
    s3, stubber = _s3_with_flow(boto_session, tiny_flow.document)
    code, out, err = run_build(["--dry-run"], BUILD_ENV, capsys, s3_client=s3, boto_session=boto_session)
    assert code == 0, err
    assert json.loads(out)["Parameters"][3]["DefaultValue"] == FLOW_URL
    assert f"reading the flow from {FLOW_URL}" in err
    stubber.assert_no_pending_responses()
    assert network_calls == []


def test_build_reports_an_unreadable_flow(capsys, boto_session):
    s3, _ = _s3_with_flow(boto_session, None, error_code="NoSuchKey")
    code, out, err = run_build(["--dry-run"], BUILD_ENV, capsys, s3_client=s3, boto_session=boto_session)
    assert code == 1
    assert out == ""
    assert err.splitlines()[-1] == (
        f"build.py: error: cannot read the flow {FLOW_URL}: NoSuchKey "
        "(The specified key does not exist.); check DataWranglerFlowUrl and that the build role "
        "may s3:GetObject it"
    )


TAGS = [
    {"Key": "sagemaker:project-name", "Value": "fs-demo"},
    {"Key": "sagemaker:project-id", "Value": "p-abcdefgh1234"},
]


def test_build_upsert_creates_with_role_description_and_tags(tiny_flow, capsys, boto_session, network_calls):
    client = sagemaker_client(boto_session)
    stubber = Stubber(client)
    stubber.add_response(
        "create_pipeline",
        {"PipelineArn": PIPELINE_ARN},
        {
            "PipelineName": PIPELINE_NAME,
            "RoleArn": ROLE_ARN,
            "PipelineDefinition": ANY,
            "PipelineDescription": BUILD_ENV["PIPELINE_DESCRIPTION"],
            "Tags": TAGS,
        },
    )
    captured_definitions = []
    client.meta.events.register(
        "provide-client-params.sagemaker.CreatePipeline",
        lambda params, **_: captured_definitions.append(json.loads(params["PipelineDefinition"])),
    )
    with stubber:
        code, out, err = run_build(
            ["--flow-file", str(tiny_flow.path)],
            BUILD_ENV,
            capsys,
            boto_session=boto_session,
            sagemaker_client=client,
        )
    assert code == 0, err
    assert out == f"{PIPELINE_ARN}\n"
    assert f"pipeline ARN: {PIPELINE_ARN}" in err
    stubber.assert_no_pending_responses()
    [definition] = captured_definitions
    assert definition["Steps"][0]["Arguments"]["ProcessingInputs"][1]["InputName"] == "tiny.csv"
    assert network_calls == []


def test_build_upsert_updates_an_existing_pipeline_and_its_tags(
    tiny_flow, capsys, boto_session, network_calls
):
    client = sagemaker_client(boto_session)
    stubber = Stubber(client)
    stubber.add_client_error(
        "create_pipeline",
        "ValidationException",
        f"Pipeline names must be unique within an AWS account and region. Pipeline with name "
        f"({PIPELINE_NAME}) already exists.",
    )
    stubber.add_response(
        "update_pipeline",
        {"PipelineArn": PIPELINE_ARN},
        {
            "PipelineName": PIPELINE_NAME,
            "RoleArn": ROLE_ARN,
            "PipelineDefinition": ANY,
            "PipelineDescription": BUILD_ENV["PIPELINE_DESCRIPTION"],
        },
    )
    stubber.add_response("list_tags", {"Tags": []}, {"ResourceArn": PIPELINE_ARN})
    stubber.add_response("add_tags", {"Tags": TAGS}, {"ResourceArn": PIPELINE_ARN, "Tags": TAGS})
    with stubber:
        code, out, err = run_build(
            ["--flow-file", str(tiny_flow.path)],
            BUILD_ENV,
            capsys,
            boto_session=boto_session,
            sagemaker_client=client,
        )
    assert code == 0, err
    assert out == f"{PIPELINE_ARN}\n"
    stubber.assert_no_pending_responses()
    assert network_calls == []


def test_build_upsert_failure_is_one_line_and_non_zero(tiny_flow, capsys, boto_session):
    client = sagemaker_client(boto_session)
    stubber = Stubber(client)
    stubber.add_client_error("create_pipeline", "AccessDeniedException", "not allowed")
    with stubber:
        code, out, err = run_build(
            ["--flow-file", str(tiny_flow.path)],
            BUILD_ENV,
            capsys,
            boto_session=boto_session,
            sagemaker_client=client,
        )
    assert code == 1
    assert out == ""
    assert err.splitlines()[-1] == (
        f"build.py: error: upsert of pipeline {PIPELINE_NAME} failed: AccessDeniedException (not allowed)"
    )


# --- build.py as CodeBuild runs it: a fresh process ------------------------------------------


def _subprocess_env(**overrides) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            # Any stray AWS call goes to a closed local port instead of the internet.
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            # The SDK's v2 FutureWarning must be silenced by build.py itself.
            "PYTHONWARNINGS": "error::FutureWarning",
        }
    )
    env.pop("SAGEMAKER_SUPPRESS_V2_WARNING", None)  # build.py must set it itself
    env.update(overrides)
    return env


SCRIPT_TIMEOUT = 300


def _run_script(*args, env):
    return subprocess.run(
        [sys.executable, "build.py", *args],
        cwd=Path(build.__file__).parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
        check=False,
    )


class BackgroundScript:
    """`python build.py ARGS` started now in a fresh process; `result()` waits for it."""

    def __init__(self, *args: str, env: dict[str, str], output_dir: Path) -> None:
        self.args = [sys.executable, "build.py", *args]
        # Files, not pipes: the process never waits for a reader.
        self._stdout = (output_dir / "stdout").open("w+", encoding="utf-8")
        self._stderr = (output_dir / "stderr").open("w+", encoding="utf-8")
        self._process = subprocess.Popen(
            self.args, cwd=Path(build.__file__).parent, env=env, stdout=self._stdout, stderr=self._stderr
        )
        self._result: subprocess.CompletedProcess | None = None

    def result(self) -> subprocess.CompletedProcess:
        if self._result is None:
            returncode = self._process.wait(timeout=SCRIPT_TIMEOUT)
            outputs = []
            for stream in (self._stdout, self._stderr):
                stream.seek(0)
                outputs.append(stream.read())
            self._result = subprocess.CompletedProcess(self.args, returncode, *outputs)
        return self._result

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._stdout.close()
        self._stderr.close()


DRY_RUN_TEST = "test_script_dry_run_prints_only_json"


@pytest.fixture(scope="module")
def dry_run_script(module_tiny_flow, tmp_path_factory):
    """`python build.py --dry-run --flow-file tiny.flow` in a fresh process, as CodeBuild runs build.py."""
    script = BackgroundScript(
        "--dry-run",
        "--flow-file",
        str(module_tiny_flow.path),
        env=_subprocess_env(**BUILD_ENV),
        output_dir=tmp_path_factory.mktemp("dry-run"),
    )
    yield script
    script.stop()


@pytest.fixture(scope="module", autouse=True)
def dry_run_script_started_early(request):
    """The dry-run script (~5 s: a fresh interpreter imports the SDK and builds) starts with this
    module's first test and runs beside the in-process tests, when its test is selected at all."""
    if any(item.path == request.path and item.name == DRY_RUN_TEST for item in request.session.items):
        request.getfixturevalue("dry_run_script")


def test_script_missing_variable_exits_non_zero():
    env = _subprocess_env(**{k: v for k, v in BUILD_ENV.items() if k != "FEATURE_GROUP_NAME"})
    result = _run_script(env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "build.py: error: missing environment variable(s): FEATURE_GROUP_NAME "
        "(the CodeBuild project sets them; export them to run build.py by hand)"
    )


def test_script_dry_run_prints_only_json(dry_run_script):
    result = dry_run_script.result()
    assert result.returncode == 0, result.stderr
    definition = json.loads(result.stdout)  # nothing but the JSON on stdout
    assert definition["Steps"][0]["Type"] == "Processing"
    assert "FutureWarning" not in result.stderr
