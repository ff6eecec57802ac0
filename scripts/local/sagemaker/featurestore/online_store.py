"""The online store: for each feature group, the latest record of each record identifier.

As in AWS, the record with the latest event time wins (a later write of the same event time replaces it); a
soft delete leaves a marker, so GetRecord finds nothing and a write older than the delete is ignored; a hard
delete forgets the record altogether.

A group's records are kept in layers: one for single writes (PutRecord, DeleteRecord), and one per batch a
processing job ingested, kept as the batch itself with an index from identifier to row, so that ingesting
a hundred thousand records costs one index and no record objects. A read asks every layer and takes the
latest write of the latest event time.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .batches import TypedBatch


@dataclass(frozen=True)
class StoredRecord:
    event_time: float
    """Seconds since the epoch."""
    sequence: int
    """Order of the write: a later one wins at equal event times."""
    values: dict[str, str] | None
    """None: soft-deleted."""


class _BatchLayer:
    def __init__(self, batch: TypedBatch, sequence: int) -> None:
        import numpy as np

        self.batch, self.sequence = batch, sequence
        identifiers = batch.identifiers
        self.rows = dict(zip(identifiers, range(len(identifiers)), strict=True))  # each one's last row
        if len(self.rows) < len(identifiers):  # some come more than once: the latest event time wins
            order = np.lexsort((np.arange(len(batch)), batch.event_seconds)).tolist()
            self.rows = dict(zip([identifiers[row] for row in order], order, strict=True))

    def order(self, row: int) -> tuple[float, int]:
        """Where the row's record stands among writes: its event time, then this batch's sequence."""
        return float(self.batch.event_seconds[row]), self.sequence

    def record(self, row: int) -> StoredRecord:
        return StoredRecord(*self.order(row), self.batch.values(row))


class OnlineStore:
    def __init__(self) -> None:
        self._writes: dict[str, dict[str, StoredRecord]] = {}
        self._batches: dict[str, list[_BatchLayer]] = {}
        self._sequence = itertools.count()

    def put(self, group: str, record_id: int | str, event_time: datetime, values: dict[str, str]) -> None:
        self._write(
            group, record_id, StoredRecord(event_time.timestamp(), next(self._sequence), dict(values))
        )

    def put_batch(self, group: str, batch: TypedBatch) -> None:
        self._batches.setdefault(group, []).append(_BatchLayer(batch, next(self._sequence)))

    def get(self, group: str, record_id: int | str) -> dict[str, str] | None:
        found = self._latest(group, record_id)
        return dict(found.values) if found is not None and found.values is not None else None

    def delete(self, group: str, record_id: int | str, event_time: datetime, hard: bool) -> None:
        current = self._latest(group, record_id)
        if current is not None and current.event_time > event_time.timestamp():
            return
        if hard:
            self._writes.get(group, {}).pop(record_id, None)
            for layer in self._batches.get(group, []):
                layer.rows.pop(record_id, None)
        else:
            self._write(group, record_id, StoredRecord(event_time.timestamp(), next(self._sequence), None))

    def drop(self, group: str) -> None:
        self._writes.pop(group, None)
        self._batches.pop(group, None)

    def _write(self, group: str, record_id: int | str, record: StoredRecord) -> None:
        writes = self._writes.setdefault(group, {})
        current = writes.get(record_id)
        if current is None or current.event_time <= record.event_time:
            writes[record_id] = record

    def _latest(self, group: str, record_id: int | str) -> StoredRecord | None:
        """The winning record; only its values are read out of its batch."""
        found: list[tuple[tuple[float, int], Callable[[], StoredRecord]]] = []
        written = self._writes.get(group, {}).get(record_id)
        if written is not None:
            found.append(((written.event_time, written.sequence), lambda: written))
        for layer in self._batches.get(group, []):
            row = layer.rows.get(record_id)
            if row is not None:
                found.append((layer.order(row), functools.partial(layer.record, row)))
        if not found:
            return None
        return max(found, key=lambda candidate: candidate[0])[1]()
