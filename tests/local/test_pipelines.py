"""SageMaker pipeline executions run in the emulator: the seed's own build upserts its pipeline, an execution
runs the Data Wrangler step with the local flow runner and ingests into the Feature Store, where GetRecord and
Athena find every row; bad inputs fail the execution with a reason and write nothing."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from botocore.exceptions import ClientError

from scripts import abalone
from scripts.seed_build import SeedBuild
from tests.conftest import PROJECT_ROOT

ABALONE_DATA = PROJECT_ROOT.parent / "shared" / "data" / "abalone.data"
BUCKET = "sagemaker-us-east-1-123456789012"
PIPELINE = "sagemaker-fsi-p-local1-pipeline"
GROUP = "abalone-fg"
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-local"

pytestmark = pytest.mark.skipif(
    not ABALONE_DATA.is_file(), reason="no copy of the public dataset beside the project"
)


def wait(sagemaker, arn: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
        if (
            described["PipelineExecutionStatus"] not in ("Executing", "Stopping")
            or time.monotonic() > deadline
        ):
            return described
        time.sleep(0.1)


def step(sagemaker, arn: str) -> dict:
    [found] = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
    return found


def upload_data(s3, key: str, body: bytes) -> dict[str, str]:
    """The object and a manifest naming exactly it, as the seed's Lambda writes one."""
    s3.put_object(Bucket=BUCKET, Key=f"data/{key}", Body=body)
    manifest = json.dumps([{"prefix": f"s3://{BUCKET}/data/"}, key])
    s3.put_object(Bucket=BUCKET, Key=f"manifests/{key}.json", Body=manifest)
    return {
        "InputDataUrl": f"s3://{BUCKET}/data/{key}",
        "InputManifestUrl": f"s3://{BUCKET}/manifests/{key}.json",
    }


def start(sagemaker, pipeline: str, parameters: dict[str, str], **extra) -> str:
    given = [{"Name": name, "Value": value} for name, value in parameters.items()]
    return sagemaker.start_pipeline_execution(PipelineName=pipeline, PipelineParameters=given, **extra)[
        "PipelineExecutionArn"
    ]


@pytest.fixture(scope="module")
def seeded(emulator, tmp_path_factory) -> dict:
    """The feature group from data/abalone.fg.json, the flow in S3, and the pipeline the seed's build.py
    upserts, as CodeBuild runs it (environment variables, the emulator as its AWS)."""
    sagemaker, s3 = emulator.client("sagemaker"), emulator.client("s3")
    definition = json.loads((PROJECT_ROOT / "data" / "abalone.fg.json").read_text())
    sagemaker.create_feature_group(
        FeatureGroupName=GROUP,
        OnlineStoreConfig={"EnableOnlineStore": True},
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store"}},
        RoleArn=ROLE,
        **definition,
    )
    s3.put_object(
        Bucket=BUCKET, Key="flows/abalone.flow", Body=(PROJECT_ROOT / "data" / "abalone.flow").read_bytes()
    )
    built = SeedBuild(
        project_name="local",
        project_id="p-local1",
        pipeline_name=PIPELINE,
        flow_url=f"s3://{BUCKET}/flows/abalone.flow",
        feature_group=GROUP,
        role_arn=ROLE,
        artifact_bucket=BUCKET,
        processing_job_prefix="sagemaker-fsi-p-local1",
    ).run(emulator.endpoint, "us-east-1", timeout=120)
    assert built.returncode == 0, built.stderr
    prepared = tmp_path_factory.mktemp("abalone") / "abalone.csv"
    abalone.write_prepared(abalone.read_raw(ABALONE_DATA), prepared)
    return {"csv": prepared.read_bytes(), "definition": sagemaker.describe_pipeline(PipelineName=PIPELINE)}


