"""Athena in the emulator answers queries for real: DuckDB runs the SQL over the parquet a Glue table locates
(the Feature Store's offline store here), asynchronously, with Athena's result file, result pages, states
and errors."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa
import pytest
from botocore.exceptions import ClientError

from scripts.local.athena import engine, results
from scripts.local.athena.results import as_text
from tests.local.test_feature_store import BUCKET, FEATURES, create_group, record

OUTPUT = f"s3://{BUCKET}/athena-results/"
ADDED = ["write_time", "api_invocation_time", "is_deleted"]
RECORDS = [  # (record id, event time, rings)
    ("1", "1700000000", "9"),
    ("1", "1700000300", "10"),  # the latest of record 1
    ("2", "1700000100", "11"),
    ("3", "1700000200", "7"),
    ("3", "1700000100", "8"),
]


def wait(athena, query_id: str) -> dict:
    deadline = time.monotonic() + 10
    while True:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] not in ("QUEUED", "RUNNING") or time.monotonic() > deadline:
            return execution
        time.sleep(0.02)


def query(athena, sql: str, database: str | None = None) -> tuple[dict, str]:
    context = {"QueryExecutionContext": {"Database": database}} if database else {}
    query_id = athena.start_query_execution(
        QueryString=sql, ResultConfiguration={"OutputLocation": OUTPUT}, **context
    )["QueryExecutionId"]
    return wait(athena, query_id), query_id


def rows(athena, query_id: str, page_size: int = 1000) -> list[list[str | None]]:
    found, token = [], None
    while True:
        page = athena.get_query_results(
            QueryExecutionId=query_id, MaxResults=page_size, **({"NextToken": token} if token else {})
        )
        found += [[datum.get("VarCharValue") for datum in row["Data"]] for row in page["ResultSet"]["Rows"]]
        token = page.get("NextToken")
        if not token:
            return found


@pytest.fixture(scope="module")
def table(emulator) -> tuple[str, str]:
    """The offline store of a group holding RECORDS, record 2 then soft-deleted: (database, table)."""
    sagemaker, runtime = emulator.client("sagemaker"), emulator.client("sagemaker-featurestore-runtime")
    described = create_group(sagemaker, "Queried-Abalone")
    for record_id, at, rings in RECORDS:
        runtime.put_record(FeatureGroupName="Queried-Abalone", Record=record(record_id, at, rings=rings))
    runtime.delete_record(
        FeatureGroupName="Queried-Abalone", RecordIdentifierValueAsString="2", EventTime="1700000400"
    )
    catalog = described["OfflineStoreConfig"]["DataCatalogConfig"]
    return catalog["Database"], catalog["TableName"]


def test_the_offline_store_s_deduplicating_query_gives_the_latest_live_record_of_each_id(emulator, table):
    database, name = table
    athena = emulator.client("athena")
    sql = (
        "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY record_id ORDER BY record_time DESC, "
        f'api_invocation_time DESC, write_time DESC) AS row_num FROM "{database}"."{name}") '
        "WHERE row_num = 1 AND NOT is_deleted ORDER BY record_id"
    )
    execution, query_id = query(athena, sql)

    assert execution["Status"]["State"] == "SUCCEEDED"
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{OUTPUT}{query_id}.csv"
    assert execution["Statistics"]["DataScannedInBytes"] > 0
    found = rows(athena, query_id, page_size=2)
    assert found[0] == [*(f["FeatureName"] for f in FEATURES), *ADDED, "row_num"]
    assert [(r[0], r[1], r[2], r[6]) for r in found[1:]] == [
        ("1", "1.7000003E9", "10", "false"),
        ("3", "1.7000002E9", "7", "false"),
    ]
    csv = emulator.client("s3").get_object(Bucket=BUCKET, Key=f"athena-results/{query_id}.csv")["Body"].read()
    lines = csv.decode().splitlines()
    assert lines[0].startswith('"record_id","record_time","rings"') and len(lines) == 3
    assert lines[1].startswith('"1","1.7000003E9","10","0.455","')


def test_where_and_group_by_agree_with_pandas(emulator, table):
    database, name = table
    sql = f"SELECT record_id, count(*), max(rings) AS most FROM {name} WHERE rings > 7 "
    sql += "GROUP BY record_id ORDER BY 1"
    execution, query_id = query(emulator.client("athena"), sql, database)

    assert execution["Status"]["State"] == "SUCCEEDED"
    frame = pd.DataFrame(RECORDS, columns=["record_id", "at", "rings"]).astype({"rings": int})
    expected = frame[frame.rings > 7].groupby("record_id").rings.agg(["count", "max"]).reset_index()
    found = rows(emulator.client("athena"), query_id)
    assert found[0] == ["record_id", "_col1", "most"]
    assert found[1:] == [[r.record_id, str(r["count"]), str(r["max"])] for _, r in expected.iterrows()]


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        (
            "SELECT nonsense FROM {name}",
            'Binder Error: Referenced column "nonsense" not found in FROM clause!',
        ),
        (
            "SELECT * FROM nowhere",
            "TABLE_NOT_FOUND: Table 'awsdatacatalog.{database}.nowhere' does not exist",
        ),
        ("SELEC 1", 'Parser Error: syntax error at or near "SELEC"'),
        ("SELECT * FROM read_csv('/etc/passwd')", 'Permission Error: Cannot access file "/etc/passwd"'),
    ],
    ids=["unknown-column", "unknown-table", "syntax", "a-file-of-the-machine"],
)
def test_a_query_that_cannot_run_fails_with_the_reason(emulator, table, sql, reason):
    database, name = table
    athena = emulator.client("athena")
    execution, query_id = query(athena, sql.format(name=name), database)

    status = execution["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith(reason.format(database=database))
    assert status["AthenaError"]["ErrorMessage"] == status["StateChangeReason"]
    with pytest.raises(ClientError) as refused:
        athena.get_query_results(QueryExecutionId=query_id)
    assert refused.value.response["Error"]["Message"] == "Query has not yet finished. Current state: FAILED"


def test_a_query_without_an_output_location_is_refused(emulator):
    with pytest.raises(ClientError) as refused:
        emulator.client("athena").start_query_execution(QueryString="SELECT 1")
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    assert refused.value.response["Error"]["Message"].startswith("No output location provided.")


def test_names_resolve_as_athena_resolves_them():
    data = {("db", "fg"): pa.table({"a": [1, 2]})}
    assert engine.referenced_tables('SELECT * FROM "AwsDataCatalog"."DB"."FG" JOIN x ON true', "db") == [
        ("db", "fg"),
        ("db", "x"),
    ]
    assert engine.run(
        "SELECT count(*), sum(a) AS total, a FROM fg GROUP BY a ORDER BY a", "db", data
    ).columns == [
        ("_col0", "bigint"),
        ("total", "bigint"),
        ("a", "bigint"),
    ]
    with pytest.raises(engine.QueryFailed, match="Catalog 'hive' does not exist"):
        engine.referenced_tables("SELECT * FROM hive.db.fg", None)
    with pytest.raises(engine.QueryFailed, match="Table 'fg' names no database"):
        engine.referenced_tables("SELECT * FROM fg", None)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.455, "0.455"),
        (3.0, "3.0"),
        (1700000100.0, "1.7000001E9"),
        (True, "true"),
        (7, "7"),
        (datetime(2026, 12, 1, 9, 30, 5, 123456, tzinfo=UTC), "2026-12-01 09:30:05.123"),
    ],
)
def test_values_print_as_athena_prints_them(value, text):
    assert as_text(value) == text


def test_the_sagemaker_sdk_s_athena_query_reads_the_result_file(table, sdk_session):
    """``FeatureGroup.athena_query()`` → ``run``, ``wait``, ``as_dataframe``, as the notebooks use it: the
    SDK polls GetQueryExecution and downloads ``<OutputLocation>/<id>.csv`` from S3."""
    from sagemaker.feature_store.feature_group import FeatureGroup

    session = sdk_session
    athena_query = FeatureGroup("Queried-Abalone", sagemaker_session=session).athena_query()
    assert (athena_query.database, athena_query.table_name) == table

    athena_query.run(f'SELECT count(*) AS records FROM "{athena_query.table_name}"', output_location=OUTPUT)
    athena_query.wait()
    frame = athena_query.as_dataframe()
    assert frame.to_dict("records") == [{"records": len(RECORDS) + 1}]  # the soft delete is a row too


def decoded(message: bytes) -> list[tuple[int, int | bytes]]:
    """The (field number, value) pairs of a protocol-buffers message: varints as ints, the rest as bytes."""

    def varint(at: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = message[at]
            value, shift, at = value | (byte & 0x7F) << shift, shift + 7, at + 1
            if not byte & 0x80:
                return value, at

    fields, at = [], 0
    while at < len(message):
        key, at = varint(at)
        if key & 7 == 0:
            value, at = varint(at)
        else:
            size, at = varint(at)
            value, at = message[at : at + size], at + size
        fields.append((key >> 3, value))
    return fields


def test_the_metadata_file_beside_the_result_describes_its_columns_as_getqueryresults_does(emulator, table):
    database, name = table
    athena = emulator.client("athena")
    _, query_id = query(athena, f"SELECT record_id, rings, length, is_deleted FROM {name}", database)
    metadata = emulator.client("s3").get_object(Bucket=BUCKET, Key=f"athena-results/{query_id}.csv.metadata")

    fields = decoded(metadata["Body"].read())
    assert fields[0][0] == 1 and re.fullmatch(rb"\d{8}_\d{6}_\d{5}_[a-z]{5}", fields[0][1])
    names = {
        1: "CatalogName",
        4: "Name",
        5: "Label",
        6: "Type",
        7: "Precision",
        8: "Scale",
        9: "Nullable",
        10: "CaseSensitive",
    }
    described = [
        {
            names[number]: value.decode() if isinstance(value, bytes) else value
            for number, value in decoded(column)
        }
        for number, column in fields[1:]
        if number == 4
    ]
    columns = athena.get_query_results(QueryExecutionId=query_id)["ResultSet"]["ResultSetMetadata"][
        "ColumnInfo"
    ]
    assert len(described) == len(columns) == 4
    for found, column in zip(described, columns, strict=True):
        expected = {key: column[key] for key in ("CatalogName", "Name", "Label", "Type")}
        expected |= {key: int(column[key]) for key in ("Precision", "Scale", "CaseSensitive") if column[key]}
        expected["Nullable"] = {"NOT_NULL": 1, "NULLABLE": 2, "UNKNOWN": 3}[column["Nullable"]]
        assert found == expected
    assert [(c["Type"], c["Precision"]) for c in columns] == [
        ("varchar", 2147483647),
        ("bigint", 19),
        ("double", 17),
        ("boolean", 0),
    ]


def test_a_column_is_encoded_byte_for_byte_as_athena_wrote_one():
    """The column of a ``.csv.metadata`` file Athena wrote (an ``array`` named ``ary``; published as a hex
    dump), after its 29-byte query-id header."""
    written = results.metadata_file([("ary", "array")], datetime(2019, 4, 23, 12, 51, 28, tzinfo=UTC))
    assert written[:2] == bytes.fromhex("0a1b") and written[2:18] == b"20190423_125128_"
    assert written[29:] == bytes.fromhex("2219 0a04 68697665 2203 617279 2a03 617279 3205 6172726179 4803")


def test_execution_parameters_fill_the_placeholders_in_order(emulator, table):
    database, name = table
    athena = emulator.client("athena")
    query_id = athena.start_query_execution(
        QueryString=f"SELECT record_id, rings FROM {name} WHERE rings > ? AND record_id <> ? ORDER BY 1, 2",
        QueryExecutionContext={"Database": database},
        ResultConfiguration={"OutputLocation": OUTPUT},
        ExecutionParameters=["8", "'2'"],
    )["QueryExecutionId"]
    execution = wait(athena, query_id)
    assert execution["Status"]["State"] == "SUCCEEDED"
    assert execution["ExecutionParameters"] == ["8", "'2'"]
    assert rows(athena, query_id)[1:] == [["1", "9"], ["1", "10"]]

    too_few = athena.start_query_execution(
        QueryString=f"SELECT * FROM {name} WHERE rings > ? AND record_id = ?",
        QueryExecutionContext={"Database": database},
        ResultConfiguration={"OutputLocation": OUTPUT},
        ExecutionParameters=["8"],
    )["QueryExecutionId"]
    failed = wait(athena, too_few)["Status"]
    assert failed["State"] == "FAILED"
    assert failed["StateChangeReason"] == "Incorrect number of parameters: expected 2 but found 1"


def test_a_question_mark_in_a_string_a_quoted_name_or_a_comment_is_not_a_placeholder():
    sql = "SELECT '?', \"a?b\", 'it''s ?' -- why?\n, ? /* ? */ FROM t WHERE x = ?"
    assert engine.bind_parameters(sql, ["1", "'y'"]) == (
        "SELECT '?', \"a?b\", 'it''s ?' -- why?\n, 1 /* ? */ FROM t WHERE x = 'y'"
    )
    with pytest.raises(engine.QueryFailed, match="expected 0 but found 1"):
        engine.bind_parameters("SELECT '?'", ["1"])


def test_the_primary_work_group_lists_its_queries(emulator, table):
    athena = emulator.client("athena")
    group = athena.get_work_group(WorkGroup="primary")["WorkGroup"]
    assert (group["Name"], group["State"]) == ("primary", "ENABLED")
    _, query_id = query(athena, "SELECT 1")
    assert query_id in athena.list_query_executions(WorkGroup="primary")["QueryExecutionIds"]
    assert query_id in athena.list_query_executions()["QueryExecutionIds"]


def test_stopping_a_running_query_cancels_it_and_interrupts_duckdb(emulator):
    athena = emulator.client("athena")
    query_id = athena.start_query_execution(
        QueryString="SELECT count(*) FROM range(100000000000) AS a",  # minutes of work on DuckDB
        ResultConfiguration={"OutputLocation": OUTPUT},
    )["QueryExecutionId"]
    deadline = time.monotonic() + 5
    while (
        athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"]
        != "RUNNING"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.01)

    athena.stop_query_execution(QueryExecutionId=query_id)
    status = wait(athena, query_id)["Status"]
    assert (status["State"], status["StateChangeReason"]) == ("CANCELLED", "Query was cancelled by user")
    time.sleep(0.3)  # the interrupted engine ends without turning the query FAILED or writing a result
    assert (
        athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"]
        == "CANCELLED"
    )
    listed = emulator.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=f"athena-results/{query_id}")
    assert listed["KeyCount"] == 0


def test_the_engine_stops_a_query_when_interrupted():
    interrupts, outcome = [], []

    def count() -> None:
        try:
            engine.run("SELECT count(*) FROM range(100000000000)", None, {}, on_start=interrupts.append)
        except engine.QueryFailed as failure:
            outcome.append(str(failure))

    worker = threading.Thread(target=count)
    worker.start()
    while not interrupts:
        time.sleep(0.01)
    time.sleep(0.2)
    interrupts[0]()
    worker.join(timeout=5)
    assert not worker.is_alive() and outcome and "INTERRUPT" in outcome[0].upper()
