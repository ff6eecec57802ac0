"""The ``install`` phase's replacement: the commands of the buildspec's install phase would install
packages into this machine's Python, so instead the pins the source declares (``requirements.lock``, else
``requirements.txt``) are checked against what is installed; a mismatch fails the phase with the list."""

from __future__ import annotations

import re
from importlib import metadata as importlib_metadata
from pathlib import Path

REQUIREMENT_FILES = ("requirements.lock", "requirements.txt")
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;\\]+)\s*(;[^\\#]*)?")


def check(source_dir: Path) -> tuple[str, str, str, str]:
    """The phase's status, status code and message, and the line to log."""
    for name in REQUIREMENT_FILES:
        if (source_dir / name).is_file():
            pins = pins_of((source_dir / name).read_text())
            mismatches = []
            for package, version in pins:
                try:
                    installed = importlib_metadata.version(package)
                except importlib_metadata.PackageNotFoundError:
                    installed = None
                if installed is None or _normalized(installed) != _normalized(version):
                    mismatches.append(f"{package}=={version} (installed: {installed or 'none'})")
            if mismatches:
                message = (
                    "install phase replaced: the local environment does not satisfy "
                    f"{len(mismatches)} of {len(pins)} pinned requirements in {name}: "
                    + ", ".join(mismatches)
                )
                return "FAILED", "COMMAND_EXECUTION_ERROR", message, message
            satisfied = f"the local environment satisfies {len(pins)} pinned requirements ({name})"
            return "SUCCEEDED", "", "", f"install phase replaced: {satisfied}"
    return (
        "SUCCEEDED",
        "",
        "",
        "install phase replaced: no requirements.lock or requirements.txt in the source",
    )


def pins_of(text: str) -> list[tuple[str, str]]:
    """``name==version`` pins of a requirements file whose markers apply here (hashes, comments and
    other requirement forms ignored)."""
    pins = []
    for line in text.splitlines():
        match = _PIN.match(line)
        if not match:
            continue
        marker = (match.group(4) or "").lstrip(";").strip()
        if marker:
            try:
                from packaging.markers import Marker

                if not Marker(marker).evaluate():
                    continue
            except Exception:
                pass
        pins.append((match.group(1), match.group(3)))
    return pins


def _normalized(version: str) -> str:
    try:
        from packaging.version import Version

        return str(Version(version))
    except Exception:
        return version
