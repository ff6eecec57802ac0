"""The walkthrough notebooks, headless, in order, against a fresh emulator, as a person runs them once the
platform engineer has published the template: 00-setup, 01, then 99-clean-up twice. Each notebook runs in
a kernel of the project's Python, with the emulator's environment; the tests check what the notebooks
said and, through the emulator's APIs, what they did."""

from __future__ import annotations

import contextlib
import io
import json
import re

import pytest

from scripts import abalone, offline_store
from scripts.notebooks.__main__ import publish_if_missing
from scripts.notebooks.execute import NotebookFailedError, execute, text_outputs
from scripts.project_stack import DEFAULT_BUCKET, pointed_at
from tests.local import notebook_runs
from tests.local.conftest import ABALONE_ORIGIN
from tests.local.notebook_runs import run

GROUP = "abalone-walkthrough"
PROJECT = notebook_runs.PROJECT
ATHENA_OUTPUT = f"s3://{DEFAULT_BUCKET}/athena-results/tests/"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("walkthrough")


@pytest.fixture(scope="module")
def published(emulator, workspace) -> list[str]:
    """The template published as `make notebooks DELIVERY=both` publishes it into an empty emulator, then
    asked again (01 takes the product; 99 also withdraws the S3 delivery)."""
    said = []
    for _ in range(2):
        output = io.StringIO()
        with pointed_at(emulator.endpoint, workspace, DELIVERY="both"), contextlib.redirect_stdout(output):
            publish_if_missing(workspace / "build")
        said.append(output.getvalue())
    return said


def test_make_notebooks_publishes_the_template_into_an_empty_emulator_once(published):
    assert published[0].startswith("The emulator has no project template yet: publishing it")
    assert "CREATE_COMPLETE" in published[0]
    assert published[1] == "The project template is published (stack sagemaker-fs-ingestion-portfolio)\n"


@pytest.fixture(scope="module")
def kernel_environment(emulator, workspace, published) -> dict[str, str]:
    """01 takes the Service Catalog product the walkthrough publishes (DELIVERY unset)."""
    return notebook_runs.kernel_environment(emulator.endpoint, workspace)


def plots(notebook) -> int:
    """How many figures the notebook's cells displayed."""
    return sum(
        "image/png" in output.get("data", {}) for cell in notebook.cells for output in cell.get("outputs", [])
    )


@pytest.fixture(scope="module")
def setup_notebook(kernel_environment):
    return execute("00-setup.ipynb", kernel_environment)


@pytest.fixture(scope="module")
def setup_output(setup_notebook) -> str:
    return text_outputs(setup_notebook)


@pytest.fixture(scope="module")
def ingest_notebook(kernel_environment, setup_notebook):
    return execute("01-feature-store-ingest-pipeline.ipynb", kernel_environment)


@pytest.fixture(scope="module")
def ingest_output(ingest_notebook) -> str:
    return text_outputs(ingest_notebook)


def test_setup_prepares_the_data_the_flow_and_an_empty_feature_group(
    emulator, workspace, setup_notebook, setup_output
):
    assert plots(setup_notebook) == 1  # the dataset explored
    assert "target:         the local AWS emulator at http://127.0.0.1:" in setup_output
    assert ABALONE_ORIGIN in setup_output
    assert "abalone.csv: 4,177 rows; columns: record_id, sex, length" in setup_output
    assert "The flow's output has exactly the feature group's features" in setup_output
    assert "online store, record 0: no record" in setup_output
    assert re.search(r"offline store \(.*\): 0 rows", setup_output)

    sagemaker = emulator.client("sagemaker")
    assert sagemaker.describe_feature_group(FeatureGroupName=GROUP)["FeatureGroupStatus"] == "Created"
    flow = emulator.client("s3").get_object(
        Bucket=DEFAULT_BUCKET, Key="feature-store-ingestion/flows/abalone.flow"
    )
    text = flow["Body"].read().decode()
    # Generated from code for this account: no one else's account id, the source in the user's own bucket.
    assert set(re.findall(r"\d{12}", text)) == {emulator.account}
    source = f"s3://{DEFAULT_BUCKET}/feature-store-ingestion/incoming/abalone.csv"
    assert json.loads(text) == abalone.flow(source).to_dict()
    handed_on = json.loads((workspace / "work" / "walkthrough.json").read_text())
    assert handed_on["feature_group"] == GROUP and handed_on["bucket"] == DEFAULT_BUCKET


