"""Ingestion into a feature group, all or nothing: every record is checked against the group before any
is written, then the offline store is written (the step that can fail: its bucket) and the online store.

PutRecord's records are checked one by one (:meth:`.FeatureGroupDefinition.record`); a processing job's
output is checked as columns (:mod:`.batches`), with the same rules and messages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from moto.sagemaker.exceptions import ValidationError

from . import batches, offline_store
from .batches import RecordRejected, TypedBatch
from .definitions import FeatureGroupDefinition
from .online_store import OnlineStore

if TYPE_CHECKING:
    import pyarrow as pa

STORES = ("OnlineStore", "OfflineStore")


@dataclass(frozen=True)
class Ingested:
    """How long each part of a batch's ingestion took, for the job's log."""

    records: int
    check_seconds: float
    offline_seconds: float
    online_seconds: float

    def __str__(self) -> str:
        return (
            f"{self.records} records (checked in {self.check_seconds:.3f} s, offline store written in "
            f"{self.offline_seconds:.3f} s, online store in {self.online_seconds:.3f} s)"
        )


def group_stores(definition: FeatureGroupDefinition, offline_location: str | None) -> list[str]:
    """The stores a group has, which a call without TargetStores writes to."""
    return [
        store for store, on in zip(STORES, (definition.online, bool(offline_location)), strict=True) if on
    ]


def ingest(
    definition: FeatureGroupDefinition,
    offline_location: str | None,
    online: OnlineStore,
    account: str,
    records: list[list[dict[str, str]]],
    target_stores: list[str] | None = None,
) -> None:
    """PutRecord: check every record (a ``Record`` each), then write them to the group's stores, or to
    ``target_stores`` among them."""
    targets = _targets(definition, offline_location, target_stores)
    timed = []
    for row, values in enumerate(records, 1):
        try:
            timed.append(definition.record(values))
        except ValidationError as error:
            raise RecordRejected(row, error.message) from None
    invoked_at = datetime.now(UTC)
    if "OfflineStore" in targets:
        batch = batches.checked(definition, _string_table(definition, [values for _, values in timed]))
        offline_store.write(account, offline_location, definition.features, batch, False, invoked_at)
    if "OnlineStore" in targets:
        for at, values in timed:
            online.put(
                definition.name, definition.identifier_key(values[definition.record_identifier]), at, values
            )


def ingest_table(
    definition: FeatureGroupDefinition,
    offline_location: str | None,
    online: OnlineStore,
    account: str,
    table: pa.Table,
) -> Ingested:
    """A processing job's output: every row checked, then all written to the group's stores."""
    targets = _targets(definition, offline_location, None)
    started = time.perf_counter()
    batch: TypedBatch = batches.checked(definition, table)
    checked_at = time.perf_counter()
    if "OfflineStore" in targets:
        offline_store.write(account, offline_location, definition.features, batch, False, datetime.now(UTC))
    written_at = time.perf_counter()
    if "OnlineStore" in targets:
        online.put_batch(definition.name, batch)
    return Ingested(
        len(batch), checked_at - started, written_at - checked_at, time.perf_counter() - written_at
    )


def write_deletion(
    definition: FeatureGroupDefinition, offline_location: str, account: str, record_id: str, at: str
) -> None:
    """DeleteRecord's row in the offline store: the identifier and event time, ``is_deleted`` true."""
    row = {definition.record_identifier: record_id, definition.event_time: at}
    batch = batches.checked(definition, _string_table(definition, [row]))
    offline_store.write(account, offline_location, definition.features, batch, True, datetime.now(UTC))


def _targets(
    definition: FeatureGroupDefinition, offline_location: str | None, target_stores: list[str] | None
) -> list[str]:
    targets = target_stores or group_stores(definition, offline_location)
    unknown = [store for store in targets if store not in STORES]
    if unknown:
        raise ValidationError(f"Invalid TargetStores {unknown}: OnlineStore or OfflineStore.")
    if "OnlineStore" in targets and not definition.online:
        raise ValidationError(f"Feature group '{definition.name}' has no online store.")
    if "OfflineStore" in targets and not offline_location:
        raise ValidationError(f"Feature group '{definition.name}' has no offline store.")
    return targets


def _string_table(definition: FeatureGroupDefinition, records: list[dict[str, str]]) -> pa.Table:
    import pyarrow as pa

    names = [name for name in definition.features if any(name in record for record in records)]
    return pa.table({name: pa.array([record.get(name) for record in records], pa.string()) for name in names})
