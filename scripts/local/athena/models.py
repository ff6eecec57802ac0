"""Athena query executions that run: QUEUED → RUNNING → SUCCEEDED or FAILED, in the background.

moto ends every query SUCCEEDED with no rows whatever its SQL. Here each table the query names is looked up in
Glue, its parquet files are read from the table's location in the emulator's S3, and DuckDB answers the query
(:mod:`.engine`), without the emulator's state lock while it runs. The result is written where Athena writes
it, ``<OutputLocation>/<QueryExecutionId>.csv`` and its ``.csv.metadata`` (:mod:`.results`), and
GetQueryResults pages through it with the header row first.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.athena.models import AthenaBackend
from moto.glue.models import glue_backends
from moto.moto_api._internal import mock_random

from scripts.local import concurrency, s3_objects

from . import results
from .engine import QueryFailed, Result, bind_parameters, referenced_tables, run
from .exceptions import InvalidRequestException

if TYPE_CHECKING:
    import pyarrow as pa

USER_ERROR, SYSTEM_ERROR = 2, 1
"""AthenaError.ErrorCategory values."""


class QueryExecution:
    def __init__(
        self, query: str, context: dict | None, output: str, workgroup: str, parameters: Any
    ) -> None:
        self.id = str(mock_random.uuid4())
        self.query = query
        self.context = context
        self.database = (context or {}).get("Database")
        self.output = f"{output.rstrip('/')}/{self.id}.csv"
        self.workgroup = workgroup
        self.execution_parameters = parameters
        self.state = "QUEUED"
        self.reason: str | None = None
        self.error: dict[str, Any] | None = None
        self.submitted = time.time()
        self.completed: float | None = None
        self.engine_ms = 0
        self.scanned_bytes = 0
        self.result: Result | None = None
        self.interrupt: Callable[[], None] | None = None

    def started(self, interrupt: Callable[[], None]) -> None:
        """The engine runs the query; ``interrupt`` stops it."""
        self.interrupt = interrupt

    @property
    def status(self) -> str:
        """moto's name for the state (its runtime statistics read it)."""
        return self.state

    def finish(self, state: str, reason: str | None = None, error: dict[str, Any] | None = None) -> None:
        self.state, self.reason, self.error = state, reason, error
        self.completed = time.time()


