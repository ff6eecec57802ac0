"""Choosing where the tooling runs: AWS, an endpoint you configured, or the local emulator.

``python -m scripts.target run scripts.package`` prints a one-line banner naming the target and why,
starts the emulator when the target is local, and runs the job, in this same process, with the
environment that points boto3 at it. This is the one place that knows about the emulator; the jobs
themselves only see boto3's usual configuration. ``python -m scripts.target env`` (``make env``)
prints the same environment as shell exports, for a shell, a notebook kernel or the AWS CLI.

TARGET=auto (the default) means local when no AWS credentials resolve and no endpoint is configured.
An unknown region is refused before anything starts (the emulator included); the jobs check the region
botocore resolves too (:func:`scripts.aws.check_region`).
"""

from __future__ import annotations

import argparse
import os
import runpy
import shlex
import sys
from dataclasses import dataclass

from scripts.errors import KitError, run_main

TARGETS = ("auto", "aws", "local")
LOCAL_DEFAULT_REGION = "us-east-1"
_USER_AWS_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL")


class UnknownTargetError(KitError):
    def __init__(self, value: str) -> None:
        super().__init__(f"TARGET={value} is not a target: use TARGET=auto, TARGET=aws or TARGET=local")


@dataclass(frozen=True)
class Target:
    name: str
    reason: str

    def banner(self) -> str:
        return f"==> target: {self.name} ({self.reason})"


def local_region() -> str:
    return (
        os.environ.get("REGION")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or LOCAL_DEFAULT_REGION
    )


def choose(requested: str | None = None) -> Target:
    """Decide the target without side effects (the emulator is not started here)."""
    requested = (requested or os.environ.get("TARGET") or "auto").lower()
    if requested not in TARGETS:
        raise UnknownTargetError(requested)
    if requested == "local":
        return Target("local", "TARGET=local")
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        return Target(f"endpoint {endpoint}", "AWS_ENDPOINT_URL is set")
    if requested == "aws":
        return Target("aws", "TARGET=aws")
    import botocore.session  # only here: the other targets must not pay for importing it

    credentials = botocore.session.get_session().get_credentials()
    if credentials is None:
        return Target("local", "no AWS credentials found and no endpoint configured; TARGET=aws to insist")
    return Target("aws", f"credentials from {credentials.method}; TARGET=local for the emulator")


def target_region(target: Target) -> str | None:
    """The region the job will use, when known before it starts: the local target's, or REGION."""
    if target.name == "local":
        return local_region()
    return os.environ.get("REGION") or None  # else botocore's own resolution, checked by the job


def local_environment(endpoint: str, region: str) -> dict[str, str]:
    """Variables pointing boto3 and the AWS CLI at the emulator (``""`` means unset)."""
    environment = dict.fromkeys(_USER_AWS_VARIABLES, "")
    environment.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return environment


def activate(target: Target) -> dict[str, str]:
    """The variables the job needs: for the local target, the emulator's (started if needed)."""
    if target.name != "local":
        return {}
    from scripts.local.process import Emulator, configured_port

    region = local_region()
    state = Emulator().ensure_running(configured_port(), region)
    return local_environment(state.endpoint, region)


def apply_environment(environment: dict[str, str]) -> None:
    """Set the variables in this process (``""`` unsets), for the job and any process it starts."""
    for name, value in environment.items():
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)


def exports(environment: dict[str, str]) -> str:
    return "\n".join(
        f"export {name}={shlex.quote(value)}" if value else f"unset {name}"
        for name, value in environment.items()
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.target", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="print the banner, prepare the target, run `python -m MODULE ARGS`")
    run.add_argument("module")
    run.add_argument("args", nargs=argparse.REMAINDER)
    commands.add_parser(
        "env", help="print the exports that point a shell at the target (local: the emulator)"
    )
    args = parser.parse_args(argv)

    target = choose()
    region = target_region(target)
    if region:
        from scripts.aws import check_region  # imports botocore, which every job imports anyway

        check_region(region)
    print(target.banner(), file=sys.stderr, flush=True)
    environment = activate(target)
    if args.command == "env":
        if not environment:
            print(
                f"# target {target.name}: boto3 and the AWS CLI use your own configuration; nothing to export"
            )
            return
        print(exports(environment))
        return
    apply_environment(environment)
    # In this process rather than a new one: a second interpreter, and for TARGET=auto a second
    # import of botocore, would add about a third to an unchanged `make package` re-run.
    sys.argv = [args.module, *args.args]
    runpy.run_module(args.module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    run_main(main)
