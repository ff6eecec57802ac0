"""parliament over every IAM policy of the templates; ``python -m scripts.policy_lint PATH...``.

Why: cfn-lint checks the shape of a policy and checkov's IAM rules flag only ``*`` resources, so neither
notices a statement that grants nothing, e.g. ``s3:GetObject`` on a bucket ARN (no ``/key``): AWS accepts it
and the role fails at run time. parliament (https://github.com/duo-labs/parliament) checks each action
against the resource types AWS documents for it (RESOURCE_MISMATCH), and condition keys, ARNs and principals.

parliament reads concrete JSON, so each template is first made into what CloudFormation would hand to IAM:
the packager's ``{{package:NAME}}`` placeholders get stand-in values, then the intrinsic functions the
policies use are evaluated with realistic sample parameters (a parameter's Default, else a sample that
satisfies its AllowedPattern/AllowedValues/length) and the names and ARNs AWS gives each resource, in
partition aws, us-east-1, account 123456789012. An intrinsic function it cannot evaluate is an error naming
it and where it is: no policy is linted half-evaluated.

Linted: identity policies (managed, inline) and resource policies (bucket, queue, topic, key). Not linted:
role trust policies (AssumeRolePolicyDocument), which parliament cannot read (it requires a Resource).
Every finding is listed; those at MEDIUM and above fail unless suppressed, each with its reason, in
``.policy-lint.yaml``, which the linter keeps true: an entry without a reason is refused and an entry that
matches nothing fails too.
"""

from __future__ import annotations

import argparse
import json
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from scripts import PROJECT_ROOT, assemble, cfn_yaml, placeholders
from scripts.cfn_yaml import Tagged
from scripts.errors import KitError, run_main
from scripts.lint import template_files

SUPPRESSIONS_FILE = PROJECT_ROOT / ".policy-lint.yaml"
FAILING_SEVERITIES = ("MEDIUM", "HIGH", "CRITICAL")

# Where the templates are evaluated: a commercial-partition account in us-east-1.
PARTITION = "aws"
REGION = "us-east-1"
ACCOUNT = "123456789012"
URL_SUFFIX = "amazonaws.com"
STAGING = assemble.StagingLocation(
    bucket=f"fs-ingestion-templates-{ACCOUNT}-{REGION}", prefix="fs-ingestion", region=REGION
)
# What the packager fills in (scripts/assemble.py render_templates), one release published.
PACKAGE_VALUES = {
    "bucket": STAGING.bucket,
    "prefix": STAGING.prefix,
    "seed-code-key": STAGING.key(f"artifacts/{assemble.SEED_NAME}-5f1c0e9a7b3d2468.zip"),
    "seed-code-version": "Xq7mLr2Tz9vNc4Bw8Hs1Kd6Pf3Gj0Ya5",
    "function-code-key": STAGING.key("artifacts/start-fs-ingestion-9e8d7c6b5a4f3e2d.zip"),
    "function-code-version": "Rt5vWc8Nz1Lm4Qp7Hs2Kd9Bf6Gj3Xa0E",
}
RELEASES = (placeholders.Release("1.0.0", STAGING.url(STAGING.product_template_key("1.0.0"))),)
# AWS::StackName of each template: the portfolio is deployed by `make deploy`, the product is launched by
# Service Catalog (SC-<account>-pp-<provisioned product id>).
STACK_NAMES = {
    assemble.PORTFOLIO_TEMPLATE: "sagemaker-fs-ingestion-portfolio",
    assemble.PRODUCT_TEMPLATE: f"SC-{ACCOUNT}-pp-abcdefgh23456",
}
STACK_UUID = "6a1f2b3c-4d5e-11ef-9a7b-0e1d2c3b4a59"
# Parameters without a Default: what a real launch would pass. Each must satisfy the parameter's own
# constraints (checked). Two allowed data buckets; the flow is read from the second one.
SAMPLE_PARAMETERS: dict[str, str | list[str]] = {
    "SageMakerProjectName": "fraud-features",
    "SageMakerProjectId": "p-abcdefgh1234",
    "DataBucketName": f"sagemaker-{REGION}-{ACCOUNT}",
    "DataWranglerFlowBucket": f"fs-ingestion-flows-{ACCOUNT}",
    "DataWranglerFlowKey": "feature-store-ingestion/flows/abalone.flow",
    "FeatureGroupName": "abalone-features",
    "SageMakerExecutionRoleArn": (
        f"arn:{PARTITION}:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-20261201T120000"
    ),
    "SageMakerExecutionRoleName": "AmazonSageMaker-ExecutionRole-20261201T120000",
    "DataBucketNames": [f"sagemaker-{REGION}-{ACCOUNT}", f"fs-ingestion-flows-{ACCOUNT}"],
}
SAMPLE_CONNECTION = (
    f"arn:{PARTITION}:codeconnections:{REGION}:{ACCOUNT}:connection/0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"
)
# Each template is linted once per variant: its samples, and choices that turn on what the samples leave off
# (the CodeConnections source; the S3 delivery and allowed connections), so no policy of any choice is missed.
VARIANTS: dict[str, tuple[dict[str, str | list[str]], ...]] = {
    assemble.PRODUCT_TEMPLATE: (
        {},
        {
            "SourceRepository": "CodeConnections",
            "ConnectionArn": SAMPLE_CONNECTION,
            "FullRepositoryId": "example-org/feature-pipelines",
        },
    ),
    assemble.PORTFOLIO_TEMPLATE: ({}, {"Delivery": "both", "ConnectionArns": [SAMPLE_CONNECTION]}),
}
# The physical-name suffix CloudFormation appends to generated names (<stack>-<logical id>-<suffix>).
GENERATED_SUFFIX = "K3XZ9QW7TB2M"


