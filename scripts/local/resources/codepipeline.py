"""AWS::CodePipeline::Pipeline, through moto's CodePipeline backend."""

from __future__ import annotations

import json
from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.codepipeline.exceptions import InvalidStructureException
from moto.codepipeline.models import CodePipeline, CodePipelineBackend, codepipeline_backends
from moto.core.common_models import CloudFormationModel
from moto.iam.exceptions import NotFoundException as IamNotFoundException

from scripts.local.resources.common import (
    as_bool,
    camel_case,
    is_system_tag,
    reject_unsupported,
    replace_resource,
    required_properties,
)


def _trusts(policy: str | dict[str, Any], service: str) -> bool:
    """Whether a trust policy lets ``service`` assume the role: an Allow statement whose
    Principal.Service names it (a string or a list, as IAM accepts) for sts:AssumeRole."""
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal")
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        actions = statement.get("Action", [])
        if (
            statement.get("Effect") == "Allow"
            and service in ([services] if isinstance(services, str) else services)
            and {"sts:AssumeRole", "sts:*", "*"} & set([actions] if isinstance(actions, str) else actions)
        ):
            return True
    return False


class CfnPipeline(CloudFormationModel):
    """AWS::CodePipeline::Pipeline. Ref: the pipeline name; GetAtt Version. Everything but the name
    updates in place (``update_pipeline`` increments the version); RestartExecutionOnUpdate starts an
    execution after such an update. A new name replaces the pipeline.

    ``CodePipelineBackend.create_pipeline`` reads the role's trust policy as if every statement had
    ``Principal.Service`` and it were a string: a role trusting several services in one list (as
    IAM allows, and as AWS-managed roles do) is refused, and a statement with another principal
    raises KeyError. So the role is checked here as CodePipeline does (:func:`_trusts`) and the
    pipeline is stored as ``create_pipeline`` would store it (a ``CodePipeline`` in ``pipelines``).
    DisableInboundStageTransitions is refused: moto has no stage transitions."""

    _REQUIRED = ("RoleArn", "Stages")

    def __init__(self, name: str, account_id: str, region_name: str) -> None:
        self.name = name
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodePipeline::Pipeline"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Version"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Version":
            return str(_pipelines(self.account_id, self.region_name).pipelines[self.name].pipeline["version"])
        raise UnformattedGetAttTemplateException()

    @classmethod
    def _structure(
        cls, name: str, properties: dict[str, Any], backend: CodePipelineBackend
    ) -> dict[str, Any]:
        """The pipeline declaration as the API takes it, after the checks CreatePipeline makes."""
        reject_unsupported(cls.cloudformation_type(), properties, ("DisableInboundStageTransitions",))
        role_arn = properties["RoleArn"]
        try:
            trusted = _trusts(
                backend.iam_backend.get_role_by_arn(role_arn).assume_role_policy_document,
                "codepipeline.amazonaws.com",
            )
        except IamNotFoundException:
            trusted = False
        if not trusted:
            raise InvalidStructureException(
                f"CodePipeline is not authorized to perform AssumeRole on role {role_arn}"
            )
        if len(properties["Stages"]) < 2:
            raise InvalidStructureException(
                f"Pipeline has only {len(properties['Stages'])} stage(s). "
                "There should be a minimum of 2 stages in a pipeline"
            )
        if ("ArtifactStore" in properties) == ("ArtifactStores" in properties):
            raise InvalidStructureException(
                "A pipeline needs either ArtifactStore or ArtifactStores, not both."
            )
        structure = {
            "name": name,
            "roleArn": role_arn,
            "stages": camel_case(properties["Stages"], keep=frozenset({"Configuration"})),
        }
        if "ArtifactStore" in properties:
            structure["artifactStore"] = camel_case(properties["ArtifactStore"])
        else:
            structure["artifactStores"] = {
                s["Region"]: camel_case(s["ArtifactStore"]) for s in properties["ArtifactStores"]
            }
        for key in ("PipelineType", "ExecutionMode", "Variables", "Triggers"):
            if key in properties:
                structure[key[:1].lower() + key[1:]] = camel_case(properties[key])
        return structure

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = required_properties(cls, cloudformation_json)
        backend = _pipelines(account_id, region_name)
        structure = cls._structure(resource_name, properties, backend)
        if resource_name in backend.pipelines:
            raise InvalidStructureException(
                f"A pipeline with the name '{resource_name}' already exists in account '{account_id}'"
            )
        pipeline = CodePipeline(account_id, region_name, structure)
        tags = camel_case(properties.get("Tags") or [])
        pipeline.validate_tags([tag for tag in tags if not is_system_tag(tag["key"])])
        pipeline.tags.update({tag["key"]: tag["value"] for tag in tags})
        backend.pipelines[resource_name] = pipeline
        if hasattr(backend, "start_execution"):  # ours: a new pipeline runs once, as in AWS
            backend.start_execution(resource_name, None, ("CreatePipeline", backend.caller()))
        return cls(resource_name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = required_properties(cls, cloudformation_json)
        if properties.get("Name", original_resource.name) != original_resource.name:
            return replace_resource(
                cls, original_resource, properties["Name"], cloudformation_json, account_id, region_name
            )
        backend = _pipelines(account_id, region_name)
        backend.update_pipeline(cls._structure(original_resource.name, properties, backend))
        pipeline = backend.pipelines[original_resource.name]
        arn = pipeline.metadata["pipelineArn"]
        # a resource's system tags (aws:cloudformation:*) never change; only CloudFormation sets them
        tags = [tag for tag in camel_case(properties.get("Tags") or []) if not is_system_tag(tag["key"])]
        wanted = {tag["key"] for tag in tags}
        dropped = [key for key in pipeline.tags if key not in wanted and not is_system_tag(key)]
        backend.untag_resource(arn, dropped)
        backend.tag_resource(arn, tags)
        if as_bool(properties.get("RestartExecutionOnUpdate"), False):
            backend.start_pipeline_execution(original_resource.name, None)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _pipelines(account_id, region_name).delete_pipeline(self.name)


def _pipelines(account_id: str, region_name: str) -> CodePipelineBackend:
    return codepipeline_backends[account_id][region_name]


# -- CloudTrail ------------------------------------------------------------------------------------
