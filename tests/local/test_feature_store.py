"""The Feature Store in the emulator, through real clients: feature groups kept and checked as
CreateFeatureGroup keeps and checks them, Creating → Created and Deleting → gone in the background, their Glue
table, and records through featurestore-runtime into the online store and the offline store's parquet files in
AWS's layout; a bad record writes nothing anywhere."""

from __future__ import annotations

import io
import time

import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError

BUCKET = "sagemaker-us-east-1-123456789012"
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-local"
FEATURES = [
    {"FeatureName": "record_id", "FeatureType": "String"},
    {"FeatureName": "record_time", "FeatureType": "Fractional"},
    {"FeatureName": "rings", "FeatureType": "Integral"},
    {"FeatureName": "length", "FeatureType": "Fractional"},
]


def create_group(sagemaker, name: str, **overrides) -> dict:
    request = {
        "FeatureGroupName": name,
        "RecordIdentifierFeatureName": "record_id",
        "EventTimeFeatureName": "record_time",
        "FeatureDefinitions": FEATURES,
        "OnlineStoreConfig": {"EnableOnlineStore": True},
        "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store"}},
        "RoleArn": ROLE,
        **overrides,
    }
    sagemaker.create_feature_group(**{key: value for key, value in request.items() if value is not None})
    described = wait_until(sagemaker, name, "Created")
    assert described["FeatureGroupStatus"] == "Created", described
    return described


def wait_until(sagemaker, name: str, status: str) -> dict:
    deadline = time.monotonic() + 5
    while True:
        described = sagemaker.describe_feature_group(FeatureGroupName=name)
        if described["FeatureGroupStatus"] == status or time.monotonic() > deadline:
            return described
        time.sleep(0.05)


def record(record_id: str, at: str, rings: str = "7", length: str = "0.455") -> list[dict]:
    values = {"record_id": record_id, "record_time": at, "rings": rings, "length": length}
    return [{"FeatureName": name, "ValueAsString": value} for name, value in values.items()]


def offline_rows(emulator, described: dict) -> list[dict]:
    s3 = emulator.client("s3")
    location = described["OfflineStoreConfig"]["S3StorageConfig"]["ResolvedOutputS3Uri"]
    prefix = location.removeprefix(f"s3://{BUCKET}/")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    rows = []
    for entry in listed:
        body = s3.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read()
        rows += [{"key": entry["Key"], **row} for row in pq.read_table(io.BytesIO(body)).to_pylist()]
    return rows


@pytest.fixture
def clients(emulator):
    return emulator.client("sagemaker"), emulator.client("sagemaker-featurestore-runtime")


def test_a_group_keeps_its_configuration_and_gets_aws_s_layout_and_glue_table(emulator, clients):
    sagemaker, _ = clients
    sagemaker.create_feature_group(
        FeatureGroupName="kept",
        RecordIdentifierFeatureName="record_id",
        EventTimeFeatureName="record_time",
        FeatureDefinitions=FEATURES,
        OnlineStoreConfig={"EnableOnlineStore": True},
        OfflineStoreConfig={
            "S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/feature-store"},
            "DataCatalogConfig": {"TableName": "mytable", "Catalog": "AwsDataCatalog", "Database": "mydb"},
        },
        RoleArn=ROLE,
        Description="abalone",
    )
    assert sagemaker.describe_feature_group(FeatureGroupName="kept")["FeatureGroupStatus"] == "Creating"

    described = wait_until(sagemaker, "kept", "Created")
    assert described["FeatureGroupStatus"] == "Created"
    assert described["OnlineStoreConfig"] == {"EnableOnlineStore": True}
    assert described["Description"] == "abalone"
    offline = described["OfflineStoreConfig"]
    assert offline["DataCatalogConfig"] == {
        "TableName": "mytable",
        "Catalog": "AwsDataCatalog",
        "Database": "mydb",
    }
    stamp = int(described["CreationTime"].timestamp())
    assert offline["S3StorageConfig"]["ResolvedOutputS3Uri"] == (
        f"s3://{BUCKET}/feature-store/123456789012/sagemaker/us-east-1/offline-store/kept-{stamp}/data"
    )
    table = emulator.client("glue").get_table(DatabaseName="mydb", Name="mytable")["Table"]
    assert table["StorageDescriptor"]["Location"] == offline["S3StorageConfig"]["ResolvedOutputS3Uri"]
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        ("record_id", "string"),
        ("record_time", "double"),
        ("rings", "bigint"),
        ("length", "double"),
        ("write_time", "timestamp"),
        ("api_invocation_time", "timestamp"),
        ("is_deleted", "boolean"),
    ]


