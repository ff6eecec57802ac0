"""A package run that fails publishes nothing half-way and loses nothing: ``build/<region>/`` keeps the last
good build (its manifest still describes objects that are all in S3, so ``make deploy`` deploys what was
published) and ``portfolio-outputs.json``; each bad input is one ``error:`` line and exit 1, as
:func:`scripts.errors.run_main` shows it to users (moto in-process)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from scripts import cfn_yaml
from scripts.deploy import OUTPUTS_FILE, load_manifest, require_published
from scripts.errors import run_main
from scripts.package import package
from scripts.s3_uploader import S3Uploader
from tests.conftest import REGION

BUCKET = "kit-staging-bucket"
PREFIX = "kit"
OUTPUTS = '{"outputs": {"PortfolioId": "port-abc"}, "region": "us-east-1", "stack": "portfolio"}\n'


@pytest.fixture
def build_root(tmp_path) -> Path:
    root = tmp_path / "build"
    root.mkdir()
    return root


@pytest.fixture
def run_package(aws, layout, build_root):
    def run():
        return package(aws, bucket=BUCKET, prefix=PREFIX, layout=layout, build_root=build_root)

    return run


def as_user(capsys, job) -> tuple[int, list[str]]:
    """Run ``job`` the way every entry point runs: the exit code and the lines on stderr."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        run_main(job)
    return exited.value.code, capsys.readouterr().err.splitlines()


