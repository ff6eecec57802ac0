"""CodeBuild whose builds run (:mod:`.builds`): StartBuild starts one in the background; BatchGetBuilds shows
its real phases and status; StopBuild kills it."""

from __future__ import annotations

from typing import Any

from moto.codebuild.models import CodeBuildBackend
from moto.utilities.utils import get_partition

from . import builds


class Backend(CodeBuildBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.builds: dict[str, builds.Build] = {}
        self.build_numbers: dict[str, int] = {}

    def project_arn(self, name: str) -> str:
        partition = get_partition(self.region_name)
        return f"arn:{partition}:codebuild:{self.region_name}:{self.account_id}:project/{name}"

    def start_build(  # type: ignore[override]
        self,
        project_name: str,
        source_version: str | None = None,
        artifact_override: dict[str, Any] | None = None,
        environment_overrides: list[dict[str, str]] | None = None,
        buildspec_override: str | None = None,
        timeout_override: int | None = None,
    ) -> dict[str, Any]:
        build = builds.start(
            self,
            project_name,
            source_version=source_version,
            environment_overrides=environment_overrides,
            buildspec_override=buildspec_override,
            timeout_override=timeout_override,
            initiator="local-user",
        )
        return build.described()

    def batch_get_builds(self, ids: list[str]) -> list[dict[str, Any]]:
        return [self.builds[build_id].described() for build_id in ids if build_id in self.builds]

    def stop_build(self, build_id: str) -> dict[str, Any] | None:  # type: ignore[override]
        build = self.builds.get(build_id)
        if build is None:
            return None
        build.stop()
        return build.described()

    def reset(self) -> None:
        for build in self.builds.values():
            build.stop(wait=False)
        super().reset()
