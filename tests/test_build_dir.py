"""build/<region>/ is replaced by a candidate only on commit, keeping what `make deploy` wrote there, and a
swap interrupted half-way is put right by the next run."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.build_dir import BuildDir
from scripts.deploy import OUTPUTS_FILE


def tree(directory: Path) -> dict[str, str]:
    return {p.relative_to(directory).as_posix(): p.read_text() for p in directory.rglob("*") if p.is_file()}


@pytest.fixture
def current(tmp_path) -> BuildDir:
    build_dir = BuildDir(tmp_path / "build" / "eu-west-1")
    build_dir.path.mkdir(parents=True)
    (build_dir.path / "manifest.json").write_text("old manifest")
    (build_dir.path / "templates").mkdir()
    (build_dir.path / "templates" / "old.yaml").write_text("old template")
    (build_dir.path / OUTPUTS_FILE).write_text("outputs of the deployed stack")
    return build_dir


def test_the_candidate_replaces_the_build_and_the_deploy_outputs_carry_over(current):
    candidate = current.begin()
    assert candidate == current.path.with_name("eu-west-1.candidate")
    assert list(candidate.iterdir()) == []
    (candidate / "manifest.json").write_text("new manifest")
    current.commit()
    assert tree(current.path) == {
        "manifest.json": "new manifest",
        OUTPUTS_FILE: "outputs of the deployed stack",
    }
    assert sorted(p.name for p in current.path.parent.iterdir()) == ["eu-west-1"]


def test_nothing_changes_until_commit(current):
    before = tree(current.path)
    candidate = current.begin()
    (candidate / "manifest.json").write_text("a build that failed")
    assert tree(current.path) == before
    current.begin()  # the next run starts afresh
    assert list(candidate.iterdir()) == []
    assert tree(current.path) == before


def test_the_first_build_has_nothing_to_replace(tmp_path):
    build_dir = BuildDir(tmp_path / "build" / "us-east-1")
    (build_dir.begin() / "manifest.json").write_text("first")
    build_dir.commit()
    assert tree(build_dir.path) == {"manifest.json": "first"}


def test_a_swap_interrupted_between_its_renames_is_undone_by_the_next_run(current):
    before = tree(current.path)
    current.begin()
    current.path.rename(current.path.with_name("eu-west-1.previous"))  # the first rename, then a crash
    assert not current.path.exists()
    current.begin()
    assert tree(current.path) == before
    assert not current.path.with_name("eu-west-1.previous").exists()


def test_a_swap_interrupted_before_its_clean_up_is_finished_by_the_next_run(current):
    (current.begin() / "manifest.json").write_text("new manifest")
    previous = current.path.with_name("eu-west-1.previous")
    current.path.rename(previous)
    current.candidate.rename(current.path)  # both renames, then a crash
    current.begin()
    assert tree(current.path) == {"manifest.json": "new manifest"}
    assert not previous.exists()
