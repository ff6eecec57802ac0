"""CodePipeline executions that run: a pipeline runs once when it is created (as AWS starts a new pipeline),
on StartPipelineExecution and when an EventBridge rule targets it (:mod:`scripts.local.events.targets`).

An execution runs on a background thread of its own, holding the state lock except while it waits (for a
stage another execution occupies, for a build). Stages run in order, each stage's actions by ``runOrder``;
the first failed action fails its stage and the execution. Actions the emulator runs:

- Source / AWS / CodeCommit (``RepositoryName``, ``BranchName``, ``OutputArtifactFormat`` CODE_ZIP): the
  branch's head tree zipped into the artifact store as ``<pipeline>/<artifact>/<random>`` (names truncated
  as CodePipeline truncates them), its revision the commit;
- Source / AWS / S3 (``S3Bucket``, ``S3ObjectKey``): the object copied into the artifact store;
- Source / AWS / CodeStarSourceConnection (``ConnectionArn``, ``FullRepositoryId``, ``BranchName``): fails at
  once, saying so: the emulator cannot reach GitHub, GitLab or Bitbucket through a connection;
- Build and Test / AWS / CodeBuild (``ProjectName``, ``EnvironmentVariables``, ``PrimarySource``): a build of
  the project with the input artifact as its source, through :mod:`scripts.local.codebuild`; the action
  succeeds or fails with the build.

Any other action fails with a message saying the emulator does not run it. Executions follow the V1
default, SUPERSEDED mode: one execution at a time in a stage; an execution waiting to enter a stage is
superseded when a newer one comes to wait for it.
"""

from __future__ import annotations

import io
import json
import string
import threading
import uuid
import zipfile
from typing import Any

from moto.codepipeline.exceptions import PipelineNotFoundException
from moto.codepipeline.models import CodePipeline, CodePipelineBackend, PipelineExecution
from moto.core.utils import iso_8601_datetime_with_milliseconds, utcnow
from moto.moto_api._internal import mock_random

from scripts.local import concurrency

BUILD_POLL_SECONDS = 0.2
_ZIP_MODES = {"NORMAL": 0o100644, "EXECUTABLE": 0o100755, "SYMLINK": 0o120777}


class ActionFailed(Exception):
    def __init__(self, message: str, code: str = "JobFailed", **result: Any) -> None:
        super().__init__(message)
        self.code = code
        self.result = result


class Execution(PipelineExecution):
    """moto's execution record, which runs: status InProgress until its stages are done."""

    def __init__(
        self,
        pipeline_name: str,
        pipeline_version: int,
        variables: list[dict[str, str]] | None,
        trigger: tuple[str, str],
    ) -> None:
        super().__init__(pipeline_name, pipeline_version, variables)
        self.status = "InProgress"
        self.trigger_type, self.trigger_detail = trigger
        self.artifact_revisions: list[dict[str, Any]] = []
        self.artifacts: dict[str, dict[str, str]] = {}
        """Artifact name → its S3 location (``bucket``, ``key``)."""
        self.actions: list[dict[str, Any]] = []
        """ListActionExecutions' details, in the order the actions started."""

    def finish(self, status: str, summary: str | None = None) -> None:
        self.status = status
        self.status_summary = summary
        self.last_update_time = utcnow()

    def _trigger(self) -> dict[str, str]:
        return {"triggerType": self.trigger_type, "triggerDetail": self.trigger_detail}

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "artifactRevisions": self.artifact_revisions,
            "trigger": self._trigger(),
            "executionMode": "SUPERSEDED",
        }

    def to_summary_dict(self) -> dict[str, Any]:
        return {
            **super().to_summary_dict(),
            "sourceRevisions": [
                {
                    "actionName": revision["actionName"],
                    "revisionId": revision["revisionId"],
                    "revisionSummary": revision["revisionSummary"],
                    "revisionUrl": revision["revisionUrl"],
                }
                for revision in self.artifact_revisions
            ],
            "trigger": self._trigger(),
            "executionMode": "SUPERSEDED",
        }


class Runs:
    """A pipeline's stage occupancy and the latest stage and action states GetPipelineState shows."""

    def __init__(self) -> None:
        self.occupant: dict[str, str] = {}
        """Stage name → the execution in it."""
        self.waiting: dict[str, Execution] = {}
        """Stage name → the execution waiting to enter it."""
        self.stages: dict[str, dict[str, Any]] = {}
        """Stage name → {"latestExecution": ..., "actions": {action name → latestExecution}}."""


