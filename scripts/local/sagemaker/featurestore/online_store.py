"""The online store: for each feature group, the latest record of each record identifier.

As in AWS, the record with the latest event time wins (a later write of the same event time replaces it); a
soft delete leaves a marker, so GetRecord finds nothing and a write older than the delete is ignored; a hard
delete forgets the record altogether.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoredRecord:
    event_time: datetime
    values: dict[str, str] | None
    """None: soft-deleted."""


class OnlineStore:
    def __init__(self) -> None:
        self._groups: dict[str, dict[str, StoredRecord]] = {}

    def put(self, group: str, record_id: str, event_time: datetime, values: dict[str, str]) -> bool:
        """Store the record unless a newer one (or a newer delete) is there; True when stored."""
        records = self._groups.setdefault(group, {})
        current = records.get(record_id)
        if current is not None and current.event_time > event_time:
            return False
        records[record_id] = StoredRecord(event_time, dict(values))
        return True

    def get(self, group: str, record_id: str) -> dict[str, str] | None:
        found = self._groups.get(group, {}).get(record_id)
        return dict(found.values) if found is not None and found.values is not None else None

    def delete(self, group: str, record_id: str, event_time: datetime, hard: bool) -> None:
        records = self._groups.setdefault(group, {})
        current = records.get(record_id)
        if current is not None and current.event_time > event_time:
            return
        if hard:
            records.pop(record_id, None)
        else:
            records[record_id] = StoredRecord(event_time, None)

    def drop(self, group: str) -> None:
        self._groups.pop(group, None)
