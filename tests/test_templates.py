"""Static checks of the CloudFormation templates in cfn-templates/ (no network, no AWS).

- cfn-lint (with .cfnlintrc) and checkov report nothing, as written and once the placeholders are filled;
- every name the product creates fits AWS's limits for the longest project name/id SageMaker allows;
- the trigger watches exactly the monitored prefix;
- the IAM policies are scoped and attached by CloudFormation;
- the portfolio publishes one provisioning artifact per release and is visible in SageMaker Studio.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint, lint_file
from cfnlint.config import ConfigFileArgs
from cfnlint.decode import decode_str

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "cfn-templates"
PORTFOLIO = TEMPLATES / "sm-project-sc-portfolio.yaml"
PRODUCT = TEMPLATES / "project-s3-fs-ingestion.yaml"
CFNLINTRC = ROOT / ".cfnlintrc"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
TEMPLATE_IDS = {"portfolio": PORTFOLIO, "product": PRODUCT}

USE_ROLE_NAME = "AmazonSageMakerServiceCatalogProductsUseRole"
PLACEHOLDER = re.compile(r"\{\{package:([a-z0-9-]+)\}\}")
KNOWN_PLACEHOLDERS = {
    "bucket",
    "prefix",
    "seed-code-key",
    "seed-code-version",
    "function-code-key",
    "function-code-version",
    "version",
    "product-template-url",
}
PER_RELEASE_PLACEHOLDERS = {"version", "product-template-url"}
# What the packager fills in (realistic and long: a 55-character staging bucket, hashed keys).
PACKAGED_VALUES = {
    "bucket": "fs-ingestion-templates-123456789012-ap-northeast-2",
    "prefix": "fs-ingestion",
    "seed-code-key": "fs-ingestion/artifacts/seed-0123456789abcdef.zip",
    "seed-code-version": "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY",
    "function-code-key": "fs-ingestion/artifacts/start-fs-ingestion-0123456789abcdef.zip",
    "function-code-version": "Uz7t0Y8WvVgGlwVN5GYz3cb.i8dMK1Ju",
    "version": "1.0.0",
    "product-template-url": (
        "https://fs-ingestion-templates-123456789012-ap-northeast-2.s3.ap-northeast-2"
        ".amazonaws.com/fs-ingestion/product/1.0.0/project-s3-fs-ingestion.yaml"
    ),
}

# The longest inputs SageMaker and the conventions allow.
MAX_PROJECT_NAME = "Abcdefghij-Klmnopqrst-Uvwxyz0123"  # 32
MAX_PROJECT_ID = "p-abcdefghij12345678"  # 20
MAX_PIPELINE_PREFIX = ("s3-fs-ingest-pipeline-" * 11)[:234] + "z"  # 235
MAXIMAL_INPUTS = {
    "SageMakerProjectName": MAX_PROJECT_NAME,
    "SageMakerProjectId": MAX_PROJECT_ID,
    "PipelineNamePrefix": MAX_PIPELINE_PREFIX,
}
PSEUDO_PARAMETERS = {
    "AWS::Partition": "aws-us-gov",
    "AWS::Region": "ap-northeast-2",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "sagemaker-fs-ingestion-portfolio",
}


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
@cache
def load(path: Path) -> dict[str, Any]:
    template, problems = decode_str(path.read_text())
    assert not problems, f"{path.name} does not parse: {problems}"
    return template


def resources(path: Path, resource_type: str | None = None) -> dict[str, dict[str, Any]]:
    found = load(path)["Resources"]
    return {k: v for k, v in found.items() if resource_type in (None, v["Type"])}


def properties(path: Path, logical_id: str) -> dict[str, Any]:
    return load(path)["Resources"][logical_id]["Properties"]


def cfnlint_settings() -> dict[str, Any]:
    settings = dict(ConfigFileArgs(config_file=CFNLINTRC).file_args)
    settings.pop("templates", None)
    return settings


def fill_placeholders(text: str) -> str:
    return PLACEHOLDER.sub(lambda m: PACKAGED_VALUES[m.group(1)], text)


def substitute(value: Any, values: dict[str, str]) -> str:
    """The string a plain string, `!Ref` or `!Sub` (string form) evaluates to, given `values`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return values[value["Ref"]]
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return re.sub(r"\$\{([^}!]+)\}", lambda m: values[m.group(1)], value["Fn::Sub"])
    raise AssertionError(f"cannot evaluate {value!r} offline")


def sub_text(value: Any) -> str:
    """The template text of a string or string-form `!Sub` (variables left as written)."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return "${" + value["Ref"] + "}"
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    assert isinstance(value, str), f"unexpected intrinsic {value!r}"
    return value


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_documents() -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, document) of every identity policy in both templates."""
    for path in (PORTFOLIO, PRODUCT):
        for logical_id, resource in resources(path).items():
            props = resource.get("Properties", {})
            if resource["Type"] == "AWS::IAM::ManagedPolicy":
                yield f"{path.name}:{logical_id}", props["PolicyDocument"]
            if resource["Type"] == "AWS::IAM::Role":
                for policy in props.get("Policies", []):
                    yield f"{path.name}:{logical_id}:{policy['PolicyName']}", policy["PolicyDocument"]


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A policy's statements, both branches of a statement chosen with ``!If``."""
    found = []
    for statement in document["Statement"]:
        if "Fn::If" in statement:
            found.extend(branch for branch in statement["Fn::If"][1:] if "Effect" in branch)
        else:
            found.append(statement)
    return found


def allow_statements() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{where}:{statement.get('Sid', index)}", statement)
        for where, document in policy_documents()
        for index, statement in enumerate(statements(document))
        if statement["Effect"] == "Allow"
    ]


def maximal_name_values() -> dict[str, str]:
    return {**PSEUDO_PARAMETERS, **MAXIMAL_INPUTS}


# --------------------------------------------------------------------------------------------------
# cfn-lint and checkov
# --------------------------------------------------------------------------------------------------
def test_cfnlintrc_covers_the_required_regions_and_ignores_nothing_unexplained():
    settings = cfnlint_settings()
    assert {"us-east-1", "ap-northeast-2"} <= set(settings["regions"])
    lines = CFNLINTRC.read_text().splitlines()
    for rule in settings.get("ignore_checks", []):
        index = next(i for i, line in enumerate(lines) if re.search(rf"\b{rule}\b", line))
        explained = "#" in lines[index] or lines[index - 1].lstrip().startswith("#")
        assert explained, f".cfnlintrc ignores {rule} without a comment saying why"


@pytest.mark.parametrize("path", TEMPLATE_IDS.values(), ids=[f"{k}-as-written" for k in TEMPLATE_IDS])
def test_cfn_lint_reports_nothing(path):
    matches = lint_file(path, config=ManualArgs(**cfnlint_settings()))
    assert not matches, "\n".join(f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches)


def _without_cfn_lint_metadata(node: Any) -> Any:
    if isinstance(node, dict):
        cleaned = {k: _without_cfn_lint_metadata(v) for k, v in node.items() if k != "cfn-lint"}
        return {k: v for k, v in cleaned.items() if not (k == "Metadata" and v == {})}
    if isinstance(node, list):
        return [_without_cfn_lint_metadata(v) for v in node]
    return node


@pytest.mark.parametrize("path", TEMPLATE_IDS.values(), ids=[f"{k}-packaged" for k in TEMPLATE_IDS])
def test_cfn_lint_reports_nothing_once_filled_in_and_without_resource_level_ignores(path):
    template, problems = decode_str(fill_placeholders(path.read_text()))
    assert not problems
    text = json.dumps(_without_cfn_lint_metadata(template), indent=1)
    matches = lint(text, config=ManualArgs(**cfnlint_settings()))
    assert not matches, "\n".join(f"{m.rule.id}: {m.message}" for m in matches)