def test_the_pipeline_run_by_an_upload_fills_the_feature_group(emulator, ingest_notebook, ingest_output):
    assert plots(ingest_notebook) == 1  # a feature before and after scaling
    assert re.search(r"project fs-ingestion-walkthrough: p-[a-z0-9]{12}", ingest_output)
    assert "Source Succeeded, Build Succeeded" in ingest_output
    assert "step datawrangler-processing-to-feature-store: Processing" in ingest_output
    assert "Succeeded: datawrangler-processing-to-feature-store Succeeded" in ingest_output
    assert ": 4,177 rows, 4,177 records" in ingest_output
    assert "latest version of each record: 4,177 rows" in ingest_output
    assert re.search(r"after:  mean -?0\.000, std 1\.000", ingest_output)

    runtime = emulator.client("sagemaker-featurestore-runtime")
    found = 0
    for first in range(0, 4177, 100):
        answer = runtime.batch_get_record(
            Identifiers=[
                {
                    "FeatureGroupName": GROUP,
                    "RecordIdentifiersValueAsString": [str(i) for i in range(first, min(first + 100, 4177))],
                }
            ]
        )
        assert not answer["Errors"] and not answer["UnprocessedIdentifiers"]
        found += len(answer["Records"])
    assert found == 4177
    athena, sagemaker = emulator.client("athena"), emulator.client("sagemaker")
    table = offline_store.offline_table(sagemaker, GROUP)
    [[distinct]] = offline_store.query(
        athena, f"SELECT count(DISTINCT record_id) FROM {table}", ATHENA_OUTPUT
    )[1]
    assert int(distinct) == 4177


def test_clean_up_without_anyone_to_answer_deletes_nothing(emulator, kernel_environment, ingest_output):
    with pytest.raises(
        NotebookFailedError,
        match=r"99-clean-up.ipynb failed: NoOneToAskError: Delete project "
        r"fs-ingestion-walkthrough .*there is no one to answer \(no input\); set ASSUME_YES=1",
    ):
        run("99-clean-up.ipynb", kernel_environment)
    [project] = emulator.client("sagemaker").list_projects()["ProjectSummaryList"]
    assert project["ProjectName"] == PROJECT and project["ProjectStatus"] == "CreateCompleted"
    assert emulator.client("sagemaker").describe_feature_group(FeatureGroupName=GROUP)


def test_clean_up_leaves_nothing_of_ours_and_a_second_run_is_harmless(
    emulator, kernel_environment, ingest_output
):
    first = run("99-clean-up.ipynb", kernel_environment, ASSUME_YES="1")
    assert "Delete project fs-ingestion-walkthrough" in first and "DELETE_COMPLETE" in first

    sagemaker, s3 = emulator.client("sagemaker"), emulator.client("s3")
    assert sagemaker.list_projects()["ProjectSummaryList"] == []
    with pytest.raises(sagemaker.exceptions.ResourceNotFound):
        sagemaker.describe_feature_group(FeatureGroupName=GROUP)
    tables = emulator.client("glue").get_tables(DatabaseName="sagemaker_featurestore")["TableList"]
    assert [t["Name"] for t in tables if t["Name"].startswith("abalone_walkthrough")] == []
    for prefix in ("feature-store-ingestion/", "feature-store/", "athena-results/walkthrough/"):
        listed = s3.list_object_versions(Bucket=DEFAULT_BUCKET, Prefix=prefix)
        assert not listed.get("Versions") and not listed.get("DeleteMarkers"), prefix
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert [b for b in buckets if b.startswith("sagemaker-fsi-")] == []
    stacks = emulator.client("cloudformation").list_stacks()["StackSummaries"]
    assert {s["StackStatus"] for s in stacks} == {"DELETE_COMPLETE"}
    assert emulator.client("servicecatalog").list_portfolios()["PortfolioDetails"] == []
    assert "Withdrawing the S3-delivered template" in first
    [domain] = sagemaker.list_domains()["Domains"]
    assert sagemaker.list_tags(ResourceArn=domain["DomainArn"])["Tags"] == []

    second = run("99-clean-up.ipynb", kernel_environment, ASSUME_YES="1")
    assert "projects from the template: 0" in second
    assert f"Feature group {GROUP}: not found, nothing to delete" in second
    assert "Portfolio stack sagemaker-fs-ingestion-portfolio: not found, nothing to delete" in second
    assert "Clean-up done." in second
