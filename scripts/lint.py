"""cfn-lint over templates with the project's ``.cfnlintrc``; ``python -m scripts.lint PATH...``.

The packager lints what it is about to upload, so a template that fails lint is never published.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from cfnlint.api import ManualArgs, lint_file
from cfnlint.config import ConfigFileArgs

from scripts import PROJECT_ROOT
from scripts.errors import TemplateLintError, run_main

CONFIG_FILE = PROJECT_ROOT / ".cfnlintrc"


def lint_templates(paths: Iterable[Path], regions: Iterable[str] = ()) -> list[str]:
    """Every cfn-lint finding (errors, warnings and informational) as one line each."""
    settings = dict(ConfigFileArgs(config_file=CONFIG_FILE).file_args) if CONFIG_FILE.is_file() else {}
    settings.pop("templates", None)
    if regions:
        settings["regions"] = sorted(set(settings.get("regions", [])) | set(regions))
    findings = []
    for path in paths:
        for match in lint_file(Path(path), config=ManualArgs(**settings)):
            findings.append(f"{path}:{match.linenumber}: {match.rule.id} {match.message.splitlines()[0]}")
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
