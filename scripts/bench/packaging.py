"""``make package`` against the local emulator vs the original sample's way of publishing.

The baseline is the original sample's approach, rebuilt for the same five files: a shell script that
runs one AWS CLI process per operation (check the bucket, create it, clear the prefix, ``aws
cloudformation package``, ``aws s3 cp`` per file, ``aws s3api put-object-tagging`` per tagged file).
It re-uploads everything on every run. Both run as the user runs them, as whole processes against the
same emulator process, each first run into an empty bucket and a clean build directory. Ours is
``make package`` itself, with no AWS credentials (so the target chooser picks the emulator, as in the
quick start), in a copy of the project so that the user's ``build/`` is never touched. A third run
of ours publishes into a restarted emulator from the build directory kept, templates already linted:
what the first `make package` after `make local-down` and `make local-up` costs.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts import PROJECT_ROOT
from scripts.local.process import Emulator, free_port
from scripts.target import local_environment

REGION = "us-east-1"
PREFIX = "bench"
REPEATS = 3
FIRST_RUN_TARGET = 5.0
RERUN_TARGET = 20.0
# What `make package` reads; the copy shares the project's virtual environments.
PACKAGE_INPUTS = (
    "Makefile",
    "VERSION",
    ".cfnlintrc",
    "requirements.txt",
    "requirements-dev.txt",
    "constraints.txt",
    "requirements-checkov.txt",
    "constraints-checkov.txt",
    "requirements-moto-suites.txt",
    "cfn-templates",
    "project-seed",
    "scripts",
)


def project_copy(workdir: Path) -> Path:
    """A copy of what `make package` reads (modification times kept: make sees the venvs and the fetched
    suites up to date)."""
    copy = workdir / "project"
    copy.mkdir()
    for name in PACKAGE_INPUTS:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    for environment in (".venv", ".venv-checkov", ".cache"):
        (copy / environment).symlink_to(PROJECT_ROOT / environment)
    return copy


# Not in a user's shell: the target must be chosen as in the quick start, and Python must keep the
# bytecode it compiles (CI machines often set PYTHONDONTWRITEBYTECODE; users' machines do not).
_NOT_A_USERS = ("TARGET", "PYTHONDONTWRITEBYTECODE")


def no_aws_configuration(workdir: Path) -> dict[str, str]:
    """This environment without any AWS variable, config or credentials file: a fresh machine's."""
    empty = workdir / "aws-config"
    empty.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in _NOT_A_USERS}
    env.update(AWS_CONFIG_FILE=str(empty), AWS_SHARED_CREDENTIALS_FILE=str(empty))
    return env


def emulator_environment(endpoint: str, workdir: Path) -> dict[str, str]:
    """The variables that point the AWS CLI at the emulator, as `make env` exports them."""
    env = no_aws_configuration(workdir)
    env.update((k, v) for k, v in local_environment(endpoint, REGION).items() if v)
    return env


def timed(command: list[str], env: dict[str, str], cwd: Path = PROJECT_ROOT) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")
    return elapsed, completed.stdout


def make_package(bucket: str) -> list[str]:
    return [
        "make",
        "--no-print-directory",
        "-s",
        "package",
        f"CFN_BUCKET_NAME={bucket}",
        f"S3_PREFIX={PREFIX}",
    ]


def baseline_script(bucket: str, build: Path, workdir: Path) -> Path:
    """The original approach as a shell script over the files our build produced."""
    manifest = json.loads((build / "manifest.json").read_text())
    aws = shlex.quote(str(Path(sys.executable).parent / "aws"))
    target = f"s3://{bucket}/{PREFIX}"
    lines = [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        f"if ! {aws} s3api head-bucket --bucket {bucket} 2> /dev/null; then {aws} s3 mb s3://{bucket}; fi",
        f"{aws} s3 rm {target}/ --recursive --quiet",
    ]
    for item in manifest["objects"]:
        local = build / item["file"]
        if item["role"] == "portfolio-template":
            packaged = workdir / "portfolio-packaged.yaml"
            lines.append(
                f"{aws} cloudformation package --template-file {shlex.quote(str(local))} "
                f"--s3-bucket {bucket} --s3-prefix {PREFIX} "
                f"--output-template-file {shlex.quote(str(packaged))} > /dev/null"
            )
            local = packaged
        lines.append(f"{aws} s3 cp --quiet {shlex.quote(str(local))} s3://{bucket}/{item['key']}")
        if item["tagged"]:
            lines.append(
                f"{aws} s3api put-object-tagging --bucket {bucket} --key {item['key']} "
                "--tagging 'TagSet=[{Key=servicecatalog:provisioning,Value=true}]'"
            )
    manifest_key = f"{manifest['prefix']}/manifest.json"
    lines.append(
        f"{aws} s3 cp --quiet {shlex.quote(str(build / 'manifest.json'))} s3://{bucket}/{manifest_key}"
    )
    script = workdir / "package-with-cli.sh"
    script.write_text("\n".join(lines) + "\n")
    return script


def fixed_costs(build: Path) -> dict[str, list[str]]:
    """Commands timing what any run of the packager pays: a Python process that can talk to S3, and
    cfn-lint over the two templates (the first run's gate; the CLI script lints nothing)."""
    templates = sorted(str(path) for path in (build / "templates").glob("*.yaml"))
    return {
        "python+botocore+S3 client": [
            sys.executable,
            "-c",
            "import botocore.session; botocore.session.get_session().create_client('s3')",
        ],
        "cfn-lint": [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from scripts.lint import lint_templates; "
            "assert not lint_templates(map(Path, sys.argv[1:]), ['us-east-1'])",
            *templates,
        ],
    }