def test_resource_level_cfn_lint_ignores_are_only_the_placeholder_ones():
    ignored = {
        f"{path.name}:{logical_id}": resource["Metadata"]["cfn-lint"]["config"]["ignore_checks"]
        for path in TEMPLATE_IDS.values()
        for logical_id, resource in resources(path).items()
        if "cfn-lint" in resource.get("Metadata", {})
    }
    assert ignored == {"project-s3-fs-ingestion.yaml:StartIngestionFunction": ["E3031", "E1161"]}


@cache
def checkov_report() -> dict[str, Any]:
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run make install"
    completed = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(TEMPLATES),
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--quiet",
            "--compact",
            "--skip-download",  # no call to the Prisma Cloud API: tests stay offline
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.stdout.strip(), f"checkov printed nothing: {completed.stderr[-2000:]}"
    report = json.loads(completed.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [check for r in reports for check in r.get("results", {}).get("failed_checks", [])]
    return {
        "failed": failed,
        "summary_failed": sum(r.get("summary", {}).get("failed", 0) for r in reports),
        "passed": sum(r.get("summary", {}).get("passed", 0) for r in reports),
        "resource_count": sum(r.get("summary", {}).get("resource_count", 0) for r in reports),
    }


def test_checkov_reports_no_failed_check():
    report = checkov_report()
    assert report["passed"] > 0 and report["resource_count"] > 0, "checkov scanned nothing"
    failures = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}" for c in report["failed"]
    ]
    assert report["summary_failed"] == 0 and not failures, "\n".join(failures)


@pytest.mark.parametrize("path", TEMPLATE_IDS.values(), ids=list(TEMPLATE_IDS))
def test_every_checkov_suppression_names_a_check_and_gives_a_reason(path):
    for logical_id, resource in resources(path).items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), f"{logical_id}: {skip}"
            assert len(skip.get("comment", "").split()) >= 8, (
                f"{logical_id} suppresses {skip['id']} without a real reason"
            )


# --------------------------------------------------------------------------------------------------
# placeholders and partitions
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", TEMPLATE_IDS.values(), ids=list(TEMPLATE_IDS))
def test_no_arn_aws_literal(path):
    text = path.read_text()
    assert "arn:aws:" not in text
    # Every ARN is built with ${AWS::Partition}; only input patterns spell out arn:aws[a-z-]*, and the
    # boundary's ARNs built from the bucket list use arn:*:s3::: (a Join delimiter cannot hold a Sub).
    for match in re.finditer(r"arn:(?!\$\{AWS::Partition\}:|aws\[a-z-\]\*:|\*:s3:::)", text):
        line = text.count("\n", 0, match.start()) + 1
        pytest.fail(f"{path.name}:{line}: ARN without ${{AWS::Partition}}")
    lines = text.splitlines()
    for match in re.finditer(r"arn:\*:", text):
        index = text.count("\n", 0, match.start())
        if lines[index].lstrip().startswith("#"):
            continue
        assert path == PORTFOLIO and "DataBucketNames" in " ".join(lines[index : index + 2]), (
            f"{path.name}:{index + 1}"
        )


@pytest.mark.parametrize("path", TEMPLATE_IDS.values(), ids=list(TEMPLATE_IDS))
def test_placeholders_are_ones_the_packager_knows(path):
    parsed = json.dumps(load(path))  # comments may mention tokens; the packager sees only values
    names = set(PLACEHOLDER.findall(parsed))
    assert names <= KNOWN_PLACEHOLDERS, f"unknown placeholders {names - KNOWN_PLACEHOLDERS}"
    assert "{{" not in PLACEHOLDER.sub("", parsed), "a malformed {{...}} token"


def test_per_release_placeholders_only_in_the_provisioning_artifact_item():
    assert not set(PLACEHOLDER.findall(json.dumps(load(PRODUCT)))) & PER_RELEASE_PLACEHOLDERS
    portfolio = load(PORTFOLIO)
    product = portfolio["Resources"]["Product"]["Properties"]
    artifact_items = json.dumps(product["ProvisioningArtifactParameters"])
    assert set(PLACEHOLDER.findall(artifact_items)) == PER_RELEASE_PLACEHOLDERS
    everything_else = json.dumps(
        {
            **{k: v for k, v in portfolio.items() if k != "Resources"},
            "Resources": {k: v for k, v in portfolio["Resources"].items() if k != "Product"},
            "Product": {k: v for k, v in product.items() if k != "ProvisioningArtifactParameters"},
        }
    )
    assert not set(PLACEHOLDER.findall(everything_else)) & PER_RELEASE_PLACEHOLDERS


