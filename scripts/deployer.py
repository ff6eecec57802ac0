"""The change-set lifecycle of one stack: create or update, review, execute, follow, report.

A stack that does not exist (or only holds an unexecuted change set, REVIEW_IN_PROGRESS) is created;
any other is updated; "no changes" is a success. A stack left in ROLLBACK_COMPLETE cannot be updated:
it is reported, or replaced when the caller asks. An update that would remove or replace a provisioning
artifact of a Service Catalog product the stack has is refused before it runs (projects launched from
the artifact would lose it): :class:`scripts.releases.ArtifactGuard`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from scripts.errors import (
    ChangeSetFailedError,
    KitError,
    StackBusyError,
    StackInRollbackCompleteError,
    StackOperationFailedError,
)
from scripts.releases import ArtifactGuard
from scripts.stack_events import StackEventStream

CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM")
_SUCCEEDED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "IMPORT_COMPLETE"}
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


@dataclass
class DeployResult:
    stack: str
    changed: bool
    outputs: dict[str, str] = field(default_factory=dict)


class Deployer:
    def __init__(
        self,
        cfn,
        report: Callable[[str], None] = print,
        poll_seconds: float = 3.0,
        timeout_seconds: float = 3600.0,
        sleep: Callable[[float], None] = time.sleep,
        artifact_guard: ArtifactGuard | None = None,
    ) -> None:
        self._cfn = cfn
        self._artifact_guard = artifact_guard  # made when first needed: most change sets need none
        self._report = report
        self._poll_seconds = poll_seconds
        self._timeout_seconds = timeout_seconds
        self._sleep = sleep

    def stack_status(self, stack: str) -> str | None:
        stacks = self._describe(stack)
        return stacks[0]["StackStatus"] if stacks else None

    def deploy(
        self,
        stack: str,
        template_url: str,
        parameters: dict[str, str],
        replace_failed: bool = False,
        tags: dict[str, str] | None = None,
    ) -> DeployResult:
        status = self.stack_status(stack)
        if status == "ROLLBACK_COMPLETE":
            if not replace_failed:
                raise StackInRollbackCompleteError(stack)
            self._report(f"Stack {stack} is in ROLLBACK_COMPLETE: deleting it to create it again")
            self.delete(stack)
            status = None
        if status and status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
            raise StackBusyError(stack, status)
        change_set_type = "CREATE" if status in (None, "REVIEW_IN_PROGRESS") else "UPDATE"

        change_set_id = self._create_change_set(stack, change_set_type, template_url, parameters, tags)
        changes = self._wait_for_change_set(stack, change_set_id)
        if changes is None:
            self._report(f"No changes to deploy: stack {stack} is up to date")
            self._cfn.delete_change_set(ChangeSetName=change_set_id)
            return DeployResult(stack, changed=False, outputs=self.outputs(stack))
        self._report_changes(changes)
        if change_set_type == "UPDATE" and ArtifactGuard.concerns(changes):
            try:
                self._guard().check(stack, template_url, changes)
            except KitError:
                self._cfn.delete_change_set(ChangeSetName=change_set_id)
                raise

        events = StackEventStream(self._cfn, stack, self._report)
        self._report(f"Executing change set ({change_set_type.lower()} {stack}):")
        try:
            self._cfn.execute_change_set(ChangeSetName=change_set_id)
        except ClientError as error:
            details = error.response["Error"]
            raise ChangeSetFailedError(stack, f"{details.get('Code')}: {details.get('Message')}") from error
        self._wait_for_stack(stack, events)
        return DeployResult(stack, changed=True, outputs=self.outputs(stack))

    def delete(self, stack: str) -> None:
        """Delete ``stack`` and follow it to DELETE_COMPLETE (a stack that does not exist is fine)."""
        stacks = self._describe(stack)
        if not stacks:
            self._report(f"Stack {stack} does not exist: nothing to delete")
            return
        stack_id = stacks[0]["StackId"]  # by id: a deleted stack stays describable
        events = StackEventStream(self._cfn, stack_id, self._report)
        self._report(f"Deleting stack {stack}:")
        self._cfn.delete_stack(StackName=stack_id)
        self._wait_for_stack(stack_id, events, label=stack)

    def outputs(self, stack: str) -> dict[str, str]:
        stacks = self._describe(stack)
        return {o["OutputKey"]: o["OutputValue"] for o in (stacks[0].get("Outputs", []) if stacks else [])}

    def _guard(self) -> ArtifactGuard:
        if self._artifact_guard is None:
            self._artifact_guard = ArtifactGuard.from_environment(self._cfn)
        return self._artifact_guard

    def _describe(self, stack: str) -> list[dict]:
        try:
            return self._cfn.describe_stacks(StackName=stack)["Stacks"]
        except ClientError as error:
            if "does not exist" in error.response["Error"].get("Message", ""):
                return []
            raise

    def _create_change_set(
        self,
        stack: str,
        change_set_type: str,
        template_url: str,
        parameters: dict[str, str],
        tags: dict[str, str] | None,
    ) -> str:
        name = f"deploy-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
        self._report(f"Creating change set {name} ({change_set_type}) for stack {stack}")
        response = self._cfn.create_change_set(
            StackName=stack,
            ChangeSetName=name,
            ChangeSetType=change_set_type,
            TemplateURL=template_url,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=list(CAPABILITIES),
            Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        )
        return response["Id"]

    def _wait_for_change_set(self, stack: str, change_set_id: str) -> list[dict] | None:
        """The change set's changes once it is ready; None when it holds no change."""
        deadline = time.monotonic() + self._timeout_seconds
        while True:
            described = self._cfn.describe_change_set(ChangeSetName=change_set_id)
            status = described["Status"]
            if status == "CREATE_COMPLETE":
                changes = list(described.get("Changes", []))
                while described.get("NextToken"):
                    described = self._cfn.describe_change_set(
                        ChangeSetName=change_set_id, NextToken=described["NextToken"]
                    )
                    changes.extend(described.get("Changes", []))
                return changes
            if status == "FAILED":
                reason = described.get("StatusReason", "no reason given")
                if any(marker in reason for marker in _NO_CHANGES):
                    return None
                raise ChangeSetFailedError(stack, reason)
            if time.monotonic() > deadline:
                raise KitError(f"change set for {stack} still {status} after {self._timeout_seconds:.0f}s")
            self._sleep(self._poll_seconds)

    def _wait_for_stack(self, stack: str, events: StackEventStream, label: str | None = None) -> None:
        label = label or stack
        deadline = time.monotonic() + self._timeout_seconds
        while True:
            events.poll()
            status = self._cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
            if not status.endswith("_IN_PROGRESS"):
                break
            if time.monotonic() > deadline:
                raise KitError(f"stack {label} still {status} after {self._timeout_seconds:.0f}s")
            self._sleep(self._poll_seconds)
        events.poll()
        if status not in _SUCCEEDED:
            failures = events.failures()
            self._report("Failed resources:" if failures else "No resource reported a failure.")
            for line in failures:
                self._report(line)
            raise StackOperationFailedError(label, status)
        self._report(f"Stack {label}: {status}")

    def _report_changes(self, changes: list[dict]) -> None:
        symbols = {"Add": "+", "Modify": "*", "Remove": "-", "Import": "i", "Dynamic": "~"}
        self._report("Changes:")
        for change in changes:
            resource = change.get("ResourceChange", {})
            replacement = resource.get("Replacement")
            self._report(
                f"  {symbols.get(resource.get('Action'), '?')} {resource.get('Action', ''):<7} "
                f"{resource.get('LogicalResourceId', ''):<50} {resource.get('ResourceType', '')}"
                + ("  (replacement)" if replacement == "True" else "")
            )
