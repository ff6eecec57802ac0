"""moto's CodeBuild responses, with the StartBuild overrides a build uses passed on to the backend."""

from __future__ import annotations

from moto.codebuild import responses as moto_responses
from moto.core.responses import ActionResult


class CodeBuildResponse(moto_responses.CodeBuildResponse):
    def start_build(self) -> ActionResult:
        moto_responses._validate_required_params_project_name(self._get_param("projectName"))
        name = self._get_param("projectName")
        if name not in self.codebuild_backend.codebuild_projects:
            raise moto_responses.ResourceNotFoundException(
                f"Project cannot be found: {self.codebuild_backend.project_arn(name)}"
            )
        build = self.codebuild_backend.start_build(
            name,
            self._get_param("sourceVersion"),
            self._get_param("artifactsOverride"),
            environment_overrides=self._get_param("environmentVariablesOverride"),
            buildspec_override=self._get_param("buildspecOverride"),
            timeout_override=self._get_param("timeoutInMinutesOverride"),
        )
        return ActionResult({"build": build})