class PolicyLintError(KitError):
    """The policies cannot be linted, or the lint failed; the message says which and what to do."""


class UnsupportedIntrinsicError(PolicyLintError):
    def __init__(self, function: str, where: str, why: str = "not supported by scripts.policy_lint") -> None:
        self.function = function
        super().__init__(
            f"cannot evaluate {function} at {where}: {why}; write the policy without it or teach "
            "scripts/policy_lint.py to evaluate it"
        )


# ------------------------------------------------------------------------------------------------
# Evaluating a template's intrinsic functions
# ------------------------------------------------------------------------------------------------
class _NoValue:
    """``AWS::NoValue``: the property or list item is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


def long_form(node: Any) -> Any:
    """The template with every short-form tag (``!Sub``...) written in long form (``{"Fn::Sub": ...}``)."""
    if isinstance(node, Tagged):
        name = node.tag[1:]
        value = long_form(node.value)
        if name == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        key = name if name in ("Ref", "Condition") else f"Fn::{name}"
        return {key: value}
    if isinstance(node, dict):
        return {key: long_form(value) for key, value in node.items()}
    if isinstance(node, list):
        return [long_form(value) for value in node]
    return node


@dataclass(frozen=True)
class _ResourceKind:
    """How CloudFormation names a resource type and what its Ref and attributes return."""

    name_property: str | None = None
    lowercase: bool = False  # generated names are lowercase (S3)
    max_length: int = 64
    ref: str = "name"  # what Ref returns: "name", or a key of attributes
    attributes: dict[str, Callable[[Evaluator, str, str], str]] = field(default_factory=dict)


def _arn(service: str, resource: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def _iam_arn(kind: str, path_property: str) -> Callable[[Evaluator, str, str], str]:
    def arn(evaluator: Evaluator, logical_id: str, where: str) -> str:
        path = evaluator.resource_property(logical_id, path_property, where, default="/")
        return _arn("iam", f"{kind}{path}{evaluator.physical_name(logical_id, where)}", region="")

    return arn


def _simple(build: Callable[[str], str]) -> Callable[[Evaluator, str, str], str]:
    return lambda evaluator, logical_id, where: build(evaluator.physical_name(logical_id, where))


def _rule_bus_and_name(evaluator: Evaluator, logical_id: str, where: str) -> tuple[str | None, str]:
    bus = evaluator.resource_property(logical_id, "EventBusName", where, default="default")
    bus = bus.rsplit("/", 1)[-1]
    return (None if bus == "default" else bus), evaluator.physical_name(logical_id, where)


def _rule_ref(evaluator: Evaluator, logical_id: str, where: str) -> str:
    bus, name = _rule_bus_and_name(evaluator, logical_id, where)
    return f"{bus}|{name}" if bus else name


def _rule_arn(evaluator: Evaluator, logical_id: str, where: str) -> str:
    bus, name = _rule_bus_and_name(evaluator, logical_id, where)
    return _arn("events", f"rule/{bus}/{name}" if bus else f"rule/{name}")


_ROLE_ARN = _iam_arn("role", "Path")
_POLICY_ARN = _iam_arn("policy", "Path")
_QUEUE_URL = _simple(lambda name: f"https://sqs.{REGION}.{URL_SUFFIX}/{ACCOUNT}/{name}")
_TOPIC_ARN = _simple(lambda name: _arn("sns", name))
_KEY_ID = "0f1e2d3c-4b5a-4968-8778-695a4b3c2d1e"

RESOURCE_KINDS: dict[str, _ResourceKind] = {
    "AWS::IAM::Role": _ResourceKind(
        "RoleName", attributes={"Arn": _ROLE_ARN, "RoleId": lambda *_: "AROAZ3EXAMPLE4ROLE5ID"}
    ),
    "AWS::IAM::User": _ResourceKind("UserName", attributes={"Arn": _iam_arn("user", "Path")}),
    "AWS::IAM::Group": _ResourceKind("GroupName", attributes={"Arn": _iam_arn("group", "Path")}),
    "AWS::IAM::ManagedPolicy": _ResourceKind(
        "ManagedPolicyName", max_length=128, ref="PolicyArn", attributes={"PolicyArn": _POLICY_ARN}
    ),
    "AWS::S3::Bucket": _ResourceKind(
        "BucketName",
        lowercase=True,
        max_length=63,
        attributes={
            "Arn": _simple(lambda name: f"arn:{PARTITION}:s3:::{name}"),
            "DomainName": _simple(lambda name: f"{name}.s3.{URL_SUFFIX}"),
            "RegionalDomainName": _simple(lambda name: f"{name}.s3.{REGION}.{URL_SUFFIX}"),
        },
    ),
    "AWS::SQS::Queue": _ResourceKind(
        "QueueName",
        max_length=80,
        ref="QueueUrl",
        attributes={
            "Arn": _simple(lambda name: _arn("sqs", name)),
            "QueueName": _simple(lambda name: name),
            "QueueUrl": _QUEUE_URL,
        },
    ),
    "AWS::SNS::Topic": _ResourceKind(
        "TopicName",
        max_length=256,
        ref="TopicArn",
        attributes={"TopicArn": _TOPIC_ARN, "TopicName": _simple(lambda name: name)},
    ),
    "AWS::Lambda::Function": _ResourceKind(
        "FunctionName", attributes={"Arn": _simple(lambda name: _arn("lambda", f"function:{name}"))}
    ),
    "AWS::Events::Rule": _ResourceKind("Name", ref="Ref", attributes={"Arn": _rule_arn, "Ref": _rule_ref}),
    # A log group's ARN as GetAtt returns it ends with :* (its log streams).
    "AWS::Logs::LogGroup": _ResourceKind(
        "LogGroupName",
        max_length=512,
        attributes={"Arn": _simple(lambda name: _arn("logs", f"log-group:{name}:*"))},
    ),
    "AWS::CodeCommit::Repository": _ResourceKind(
        "RepositoryName",
        max_length=100,
        ref="Id",
        attributes={
            "Arn": _simple(lambda name: _arn("codecommit", name)),
            "Name": _simple(lambda name: name),
            "CloneUrlHttp": _simple(
                lambda name: f"https://git-codecommit.{REGION}.{URL_SUFFIX}/v1/repos/{name}"
            ),
            "CloneUrlSsh": _simple(
                lambda name: f"ssh://git-codecommit.{REGION}.{URL_SUFFIX}/v1/repos/{name}"
            ),
            "Id": lambda *_: "2c8e4a1f-6b3d-4e59-a7c0-9d1b3f5e7a24",
        },
    ),
    "AWS::CodeBuild::Project": _ResourceKind(
        "Name", max_length=255, attributes={"Arn": _simple(lambda name: _arn("codebuild", f"project/{name}"))}
    ),
    "AWS::CodePipeline::Pipeline": _ResourceKind("Name", max_length=100),
    "AWS::CloudTrail::Trail": _ResourceKind(
        "TrailName",
        max_length=128,
        attributes={"Arn": _simple(lambda name: _arn("cloudtrail", f"trail/{name}"))},
    ),
    "AWS::KMS::Key": _ResourceKind(
        ref="KeyId",
        attributes={"Arn": lambda *_: _arn("kms", f"key/{_KEY_ID}"), "KeyId": lambda *_: _KEY_ID},
    ),
    "AWS::ServiceCatalog::Portfolio": _ResourceKind(
        ref="Id", attributes={"Id": lambda *_: "port-abcdefgh23456"}
    ),
    "AWS::ServiceCatalog::CloudFormationProduct": _ResourceKind(
        "Name",
        max_length=8191,
        ref="Id",
        attributes={"Id": lambda *_: "prod-abcdefgh23456", "ProductName": _simple(lambda name: name)},
    ),
}


class Evaluator:
    """Evaluates the intrinsic functions of one template into concrete values.

    ``parameters`` overrides the parameters' Defaults and :data:`SAMPLE_PARAMETERS`. Resource properties
    are evaluated only when a value needs them (a Ref to a bucket evaluates its BucketName).
    """

    def __init__(
        self,
        template: dict[str, Any],
        name: str = "template",
        *,
        stack_name: str | None = None,
        parameters: dict[str, str | list[str]] | None = None,
    ) -> None:
        self.template = long_form(template)
        self.name = name
        self.stack_name = stack_name or STACK_NAMES.get(name, Path(name).stem)
        self.resources: dict[str, Any] = self.template.get("Resources") or {}
        self.parameters = self._parameter_values(parameters or {})
        self.pseudo: dict[str, Any] = {
            "AWS::Partition": PARTITION,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": _arn("cloudformation", f"stack/{self.stack_name}/{STACK_UUID}"),
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        self._conditions: dict[str, bool] = {}
        self._in_progress: set[tuple[str, str]] = set()

    # -- values ----------------------------------------------------------------------------------
    def evaluate(self, node: Any, path: str) -> Any:
        """``node`` (found at ``path``, dotted) with every intrinsic function evaluated."""
        if isinstance(node, Tagged):
            node = long_form(node)
        if isinstance(node, dict):
            if len(node) == 1:
                ((key, argument),) = node.items()
                if key == "Ref" or key.startswith("Fn::"):
                    handler = self._FUNCTIONS.get(key)
                    if handler is None:
                        raise UnsupportedIntrinsicError(key, self.where(path))
                    return handler(self, argument, f"{path}.{key}" if path else key)
            evaluated = {key: self.evaluate(value, _join(path, key)) for key, value in node.items()}
            return {key: value for key, value in evaluated.items() if value is not NO_VALUE}
        if isinstance(node, list):
            items = (self.evaluate(value, _join(path, index)) for index, value in enumerate(node))
            return [item for item in items if item is not NO_VALUE]
        return node

    def where(self, path: str) -> str:
        return f"{self.name}:{path}"

    def _ref(self, name: Any, path: str) -> Any:
        if not isinstance(name, str):
            raise UnsupportedIntrinsicError("Ref", self.where(path), "its argument must be a literal name")
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            kind = self._kind(name, "Ref", path)
            if kind.ref == "name":
                return self.physical_name(name, path)
            return kind.attributes[kind.ref](self, name, path)
        raise PolicyLintError(f"Ref to {name} at {self.where(path)}: no such parameter or resource")

    def _get_att(self, argument: Any, path: str) -> str:
        if not (
            isinstance(argument, list) and len(argument) == 2 and all(isinstance(a, str) for a in argument)
        ):
            raise UnsupportedIntrinsicError(
                "Fn::GetAtt", self.where(path), "its argument must be [LogicalId, Attribute] as literals"
            )
        logical_id, attribute = argument
        if logical_id not in self.resources:
            raise PolicyLintError(
                f"Fn::GetAtt {logical_id}.{attribute} at {self.where(path)}: no such resource"
            )
        kind = self._kind(logical_id, f"Fn::GetAtt {logical_id}.{attribute}", path)
        if attribute not in kind.attributes or attribute == "Ref":
            raise UnsupportedIntrinsicError(
                f"Fn::GetAtt {logical_id}.{attribute}",
                self.where(path),
                f"attribute {attribute} of {self.resources[logical_id].get('Type')} is not supported",
            )
        return kind.attributes[attribute](self, logical_id, path)

    def _sub(self, argument: Any, path: str) -> str:
        if isinstance(argument, str):
            text, variables = argument, {}
        elif (
            isinstance(argument, list)
            and len(argument) == 2
            and isinstance(argument[0], str)
            and isinstance(argument[1], dict)
        ):
            text = argument[0]
            variables = {key: self.evaluate(value, f"{path}.1.{key}") for key, value in argument[1].items()}
        else:
            raise UnsupportedIntrinsicError("Fn::Sub", self.where(path), "expected a string or [string, map]")

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                result = variables[name]
            elif "." in name and name.split(".", 1)[0] in self.resources:
                result = self._get_att(name.split(".", 1), path)
            else:
                result = self._ref(name.strip(), path)
            if not isinstance(result, str):
                raise PolicyLintError(
                    f"Fn::Sub at {self.where(path)}: ${{{name}}} is {_describe(result)}, not a string"
                )
            return result

        return re.sub(r"\$\{([^}]*)\}", value, text)

    def _join(self, argument: Any, path: str) -> str:
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
            raise UnsupportedIntrinsicError("Fn::Join", self.where(path), "expected [delimiter, list]")
        items = self.evaluate(argument[1], f"{path}.1")
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise PolicyLintError(
                f"Fn::Join at {self.where(path)}: {_describe(items)} is not a list of strings"
            )
        return argument[0].join(items)

    def _split(self, argument: Any, path: str) -> list[str]:
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
            raise UnsupportedIntrinsicError("Fn::Split", self.where(path), "expected [delimiter, string]")
        source = self.evaluate(argument[1], f"{path}.1")
        if not isinstance(source, str):
            raise PolicyLintError(f"Fn::Split at {self.where(path)}: {_describe(source)} is not a string")
        return source.split(argument[0])

    def _select(self, argument: Any, path: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise UnsupportedIntrinsicError("Fn::Select", self.where(path), "expected [index, list]")
        index = self.evaluate(argument[0], f"{path}.0")
        items = self.evaluate(argument[1], f"{path}.1")
        if not isinstance(items, list) or not str(index).isdigit() or int(index) >= len(items):
            raise PolicyLintError(
                f"Fn::Select at {self.where(path)}: index {index!r} is not in {_describe(items)}"
            )
        return items[int(index)]

    def _if(self, argument: Any, path: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str)):
            raise UnsupportedIntrinsicError("Fn::If", self.where(path), "expected [condition, then, else]")
        chosen = 1 if self.condition(argument[0], path) else 2
        return self.evaluate(argument[chosen], f"{path}.{chosen}")

    def _find_in_map(self, argument: Any, path: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise UnsupportedIntrinsicError("Fn::FindInMap", self.where(path), "expected [map, key, key]")
        keys = [self.evaluate(key, f"{path}.{index}") for index, key in enumerate(argument)]
        node: Any = self.template.get("Mappings") or {}
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                raise PolicyLintError(f"Fn::FindInMap at {self.where(path)}: no {'.'.join(map(str, keys))}")
            node = node[key]
        return self.evaluate(node, f"Mappings.{'.'.join(map(str, keys))}")

    _FUNCTIONS: ClassVar[dict[str, Callable[[Evaluator, Any, str], Any]]] = {
        "Ref": _ref,
        "Fn::GetAtt": _get_att,
        "Fn::Sub": _sub,
        "Fn::Join": _join,
        "Fn::Split": _split,
        "Fn::Select": _select,
        "Fn::If": _if,
        "Fn::FindInMap": _find_in_map,
    }

    # -- conditions ------------------------------------------------------------------------------
    def condition(self, name: str, path: str) -> bool:
        """The value of the template's condition ``name`` with the sample parameters."""
        if name not in self._conditions:
            conditions = self.template.get("Conditions") or {}
            if name not in conditions:
                raise PolicyLintError(f"condition {name} at {self.where(path)} is not in Conditions")
            self._conditions[name] = self._condition_value(conditions[name], f"Conditions.{name}")
        return self._conditions[name]

    def _condition_value(self, node: Any, path: str) -> bool:
        if not (isinstance(node, dict) and len(node) == 1):
            raise PolicyLintError(f"{self.where(path)} is not a condition function")
        ((key, argument),) = node.items()
        where = f"{path}.{key}"
        if key == "Condition" and isinstance(argument, str):
            return self.condition(argument, where)
        if key == "Fn::Equals" and isinstance(argument, list) and len(argument) == 2:
            left, right = (self.evaluate(value, f"{where}.{i}") for i, value in enumerate(argument))
            return str(left) == str(right)
        if key == "Fn::Not" and isinstance(argument, list) and len(argument) == 1:
            return not self._condition_value(argument[0], f"{where}.0")
        if key in ("Fn::And", "Fn::Or") and isinstance(argument, list):
            values = [self._condition_value(value, f"{where}.{i}") for i, value in enumerate(argument)]
            return all(values) if key == "Fn::And" else any(values)
        raise UnsupportedIntrinsicError(
            key, self.where(path), "not a condition function this linter supports"
        )

    def resource_condition(self, logical_id: str) -> bool:
        """Whether the resource is created with the sample parameters (its ``Condition``)."""
        name = self.resources[logical_id].get("Condition")
        return True if name is None else self.condition(name, f"Resources.{logical_id}.Condition")

    # -- resources -------------------------------------------------------------------------------
    def _kind(self, logical_id: str, function: str, path: str) -> _ResourceKind:
        resource_type = self.resources[logical_id].get("Type")
        kind = RESOURCE_KINDS.get(resource_type)
        if kind is None:
            raise UnsupportedIntrinsicError(
                function, self.where(path), f"resources of type {resource_type} are not supported"
            )
        return kind

    def resource_property(self, logical_id: str, name: str, where: str, default: Any = None) -> Any:
        """A property of a resource, evaluated (``default`` when it is not set)."""
        properties = self.resources[logical_id].get("Properties") or {}
        if name not in properties:
            return default
        key = (logical_id, name)
        if key in self._in_progress:
            raise PolicyLintError(f"{self.where(where)}: {logical_id}.{name} refers to itself")
        self._in_progress.add(key)
        try:
            value = self.evaluate(properties[name], f"Resources.{logical_id}.Properties.{name}")
        finally:
            self._in_progress.discard(key)
        return default if value is NO_VALUE else value

    def physical_name(self, logical_id: str, where: str) -> str:
        """The resource's name: its name property, else the name CloudFormation would generate."""
        kind = self._kind(logical_id, f"the name of {logical_id}", where)
        name = self.resource_property(logical_id, kind.name_property, where) if kind.name_property else None
        if name is None:
            name = f"{self.stack_name}-{logical_id}"[: kind.max_length - len(GENERATED_SUFFIX) - 1]
            name = f"{name}-{GENERATED_SUFFIX}"
            name = name.lower() if kind.lowercase else name
        if not isinstance(name, str):
            raise PolicyLintError(f"{self.where(where)}: the name of {logical_id} is {_describe(name)}")
        return name

    # -- parameters ------------------------------------------------------------------------------
    def _parameter_values(self, overrides: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        values: dict[str, str | list[str]] = {}
        for name, spec in (self.template.get("Parameters") or {}).items():
            spec = spec or {}
            parameter_type = str(spec.get("Type", "String"))
            listed = parameter_type == "CommaDelimitedList" or parameter_type.startswith("List<")
            # The Default of an SSM parameter type names the SSM parameter, not the value.
            from_ssm = parameter_type.startswith("AWS::SSM::Parameter::Value<")
            if name in overrides:
                value, origin = overrides[name], "the value given"
            elif "Default" in spec and not from_ssm:
                value, origin = spec["Default"], "its Default"
            elif name in SAMPLE_PARAMETERS:
                value, origin = (
                    SAMPLE_PARAMETERS[name],
                    "the sample in scripts/policy_lint.py SAMPLE_PARAMETERS",
                )
            elif spec.get("AllowedValues"):
                value, origin = spec["AllowedValues"][0], "its first AllowedValue"
            else:
                raise PolicyLintError(
                    f"parameter {name} of {self.name} has no Default and no sample value: add a realistic "
                    "one to SAMPLE_PARAMETERS in scripts/policy_lint.py"
                )
            if listed:
                items = value.split(",") if isinstance(value, str) else [str(item) for item in value]
                for item in items:
                    _check_parameter(self.name, name, spec, item, origin)
                values[name] = items
            else:
                value = str(value).lower() if isinstance(value, bool) else str(value)
                _check_parameter(self.name, name, spec, value, origin)
                values[name] = value
        return values


def _check_parameter(template: str, name: str, spec: dict[str, Any], value: str, origin: str) -> None:
    problems = []
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        problems.append(f"does not match AllowedPattern {pattern}")
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(a) for a in allowed]:
        problems.append("is not one of its AllowedValues")
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        problems.append(f"is shorter than MinLength {spec['MinLength']}")
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        problems.append(f"is longer than MaxLength {spec['MaxLength']}")
    if problems:
        raise PolicyLintError(
            f"parameter {name} of {template}: {origin} {value!r} {' and '.join(problems)}: "
            "give it a value its constraints accept"
        )