def test_without_a_catalog_config_the_table_is_named_as_aws_names_it(emulator, clients):
    sagemaker, _ = clients
    described = create_group(sagemaker, "named-by-aws")
    catalog = described["OfflineStoreConfig"]["DataCatalogConfig"]
    assert catalog == {
        "TableName": f"named_by_aws_{int(described['CreationTime'].timestamp())}",
        "Catalog": "AwsDataCatalog",
        "Database": "sagemaker_featurestore",
    }
    assert emulator.client("glue").get_table(DatabaseName="sagemaker_featurestore", Name=catalog["TableName"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"FeatureDefinitions": [*FEATURES, {"FeatureName": "write_time", "FeatureType": "String"}]},
            "Feature name 'write_time' is reserved: the offline store adds is_deleted, write_time and "
            "api_invocation_time to every feature group.",
        ),
        ({"RecordIdentifierFeatureName": "absent"}, "The RecordIdentifierFeatureName 'absent' is not among"),
        ({"EventTimeFeatureName": "rings"}, "The EventTimeFeatureName 'rings' has type Integral"),
        (
            {"FeatureDefinitions": [*FEATURES, {"FeatureName": "weight", "FeatureType": "Double"}]},
            "Invalid FeatureType 'Double' for 'weight': one of Integral, Fractional, String.",
        ),
        (
            {"OnlineStoreConfig": None, "OfflineStoreConfig": None},
            "At least one of OnlineStoreConfig and OfflineStoreConfig must be enabled.",
        ),
        (
            {
                "OfflineStoreConfig": {
                    "S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/fs"},
                    "TableFormat": "Iceberg",
                }
            },
            "OfflineStoreConfig TableFormat Iceberg is not supported by the local emulator",
        ),
    ],
    ids=["reserved-name", "unknown-identifier", "event-time-type", "feature-type", "no-store", "iceberg"],
)
def test_a_bad_definition_is_refused_and_nothing_is_created(clients, overrides, message):
    sagemaker, _ = clients
    with pytest.raises(ClientError) as refused:
        create_group(sagemaker, "refused", **overrides)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert message in refused.value.response["Error"]["Message"]
    assert "refused" not in [
        g["FeatureGroupName"] for g in sagemaker.list_feature_groups()["FeatureGroupSummaries"]
    ]