# --------------------------------------------------------------------------------------------------
# product template: parameters and names
# --------------------------------------------------------------------------------------------------
def test_product_parameters_are_the_conventions_and_all_grouped_once():
    parameters = load(PRODUCT)["Parameters"]
    assert set(parameters) == {
        "SageMakerProjectName",
        "SageMakerProjectId",
        "PipelineNamePrefix",
        "PipelineDescription",
        "DataBucketName",
        "DataKeyPrefix",
        "DataWranglerFlowBucket",
        "DataWranglerFlowKey",
        "DataWranglerOutputName",
        "ProcessingInstanceType",
        "MaxConcurrentIngestions",
        "AlarmEmail",
        "FeatureGroupName",
        "SourceRepository",
        "ConnectionArn",
        "FullRepositoryId",
        "BranchName",
    }
    groups = load(PRODUCT)["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    grouped = [name for group in groups for name in group["Parameters"]]
    assert sorted(grouped) == sorted(parameters)


@pytest.mark.parametrize(
    ("parameter", "max_length"),
    [("SageMakerProjectName", 32), ("SageMakerProjectId", 20), ("PipelineNamePrefix", 235)],
    ids=["project-name-32", "project-id-20", "pipeline-prefix-235"],
)
def test_name_parameters_admit_the_maximal_inputs(parameter, max_length):
    spec = load(PRODUCT)["Parameters"][parameter]
    value = MAXIMAL_INPUTS[parameter]
    assert len(value) == max_length == int(spec["MaxLength"])
    assert re.fullmatch(spec["AllowedPattern"], value)


def _accepts(parameter: str, value: str) -> bool:
    spec = load(PRODUCT)["Parameters"][parameter]
    length_ok = int(spec.get("MinLength", 0)) <= len(value) <= int(spec.get("MaxLength", 10**6))
    allowed = value in spec["AllowedValues"] if "AllowedValues" in spec else True
    return length_ok and allowed and re.fullmatch(spec.get("AllowedPattern", ".*"), value) is not None


@pytest.mark.parametrize(
    ("parameter", "value", "accepted"),
    [
        pytest.param("SageMakerProjectName", MAX_PROJECT_NAME + "x", False, id="name-33-chars"),
        pytest.param("SageMakerProjectName", "-hyphen-first", False, id="name-hyphen-first"),
        pytest.param("SageMakerProjectId", "p-abcdefgh1234", True, id="id-typical"),
        pytest.param("SageMakerProjectId", "P-UPPERCASE", False, id="id-uppercase"),
        pytest.param("SageMakerProjectId", MAX_PROJECT_ID + "x", False, id="id-21-chars"),
        pytest.param("PipelineNamePrefix", MAX_PIPELINE_PREFIX + "x", False, id="prefix-236-chars"),
        pytest.param("PipelineNamePrefix", "Upper-Case", False, id="prefix-uppercase"),
        pytest.param("PipelineNamePrefix", "hyphen-last-", False, id="prefix-hyphen-last"),
        pytest.param("DataBucketName", "sagemaker-us-east-1-123456789012", True, id="bucket-ok"),
        pytest.param("DataBucketName", "Not_A_Bucket", False, id="bucket-invalid"),
        pytest.param("DataKeyPrefix", "feature-store-ingestion/incoming/", True, id="key-prefix-ok"),
        pytest.param("DataKeyPrefix", "incoming", False, id="key-prefix-no-trailing-slash"),
        pytest.param("DataKeyPrefix", "/incoming/", False, id="key-prefix-leading-slash"),
        # The review's escalation: a wildcard prefix and a URL inside a URL widened the pipeline role.
        pytest.param("DataKeyPrefix", "*/", False, id="key-prefix-star"),
        pytest.param("DataKeyPrefix", "in/*/x/", False, id="key-prefix-star-segment"),
        pytest.param("DataKeyPrefix", "in?/", False, id="key-prefix-question-mark"),
        pytest.param("DataBucketName", "victim-*", False, id="bucket-star"),
        pytest.param("DataWranglerFlowBucket", "sagemaker-us-east-1-123456789012", True, id="flow-bucket-ok"),
        pytest.param("DataWranglerFlowBucket", "s3://victim", False, id="flow-bucket-url"),
        pytest.param("DataWranglerFlowKey", "flows/abalone.flow", True, id="flow-key-ok"),
        pytest.param("DataWranglerFlowKey", "abalone.flow", True, id="flow-key-top-level"),
        pytest.param(
            "DataWranglerFlowKey", "s3://victim-bucket/x.flow", False, id="flow-key-embedded-scheme"
        ),
        pytest.param("DataWranglerFlowKey", "*.flow", False, id="flow-key-star"),
        pytest.param("DataWranglerFlowKey", "flows/?.flow", False, id="flow-key-question-mark"),
        pytest.param("DataWranglerFlowKey", "/flows/abalone.flow", False, id="flow-key-leading-slash"),
        pytest.param("DataWranglerFlowKey", "flows/abalone.csv", False, id="flow-key-not-a-flow"),
        pytest.param("SageMakerProjectId", "x-p-abcdefgh1234", False, id="id-not-sagemaker-form"),
        pytest.param("SageMakerProjectId", "p-abc-def", False, id="id-second-hyphen"),
        pytest.param("ProcessingInstanceType", "ml.m5.4xlarge", True, id="instance-type-default"),
        pytest.param("ProcessingInstanceType", "ml.p4d.24xlarge", False, id="instance-type-not-allowed"),
        pytest.param("DataWranglerOutputName", "", True, id="output-empty-means-last-node"),
        pytest.param(
            "DataWranglerOutputName",
            "3f74973c-fd1e-4845-89f8-0dd400031be9.default",
            True,
            id="output-node-id",
        ),
        pytest.param("DataWranglerOutputName", "not an output", False, id="output-invalid"),
        pytest.param("FeatureGroupName", "abalone-feature-group", True, id="feature-group-ok"),
        pytest.param("FeatureGroupName", "Abalone", False, id="feature-group-uppercase"),
    ],
)
def test_product_parameter_constraints(parameter, value, accepted):
    assert _accepts(parameter, value) is accepted


@pytest.mark.parametrize("path", TEMPLATE_IDS.values(), ids=list(TEMPLATE_IDS))
def test_parameter_defaults_satisfy_their_own_constraints(path):
    for name, spec in load(path)["Parameters"].items():
        if "Default" in spec:
            default = str(spec["Default"])
            assert int(spec.get("MinLength", 0)) <= len(default) <= int(spec.get("MaxLength", 10**6))
            assert re.fullmatch(spec.get("AllowedPattern", ".*"), default), name


def _s3_bucket_name_ok(name: str) -> bool:
    return (
        re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", name) is not None
        and ".." not in name
        and ".-" not in name
        and "-." not in name
        and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name)
        and not name.startswith(("xn--", "sthree-", "amzn-s3-demo-"))
        and not name.endswith(("-s3alias", "--ol-s3", "--x-s3", "--table-s3"))
    )


# (logical id, property path, max length, validity check): every name the product creates.
NAMES = [
    ("ArtifactsBucket", "BucketName", 63, _s3_bucket_name_ok),
    ("ObjectCreatedRule", "Name", 64, r"[\.\-_A-Za-z0-9]+"),
    ("PipelineFailedRule", "Name", 64, r"[\.\-_A-Za-z0-9]+"),
    ("RepositoryChangeRule", "Name", 64, r"[\.\-_A-Za-z0-9]+"),
    ("IngestionQueue", "QueueName", 80, r"[a-zA-Z0-9_-]+\.fifo"),
    ("AlarmTopic", "TopicName", 256, r"[a-zA-Z0-9_-]+"),
    ("DeadLetterAlarm", "AlarmName", 255, r"[^:]+"),
    ("StalledIngestionAlarm", "AlarmName", 255, r"[^:]+"),
    ("StartIngestionFunctionRole", "RoleName", 64, r"[\w+=,.@-]+"),
    ("PipelineRole", "RoleName", 64, r"[\w+=,.@-]+"),
    ("BuildRole", "RoleName", 64, r"[\w+=,.@-]+"),
    ("BuildPipelineRole", "RoleName", 64, r"[\w+=,.@-]+"),
    ("RepositoryChangeRuleRole", "RoleName", 64, r"[\w+=,.@-]+"),
    ("StartIngestionFunction", "FunctionName", 64, r"[a-zA-Z0-9_-]+"),
    ("DeadLetterQueue", "QueueName", 80, r"[a-zA-Z0-9_-]+"),
    ("Repository", "RepositoryName", 100, r"[\w.-]+"),
    ("BuildProject", "Name", 255, r"[A-Za-z0-9][A-Za-z0-9\-_]{1,254}"),
    ("BuildPipeline", "Name", 100, r"[A-Za-z0-9.@\-_]+"),
    ("StartIngestionLogGroup", "LogGroupName", 512, r"[\.\-_/#A-Za-z0-9]+"),
    ("BuildLogGroup", "LogGroupName", 512, r"[\.\-_/#A-Za-z0-9]+"),
    (
        "StartIngestionFunction",
        "Environment.Variables.PIPELINE_NAME",
        256,
        r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}",
    ),
]


def _property(logical_id: str, dotted: str) -> Any:
    value: Any = properties(PRODUCT, logical_id)
    for key in dotted.split("."):
        value = value[key]
    return value


@pytest.mark.parametrize(
    ("logical_id", "prop", "limit", "valid"),
    NAMES,
    ids=[f"{logical_id}.{prop.split('.')[-1]}-max-{limit}" for logical_id, prop, limit, _ in NAMES],
)
def test_derived_names_fit_aws_limits_for_maximal_inputs(logical_id, prop, limit, valid):
    name = substitute(_property(logical_id, prop), maximal_name_values())
    assert len(name) <= limit, f"{name!r} is {len(name)} characters (limit {limit})"
    ok = valid(name) if callable(valid) else re.fullmatch(valid, name) is not None
    assert ok, f"{name!r} is not a valid {logical_id} {prop}"


@pytest.mark.parametrize(
    ("logical_id", "prop", "limit", "valid"),
    [n for n in NAMES if "PIPELINE_NAME" not in n[1]],
    ids=[f"{n[0]}.{n[1]}" for n in NAMES if "PIPELINE_NAME" not in n[1]],
)
def test_created_names_are_in_the_launch_role_scope(logical_id, prop, limit, valid):
    name = substitute(_property(logical_id, prop), maximal_name_values())
    assert f"sagemaker-fsi-{MAX_PROJECT_ID}" in name
    assert name.split("/")[-1].startswith("sagemaker-fsi-")


