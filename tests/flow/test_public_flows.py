"""Every public flow in ``../shared/data/flows/public`` runs on data generated from its schema, or
stops with the unsupported-operator error naming the first node that needs SageMaker."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scripts.flow import Flow, load_flow, run_flow
from scripts.flow.errors import MissingColumnError, UnsupportedOperatorError
from scripts.flow.operators.cast import trained_schema
from scripts.flow.operators.trained import decode_model
from tests.flow.conftest import SHARED_DATA

PUBLIC = SHARED_DATA / "flows" / "public"
ROWS = 40


@dataclass(frozen=True)
class Runs:
    refit: bool = False  # needed when the stored labels lack values the flow's later nodes expect
    schema: Mapping[str, str] = field(default_factory=dict)  # for a flow that stores none


@dataclass(frozen=True)
class Stops:
    node_id: str
    operator: str


# What each public flow does locally; the README's table says the same.
EXPECTED = {
    "dummy_recipe.flow": Runs(),
    "orders.flow": Runs(),
    "mlops-claims.flow": Runs(
        schema={
            "policy_id": "long",
            "driver_relationship": "string",
            "incident_type": "string",
            "collision_type": "string",
            "authorities_contacted": "string",
            "incident_severity": "string",
            "police_report_available": "string",
            "total_claim_amount": "long",
            "vehicle_claim": "long",
            "injury_claim": "long",
        }
    ),
    # Its stored gender labels are male and female only, yet later nodes cast customer_gender_unkown
    # and customer_gender_other: Data Wrangler refitted them (see the README).
    "mlops-customers.flow": Runs(refit=True),
    "hospital-readmission.flow": Stops(
        "7851b37e-e963-4c3c-a9d8-f7b605761810", "sagemaker.spark.search_and_edit_0.1"
    ),
    "hotel-booking.flow": Stops("c40971ea-66ec-489f-b985-9cc09586ed97", "sagemaker.spark.custom_pyspark_0.1"),
    "join.flow": Stops("307f42ba-6711-4ea5-bf9f-ad924dd05a2c", "sagemaker.spark.custom_formula_0.1"),
}

pytestmark = pytest.mark.skipif(
    not PUBLIC.is_dir(), reason=f"{PUBLIC} is absent: the public flows live there"
)


def test_every_public_flow_has_an_expected_outcome():
    assert sorted(path.name for path in PUBLIC.glob("*.flow")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_public_flow_runs_or_stops_at_an_unsupported_operator(name, tmp_path):
    flow = load_flow(PUBLIC / name)
    expected = EXPECTED[name]
    schema = expected.schema if isinstance(expected, Runs) else {}
    inputs = generated_inputs(flow, tmp_path, schema)

    if isinstance(expected, Stops):
        with pytest.raises(UnsupportedOperatorError) as error:
            run_flow(flow, inputs, tmp_path / "out")
        label = flow.node(expected.node_id).label
        assert str(error.value).startswith(f"node {expected.node_id} ({label}): {expected.operator}")
        assert str(error.value).endswith("run this flow on SageMaker (a Data Wrangler processing job)")
    else:
        result = run_flow(flow, inputs, tmp_path / "out", refit=expected.refit, fixed_time=0.0)
        assert result.rows == ROWS
        assert len(pd.read_csv(result.path)) == ROWS


def generated_inputs(flow: Flow, directory: Path, schema: Mapping[str, str]) -> dict[str, Path]:
    """One CSV per source: the columns and types of the schema its type node stores (or ``schema``),
    categorical columns drawn from the labels the flow's encoders know."""
    labels = known_labels(flow)
    inputs = {}
    for node in flow.sources:
        reader = next(
            n for n in flow.nodes.values() if any(edge.node_id == node.node_id for edge in n.inputs)
        )
        columns = trained_schema(reader) or schema
        dataset = node.parameters["dataset_definition"]["name"]
        frame = pd.DataFrame(
            {column: values(column, kind, labels.get(column)) for column, kind in columns.items()}
        )
        frame.to_csv(directory / dataset, index=False)
        inputs[dataset] = directory / dataset
    return inputs


def values(column: str, kind: str, labels: list[str] | None) -> list:
    rng = np.random.default_rng(len(column))
    if labels and kind == "string":
        return [labels[i % len(labels)] for i in range(ROWS)]
    return {
        "long": lambda: rng.integers(0, 100, ROWS).tolist(),
        "float": lambda: rng.uniform(0, 100, ROWS).round(2).tolist(),
        "bool": lambda: ["true", "false"] * (ROWS // 2),
        "date": lambda: [f"2021-01-{1 + i % 28:02d}" for i in range(ROWS)],
        "datetime": lambda: [f"2021-01-01 {i % 24:02d}:00:00" for i in range(ROWS)],
        "string": lambda: [f"{column}-{i % 5}" for i in range(ROWS)],
    }[kind]()


def known_labels(flow: Flow) -> dict[str, list[str]]:
    """Each encoded column's stored labels, plus the labels later nodes name (``<column>_<label>``)."""
    labels: dict[str, list[str]] = {}
    for node in flow.nodes.values():
        if node.family != "encode_categorical":
            continue
        section = (
            "one_hot_encode_parameters"
            if node.sub_operator == "One-hot encode"
            else "ordinal_encode_parameters"
        )
        columns = node.parameters[section]["input_column"]
        trained = (node.trained_parameters or {})[section]
        for column, model in zip(
            [columns] if isinstance(columns, str) else columns,
            [trained] if isinstance(trained, dict) else trained,
            strict=True,
        ):
            labels[column] = decode_model(model["string_indexer_model"]).rows[0]["labelsArray"][0]
    for text in strings_in(flow):
        for column, known in labels.items():
            if text.startswith(f"{column}_") and text[len(column) + 1 :] not in known:
                known.append(text[len(column) + 1 :])
    return labels


def strings_in(flow: Flow) -> Iterator[str]:
    def walk(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for node in flow.nodes.values():
        yield from walk(node.parameters)


def test_with_its_stored_labels_mlops_customers_stops_where_the_missing_label_is_needed(tmp_path):
    flow = load_flow(PUBLIC / "mlops-customers.flow")
    notes: list[str] = []

    with pytest.raises(MissingColumnError) as error:
        run_flow(
            flow,
            generated_inputs(flow, tmp_path, {}),
            tmp_path / "out",
            progress=lambda report: notes.extend(report.notes),
        )
    assert str(error.value).startswith(
        "node a38c7be6-7fdb-4445-95b9-065b4a88eab5 (cast_single_data_type): "
        "its input has no column 'customer_gender_unkown'"
    )
    assert any("the stored labels lack (e.g. 'other', 'unkown')" in note for note in notes)
