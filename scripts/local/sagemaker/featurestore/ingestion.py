"""Ingestion into a feature group, all or nothing: every record is checked against the group before any
is written, then the offline store is written (the step that can fail: its bucket) and the online store."""

from __future__ import annotations

from datetime import UTC, datetime

from moto.sagemaker.exceptions import ValidationError

from .definitions import FeatureGroupDefinition
from .offline_store import write
from .online_store import OnlineStore

STORES = ("OnlineStore", "OfflineStore")


class RecordRejected(ValidationError):
    """A record that fails its check: PutRecord's ValidationException, and ``row`` (1-based) for a batch."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row


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
    """Check every record (a PutRecord ``Record`` each), then write them to the group's stores, or to
    ``target_stores`` among them."""
    targets = target_stores or group_stores(definition, offline_location)
    unknown = [store for store in targets if store not in STORES]
    if unknown:
        raise ValidationError(f"Invalid TargetStores {unknown}: OnlineStore or OfflineStore.")
    if "OnlineStore" in targets and not definition.online:
        raise ValidationError(f"Feature group '{definition.name}' has no online store.")
    if "OfflineStore" in targets and not offline_location:
        raise ValidationError(f"Feature group '{definition.name}' has no offline store.")
    timed = []
    for row, values in enumerate(records, 1):
        try:
            timed.append(definition.record(values))
        except ValidationError as error:
            raise RecordRejected(row, error.message) from None
    invoked_at = datetime.now(UTC)
    if "OfflineStore" in targets:
        write(account, offline_location, definition.features, [(at, r, False) for at, r in timed], invoked_at)
    if "OnlineStore" in targets:
        for at, record in timed:
            online.put(definition.name, record[definition.record_identifier], at, record)