def test_the_seed_pipeline_ingests_every_row_where_getrecord_and_athena_find_it(
    emulator, seeded, sdk_session
):
    sagemaker = emulator.client("sagemaker")
    parameters = upload_data(emulator.client("s3"), "abalone.csv", seeded["csv"])
    arn = start(sagemaker, PIPELINE, parameters, ClientRequestToken="abalone-upload-000000000000000000001")
    assert (
        sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
        == "Executing"
    )

    from sagemaker.feature_store.feature_group import FeatureGroup
    from sagemaker.workflow.pipeline import _PipelineExecution

    session = sdk_session
    _PipelineExecution(arn=arn, sagemaker_session=session).wait(delay=1, max_attempts=60)

    described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    assert described["PipelineExecutionStatus"] == "Succeeded"
    ran = step(sagemaker, arn)
    assert ran["StepStatus"] == "Succeeded"
    assert ":processing-job/sagemaker-fsi-p-local1" in ran["Metadata"]["ProcessingJob"]["Arn"]
    job_name = ran["Metadata"]["ProcessingJob"]["Arn"].rsplit("/", 1)[1]
    job = sagemaker.describe_processing_job(ProcessingJobName=job_name)
    assert job["ProcessingJobStatus"] == "Completed"
    assert job["ProcessingResources"]["ClusterConfig"]["InstanceType"] == "ml.m5.4xlarge"
    assert [i["InputName"] for i in job["ProcessingInputs"]] == ["flow", "abalone.csv"]
    listed = sagemaker.list_processing_jobs(NameContains=job_name)["ProcessingJobSummaries"]
    assert [j["ProcessingJobName"] for j in listed] == [job_name]
    logged = emulator.client("logs").filter_log_events(
        logGroupName="/aws/sagemaker/ProcessingJobs", logStreamNamePrefix=job_name
    )["events"]
    assert (
        logged[-2]["message"]
        == "wrote 4177 rows to " + job["ProcessingOutputConfig"]["Outputs"][0]["OutputName"]
    )
    assert re.fullmatch(
        r"ingested 4177 records \(checked in [\d.]+ s, offline store written in [\d.]+ s, online store in "
        r"[\d.]+ s\) into feature group abalone-fg",
        logged[-1]["message"],
    )
    assert len(logged) > 5  # one line per node of the flow

    runtime = emulator.client("sagemaker-featurestore-runtime")
    record = runtime.get_record(FeatureGroupName=GROUP, RecordIdentifierValueAsString="1")["Record"]
    assert {f["FeatureName"] for f in record} >= {"record_id", "record_time", "rings"}

    athena_query = FeatureGroup(GROUP, sagemaker_session=session).athena_query()
    athena_query.run(f'SELECT count(*) AS records FROM "{athena_query.table_name}"', f"s3://{BUCKET}/athena/")
    athena_query.wait()
    assert athena_query.as_dataframe().to_dict("records") == [{"records": 4177}]

    again = start(sagemaker, PIPELINE, parameters, ClientRequestToken="abalone-upload-000000000000000000001")
    assert again == arn  # the same token is the same execution, as on AWS


def test_parameters_are_checked_when_the_execution_starts(emulator, seeded):
    sagemaker = emulator.client("sagemaker")
    for parameters, message in (
        ({"InputManifestUrl": "s3://x/y"}, "Parameters ['InputDataUrl'] have no default value"),
        ({"InputDataUrl": "a", "InputManifestUrl": "b", "Extra": "c"}, "Parameter 'Extra' is not defined"),
        ({"InputDataUrl": "a", "InputManifestUrl": "b", "ProcessingInstanceCount": "two"}, "of type Integer"),
    ):
        with pytest.raises(ClientError) as refused:
            start(sagemaker, PIPELINE, parameters)
        assert message in refused.value.response["Error"]["Message"]


def variant(emulator, seeded, name: str, change) -> str:
    """A pipeline with the seed's definition, changed by ``change(definition)``."""
    definition = json.loads(seeded["definition"]["PipelineDefinition"])
    change(definition)
    emulator.client("sagemaker").create_pipeline(
        PipelineName=name, PipelineDefinition=json.dumps(definition), RoleArn=ROLE
    )
    return name


def rows_in_stores(emulator) -> tuple[int, int]:
    athena = emulator.client("athena")
    table = emulator.client("sagemaker").describe_feature_group(FeatureGroupName=GROUP)["OfflineStoreConfig"]
    table = table["DataCatalogConfig"]["TableName"]
    query_id = athena.start_query_execution(
        QueryString=f"SELECT count(*) FROM sagemaker_featurestore.{table}",
        ResultConfiguration={"OutputLocation": f"s3://{BUCKET}/athena/"},
    )["QueryExecutionId"]
    while athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"] in (
        "QUEUED",
        "RUNNING",
    ):
        time.sleep(0.02)
    offline = int(
        athena.get_query_results(QueryExecutionId=query_id)["ResultSet"]["Rows"][1]["Data"][0]["VarCharValue"]
    )
    runtime = emulator.client("sagemaker-featurestore-runtime")
    online = "Record" in runtime.get_record(FeatureGroupName=GROUP, RecordIdentifierValueAsString="900001")
    return offline, int(online)


