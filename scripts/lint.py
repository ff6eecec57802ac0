"""cfn-lint over templates with the project's ``.cfnlintrc``; ``python -m scripts.lint PATH...``.

The packager lints what it is about to upload, so a template that fails lint is never published.
A template that linted clean is remembered in a cache (keyed by its bytes, the regions, the config
and cfn-lint's version), so packaging it again does not pay for cfn-lint a second time.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path

from scripts import PROJECT_ROOT
from scripts.errors import TemplateLintError, run_main

CONFIG_FILE = PROJECT_ROOT / ".cfnlintrc"


class CleanLintCache:
    """Files in ``directory`` named after the key of each template that linted without findings."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @staticmethod
    def key(path: Path, regions: Iterable[str]) -> str:
        digest = hashlib.sha256(version("cfn-lint").encode())
        digest.update(",".join(sorted(regions)).encode())
        digest.update(CONFIG_FILE.read_bytes() if CONFIG_FILE.is_file() else b"")
        digest.update(Path(path).read_bytes())
        return digest.hexdigest()

    def is_clean(self, key: str) -> bool:
        return (self.directory / key).is_file()

    def remember_clean(self, key: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / key).touch()


def lint_templates(
    paths: Iterable[Path], regions: Iterable[str] = (), cache: CleanLintCache | None = None
) -> list[str]:
    """Every cfn-lint finding (errors, warnings and informational) as one line each."""
    regions = sorted(set(regions))
    paths = [Path(path) for path in paths]
    missing = [path for path in paths if not path.is_file()]
    keys = {path: cache.key(path, regions) for path in paths if path not in missing} if cache else {}
    pending = [path for path in paths if path not in missing and not (cache and cache.is_clean(keys[path]))]
    findings = [f"{path}:1: E0000 Template file not found: {path}" for path in missing]
    if not pending:
        return findings
    from cfnlint.api import ManualArgs, lint_by_config  # about half a second to import: only when needed
    from cfnlint.config import ConfigFileArgs

    settings = dict(ConfigFileArgs(config_file=CONFIG_FILE).file_args) if CONFIG_FILE.is_file() else {}
    if regions:
        settings["regions"] = sorted(set(settings.get("regions", [])) | set(regions))
    settings["templates"] = [str(path) for path in pending]
    # One run for all the templates: cfn-lint loads its rules and schemas once, not once per file.
    matches = lint_by_config(ManualArgs(**settings))
    findings += [
        f"{match.filename}:{match.linenumber}: {match.rule.id} {match.message.splitlines()[0]}"
        for match in matches
    ]
    flagged = {Path(match.filename) for match in matches}
    if cache:
        for path in pending:
            if path not in flagged:
                cache.remember_clean(keys[path])
    return findings


def template_files(paths: Iterable[Path]) -> list[Path]:
    """The ``.yaml``/``.yml``/``.json`` files named, or found directly inside named directories."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml", ".json"}))
        else:
            files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.lint", description=__doc__)
    parser.add_argument("paths", nargs="+", type=Path, help="template files or directories")
    args = parser.parse_args()
    files = template_files(args.paths)
    findings = lint_templates(files)
    for finding in findings:
        print(finding)
    if findings:
        raise TemplateLintError(len(findings))
    print(f"cfn-lint: {len(files)} template(s), no findings")


if __name__ == "__main__":
    run_main(main)
