"""What SageMaker gives a project's stack however the project is provisioned: the project's name and id as the
``SageMakerProjectName``/``SageMakerProjectId`` parameters and the ``sagemaker:project-name``/
``sagemaker:project-id`` tags. A caller's own values for these are replaced."""

from __future__ import annotations

from dataclasses import dataclass

_PARAMETERS = ("SageMakerProjectName", "SageMakerProjectId")


@dataclass(frozen=True)
class ProjectIdentity:
    name: str
    id: str

    def parameters(self, given: list[dict[str, str]] | None) -> list[dict[str, str]]:
        """``given`` ``[{"Key", "Value"}]`` with the project's name and id."""
        own = [p for p in given or [] if p["Key"] not in _PARAMETERS]
        return [
            *own,
            {"Key": "SageMakerProjectName", "Value": self.name},
            {"Key": "SageMakerProjectId", "Value": self.id},
        ]

    def tags(self, given: list[dict[str, str]] | None) -> list[dict[str, str]]:
        """``given`` ``[{"Key", "Value"}]`` with the project's name and id tags."""
        own = [t for t in given or [] if not t["Key"].startswith("sagemaker:project-")]
        return [
            *own,
            {"Key": "sagemaker:project-name", "Value": self.name},
            {"Key": "sagemaker:project-id", "Value": self.id},
        ]