def bad_csv(seeded, change) -> bytes:
    lines = seeded["csv"].decode().splitlines()
    return ("\n".join(change(lines)) + "\n").encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            lambda seeded: bad_csv(seeded, lambda lines: [lines[0].replace(",rings", ""), "900001,M,0.4"]),
            "the data does not match the trained schema (missing rings)",
        ),
        (lambda seeded: b"", "the data does not match the trained schema (missing record_id, sex,"),
        (lambda seeded: b"\x89PNG\r\n\x1a\n\x00\x00", "(s3_source): it failed with UnicodeDecodeError"),
        (
            lambda seeded: bad_csv(
                seeded, lambda lines: [lines[0], lines[1].replace(lines[1].split(",")[0], "", 1)]
            ),
            "ingestion into feature group abalone-fg failed at row 1: "
            "The record has no value for 'record_id', which every record must have.",
        ),
        (
            lambda seeded: bad_csv(
                seeded, lambda lines: [*lines[:3], lines[3].rsplit(",", 1)[0] + ",", *lines[4:]]
            ),
            "ValueError: record_time is empty or not a number in some rows: every row of abalone.csv needs "
            "its event time",  # the flow's own check, before ingestion would refuse row 3
        ),
    ],
    ids=["missing-column", "empty-object", "not-csv", "row-without-record-id", "row-without-event-time"],
)
def test_a_bad_input_fails_the_execution_and_writes_nothing(emulator, seeded, body, reason):
    sagemaker = emulator.client("sagemaker")
    before = rows_in_stores(emulator)
    parameters = upload_data(emulator.client("s3"), "bad.csv", body(seeded))
    arn = start(sagemaker, PIPELINE, parameters)

    described = wait(sagemaker, arn)
    assert described["PipelineExecutionStatus"] == "Failed"
    assert described["FailureReason"] == "Step failure: One or multiple steps failed."
    failed = step(sagemaker, arn)
    assert failed["StepStatus"] == "Failed" and reason in failed["FailureReason"]
    job = failed["Metadata"]["ProcessingJob"]["Arn"].rsplit("/", 1)[1]
    described_job = sagemaker.describe_processing_job(ProcessingJobName=job)
    assert (described_job["ProcessingJobStatus"], described_job["FailureReason"]) == (
        "Failed",
        failed["FailureReason"],
    )
    assert rows_in_stores(emulator) == before


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda d: d["Steps"][0]["Arguments"]["AppSpecification"].update(
                ImageUri="123.dkr.ecr.x/my-image:1"
            ),
            "image 123.dkr.ecr.x/my-image:1 needs a container, which the local emulator does not run",
        ),
        (
            lambda d: d["Steps"][0].update(Type="Training"),
            "step type Training is not supported by the local emulator",
        ),
        (
            lambda d: d["Steps"][0]["Arguments"]["ProcessingOutputConfig"]["Outputs"][0][
                "FeatureStoreOutput"
            ].update(FeatureGroupName="no-such-group"),
            "ClientError: feature group no-such-group",
        ),
        (
            lambda d: d["Steps"][0]["Arguments"]["ProcessingInputs"][0]["S3Input"].update(
                S3Uri={"Std:Format": []}
            ),
            "function Std:Format is not supported by the local emulator",
        ),
    ],
    ids=["other-image", "other-step-type", "unknown-feature-group", "unknown-function"],
)
def test_what_the_emulator_cannot_run_fails_the_step_naming_it(emulator, seeded, change, reason, request):
    sagemaker = emulator.client("sagemaker")
    name = variant(emulator, seeded, f"variant-{request.node.callspec.id}", change)
    parameters = upload_data(emulator.client("s3"), "abalone.csv", seeded["csv"])
    arn = start(sagemaker, name, parameters)

    assert wait(sagemaker, arn)["PipelineExecutionStatus"] == "Failed"
    assert step(sagemaker, arn)["FailureReason"].startswith(reason)


def test_a_flow_that_is_not_json_fails_the_step(emulator, seeded):
    sagemaker, s3 = emulator.client("sagemaker"), emulator.client("s3")
    s3.put_object(Bucket=BUCKET, Key="flows/broken.flow", Body=b"{not json")
    name = variant(
        emulator,
        seeded,
        "broken-flow",
        lambda d: next(p for p in d["Parameters"] if p["Name"] == "InputFlowUrl").update(
            DefaultValue=f"s3://{BUCKET}/flows/broken.flow"
        ),
    )
    arn = start(sagemaker, name, upload_data(s3, "abalone.csv", seeded["csv"]))
    assert wait(sagemaker, arn)["PipelineExecutionStatus"] == "Failed"
    assert step(sagemaker, arn)["FailureReason"].startswith(
        "ClientError: flow is not a Data Wrangler flow: invalid JSON"
    )