# The longest value every product parameter admits (descriptions embed some of them).
MAXIMAL_PARAMETERS = {
    **MAXIMAL_INPUTS,
    "PipelineDescription": "d" * 3072,
    "DataBucketName": "b" * 63,
    "DataKeyPrefix": "k" * 511 + "/",
    "DataWranglerFlowBucket": "f" * 63,
    "DataWranglerFlowKey": "k" * 1019 + ".flow",
    "DataWranglerOutputName": "n" * 120 + ".default",
    "FeatureGroupName": "g" * 64,
    "BranchName": "b" * 255,
}
DESCRIPTION_LIMITS = {
    ("AWS::Lambda::Function", "Description"): 256,
    ("AWS::CodeBuild::Project", "Description"): 255,
    ("AWS::Events::Rule", "Description"): 512,
    ("AWS::IAM::Role", "Description"): 1000,
    ("AWS::CodeCommit::Repository", "RepositoryDescription"): 1000,
}


@pytest.mark.parametrize("parameter", sorted(MAXIMAL_PARAMETERS))
def test_maximal_parameter_values_are_admitted(parameter):
    spec = load(PRODUCT)["Parameters"][parameter]
    assert len(MAXIMAL_PARAMETERS[parameter]) == int(spec["MaxLength"])
    assert _accepts(parameter, MAXIMAL_PARAMETERS[parameter])


@pytest.mark.parametrize(
    ("logical_id", "prop", "limit"),
    [
        (logical_id, prop, limit)
        for logical_id, resource in resources(PRODUCT).items()
        for (resource_type, prop), limit in DESCRIPTION_LIMITS.items()
        if resource["Type"] == resource_type and prop in resource["Properties"]
    ],
    ids=lambda v: str(v),
)
def test_descriptions_fit_their_limits_for_maximal_inputs(logical_id, prop, limit):
    text = substitute(properties(PRODUCT, logical_id)[prop], {**PSEUDO_PARAMETERS, **MAXIMAL_PARAMETERS})
    assert len(text) <= limit, f"{logical_id}.{prop} is {len(text)} characters (limit {limit})"


def test_sagemaker_pipeline_name_is_the_same_everywhere():
    expected = "${PipelineNamePrefix}-${SageMakerProjectId}"
    env = {
        v["Name"]: v["Value"]
        for v in properties(PRODUCT, "BuildProject")["Environment"]["EnvironmentVariables"]
    }
    assert sub_text(env["SAGEMAKER_PIPELINE_NAME"]) == expected
    assert sub_text(_property("StartIngestionFunction", "Environment.Variables.PIPELINE_NAME")) == (expected)
    assert sub_text(load(PRODUCT)["Outputs"]["PipelineName"]["Value"]) == expected
    name = substitute({"Fn::Sub": expected}, maximal_name_values())
    assert len(name) == 256


# --------------------------------------------------------------------------------------------------
# product template: trigger
# --------------------------------------------------------------------------------------------------
def test_s3_rule_sends_object_created_events_of_the_bucket_and_prefix_to_the_ingestion_queue():
    rule = properties(PRODUCT, "ObjectCreatedRule")
    assert sub_text(rule["Name"]) == "sagemaker-fsi-${SageMakerProjectId}-object-created"
    assert rule["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [{"Ref": "DataBucketName"}]},
            "object": {"key": [{"prefix": {"Ref": "DataKeyPrefix"}}]},
        },
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["IngestionQueue", "Arn"]}
    assert target["SqsParameters"] == {"MessageGroupId": "ingest"}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    assert (
        int(target["RetryPolicy"]["MaximumRetryAttempts"]),
        int(target["RetryPolicy"]["MaximumEventAgeInSeconds"]),
    ) == (
        185,
        86400,
    )
    # No CloudTrail: S3's own notifications are delivered at least once, and no trail limit applies.
    assert not resources(PRODUCT, "AWS::CloudTrail::Trail")


def test_the_ingestion_queue_hands_the_function_one_event_at_a_time():
    queue = properties(PRODUCT, "IngestionQueue")
    assert sub_text(queue["QueueName"]) == "sagemaker-fsi-${SageMakerProjectId}-ingest.fifo"
    assert queue["FifoQueue"] is True and queue["ContentBasedDeduplication"] is True
    assert queue["SqsManagedSseEnabled"] is True
    assert int(queue["MessageRetentionPeriod"]) == 14 * 24 * 3600
    function = properties(PRODUCT, "StartIngestionFunction")
    assert int(queue["VisibilityTimeout"]) >= 6 * int(function["Timeout"])  # Lambda's advice for SQS sources
    mapping = properties(PRODUCT, "IngestionEventSource")
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["IngestionQueue", "Arn"]}
    assert mapping["FunctionName"] == {"Ref": "StartIngestionFunction"}
    assert (int(mapping["BatchSize"]), mapping["FunctionResponseTypes"]) == (1, ["ReportBatchItemFailures"])
    statements = {
        s["Sid"]: s for s in properties(PRODUCT, "IngestionQueuePolicy")["PolicyDocument"]["Statement"]
    }
    rule = statements["AllowObjectCreatedRule"]
    assert rule["Principal"] == {"Service": "events.amazonaws.com"}
    assert rule["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": ["ObjectCreatedRule", "Arn"]}
    environment = function["Environment"]["Variables"]
    assert environment["MAX_CONCURRENT_EXECUTIONS"] == {"Ref": "MaxConcurrentIngestions"}
    assert environment["INGESTION_QUEUE_URL"] == {"Ref": "IngestionQueue"}


