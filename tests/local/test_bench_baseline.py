"""The packaging benchmark compares like with like: `make package` as the quick start runs it, and a
baseline script that publishes the same objects with the AWS CLI."""

from __future__ import annotations

import json
import subprocess

from cfnlint.decode import cfn_yaml

from scripts.bench.packaging import (
    PREFIX,
    REGION,
    baseline_script,
    emulator_environment,
    make_package,
    no_aws_configuration,
    project_copy,
)


def published(emulator, bucket: str) -> dict[str, bytes]:
    s3 = emulator.client("s3")
    keys = [entry["Key"] for entry in s3.list_objects_v2(Bucket=bucket, Prefix=f"{PREFIX}/")["Contents"]]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def provisioning_tagged(emulator, bucket: str, key: str) -> bool:
    tags = emulator.client("s3").get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    return {"Key": "servicecatalog:provisioning", "Value": "true"} in tags


def test_the_baseline_script_publishes_what_make_package_does(emulator, emulator_process, tmp_path):
    process, state = emulator_process
    project = project_copy(tmp_path)
    make_env = no_aws_configuration(tmp_path)
    make_env.update(LOCAL_STATE_DIR=str(process.state_dir), LOCAL_PORT=str(state.port))

    ours = subprocess.run(
        make_package("bench-ours"), cwd=project, env=make_env, capture_output=True, text=True, timeout=120
    )
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr.startswith("==> target: local (no AWS credentials found")
    assert "Uploaded 5 object(s), 0 unchanged" in ours.stdout

    build = project / "build" / REGION
    script = baseline_script("bench-cli", build, tmp_path)
    cli = subprocess.run(
        ["bash", str(script)],
        env=emulator_environment(state.endpoint, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr

    ours_objects, cli_objects = published(emulator, "bench-ours"), published(emulator, "bench-cli")
    assert ours_objects.keys() == cli_objects.keys()
    manifest = json.loads((build / "manifest.json").read_text())
    for item in manifest["objects"]:
        key = item["key"]
        if item["role"] == "portfolio-template":  # `aws cloudformation package` writes it in long form
            assert cfn_yaml.loads(cli_objects[key].decode()) == cfn_yaml.loads(ours_objects[key].decode())
        else:
            assert cli_objects[key] == ours_objects[key], key
        assert provisioning_tagged(emulator, "bench-cli", key) == item["tagged"]
        assert provisioning_tagged(emulator, "bench-ours", key) == item["tagged"]