def _runs(pipeline: CodePipeline) -> Runs:
    if not hasattr(pipeline, "runs"):
        pipeline.runs = Runs()  # type: ignore[attr-defined]
    return pipeline.runs  # type: ignore[attr-defined]


class Backend(CodePipelineBackend):
    def create_pipeline(self, pipeline: dict[str, Any], tags: list[dict[str, str]]) -> Any:
        answer = super().create_pipeline(pipeline, tags)
        self.start_execution(pipeline["name"], None, ("CreatePipeline", self.caller()))
        return answer

    def start_pipeline_execution(self, name: str, variables: list[dict[str, str]] | None) -> str:
        return self.start_execution(name, variables, ("StartPipelineExecution", self.caller()))

    def caller(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def pipeline(self, name: str) -> CodePipeline:
        found = self.pipelines.get(name)
        if not found:
            raise PipelineNotFoundException(
                f"Account '{self.account_id}' does not have a pipeline with name '{name}'"
            )
        return found

    def start_execution(
        self, name: str, variables: list[dict[str, str]] | None, trigger: tuple[str, str]
    ) -> str:
        pipeline = self.pipeline(name)
        execution = Execution(name, pipeline.pipeline["version"], variables, trigger)
        pipeline.executions[execution.pipeline_execution_id] = execution
        runner = _Runner(self, pipeline, execution, concurrency.generation())
        threading.Thread(
            target=runner.run, name=f"codepipeline-{name}-{execution.pipeline_execution_id[:8]}", daemon=True
        ).start()
        return execution.pipeline_execution_id

    def get_pipeline_state(self, name: str) -> dict[str, Any]:
        pipeline = self.pipeline(name)
        runs = _runs(pipeline)
        states = []
        for stage in pipeline.pipeline["stages"]:
            known = runs.stages.get(stage["name"], {})
            state: dict[str, Any] = {
                "stageName": stage["name"],
                "inboundTransitionState": {"enabled": True},
                "actionStates": [
                    {
                        "actionName": action["name"],
                        **(
                            {"latestExecution": known["actions"][action["name"]]}
                            if action["name"] in known.get("actions", {})
                            else {}
                        ),
                    }
                    for action in stage["actions"]
                ],
            }
            if "latestExecution" in known:
                state["latestExecution"] = known["latestExecution"]
            states.append(state)
        return {
            "pipelineName": name,
            "pipelineVersion": pipeline.pipeline["version"],
            "stageStates": states,
            "created": pipeline.metadata["created"],
            "updated": pipeline.metadata["updated"],
        }

    def list_action_executions(self, name: str, execution_id: str | None) -> list[dict[str, Any]]:
        pipeline = self.pipeline(name)
        executions = (
            [self.get_pipeline_execution(name, execution_id)]
            if execution_id
            else list(reversed(pipeline.executions.values()))
        )
        return [action for execution in executions for action in reversed(getattr(execution, "actions", []))]

    def delete_pipeline(self, name: str) -> None:
        pipeline = self.pipelines.get(name)
        for execution in pipeline.executions.values() if pipeline else []:
            if execution.status == "InProgress":
                execution.finish("Stopped", "The pipeline was deleted.")
        super().delete_pipeline(name)


def _now() -> str:
    return iso_8601_datetime_with_milliseconds(utcnow())


class _Runner:
    def __init__(
        self, backend: Backend, pipeline: CodePipeline, execution: Execution, started_in: int
    ) -> None:
        self.backend = backend
        self.pipeline = pipeline
        self.execution = execution
        self.started_in = started_in
        self.runs = _runs(pipeline)
        self.declaration = json.loads(json.dumps(pipeline.pipeline))
        """The pipeline as it was when the execution started (an update applies to later executions)."""

    def run(self) -> None:
        try:
            with concurrency.holding_state():
                if concurrency.generation() != self.started_in:
                    return
                self._run_stages()
        except concurrency.Cancelled:
            return
        except Exception as error:  # the emulator's fault: the execution says so rather than hang
            with concurrency.holding_state():
                if self.execution.status == "InProgress":
                    self.execution.finish("Failed", f"The emulator failed: {type(error).__name__}: {error}")
            raise

    def _sleep(self, seconds: float) -> None:
        concurrency.wait(threading.Event(), seconds, self.started_in)

    def _run_stages(self) -> None:
        for stage in self.declaration["stages"]:
            if not self._enter(stage["name"]):
                return
            stage_state = self.runs.stages.setdefault(stage["name"], {"actions": {}})
            stage_state["latestExecution"] = {
                "pipelineExecutionId": self.execution.pipeline_execution_id,
                "status": "InProgress",
            }
            try:
                failed = self._run_actions(stage, stage_state)
            finally:
                # a finished stage is free again: the execution waits at the next stage's transition
                if self.runs.occupant.get(stage["name"]) == self.execution.pipeline_execution_id:
                    del self.runs.occupant[stage["name"]]
            stage_state["latestExecution"]["status"] = "Failed" if failed else "Succeeded"
            if failed or self.execution.status != "InProgress":
                if self.execution.status == "InProgress":
                    self.execution.finish("Failed", failed)
                return
        self.execution.finish("Succeeded")

    def _enter(self, stage: str) -> bool:
        """Wait at the stage's inbound transition until no other execution is in the stage, and enter it;
        False when superseded meanwhile (SUPERSEDED mode: a newer execution came to wait at the same
        transition)."""
        me = self.execution
        earlier = self.runs.waiting.get(stage)
        if earlier is not None and earlier is not me:
            earlier.finish("Superseded", f"Superseded by execution {me.pipeline_execution_id}.")
        self.runs.waiting[stage] = me
        while self.runs.occupant.get(stage) not in (None, me.pipeline_execution_id):
            if me.status != "InProgress":
                break
            self._sleep(BUILD_POLL_SECONDS)
        if self.runs.waiting.get(stage) is me:
            del self.runs.waiting[stage]
        if me.status != "InProgress":
            return False
        self.runs.occupant[stage] = me.pipeline_execution_id
        return True

    def _run_actions(self, stage: dict[str, Any], stage_state: dict[str, Any]) -> str | None:
        """Run the stage's actions by runOrder; the failure summary of the first that fails, or None."""
        for action in sorted(stage["actions"], key=lambda a: int(a.get("runOrder", 1))):
            if self.execution.status != "InProgress":
                return None
            detail = self._start_action(stage["name"], action)
            stage_state["actions"][action["name"]] = latest = {
                "actionExecutionId": detail["actionExecutionId"],
                "status": "InProgress",
                "lastStatusChange": _now(),
            }
            try:
                result = self._perform(action, detail, latest)
            except ActionFailed as failure:
                message = str(failure)
                result = {**failure.result, "errorDetails": {"code": failure.code, "message": message}}
                self._finish_action(detail, latest, "Failed", result)
                latest["errorDetails"] = result["errorDetails"]
                return f"Action {action['name']} of stage {stage['name']} failed: {message}"
            self._finish_action(detail, latest, "Succeeded", result)
        return None

    def _start_action(self, stage: str, action: dict[str, Any]) -> dict[str, Any]:
        now = _now()
        detail = {
            "pipelineExecutionId": self.execution.pipeline_execution_id,
            "actionExecutionId": str(uuid.uuid4()),
            "pipelineVersion": self.execution.pipeline_version,
            "stageName": stage,
            "actionName": action["name"],
            "startTime": now,
            "lastUpdateTime": now,
            "status": "InProgress",
            "input": {
                "actionTypeId": action["actionTypeId"],
                "configuration": action.get("configuration") or {},
                "resolvedConfiguration": action.get("configuration") or {},
                "roleArn": action.get("roleArn") or self.declaration["roleArn"],
                "region": action.get("region") or self.backend.region_name,
                "inputArtifacts": [
                    {"name": a["name"], "s3location": self.execution.artifacts.get(a["name"], {})}
                    for a in action.get("inputArtifacts") or []
                ],
            },
            "output": {"outputArtifacts": [], "executionResult": {}, "outputVariables": {}},
        }
        self.execution.actions.append(detail)
        return detail

    def _finish_action(
        self, detail: dict[str, Any], latest: dict[str, Any], status: str, result: dict[str, Any]
    ) -> None:
        now = _now()
        detail["status"] = latest["status"] = status
        detail["lastUpdateTime"] = latest["lastStatusChange"] = now
        execution_result = {
            key: value
            for key, value in {
                "externalExecutionId": result.get("externalExecutionId"),
                "externalExecutionSummary": result.get("summary"),
                "externalExecutionUrl": result.get("externalExecutionUrl"),
                "errorDetails": result.get("errorDetails"),
            }.items()
            if value
        }
        detail["output"]["executionResult"] = execution_result
        for key in ("externalExecutionId", "externalExecutionUrl", "summary"):
            if result.get(key):
                latest[key] = result[key]
        detail["output"]["outputArtifacts"] = [
            {"name": name, "s3location": self.execution.artifacts[name]} for name in result.get("outputs", [])
        ]

    # -- actions ------------------------------------------------------------------------------------
    def _perform(
        self, action: dict[str, Any], detail: dict[str, Any], latest: dict[str, Any]
    ) -> dict[str, Any]:
        kind = action["actionTypeId"]
        key = (kind.get("category"), kind.get("owner"), kind.get("provider"))
        if key == ("Source", "AWS", "CodeCommit"):
            return self._codecommit_source(action)
        if key == ("Source", "AWS", "S3"):
            return self._s3_source(action)
        if key == ("Source", "AWS", "CodeStarSourceConnection"):
            raise _unreachable_connection(action)
        if key in (("Build", "AWS", "CodeBuild"), ("Test", "AWS", "CodeBuild")):
            return self._codebuild(action, latest)
        raise ActionFailed(
            f"The local emulator does not run {key[0]} actions of provider {key[1]}/{key[2]}.",
            code="JobFailed",
        )

    def _artifact_store(self, action: dict[str, Any]) -> str:
        if "artifactStore" in self.declaration:
            return self.declaration["artifactStore"]["location"]
        region = action.get("region") or self.backend.region_name
        return self.declaration["artifactStores"][region]["location"]

    def _store(self, action: dict[str, Any], body: bytes) -> list[str]:
        """Put ``body`` into the artifact store as each of the action's output artifacts."""
        from moto.s3.models import s3_backends

        s3 = s3_backends[self.backend.account_id][self.backend.partition]
        bucket = self._artifact_store(action)
        if bucket not in s3.buckets:
            raise ActionFailed(f"The artifact store bucket {bucket} does not exist.", code="JobFailed")
        names = []
        for artifact in action.get("outputArtifacts") or []:
            _, key = self._allocate(action, artifact["name"])
            s3.put_object(bucket, key, body)
            names.append(artifact["name"])
        return names

    def _allocate(self, action: dict[str, Any], artifact: str) -> tuple[str, str]:
        """The artifact store location of an output artifact, as CodePipeline names it:
        ``<pipeline name, 20 characters>/<artifact name, 10 characters>/<7 random characters>``."""
        bucket = self._artifact_store(action)
        random = "".join(mock_random.choice(string.ascii_letters + string.digits) for _ in range(7))
        key = f"{self.declaration['name'][:20]}/{artifact[:10]}/{random}"
        self.execution.artifacts[artifact] = {"bucket": bucket, "key": key}
        return bucket, key

    def _codecommit_source(self, action: dict[str, Any]) -> dict[str, Any]:
        from moto.codecommit.models import codecommit_backends

        from scripts.local.codecommit.exceptions import CodeCommitError

        config = action.get("configuration") or {}
        name, branch = config.get("RepositoryName"), config.get("BranchName")
        if (config.get("OutputArtifactFormat") or "CODE_ZIP") != "CODE_ZIP":
            raise ActionFailed(
                f"OutputArtifactFormat {config['OutputArtifactFormat']} is not supported by the local "
                "emulator (only CODE_ZIP)."
            )
        try:
            repository = codecommit_backends[self.backend.account_id][self.backend.region_name].repository(
                name
            )
            commit = repository.head(branch)
        except CodeCommitError as error:
            raise ActionFailed(
                f"Could not read branch {branch} of repository {name}: {getattr(error, 'message', error)}",
                code="ConfigurationError",
            ) from None
        except Exception as error:
            raise ActionFailed(
                f"Could not read repository {name}: {error}", code="ConfigurationError"
            ) from None
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, file in sorted(commit.tree.files.items()):
                info = zipfile.ZipInfo(path)
                info.external_attr = _ZIP_MODES[file.mode] << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, file.content)
        outputs = self._store(action, buffer.getvalue())
        region = self.backend.region_name
        url = (
            f"https://{region}.console.aws.amazon.com/codesuite/codecommit/repositories/{name}/commit/"
            f"{commit.id}?region={region}"
        )
        self.execution.artifact_revisions.append(
            {
                "name": outputs[0] if outputs else action["name"],
                "actionName": action["name"],
                "revisionId": commit.id,
                "revisionChangeIdentifier": commit.id,
                "revisionSummary": commit.message,
                "created": commit.author.date.isoformat(),
                "revisionUrl": url,
            }
        )
        return {"outputs": outputs, "summary": commit.message, "externalExecutionId": commit.id,
                "externalExecutionUrl": url}  # fmt: skip

    def _s3_source(self, action: dict[str, Any]) -> dict[str, Any]:
        from moto.s3.models import s3_backends

        config = action.get("configuration") or {}
        bucket, key = config.get("S3Bucket"), config.get("S3ObjectKey")
        try:
            found = s3_backends[self.backend.account_id][self.backend.partition].get_object(bucket, key)
        except Exception:
            found = None
        if found is None:
            raise ActionFailed(f"The object s3://{bucket}/{key} does not exist.", code="ConfigurationError")
        outputs = self._store(action, found.value)
        version = (
            found.version_id if found.version_id and found.version_id != "null" else found.etag.strip('"')
        )
        self.execution.artifact_revisions.append(
            {
                "name": outputs[0] if outputs else action["name"],
                "actionName": action["name"],
                "revisionId": version,
                "revisionChangeIdentifier": version,
                "revisionSummary": f"Amazon S3 version id: {version}",
                "created": _now(),
                "revisionUrl": f"https://s3.console.aws.amazon.com/s3/object/{bucket}?prefix={key}",
            }
        )
        return {"outputs": outputs, "externalExecutionId": version}

    def _codebuild(self, action: dict[str, Any], latest: dict[str, Any]) -> dict[str, Any]:
        config = action.get("configuration") or {}
        project = config.get("ProjectName")
        inputs = [a["name"] for a in action.get("inputArtifacts") or []]
        primary = config.get("PrimarySource") or (inputs[0] if inputs else None)
        if primary is None or primary not in self.execution.artifacts:
            raise ActionFailed(f"The input artifact {primary} of action {action['name']} was not produced.")
        location = self.execution.artifacts[primary]
        overrides = json.loads(config["EnvironmentVariables"]) if config.get("EnvironmentVariables") else None
        outputs = [a["name"] for a in action.get("outputArtifacts") or []]
        output = self._allocate(action, outputs[0]) if outputs else None
        revision = next(
            (r["revisionId"] for r in self.execution.artifact_revisions if r["name"] == primary), None
        )
        account, region = self.backend.account_id, self.backend.region_name
        try:
            build_id = start_build(
                account,
                region,
                project,
                (location["bucket"], location["key"]),
                overrides,
                output=output,
                source_version=revision,
                initiator=f"codepipeline/{self.declaration['name']}",
            )
        except Exception as error:
            raise ActionFailed(f"CodeBuild could not start a build of {project}: {error}") from None
        url = (
            f"https://{region}.console.aws.amazon.com/codesuite/codebuild/{account}/projects/{project}/"
            f"build/{build_id.replace(':', '%3A')}/?region={region}"
        )
        latest["externalExecutionId"], latest["externalExecutionUrl"] = build_id, url
        while (status := build_status(account, region, build_id, BUILD_POLL_SECONDS)) == "IN_PROGRESS":
            if self.execution.status != "InProgress" or concurrency.generation() != self.started_in:
                raise concurrency.Cancelled()
        result = {"externalExecutionId": build_id, "externalExecutionUrl": url}
        if status != "SUCCEEDED":
            raise ActionFailed(f"Build terminated with state: {status}", **result)
        return {**result, "outputs": outputs[:1], "summary": "Build succeeded"}


