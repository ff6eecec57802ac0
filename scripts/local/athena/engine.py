"""Run one Athena query on DuckDB.

The tables a query names are found with DuckDB's own parser; each is given to DuckDB as a view, in a catalog
named ``awsdatacatalog`` with one schema per Glue database, over the Arrow data the caller loads for it (from
the table's S3 location). So ``"db"."table"``, ``db.table``, ``"AwsDataCatalog"."db"."table"`` and a bare name
in the query's database resolve as in Athena. DuckDB reads Athena's SQL for what the Feature Store's
documented queries use (window functions, quoted identifiers); where it reads something differently the
query fails with DuckDB's message rather than giving another answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

CATALOG = "awsdatacatalog"
OFFLINE = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "enable_external_access": False,
}
"""DuckDB never downloads an extension (the emulator works without a network) and reads no file of the
machine it runs on: a query sees only the tables it names."""
ATHENA_TYPES = {
    "BIGINT": "bigint",
    "HUGEINT": "bigint",
    "UBIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "tinyint",
    "DOUBLE": "double",
    "FLOAT": "float",
    "VARCHAR": "varchar",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}


_PLACEHOLDER_OR_SKIPPED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\?", re.DOTALL)
"""A ``?`` placeholder, or what may hold a ``?`` that is not one: a string, a quoted name, a comment."""


class QueryFailed(Exception):
    """The query cannot run: ``category`` and ``error_type`` as Athena's AthenaError gives them."""

    def __init__(self, message: str, category: int = 2, error_type: int = 1000) -> None:
        super().__init__(message)
        self.category = category
        self.error_type = error_type


@dataclass(frozen=True)
class Result:
    columns: list[tuple[str, str]]
    """Name and Athena type of each column."""
    rows: list[tuple[Any, ...]]


def referenced_tables(sql: str, database: str | None) -> list[tuple[str, str]]:
    """(database, table) of every table the query reads (CTE names left out)."""
    import duckdb  # here and in run(), not at the top: the emulator starts without DuckDB until a query runs

    try:
        names = duckdb.get_table_names(sql, qualified=True)
    except duckdb.Error as error:
        raise QueryFailed(str(error)) from None
    tables = []
    for name in names:
        parts = name.split(" AS ")[0].strip().split(".")
        if len(parts) == 3 and parts[0].lower() != CATALOG:
            raise QueryFailed(f"Catalog '{parts[0]}' does not exist: the emulator has AwsDataCatalog only")
        if len(parts) == 1 and not database:
            raise QueryFailed(
                f"Table '{parts[0]}' names no database and the query has no QueryExecutionContext"
            )
        db, table = (database, parts[0]) if len(parts) == 1 else parts[-2:]
        tables.append((db.lower(), table.lower()))
    return sorted(set(tables))


def bind_parameters(sql: str, values: list[str]) -> str:
    """``sql`` with each ``?`` placeholder (outside strings, quoted names and comments) replaced by the next
    of ``values``, as Athena applies ExecutionParameters: each value is SQL as written (``'text'``, ``4``)."""
    placeholders = [m.start() for m in _PLACEHOLDER_OR_SKIPPED.finditer(sql) if m.group() == "?"]
    if len(placeholders) != len(values):
        raise QueryFailed(
            f"Incorrect number of parameters: expected {len(placeholders)} but found {len(values)}"
        )
    for position, value in reversed(list(zip(placeholders, values, strict=True))):
        sql = sql[:position] + value + sql[position + 1 :]
    return sql


def run(
    sql: str,
    database: str | None,
    tables: dict[tuple[str, str], pa.Table],
    on_start: Callable[[Callable[[], None]], None] = lambda interrupt: None,
) -> Result:
    """The query's result; ``on_start`` is given a function that interrupts the query from another thread
    (it then fails with DuckDB's interruption)."""
    import duckdb

    connection = duckdb.connect(config=OFFLINE)
    on_start(connection.interrupt)
    try:
        connection.execute(f"ATTACH ':memory:' AS {CATALOG}")
        for number, ((db, table), data) in enumerate(tables.items()):
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS {CATALOG}."{db}"')
            connection.register(f"athena_source_{number}", data)
            connection.execute(
                f'CREATE VIEW {CATALOG}."{db}"."{table}" AS SELECT * FROM athena_source_{number}'
            )
        if database:
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS {CATALOG}."{database.lower()}"')
            connection.execute(f'USE {CATALOG}."{database.lower()}"')
        else:
            connection.execute(f"USE {CATALOG}")
        cursor = connection.execute(sql)
        description = cursor.description
        if description is None:
            return Result([], [])
        rows = cursor.fetchall()
        names = athena_column_names(connection, sql, [entry[0] for entry in description])
        types = [athena_type(str(entry[1])) for entry in description]
        return Result(list(zip(names, types, strict=True)), rows)
    except duckdb.Error as error:
        raise QueryFailed(str(error).splitlines()[0]) from None
    finally:
        connection.close()


def athena_type(duckdb_type: str) -> str:
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL"):
        return upper.lower()
    return ATHENA_TYPES.get(upper, "varchar")


def athena_column_names(connection: duckdb.DuckDBPyConnection, sql: str, names: list[str]) -> list[str]:
    """Athena names a selected expression without an alias ``_col<position>`` (DuckDB names it after the
    expression, ``count_star()``); a column keeps its name. Left as DuckDB names them where the select list
    has a ``*`` or the query is not a plain SELECT."""
    tree = json.loads(connection.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    node = (tree.get("statements") or [{}])[0].get("node", {})
    expressions = node.get("select_list") or []
    if node.get("type") != "SELECT_NODE" or len(expressions) != len(names):
        return names
    if any(expression["class"] == "STAR" for expression in expressions):
        return names
    return [
        f"_col{position}" if not expression["alias"] and expression["class"] != "COLUMN_REF" else name
        for position, (expression, name) in enumerate(zip(expressions, names, strict=True))
    ]