def test_an_offline_store_whose_bucket_is_missing_is_blocked_and_records_go_online_only(emulator, clients):
    sagemaker, runtime = clients
    described = create_group(
        sagemaker, "blocked", OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://no-such-bucket/fs"}}
    )
    assert described["OfflineStoreStatus"] == {
        "Status": "Blocked",
        "BlockedReason": "The S3 bucket no-such-bucket of s3://no-such-bucket/fs does not exist.",
    }
    runtime.put_record(FeatureGroupName="blocked", Record=record("1", "1700000000"))
    assert runtime.get_record(FeatureGroupName="blocked", RecordIdentifierValueAsString="1")["Record"]
    assert "no-such-bucket" not in [b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"]]


def test_an_unknown_group_is_resource_not_found(clients):
    sagemaker, runtime = clients
    for call in (
        lambda: sagemaker.describe_feature_group(FeatureGroupName="nowhere"),
        lambda: runtime.get_record(FeatureGroupName="nowhere", RecordIdentifierValueAsString="1"),
    ):
        with pytest.raises(ClientError) as missing:
            call()
        assert missing.value.response["Error"]["Code"] == "ResourceNotFound"
        assert "can't find a FeatureGroup with name nowhere" in missing.value.response["Error"]["Message"]


def test_records_reach_both_stores_and_the_latest_event_time_wins(emulator, clients):
    sagemaker, runtime = clients
    described = create_group(sagemaker, "abalone")
    runtime.put_record(FeatureGroupName="abalone", Record=record("1", "1700000000.5", rings="9"))
    runtime.put_record(
        FeatureGroupName="abalone", Record=record("1", "1600000000", rings="3")
    )  # older: ignored
    runtime.put_record(FeatureGroupName="abalone", Record=record("2", "1700003600", rings="11"))

    got = runtime.get_record(FeatureGroupName="abalone", RecordIdentifierValueAsString="1")["Record"]
    assert {f["FeatureName"]: f["ValueAsString"] for f in got} == {
        "record_id": "1",
        "record_time": "1700000000.5",
        "rings": "9",
        "length": "0.455",
    }
    only = runtime.get_record(
        FeatureGroupName="abalone", RecordIdentifierValueAsString="2", FeatureNames=["rings"]
    )
    assert only["Record"] == [{"FeatureName": "rings", "ValueAsString": "11"}]
    assert "Record" not in runtime.get_record(FeatureGroupName="abalone", RecordIdentifierValueAsString="3")

    rows = offline_rows(emulator, described)
    assert sorted((row["record_id"], row["rings"]) for row in rows) == [("1", 3), ("1", 9), ("2", 11)]
    assert {row["key"].split("/data/")[1].rsplit("/", 1)[0] for row in rows} == {
        "year=2023/month=11/day=14/hour=22",
        "year=2023/month=11/day=14/hour=23",
        "year=2020/month=09/day=13/hour=12",
    }
    assert all(
        row["is_deleted"] is False and row["write_time"] and row["api_invocation_time"] for row in rows
    )

    batch = runtime.batch_get_record(
        Identifiers=[{"FeatureGroupName": "abalone", "RecordIdentifiersValueAsString": ["1", "2", "3"]}]
    )
    assert sorted(r["RecordIdentifierValueAsString"] for r in batch["Records"]) == ["1", "2"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            [*record("5", "1700000000")[:3], {"FeatureName": "weight", "ValueAsString": "1"}],
            "Feature 'weight'",
        ),
        (
            record("5", "1700000000", rings="7.5"),
            "Value '7.5' of feature 'rings' is not of its type Integral.",
        ),
        (record("5", "1700000000")[1:], "The record has no value for 'record_id'"),
        (
            record("5", "yesterday"),
            "Value 'yesterday' of feature 'record_time' is not of its type Fractional.",
        ),
        (record("5", "1e20"), "Invalid event time '1e20'"),
    ],
    ids=[
        "unknown-feature",
        "wrong-type",
        "no-identifier",
        "event-time-not-a-number",
        "event-time-out-of-range",
    ],
)
def test_a_bad_record_is_refused_and_written_nowhere(emulator, clients, bad, message):
    sagemaker, runtime = clients
    described = create_group(sagemaker, "strict")
    with pytest.raises(ClientError) as refused:
        runtime.put_record(FeatureGroupName="strict", Record=bad)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert message in refused.value.response["Error"]["Message"]
    assert "Record" not in runtime.get_record(FeatureGroupName="strict", RecordIdentifierValueAsString="5")
    assert offline_rows(emulator, described) == []
    sagemaker.delete_feature_group(FeatureGroupName="strict")
    wait_until_gone(sagemaker, "strict")


def wait_until_gone(sagemaker, name: str) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            sagemaker.describe_feature_group(FeatureGroupName=name)
        except ClientError:
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} is still there")


def test_soft_and_hard_deletes_and_the_offline_marker(emulator, clients):
    sagemaker, runtime = clients
    described = create_group(sagemaker, "deletes")
    for record_id in ("soft", "hard"):
        runtime.put_record(FeatureGroupName="deletes", Record=record(record_id, "1700000000"))

    runtime.delete_record(
        FeatureGroupName="deletes", RecordIdentifierValueAsString="soft", EventTime="1700000001"
    )
    runtime.put_record(
        FeatureGroupName="deletes", Record=record("soft", "1699999999")
    )  # older than the delete
    assert "Record" not in runtime.get_record(
        FeatureGroupName="deletes", RecordIdentifierValueAsString="soft"
    )

    runtime.delete_record(
        FeatureGroupName="deletes",
        RecordIdentifierValueAsString="hard",
        EventTime="1700000001",
        DeletionMode="HardDelete",
        TargetStores=["OnlineStore"],
    )
    runtime.put_record(
        FeatureGroupName="deletes", Record=record("hard", "1699999999")
    )  # nothing remembers it
    assert runtime.get_record(FeatureGroupName="deletes", RecordIdentifierValueAsString="hard")["Record"]

    deleted = [row for row in offline_rows(emulator, described) if row["is_deleted"]]
    assert [(row["record_id"], row["record_time"], row["rings"]) for row in deleted] == [
        ("soft", 1700000001.0, None)
    ]