@pytest.mark.parametrize("logical_id", ["ArtifactsBucket"])
def test_buckets_are_encrypted_private_tls_only_and_retained(logical_id):
    resource = load(PRODUCT)["Resources"][logical_id]
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    props = resource["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert all(v is True for v in props["PublicAccessBlockConfiguration"].values())
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert {"Key": "sagemaker-fs-ingestion:retained", "Value": "true"} in props["Tags"]
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    (policy,) = [
        r["Properties"]
        for r in resources(PRODUCT, "AWS::S3::BucketPolicy").values()
        if r["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    deny = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in deny)


def test_dead_letter_queue_is_encrypted_keeps_14_days_and_admits_the_rule_and_the_function():
    queue = properties(PRODUCT, "DeadLetterQueue")
    assert queue["SqsManagedSseEnabled"] is True
    assert int(queue["MessageRetentionPeriod"]) == 14 * 24 * 3600
    assert "FifoQueue" not in queue  # EventBridge can only dead-letter into a standard queue
    statements = properties(PRODUCT, "DeadLetterQueuePolicy")["PolicyDocument"]["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    events = by_sid["AllowEventBridgeRule"]
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert events["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": ["ObjectCreatedRule", "Arn"]}
    function = by_sid["AllowIngestionFunctionRole"]
    assert function["Principal"]["AWS"] == properties(PRODUCT, "StartIngestionFunction")["Role"]


def test_failures_raise_alarms_on_the_projects_topic():
    failed = properties(PRODUCT, "PipelineFailedRule")
    assert failed["EventPattern"]["detail-type"] == [
        "SageMaker Model Building Pipeline Execution Status Change"
    ]
    assert failed["EventPattern"]["detail"]["currentPipelineExecutionStatus"] == ["Failed"]
    assert [sub_text(arn) for arn in failed["EventPattern"]["detail"]["pipelineArn"]] == [
        "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:pipeline/"
        "${PipelineNamePrefix}-${SageMakerProjectId}"
    ]
    assert [t["Arn"] for t in failed["Targets"]] == [{"Ref": "AlarmTopic"}]
    dead = properties(PRODUCT, "DeadLetterAlarm")
    assert (dead["MetricName"], dead["ComparisonOperator"], int(dead["Threshold"])) == (
        "ApproximateNumberOfMessagesVisible",
        "GreaterThanThreshold",
        0,
    )
    assert dead["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}}
    ]
    stalled = properties(PRODUCT, "StalledIngestionAlarm")
    assert stalled["MetricName"] == "ApproximateAgeOfOldestMessage"
    deadline = int(
        properties(PRODUCT, "StartIngestionFunction")["Environment"]["Variables"]["START_DEADLINE_SECONDS"]
    )
    assert int(stalled["Threshold"]) > deadline  # the function moves what waits longer to the DLQ itself
    for alarm in (dead, stalled):
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert alarm["TreatMissingData"] == "notBreaching"
    subscription = load(PRODUCT)["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Protocol"] == "email"
    topic_policy = {
        s["Sid"]: s for s in properties(PRODUCT, "AlarmTopicPolicy")["PolicyDocument"]["Statement"]
    }
    assert topic_policy["AllowPipelineFailedRule"]["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::GetAtt": ["PipelineFailedRule", "Arn"]
    }
    assert sub_text(topic_policy["AllowProjectAlarms"]["Condition"]["ArnLike"]["aws:SourceArn"]).endswith(
        ":alarm:sagemaker-fsi-${SageMakerProjectId}-*"
    )


# --------------------------------------------------------------------------------------------------
# product template: Lambda, CI/CD
# --------------------------------------------------------------------------------------------------
def test_lambda_runs_current_python_from_packaged_code_with_a_dead_letter_queue():
    function = properties(PRODUCT, "StartIngestionFunction")
    runtime = re.fullmatch(r"python3\.(\d+)", function["Runtime"])
    assert runtime and int(runtime.group(1)) >= 12, function["Runtime"]
    # By version: what is put at the key later never reaches a function of this release.
    assert function["Code"] == {
        "S3Bucket": "{{package:bucket}}",
        "S3Key": "{{package:function-code-key}}",
        "S3ObjectVersion": "{{package:function-code-version}}",
    }
    assert function["Handler"] == "start_fs_ingestion.lambda_handler"
    assert function["DeadLetterConfig"]["TargetArn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    # Reserving concurrency fails provisioning in new accounts (limit 10): none is reserved.
    assert "ReservedConcurrentExecutions" not in function
    assert int(function["Timeout"]) == 30
    # Every setting the handler reads (its Settings.from_environment), and nothing else.
    assert set(function["Environment"]["Variables"]) == {
        "PIPELINE_NAME",
        "DATA_BUCKET",
        "DATA_KEY_PREFIX",
        "MAX_CONCURRENT_EXECUTIONS",
        "INGESTION_QUEUE_URL",
        "DEAD_LETTER_QUEUE_URL",
        "MANIFEST_BUCKET",
        "MANIFEST_PREFIX",
        "START_DEADLINE_SECONDS",
    }
    handler = (ROOT / "project-seed" / "s3-fs-ingestion" / "functions" / "start_fs_ingestion.py").read_text()
    assert set(re.findall(r'(?:setting|os.environ.get)\("([A-Z_]+)"', handler)) == set(
        function["Environment"]["Variables"]
    )
    assert function["Environment"]["Variables"]["DATA_BUCKET"] == {"Ref": "DataBucketName"}
    assert function["Environment"]["Variables"]["DATA_KEY_PREFIX"] == {"Ref": "DataKeyPrefix"}
    assert function["Environment"]["Variables"]["DEAD_LETTER_QUEUE_URL"] == {"Ref": "DeadLetterQueue"}
    # Always the project's own role: a role of the caller's choice could be another project's.
    assert function["Role"] == {"Fn::GetAtt": ["StartIngestionFunctionRole", "Arn"]}


def test_lambda_handler_module_exists_in_the_seed():
    sources = list((ROOT / "project-seed").rglob("start_fs_ingestion.py"))
    assert sources, "project-seed has no start_fs_ingestion.py (the Lambda handler module)"
    assert any("def lambda_handler(" in p.read_text() for p in sources)


def test_lambda_role_starts_exactly_the_project_pipeline():
    role = properties(PRODUCT, "StartIngestionFunctionRole")
    statements = {s["Sid"]: s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]}
    start = statements["StartPipeline"]
    assert start["Action"] == ["sagemaker:StartPipelineExecution", "sagemaker:ListPipelineExecutions"]
    assert sub_text(start["Resource"]) == (
        "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:"
        "pipeline/${PipelineNamePrefix}-${SageMakerProjectId}"
    )
    assert statements["DeadLetterQueue"]["Resource"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    assert statements["IngestionQueue"]["Resource"] == {"Fn::GetAtt": ["IngestionQueue", "Arn"]}
    assert sub_text(statements["WriteManifests"]["Resource"]) == "${ArtifactsBucket.Arn}/ingest-manifests/*"
    assert sub_text(statements["ReadUploadedObjects"]["Resource"]) == (
        "arn:${AWS::Partition}:s3:::${DataBucketName}/${DataKeyPrefix}*"
    )
    assert statements["OwnLogGroup"]["Resource"] == {"Fn::GetAtt": ["StartIngestionLogGroup", "Arn"]}
    assert sub_text(role["RoleName"]) == "sagemaker-fsi-${SageMakerProjectId}-lambda"


def test_pipeline_role_reads_the_flow_and_data_and_writes_the_feature_group():
    role = properties(PRODUCT, "PipelineRole")
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "sagemaker.amazonaws.com"}]
    statements = {s["Sid"]: s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]}
    # Exactly the flow object (no trailing wildcard), listed only under its own key.
    assert sub_text(statements["ReadFlow"]["Resource"]) == (
        "arn:${AWS::Partition}:s3:::${DataWranglerFlowBucket}/${DataWranglerFlowKey}"
    )
    assert statements["ListFlow"]["Condition"] == {
        "StringEquals": {"s3:prefix": {"Ref": "DataWranglerFlowKey"}}
    }
    assert sub_text(statements["ReadInputData"]["Resource"]) == (
        "arn:${AWS::Partition}:s3:::${DataBucketName}/${DataKeyPrefix}*"
    )
    assert sub_text(statements["FeatureGroup"]["Resource"]).endswith(":feature-group/${FeatureGroupName}")
    assert set(statements["FeatureGroup"]["Action"]) == {
        "sagemaker:PutRecord",
        "sagemaker:DescribeFeatureGroup",
    }
    assert sub_text(statements["PassOwnRoleToProcessingJob"]["Resource"]).endswith(
        ":role/" + sub_text(role["RoleName"])
    )
    jobs = "processing-job/sagemaker-fsi-${SageMakerProjectId}-*"
    start = statements["StartProcessingJobs"]
    assert start["Action"] == "sagemaker:CreateProcessingJob"
    assert sub_text(start["Resource"]).endswith(jobs)
    assert start["Condition"] == {
        "ForAllValues:StringEquals": {"sagemaker:InstanceTypes": [{"Ref": "ProcessingInstanceType"}]},
        "Null": {"sagemaker:InstanceTypes": "false"},
    }
    assert sub_text(statements["ProcessingJobs"]["Resource"]).endswith(jobs)


def test_every_role_the_product_creates_carries_the_portfolio_boundary():
    boundary = (
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/sagemaker-fsi/"
        "project-roles-boundary-${AWS::Region}"
    )
    roles = resources(PRODUCT, "AWS::IAM::Role")
    assert set(roles) == {
        "StartIngestionFunctionRole",
        "PipelineRole",
        "BuildRole",
        "BuildPipelineRole",
        "RepositoryChangeRuleRole",
    }
    for logical_id, role in roles.items():
        assert sub_text(role["Properties"]["PermissionsBoundary"]) == boundary, logical_id
    portfolio_boundary = properties(PORTFOLIO, "ProjectRolesBoundary")
    assert portfolio_boundary["Path"] == "/sagemaker-fsi/"
    assert sub_text(portfolio_boundary["ManagedPolicyName"]) == "project-roles-boundary-${AWS::Region}"


def test_the_boundary_allows_nothing_in_iam_but_passing_project_roles_to_sagemaker():
    statements = properties(PORTFOLIO, "ProjectRolesBoundary")["PolicyDocument"]["Statement"]
    iam = [s for s in statements if any(a.startswith("iam:") for a in as_list(s["Action"]))]
    assert [(s["Action"], s["Condition"]) for s in iam] == [
        ("iam:PassRole", {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}})
    ]
    assert sub_text(iam[0]["Resource"]) == "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/sagemaker-fsi-*"
    assert all(s["Effect"] == "Allow" for s in statements)
    by_sid = {s["Sid"]: s for s in statements}
    reads = by_sid["ReadAllowedDataBuckets"]["Resource"]["Fn::Split"][1]["Fn::Sub"]
    assert reads == [
        "arn:*:s3:::${Buckets}/*",
        {"Buckets": {"Fn::Join": ["/*,arn:*:s3:::", {"Ref": "DataBucketNames"}]}},
    ]


def test_data_buckets_are_an_allow_list_enforced_at_launch():
    constraint = load(PORTFOLIO)["Resources"]["DataBucketsConstraint"]
    assert constraint["Type"] == "AWS::ServiceCatalog::LaunchTemplateConstraint"
    assert constraint["DependsOn"] == "PortfolioProductAssociation"
    rules_text, variables = constraint["Properties"]["Rules"]["Fn::Sub"]
    assert variables["Quoted"] == {"Fn::Join": ['", "', {"Ref": "DataBucketNames"}]}
    assert variables["QuotedConnections"] == {"Fn::Join": ['", "', {"Ref": "ConnectionArns"}]}
    for name, value in (
        ("QuotedConnections", "c1"),
        ("ListedConnections", "c1"),
        ("Quoted", "b1"),
        ("Listed", "b1"),
    ):
        rules_text = rules_text.replace(f"${{{name}}}", value)
    rules = json.loads(rules_text)
    asserted = {name: rule["Assertions"][0]["Assert"]["Fn::Contains"] for name, rule in rules.items()}
    assert asserted == {
        "AllowedDataBucket": [["b1"], {"Ref": "DataBucketName"}],
        "AllowedFlowBucket": [["b1"], {"Ref": "DataWranglerFlowBucket"}],
        "AllowedConnection": [["c1"], {"Ref": "ConnectionArn"}],
    }
    assert rules["AllowedConnection"]["RuleCondition"] == {
        "Fn::Equals": [{"Ref": "SourceRepository"}, "CodeConnections"]
    }
    for name in ("DataBucketNames", "ConnectionArns"):
        assert load(PORTFOLIO)["Parameters"][name]["Type"] == "CommaDelimitedList"


def test_codebuild_project_gets_what_build_py_reads():
    project = properties(PRODUCT, "BuildProject")
    assert project["Environment"]["Image"] == "aws/codebuild/amazonlinux-x86_64-standard:5.0"
    assert project["Source"] == {"Type": "CODEPIPELINE", "BuildSpec": "buildspec.yml"}
    names = [v["Name"] for v in project["Environment"]["EnvironmentVariables"]]
    assert sorted(names) == sorted(
        [
            "SAGEMAKER_PROJECT_NAME",
            "SAGEMAKER_PROJECT_ID",
            "SAGEMAKER_PIPELINE_NAME",
            "PIPELINE_DESCRIPTION",
            "DW_FLOW_URL",
            "DW_FLOW_OUTPUT_NAME",
            "FEATURE_GROUP_NAME",
            "PIPELINE_ROLE_ARN",
            "PROCESSING_JOB_PREFIX",
            "PROCESSING_INSTANCE_TYPE",
            "ARTIFACT_BUCKET",
        ]
    )
    env = {v["Name"]: v["Value"] for v in project["Environment"]["EnvironmentVariables"]}
    assert env["PIPELINE_ROLE_ARN"] == {"Fn::GetAtt": ["PipelineRole", "Arn"]}
    assert env["ARTIFACT_BUCKET"] == {"Ref": "ArtifactsBucket"}
    assert sub_text(env["DW_FLOW_URL"]) == "s3://${DataWranglerFlowBucket}/${DataWranglerFlowKey}"
    assert sub_text(env["PROCESSING_JOB_PREFIX"]) == "sagemaker-fsi-${SageMakerProjectId}"
    assert env["PROCESSING_INSTANCE_TYPE"] == {"Ref": "ProcessingInstanceType"}


def test_ci_cd_runs_as_the_projects_own_roles_from_the_seeded_repository():
    repository = properties(PRODUCT, "Repository")
    assert repository["Code"] == {
        "S3": {
            "Bucket": "{{package:bucket}}",
            "Key": "{{package:seed-code-key}}",
            "ObjectVersion": "{{package:seed-code-version}}",
        },
        "BranchName": {"Ref": "BranchName"},
    }
    assert load(PRODUCT)["Parameters"]["BranchName"]["Default"] == "main"
    pipeline = properties(PRODUCT, "BuildPipeline")
    assert pipeline["RoleArn"] == {"Fn::GetAtt": ["BuildPipelineRole", "Arn"]}
    assert properties(PRODUCT, "BuildProject")["ServiceRole"] == {"Fn::GetAtt": ["BuildRole", "Arn"]}
    assert USE_ROLE_NAME not in PRODUCT.read_text()
    assert pipeline["ArtifactStore"] == {"Type": "S3", "Location": {"Ref": "ArtifactsBucket"}}
    source, build = pipeline["Stages"]
    ((condition, source_action, connection_action),) = [a["Fn::If"] for a in source["Actions"]]
    assert condition == "UsesCodeCommit"
    assert source_action["ActionTypeId"]["Provider"] == "CodeCommit"
    assert source_action["Configuration"]["RepositoryName"] == {"Fn::GetAtt": ["Repository", "Name"]}
    assert source_action["Configuration"]["BranchName"] == {"Ref": "BranchName"}
    assert source_action["Configuration"]["PollForSourceChanges"] == "false"
    assert connection_action["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert connection_action["Configuration"] == {
        "ConnectionArn": {"Ref": "ConnectionArn"},
        "FullRepositoryId": {"Ref": "FullRepositoryId"},
        "BranchName": {"Ref": "BranchName"},
        "OutputArtifactFormat": "CODE_ZIP",
        "DetectChanges": "true",
    }
    assert source_action["OutputArtifacts"] == connection_action["OutputArtifacts"]
    (build_action,) = build["Actions"]
    assert build_action["ActionTypeId"]["Provider"] == "CodeBuild"
    assert build_action["Configuration"]["ProjectName"] == {"Ref": "BuildProject"}
    rule = properties(PRODUCT, "RepositoryChangeRule")
    assert rule["EventPattern"]["detail-type"] == ["CodeCommit Repository State Change"]
    assert rule["EventPattern"]["detail"]["referenceName"] == [{"Ref": "BranchName"}]
    for logical_id in ("Repository", "RepositoryChangeRule", "RepositoryChangeRuleRole"):
        assert resources(PRODUCT)[logical_id]["Condition"] == "UsesCodeCommit", logical_id
    (target,) = rule["Targets"]
    assert target["RoleArn"] == {"Fn::GetAtt": ["RepositoryChangeRuleRole", "Arn"]}
    assert sub_text(target["Arn"]).endswith(":${BuildPipeline}")


def _statements(logical_id: str) -> dict[str, dict[str, Any]]:
    role = properties(PRODUCT, logical_id)
    return {s["Sid"]: s for p in role["Policies"] for s in statements(p["PolicyDocument"])}


def test_the_build_role_reaches_only_its_own_project():
    statements = _statements("BuildRole")
    upsert = statements["UpsertOwnSageMakerPipeline"]
    assert sub_text(upsert["Resource"]) == (
        "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:"
        "pipeline/${PipelineNamePrefix}-${SageMakerProjectId}"
    )
    assert statements["PassOwnPipelineRole"]["Resource"] == {"Fn::GetAtt": ["PipelineRole", "Arn"]}
    assert sub_text(statements["SourceAndArtifacts"]["Resource"]) == "${ArtifactsBucket.Arn}/*"
    assert sub_text(statements["ReadFlow"]["Resource"]) == (
        "arn:${AWS::Partition}:s3:::${DataWranglerFlowBucket}/${DataWranglerFlowKey}"
    )
    trust = properties(PRODUCT, "BuildRole")["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "codebuild.amazonaws.com"}]


def test_the_build_pipeline_and_rule_roles_reach_only_their_own_project():
    statements = _statements("BuildPipelineRole")
    assert statements["SourceRepository"]["Resource"] == {"Fn::GetAtt": ["Repository", "Arn"]}
    # CodeConnections: exactly the project's connection, with the action of the ARN's own prefix.
    assert statements["SourceConnection"]["Resource"] == {"Ref": "ConnectionArn"}
    action_text, variables = statements["SourceConnection"]["Action"]["Fn::Sub"]
    assert action_text == "${Service}:UseConnection"
    assert variables["Service"] == {"Fn::Select": [2, {"Fn::Split": [":", {"Ref": "ConnectionArn"}]}]}
    assert statements["RunBuild"]["Resource"] == {"Fn::GetAtt": ["BuildProject", "Arn"]}
    assert sub_text(statements["ArtifactObjects"]["Resource"]) == "${ArtifactsBucket.Arn}/*"
    (start,) = _statements("RepositoryChangeRuleRole").values()
    assert start["Action"] == "codepipeline:StartPipelineExecution"
    assert sub_text(start["Resource"]).endswith(":${BuildPipeline}")


def test_product_outputs():
    assert {
        "PipelineName",
        "PipelineRoleArn",
        "RepositoryName",
        "RepositoryCloneUrlHttp",
        "StartIngestionFunctionName",
        "DeadLetterQueueUrl",
        "IngestionQueueUrl",
        "AlarmTopicArn",
        "ArtifactsBucketName",
    } <= set(load(PRODUCT)["Outputs"])


# --------------------------------------------------------------------------------------------------
# IAM: scoped, attached by CloudFormation
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("logical_id", "role_parameter"),
    [
        ("LaunchRolePolicy", "LaunchRoleName"),
        ("LaunchRoleIamPolicy", "LaunchRoleName"),
        ("ExecutionRolePolicy", "SageMakerExecutionRoleName"),
    ],
    ids=["launch-role", "launch-role-iam", "execution-role"],
)
def test_managed_policies_are_attached_by_cloudformation(logical_id, role_parameter):
    policy = load(PORTFOLIO)["Resources"][logical_id]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    roles = policy["Properties"]["Roles"]
    if role_parameter == "LaunchRoleName":  # the Service Catalog launch role, the S3 one, or both
        launch, projects = {"Ref": "LaunchRoleName"}, {"Ref": "ProjectsLaunchRole"}
        assert roles == {
            "Fn::If": [
                "DeliversFromS3",
                {"Fn::If": ["DeliversThroughServiceCatalog", [launch, projects], [projects]]},
                [launch],
            ]
        }
    else:
        assert roles == [{"Ref": role_parameter}]


def test_every_managed_policy_but_the_boundary_has_roles():
    for logical_id, policy in resources(PORTFOLIO, "AWS::IAM::ManagedPolicy").items():
        if logical_id == "ProjectRolesBoundary":  # a boundary is set on roles, never attached
            assert "Roles" not in policy["Properties"]
            continue
        assert policy["Properties"].get("Roles"), f"{logical_id} is not attached to any role"


ROLE_WRITE_ACTIONS = {"iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy"}
# Actions the service authorization reference gives no resource type (so Resource "*" is the only option):
# read-only calls, removing an e-mail subscription (its ARN is random), and creating the function's queue
# trigger, which is scoped by a condition on the function instead.
UNSCOPED_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "organizations:DescribeOrganization",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "logs:DescribeIndexPolicies",
    "lambda:ListEventSourceMappings",
    "lambda:CreateEventSourceMapping",
    "sns:GetSubscriptionAttributes",
    "sns:Unsubscribe",
    "servicecatalog:SearchProducts",
    "servicecatalog:SearchProvisionedProducts",
    "servicecatalog:DescribeProvisionedProduct",
    "servicecatalog:DescribeRecord",
    "servicecatalog:GetProvisionedProductOutputs",
}


