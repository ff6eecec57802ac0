"""Where moto's own test suites come from, and which of them the gate runs.

``make install`` fetches the source distribution of the pinned moto (``requirements-moto-suites.txt``, checked
against its hash) and unpacks its ``tests/`` into ``.cache/moto-suites/moto-<version>/``, once. Nothing is
downloaded when the tests run.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from scripts import PROJECT_ROOT
from scripts.errors import KitError, run_main

REQUIREMENTS = PROJECT_ROOT / "requirements-moto-suites.txt"
CACHE = PROJECT_ROOT / ".cache" / "moto-suites"

SUITES = (
    # services the emulator replaces or extends (scripts/local/<service>/)
    "tests/test_cloudformation",
    "tests/test_servicecatalog",
    "tests/test_codecommit",
    "tests/test_codepipeline",
    "tests/test_iam",
    "tests/test_sagemaker",
    "tests/test_glue",
    "tests/test_athena",
    "tests/test_events",
    "tests/test_awslambda",
    "tests/test_codebuild",
    # moto internals scripts/local/patches.py replaces: bucket policies, notification configurations,
    # queues feeding event source mappings, SNS's Lambda subscribers, log stream filters
    "tests/test_s3/test_s3_bucket_policy.py",
    "tests/test_s3/test_s3_auth.py",
    "tests/test_s3/test_s3_notifications.py",
    "tests/test_s3/test_s3_eventbridge_integration.py",
    "tests/test_s3/test_s3_lambda_integration.py",
    "tests/test_sqs/test_sqs.py",
    "tests/test_sqs/test_sqs_integration.py",
    "tests/test_sns/test_publishing.py",
    "tests/test_sns/test_subscriptions.py",
    "tests/test_logs/test_logs_filter_log_events.py",
)
"""Suites run as a whole; besides these, every service's ``*cloudformation*`` tests, since the emulator's
stack engine and handlers run all of them."""

_PYTEST_INI = """\
# Written by scripts.fidelity.suites: moto's markers, no cache, no configuration of the kit's own tests.
[pytest]
addopts = -p no:cacheprovider
markers =
    network: requires network connection
    requires_docker: requires running docker
    aws_verified: verified against AWS
    requires_clean_slate: requires a clean slate
"""


class SuitesNotFetchedError(KitError):
    def __init__(self, directory: Path) -> None:
        super().__init__(
            f"moto's test suites are not in {directory}: run `make install` (it fetches them once)"
        )


class SuitesFetchError(KitError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            f"could not fetch moto's source distribution ({detail}): check that PyPI is reachable and "
            f"that {REQUIREMENTS.name} pins moto with the hash of its .tar.gz, then run `make install` again"
        )


def pinned_version() -> str:
    found = re.search(r"^moto==([\w.]+)", REQUIREMENTS.read_text(), re.MULTILINE)
    if not found:
        raise SuitesFetchError(f"{REQUIREMENTS.name} pins no moto version")
    return found[1]


def suites_root(version: str | None = None) -> Path:
    """The directory holding moto's ``tests`` package (and the gate's ``pytest.ini``)."""
    return CACHE / f"moto-{version or pinned_version()}"


def test_paths(root: Path) -> list[str]:
    """The suites, relative to ``root``: those named, then every other ``*cloudformation*`` module."""
    named = [path for path in SUITES if (root / path).exists()]
    missing = sorted(set(SUITES) - set(named))
    if missing:
        raise SuitesFetchError(f"moto's source distribution has no {', '.join(missing)}")
    covered = tuple(root / path for path in SUITES)
    others = sorted(
        str(module.relative_to(root))
        for module in (root / "tests").glob("test_*/*cloudformation*.py")
        if not any(module == path or path in module.parents for path in covered)
    )
    return named + others


def fetch() -> Path:
    """Download the pinned source distribution, check its hash, unpack its tests; once per version."""
    root = suites_root()
    if (root / "pytest.ini").is_file():
        return root
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        download = Path(scratch) / "download"
        print(f"Fetching moto {pinned_version()}'s test suites (its source distribution, once)")
        result = subprocess.run(
            [
                sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                "--no-deps", "--no-binary", ":all:", "--require-hashes", "-r", str(REQUIREMENTS),
                "-d", str(download),
            ],
            capture_output=True,
            text=True,
        )  # fmt: skip
        archives = list(download.glob("moto-*.tar.gz"))
        if result.returncode != 0 or len(archives) != 1:
            last = (result.stderr.strip().splitlines() or ["no archive downloaded"])[-1]
            raise SuitesFetchError(last)
        unpacked = Path(scratch) / root.name
        _unpack_tests(archives[0], unpacked)
        (unpacked / "pytest.ini").write_text(_PYTEST_INI)
        unpacked.rename(root)
    return root


def _unpack_tests(archive: Path, target: Path) -> None:
    with tarfile.open(archive) as tar:
        top = tar.getmembers()[0].name.split("/")[0]
        members = [member for member in tar.getmembers() if member.name.startswith(f"{top}/tests/")]
        for member in members:
            member.name = member.name[len(top) + 1 :]
        tar.extractall(target, members=members, filter="data")


if __name__ == "__main__":
    run_main(fetch)
