"""AWS::CodeBuild::Project, through moto's CodeBuild backend."""

from __future__ import annotations

from typing import Any, ClassVar

from moto.codebuild.exceptions import InvalidInputException, ResourceAlreadyExistsException
from moto.codebuild.models import codebuild_backends
from moto.core.common_models import CloudFormationModel
from moto.utilities.utils import get_partition

from scripts.local.resources.common import (
    GetAttFromFields,
    as_bool,
    camel_case,
    reject_unsupported,
    required_properties,
)

_SOURCE_TYPES = {
    "BITBUCKET", "CODECOMMIT", "CODEPIPELINE", "GITHUB", "GITHUB_ENTERPRISE", "GITLAB",
    "GITLAB_SELF_MANAGED", "NO_SOURCE", "S3",
}  # fmt: skip
_ARTIFACT_TYPES = {"CODEPIPELINE", "S3", "NO_ARTIFACTS"}


class CfnCodeBuildProject(GetAttFromFields, CloudFormationModel):
    """AWS::CodeBuild::Project. Ref: the project name; GetAtt Arn. moto's backend cannot update a
    project, so any change replaces it.

    moto's CreateProject response validates a source or artifacts location even for CODEPIPELINE
    (AWS does not), so the checks AWS makes are done here and ``create_project`` is called directly.
    ConcurrentBuildLimit only throttles builds and is ignored."""

    GET_ATT: ClassVar[dict[str, str]] = {"Arn": "arn"}

    _REQUIRED = ("Artifacts", "Environment", "ServiceRole", "Source")

    _UNSUPPORTED = (
        "SecondarySources", "SecondaryArtifacts", "SecondarySourceVersions", "Triggers",
        "FileSystemLocations", "BuildBatchConfig", "ResourceAccessRole", "Visibility", "AutoRetryLimit",
    )  # fmt: skip

    def __init__(self, name: str, arn: str) -> None:
        self.name = name
        self.arn = arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeBuild::Project"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def _validate(properties: dict[str, Any], account_id: str, region_name: str) -> None:
        source, artifacts = properties["Source"], properties["Artifacts"]
        if source["Type"] not in _SOURCE_TYPES:
            raise InvalidInputException(f"Invalid type provided: Project source type {source['Type']}")
        if source["Type"] not in ("CODEPIPELINE", "NO_SOURCE") and not source.get("Location"):
            raise InvalidInputException(
                f"Project source location is required for source type {source['Type']}"
            )
        if artifacts["Type"] not in _ARTIFACT_TYPES:
            raise InvalidInputException(f"Invalid type provided: Artifact type {artifacts['Type']}")
        if artifacts["Type"] == "S3" and not artifacts.get("Location"):
            raise InvalidInputException("Artifacts location is required for artifact type S3")
        if not properties["ServiceRole"].startswith(
            f"arn:{get_partition(region_name)}:iam::{account_id}:role/"
        ):
            raise InvalidInputException(
                "Invalid service role: Service role account ID does not match caller's account"
            )

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = required_properties(cls, cloudformation_json)
        reject_unsupported(cls.cloudformation_type(), properties, cls._UNSUPPORTED)
        cls._validate(properties, account_id, region_name)
        backend = codebuild_backends[account_id][region_name]
        if resource_name in backend.codebuild_projects:
            arn = backend.codebuild_projects[resource_name].arn
            raise ResourceAlreadyExistsException(f"Project already exists: {arn}")
        camel = camel_case(properties, names={"BuildSpec": "buildspec"})
        metadata = backend.create_project(
            project_name=resource_name,
            description=properties.get("Description"),
            project_source=camel["source"],
            artifacts=camel["artifacts"],
            environment=camel["environment"],
            service_role=properties["ServiceRole"],
            tags=camel.get("tags"),
            cache=camel.get("cache"),
            timeout=int(properties.get("TimeoutInMinutes", 60)),
            queued_timeout=int(properties.get("QueuedTimeoutInMinutes", 480)),
            source_version=properties.get("SourceVersion"),
            logs_config=camel.get("logsConfig"),
            vpc_config=camel.get("vpcConfig"),
        )
        if "EncryptionKey" in properties:
            metadata["encryptionKey"] = properties["EncryptionKey"]
        metadata["badge"]["badgeEnabled"] = as_bool(properties.get("BadgeEnabled"), False)
        return cls(resource_name, metadata["arn"])

    def delete(self, account_id: str, region_name: str) -> None:
        codebuild_backends[account_id][region_name].delete_project(self.name)


# -- CodePipeline ----------------------------------------------------------------------------------
