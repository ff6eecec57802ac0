"""CodePipeline actions moto lacks: GetPipelineState and ListActionExecutions."""

from __future__ import annotations

import json

from moto.codepipeline.responses import CodePipelineResponse as MotoCodePipelineResponse

from .models import Backend


class CodePipelineResponse(MotoCodePipelineResponse):
    @property
    def backend(self) -> Backend:
        return self.codepipeline_backend  # type: ignore[return-value]

    def get_pipeline_state(self) -> str:
        return json.dumps(self.backend.get_pipeline_state(self._get_param("name")))

    def list_action_executions(self) -> str:
        pipeline_filter = self._get_param("filter") or {}
        details = self.backend.list_action_executions(
            self._get_param("pipelineName"), pipeline_filter.get("pipelineExecutionId")
        )
        limit = self._get_param("maxResults") or 100
        start = int(self._get_param("nextToken") or 0)
        page = details[start : start + limit]
        answer = {"actionExecutionDetails": page}
        if start + limit < len(details):
            answer["nextToken"] = str(start + limit)
        return json.dumps(answer)