def _resource_texts(resource: Any) -> list[str]:
    if isinstance(resource, dict) and set(resource) == {"Fn::Split"}:  # ARNs built from a list parameter
        return [resource["Fn::Split"][1]["Fn::Sub"][0]]
    return [sub_text(item) for item in as_list(resource)]


@pytest.mark.parametrize(("where", "statement"), allow_statements(), ids=[w for w, _ in allow_statements()])
def test_policy_statement_is_scoped(where, statement):
    actions = {sub_text(action) for action in as_list(statement["Action"])}
    arns = _resource_texts(statement["Resource"])
    assert not any(a == "*" or a.endswith(":*") for a in actions), f"{where}: wildcard action"
    if actions & ROLE_WRITE_ACTIONS:
        for arn in arns:
            assert not arn.endswith(":*") and "iam::${AWS::AccountId}:*" not in arn, (where, arn)
            assert arn.startswith("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/sagemaker-fsi-")
    if "iam:PassRole" in actions:
        assert statement["Condition"]["StringEquals"]["iam:PassedToService"], where
    if "*" in arns:
        assert actions <= UNSCOPED_ACTIONS, f"{where}: {actions - UNSCOPED_ACTIONS} on *"
    else:
        assert all(
            arn.startswith(("arn:${AWS::Partition}:", "${", "arn:*:s3:::${Buckets}")) for arn in arns
        ), (
            where,
            arns,
        )


