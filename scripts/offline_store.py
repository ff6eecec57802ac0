"""Reading a feature group's offline store with Athena, as a user would: its table, and a query's rows.
Shared by `make demo`, the benchmarks and the end-to-end tests."""

from __future__ import annotations

import time

from scripts.errors import KitError


class AthenaQueryFailedError(KitError):
    def __init__(self, state: str, reason: str, sql: str) -> None:
        super().__init__(f"the Athena query ended {state} ({reason}): {sql}")


def offline_table(sagemaker, group: str) -> str:
    """The Athena table of ``group``'s offline store, quoted for a query."""
    described = sagemaker.describe_feature_group(FeatureGroupName=group)
    catalog = described["OfflineStoreConfig"]["DataCatalogConfig"]
    return f'"{catalog["Database"]}"."{catalog["TableName"]}"'


def query(athena, sql: str, output: str, interval: float = 0.1) -> tuple[list[str], list[list[str]]]:
    """The column names and rows (as text) of ``sql``, its results written under ``output`` (an S3 URI);
    the query's state is polled every ``interval`` seconds."""
    query_id = athena.start_query_execution(QueryString=sql, ResultConfiguration={"OutputLocation": output})[
        "QueryExecutionId"
    ]
    while True:
        status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        if status["State"] not in ("QUEUED", "RUNNING"):
            break
        time.sleep(interval)
    if status["State"] != "SUCCEEDED":
        raise AthenaQueryFailedError(status["State"], status.get("StateChangeReason", "no reason given"), sql)
    pages = athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id)
    header: list[str] = []
    rows: list[list[str]] = []
    for page in pages:  # 1,000 rows a page; the first row of the first page is the header
        result = page["ResultSet"]
        header = header or [column["Name"] for column in result["ResultSetMetadata"]["ColumnInfo"]]
        rows.extend([cell.get("VarCharValue", "") for cell in row["Data"]] for row in result["Rows"])
    return header, rows[1:]


def count(athena, table: str, output: str, interval: float = 0.1) -> int:
    """The rows Athena counts in ``table``."""
    [[counted]] = query(athena, f"SELECT count(*) FROM {table}", output, interval)[1]
    return int(counted)
