"""process_numeric, Scale values: Spark ML's standard and min-max scalers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.flow import load_flow
from scripts.flow.errors import NodeError, UnsupportedOperatorError
from tests.flow.builders import apply, dense, spark_model

FRAME = pd.DataFrame({"x": [1.0, 2.0, np.nan, 5.0], "n": [1, 1, 1, 1], "s": ["a", "b", "c", "d"]})


def scale(scaler: str, df: pd.DataFrame = FRAME, *, trained=None, refit=False, **settings):
    section = {
        "Standard scaler": "standard_scaler_parameters",
        "Min-max scaler": "min_max_scaler_parameters",
    }[scaler]
    parameters = {
        "operator": "Scale values",
        "scale_values_parameters": {"scaler": scaler, section: settings},
    }
    if trained is not None:
        trained = {"scale_values_parameters": {section: trained}}
    return apply("process_numeric", parameters, df, trained=trained, refit=refit)


def test_the_standard_scaler_divides_by_the_sample_deviation_without_centering_by_default():
    result, notes = scale("Standard scaler", input_column="x")

    std = np.std([1.0, 2.0, 5.0], ddof=1)
    np.testing.assert_allclose(result["x"].to_numpy(), [1 / std, 2 / std, np.nan, 5 / std])
    assert notes == ["no stored scaler_model: fitted on the data"]


def test_the_standard_scaler_centers_when_asked_and_writes_another_column():
    result, _ = scale("Standard scaler", input_column="x", center=True, output_column="z")

    std = np.std([1.0, 2.0, 5.0], ddof=1)
    assert list(result.columns) == ["x", "n", "s", "z"]
    np.testing.assert_allclose(
        result["z"].to_numpy(), [(1 - 8 / 3) / std, (2 - 8 / 3) / std, np.nan, (5 - 8 / 3) / std]
    )


def test_a_constant_column_scales_to_zero():
    result, _ = scale("Standard scaler", input_column="n")

    assert result["n"].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_stored_scaler_statistics_are_used_unless_a_refit_is_asked():
    model = spark_model({"class": "StandardScalerModel"}, [{"std": dense(2.0), "mean": dense(1.0)}])

    stored, _ = scale("Standard scaler", input_column="x", center=True, trained={"scaler_model": model})
    refitted, _ = scale(
        "Standard scaler", input_column="x", center=True, trained={"scaler_model": model}, refit=True
    )

    np.testing.assert_allclose(stored["x"].to_numpy(), [0.0, 0.5, np.nan, 2.0])
    assert not np.allclose(refitted["x"].to_numpy()[[0, 1, 3]], [0.0, 0.5, 2.0])


def test_the_hospital_flow_s_stored_scaler_decodes(shared_data):
    flow = load_flow(shared_data / "flows" / "public" / "hospital-readmission.flow")
    node = flow.node("947e216f-1485-4e8a-9a6c-5a3f18202206")  # std 202.92..., stored as a dense vector

    result, notes = apply(
        "process_numeric",
        node.parameters,
        pd.DataFrame({"diag_1_imputed": [202.92050069017316]}),
        trained=node.trained_parameters,
    )

    assert notes == []
    assert result["diag_1_imputed_scaler"].tolist() == [pytest.approx(1.0)]


def test_the_min_max_scaler_maps_onto_the_target_range():
    result, _ = scale("Min-max scaler", input_column="x", min=-1, max=1)

    np.testing.assert_allclose(result["x"].to_numpy(), [-1.0, -0.5, np.nan, 1.0])


def test_stored_min_max_statistics_and_a_constant_column():
    model = spark_model(
        {"class": "MinMaxScalerModel"}, [{"originalMin": dense(0.0), "originalMax": dense(10.0)}]
    )

    stored, _ = scale("Min-max scaler", input_column="x", trained={"scaler_model": model})
    constant, _ = scale("Min-max scaler", input_column="n", min=0, max=4)

    np.testing.assert_allclose(stored["x"].to_numpy(), [0.1, 0.2, np.nan, 0.5])
    assert constant["n"].tolist() == [2.0, 2.0, 2.0, 2.0]


def test_a_text_column_is_refused():
    with pytest.raises(NodeError, match="column 's' is not numeric: cast it to long or float first"):
        scale("Standard scaler", input_column="s")


def test_other_scalers_are_refused():
    parameters = {"operator": "Scale values", "scale_values_parameters": {"scaler": "Robust scaler"}}

    with pytest.raises(UnsupportedOperatorError, match=r"scale_values_parameters\.scaler='Robust scaler'"):
        apply("process_numeric", parameters, FRAME)
