"""SageMaker's feature group calls and the featurestore-runtime API (REST: ``/FeatureGroup/<name>``,
``/BatchGetRecord``), both answered from :class:`.models.Backend`."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, BaseResponse, EmptyResult
from moto.sagemaker.exceptions import ResourceNotFound
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse as MotoSageMakerResponse

from .models import Backend

DEFAULT_PAGE = 10


class SageMakerResponse(MotoSageMakerResponse):
    def create_feature_group(self) -> ActionResult:
        return ActionResult(
            {"FeatureGroupArn": self.sagemaker_backend.create_feature_group_from(dict(self.params))}
        )

    def list_feature_groups(self) -> ActionResult:
        summaries = self.sagemaker_backend.list_feature_groups_matching(dict(self.params))
        return ActionResult(self._page("FeatureGroupSummaries", summaries))

    def list_pipeline_executions(self) -> ActionResult:
        summaries = self.sagemaker_backend.list_pipeline_executions_matching(dict(self.params))
        return ActionResult(self._page("PipelineExecutionSummaries", summaries))

    def list_pipeline_parameters_for_execution(self) -> ActionResult:
        listed = self.sagemaker_backend.list_pipeline_parameters_for_execution(
            self._get_param("PipelineExecutionArn")
        )
        return ActionResult(self._page("PipelineParameters", listed["PipelineParameters"]))

    def _page(self, key: str, items: list[Any]) -> dict[str, Any]:
        """One page of ``items`` (MaxResults, NextToken)."""
        start = int(self._get_param("NextToken") or 0)
        end = start + int(self._get_param("MaxResults") or DEFAULT_PAGE)
        page: dict[str, Any] = {key: items[start:end]}
        if end < len(items):
            page["NextToken"] = str(end)
        return page

    def start_pipeline_execution(self) -> ActionResult:
        arn = self.sagemaker_backend.start_pipeline_execution_from(dict(self.params))
        return ActionResult({"PipelineExecutionArn": arn})

    def list_pipeline_execution_steps(self) -> ActionResult:
        steps = self.sagemaker_backend.list_pipeline_execution_steps(self._get_param("PipelineExecutionArn"))
        return ActionResult({"PipelineExecutionSteps": steps})

    def stop_pipeline_execution(self) -> ActionResult:
        arn = self.sagemaker_backend.stop_pipeline_execution(self._get_param("PipelineExecutionArn"))
        return ActionResult({"PipelineExecutionArn": arn})

    def update_feature_group(self) -> ActionResult:
        return ActionResult(
            {"FeatureGroupArn": self.sagemaker_backend.update_feature_group(dict(self.params))}
        )

    def describe_feature_metadata(self) -> ActionResult:
        return ActionResult(
            self.sagemaker_backend.describe_feature_metadata(
                self._get_param("FeatureGroupName"), self._get_param("FeatureName")
            )
        )

    def update_feature_metadata(self) -> ActionResult:
        self.sagemaker_backend.update_feature_metadata(dict(self.params))
        return EmptyResult()

    def delete_feature_group(self) -> ActionResult:
        self.sagemaker_backend.delete_feature_group(self._get_param("FeatureGroupName"))
        return EmptyResult()

    # -- projects (:mod:`.projects`) ------------------------------------------------------------------
    def create_project(self) -> ActionResult:
        project = self.sagemaker_backend.create_project(dict(self.params))
        return ActionResult({"ProjectArn": project.arn, "ProjectId": project.id})

    def describe_project(self) -> ActionResult:
        return ActionResult(self.sagemaker_backend.project(self._get_param("ProjectName")).describe())

    def list_projects(self) -> ActionResult:
        summaries = self.sagemaker_backend.list_projects_matching(dict(self.params))
        return ActionResult(self._page("ProjectSummaryList", summaries))

    def update_project(self) -> ActionResult:
        project = self.sagemaker_backend.update_project(dict(self.params))
        return ActionResult({"ProjectArn": project.arn})

    def delete_project(self) -> ActionResult:
        self.sagemaker_backend.delete_project(self._get_param("ProjectName"))
        return EmptyResult()


class FeatureStoreRuntimeResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="sagemaker-featurestore-runtime")
        self.automated_parameter_parsing = True

    @property
    def backend(self) -> Backend:
        return sagemaker_backends[self.current_account][self.region]

    def put_record(self) -> ActionResult:
        self.backend.put_record(
            self._get_param("FeatureGroupName"), self._get_param("Record"), self._get_param("TargetStores")
        )
        return EmptyResult()

    def get_record(self) -> ActionResult:
        record = self.backend.get_record(
            self._get_param("FeatureGroupName"),
            self._get_param("RecordIdentifierValueAsString"),
            self._get_param("FeatureNames"),
        )
        return ActionResult({"Record": record} if record else {})

    def delete_record(self) -> ActionResult:
        self.backend.delete_record(
            self._get_param("FeatureGroupName"),
            self._get_param("RecordIdentifierValueAsString"),
            self._get_param("EventTime"),
            self._get_param("DeletionMode"),
            self._get_param("TargetStores"),
        )
        return EmptyResult()

    def batch_get_record(self) -> ActionResult:
        records, errors, unprocessed = [], [], []
        for identifier in self._get_param("Identifiers") or []:
            group = identifier["FeatureGroupName"]
            for record_id in identifier["RecordIdentifiersValueAsString"]:
                try:
                    record = self.backend.get_record(group, record_id, identifier.get("FeatureNames"))
                except ResourceNotFound as missing:
                    errors.append(_batch_error(group, record_id, "ResourceNotFound", missing.message))
                    continue
                if record:
                    records.append(
                        {
                            "FeatureGroupName": group,
                            "RecordIdentifierValueAsString": record_id,
                            "Record": record,
                        }
                    )
        return ActionResult({"Records": records, "Errors": errors, "UnprocessedIdentifiers": unprocessed})


def _batch_error(group: str, record_id: str, code: str, message: str) -> dict[str, str]:
    return {
        "FeatureGroupName": group,
        "RecordIdentifierValueAsString": record_id,
        "ErrorCode": code,
        "ErrorMessage": message,
    }
