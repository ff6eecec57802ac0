"""The seed's requirements.lock: CodeBuild installs exactly it, hash-checked, so it must be whole and agree
with the pins the kit tests the seed with. Offline: reads the lock, the kit's pins and .venv's metadata."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from importlib import metadata

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from scripts.assemble import REQUIRED_SEED_FILES
from tests.conftest import PROJECT_ROOT

SEED_DIR = PROJECT_ROOT / "project-seed" / "s3-fs-ingestion"
LOCK = SEED_DIR / "requirements.lock"
FIX = "run `make seed-lock` (it needs PyPI) and commit project-seed/s3-fs-ingestion/requirements.lock"
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")
INSTALL = "install with `pip install --require-hashes -r requirements.lock`"
PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")

# Where CodeBuild runs the seed: the buildspec's `python: 3.12` on the x86_64 Amazon Linux image.
CODEBUILD_ENVIRONMENT = {
    **default_environment(),
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "python_version": "3.12",
    "python_full_version": "3.12.0",
    "implementation_version": "3.12.0",
}


@dataclass(frozen=True)
class Locked:
    name: str
    version: str
    hashes: tuple[str, ...]
    line: int


def read_lock() -> list[Locked]:
    """The lock's requirements: `name==version` and its `--hash` options, continued lines joined."""
    entries, logical, start = [], "", 0
    for number, line in enumerate(LOCK.read_text().splitlines(), 1):
        if not logical and (not line.strip() or line.lstrip().startswith("#")):
            continue
        start = start or number
        logical += " " + line.rstrip().removesuffix("\\")
        if line.rstrip().endswith("\\"):
            continue
        pin, *options = logical.split()
        match = PIN.fullmatch(pin)
        assert match, f"requirements.lock line {start}: {pin!r} is not name==version: {FIX}"
        assert options, f"requirements.lock line {start}: {pin} has no --hash: {FIX}"
        for option in options:
            assert HASH.fullmatch(option), (
                f"requirements.lock line {start}: {pin}: {option!r} is not a sha256 hash: {FIX}"
            )
        Version(match[2])  # raises InvalidVersion on anything pip would not read as a version
        entries.append(Locked(canonicalize_name(match[1]), match[2], tuple(options), start))
        logical, start = "", 0
    assert not logical, f"requirements.lock ends inside a continued line: {FIX}"
    return entries


def read_requirements(path) -> list[Requirement]:
    """The requirements of a requirements or constraints file (comments and options such as -r skipped)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


def read_pins(path) -> dict[str, str]:
    """A requirements or constraints file's exact pins, by PEP 503 name."""
    pins = {}
    for requirement in read_requirements(path):
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", (
            f"{path.name}: {requirement} is not pinned"
        )
        pins[canonicalize_name(requirement.name)] = specifiers[0].version
    return pins


@pytest.fixture(scope="module")
def lock() -> dict[str, str]:
    return {entry.name: entry.version for entry in read_lock()}


def test_every_lock_line_is_a_pinned_hashed_requirement():
    entries = read_lock()
    assert len(entries) > 20, f"requirements.lock holds {len(entries)} packages, not a whole tree: {FIX}"
    for entry in entries:
        assert entry.hashes, f"{entry.name}=={entry.version} has no hash: {FIX}"


def test_no_package_is_locked_twice():
    seen: dict[str, int] = {}
    for entry in read_lock():
        assert entry.name not in seen, (
            f"{entry.name} is locked twice (lines {seen[entry.name]} and {entry.line}): {FIX}"
        )
        seen[entry.name] = entry.line


def test_the_seed_requirements_are_locked_at_their_pins(lock):
    for name, version in read_pins(SEED_DIR / "requirements.txt").items():
        assert name in lock, f"{name} of the seed's requirements.txt is not in requirements.lock: {FIX}"
        assert lock[name] == version, (
            f"{name}: requirements.txt pins {version}, requirements.lock has {lock[name]}: {FIX}"
        )


