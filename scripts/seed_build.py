"""Run the seed's ``build.py`` as a project's CodeBuild runs it: in the seed folder, with the project's
variables (those ``buildspec.yml`` reads) and an AWS endpoint, in an environment free of the caller's AWS
settings. The benchmark and the end-to-end tests upsert the seed's pipeline into the local emulator this
way."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from scripts import PROJECT_ROOT

SEED = PROJECT_ROOT / "project-seed" / "s3-fs-ingestion"


@dataclass(frozen=True)
class SeedBuild:
    """One project's build variables."""

    project_name: str
    project_id: str
    pipeline_name: str
    flow_url: str
    feature_group: str
    role_arn: str
    artifact_bucket: str
    processing_job_prefix: str
    instance_type: str = "ml.m5.4xlarge"

    def environment(self, endpoint: str, region: str) -> dict[str, str]:
        return {
            **{key: value for key, value in os.environ.items() if not key.startswith("AWS_")},
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": region,
            "AWS_ENDPOINT_URL": endpoint,
            "SAGEMAKER_PROJECT_NAME": self.project_name,
            "SAGEMAKER_PROJECT_ID": self.project_id,
            "SAGEMAKER_PIPELINE_NAME": self.pipeline_name,
            "DW_FLOW_URL": self.flow_url,
            "FEATURE_GROUP_NAME": self.feature_group,
            "PIPELINE_ROLE_ARN": self.role_arn,
            "PROCESSING_JOB_PREFIX": self.processing_job_prefix,
            "PROCESSING_INSTANCE_TYPE": self.instance_type,
            "ARTIFACT_BUCKET": self.artifact_bucket,
        }

    def run(self, endpoint: str, region: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "build.py"],
            cwd=SEED,
            env=self.environment(endpoint, region),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
