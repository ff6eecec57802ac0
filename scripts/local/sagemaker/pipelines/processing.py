"""A Processing step whose image is Data Wrangler's, run with the local flow runner.

The contract is the Data Wrangler container's: the input named ``flow`` is the ``.flow``; every other input is
the dataset whose name is its ``InputName`` (``S3Prefix``: every object under the prefix; ``ManifestFile``:
exactly the objects the manifest lists); ``--output-config`` gives each output's content type; the output
named in ``ProcessingOutputConfig`` is written to its ``S3Output`` or, with ``FeatureStoreOutput``, ingested
into that feature group — all rows checked before any is written. Any other image needs a container, which
the emulator does not run: the step fails saying so.
"""

from __future__ import annotations

import csv as _csv
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scripts.local import concurrency, s3_objects

from .jobs import JobLog

if TYPE_CHECKING:
    import pyarrow as pa

DATA_WRANGLER_REPOSITORY = "sagemaker-data-wrangler-container"
UNSUPPORTED_ARGUMENTS = ("--refit-trained-params", "--parameter-override")


class StepFailed(Exception):
    """The step's FailureReason; ``retry_type`` is the retry-policy exception type the failure counts as
    (None: the caller's error, which no retry fixes)."""

    def __init__(self, reason: str, retry_type: str | None = None) -> None:
        super().__init__(reason)
        self.retry_type = retry_type


@dataclass
class ProcessingRun:
    """What one Data Wrangler processing job reads and where its output goes."""

    flow_text: str
    datasets: dict[str, list[tuple[str, bytes]]]
    output_name: str
    content_type: str | None
    feature_group: str | None
    s3_output: str | None


def prepare(arguments: dict[str, Any], account: str) -> ProcessingRun:
    """Read the step's inputs from the emulator's S3 (holding the state lock)."""
    image = arguments.get("AppSpecification", {}).get("ImageUri", "")
    if f"/{DATA_WRANGLER_REPOSITORY}:" not in image:
        raise StepFailed(
            f"image {image} needs a container, which the local emulator does not run: it runs Data Wrangler "
            f"processing ({DATA_WRANGLER_REPOSITORY}) only"
        )
    options = _container_arguments(arguments["AppSpecification"].get("ContainerArguments") or [])
    inputs = {entry["InputName"]: entry["S3Input"] for entry in arguments.get("ProcessingInputs", [])}
    if "flow" not in inputs:
        raise StepFailed("the Data Wrangler job has no input named 'flow'")
    flow_objects = _objects(inputs.pop("flow"), account)
    if len(flow_objects) != 1:
        raise StepFailed(f"the 'flow' input must be one .flow object; it names {len(flow_objects)}")
    outputs = (arguments.get("ProcessingOutputConfig") or {}).get("Outputs") or []
    if len(outputs) != 1:
        raise StepFailed(f"the Data Wrangler job must have one output; it has {len(outputs)}")
    output = outputs[0]
    config = options.get("--output-config", {}).get(output["OutputName"], {})
    return ProcessingRun(
        flow_text=flow_objects[0][1].decode(),
        datasets={name: _objects(s3_input, account) for name, s3_input in inputs.items()},
        output_name=output["OutputName"],
        content_type=(config.get("content_type") or "").lower() or None,
        feature_group=(output.get("FeatureStoreOutput") or {}).get("FeatureGroupName"),
        s3_output=(output.get("S3Output") or {}).get("S3Uri"),
    )