def test_a_stopped_execution_stops_after_its_running_step(emulator, seeded):
    """StopPipelineExecution: Stopping at once, Stopped once the step that runs has ended (the emulator
    stops between steps; it does not interrupt a processing job)."""
    sagemaker = emulator.client("sagemaker")
    arn = start(sagemaker, PIPELINE, upload_data(emulator.client("s3"), "abalone.csv", seeded["csv"]))
    sagemaker.stop_pipeline_execution(PipelineExecutionArn=arn)
    assert (
        sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
        == "Stopping"
    )

    assert wait(sagemaker, arn)["PipelineExecutionStatus"] == "Stopped"
    with pytest.raises(ClientError) as refused:
        sagemaker.stop_pipeline_execution(PipelineExecutionArn=arn)
    assert "is Stopped: only an Executing one can be stopped" in refused.value.response["Error"]["Message"]


def test_executions_are_listed_sorted_filtered_and_paged_with_their_parameters_and_definition(
    emulator, seeded
):
    sagemaker = emulator.client("sagemaker")
    name = variant(emulator, seeded, "listed", lambda d: d["Steps"][0].update(Type="Training"))
    given = {
        "InputDataUrl": "s3://a/b.csv",
        "InputManifestUrl": "s3://a/b.json",
        "ProcessingInstanceCount": "2",
    }
    arns = []
    for _ in range(3):
        arns.append(start(sagemaker, name, given))
        wait(sagemaker, arns[-1])
        time.sleep(0.01)  # distinct start times
    first_started = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arns[0])["CreationTime"]
    original = sagemaker.describe_pipeline(PipelineName=name)["PipelineDefinition"]
    sagemaker.update_pipeline(PipelineName=name, PipelineDefinition=original.replace("Training", "Tuning"))

    def listed(**request) -> list[str]:
        summaries = sagemaker.list_pipeline_executions(PipelineName=name, **request)
        return [summary["PipelineExecutionArn"] for summary in summaries["PipelineExecutionSummaries"]]

    assert listed() == arns[::-1]
    assert listed(SortOrder="Ascending") == arns
    assert listed(SortBy="PipelineExecutionArn", SortOrder="Ascending") == sorted(arns)
    assert listed(CreatedAfter=first_started) == arns[:0:-1]
    page = sagemaker.list_pipeline_executions(PipelineName=name, MaxResults=2)
    assert [s["PipelineExecutionArn"] for s in page["PipelineExecutionSummaries"]] == arns[:0:-1]
    assert listed(MaxResults=2, NextToken=page["NextToken"]) == arns[:1]

    parameters = sagemaker.list_pipeline_parameters_for_execution(PipelineExecutionArn=arns[0])
    values = {p["Name"]: p["Value"] for p in parameters["PipelineParameters"]}
    defaults = json.loads(original)["Parameters"]
    assert values == {p["Name"]: str(p.get("DefaultValue")) for p in defaults} | given
    ran = sagemaker.describe_pipeline_definition_for_execution(PipelineExecutionArn=arns[0])
    assert ran["PipelineDefinition"] == original  # the definition it ran, not the pipeline's latest


