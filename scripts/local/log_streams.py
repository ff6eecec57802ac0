"""Writing to the emulator's CloudWatch Logs, as the services that log there do: Lambda's invocations,
CodeBuild's builds, processing jobs and EventBridge's log-group targets (the state lock held)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moto.logs.models import logs_backends


def open_stream(account: str, region: str, group: str, stream: str, *, create_group: bool = True) -> None:
    """Create ``stream`` in ``group``; the group too, for a service that creates its own."""
    logs = logs_backends[account][region]
    if create_group and group not in logs.groups:
        logs.create_log_group(group, {})
    logs.create_log_stream(group, stream)


def put(account: str, region: str, group: str, stream: str, events: list[dict[str, Any]]) -> None:
    logs_backends[account][region].put_log_events(group, stream, events)


def lines_at(lines: list[str], at: datetime) -> list[dict[str, Any]]:
    """Log events of ``lines``, all stamped ``at``."""
    stamp = int(at.timestamp() * 1000)
    return [{"timestamp": stamp, "message": line} for line in lines]


def has_group(account: str, region: str, group: str) -> bool:
    return group in logs_backends[account][region].groups