def check_same_publication(endpoint: str, ours: str, cli: str, manifest: dict) -> None:
    """The baseline is fair only if it publishes what `make package` does: the same keys, the same bytes
    (the portfolio template equal as YAML: `aws cloudformation package` writes it in long form), the same
    provisioning tags. Raise naming the first difference."""
    import boto3
    from cfnlint.decode import cfn_yaml

    s3 = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing").client(
        "s3", endpoint_url=endpoint, region_name=REGION
    )

    def published(bucket: str) -> dict[str, bytes]:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{PREFIX}/").get("Contents", [])
        return {
            entry["Key"]: s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read() for entry in listed
        }

    def tagged(bucket: str, key: str) -> bool:
        tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
        return {"Key": "servicecatalog:provisioning", "Value": "true"} in tags

    ours_objects, cli_objects = published(ours), published(cli)
    if ours_objects.keys() != cli_objects.keys():
        raise RuntimeError(
            f"the baseline publishes {sorted(cli_objects)}, make package {sorted(ours_objects)}"
        )
    for item in manifest["objects"]:
        key = item["key"]
        if item["role"] == "portfolio-template":
            same = cfn_yaml.loads(cli_objects[key].decode()) == cfn_yaml.loads(ours_objects[key].decode())
        else:
            same = cli_objects[key] == ours_objects[key]
        if not same or tagged(cli, key) != item["tagged"] or tagged(ours, key) != item["tagged"]:
            raise RuntimeError(f"the baseline publishes {key} unlike make package (bytes or tags differ)")


def measure(emulator: Emulator, port: int, workdir: Path) -> dict[str, list[float]]:
    project = project_copy(workdir)
    make_env = no_aws_configuration(workdir)
    make_env.update(LOCAL_STATE_DIR=str(emulator.state_dir), LOCAL_PORT=str(port))
    cli_env = emulator_environment(emulator.state().endpoint, workdir)
    runs: dict[str, list[float]] = {
        "ours-first": [],
        "ours-rerun": [],
        "ours-first-linted": [],
        "cli-first": [],
        "cli-rerun": [],
    }
    for attempt in range(REPEATS):
        bucket = f"bench-ours-{attempt}"
        shutil.rmtree(project / "build", ignore_errors=True)
        first, _ = timed(make_package(bucket), make_env, project)
        rerun, printed = timed(make_package(bucket), make_env, project)
        if "Uploaded 0 object(s)" not in printed:
            raise RuntimeError(f"the re-run uploaded something:\n{printed}")
        # `make local-down` and `make local-up`: an empty emulator, and the same build directory.
        emulator.stop()
        emulator.start(port, REGION)
        first_linted, printed = timed(make_package(bucket), make_env, project)
        if "Uploaded 5 object(s)" not in printed:
            raise RuntimeError(f"the run into the restarted emulator did not upload everything:\n{printed}")
        runs["ours-first"].append(first)
        runs["ours-rerun"].append(rerun)
        runs["ours-first-linted"].append(first_linted)

        build = project / "build" / REGION
        script = baseline_script(f"bench-cli-{attempt}", build, workdir)
        runs["cli-first"].append(timed(["bash", str(script)], cli_env)[0])
        manifest = json.loads((build / "manifest.json").read_text())
        check_same_publication(emulator.state().endpoint, bucket, f"bench-cli-{attempt}", manifest)
        runs["cli-rerun"].append(timed(["bash", str(script)], cli_env)[0])
        for name, command in fixed_costs(build).items():
            runs.setdefault(name, []).append(timed(command, cli_env)[0])
        print(
            f"  round {attempt + 1}/{REPEATS}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in runs.items()),
            flush=True,
        )
    return runs


def report(runs: dict[str, list[float]]) -> None:
    median = {name: statistics.median(values) for name, values in runs.items()}
    for kind, target in (("first", FIRST_RUN_TARGET), ("rerun", RERUN_TARGET)):
        ratio = median[f"cli-{kind}"] / median[f"ours-{kind}"]
        verdict = "PASS" if ratio >= target else "FAIL"
        ours_seconds, cli_seconds = median[f"ours-{kind}"], median[f"cli-{kind}"]
        print(
            f"package {kind:5}: make package {ours_seconds:.2f} s, CLI script {cli_seconds:.2f} s "
            f"-> {ratio:.1f}x faster (target >= {target:.0f}x: {verdict})"
        )
    linted = median["ours-first-linted"]
    print(
        f"package first, templates linted before (a restarted emulator, build/ kept): make package "
        f"{linted:.2f} s -> {median['cli-first'] / linted:.1f}x faster (information: the target is "
        "for the first run above, from a clean build directory)"
    )
    floor, lint = median["python+botocore+S3 client"], median["cfn-lint"]
    print(
        f"fixed costs measured in this run: Python + botocore + an S3 client {floor:.2f} s (no Python "
        f"packager can re-run faster than {median['cli-rerun'] / floor:.0f}x the script); cfn-lint of "
        f"both templates in a process of its own {lint:.2f} s (the script lints nothing)"
    )


def main() -> None:
    print(f"Packaging benchmark: median of {REPEATS} rounds, whole processes, one emulator process")
    with tempfile.TemporaryDirectory(prefix="bench-package-") as scratch:
        workdir = Path(scratch)
        emulator = Emulator(workdir / "emulator")
        port = free_port()
        emulator.start(port, REGION)
        try:
            report(measure(emulator, port, workdir))
        finally:
            emulator.stop()