def test_eight_clients_reading_for_ten_seconds_while_executions_run_get_no_server_error(emulator, seeded):
    """The issue's load: executions start one after another (each runs its flow and ingests on the
    emulator's threads) while eight clients list and describe executions, steps, jobs and the group."""
    sagemaker = emulator.client("sagemaker")
    small = "\n".join(seeded["csv"].decode().splitlines()[:201]).encode() + b"\n"
    parameters = upload_data(emulator.client("s3"), "small.csv", small)
    failures: list[str] = []
    calls = [0] * 8
    stop = threading.Event()

    def reader(number: int) -> None:
        client = emulator.client("sagemaker")
        while not stop.is_set():
            try:
                listed = client.list_pipeline_executions(PipelineName=PIPELINE, MaxResults=5)
                for summary in listed["PipelineExecutionSummaries"][:2]:
                    arn = summary["PipelineExecutionArn"]
                    client.describe_pipeline_execution(PipelineExecutionArn=arn)
                    client.list_pipeline_execution_steps(PipelineExecutionArn=arn)
                client.list_processing_jobs(MaxResults=5)
                client.describe_feature_group(FeatureGroupName=GROUP)
                calls[number] += 1
            except ClientError as error:
                if error.response["ResponseMetadata"]["HTTPStatusCode"] >= 500:
                    failures.append(str(error))
            except Exception as error:
                failures.append(repr(error))

    readers = [threading.Thread(target=reader, args=(number,)) for number in range(8)]
    for thread in readers:
        thread.start()
    started, finished = time.monotonic(), []
    while time.monotonic() - started < 10:
        finished.append(wait(sagemaker, start(sagemaker, PIPELINE, parameters))["PipelineExecutionStatus"])
    stop.set()
    for thread in readers:
        thread.join()

    assert failures == []
    assert len(finished) >= 2 and set(finished) == {"Succeeded"}, finished
    assert min(calls) > 0, calls

    # Each job's log is its own stream: a stream-name prefix finds that job's lines only.
    logs = emulator.client("logs")
    job = sagemaker.list_processing_jobs(SortBy="CreationTime", SortOrder="Ascending")[
        "ProcessingJobSummaries"
    ][0]
    name = job["ProcessingJobName"]
    events = logs.filter_log_events(logGroupName="/aws/sagemaker/ProcessingJobs", logStreamNamePrefix=name)
    assert {event["logStreamName"].split("/")[0] for event in events["events"]} == {name}
    with pytest.raises(ClientError) as refused:
        logs.filter_log_events(
            logGroupName="/aws/sagemaker/ProcessingJobs", logStreamNamePrefix=name, logStreamNames=["x"]
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"


def test_a_value_of_the_wrong_type_for_its_feature_fails_at_its_row(emulator, seeded):
    """A group that declares sex_M Integral, fed the flow's one-hot 1.0/0.0: the first row is refused as
    PutRecord refuses it, and neither store of that group gets a row."""
    sagemaker = emulator.client("sagemaker")
    definition = json.loads((PROJECT_ROOT / "data" / "abalone.fg.json").read_text())
    for feature in definition["FeatureDefinitions"]:
        if feature["FeatureName"] == "sex_M":
            feature["FeatureType"] = "Integral"
    sagemaker.create_feature_group(
        FeatureGroupName="abalone-integral",
        OnlineStoreConfig={"EnableOnlineStore": True},
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store"}},
        RoleArn=ROLE,
        **definition,
    )
    output = lambda d: d["Steps"][0]["Arguments"]["ProcessingOutputConfig"]["Outputs"][0]  # noqa: E731
    name = variant(
        emulator,
        seeded,
        "wrong-type",
        lambda d: output(d)["FeatureStoreOutput"].update(FeatureGroupName="abalone-integral"),
    )
    while (
        sagemaker.describe_feature_group(FeatureGroupName="abalone-integral")["FeatureGroupStatus"]
        != "Created"
    ):
        time.sleep(0.02)
    arn = start(sagemaker, name, upload_data(emulator.client("s3"), "abalone.csv", seeded["csv"]))

    assert wait(sagemaker, arn)["PipelineExecutionStatus"] == "Failed"
    first_sex_m = "1.0" if seeded["csv"].decode().splitlines()[1].split(",")[1] == "M" else "0.0"
    assert step(sagemaker, arn)["FailureReason"] == (
        "ClientError: ingestion into feature group abalone-integral failed at row 1: "
        f"Value '{first_sex_m}' of feature 'sex_M' is not of its type Integral."
    )
    runtime = emulator.client("sagemaker-featurestore-runtime")
    assert "Record" not in runtime.get_record(
        FeatureGroupName="abalone-integral", RecordIdentifierValueAsString="0"
    )
    location = sagemaker.describe_feature_group(FeatureGroupName="abalone-integral")["OfflineStoreConfig"]
    prefix = location["S3StorageConfig"]["ResolvedOutputS3Uri"].removeprefix(f"s3://{BUCKET}/")
    assert emulator.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)["KeyCount"] == 0


def test_a_failing_execution_leaves_one_running_beside_it_alone(emulator, seeded):
    sagemaker, s3 = emulator.client("sagemaker"), emulator.client("s3")
    offline_before, _ = rows_in_stores(emulator)
    good = start(sagemaker, PIPELINE, upload_data(s3, "good.csv", seeded["csv"]))
    bad = start(sagemaker, PIPELINE, upload_data(s3, "bad.csv", b"\x89PNG\r\n\x1a\n\x00\x00"))

    assert wait(sagemaker, bad)["PipelineExecutionStatus"] == "Failed"
    assert wait(sagemaker, good)["PipelineExecutionStatus"] == "Succeeded"
    assert rows_in_stores(emulator)[0] == offline_before + 4177
