"""Athena's query calls answered from :class:`.models.Backend`: the execution's real state, reason, error and
statistics, and its result rows paged as GetQueryResults pages them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from moto.athena.exceptions import QueryStillRunning
from moto.athena.responses import AthenaResponse as MotoAthenaResponse

from .models import QueryExecution
from .results import as_text, column_info

MAX_RESULTS = 1000


class AthenaResponse(MotoAthenaResponse):
    def get_query_execution(self) -> str:
        execution = self.athena_backend.get_query_execution(self._get_param("QueryExecutionId"))
        return json.dumps({"QueryExecution": described(execution)})

    def get_query_results(self) -> str:
        execution = self.athena_backend.get_query_execution(self._get_param("QueryExecutionId"))
        if execution.state != "SUCCEEDED" or execution.result is None:
            raise QueryStillRunning(execution.state)
        result = execution.result
        header = [[name for name, _ in result.columns]] if result.columns else []
        rows = header + [list(row) for row in result.rows]
        start = int(self._get_param("NextToken") or 0)
        size = min(int(self._get_param("MaxResults") or MAX_RESULTS), MAX_RESULTS)
        page = rows[start : start + size]
        answer = {
            "ResultSet": {
                "Rows": [{"Data": [_datum(value) for value in row]} for row in page],
                "ResultSetMetadata": {
                    "ColumnInfo": [column_info(name, kind) for name, kind in result.columns]
                },
            },
            "UpdateCount": 0,
        }
        if start + size < len(rows):
            answer["NextToken"] = str(start + size)
        return json.dumps(answer)


def described(execution: QueryExecution) -> dict:
    status = {"State": execution.state, "SubmissionDateTime": execution.submitted}
    if execution.completed is not None:
        status["CompletionDateTime"] = execution.completed
    if execution.reason:
        status["StateChangeReason"] = execution.reason
    if execution.error:
        status["AthenaError"] = execution.error
    total_ms = int(((execution.completed or datetime.now(UTC).timestamp()) - execution.submitted) * 1000)
    first_word = (execution.query.split() or [""])[0].upper()
    answer = {
        "QueryExecutionId": execution.id,
        "Query": execution.query,
        "StatementType": "DDL"
        if first_word in ("ALTER", "CREATE", "DESCRIBE", "DROP", "MSCK", "SHOW")
        else "DML",
        "ResultConfiguration": {"OutputLocation": execution.output},
        "QueryExecutionContext": execution.context or {},
        "Status": status,
        "Statistics": {
            "EngineExecutionTimeInMillis": execution.engine_ms,
            "DataScannedInBytes": execution.scanned_bytes,
            "TotalExecutionTimeInMillis": total_ms,
        },
        "WorkGroup": execution.workgroup,
        "EngineVersion": {
            "SelectedEngineVersion": "AUTO",
            "EffectiveEngineVersion": "Athena engine version 3",
        },
        "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
    }
    if execution.execution_parameters is not None:
        answer["ExecutionParameters"] = execution.execution_parameters
    return answer


def _datum(value) -> dict:
    return {} if value is None else {"VarCharValue": as_text(value)}