def _describe(value: Any) -> str:
    return f"a list {value!r}" if isinstance(value, list) else repr(value)


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


# ------------------------------------------------------------------------------------------------
# Extracting the policies
# ------------------------------------------------------------------------------------------------
# Resource type -> (property, True if it is a list of {PolicyName, PolicyDocument}, kind of policy).
POLICY_PROPERTIES: dict[str, tuple[str, bool, str]] = {
    "AWS::IAM::ManagedPolicy": ("PolicyDocument", False, "identity"),
    "AWS::IAM::Policy": ("PolicyDocument", False, "identity"),
    "AWS::IAM::RolePolicy": ("PolicyDocument", False, "identity"),
    "AWS::IAM::UserPolicy": ("PolicyDocument", False, "identity"),
    "AWS::IAM::GroupPolicy": ("PolicyDocument", False, "identity"),
    "AWS::IAM::Role": ("Policies", True, "identity"),
    "AWS::IAM::User": ("Policies", True, "identity"),
    "AWS::IAM::Group": ("Policies", True, "identity"),
    "AWS::S3::BucketPolicy": ("PolicyDocument", False, "resource"),
    "AWS::SQS::QueuePolicy": ("PolicyDocument", False, "resource"),
    "AWS::SNS::TopicPolicy": ("PolicyDocument", False, "resource"),
    "AWS::KMS::Key": ("KeyPolicy", False, "resource"),
}
# Policies deliberately not linted: parliament requires a Resource in every statement, which trust
# policies do not have (it reports each of them MALFORMED).
UNLINTED_POLICY_PROPERTIES: dict[str, str] = {"AWS::IAM::Role": "AssumeRolePolicyDocument"}