def test_listing_filters_and_sorts_and_a_deleted_group_leaves_its_offline_data(emulator, clients):
    sagemaker, runtime = clients
    for name in ("list-b", "list-a"):
        create_group(sagemaker, name)
    runtime.put_record(FeatureGroupName="list-a", Record=record("1", "1700000000"))

    listed = sagemaker.list_feature_groups(NameContains="list-", SortBy="Name", SortOrder="Ascending")
    assert [g["FeatureGroupName"] for g in listed["FeatureGroupSummaries"]] == ["list-a", "list-b"]
    page = sagemaker.list_feature_groups(NameContains="list-", MaxResults=1)
    assert len(page["FeatureGroupSummaries"]) == 1 and page["NextToken"]

    described = sagemaker.describe_feature_group(FeatureGroupName="list-a")
    sagemaker.delete_feature_group(FeatureGroupName="list-a")
    assert sagemaker.describe_feature_group(FeatureGroupName="list-a")["FeatureGroupStatus"] == "Deleting"
    wait_until_gone(sagemaker, "list-a")
    assert len(offline_rows(emulator, described)) == 1  # as on AWS, the offline store's data stays


def test_a_group_created_again_under_a_deleted_one_s_name_takes_over_its_glue_table(emulator, clients):
    """AWS keeps a deleted group's Glue table; a new group of the same name created within the same second
    gets the same table name, and the table then describes the new group."""
    sagemaker, _ = clients
    first = create_group(sagemaker, "again")
    sagemaker.delete_feature_group(FeatureGroupName="again")
    wait_until_gone(sagemaker, "again")
    features = [*FEATURES, {"FeatureName": "weight", "FeatureType": "Fractional"}]
    second = create_group(sagemaker, "again", FeatureDefinitions=features)
    table = second["OfflineStoreConfig"]["DataCatalogConfig"]
    glue_table = emulator.client("glue").get_table(DatabaseName=table["Database"], Name=table["TableName"])[
        "Table"
    ]
    assert "weight" in [c["Name"] for c in glue_table["StorageDescriptor"]["Columns"]]
    assert (
        glue_table["StorageDescriptor"]["Location"]
        == (second["OfflineStoreConfig"]["S3StorageConfig"]["ResolvedOutputS3Uri"])
    )
    assert first["FeatureGroupArn"] == second["FeatureGroupArn"]


def athena_rows(emulator, sql: str) -> list[list[str | None]]:
    athena = emulator.client("athena")
    query_id = athena.start_query_execution(
        QueryString=sql, ResultConfiguration={"OutputLocation": f"s3://{BUCKET}/athena/"}
    )["QueryExecutionId"]
    while athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"] in (
        "QUEUED",
        "RUNNING",
    ):
        time.sleep(0.02)
    rows = athena.get_query_results(QueryExecutionId=query_id)["ResultSet"]["Rows"][1:]
    return [[cell.get("VarCharValue") for cell in row["Data"]] for row in rows]


