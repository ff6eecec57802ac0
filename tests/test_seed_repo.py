"""make seed-repo: the packaged seed as the first commit of an empty repository, against local bare
repositories and a Git configuration of the test's own."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts import seed_repo
from scripts.assemble import SourceLayout
from scripts.zipping import build_zip, tree_entries
from tests.conftest import PROJECT_ROOT

KIT = SourceLayout(PROJECT_ROOT)


def git(*arguments: str, cwd: Path) -> str:
    return subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True, check=True).stdout


def tree(commit: str, repository: Path) -> list[str]:
    return git("ls-tree", "-r", "--format=%(objectmode) %(path)", commit, cwd=repository).splitlines()


def refs(repository: Path) -> str:
    return git("for-each-ref", "--format=%(refname) %(objectname)", cwd=repository)


def quiet(_line: str) -> None:
    pass


@pytest.fixture
def git_config(tmp_path, monkeypatch) -> Path:
    """An empty global configuration and no system one: the machine's identity and settings do not apply."""
    home = tmp_path / "home"
    home.mkdir()
    config = home / ".gitconfig"
    config.write_text("")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    return config


@pytest.fixture
def remote(tmp_path, git_config) -> Path:
    path = tmp_path / "remote.git"
    git("init", "--quiet", "--bare", str(path), cwd=tmp_path)
    return path


def test_an_empty_repository_gets_the_seed_zip_as_one_commit(remote, git_config, tmp_path):
    (tmp_path / "ignores").write_text("*.lock\ntests/\n")  # a user's global ignores drop no seed file
    git_config.write_text(
        f"[user]\n\tname = Ada\n\temail = ada@example.com\n[core]\n\texcludesFile = {tmp_path / 'ignores'}\n"
    )
    lines = []

    commit = seed_repo.seed_repository(remote.as_uri(), "seed/first", say=lines.append)

    assert refs(remote) == f"refs/heads/seed/first {commit}\n"
    assert git("rev-list", "--all", cwd=remote).split() == [commit]
    entries = tree_entries(KIT.seed_dir)
    assert [line.split(" ", 1)[1] for line in tree(commit, remote)] == [name for name, _ in entries]
    for name, path in entries:
        assert git("cat-file", "blob", f"{commit}:{name}", cwd=remote).encode() == path.read_bytes(), name
    version = KIT.read_version()
    assert git("log", "--format=%an <%ae>|%cn <%ce>|%s", commit, cwd=remote).splitlines() == [
        "Ada <ada@example.com>|Ada <ada@example.com>|"
        f"Seed code of the S3 to Feature Store ingestion project template {version}"
    ]
    assert lines == [
        f"Cloning {remote.as_uri()}",
        f"{len(entries)} files of the seed (version {version})",
        f"Committed {commit[:12]} on seed/first",
        f"Pushed to {remote.as_uri()} seed/first",
        "Next: create the project with SourceRepository=CodeConnections, ConnectionArn=<your connection's "
        "ARN>, FullRepositoryId=<owner>/<name>, BranchName=seed/first",
    ]


def test_files_and_modes_are_the_zips(remote, layout):
    seed = layout.seed_dir
    (seed / "pipeline" / "__pycache__").mkdir(exist_ok=True)
    (seed / "pipeline" / "__pycache__" / "pipeline.cpython-312.pyc").write_bytes(b"\0")
    (seed / "run.sh").write_text("#!/bin/sh\n")
    (seed / "run.sh").chmod(0o755)

    commit = seed_repo.seed_repository(str(remote), "main", layout, say=quiet)

    with zipfile.ZipFile(io.BytesIO(build_zip(tree_entries(seed)))) as archive:
        zipped = [f"100{info.external_attr >> 16 & 0o777:o} {info.filename}" for info in archive.infolist()]
    assert tree(commit, remote) == zipped
    assert "100755 run.sh" in zipped
    assert git("log", "--format=%s", commit, cwd=remote).strip().endswith(" 1.0.0")


def test_without_an_identity_the_kit_is_the_author(remote):
    commit = seed_repo.seed_repository(str(remote), "main", say=quiet)

    assert git("log", "--format=%an <%ae>|%cn <%ce>", commit, cwd=remote).strip() == (
        "sagemaker-fs-ingestion kit <seed-repo@localhost>|sagemaker-fs-ingestion kit <seed-repo@localhost>"
    )


@pytest.mark.parametrize("ref", ["refs/heads/develop", "refs/tags/v1"])
def test_a_repository_with_a_branch_or_tag_is_refused_and_left_alone(remote, tmp_path, ref):
    other = tmp_path / "other"
    git("init", "--quiet", str(other), cwd=tmp_path)
    git(
        "-c",
        "user.name=x",
        "-c",
        "user.email=x@y",
        "commit",
        "--quiet",
        "--allow-empty",
        "-m",
        "x",
        cwd=other,
    )
    git("push", "--quiet", str(remote), f"HEAD:{ref}", cwd=other)
    before = refs(remote)

    with pytest.raises(seed_repo.RepositoryNotEmptyError) as raised:
        seed_repo.seed_repository(str(remote), "main", say=quiet)

    assert str(raised.value) == (
        f"{remote} already has commits: seed-repo only fills an empty repository; push the seed yourself "
        "(README) or create an empty repository"
    )
    assert refs(remote) == before


@pytest.mark.parametrize("branch", ["-x", "a..b", "HEAD", "has space", "@{-1}", ""])
def test_a_bad_branch_is_refused_before_git_touches_the_repository(remote, monkeypatch, branch):
    def no_git(*arguments, **_options):
        raise AssertionError(f"git {arguments} ran")

    monkeypatch.setattr(seed_repo, "git", no_git)

    with pytest.raises(
        seed_repo.BadBranchError, match=r"is not a valid Git branch name: use e\.g\. BRANCH=main$"
    ):
        seed_repo.seed_repository(str(remote), branch, say=quiet)


def test_a_repository_that_does_not_exist_fails_in_one_line(tmp_path, git_config):
    missing = tmp_path / "missing.git"
    result = subprocess.run(
        [sys.executable, "-m", "scripts.seed_repo"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "REPOSITORY": str(missing), "BRANCH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: reading {missing} failed ('{missing}' does not appear to be a git repository): "
        "check the URL and your Git credentials"
    ]


def test_no_repository_given_says_how_to_name_one():
    with pytest.raises(seed_repo.NoRepositoryGivenError, match="pass REPOSITORY="):
        seed_repo.seed_repository("", "main", say=quiet)


@pytest.mark.parametrize(
    ("url", "repository_id"),
    [
        ("https://github.com/owner/name.git", "owner/name"),
        ("https://token@github.com/owner/name", "owner/name"),
        ("git@github.com:owner/name.git", "owner/name"),
        ("ssh://git@bitbucket.org/owner/name.git", "owner/name"),
        ("https://gitlab.com/group/subgroup/name.git", "group/subgroup/name"),
        ("/srv/git/name.git", "<owner>/<name>"),
        ("file:///srv/git/name.git", "<owner>/<name>"),
    ],
)
def test_the_repository_id_codeconnections_needs(url, repository_id):
    assert seed_repo.full_repository_id(url) == repository_id


def test_a_token_in_the_url_is_not_printed():
    assert seed_repo.shown_url("https://x:secret@github.com/o/n.git") == "https://github.com/o/n.git"
    assert seed_repo.shown_url("git@github.com:o/n.git") == "git@github.com:o/n.git"
