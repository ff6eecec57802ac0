"""Put the seed code into an empty Git repository: ``python -m scripts.seed_repo`` (``make seed-repo
REPOSITORY=<clone URL> [BRANCH=main]``).

A project with ``SourceRepository=CodeConnections`` builds from a GitHub, GitLab or Bitbucket repository
the kit cannot create. This fills one: it commits exactly the files of the packaged seed zip (the same
selection, contents and executable bits) as the repository's first commit on the branch, and pushes it.
It only ever fills an empty repository (no branch, no tag), so it never rewrites anyone's history.
Git runs with the user's own configuration and credentials.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from scripts import PROJECT_ROOT
from scripts.assemble import SourceLayout, seed_entries
from scripts.errors import KitError, run_main
from scripts.zipping import build_zip

DEFAULT_BRANCH = "main"
FALLBACK_IDENTITY = ("sagemaker-fs-ingestion kit", "seed-repo@localhost")
COMMIT_MESSAGE = "Seed code of the S3 to Feature Store ingestion project template {version}"
CREDENTIALS_FIX = "check the URL and your Git credentials"
_HOSTED_SCHEMES = ("https", "http", "ssh", "git")


class GitNotFoundError(KitError):
    def __init__(self) -> None:
        super().__init__("git is not on PATH: install Git (https://git-scm.com/downloads) and run this again")


class NoRepositoryGivenError(KitError):
    def __init__(self) -> None:
        super().__init__(
            "no repository given: pass REPOSITORY=<clone URL of an empty repository>, "
            "e.g. REPOSITORY=https://github.com/<owner>/<name>.git"
        )


class BadBranchError(KitError):
    def __init__(self, branch: str) -> None:
        super().__init__(
            f"BRANCH={branch!r} is not a valid Git branch name: use e.g. BRANCH={DEFAULT_BRANCH}"
        )


class RepositoryNotEmptyError(KitError):
    def __init__(self, url: str) -> None:
        super().__init__(
            f"{url} already has commits: seed-repo only fills an empty repository; "
            "push the seed yourself (README) or create an empty repository"
        )


class GitFailedError(KitError):
    def __init__(self, what: str, stderr: str, fix: str) -> None:
        super().__init__(f"{what} failed ({git_reason(stderr)}): {fix}")


def git_reason(stderr: str) -> str:
    """Git's own reason: its first ``fatal:``/``error:`` line, since the last one is often the generic
    "Please make sure you have the correct access rights / and the repository exists." advice."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        for prefix in ("fatal: ", "error: "):
            if line.startswith(prefix):
                return line.removeprefix(prefix)
    return lines[-1] if lines else "no message"


def shown_url(url: str) -> str:
    """The URL without the user and token an HTTPS URL may carry, to print."""
    parts = urlsplit(url)
    if parts.scheme in ("https", "http") and "@" in parts.netloc:
        return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    return url


def full_repository_id(url: str) -> str:
    """The repository's owner/name (GitLab: group/.../name) as CodeConnections names it, when the URL
    is a hosted one (https://host/owner/name.git or git@host:owner/name.git)."""
    parts = urlsplit(url)
    if parts.scheme in _HOSTED_SCHEMES and parts.netloc:
        path = parts.path
    elif "://" not in url and ":" in url.split("/", 1)[0]:  # scp-like: [user@]host:owner/name.git
        path = url.split(":", 1)[1]
    else:
        return "<owner>/<name>"
    path = path.strip("/").removesuffix(".git")
    return path if "/" in path else "<owner>/<name>"


def git(*arguments: str, cwd: Path, what: str = "", fix: str = "check your Git installation") -> str:
    """Run git and return its standard output; a failure is a :class:`GitFailedError`."""
    result = subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True)
    if result.returncode:
        raise GitFailedError(what or f"git {arguments[0]}", result.stderr, fix)
    return result.stdout


def write_seed(layout: SourceLayout, directory: Path) -> int:
    """Write the files of the packaged seed zip into ``directory``, with the zip's permissions."""
    with zipfile.ZipFile(io.BytesIO(build_zip(seed_entries(layout.seed_dir)))) as archive:
        for info in archive.infolist():
            path = directory / info.filename
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.read(info))
            path.chmod(info.external_attr >> 16 & 0o777)
        return len(archive.infolist())


def identity_options(clone: Path) -> list[str]:
    """The fallback author, only for a user who has configured none."""
    configured = subprocess.run(["git", "config", "user.email"], cwd=clone, capture_output=True, text=True)
    if configured.stdout.strip():
        return []
    name, email = FALLBACK_IDENTITY
    return ["-c", f"user.name={name}", "-c", f"user.email={email}"]


def seed_repository(
    url: str, branch: str, layout: SourceLayout | None = None, say: Callable[[str], None] = print
) -> str:
    """Commit the seed into the empty repository at ``url`` on ``branch`` and push it; return the commit."""
    layout = layout or SourceLayout(PROJECT_ROOT)
    if not url:
        raise NoRepositoryGivenError()
    if shutil.which("git") is None:
        raise GitNotFoundError()
    version = layout.read_version()
    shown = shown_url(url)
    with tempfile.TemporaryDirectory(prefix="seed-repo-") as temporary:
        work = Path(temporary)
        checked = subprocess.run(
            ["git", "check-ref-format", "--branch", branch], cwd=work, capture_output=True
        )
        if checked.returncode or checked.stdout.decode().strip() != branch:
            raise BadBranchError(branch)
        if git("ls-remote", "--", url, cwd=work, what=f"reading {shown}", fix=CREDENTIALS_FIX).strip():
            raise RepositoryNotEmptyError(shown)
        say(f"Cloning {shown}")
        clone = work / "repository"
        git("clone", "--quiet", "--", url, str(clone), cwd=work, what=f"cloning {shown}", fix=CREDENTIALS_FIX)
        git("symbolic-ref", "HEAD", f"refs/heads/{branch}", cwd=clone)
        say(f"{write_seed(layout, clone)} files of the seed (version {version})")
        git("add", "--all", "--force", cwd=clone)  # --force: the user's global ignores do not apply
        message = COMMIT_MESSAGE.format(version=version)
        git(
            *identity_options(clone),
            "commit",
            "--quiet",
            "--message",
            message,
            cwd=clone,
            what="git commit",
            fix="check your Git configuration (user.name, commit signing, hooks)",
        )
        commit = git("rev-parse", "HEAD", cwd=clone).strip()
        say(f"Committed {commit[:12]} on {branch}")
        git(
            "push",
            "--quiet",
            "origin",
            f"HEAD:refs/heads/{branch}",
            cwd=clone,
            what=f"pushing to {shown}",
            fix="check that your Git credentials may push to it",
        )
    say(f"Pushed to {shown} {branch}")
    say(
        "Next: create the project with SourceRepository=CodeConnections, ConnectionArn=<your connection's "
        f"ARN>, FullRepositoryId={full_repository_id(url)}, BranchName={branch}"
    )
    return commit


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.seed_repo", description=__doc__)
    parser.add_argument(
        "--repository",
        default=os.environ.get("REPOSITORY", ""),
        help="clone URL of an empty repository (default: REPOSITORY)",
    )
    parser.add_argument(
        "--branch",
        default=os.environ.get("BRANCH") or DEFAULT_BRANCH,
        help=f"branch to commit the seed to (default: BRANCH, else {DEFAULT_BRANCH})",
    )
    args = parser.parse_args()
    seed_repository(args.repository, args.branch)


if __name__ == "__main__":
    run_main(main)