@dataclass(frozen=True)
class PolicyDocument:
    template: str
    resource: str
    policy: str | None  # the PolicyName of an inline policy
    kind: str  # "identity" or "resource"
    document: dict[str, Any]

    @property
    def where(self) -> str:
        return ":".join(part for part in (self.template, self.resource, self.policy) if part)


@dataclass(frozen=True)
class TemplatePolicies:
    template: str
    policies: tuple[PolicyDocument, ...]
    trust_policies: int  # not linted
    skipped: tuple[str, ...]  # resources not created with the sample parameters


def load_template(path: Path) -> dict[str, Any]:
    """The template as the packager renders it (``{{package:...}}`` filled in, one release)."""
    if not path.is_file():
        raise PolicyLintError(f"template {path} not found: give a template file or a folder of them")
    try:
        document = cfn_yaml.loads(path.read_text())
    except (yaml.YAMLError, ValueError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PolicyLintError(f"cannot parse {path}: {first_line}: fix the YAML") from None
    return placeholders.render(document, PACKAGE_VALUES, RELEASES)


def extract_policies(
    template: dict[str, Any], name: str, parameters: dict[str, str | list[str]] | None = None
) -> TemplatePolicies:
    """Every IAM policy of a (rendered) template as concrete JSON, in template order."""
    evaluator = Evaluator(template, name, parameters=parameters)
    policies: list[PolicyDocument] = []
    trust = 0
    skipped: list[str] = []
    for logical_id, resource in evaluator.resources.items():
        resource_type = resource.get("Type", "")
        properties = resource.get("Properties") or {}
        linted = POLICY_PROPERTIES.get(resource_type)
        covered = {linted[0]} if linted else set()
        if resource_type in UNLINTED_POLICY_PROPERTIES:
            covered.add(UNLINTED_POLICY_PROPERTIES[resource_type])
            trust += UNLINTED_POLICY_PROPERTIES[resource_type] in properties
        _refuse_unknown_policies(name, logical_id, resource_type, properties, covered)
        if not linted or linted[0] not in properties:
            continue
        if not evaluator.resource_condition(logical_id):
            skipped.append(logical_id)
            continue
        prop, inline, kind = linted
        path = f"Resources.{logical_id}.Properties.{prop}"
        value = evaluator.evaluate(properties[prop], path)
        if inline:
            if not isinstance(value, list):
                raise PolicyLintError(f"{name}:{path} is {_describe(value)}, not a list of policies")
            for index, item in enumerate(value):
                if not isinstance(item, dict) or "PolicyDocument" not in item:
                    raise PolicyLintError(f"{name}:{path}.{index} has no PolicyDocument")
                document = _document(item["PolicyDocument"], f"{name}:{path}.{index}.PolicyDocument")
                policy_name = str(item.get("PolicyName", f"#{index + 1}"))
                policies.append(PolicyDocument(name, logical_id, policy_name, kind, document))
        else:
            policies.append(PolicyDocument(name, logical_id, None, kind, _document(value, f"{name}:{path}")))
    return TemplatePolicies(name, tuple(policies), trust, tuple(skipped))


def template_policies(path: Path) -> TemplatePolicies:
    """The policies of every :data:`VARIANTS` of a template, each distinct document once; skipped: the
    resources no variant creates."""
    template = load_template(path)
    variants = [extract_policies(template, path.name, variant) for variant in VARIANTS.get(path.name, ({},))]
    distinct: dict[tuple[str, str], PolicyDocument] = {}
    for extracted in variants:
        for policy in extracted.policies:
            distinct.setdefault((policy.where, json.dumps(policy.document, sort_keys=True)), policy)
    skipped = tuple(r for r in variants[0].skipped if all(r in v.skipped for v in variants))
    trust = max(v.trust_policies for v in variants)
    return TemplatePolicies(path.name, tuple(distinct.values()), trust, skipped)


def _document(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, str):  # CloudFormation also takes a policy as a JSON string
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise PolicyLintError(f"{where} is a string but not JSON: {error}") from None
    if not isinstance(value, dict):
        raise PolicyLintError(f"{where} is {_describe(value)}, not a policy document")
    leftover = _unevaluated(value)
    if leftover:
        raise PolicyLintError(f"{where} still holds {leftover} after evaluation: report this as a bug")
    return value


# ${aws:username}, ${s3:prefix}, ${*}... are IAM policy variables, not CloudFormation's.
_POLICY_VARIABLE = re.compile(r"\$\{(?:[A-Za-z0-9-]+:[A-Za-z0-9/_.-]+|[*?$])\}")


def _unevaluated(node: Any) -> str | None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" or key.startswith("Fn::"):
                return key
            found = _unevaluated(value)
            if found:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _unevaluated(value)
            if found:
                return found
    elif isinstance(node, Tagged | _NoValue) or (
        isinstance(node, str) and "${" in _POLICY_VARIABLE.sub("", node)
    ):
        return repr(node)
    return None


def _refuse_unknown_policies(
    template: str, logical_id: str, resource_type: str, properties: dict[str, Any], covered: set[str]
) -> None:
    """A policy document anywhere else (a resource type not listed above) is an error, not a silent skip."""
    for prop, value in properties.items():
        if prop in covered:
            continue
        for path in _statement_holders(value, f"Resources.{logical_id}.Properties.{prop}"):
            raise PolicyLintError(
                f"{template}:{path} of {resource_type} looks like an IAM policy that scripts.policy_lint "
                "does not lint: add the type to POLICY_PROPERTIES in scripts/policy_lint.py"
            )


def _statement_holders(node: Any, path: str) -> Iterator[str]:
    if isinstance(node, dict):
        if "Statement" in node and ("Version" in node or isinstance(node["Statement"], list | dict)):
            yield path
        for key, value in node.items():
            yield from _statement_holders(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _statement_holders(value, f"{path}.{index}")


# ------------------------------------------------------------------------------------------------
# Running parliament
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    template: str
    resource: str
    policy: str | None
    statement: str | None  # the statement's Sid, else #<position>; None for policy-wide findings
    severity: str
    issue: str
    action: str | None  # the action a finding is about (RESOURCE_MISMATCH, RESOURCE_STAR, UNKNOWN_...)
    detail: str

    @property
    def where(self) -> str:
        return ":".join(part for part in (self.template, self.resource, self.policy) if part)

    @property
    def failing(self) -> bool:
        return self.severity in FAILING_SEVERITIES

    def line(self) -> str:
        statement = f"statement {self.statement}: " if self.statement else ""
        return f"{self.where}: {self.severity} {self.issue} {statement}{self.detail}"


def _parliament() -> Any:
    """parliament, imported on first use (half a second: it loads its IAM definition)."""
    try:
        with warnings.catch_warnings():
            # Import-time noise of its own: data files opened and never closed, invalid escapes in regex
            # strings (when its bytecode is compiled afresh), pkg_resources deprecated (newer setuptools).
            warnings.simplefilter("ignore", ResourceWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
            import parliament
    except ModuleNotFoundError as error:
        raise PolicyLintError(
            f"cannot import parliament ({error}): run `make install` (parliament also needs setuptools' "
            "pkg_resources in .venv)"
        ) from None
    return parliament


def parliament_version() -> str:
    return _parliament().__version__


_UNKNOWN = ("UNKNOWN_ACTION", "UNKNOWN_PREFIX")


def analyze(policy: PolicyDocument) -> list[Finding]:
    """parliament's findings on one policy, one per action where a finding lists actions."""
    parliament = _parliament()
    statements, text = _layout(policy.document)
    raw = _analyze(parliament, text)
    unknown = [f for f in raw if f.issue in _UNKNOWN]
    if unknown:
        # parliament stops checking a statement at an action it does not know (and the policy-wide checks
        # too): check the rest again without those actions, so a new action hides nothing else.
        drop: dict[int, set[str]] = {}
        for finding in unknown:
            index = _statement_index(finding, statements)
            if index is not None:
                drop.setdefault(index, set()).add(str(finding.location.get("string")))
        pruned = [_without_actions(statement, drop.get(i, set())) for i, statement in enumerate(statements)]
        _, pruned_text = _layout({**policy.document, "Statement": pruned})
        raw = unknown + [f for f in _analyze(parliament, pruned_text) if f.issue not in _UNKNOWN]
    findings: list[Finding] = []
    for finding in raw:
        finding = parliament.enhance_finding(finding)
        index = _statement_index(finding, statements)
        statement = statements[index] if index is not None else None
        label = None
        if statement is not None:
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            label = str(sid) if sid else f"#{index + 1}"
        for action, detail in _details(finding, statement):
            findings.append(
                Finding(
                    policy.template,
                    policy.resource,
                    policy.policy,
                    label,
                    finding.severity,
                    finding.issue,
                    action,
                    detail,
                )
            )
    return findings


def _analyze(parliament: Any, text: str) -> list[Any]:
    try:
        return list(parliament.analyze_policy_string(text, ignore_private_auditors=True).findings)
    except Exception as error:  # parliament raises plain Exceptions on inputs it does not expect
        finding = parliament.finding.Finding("EXCEPTION", f"parliament failed: {error}", {})
        return [finding]


def _layout(document: dict[str, Any]) -> tuple[list[Any], str]:
    """The statements, and the policy as JSON with statement N on line N + 2 (parliament reports lines)."""
    statements = document.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list):
        return [], json.dumps(document)
    head = json.dumps({key: value for key, value in document.items() if key != "Statement"})
    head = head[:-1] + (", " if len(head) > 2 else "") + '"Statement": ['
    body = ",\n".join(json.dumps(statement) for statement in statements)
    return statements, f"{head}\n{body}\n]}}"


def _statement_index(finding: Any, statements: list[Any]) -> int | None:
    location = finding.location if isinstance(finding.location, dict) else {}
    line = location.get("line", location.get("lineno"))
    if isinstance(line, int) and 0 <= line - 2 < len(statements):
        return line - 2
    return None


def _without_actions(statement: Any, actions: set[str]) -> Any:
    if not actions or not isinstance(statement, dict):
        return statement
    pruned = dict(statement)
    for key in ("Action", "NotAction"):
        if key in pruned:
            values = pruned[key] if isinstance(pruned[key], list) else [pruned[key]]
            pruned[key] = [value for value in values if value not in actions]
    return pruned


def _details(finding: Any, statement: Any) -> list[tuple[str | None, str]]:
    """(action, detail text) pairs: one per action for the findings that list actions."""
    detail = finding.detail
    if finding.issue == "RESOURCE_MISMATCH" and isinstance(detail, list):
        resources = statement.get("Resource", "?") if isinstance(statement, dict) else "?"
        resources = resources if isinstance(resources, list) else [resources]
        return [
            (
                item["action"],
                f"{item['action']} needs a resource like {item['required_format']}, "
                f"the statement has {', '.join(map(str, resources))}",
            )
            for item in detail
        ]
    if finding.issue == "RESOURCE_STAR" and isinstance(detail, list):
        return [(action, f"{action} can be scoped to resources but is granted on *") for action in detail]
    text = detail if isinstance(detail, str) else json.dumps(detail) if detail else ""
    location = finding.location if isinstance(finding.location, dict) else {}
    if location.get("string") and str(location["string"]) not in text:
        text = f"{text} ({location['string']})" if text else str(location["string"])
    action = None
    if finding.issue in _UNKNOWN and location.get("string"):
        action = str(location["string"])
    elif finding.issue == "UNKNOWN_CONDITION_FOR_ACTION":
        named = re.search(r" for action (\S+)$", text)
        action = named.group(1) if named else None
    return [(action, text or finding.title)]


# ------------------------------------------------------------------------------------------------
# Suppressions
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Suppression:
    """One entry of the suppressions file: which finding (exactly), and why it is accepted."""

    number: int  # 1-based position in the file
    issue: str
    template: str
    resource: str
    reason: str
    policy: str | None = None
    statement: str | None = None
    action: str | None = None

    REQUIRED = ("issue", "template", "resource", "reason")
    OPTIONAL = ("policy", "statement", "action")

    def matches(self, finding: Finding) -> bool:
        return (
            (self.issue, self.template, self.resource) == (finding.issue, finding.template, finding.resource)
            and self.policy in (None, finding.policy)
            and self.statement in (None, finding.statement)
            and self.action in (None, finding.action)
        )

    def describe(self) -> str:
        parts = [self.template, self.resource, self.policy]
        where = ":".join(part for part in parts if part)
        extra = "".join(
            f" {key}={getattr(self, key)}" for key in ("statement", "action") if getattr(self, key)
        )
        return f"{self.issue} {where}{extra}"


def load_suppressions(path: Path) -> list[Suppression]:
    """The entries of the suppressions file; refuse any without a reason or with unknown keys."""
    if not path.is_file():
        return []
    try:
        content = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise PolicyLintError(f"cannot parse {path}: {str(error).splitlines()[0]}: fix the YAML") from None
    content = content or {}
    if not isinstance(content, dict) or set(content) - {"suppressions"}:
        raise PolicyLintError(f"{path} must be a mapping with one key, suppressions (a list)")
    entries = content.get("suppressions") or []
    if not isinstance(entries, list):
        raise PolicyLintError(f"{path}: suppressions must be a list")
    suppressions = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: suppression {number}"
        if not isinstance(entry, dict):
            raise PolicyLintError(f"{where} is not a mapping of {', '.join(Suppression.REQUIRED)}")
        unknown = sorted(set(map(str, entry)) - set(Suppression.REQUIRED) - set(Suppression.OPTIONAL))
        if unknown:
            known = ", ".join(Suppression.REQUIRED + Suppression.OPTIONAL)
            raise PolicyLintError(f"{where} has unknown key(s) {', '.join(unknown)} (known: {known})")
        values = {key: str(value).strip() for key, value in entry.items() if value is not None}
        if not values.get("reason"):
            raise PolicyLintError(
                f"{where} ({values.get('issue', '?')} {values.get('resource', '?')}) has no reason: "
                "say in `reason` why the finding is acceptable, or fix the template instead"
            )
        missing = [key for key in Suppression.REQUIRED if not values.get(key)]
        if missing:
            raise PolicyLintError(f"{where} does not name its {', '.join(missing)}")
        suppressions.append(Suppression(number=number, **values))
    return suppressions


# ------------------------------------------------------------------------------------------------
# The command
# ------------------------------------------------------------------------------------------------
@dataclass
class Report:
    templates: list[TemplatePolicies]
    findings: list[Finding]  # not suppressed
    suppressed: list[Finding]
    unused: list[Suppression]

    @property
    def failing(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.failing]

    @property
    def policies(self) -> list[PolicyDocument]:
        return [policy for template in self.templates for policy in template.policies]

    def summary(self) -> str:
        identity = sum(policy.kind == "identity" for policy in self.policies)
        resource = len(self.policies) - identity
        trust = sum(template.trust_policies for template in self.templates)
        return (
            f"parliament {parliament_version()}: {len(self.templates)} template(s), "
            f"{len(self.policies)} policy(ies) ({identity} identity, {resource} resource; "
            f"{trust} trust policy(ies) not linted), {len(self.failing)} finding(s) at MEDIUM or above, "
            f"{len(self.findings) - len(self.failing)} below, {len(self.suppressed)} suppressed"
        )


def lint(paths: Iterable[Path], suppressions_file: Path = SUPPRESSIONS_FILE) -> Report:
    suppressions = load_suppressions(suppressions_file)
    templates = [template_policies(path) for path in template_files(paths)]
    findings = [finding for t in templates for policy in t.policies for finding in analyze(policy)]
    kept, suppressed, used = [], [], set()
    for finding in findings:
        matching = [s for s in suppressions if s.matches(finding)]
        (suppressed if matching else kept).append(finding)
        used.update(s.number for s in matching)
    unused = [s for s in suppressions if s.number not in used]
    return Report(templates, kept, suppressed, unused)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.policy_lint",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", type=Path, help="template files or directories")
    parser.add_argument(
        "--suppressions",
        type=Path,
        default=SUPPRESSIONS_FILE,
        help=f"suppressions file (default: {SUPPRESSIONS_FILE.name} at the project root)",
    )
    args = parser.parse_args()
    report = lint(args.paths, args.suppressions)
    for template in report.templates:
        for resource in template.skipped:
            print(f"{template.template}:{resource}: not linted (its Condition is false in every variant)")
    for finding in report.findings:
        print(finding.line())
    for suppression in report.unused:
        name = args.suppressions.name
        print(f"{name}: suppression {suppression.number} matches no finding: {suppression.describe()}")
    print(report.summary())
    if report.failing or report.unused:
        problems = [f"{len(report.failing)} finding(s) at MEDIUM or above"] if report.failing else []
        problems += [f"{len(report.unused)} unused suppression(s)"] if report.unused else []
        raise PolicyLintError(
            f"parliament: {' and '.join(problems)} (listed above): fix the templates, suppress a finding in "
            f"{args.suppressions.name} with its reason, or remove a suppression that matches nothing"
        )


if __name__ == "__main__":
    run_main(main)
