"""A processing job's output is checked as columns, with PutRecord's rules and messages: for every value a
test names, the batch check and the single-record check agree on whether it fits and on the message. The
online store keeps batches as layers and still answers as one store: the latest event time wins, then the
latest write."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
from moto.sagemaker.exceptions import ValidationError

from scripts.local.sagemaker.featurestore import batches
from scripts.local.sagemaker.featurestore.definitions import FeatureGroupDefinition
from scripts.local.sagemaker.featurestore.online_store import OnlineStore


def definition(event_time_kind: str = "Fractional") -> FeatureGroupDefinition:
    features = {
        "id": "Integral",
        "at": event_time_kind,
        "size": "Fractional",
        "rings": "Integral",
        "sex": "String",
    }
    return FeatureGroupDefinition("g", "id", "at", features, online=True)


GOOD = {"id": "1", "at": "1700000000", "size": "0.455", "rings": "7", "sex": "M"}


def table(rows: list[dict[str, str | None]]) -> pa.Table:
    names = list(rows[0])
    return pa.table({name: pa.array([row.get(name) for row in rows], pa.string()) for name in names})


def single_record_message(group: FeatureGroupDefinition, row: dict[str, str | None]) -> str | None:
    record = [{"FeatureName": name, "ValueAsString": value} for name, value in row.items() if value]
    try:
        group.record(record)
    except ValidationError as error:
        return error.message
    return None


@pytest.mark.parametrize(
    ("feature", "value"),
    [
        ("rings", "12"),
        ("rings", "+7"),
        ("rings", "-0"),
        ("rings", "9223372036854775807"),
        ("rings", "9223372036854775808"),
        ("rings", "-99999999999999999999"),
        ("rings", "1.5"),
        ("rings", "seven"),
        ("rings", " 7"),
        ("size", ".5"),
        ("size", "5."),
        ("size", "-1.5e-3"),
        ("size", "1e999"),
        ("size", "nan"),
        ("size", "inf"),
        ("size", "1_000"),
        ("size", "0x10"),
        ("sex", "anything at all"),
        ("id", ""),
        ("id", None),
        ("at", "1e20"),
        ("at", "-1e12"),
        ("at", "abc"),
    ],
)
def test_the_batch_check_agrees_with_the_record_check(feature, value):
    group = definition()
    bad_row = {**GOOD, "id": "3", feature: value}
    rows = [GOOD, {**GOOD, "id": "2"}, bad_row]
    expected = single_record_message(group, bad_row)

    if expected is None:
        checked = batches.checked(group, table(rows))
        assert checked.values(2) == {name: text for name, text in bad_row.items() if text}
    else:
        with pytest.raises(batches.RecordRejected) as rejected:
            batches.checked(group, table(rows))
        assert (rejected.value.row, rejected.value.message) == (3, expected)


@pytest.mark.parametrize(
    "value",
    ["2026-12-01T09:30:05Z", "2026-12-01T09:30:05.123Z", "2026-13-01T09:30:05Z", "2026-12-01 09:30:05"],
)
def test_string_event_times_agree_with_the_record_check(value):
    group = definition("String")
    row = {**GOOD, "at": value}
    expected = single_record_message(group, row)
    if expected is None:
        seconds = batches.checked(group, table([row])).event_seconds[0]
        assert seconds == datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    else:
        with pytest.raises(batches.RecordRejected) as rejected:
            batches.checked(group, table([row]))
        assert rejected.value.message == expected


def test_typed_columns_are_checked_by_what_their_values_read_as():
    group = definition()
    typed = pa.table(
        {
            "id": pa.array([1, 2, 3]),
            "at": pa.array([1.7e9, 1.7e9, 1.7e9]),
            "size": pa.array([1, 2, None]),  # integers are Fractional values; a null is a missing value
            "rings": pa.array([7.0, None, 9.0]),  # but 7.0 reads "7.0", which is not an Integral value
        }
    )
    with pytest.raises(batches.RecordRejected) as rejected:
        batches.checked(group, typed)
    assert rejected.value.row == 1
    assert rejected.value.message == "Value '7.0' of feature 'rings' is not of its type Integral."

    checked = batches.checked(group, typed.drop_columns(["rings"]))
    assert checked.typed.column("size").to_pylist() == [1.0, 2.0, None]
    assert checked.identifiers == [1, 2, 3]  # the online store's keys: Integral identifiers by number
    assert checked.values(2) == {"id": "3", "at": "1700000000.0"}


def test_an_unknown_column_or_a_missing_required_one_is_refused_at_its_first_row():
    group = definition()
    with pytest.raises(batches.RecordRejected, match="Feature 'colour' is not defined in feature group 'g'"):
        batches.checked(group, table([{**GOOD, "colour": None}, {**GOOD, "colour": "red"}]))
    without_time = {name: value for name, value in GOOD.items() if name != "at"}
    with pytest.raises(batches.RecordRejected, match="The record has no value for 'at'") as rejected:
        batches.checked(group, table([without_time]))
    assert rejected.value.row == 1


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def batch_of(*rows: tuple[str, int, str]) -> batches.TypedBatch:
    """Rows of (id, event time, sex)."""
    return batches.checked(definition(), table([{"id": i, "at": str(t), "sex": sex} for i, t, sex in rows]))


def test_the_latest_event_time_wins_across_batches_and_single_writes():
    """Keys are what FeatureGroupDefinition.identifier_key gives: numbers for this group's identifier."""
    store = OnlineStore()
    store.put_batch("g", batch_of(("1", 100, "M"), ("1", 300, "F"), ("1", 200, "I"), ("2", 100, "M")))
    assert store.get("g", 1)["sex"] == "F"  # the batch's own latest

    store.put("g", 1, at(250), {"id": "1", "at": "250", "sex": "I"})  # older than the batch's: ignored
    assert store.get("g", 1)["sex"] == "F"
    store.put("g", 1, at(300), {"id": "1", "at": "300", "sex": "I"})  # same time, later write: wins
    assert store.get("g", 1)["sex"] == "I"
    store.put_batch("g", batch_of(("1", 300, "M")))  # a later batch of the same time wins again
    assert store.get("g", 1)["sex"] == "M"

    store.delete("g", 2, at(50), hard=False)  # older than the record: ignored
    assert store.get("g", 2)["sex"] == "M"
    store.delete("g", 2, at(150), hard=False)
    assert store.get("g", 2) is None
    store.put_batch("g", batch_of(("2", 120, "F")))  # older than the delete: still deleted
    assert store.get("g", 2) is None

    store.delete("g", 1, at(400), hard=True)  # forgets every layer's record
    assert store.get("g", 1) is None
    store.put("g", 1, at(10), {"id": "1", "at": "10", "sex": "F"})
    assert store.get("g", 1)["sex"] == "F"


def test_an_integral_identifier_is_one_record_however_it_is_written():
    group = definition()
    assert group.identifier_key("7") == group.identifier_key("+7") == group.identifier_key("007") == 7
    assert group.identifier_key("seven") == "seven"  # no record has it
    strings = FeatureGroupDefinition("s", "id", "at", {"id": "String", "at": "Fractional"}, online=True)
    assert strings.identifier_key("007") == "007"
