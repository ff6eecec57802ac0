"""The dataset metadata and the feature-group definition agree with each other and with AWS's rules."""

import hashlib
import json
import re

import pytest

from tests.conftest import PROJECT_ROOT

DATASET = json.loads((PROJECT_ROOT / "data" / "abalone.dataset.json").read_text())
FEATURE_GROUP = json.loads((PROJECT_ROOT / "data" / "abalone.fg.json").read_text())
SHARED_COPY = PROJECT_ROOT.parent / "shared" / "data" / "abalone.data"
FEATURE_NAME = re.compile(r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$")


def test_every_measured_column_becomes_a_feature_and_sex_is_one_hot_encoded():
    features = [d["FeatureName"] for d in FEATURE_GROUP["FeatureDefinitions"]]
    measured = [c["name"] for c in DATASET["columns"] if c["name"] != "sex"]
    sexes = next(c["values"] for c in DATASET["columns"] if c["name"] == "sex")
    expected = {*measured, *DATASET["prepared_file"]["leading_columns"], *(f"sex_{s}" for s in sexes)}
    assert set(features) == expected | {"record_time"}
    assert len(features) == len(set(features)) == 13


def test_identifier_and_event_time_are_valid_features():
    types = {d["FeatureName"]: d["FeatureType"] for d in FEATURE_GROUP["FeatureDefinitions"]}
    assert types[FEATURE_GROUP["RecordIdentifierFeatureName"]] in {"Integral", "String"}
    assert types[FEATURE_GROUP["EventTimeFeatureName"]] in {"Fractional", "String"}
    assert all(FEATURE_NAME.match(name) for name in types)
    assert set(types.values()) <= {"Integral", "Fractional", "String"}


@pytest.mark.skipif(not SHARED_COPY.is_file(), reason="no copy of the public dataset beside the project")
def test_the_recorded_checksum_size_and_rows_match_the_public_file():
    body = SHARED_COPY.read_bytes()
    assert hashlib.sha256(body).hexdigest() == DATASET["source"]["sha256"]
    assert len(body) == DATASET["source"]["bytes"]
    rows = body.decode().splitlines()
    assert len(rows) == DATASET["source"]["rows"]
    assert len(rows[0].split(",")) == len(DATASET["columns"])
