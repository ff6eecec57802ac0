"""SageMaker with a Feature Store that keeps what it is given and stores records.

moto's feature groups drop ``OnlineStoreConfig``, overwrite a caller's ``DataCatalogConfig``, fail without an
offline store, answer an unknown name with HTTP 500 and cannot be listed or deleted; there is no
featurestore-runtime. Here a group is checked as CreateFeatureGroup checks it, goes Creating → Created (and
Deleting → gone) in the background, gets its Glue table, and takes records through PutRecord into the online
and offline stores (:mod:`.featurestore`).
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.core.exceptions import JsonRESTError
from moto.glue.models import glue_backends
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import PAGINATION_MODEL, BaseObject, SageMakerModelBackend
from moto.sagemaker.utils import arn_formatter, get_pipeline_execution_from_arn
from moto.utilities.paginator import paginate

from scripts.local import concurrency, s3_objects

from .featurestore import ingestion, offline_store
from .featurestore.definitions import FeatureGroupDefinition, check_online_config, event_time
from .featurestore.online_store import OnlineStore
from .pipelines import definition as pipeline_definition
from .pipelines.executions import PipelineExecution, execute
from .projects import ProjectsMixin

if TYPE_CHECKING:
    import pyarrow as pa

STATUS_CHANGE_SECONDS = 0.05
"""How long a feature group stays Creating or Deleting (AWS: seconds to a minute)."""
CATALOG_DATABASE = "sagemaker_featurestore"


@dataclass
class FeatureMetadata:
    """What DescribeFeatureMetadata shows of a feature besides its name and type."""

    creation_time: datetime
    last_modified_time: datetime | None = None
    description: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)


class FeatureGroup(BaseObject):
    """A feature group as DescribeFeatureGroup shows it, with its checked definition."""

    def __init__(
        self, definition: FeatureGroupDefinition, request: dict[str, Any], account: str, region: str
    ):
        self.definition = definition
        self.arn = arn_formatter("feature-group", definition.name.lower(), account, region)
        self.creation_time = datetime.now(UTC)
        self.status = "Creating"
        self.failure_reason: str | None = None
        self.request = request
        self.tags: list[dict[str, str]] = list(request.get("Tags") or [])
        self.offline = self._offline_config(request.get("OfflineStoreConfig"), account, region)
        self.offline_status: dict[str, str] | None = {"Status": "Active"} if self.offline else None
        self.throughput = request.get("ThroughputConfig") or {"ThroughputMode": "OnDemand"}
        self.last_modified_time: datetime | None = None
        self.last_update_status: dict[str, str] | None = None
        self.feature_metadata = {name: FeatureMetadata(self.creation_time) for name in definition.features}

    def _offline_config(
        self, given: dict[str, Any] | None, account: str, region: str
    ) -> dict[str, Any] | None:
        if not given:
            return None
        config = {**given, "S3StorageConfig": dict(given["S3StorageConfig"])}
        storage = config["S3StorageConfig"]
        storage["ResolvedOutputS3Uri"] = offline_store.resolved_uri(
            storage["S3Uri"], account, region, self.definition.name, self.creation_time
        )
        if not config.get("DataCatalogConfig"):
            table = f"{self.definition.name.replace('-', '_')}_{int(self.creation_time.timestamp())}"
            config["DataCatalogConfig"] = {
                "TableName": table,
                "Catalog": "AwsDataCatalog",
                "Database": CATALOG_DATABASE,
            }
        config.setdefault("DisableGlueTableCreation", False)
        config.setdefault("TableFormat", "Glue")
        return config

    @property
    def offline_location(self) -> str | None:
        return self.offline["S3StorageConfig"]["ResolvedOutputS3Uri"] if self.offline else None

    @property
    def writable_offline_location(self) -> str | None:
        """Where records go, unless the offline store is Blocked (AWS then writes only online)."""
        active = self.offline_status and self.offline_status["Status"] == "Active"
        return self.offline_location if active else None

    def describe(self) -> dict[str, Any]:
        described = {
            "FeatureGroupArn": self.arn,
            "FeatureGroupName": self.definition.name,
            "RecordIdentifierFeatureName": self.definition.record_identifier,
            "EventTimeFeatureName": self.definition.event_time,
            "FeatureDefinitions": [
                {"FeatureName": name, "FeatureType": kind} for name, kind in self.definition.features.items()
            ],
            "CreationTime": self.creation_time,
            "OnlineStoreConfig": self.request.get("OnlineStoreConfig"),
            "OfflineStoreConfig": self.offline,
            "ThroughputConfig": self.throughput,
            "RoleArn": self.request.get("RoleArn"),
            "FeatureGroupStatus": self.status,
            "FailureReason": self.failure_reason,
            "Description": self.request.get("Description"),
            "LastModifiedTime": self.last_modified_time,
            "LastUpdateStatus": self.last_update_status,
        }
        if self.offline_status:
            described["OfflineStoreStatus"] = self.offline_status
        return {key: value for key, value in described.items() if value is not None}

    def summary(self) -> dict[str, Any]:
        summary = {
            "FeatureGroupName": self.definition.name,
            "FeatureGroupArn": self.arn,
            "CreationTime": self.creation_time,
            "FeatureGroupStatus": self.status,
        }
        return summary | ({"OfflineStoreStatus": self.offline_status} if self.offline_status else {})


class PipelineBackendMixin:
    """Pipeline executions that run (:mod:`.pipelines`)."""

    def pipeline_named(self, name: str) -> Any:
        """The pipeline; ResourceNotFound, as StartPipelineExecution and ListPipelineExecutions answer for
        one that does not exist (moto answers ValidationException, which callers take for a bad request)."""
        if name not in self.pipelines:
            arn = arn_formatter("pipeline", name, self.account_id, self.region_name)
            raise ResourceNotFound(message=f"Pipeline '{arn}' does not exist.")
        return self.pipelines[name]

    def start_pipeline_execution_from(self, request: dict[str, Any]) -> str:
        pipeline = self.pipeline_named(request["PipelineName"])
        token = request.get("ClientRequestToken")
        if token:
            for arn, known in pipeline.pipeline_executions.items():
                if known.client_request_token == token:
                    return arn
        try:
            definition = pipeline_definition.parse(pipeline.pipeline_definition)
        except pipeline_definition.DefinitionError as error:
            raise ValidationError(f"Pipeline {pipeline.pipeline_name} cannot be executed: {error}") from None
        values = pipeline_definition.parameters(definition, request.get("PipelineParameters"))
        execution_id = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(12))
        arn = arn_formatter(
            "pipeline",
            f"{pipeline.pipeline_name}/execution/{execution_id}",
            self.account_id,
            self.region_name,
        )
        execution = PipelineExecution(pipeline, arn, values, request)
        pipeline.pipeline_executions[arn] = execution
        pipeline.last_execution_time = execution.start_time
        concurrency.after(0, execute, self, execution)
        return arn

    def describe_pipeline_execution(self, pipeline_execution_arn: str) -> dict[str, Any]:
        execution = get_pipeline_execution_from_arn(self.pipelines, pipeline_execution_arn)
        described = {
            "PipelineArn": execution.pipeline.arn,
            "PipelineExecutionArn": execution.arn,
            "PipelineExecutionDisplayName": execution.pipeline_execution_display_name,
            "PipelineExecutionStatus": execution.pipeline_execution_status,
            "PipelineExecutionDescription": execution.pipeline_execution_description,
            "PipelineExperimentConfig": {
                "ExperimentName": execution.pipeline.pipeline_name,
                "TrialName": execution.execution_id,
            },
            "FailureReason": execution.pipeline_execution_failure_reason,
            "CreationTime": execution.creation_time,
            "LastModifiedTime": execution.last_modified_time,
            "CreatedBy": execution.created_by,
            "LastModifiedBy": execution.last_modified_by,
            "ParallelismConfiguration": execution.parallelism_configuration,
        }
        return {key: value for key, value in described.items() if value is not None}

    def list_pipeline_executions_matching(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """The pipeline's executions, filtered by creation time and sorted as the request says (default:
        newest first)."""
        pipeline = self.pipeline_named(request["PipelineName"])
        executions = _created_between(
            pipeline.pipeline_executions.values(),
            lambda e: e.start_time,
            request.get("CreatedAfter"),
            request.get("CreatedBefore"),
        )
        by_arn = request.get("SortBy") == "PipelineExecutionArn"
        executions.sort(
            key=(lambda e: e.arn) if by_arn else (lambda e: e.start_time),
            reverse=(request.get("SortOrder") or "Descending") == "Descending",
        )
        summaries = []
        for execution in executions:
            summary = {
                "PipelineExecutionArn": execution.arn,
                "StartTime": execution.start_time,
                "PipelineExecutionStatus": execution.pipeline_execution_status,
                "PipelineExecutionDescription": execution.pipeline_execution_description,
                "PipelineExecutionDisplayName": execution.pipeline_execution_display_name,
                "PipelineExecutionFailureReason": execution.pipeline_execution_failure_reason,
            }
            summaries.append({key: value for key, value in summary.items() if value is not None})
        return summaries

    def list_pipeline_parameters_for_execution(self, pipeline_execution_arn: str) -> dict[str, Any]:
        """Every parameter the execution ran with, given or defaulted, as strings."""
        execution = get_pipeline_execution_from_arn(self.pipelines, pipeline_execution_arn)
        given = {entry["Name"]: entry["Value"] for entry in execution.pipeline_parameters}
        parameters = [
            {"Name": name, "Value": given.get(name, pipeline_definition.as_text(value))}
            for name, value in execution.values.items()
        ]
        return {"PipelineParameters": parameters}

    def list_pipeline_execution_steps(self, pipeline_execution_arn: str) -> list[dict[str, Any]]:
        execution = get_pipeline_execution_from_arn(self.pipelines, pipeline_execution_arn)
        return [step.summary() for step in reversed(execution.steps)]

    def stop_pipeline_execution(self, pipeline_execution_arn: str) -> str:
        execution = get_pipeline_execution_from_arn(self.pipelines, pipeline_execution_arn)
        if execution.pipeline_execution_status != "Executing":
            raise ValidationError(
                f"Pipeline execution {pipeline_execution_arn} is {execution.pipeline_execution_status}: "
                "only an Executing one can be stopped."
            )
        execution.stop()
        return execution.arn


class Backend(ProjectsMixin, PipelineBackendMixin, SageMakerModelBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.online_store = OnlineStore()

    # -- tags (moto appends a key given again, and a resource created without tags has None) ------------
    def add_tags(self, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        resource = self._get_resource_from_arn(arn)
        given = {tag["Key"] for tag in tags}
        resource.tags = [tag for tag in resource.tags or [] if tag["Key"] not in given] + list(tags)
        return resource.tags

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_tags(self, arn: str) -> list[dict[str, str]]:
        return self._get_resource_from_arn(arn).tags or []

    def delete_tags(self, arn: str, tag_keys: list[str]) -> None:
        resource = self._get_resource_from_arn(arn)
        resource.tags = [tag for tag in resource.tags or [] if tag["Key"] not in tag_keys]

    # -- control plane ----------------------------------------------------------------------------------
    def create_feature_group_from(self, request: dict[str, Any]) -> str:
        definition = FeatureGroupDefinition.from_request(request)
        group = FeatureGroup(definition, request, self.account_id, self.region_name)
        if group.arn in self.feature_groups:
            raise ResourceInUseException(
                message=f"Resource Already Exists: FeatureGroup with name {definition.name} already exists. "
                f"Choose a different name.\nInfo: Feature Group '{definition.name}' already exists."
            )
        if group.offline:
            group.offline_status = self._offline_store_status(group.offline["S3StorageConfig"]["S3Uri"])
        self.feature_groups[group.arn] = group
        concurrency.after(STATUS_CHANGE_SECONDS, self._created, group)
        return group.arn

    def _offline_store_status(self, s3_uri: str) -> dict[str, str]:
        """Active, or Blocked (with AWS's BlockedReason field) when the bucket cannot be written."""
        if s3_objects.bucket_exists(self.account_id, s3_uri):
            return {"Status": "Active"}
        bucket = s3_objects.split(s3_uri)[0]
        return {"Status": "Blocked", "BlockedReason": f"The S3 bucket {bucket} of {s3_uri} does not exist."}

    def _created(self, group: FeatureGroup) -> None:
        if self.feature_groups.get(group.arn) is not group:
            return
        if group.offline and not group.offline["DisableGlueTableCreation"]:
            try:
                self._create_table(group)
            except JsonRESTError as error:
                group.status, group.failure_reason = "CreateFailed", f"Glue table: {error.message}"
                return
        group.status = "Created"

    def _create_table(self, group: FeatureGroup) -> None:
        catalog = group.offline["DataCatalogConfig"]
        glue = glue_backends[self.account_id][self.region_name]
        if catalog["Database"] not in glue.databases:
            glue.create_database(catalog["Database"], {"Name": catalog["Database"]})
        table_input = {
            "Name": catalog["TableName"],
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
            "PartitionKeys": [],
            "StorageDescriptor": {
                "Columns": offline_store.glue_columns(group.definition.features),
                "Location": group.offline_location,
                "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                },
            },
        }
        database = glue.get_database(catalog["Database"])
        if catalog["TableName"] in database.tables:  # a deleted group's table (AWS keeps it) of the same name
            glue.update_table(catalog["Database"], catalog["TableName"], table_input)
        else:
            glue.create_table(catalog["Database"], catalog["TableName"], table_input)

    def feature_group(self, name: str) -> FeatureGroup:
        """The group named ``name`` (or its ARN); ResourceNotFound as AWS words it."""
        arn = (
            name
            if name.startswith("arn:")
            else arn_formatter("feature-group", name.lower(), self.account_id, self.region_name)
        )
        group = self.feature_groups.get(arn)
        if group is None:
            raise ResourceNotFound(
                message=f"Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name {name}"
            )
        return group

    def describe_feature_group(self, feature_group_name: str) -> dict[str, Any]:
        return self.feature_group(feature_group_name).describe()

    def list_feature_groups_matching(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        groups = _created_between(
            self.feature_groups.values(),
            lambda g: g.creation_time,
            request.get("CreationTimeAfter"),
            request.get("CreationTimeBefore"),
        )
        if request.get("NameContains"):
            groups = [g for g in groups if request["NameContains"] in g.definition.name]
        if request.get("FeatureGroupStatusEquals"):
            groups = [g for g in groups if g.status == request["FeatureGroupStatusEquals"]]
        key = {"Name": lambda g: g.definition.name, "FeatureGroupStatus": lambda g: g.status}.get(
            request.get("SortBy") or "CreationTime", lambda g: g.creation_time
        )
        groups.sort(key=key, reverse=(request.get("SortOrder") or "Descending") == "Descending")
        return [group.summary() for group in groups]

    def update_feature_group(self, request: dict[str, Any]) -> str:
        """Added features (and throughput) in the background: LastUpdateStatus InProgress → Successful, the
        Glue table given the new columns; the records already stored have no value for them."""
        group = self.feature_group(request["FeatureGroupName"])
        if group.status != "Created" or (group.last_update_status or {}).get("Status") == "InProgress":
            raise ResourceInUseException(
                message=f"Feature group {group.definition.name} is {group.status}"
                f"{' and being updated' if group.status == 'Created' else ''}: try again later."
            )
        check_online_config(request.get("OnlineStoreConfig") or {})
        additions = (
            group.definition.checked_additions(request["FeatureAdditions"])
            if "FeatureAdditions" in request
            else {}
        )
        group.last_update_status = {"Status": "InProgress"}
        group.last_modified_time = datetime.now(UTC)
        concurrency.after(
            STATUS_CHANGE_SECONDS, self._updated, group, additions, request.get("ThroughputConfig")
        )
        return group.arn

    def _updated(self, group: FeatureGroup, additions: dict[str, str], throughput: dict | None) -> None:
        if self.feature_groups.get(group.arn) is not group:
            return
        group.definition.features.update(additions)
        now = datetime.now(UTC)
        for name in additions:
            group.feature_metadata[name] = FeatureMetadata(now)
        group.throughput = throughput or group.throughput
        group.last_modified_time = now
        if additions and group.offline and not group.offline["DisableGlueTableCreation"]:
            try:
                self._create_table(group)
            except JsonRESTError as error:
                group.last_update_status = {
                    "Status": "Failed",
                    "FailureReason": f"Glue table: {error.message}",
                }
                return
        group.last_update_status = {"Status": "Successful"}

    def describe_feature_metadata(self, group_name: str, feature_name: str) -> dict[str, Any]:
        group, metadata = self._feature(group_name, feature_name)
        described = {
            "FeatureGroupArn": group.arn,
            "FeatureGroupName": group.definition.name,
            "FeatureName": feature_name,
            "FeatureType": group.definition.features[feature_name],
            "CreationTime": metadata.creation_time,
            "LastModifiedTime": metadata.last_modified_time or metadata.creation_time,
            "Description": metadata.description,
            "Parameters": [{"Key": key, "Value": value} for key, value in metadata.parameters.items()],
        }
        return {key: value for key, value in described.items() if value is not None}

    def update_feature_metadata(self, request: dict[str, Any]) -> None:
        _, metadata = self._feature(request["FeatureGroupName"], request["FeatureName"])
        if "Description" in request:
            metadata.description = request["Description"]
        for key in request.get("ParameterRemovals") or []:
            metadata.parameters.pop(key, None)
        for parameter in request.get("ParameterAdditions") or []:
            metadata.parameters[parameter["Key"]] = parameter["Value"]
        metadata.last_modified_time = datetime.now(UTC)

    def _feature(self, group_name: str, feature_name: str) -> tuple[FeatureGroup, FeatureMetadata]:
        group = self.feature_group(group_name)
        if feature_name not in group.feature_metadata:
            raise ResourceNotFound(
                message=f"Resource Not Found: Feature {feature_name} does not exist in FeatureGroup "
                f"{group.definition.name}."
            )
        return group, group.feature_metadata[feature_name]

    def delete_feature_group(self, feature_group_name: str) -> None:
        """Deleting → gone in the background; the offline store's data and Glue table stay, as on AWS."""
        group = self.feature_group(feature_group_name)
        if group.status == "Creating":
            raise ResourceInUseException(
                message=f"Feature group {group.definition.name} is being created; try again later."
            )
        group.status = "Deleting"
        self.online_store.drop(group.definition.name)
        concurrency.after(STATUS_CHANGE_SECONDS, self._deleted, group)

    def _deleted(self, group: FeatureGroup) -> None:
        if self.feature_groups.get(group.arn) is group:
            del self.feature_groups[group.arn]

    # -- featurestore-runtime ---------------------------------------------------------------------------
    def _ready_group(self, name: str) -> FeatureGroup:
        group = self.feature_group(name)
        if group.status != "Created":
            state = f"Feature group {group.definition.name} is {group.status}"
            raise ResourceNotFound(message=f"{state}: it takes records once Created.")
        return group

    def ingest_table(self, group: FeatureGroup, table: pa.Table) -> ingestion.Ingested:
        """A processing job's output: every record checked, then all written."""
        return ingestion.ingest_table(
            group.definition, group.writable_offline_location, self.online_store, self.account_id, table
        )

    def put_record(self, name: str, record: list[dict[str, str]], target_stores: list[str] | None) -> None:
        group = self._ready_group(name)
        ingestion.ingest(
            group.definition,
            group.writable_offline_location,
            self.online_store,
            self.account_id,
            [record],
            target_stores,
        )

    def get_record(self, name: str, record_id: str, feature_names: list[str] | None) -> list[dict[str, str]]:
        group = self._ready_group(name)
        if not group.definition.online:
            raise ValidationError(f"Feature group {group.definition.name} has no online store to read from.")
        unknown = [feature for feature in feature_names or [] if feature not in group.definition.features]
        if unknown:
            raise ValidationError(
                f"Features {unknown} are not defined in feature group {group.definition.name}."
            )
        values = (
            self.online_store.get(group.definition.name, group.definition.identifier_key(record_id)) or {}
        )
        wanted = feature_names or list(values)
        return [{"FeatureName": f, "ValueAsString": values[f]} for f in wanted if f in values]

    def delete_record(
        self, name: str, record_id: str, at: str, mode: str | None, targets: list[str] | None
    ) -> None:
        group = self._ready_group(name)
        definition = group.definition
        when = event_time(at, definition.features[definition.event_time])
        stores = targets or ingestion.group_stores(definition, group.writable_offline_location)
        if "OnlineStore" in stores:
            key = definition.identifier_key(record_id)
            self.online_store.delete(definition.name, key, when, hard=(mode == "HardDelete"))
        if "OfflineStore" in stores and group.writable_offline_location:
            ingestion.write_deletion(definition, group.offline_location, self.account_id, record_id, at)


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), UTC)


def _created_between(items: Any, created: Any, after: Any, before: Any) -> list[Any]:
    """``items`` created strictly after ``after`` and before ``before`` (either may be None), compared at
    the API's millisecond precision."""
    low, high = (_as_datetime(bound) if bound else None for bound in (after, before))
    return [
        item
        for item in items
        if (low is None or _to_millisecond(created(item)) > low)
        and (high is None or _to_millisecond(created(item)) < high)
    ]


def _to_millisecond(moment: datetime) -> datetime:
    """``moment`` as precise as the API's timestamps, so a time read back from a response compares equal."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
