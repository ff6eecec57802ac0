"""The notebooks' small helpers: asking before deleting, and what one notebook hands the next."""

from __future__ import annotations

import json

import pytest
from IPython.core.error import StdinNotImplementedError

from scripts.notebooks import handoff
from scripts.notebooks.confirm import NoOneToAskError, confirm


def test_assume_yes_answers_yes_and_says_so(monkeypatch, capsys):
    monkeypatch.setenv("ASSUME_YES", "1")
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked although ASSUME_YES=1"))
    assert confirm("Delete project p?") is True
    assert capsys.readouterr().out == "Delete project p? [y/N] yes (ASSUME_YES=1)\n"


@pytest.mark.parametrize(
    ("answer", "expected"), [("y", True), (" YES ", True), ("", False), ("n", False), ("yep", False)]
)
def test_only_y_or_yes_is_a_yes(monkeypatch, answer, expected):
    monkeypatch.delenv("ASSUME_YES", raising=False)
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or answer)
    assert confirm("Delete it?") is expected
    assert asked == ["Delete it? [y/N] "]


@pytest.mark.parametrize("no_stdin", [EOFError(), StdinNotImplementedError("raw_input was called, but ...")])
def test_with_no_one_to_answer_it_fails_naming_assume_yes(monkeypatch, no_stdin):
    monkeypatch.setenv("ASSUME_YES", "0")

    def no_input(prompt):
        raise no_stdin

    monkeypatch.setattr("builtins.input", no_input)
    with pytest.raises(
        NoOneToAskError, match=r"^Delete it\?: there is no one to answer \(no input\); set ASSUME_YES=1"
    ):
        confirm("Delete it?")


def test_the_handoff_file_keeps_earlier_values(tmp_path):
    handoff.save(tmp_path, feature_group="g", bucket="b")
    assert handoff.save(tmp_path, project_name="p") == {
        "bucket": "b",
        "feature_group": "g",
        "project_name": "p",
    }
    assert json.loads((tmp_path / handoff.FILE).read_text())["feature_group"] == "g"
    assert handoff.load(tmp_path, "bucket", "project_name")["project_name"] == "p"


def test_a_missing_handoff_names_the_notebook_to_run_first(tmp_path):
    with pytest.raises(
        handoff.NothingHandedOnError,
        match=r"walkthrough.json does not exist: run the notebooks in order, 00-setup first",
    ):
        handoff.load(tmp_path)
    handoff.save(tmp_path, bucket="b")
    with pytest.raises(
        handoff.NothingHandedOnError, match=r"walkthrough.json has no feature_group: run the notebooks"
    ):
        handoff.load(tmp_path, "bucket", "feature_group")
