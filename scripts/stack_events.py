"""Following a stack's events while an operation runs, and naming what failed."""

from __future__ import annotations

from collections.abc import Callable


class StackEventStream:
    """Prints the events of one stack operation as they appear, oldest first, each exactly once.

    Events that existed when the stream was created belong to earlier operations and are never
    shown; comparing event ids instead of timestamps keeps a skewed local clock out of it.
    """

    def __init__(self, cfn, stack: str, report: Callable[[str], None] = print) -> None:
        self._cfn = cfn
        self._stack = stack
        self._report = report
        # The newest page is enough: polling stops at the first event it has already seen.
        newest_page = next(iter(self._pages()))["StackEvents"]
        self._seen: set[str] = {event["EventId"] for event in newest_page}
        self.events: list[dict] = []

    def poll(self) -> None:
        fresh = []
        for event in self._newest_first():
            if event["EventId"] in self._seen:
                break
            fresh.append(event)
        for event in reversed(fresh):
            self._seen.add(event["EventId"])
            self.events.append(event)
            self._report(format_event(event))

    def failures(self) -> list[str]:
        """One line per resource that failed during the operation, with CloudFormation's reason."""
        return [
            f"  {event['LogicalResourceId']} ({event['ResourceType']}): "
            f"{event.get('ResourceStatusReason') or 'no reason given'}"
            for event in self.events
            if event["ResourceStatus"].endswith("_FAILED")
        ]

    def _pages(self):
        return self._cfn.get_paginator("describe_stack_events").paginate(StackName=self._stack)

    def _newest_first(self):
        for page in self._pages():
            yield from page["StackEvents"]


def format_event(event: dict) -> str:
    reason = event.get("ResourceStatusReason")
    return (
        f"  {event['Timestamp']:%H:%M:%S}  {event['ResourceStatus']:<28} "
        f"{event['ResourceType']:<45} {event['LogicalResourceId']}" + (f"  {reason}" if reason else "")
    )