def test_the_lock_agrees_with_the_kit_constraints(lock):
    # The kit runs the seed's tests in .venv, installed from constraints.txt, "exactly as in CodeBuild".
    constraints = read_pins(PROJECT_ROOT / "constraints.txt")
    for name in sorted(lock.keys() & constraints.keys()):
        assert lock[name] == constraints[name], (
            f"{name}: constraints.txt pins {constraints[name]}, requirements.lock has {lock[name]}: "
            f"move one (constraints.txt, or requirements.txt then `make seed-lock`) so that the kit tests "
            f"what CodeBuild runs"
        )


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def test_the_seed_requirements_are_installed_in_venv_at_the_locked_versions(lock):
    # The completeness check below reads .venv's metadata: it checks nothing unless these are there.
    for name in read_pins(SEED_DIR / "requirements.txt"):
        assert installed_version(name) == lock[name], (
            f"{name} {lock[name]} is not installed in .venv (found {installed_version(name)}): `make install`"
        )


def test_the_lock_is_complete_for_codebuild(lock):
    """Walk the seed's requirements through .venv's metadata, extras included, with markers evaluated for
    CodeBuild: every dependency reached must be locked at a version its requirement allows."""
    wanted: dict[str, set[str]] = {}  # package -> the extras some requirement asks of it
    pending = read_requirements(SEED_DIR / "requirements.txt")
    checked = set()
    problems: dict[str, None] = {}  # an ordered set: a package revisited for an extra finds the same ones
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        extras = {canonicalize_name(extra) for extra in requirement.extras}
        if name in wanted and extras <= wanted[name]:
            continue
        wanted.setdefault(name, set()).update(extras)
        if installed_version(name) != lock.get(name):
            continue  # not installed here at the locked version: its metadata may differ, so not judged
        checked.add(name)
        for line in metadata.requires(name) or []:
            dependency = Requirement(line)
            if dependency.marker and not any(
                dependency.marker.evaluate({**CODEBUILD_ENVIRONMENT, "extra": extra})
                for extra in ["", *sorted(wanted[name])]
            ):
                continue
            dependency_name = canonicalize_name(dependency.name)
            if dependency_name not in lock:
                problems[f"{dependency_name} (needed by {name}: {line}) is not in requirements.lock"] = None
            elif not dependency.specifier.contains(lock[dependency_name], prereleases=True):
                problems[
                    f"{dependency_name} {lock[dependency_name]} is locked, but {name} requires {dependency}"
                ] = None
            else:
                pending.append(dependency)
    assert not problems, "; ".join(problems) + f": {FIX}"
    assert len(checked) > 20, f"only {sorted(checked)} could be checked against .venv: `make install`"


def test_the_lock_was_made_for_the_buildspec_python():
    header = LOCK.read_text().split("\n", 2)[:2]
    assert "uv pip compile" in header[1] and "--generate-hashes" in header[1], (
        f"requirements.lock's header does not name its generator: {FIX}"
    )
    options = shlex.split(header[1].lstrip("# "))
    python = options[options.index("--python-version") + 1]
    buildspec = yaml.safe_load((SEED_DIR / "buildspec.yml").read_text())
    runtime = str(buildspec["phases"]["install"]["runtime-versions"]["python"])
    assert python == runtime, (
        f"requirements.lock was made for Python {python}, CodeBuild runs {runtime}: change "
        f"--python-version in the Makefile's seed-lock target, then {FIX}"
    )


def test_codebuild_installs_the_lock_with_hashes_checked():
    buildspec = yaml.safe_load((SEED_DIR / "buildspec.yml").read_text())
    installs = [
        shlex.split(command)
        for phase in buildspec["phases"].values()
        for command in phase.get("commands", [])
        if re.match(r"(python -m )?pip install\b", command)
    ]
    assert installs, f"buildspec.yml installs nothing: {INSTALL}"
    for words in installs:
        files = [words[i + 1] for i, word in enumerate(words) if word == "-r"]
        assert files == ["requirements.lock"] and "--require-hashes" in words, (
            f"buildspec.yml runs `{shlex.join(words)}`: {INSTALL}"
        )
        # A source build would install build tools that no hash covers.
        assert "--only-binary=:all:" in words, (
            f"buildspec.yml runs `{shlex.join(words)}`: add --only-binary=:all:"
        )


def test_the_packager_ships_the_lock():
    assert "requirements.lock" in REQUIRED_SEED_FILES, (
        "scripts/assemble.py: add requirements.lock to REQUIRED_SEED_FILES, the buildspec installs from it"
    )
