"""`make demo`'s stages: each timed; a failure names its stage in one line; a wait says what it last saw."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from scripts.demo.progress import StageFailedError, Stages
from scripts.errors import KitError
from scripts.follow import WaitedTooLongError, wait_for


def test_a_stage_is_timed_and_a_failure_names_its_stage(capsys):
    run = Stages()
    with run.stage("first"):
        pass
    with (
        pytest.raises(StageFailedError, match=r"^stage 'second' failed: the bucket is gone$"),
        run.stage("second"),
    ):
        raise KitError("the bucket is gone")
    assert list(run.seconds) == ["first"]
    assert "==> first" in capsys.readouterr().out


def test_an_aws_error_in_a_stage_is_named_with_its_stage_not_as_a_traceback():
    refused = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "CreateProject")
    with (
        pytest.raises(StageFailedError, match=r"stage 'project' failed: ClientError: .*AccessDenied"),
        Stages().stage("project"),
    ):
        raise refused


def test_a_wait_prints_what_it_sees_when_it_changes_and_gives_up_saying_what_it_last_saw(capsys):
    seen = iter(["Pending", "Pending", "CreateInProgress"])
    with pytest.raises(WaitedTooLongError, match=r"the project did not happen within 0 s \(last seen: Creat"):
        wait_for("the project", lambda: (None, next(seen, "CreateInProgress")), seconds=0.05, interval=0.01)
    assert capsys.readouterr().out.split() == ["Pending", "CreateInProgress"]
    assert wait_for("a value", lambda: (7, "ready"), seconds=1) == 7