class Backend(AthenaBackend):
    def start_query_execution(
        self,
        query: str,
        context: dict | None,
        config: dict[str, Any] | None,
        workgroup: str | None,
        execution_parameters: list[str] | None,
    ) -> str:
        group = self.work_groups.get(workgroup or "primary")
        configured = ((group.configuration if group else None) or {}).get("ResultConfiguration") or {}
        output = (config or {}).get("OutputLocation") or configured.get("OutputLocation")
        if not output:
            raise InvalidRequestException(
                "No output location provided. An output location is required either through the Workgroup "
                "result configuration setting or as an API input."
            )
        execution = QueryExecution(query, context, output, workgroup or "primary", execution_parameters)
        self.executions[execution.id] = execution
        if self._CREATE_DB_PATTERN.match(query) or self._DROP_DB_PATTERN.match(query):
            self._database_ddl(execution)
        else:
            concurrency.after(0, self._run, execution)
        return execution.id

    def _database_ddl(self, execution: QueryExecution) -> None:
        """CREATE/DROP DATABASE (or SCHEMA): Athena's catalog is Glue's, so the Glue database changes too."""
        self._process_ddl(execution.query, execution.context)
        glue = glue_backends[self.account_id][self.region_name]
        created = self._CREATE_DB_PATTERN.match(execution.query)
        name = (created or self._DROP_DB_PATTERN.match(execution.query)).group(1).lower()
        if created and name not in glue.databases:
            glue.create_database(name, {"Name": name})
        elif not created:
            glue.databases.pop(name, None)
        execution.result = Result([], [])
        execution.finish("SUCCEEDED")

    def list_query_executions(self, workgroup: str | None) -> dict[str, QueryExecution]:
        return {
            exec_id: execution
            for exec_id, execution in self.executions.items()
            if workgroup is None or execution.workgroup == workgroup
        }

    def get_query_execution(self, exec_id: str) -> QueryExecution:
        execution = self.executions.get(exec_id)
        if execution is None:
            raise InvalidRequestException(f"QueryExecution {exec_id} was not found")
        return execution

    def stop_query_execution(self, exec_id: str) -> None:
        execution = self.get_query_execution(exec_id)
        if execution.state in ("QUEUED", "RUNNING"):
            execution.finish("CANCELLED", "Query was cancelled by user")
            if execution.interrupt is not None:  # running on DuckDB: stop the work too
                execution.interrupt()

    def _run(self, execution: QueryExecution) -> None:
        if execution.state != "QUEUED":
            return
        execution.state = "RUNNING"
        started = time.monotonic()
        try:
            sql = bind_parameters(execution.query, execution.execution_parameters or [])
            tables = {name: self._table(*name) for name in referenced_tables(sql, execution.database)}
            execution.scanned_bytes = sum(data.nbytes for data in tables.values())
            generation = concurrency.generation()
            with concurrency.released_state():
                result = run(sql, execution.database, tables, on_start=execution.started)
            if concurrency.generation() != generation or execution.state != "RUNNING":
                return
            self._write_result(execution, result)
        except QueryFailed as failure:
            if execution.state != "RUNNING":  # cancelled meanwhile: DuckDB's interruption is no failure
                return
            error = {"ErrorCategory": failure.category, "ErrorType": failure.error_type, "Retryable": False,
                     "ErrorMessage": str(failure)}  # fmt: skip
            execution.finish("FAILED", str(failure), error)
            return
        execution.engine_ms = int((time.monotonic() - started) * 1000)
        execution.result = result
        execution.finish("SUCCEEDED")

    def _table(self, database: str, table: str) -> pa.Table:
        """The table's rows: its Glue columns, from every object under its S3 location."""
        found = self._glue_table(database, table)
        descriptor = found.get_version(str(found._current_version))["StorageDescriptor"]
        columns = [(c["Name"], c["Type"]) for c in descriptor.get("Columns", [])]
        import pyarrow as pa  # here and in _parquet, not at the top: the emulator starts without it

        arrow_types = {
            "bigint": pa.int64(),
            "int": pa.int32(),
            "integer": pa.int32(),
            "double": pa.float64(),
            "float": pa.float32(),
            "string": pa.string(),
            "varchar": pa.string(),
            "boolean": pa.bool_(),
            "timestamp": pa.timestamp("ms", tz="UTC"),
            "date": pa.date32(),
        }
        schema = pa.schema([(name, arrow_types.get(kind.lower(), pa.string())) for name, kind in columns])
        parts = [self._parquet(key, value) for key, value in self._objects(descriptor.get("Location", ""))]
        if not parts:
            return schema.empty_table()
        try:
            rows = pa.concat_tables(parts, promote_options="default")
        except pa.ArrowInvalid as error:
            raise QueryFailed(f"HIVE_BAD_DATA: {error}", USER_ERROR, 1001) from None
        for field in schema:  # a column added to the table after a file was written: NULL, as Hive reads it
            if field.name not in rows.column_names:
                rows = rows.append_column(field, pa.nulls(rows.num_rows, field.type))
        return rows.select(schema.names)

    def _glue_table(self, database: str, table: str) -> Any:
        """The Glue table, its names compared as Athena compares them (case-insensitively)."""
        glue = glue_backends[self.account_id][self.region_name]
        databases = {name.lower(): found for name, found in glue.databases.items()}
        tables = {
            name.lower(): found for name, found in getattr(databases.get(database), "tables", {}).items()
        }
        if table not in tables:
            raise QueryFailed(
                f"TABLE_NOT_FOUND: Table 'awsdatacatalog.{database}.{table}' does not exist", USER_ERROR, 1006
            )
        return tables[table]

    def _objects(self, location: str) -> list[tuple[str, bytes]]:
        """The objects of the table's location, a folder."""
        found = s3_objects.under(self.account_id, location.rstrip("/") + "/")
        if found is None:
            raise QueryFailed(
                f"HIVE_FILESYSTEM_ERROR: the bucket of the table's location {location} does not exist",
                USER_ERROR,
            )
        return found

    @staticmethod
    def _parquet(key: str, body: bytes) -> pa.Table:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return pq.read_table(io.BytesIO(body))
        except pa.ArrowInvalid as error:
            raise QueryFailed(
                f"HIVE_BAD_DATA: {key} is not a parquet file ({error})", USER_ERROR, 1001
            ) from None

    def _write_result(self, execution: QueryExecution, result: Result) -> None:
        output = execution.output
        if not s3_objects.bucket_exists(self.account_id, output):
            bucket = s3_objects.split(output)[0]
            raise QueryFailed(f"Unable to verify/create output bucket {bucket}", USER_ERROR, 1005)
        s3_objects.write(self.account_id, output, results.csv_file(result.columns, result.rows).encode())
        started = datetime.fromtimestamp(execution.submitted, UTC)
        s3_objects.write(
            self.account_id, f"{output}.metadata", results.metadata_file(result.columns, started)
        )
