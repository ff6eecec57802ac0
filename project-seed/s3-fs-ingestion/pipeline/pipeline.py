"""The SageMaker pipeline of this project: one Data Wrangler processing step into Feature Store.

`get_pipeline()` only *builds* the pipeline object; `build.py` upserts it. Building the definition
makes no AWS call: the session's default bucket is answered locally (see `ArtifactBucketSession`),
the Data Wrangler image URI comes from the SDK's bundled table, and SDK telemetry is opted out.

Written for the SageMaker Python SDK v2 (`sagemaker==2.257.7`, see requirements.txt).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence

# The v2 SDK emits a FutureWarning about v3 at import; it is noise here and an error under
# `pytest -W error`. Must be set before `sagemaker` is imported.
os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")

import boto3
from sagemaker import image_uris
from sagemaker.processing import (
    FeatureStoreOutput,
    ProcessingInput,
    ProcessingOutput,
    Processor,
)
from sagemaker.workflow.parameters import ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.pipeline_definition_config import PipelineDefinitionConfig
from sagemaker.workflow.retry import (
    SageMakerJobExceptionTypeEnum,
    SageMakerJobStepRetryPolicy,
    StepExceptionTypeEnum,
    StepRetryPolicy,
)
from sagemaker.workflow.steps import ProcessingStep

STEP_NAME = "datawrangler-processing-to-feature-store"
DEFAULT_INSTANCE_TYPE = "ml.m5.4xlarge"
PROCESSING_ROOT = "/opt/ml/processing"
FLOW_INPUT_NAME = "flow"

# Throttling and capacity errors are retried by the pipeline itself, after 1, 2, 4 and 8 minutes (a
# policy takes MaxAttempts or ExpireAfterMin, not both), before the execution fails and raises the
# project's alarm.
RETRY_POLICIES = [
    StepRetryPolicy(
        exception_types=[StepExceptionTypeEnum.SERVICE_FAULT, StepExceptionTypeEnum.THROTTLING],
        interval_seconds=60,
        backoff_rate=2.0,
        max_attempts=5,
    ),
    SageMakerJobStepRetryPolicy(
        exception_types=[
            SageMakerJobExceptionTypeEnum.RESOURCE_LIMIT,
            SageMakerJobExceptionTypeEnum.CAPACITY_ERROR,
            SageMakerJobExceptionTypeEnum.INTERNAL_ERROR,
        ],
        interval_seconds=60,
        backoff_rate=2.0,
        max_attempts=5,
    ),
]

# No usage telemetry (it would call STS and an HTTPS endpoint on create/upsert). Passing a config
# also keeps the SDK from applying SDK-defaults files found on the build machine.
SAGEMAKER_CONFIG = {
    "SchemaVersion": "1.0",
    "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}},
}


class ArtifactBucketSession(PipelineSession):
    """A PipelineSession whose default bucket is the project's artifacts bucket, answered locally.

    The stock `default_bucket()` calls S3 (HeadBucket/CreateBucket) the first time it is used, which
    `Pipeline.definition()` does even when the bucket name was given. The artifacts bucket is created
    by the project's CloudFormation stack, so there is nothing to check or create here.
    """

    def __init__(self, *, default_bucket: str, **kwargs) -> None:
        if not default_bucket:
            raise ValueError("default_bucket is required (the project's artifacts bucket)")
        super().__init__(default_bucket=default_bucket, **kwargs)

    def default_bucket(self) -> str:
        return self._default_bucket_name_override


def data_wrangler_image_uri(region: str) -> str:
    try:
        return image_uris.retrieve(framework="data-wrangler", region=region)
    except ValueError:
        raise ValueError(
            f"the Data Wrangler container is not published in region {region!r}; "
            "deploy the project in a region where Data Wrangler is available"
        ) from None


def _s3_input(name: str, source: ParameterString, data_type: str) -> ProcessingInput:
    """An input copied from S3 to /opt/ml/processing/<name>, the layout the container reads."""
    return ProcessingInput(
        input_name=name,
        source=source,
        destination=f"{PROCESSING_ROOT}/{name}",
        s3_data_type=data_type,
        s3_input_mode="File",
        s3_data_distribution_type="FullyReplicated",
    )


def _check_dataset_name(name: str) -> None:
    if not name or "/" in name or name in {".", "..", FLOW_INPUT_NAME}:
        raise ValueError(
            f"the flow's source dataset name {name!r} cannot be used as a processing input name "
            f"(it must not be empty, contain '/', or be {FLOW_INPUT_NAME!r}); rename the source "
            "in Data Wrangler"
        )


def get_pipeline(
    *,
    region: str,
    pipeline_name: str,
    role_arn: str,
    default_bucket: str,
    flow_url: str,
    dataset_names: Sequence[str],
    output_name: str,
    feature_group_name: str,
    job_name_prefix: str,
    instance_type: str = DEFAULT_INSTANCE_TYPE,
    boto_session: boto3.session.Session | None = None,
    sagemaker_client=None,
) -> Pipeline:
    """Build (do not upsert) the ingestion pipeline.

    - `flow_url`: default of the InputFlowUrl parameter (`s3://bucket/key.flow`).
    - `dataset_names`: the flow's source dataset names; exactly one is supported.
    - `output_name`: the flow output `<node_id>.<output>` to ingest.
    - `job_name_prefix`: the processing jobs' name prefix (the pipeline role may start only those).
    - `instance_type`: default of the ProcessingInstanceType parameter (the only type the role allows).
    - `boto_session` / `sagemaker_client`: injected by tests and by build.py.
    """
    dataset_names = list(dataset_names)
    if len(dataset_names) != 1:
        raise ValueError(
            f"this template ingests one dataset, but the flow has {len(dataset_names)} sources "
            f"({', '.join(dataset_names) or 'none'}); use a flow with a single source"
        )
    dataset_name = dataset_names[0]
    _check_dataset_name(dataset_name)
    image_uri = data_wrangler_image_uri(region)

    session = ArtifactBucketSession(
        boto_session=boto_session or boto3.Session(region_name=region),
        sagemaker_client=sagemaker_client,
        default_bucket=default_bucket,
        sagemaker_config=SAGEMAKER_CONFIG,
    )

    instance_type = ParameterString(name="ProcessingInstanceType", default_value=instance_type)
    instance_count = ParameterInteger(name="ProcessingInstanceCount", default_value=1)
    volume_size = ParameterInteger(name="ProcessingVolumeSize", default_value=50)
    input_flow = ParameterString(name="InputFlowUrl", default_value=flow_url)
    # No defaults: the flow's own s3Uri belongs to whoever authored the flow. The project's Lambda passes
    # the uploaded object (InputDataUrl, for the record) and a manifest listing exactly that object
    # (InputManifestUrl, what the job reads): an S3 prefix would also take `a.csv.bak` and `a.csv/...`.
    # A manual run writes the manifest: [{"prefix": "s3://bucket/"}, "key/of/the.csv"].
    input_data = ParameterString(name="InputDataUrl")
    input_manifest = ParameterString(name="InputManifestUrl")
    feature_group = ParameterString(name="FeatureGroupName", default_value=feature_group_name)
    # The original sample also had a FlowOutputName parameter. It is fixed here, at build time, from
    # the flow instead: the output name must be identical in the ProcessingOutput and as the key of
    # the JSON in `--output-config`, and a pipeline parameter cannot be a key inside that JSON string.
    # A run-time override would also be meaningless without a different flow, and the flow's node ids
    # are read at build time. To ingest another node, set DataWranglerOutputName and rebuild (push).
    # Note: InputFlowUrl stays overridable, but an overriding flow must keep the same source dataset
    # name and output node id (an edited copy of the same flow does).

    processor = Processor(
        role=role_arn,
        image_uri=image_uri,
        instance_count=instance_count,
        instance_type=instance_type,
        volume_size_in_gb=volume_size,
        base_job_name=job_name_prefix,
        sagemaker_session=session,
    )

    inputs = [
        _s3_input(FLOW_INPUT_NAME, input_flow, "S3Prefix"),
        # Named after the flow's source dataset: that is how the container swaps in new data.
        _s3_input(dataset_name, input_manifest, "ManifestFile"),
    ]
    outputs = [
        ProcessingOutput(
            output_name=output_name,
            app_managed=True,
            feature_store_output=FeatureStoreOutput(feature_group_name=feature_group),
        )
    ]
    arguments = ["--output-config", json.dumps({output_name: {"content_type": "CSV"}})]

    with warnings.catch_warnings():
        # In a PipelineSession, run() only records the request; the SDK says so with a UserWarning.
        warnings.filterwarnings("ignore", message="Running within a PipelineSession", category=UserWarning)
        step_args = processor.run(inputs=inputs, outputs=outputs, arguments=arguments)

    step = ProcessingStep(name=STEP_NAME, step_args=step_args, retry_policies=RETRY_POLICIES)
    return Pipeline(
        name=pipeline_name,
        parameters=[
            instance_type,
            instance_count,
            volume_size,
            input_flow,
            input_data,
            input_manifest,
            feature_group,
        ],
        steps=[step],
        sagemaker_session=session,
        # Jobs are named <job_name_prefix>-..., so the pipeline role can be scoped to this project's jobs.
        pipeline_definition_config=PipelineDefinitionConfig(use_custom_job_prefix=True),
    )
