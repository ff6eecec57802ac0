"""A feature group's definition, checked as CreateFeatureGroup checks it, and records checked against it
as PutRecord checks them.

AWS's rules (CreateFeatureGroup and PutRecord API references, and the Feature Store developer guide's
"Data types" and "Event time" pages): feature names are 1-64 characters of letters, digits, ``_`` and
``-``, starting with a letter or digit, unique ignoring case, and not one of the names the offline store
adds; the record identifier is Integral or String; the event time is String (ISO 8601,
``yyyy-MM-dd'T'HH:mm:ssZ`` or with milliseconds) or Fractional (seconds since the epoch).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.sagemaker.exceptions import ValidationError

if TYPE_CHECKING:
    import pyarrow as pa

FEATURE_TYPES = ("Integral", "Fractional", "String")
RESERVED_NAMES = frozenset({"is_deleted", "write_time", "api_invocation_time"})
"""Columns the offline store adds to every group."""
_FEATURE_NAME = re.compile(r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$")
_GROUP_NAME = re.compile(r"^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$")
ISO_EVENT_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$")
INTEGRAL = re.compile(r"^[-+]?\d+$")
FRACTIONAL = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
"""What a value of each numeric type looks like (the same patterns check a batch with Arrow's RE2)."""
MAX_FEATURES = 2500
MAX_ADDITIONS = 100


@dataclass
class FeatureGroupDefinition:
    name: str
    record_identifier: str
    event_time: str
    features: dict[str, str]
    """Feature name → type, in the order given."""
    online: bool = False
    offline: dict[str, Any] | None = None

    @classmethod
    def from_request(cls, request: dict[str, Any]) -> FeatureGroupDefinition:
        """Check a CreateFeatureGroup request; raise ValidationException naming the first problem."""
        name = request.get("FeatureGroupName") or ""
        if not _GROUP_NAME.match(name):
            raise ValidationError(
                f"1 validation error detected: Value '{name}' at 'featureGroupName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: "
                "^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}"
            )
        definitions = request.get("FeatureDefinitions") or []
        if not definitions or len(definitions) > MAX_FEATURES:
            raise ValidationError(f"FeatureDefinitions must hold from 1 to {MAX_FEATURES} features.")
        features = _checked_features(definitions, {})
        identifier = request.get("RecordIdentifierFeatureName")
        event_time_feature = request.get("EventTimeFeatureName")
        for role, feature, allowed in (
            ("RecordIdentifierFeatureName", identifier, ("Integral", "String")),
            ("EventTimeFeatureName", event_time_feature, ("Fractional", "String")),
        ):
            if feature not in features:
                raise ValidationError(f"The {role} '{feature}' is not among the FeatureDefinitions.")
            if features[feature] not in allowed:
                raise ValidationError(
                    f"The {role} '{feature}' has type {features[feature]}; it must be {' or '.join(allowed)}."
                )
        online = request.get("OnlineStoreConfig") or {}
        check_online_config(online)
        offline = request.get("OfflineStoreConfig")
        if not online.get("EnableOnlineStore") and not offline:
            raise ValidationError("At least one of OnlineStoreConfig and OfflineStoreConfig must be enabled.")
        if (offline or {}).get("TableFormat", "Glue") != "Glue":
            raise ValidationError(
                f"OfflineStoreConfig TableFormat {offline['TableFormat']} is not supported by the local "
                "emulator, which writes the Glue format (the default): leave TableFormat out to run locally."
            )
        return cls(
            name, identifier, event_time_feature, features, bool(online.get("EnableOnlineStore")), offline
        )

    def checked_additions(self, additions: list[dict[str, str]]) -> dict[str, str]:
        """UpdateFeatureGroup's ``FeatureAdditions``, checked against the group's features as
        CreateFeatureGroup checks a definition."""
        if not additions or len(additions) > MAX_ADDITIONS:
            raise ValidationError(f"FeatureAdditions must hold from 1 to {MAX_ADDITIONS} features.")
        added = _checked_features(additions, self.features)
        if len(self.features) + len(added) > MAX_FEATURES:
            raise ValidationError(f"A feature group holds at most {MAX_FEATURES} features.")
        return added

    def identifier_key(self, value: str) -> int | str:
        """How the online store knows a record: an Integral identifier by its number (``7`` and ``+7`` are one
        record), a String one as written."""
        integral = self.features[self.record_identifier] == "Integral" and INTEGRAL.fullmatch(value)
        return int(value) if integral else value

    def record(self, values: list[dict[str, str]]) -> tuple[datetime, dict[str, str]]:
        """A PutRecord ``Record``, checked (known features, each once, values of their type, the identifier
        and a valid event time present): its event time, and its values by feature."""
        record: dict[str, str] = {}
        for entry in values:
            feature, value = entry.get("FeatureName"), entry.get("ValueAsString")
            if feature not in self.features:
                raise ValidationError(f"Feature '{feature}' is not defined in feature group '{self.name}'.")
            if feature in record:
                raise ValidationError(f"Feature '{feature}' is given more than once.")
            if not value_fits(value, self.features[feature]):
                raise ValidationError(
                    f"Value '{value}' of feature '{feature}' is not of its type {self.features[feature]}."
                )
            record[feature] = value
        for feature in (self.record_identifier, self.event_time):
            if not record.get(feature):
                raise ValidationError(
                    f"The record has no value for '{feature}', which every record must have."
                )
        return event_time(record[self.event_time], self.features[self.event_time]), record


def check_online_config(online: dict[str, Any]) -> None:
    if online.get("TtlDuration"):
        raise ValidationError(
            "OnlineStoreConfig TtlDuration is not supported by the local emulator, whose online records do "
            "not expire: leave TtlDuration out to run locally."
        )


def _checked_features(definitions: list[dict[str, str]], known: dict[str, str]) -> dict[str, str]:
    """Feature name → type of ``definitions``, each checked, none clashing with ``known`` or another."""
    features: dict[str, str] = {}
    for definition in definitions:
        feature, kind = definition.get("FeatureName", ""), definition.get("FeatureType", "")
        if not _FEATURE_NAME.match(feature):
            raise ValidationError(
                f"Invalid FeatureName '{feature}': 1 to 64 letters, digits, '_' or '-', starting and "
                "ending with a letter or digit."
            )
        if feature.lower() in RESERVED_NAMES:
            raise ValidationError(
                f"Feature name '{feature}' is reserved: the offline store adds is_deleted, write_time "
                "and api_invocation_time to every feature group."
            )
        if feature.lower() in {name.lower() for name in [*known, *features]}:
            raise ValidationError(f"Feature name '{feature}' is defined more than once.")
        if kind not in FEATURE_TYPES:
            raise ValidationError(
                f"Invalid FeatureType '{kind}' for '{feature}': one of {', '.join(FEATURE_TYPES)}."
            )
        features[feature] = kind
    return features


def arrow_type(kind: str) -> pa.DataType:
    """The Arrow type of a feature type's values (as the offline store's parquet holds them)."""
    import pyarrow as pa

    return {"Integral": pa.int64(), "Fractional": pa.float64(), "String": pa.string()}[kind]


def value_fits(value: Any, kind: str) -> bool:
    if not isinstance(value, str):
        return False
    if kind == "Integral":
        return INTEGRAL.fullmatch(value) is not None and -(2**63) <= int(value) < 2**63
    if kind == "Fractional":
        return FRACTIONAL.fullmatch(value) is not None and math.isfinite(float(value))
    return True


def event_time(value: str, kind: str) -> datetime:
    """A record's event time; ValidationException when it is not one of AWS's formats."""
    if kind == "Fractional":
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (ValueError, OverflowError, OSError):
            pass
    elif ISO_EVENT_TIME.fullmatch(value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:  # month 13, day 32, ...
            pass
    raise ValidationError(
        f"Invalid event time '{value}': give yyyy-MM-ddTHH:mm:ssZ (or with milliseconds) for a String event "
        "time, seconds since the epoch for a Fractional one."
    )