def test_launch_role_policy_scopes_buckets_and_seed_reads():
    statements = {
        s["Sid"]: s
        for logical_id in ("LaunchRolePolicy", "LaunchRoleIamPolicy")
        for s in properties(PORTFOLIO, logical_id)["PolicyDocument"]["Statement"]
    }
    buckets = statements["ProjectBuckets"]
    assert {"s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketPolicy"} <= set(buckets["Action"])
    assert sub_text(buckets["Resource"]) == "arn:${AWS::Partition}:s3:::sagemaker-fsi-*"
    seed = statements["ReadSeedAndFunctionCode"]
    assert set(seed["Action"]) == {"s3:GetObject", "s3:GetObjectVersion"}
    assert sub_text(seed["Resource"]) == (
        "arn:${AWS::Partition}:s3:::{{package:bucket}}/{{package:prefix}}/*"
    )
    assert seed["Condition"] == {"StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}}
    pass_project_roles = statements["PassProjectRoles"]
    assert sub_text(pass_project_roles["Resource"]).endswith(":role/sagemaker-fsi-*")
    assert set(pass_project_roles["Condition"]["StringEquals"]["iam:PassedToService"]) == {
        "codebuild.amazonaws.com",
        "codepipeline.amazonaws.com",
        "events.amazonaws.com",
        "lambda.amazonaws.com",
    }
    for sid, prefix in {
        "Rules": ":rule/sagemaker-fsi-*",
        "Queues": ":sagemaker-fsi-*",
        "AlarmTopic": ":sagemaker-fsi-*",
        "Alarms": ":alarm:sagemaker-fsi-*",
        "Function": ":function:sagemaker-fsi-*",
        "Repository": ":sagemaker-fsi-*",
        "BuildProject": ":project/sagemaker-fsi-*",
        "BuildPipeline": ":sagemaker-fsi-*",
    }.items():
        assert sub_text(statements[sid]["Resource"]).endswith(prefix), sid


def test_the_launch_role_creates_project_roles_only_with_the_boundary():
    statements = {
        s["Sid"]: s for s in properties(PORTFOLIO, "LaunchRoleIamPolicy")["PolicyDocument"]["Statement"]
    }
    guarded = {
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutRolePermissionsBoundary",
    }
    allow, deny = statements["ProjectRolesWithBoundary"], statements["DenyProjectRolesWithoutBoundary"]
    assert set(allow["Action"]) == set(deny["Action"]) == guarded
    assert allow["Condition"] == {"ArnEquals": {"iam:PermissionsBoundary": {"Ref": "ProjectRolesBoundary"}}}
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"ArnNotEquals": {"iam:PermissionsBoundary": {"Ref": "ProjectRolesBoundary"}}}
    removal = statements["DenyBoundaryRemoval"]
    assert (removal["Effect"], removal["Action"]) == ("Deny", "iam:DeleteRolePermissionsBoundary")
    assert statements["DenyBoundaryPolicyChanges"]["Resource"] == {"Ref": "ProjectRolesBoundary"}
    # No other statement grants what the boundary guards.
    others = [s for sid, s in statements.items() if sid != "ProjectRolesWithBoundary"]
    assert not any(guarded & set(as_list(s["Action"])) for s in others if s["Effect"] == "Allow")