def test_an_added_feature_reaches_the_definition_the_glue_table_and_new_records(emulator, clients):
    sagemaker, runtime = clients
    described = create_group(sagemaker, "grown")
    runtime.put_record(FeatureGroupName="grown", Record=record("1", "1700000000"))
    sagemaker.update_feature_group(
        FeatureGroupName="grown", FeatureAdditions=[{"FeatureName": "sex", "FeatureType": "String"}]
    )
    assert sagemaker.describe_feature_group(FeatureGroupName="grown")["LastUpdateStatus"] == {
        "Status": "InProgress"
    }
    with pytest.raises(ClientError) as busy:
        sagemaker.update_feature_group(FeatureGroupName="grown", FeatureAdditions=[FEATURES[0]])
    assert busy.value.response["Error"]["Code"] == "ResourceInUse"

    deadline = time.monotonic() + 5
    while (
        sagemaker.describe_feature_group(FeatureGroupName="grown")["LastUpdateStatus"]["Status"]
        != "Successful"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    updated = sagemaker.describe_feature_group(FeatureGroupName="grown")
    assert updated["FeatureDefinitions"][-1] == {"FeatureName": "sex", "FeatureType": "String"}
    assert updated["LastModifiedTime"] >= updated["CreationTime"]
    catalog = described["OfflineStoreConfig"]["DataCatalogConfig"]
    table = emulator.client("glue").get_table(DatabaseName=catalog["Database"], Name=catalog["TableName"])
    columns = [column["Name"] for column in table["Table"]["StorageDescriptor"]["Columns"]]
    assert columns[columns.index("length") + 1 :] == [
        "sex",
        "write_time",
        "api_invocation_time",
        "is_deleted",
    ]

    runtime.put_record(
        FeatureGroupName="grown",
        Record=[*record("2", "1700000001"), {"FeatureName": "sex", "ValueAsString": "F"}],
    )
    assert {"FeatureName": "sex", "ValueAsString": "F"} in runtime.get_record(
        FeatureGroupName="grown", RecordIdentifierValueAsString="2"
    )["Record"]
    # The record written before the addition has no value for it, as Athena reads an older parquet file.
    found = athena_rows(
        emulator, f'SELECT record_id, sex FROM "{catalog["Database"]}"."{catalog["TableName"]}" ORDER BY 1'
    )
    assert found == [["1", None], ["2", "F"]]


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        (
            {"FeatureAdditions": [{"FeatureName": "RINGS", "FeatureType": "String"}]},
            "'RINGS' is defined more",
        ),
        ({"FeatureAdditions": [{"FeatureName": "write_time", "FeatureType": "String"}]}, "is reserved"),
        ({"FeatureAdditions": [{"FeatureName": "x", "FeatureType": "Text"}]}, "Invalid FeatureType 'Text'"),
        (
            {"OnlineStoreConfig": {"TtlDuration": {"Unit": "Days", "Value": 1}}},
            "TtlDuration is not supported by the local emulator",
        ),
    ],
    ids=["duplicate", "reserved", "bad-type", "ttl"],
)
def test_a_bad_update_is_refused_and_changes_nothing(clients, request_fields, message, request):
    sagemaker, _ = clients
    name = f"unchanged-{request.node.callspec.id}"
    before = create_group(sagemaker, name)
    with pytest.raises(ClientError) as refused:
        sagemaker.update_feature_group(FeatureGroupName=name, **request_fields)
    assert message in refused.value.response["Error"]["Message"]
    after = sagemaker.describe_feature_group(FeatureGroupName=name)
    assert after["FeatureDefinitions"] == before["FeatureDefinitions"]
    assert "LastUpdateStatus" not in after


def test_feature_metadata_is_described_and_updated(clients):
    sagemaker, _ = clients
    described = create_group(sagemaker, "documented")
    metadata = sagemaker.describe_feature_metadata(FeatureGroupName="documented", FeatureName="rings")
    assert (metadata["FeatureType"], metadata["CreationTime"]) == ("Integral", described["CreationTime"])
    assert metadata["Parameters"] == [] and "Description" not in metadata

    sagemaker.update_feature_metadata(
        FeatureGroupName="documented",
        FeatureName="rings",
        Description="age in years is rings + 1.5",
        ParameterAdditions=[{"Key": "unit", "Value": "count"}, {"Key": "source", "Value": "UCI"}],
    )
    sagemaker.update_feature_metadata(
        FeatureGroupName="documented", FeatureName="rings", ParameterRemovals=["source"]
    )
    metadata = sagemaker.describe_feature_metadata(FeatureGroupName="documented", FeatureName="rings")
    assert metadata["Description"] == "age in years is rings + 1.5"
    assert metadata["Parameters"] == [{"Key": "unit", "Value": "count"}]
    assert metadata["LastModifiedTime"] > metadata["CreationTime"]

    with pytest.raises(ClientError) as missing:
        sagemaker.describe_feature_metadata(FeatureGroupName="documented", FeatureName="age")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFound"
    assert (
        "Feature age does not exist in FeatureGroup documented" in missing.value.response["Error"]["Message"]
    )
