"""Shared fixtures: an isolated AWS environment (moto in-process) and a copy of the kit's sources."""

from __future__ import annotations

import json
import shutil
from functools import lru_cache
from pathlib import Path

import pytest
from moto import mock_aws

from scripts.assemble import SourceLayout
from scripts.aws import AwsContext
from scripts.fidelity.gate import SuitesRun, judge, load_expectations
from scripts.lint import CleanLintCache

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account

_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_CLOUDFORMATION",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "REGION",
    "CFN_BUCKET_NAME",
    "S3_PREFIX",
    "STACK_NAME",
    "EXECUTION_ROLE_ARN",
    "LAUNCH_ROLE",
    "REPLACE_FAILED_STACK",
    "DELETE_PROJECT_BUCKETS",
    "DELETE_STAGING",
)


MOTO_SUITES_TEST = "tests/test_moto_suites.py::test_moto_suites_pass_with_the_extensions"
MOTO_SUITES_RUN = pytest.StashKey[SuitesRun]()


def _start_moto_suites(config: pytest.Config, test_ids) -> None:
    """moto's own suites (the fidelity gate) run in a process of their own for minutes: started as soon as
    collection shows the gate's test is selected, they run beside the rest of the suite. With pytest-xdist
    the controller starts them, and the worker given the gate's test waits for their outcome."""
    if MOTO_SUITES_RUN not in config.stash and MOTO_SUITES_TEST in test_ids:
        config.stash[MOTO_SUITES_RUN] = SuitesRun.start()


def pytest_collection_finish(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):
        _start_moto_suites(session.config, {item.nodeid for item in session.items})


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids) -> None:
    _start_moto_suites(node.config, set(ids))


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    run = config.stash.get(MOTO_SUITES_RUN, None)
    if run is not None and run.finished():
        terminalreporter.write_line(judge(run.outcomes(), load_expectations()).summary())


@pytest.fixture(autouse=True)
def isolated_aws_environment(monkeypatch, tmp_path_factory):
    """No test sees the machine's AWS configuration, and nothing can reach instance metadata."""
    for name in _AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path_factory.mktemp("aws-config") / "none"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture(scope="session")
def clean_lint_cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lint-cache")


@pytest.fixture(autouse=True)
def shared_clean_lint_cache(request, monkeypatch, clean_lint_cache_dir):
    """Every in-process ``package`` of the session remembers clean templates in one directory. The cache
    is keyed by a template's bytes, so sharing it changes no result: only a template a test changed is
    linted again. A test about the cache itself is marked ``own_lint_cache`` and gets the real one."""
    if request.node.get_closest_marker("own_lint_cache"):
        return
    import scripts.package

    monkeypatch.setattr(
        scripts.package, "CleanLintCache", lambda _directory: CleanLintCache(clean_lint_cache_dir)
    )


def _bucket_permission_without_conditions(bucket, action: str, resource: str):
    """moto 5.2.5's ``FakeBucket.get_permission`` evaluates bucket policies with no request context,
    so every statement with a Condition counts as DENIED, even a Deny that cannot apply (our TLS-only
    ``aws:SecureTransport = false`` statement then refuses every request). AWS would evaluate the
    condition; with no context to evaluate it, such statements are left out instead."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    policy = json.loads(bucket.policy)
    statements = policy.get("Statement", [])
    policy["Statement"] = [
        s for s in (statements if isinstance(statements, list) else [statements]) if "Condition" not in s
    ]
    return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)


def _moto_handlers_only(monkeypatch) -> None:
    """moto finds CloudFormation handlers among all subclasses of ``CloudFormationModel``, so importing one
    of the emulator's modules in this process (some tests of tests/local do) would hand in-process moto the
    emulator's handlers without the emulator's backends. In-process tests run plain moto."""
    from moto.cloudformation import parsing

    own = [model for model in parsing.get_model_list() if model.__module__.startswith("moto.")]
    cached = (parsing.get_model_map, parsing.get_name_type_map)
    for function in cached:
        function.cache_clear()
    monkeypatch.setattr(parsing, "get_model_list", lambda: own)
    monkeypatch.setattr(parsing, "get_model_map", lru_cache()(parsing.get_model_map.__wrapped__))
    monkeypatch.setattr(parsing, "get_name_type_map", lru_cache()(parsing.get_name_type_map.__wrapped__))


@pytest.fixture
def moto(monkeypatch):
    from moto.s3.models import FakeBucket

    assert hasattr(FakeBucket, "get_permission"), (
        "moto changed: revisit _bucket_permission_without_conditions"
    )
    monkeypatch.setattr(FakeBucket, "get_permission", _bucket_permission_without_conditions)
    _moto_handlers_only(monkeypatch)
    with mock_aws():
        yield


@pytest.fixture
def aws(moto) -> AwsContext:
    return AwsContext.from_environment(REGION)


@pytest.fixture
def layout(tmp_path) -> SourceLayout:
    """A private copy of the kit's sources, so a test may break them without touching the repo."""
    root = tmp_path / "kit"
    root.mkdir()
    shutil.copytree(PROJECT_ROOT / "cfn-templates", root / "cfn-templates")
    shutil.copytree(
        PROJECT_ROOT / "project-seed",
        root / "project-seed",
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"),
    )
    (root / "VERSION").write_text("1.0.0\n")  # the tests' own release numbers, whatever the kit's is
    return SourceLayout(root)
