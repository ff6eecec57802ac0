"""Where a project's build stands: its CodePipeline's stages and the status of each one's latest run, read
the same way by `make demo` and by the end-to-end tests' project set-up."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuildState:
    stages: dict[str, str | None]
    """Each stage's latest execution status, in the pipeline's order (None: not started)."""

    @property
    def failed_stage(self) -> str | None:
        return next((name for name, status in self.stages.items() if status == "Failed"), None)

    @property
    def succeeded(self) -> bool:
        return bool(self.stages) and all(status == "Succeeded" for status in self.stages.values())

    def describe(self) -> str:
        return (
            ", ".join(f"{name} {status or 'not started'}" for name, status in self.stages.items())
            or "starting"
        )


def build_state(codepipeline, pipeline: str) -> BuildState:
    stages = codepipeline.get_pipeline_state(name=pipeline).get("stageStates", [])
    return BuildState({s["stageName"]: s.get("latestExecution", {}).get("status") for s in stages})