def _unreachable_connection(action: dict[str, Any]) -> ActionFailed:
    """Why a CodeStarSourceConnection source cannot run here, and what runs the project locally."""
    config = action.get("configuration") or {}
    repository, branch = config.get("FullRepositoryId"), config.get("BranchName")
    return ActionFailed(
        f"The local emulator cannot reach {repository} (branch {branch}) "
        f"through connection {config.get('ConnectionArn')}: a CodeStarSourceConnection source (GitHub, "
        "GitLab, Bitbucket) runs only on AWS; choose SourceRepository=CodeCommit to run the project locally."
    )


def start_build(
    account: str,
    region: str,
    project: str,
    source: tuple[str, str],
    environment_overrides: list[dict[str, str]] | None,
    *,
    output: tuple[str, str] | None = None,
    source_version: str | None = None,
    initiator: str = "codepipeline",
) -> str:
    """Start a build of ``project`` from the zip at ``source`` (bucket, key), its artifacts going to
    ``output``: the build id (:func:`scripts.local.codebuild.builds.start_build`)."""
    from scripts.local.codebuild import builds

    return builds.start_build(
        account,
        region,
        project,
        source=source,
        environment_overrides=environment_overrides,
        output=output,
        source_version=source_version,
        initiator=initiator,
    )


def build_status(account: str, region: str, build_id: str, wait: float) -> str:
    """IN_PROGRESS, SUCCEEDED, FAILED, FAULT, TIMED_OUT or STOPPED, as BatchGetBuilds answers, once the
    build has finished or ``wait`` seconds have passed (without the state lock meanwhile)."""
    from scripts.local.codebuild import builds

    return builds.wait_for_build(account, region, build_id, timeout=wait)["buildStatus"]
