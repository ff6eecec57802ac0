"""The dataset metadata and the feature-group definition agree with each other and with AWS's rules."""

import datetime
import hashlib
import json
import re

import pandas as pd
import pytest

from scripts import abalone
from scripts.bench.flow_runner import abalone_frame
from scripts.flow import load_flow, run_flow
from tests.conftest import PROJECT_ROOT

DATASET = json.loads((PROJECT_ROOT / "data" / "abalone.dataset.json").read_text())
FEATURE_GROUP = json.loads((PROJECT_ROOT / "data" / "abalone.fg.json").read_text())
FLOW = PROJECT_ROOT / "data" / "abalone.flow"
PREPARED = DATASET["prepared_file"]
SHARED_COPY = PROJECT_ROOT.parent / "shared" / "data" / "abalone.data"
FEATURE_NAME = re.compile(r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$")


def test_every_measured_column_becomes_a_feature_and_sex_is_one_hot_encoded():
    features = [d["FeatureName"] for d in FEATURE_GROUP["FeatureDefinitions"]]
    measured = [c["name"] for c in DATASET["columns"] if c["name"] != "sex"]
    sexes = next(c["values"] for c in DATASET["columns"] if c["name"] == "sex")
    prepared_only = [*PREPARED["leading_columns"], *PREPARED["trailing_columns"]]
    assert set(features) == {*measured, *prepared_only, *(f"sex_{s}" for s in sexes)}
    assert len(features) == len(set(features)) == 13


def test_the_prepared_file_is_the_dataset_between_its_identifier_and_its_event_time():
    prepared = abalone.prepare(abalone_frame(5, source=None))

    assert list(prepared.columns) == [
        *PREPARED["leading_columns"],
        *(c["name"] for c in DATASET["columns"]),
        *PREPARED["trailing_columns"],
    ]
    assert PREPARED["leading_columns"] == [FEATURE_GROUP["RecordIdentifierFeatureName"]]
    assert PREPARED["trailing_columns"] == [FEATURE_GROUP["EventTimeFeatureName"]]
    assert prepared["record_id"].tolist() == [0, 1, 2, 3, 4]
    assert set(prepared["record_time"]) == {PREPARED["record_time"]["value"]}


def test_the_event_time_is_a_fixed_documented_instant_and_preparing_twice_gives_the_same_bytes(tmp_path):
    record_time = PREPARED["record_time"]
    stated = datetime.datetime.fromisoformat(record_time["utc"].replace("Z", "+00:00"))

    assert stated.timestamp() == record_time["value"] == abalone.record_time()
    rows = abalone_frame(50, source=None)
    first = abalone.write_prepared(rows, tmp_path / "first.csv").read_bytes()
    second = abalone.write_prepared(rows, tmp_path / "second.csv").read_bytes()
    assert first == second
    assert first.splitlines()[1].endswith(b",817776000.0")


def test_the_flow_s_trained_schema_is_the_prepared_file_s_columns():
    nodes = json.loads(FLOW.read_text())["nodes"]
    (cast,) = (node for node in nodes if node["operator"] == "sagemaker.spark.infer_and_cast_type_0.1")
    schema = cast["trained_parameters"]["schema"]
    types = {d["FeatureName"]: d["FeatureType"] for d in FEATURE_GROUP["FeatureDefinitions"]}
    event_time = FEATURE_GROUP["EventTimeFeatureName"]

    assert list(schema) == list(abalone.prepare(abalone_frame(1, source=None)).columns)
    assert schema[FEATURE_GROUP["RecordIdentifierFeatureName"]] == "long"
    assert (schema[event_time], types[event_time]) == ("float", "Fractional")


def test_the_feature_group_s_identifier_and_event_time_come_out_of_the_flow_unchanged(tmp_path):
    source = abalone.write_prepared(abalone_frame(30, source=None), tmp_path / "abalone.csv")
    result = run_flow(load_flow(FLOW), {"abalone.csv": source}, tmp_path / "out")

    written, prepared = pd.read_csv(result.path), pd.read_csv(source)
    assert list(written.columns) == [d["FeatureName"] for d in FEATURE_GROUP["FeatureDefinitions"]]
    for feature in (FEATURE_GROUP["RecordIdentifierFeatureName"], FEATURE_GROUP["EventTimeFeatureName"]):
        assert written[feature].tolist() == prepared[feature].tolist()


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