def run(prepared: ProcessingRun, log: JobLog) -> pa.Table | tuple[str, bytes]:
    """Run the flow (without the state lock); the output table (Feature Store), or the written file's name
    and bytes (S3)."""
    from scripts.flow import parse_flow, run_flow  # here, not at the top: the emulator starts without pandas
    from scripts.flow.errors import FlowError

    with tempfile.TemporaryDirectory(prefix="dw-job-") as scratch, concurrency.released_state():
        root = Path(scratch)
        folders = {}
        for name, objects in prepared.datasets.items():
            folder = root / "input" / name
            folder.mkdir(parents=True)
            for number, (key, body) in enumerate(objects):
                (folder / f"{number:05d}-{Path(key).name}").write_bytes(body)
            folders[name] = folder
        try:
            flow = parse_flow(prepared.flow_text, "flow")
            result = run_flow(
                flow,
                folders,
                root / "output",
                output_name=prepared.output_name,
                fmt=prepared.content_type,
                progress=lambda report: log.append(
                    f"{report.position}/{report.total} {report.node.node_id} {report.node.operator}: "
                    f"{report.rows} rows x {report.columns} columns in {report.seconds:.2f} s"
                ),
            )
        except FlowError as error:
            raise StepFailed(f"ClientError: {error}") from None
        log.append(f"wrote {result.rows} rows to {prepared.output_name}")
        if prepared.feature_group:
            return _table(result.path)
        return result.path.name, result.path.read_bytes()


def upload(output: tuple[str, bytes], s3_uri: str, account: str) -> None:
    name, body = output
    bucket, prefix = s3_objects.split(s3_uri)
    if not s3_objects.bucket_exists(account, s3_uri):
        raise StepFailed(f"ClientError: the output bucket {bucket} does not exist")
    key = f"{prefix.rstrip('/')}/{name}".lstrip("/")
    s3_objects.write(account, f"s3://{bucket}/{key}", body)


def _table(path: Path) -> pa.Table:
    """The job's output as written: parquet with its types, CSV as text (as the container reads it back)."""
    import pyarrow.parquet as pq
    from pyarrow import csv

    if path.suffix == ".parquet":
        return pq.read_table(path)
    with path.open(newline="") as handle:
        header = next(_csv.reader(handle), [])
    convert = csv.ConvertOptions(column_types=dict.fromkeys(header, "string"), strings_can_be_null=False)
    return csv.read_csv(path, convert_options=convert)


def _container_arguments(values: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for flag, value in zip(values[::2], values[1::2], strict=False):
        if flag in UNSUPPORTED_ARGUMENTS:
            raise StepFailed(f"container argument {flag} is not supported by the local emulator")
        if flag != "--output-config":
            raise StepFailed(f"unknown Data Wrangler container argument {flag}")
        try:
            options[flag] = json.loads(value)
        except json.JSONDecodeError:
            raise StepFailed(f"{flag} is not JSON: {value}") from None
    return options


def _objects(s3_input: dict[str, Any], account: str) -> list[tuple[str, bytes]]:
    """The objects an input names: those under an S3Prefix, or those a manifest file lists."""
    uri = s3_input["S3Uri"]
    if s3_input.get("S3DataType") == "ManifestFile":
        manifest = _objects({"S3Uri": uri, "S3DataType": "S3Prefix"}, account)
        if len(manifest) != 1:
            raise StepFailed(f"ClientError: manifest {uri} does not exist")
        return _listed(manifest[0][1], uri, account)
    found = s3_objects.under(account, uri)
    if found is None:
        raise StepFailed(f"ClientError: the input bucket of {uri} does not exist")
    if not found:
        raise StepFailed(f"ClientError: no object found under {uri}")
    return found


def _listed(manifest: bytes, uri: str, account: str) -> list[tuple[str, bytes]]:
    try:
        entries = json.loads(manifest)
        prefix = entries[0]["prefix"]
        keys = [str(entry) for entry in entries[1:]]
    except (json.JSONDecodeError, KeyError, IndexError, TypeError):
        raise StepFailed(
            f'ClientError: {uri} is not a manifest file ([{{"prefix": ...}}, key, ...])'
        ) from None
    objects = []
    for key in keys:
        body = s3_objects.read(account, f"{prefix}{key}")
        if body is None:
            raise StepFailed(f"ClientError: the manifest {uri} lists {prefix}{key}, which does not exist")
        objects.append((s3_objects.split(f"{prefix}{key}")[1], body))
    return objects