def _policy_json_length(document: Any) -> int:
    values = {
        **PSEUDO_PARAMETERS,
        "Portfolio": "port-abcdefghijklm",
        "Product": "prod-abcdefghijklm",
        "ProjectRolesBoundary": (
            "arn:aws-us-gov:iam::123456789012:policy/sagemaker-fsi/project-roles-boundary-ap-northeast-2"
        ),
    }
    # Ten allowed buckets of 63 characters: more than a platform team lists.
    buckets = ["b" * 63] * 10

    def evaluate(node: Any) -> Any:
        if isinstance(node, dict) and node.get("Ref") == "AWS::StackId":
            return "arn:aws-us-gov:cloudformation:ap-northeast-2:123456789012:stack/" + "x" * 128
        if isinstance(node, dict) and set(node) == {"Fn::Split"}:
            template = node["Fn::Split"][1]["Fn::Sub"][0]
            return [template.replace("${Buckets}", bucket) for bucket in buckets]
        if isinstance(node, dict) and ("Fn::Sub" in node or "Ref" in node):
            return substitute(node, values)
        if isinstance(node, dict):
            return {k: evaluate(v) for k, v in node.items()}
        if isinstance(node, list):
            return [evaluate(v) for v in node]
        return fill_placeholders(node) if isinstance(node, str) else node

    return len(json.dumps(evaluate(document), separators=(",", ":")))


@pytest.mark.parametrize(
    "logical_id", ["LaunchRolePolicy", "LaunchRoleIamPolicy", "ProjectRolesBoundary", "ExecutionRolePolicy"]
)
def test_managed_policy_fits_the_iam_size_limit(logical_id):
    document = properties(PORTFOLIO, logical_id)["PolicyDocument"]
    assert _policy_json_length(document) <= 6144


# --------------------------------------------------------------------------------------------------
# portfolio template
# --------------------------------------------------------------------------------------------------
def test_launch_constraint_depends_on_both_associations():
    constraint = load(PORTFOLIO)["Resources"]["LaunchRoleConstraint"]
    assert set(as_list(constraint["DependsOn"])) >= {
        "PortfolioProductAssociation",
        "PortfolioPrincipalAssociation",
    }
    assert sub_text(constraint["Properties"]["RoleArn"]) == (
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role${LaunchRolePath}${LaunchRoleName}"
    )
    parameters = load(PORTFOLIO)["Parameters"]
    assert parameters["LaunchRoleName"]["Default"] == "AmazonSageMakerServiceCatalogProductsLaunchRole"
    assert parameters["LaunchRolePath"]["Default"] == "/service-role/"
    # The product runs nothing as the shared use role, so the portfolio names none (nor attaches to it).
    assert not {"UseRoleName", "UseRolePath"} & set(parameters)
    assert USE_ROLE_NAME not in PORTFOLIO.read_text()


def test_product_is_visible_in_studio_and_has_one_artifact_per_release():
    product = properties(PORTFOLIO, "Product")
    assert {"Key": "sagemaker:studio-visibility", "Value": "true"} in product["Tags"]
    (artifact,) = product["ProvisioningArtifactParameters"]
    assert artifact["Name"] == "{{package:version}}"
    assert artifact["Info"] == {"LoadTemplateFromURL": "{{package:product-template-url}}"}


def test_portfolio_is_granted_to_the_execution_role():
    association = properties(PORTFOLIO, "PortfolioPrincipalAssociation")
    assert association["PrincipalType"] == "IAM"
    assert association["PrincipalARN"] == {"Ref": "SageMakerExecutionRoleArn"}
    product_association = properties(PORTFOLIO, "PortfolioProductAssociation")
    assert product_association == {
        "PortfolioId": {"Ref": "Portfolio"},
        "ProductId": {"Ref": "Product"},
    }


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-2024", True),
        ("arn:aws-cn:iam::123456789012:role/SageMakerRole", True),
        ("arn:aws-us-gov:iam::123456789012:role/a/b/c/SageMakerRole", True),
        ("arn:aws:iam::123456789012:user/someone", False),
        ("arn:aws:iam::12345:role/too-short-account", False),
        ("AmazonSageMaker-ExecutionRole", False),
    ],
    ids=["service-role-path", "china", "gov-cloud-deep-path", "user", "bad-account", "bare-name"],
)
def test_execution_role_arn_pattern(value, accepted):
    pattern = load(PORTFOLIO)["Parameters"]["SageMakerExecutionRoleArn"]["AllowedPattern"]
    assert (re.fullmatch(pattern, value) is not None) is accepted


def test_portfolio_outputs():
    assert set(load(PORTFOLIO)["Outputs"]) == {
        "PortfolioId",
        "ProductId",
        "ProductName",
        "ProvisioningArtifactIds",
        "ProvisioningArtifactNames",
        "LaunchRolePolicyArn",
        "LaunchRoleIamPolicyArn",
        "ProjectRolesBoundaryArn",
        "AllowedDataBuckets",
        "AllowedConnections",
        "ExecutionRolePolicyArn",
        "ExecutionRoleCatalogPolicyArn",
        "ExecutionRoleS3DeliveryPolicyArn",
        "ExecutionRoleName",
        "Delivery",
        "ProjectTemplatesLocation",
        "ProjectTemplateUrl",
        "ProjectsLaunchRoleArn",
    }
    outputs = load(PORTFOLIO)["Outputs"]
    for name in (
        "PortfolioId",
        "ProductId",
        "ProductName",
        "ProvisioningArtifactIds",
        "ProvisioningArtifactNames",
    ):
        assert outputs[name]["Condition"] == "DeliversThroughServiceCatalog", name
    for name in (
        "ProjectTemplatesLocation",
        "ProjectTemplateUrl",
        "ProjectsLaunchRoleArn",
        "ExecutionRoleS3DeliveryPolicyArn",
    ):
        assert outputs[name]["Condition"] == "DeliversFromS3", name


def test_portfolio_template_fits_an_inline_template_body():
    assert len(PORTFOLIO.read_bytes()) < 51_200