def files(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def s3_versions() -> list[tuple[str, str]]:
    s3 = boto3.client("s3", region_name=REGION)
    try:
        listing = s3.list_object_versions(Bucket=BUCKET)
    except ClientError:
        return []
    return sorted((v["Key"], v["VersionId"]) for v in listing.get("Versions", []))


def assert_deployable(aws, build_dir: Path) -> None:
    """What `make deploy` checks first: the manifest is there, and what it lists is in S3 as packaged."""
    manifest = load_manifest(build_dir, REGION)
    require_published(aws, manifest, build_dir / "manifest.json")
    s3 = boto3.client("s3", region_name=REGION)
    for item in manifest["objects"]:
        arguments = {"Bucket": manifest["bucket"], "Key": item["key"]}
        if "version_id" in item:
            arguments["VersionId"] = item["version_id"]
        body = s3.get_object(**arguments)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == item["sha256"], item["key"]


# --- bad inputs, as tables: how to break the kit, and the one line the user sees -------------------


def exactly(line: str) -> re.Pattern:
    return re.compile(re.escape(line))


def starting(start: str) -> re.Pattern:
    return re.compile(re.escape(start) + ".*")


def product_template(layout) -> Path:
    return layout.templates_dir / "project-s3-fs-ingestion.yaml"


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def yaml_syntax_error(layout) -> str:
    path = product_template(layout)
    text = path.read_text().replace("Resources:\n", "Resources:\n  Broken: a: b\n", 1)
    path.write_text(text)
    line = line_of(text, "  Broken: a: b")
    return exactly(
        f"error: {path}:{line}: YAML syntax error, mapping values are not allowed in this context: "
        "fix the YAML"
    )


def duplicated_key(layout) -> str:
    path = product_template(layout)
    text = path.read_text()
    kept = "      MessageRetentionPeriod: 1209600\n"
    path.write_text(text.replace(kept, kept + "      MessageRetentionPeriod: 60\n", 1))
    return exactly(  # two findings, both in the source: the rendered template kept the last value
        "error: cfn-lint found 2 problem(s) in the templates (listed above); nothing was uploaded: fix them "
        "and package again"
    )


def lint_error(layout) -> str:
    path = product_template(layout)
    path.write_text(
        path.read_text().replace("Resources:\n", "Resources:\n  Bogus:\n    Type: AWS::Nope::Thing\n", 1)
    )
    return re.compile(
        r"error: cfn-lint found \d+ problem\(s\) in the templates \(listed above\); nothing was uploaded: "
        "fix them and package again"
    )


def unknown_placeholder(layout) -> str:
    path = product_template(layout)
    path.write_text(path.read_text().replace("{{package:seed-code-key}}", "{{package:seed-zip}}"))
    return starting("error: unknown placeholder {{package:seed-zip}} at Resources.")


def changed_release(layout) -> str:
    path = product_template(layout)
    template = cfn_yaml.loads(path.read_text())
    template["Description"] += " (changed without a version bump)"
    path.write_text(cfn_yaml.dumps(template))
    return exactly(
        "error: version 1.0.0 is already published at kit/product/1.0.0/project-s3-fs-ingestion.yaml with a "
        "different product template: bump VERSION so existing projects keep the template they were "
        "launched from"
    )


def seed_too_large(layout) -> str:
    # Random bytes do not compress: the zip is over CodeCommit's 20 MB (21 MB on disk, briefly).
    (layout.seed_dir / "data.bin").write_bytes(os.urandom(21_000_000))
    return re.compile(  # the zip's exact size depends on the rest of the seed
        r"error: the seed zip \(project-seed/s3-fs-ingestion\) is 21,0\d\d,\d\d\d bytes zipped, over "
        r"CodeCommit's limit for the code a repository is created with, 20 MB \(20,000,000 bytes\) zipped: "
        r"keep large files out of project-seed/s3-fs-ingestion \(data belongs in S3, read by the pipeline\); "
        "nothing was uploaded"
    )


def function_too_large(layout) -> str:
    # Sparse: 250 MB and one byte that take no disk, and are never read (checked from the file's size).
    with (layout.seed_dir / "functions" / "start_fs_ingestion.py").open("r+b") as handler:
        handler.truncate(250 * 1024 * 1024 + 1)
    return exactly(
        "error: the Lambda zip (functions/start_fs_ingestion.py of the seed) is 262,144,001 bytes unzipped, "
        "over Lambda's limit for a function's deployment package, 250 MB (262,144,000 bytes) unzipped: keep "
        "the handler small (it needs only the Python standard library and boto3); nothing was uploaded"
    )


BAD_INPUTS = {
    "yaml-syntax-error": yaml_syntax_error,
    "duplicated-key-in-a-source": duplicated_key,
    "lint-error": lint_error,
    "unknown-placeholder": unknown_placeholder,
    "seed-over-codecommit-limit": seed_too_large,
    "function-over-lambda-limit": function_too_large,
}


def check_error(lines: list[str], expected: re.Pattern) -> None:
    assert len(lines) == 1, lines
    assert expected.fullmatch(lines[0]), lines[0]


@pytest.mark.parametrize(
    "breaks", [*BAD_INPUTS.values(), changed_release], ids=[*BAD_INPUTS, "changed-release"]
)
def test_a_failed_run_keeps_the_last_good_build_and_publishes_nothing(
    aws, layout, build_root, run_package, capsys, breaks
):
    run_package()
    build_dir = build_root / REGION
    (build_dir / OUTPUTS_FILE).write_text(OUTPUTS)  # as `make deploy` leaves it
    before, published = files(build_dir), s3_versions()

    expected = breaks(layout)
    code, errors = as_user(capsys, run_package)

    assert code == 1
    check_error(errors, expected)
    assert files(build_dir) == before
    assert s3_versions() == published
    assert not (build_root / f"{REGION}.candidate" / "manifest.json").exists()
    assert_deployable(aws, build_dir)


@pytest.mark.parametrize("breaks", BAD_INPUTS.values(), ids=BAD_INPUTS)
def test_a_failed_first_run_leaves_no_manifest_to_deploy(layout, build_root, run_package, capsys, breaks):
    expected = breaks(layout)
    code, errors = as_user(capsys, run_package)
    assert code == 1
    check_error(errors, expected)
    assert not (build_root / REGION).exists()
    assert not (build_root / f"{REGION}.candidate" / "manifest.json").exists()
    assert s3_versions() == []  # not even the bucket


def test_lint_findings_of_a_source_template_are_listed_with_its_lines(layout, run_package, capsys):
    duplicated_key(layout)
    source = product_template(layout)
    first = line_of(
        source.read_text(), "      MessageRetentionPeriod: 1209600\n      MessageRetentionPeriod: 60"
    )
    with pytest.raises(SystemExit):
        run_main(run_package)
    findings = [line for line in capsys.readouterr().out.splitlines() if " E0000 " in line]
    assert findings == [
        f"{source}:{first}: E0000 Duplicate found 'MessageRetentionPeriod' (line {first})",
        f"{source}:{first + 1}: E0000 Duplicate found 'MessageRetentionPeriod' (line {first + 1})",
    ]


def test_lint_findings_of_a_rendered_template_point_at_the_kept_candidate(
    layout, build_root, run_package, capsys
):
    lint_error(layout)
    with pytest.raises(SystemExit):
        run_main(run_package)
    findings = [line for line in capsys.readouterr().out.splitlines() if "AWS::Nope::Thing" in line]
    rendered = build_root / f"{REGION}.candidate" / "templates" / "project-s3-fs-ingestion.yaml"
    assert any(line.startswith(f"{rendered}:") for line in findings), findings
    assert rendered.is_file()


# --- failures during the upload -------------------------------------------------------------------


def fail_on(role: str, error: BaseException):
    real = S3Uploader._put

    def put(self, built):
        if built.role == role:
            raise error
        return real(self, built)

    return put


@pytest.mark.parametrize(
    ("role", "error", "line"),
    [
        (
            "portfolio-template",
            ClientError({"Error": {"Code": "SlowDown", "Message": "Reduce your request rate."}}, "PutObject"),
            "error: AWS refused PutObject: SlowDown: Reduce your request rate. (check the permissions of the "
            "credentials in use)",
        ),
        ("product-template", KeyboardInterrupt(), "error: interrupted"),
        ("manifest", KeyboardInterrupt(), "error: interrupted"),
    ],
    ids=["refused-portfolio-template", "interrupted-at-product-template", "interrupted-at-manifest"],
)
def test_a_failed_upload_leaves_the_manifest_of_the_last_published_build(
    aws, layout, build_root, run_package, capsys, monkeypatch, role, error, line
):
    run_package()
    build_dir = build_root / REGION
    (build_dir / OUTPUTS_FILE).write_text(OUTPUTS)
    before = files(build_dir)
    manifest_key = f"{PREFIX}/manifest.json"
    manifest_versions = [v for v in s3_versions() if v[0] == manifest_key]
    (layout.root / "VERSION").write_text("1.1.0\n")  # a new release: new templates to upload

    with monkeypatch.context() as patch:
        patch.setattr(S3Uploader, "_put", fail_on(role, error))
        code, errors = as_user(capsys, run_package)

    assert (code, errors) == (1, [line])
    assert files(build_dir) == before
    assert [v for v in s3_versions() if v[0] == manifest_key] == manifest_versions
    assert_deployable(aws, build_dir)
    if role != "manifest":  # the templates are not all up: no manifest says they are
        assert not (build_root / f"{REGION}.candidate" / "manifest.json").exists()

    build = run_package()  # the next run publishes the release
    assert build.version == "1.1.0"
    assert json.loads((build_dir / "manifest.json").read_text())["version"] == "1.1.0"
    assert (build_dir / OUTPUTS_FILE).read_text() == OUTPUTS
    assert_deployable(aws, build_dir)


# --- what a successful run keeps and replaces -------------------------------------------------------


def test_a_successful_run_replaces_the_build_and_keeps_the_deploy_outputs(layout, build_root, run_package):
    first = run_package()
    build_dir = build_root / REGION
    assert first.manifest.path == build_dir / "manifest.json"
    assert all(built.path.parent.parent == build_dir for built in first.objects)
    (build_dir / OUTPUTS_FILE).write_text(OUTPUTS)
    (build_dir / "templates" / "stale.yaml").write_text("left from an older build\n")
    (layout.root / "VERSION").write_text("1.1.0\n")

    second = run_package()

    assert (build_dir / OUTPUTS_FILE).read_text() == OUTPUTS
    assert not (build_dir / "templates" / "stale.yaml").exists()
    assert json.loads(second.manifest.path.read_text())["version"] == "1.1.0"
    assert [p.name for p in build_root.iterdir()] == [REGION]  # no candidate left


def test_a_rerun_after_a_failure_removes_the_failed_candidate(layout, build_root, run_package, capsys):
    run_package()
    lint_error(layout)
    as_user(capsys, run_package)
    assert (build_root / f"{REGION}.candidate").is_dir()
    (layout.templates_dir / "project-s3-fs-ingestion.yaml").write_text(
        (layout.templates_dir / "project-s3-fs-ingestion.yaml")
        .read_text()
        .replace("  Bogus:\n    Type: AWS::Nope::Thing\n", "")
    )
    run_package()
    assert not (build_root / f"{REGION}.candidate").exists()


@pytest.mark.own_lint_cache
def test_a_rerun_lints_nothing_again_sources_included(build_root, run_package, monkeypatch, capsys):
    run_package()
    assert len(list((build_root / ".lint-cache").iterdir())) == 4  # two sources, two rendered
    import cfnlint.api

    def must_not_lint(*args, **kwargs):
        raise AssertionError("cfn-lint ran again")

    monkeypatch.setattr(cfnlint.api, "lint_by_config", must_not_lint)
    run_package()
    assert "cfn-lint: 4 templates (sources and rendered), no findings" in capsys.readouterr().out
