"""A build's environment variables, as CodeBuild sets them: its own ``CODEBUILD_*``, the project's and the
build's variables (``PLAINTEXT``, ``PARAMETER_STORE``, ``SECRETS_MANAGER``, read from the emulator's SSM and
Secrets Manager), and the buildspec's ``env.variables`` and ``env.parameter-store``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from scripts.local import endpoint

from .errors import BuildError


def base_variables(build: Any, source_dir: Path, home: Path) -> dict[str, str]:
    """CodeBuild's own variables for ``build``, with this machine's Python first on ``PATH`` and boto3
    pointed at the emulator."""
    environment = build.project.get("environment") or {}
    interpreter = Path(sys.executable).parent
    variables = {
        "PATH": f"{interpreter}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "LANG": "en_US.UTF-8",
        "VIRTUAL_ENV": str(interpreter.parent),
        "AWS_REGION": build.region,
        "AWS_DEFAULT_REGION": build.region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "CODEBUILD_CI": "true",
        "CODEBUILD_BUILD_ID": build.id,
        "CODEBUILD_BUILD_ARN": build.arn,
        "CODEBUILD_BUILD_NUMBER": str(build.number),
        "CODEBUILD_BUILD_IMAGE": str(environment.get("image", "")),
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "CODEBUILD_INITIATOR": build.initiator,
        "CODEBUILD_KMS_KEY_ID": str(build.project.get("encryptionKey", "")),
        "CODEBUILD_LOG_PATH": build.uuid,
        "CODEBUILD_SRC_DIR": str(source_dir),
        "CODEBUILD_SOURCE_VERSION": build.source_version or "",
        "CODEBUILD_SOURCE_REPO_URL": str((build.project.get("source") or {}).get("location", "")),
        "CODEBUILD_START_TIME": str(int(build.started_at.timestamp() * 1000)),
        "CODEBUILD_PUBLIC_BUILD_URL": "",
    }
    if endpoint.current():
        variables["AWS_ENDPOINT_URL"] = endpoint.current()
    return variables


def given_variables(
    account: str, region: str, project: dict[str, Any], overrides: list[dict[str, str]]
) -> dict[str, str]:
    """The project's environment variables, the build's overrides winning, each resolved by its type."""
    given: dict[str, dict[str, str]] = {}
    for variable in list((project.get("environment") or {}).get("environmentVariables") or []) + overrides:
        given[variable["name"]] = variable
    resolved = {}
    for name, variable in given.items():
        kind = variable.get("type") or "PLAINTEXT"
        value = str(variable.get("value", ""))
        if kind == "PLAINTEXT":
            resolved[name] = value
        elif kind == "PARAMETER_STORE":
            resolved[name] = parameter(account, region, value)
        elif kind == "SECRETS_MANAGER":
            resolved[name] = secret(account, region, value)
        else:
            raise BuildError(
                "CLIENT_ERROR",
                f"environment variable {name} of type {kind} is not supported by the local emulator",
            )
    return resolved


def spec_variables(spec: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    """The buildspec's ``env.variables``; the project's and the build's own win over them."""
    variables = ((spec.get("env") or {}).get("variables")) or {}
    return {str(k): str(v) for k, v in variables.items() if str(k) not in given}


def spec_parameters(account: str, region: str, spec: dict[str, Any]) -> dict[str, str]:
    """The buildspec's ``env.parameter-store``: variable name to the parameter's value."""
    store = ((spec.get("env") or {}).get("parameter-store")) or {}
    return {str(name): parameter(account, region, str(path)) for name, path in store.items()}


def parameter(account: str, region: str, name: str) -> str:
    from moto.ssm.models import ssm_backends

    found = ssm_backends[account][region].get_parameter(name)
    if found is None:
        raise BuildError("CLIENT_ERROR", f"Parameter Store parameter {name} not found")
    return str(found.value)


def secret(account: str, region: str, reference: str) -> str:
    """``secret-id[:json-key[:version-stage[:version-id]]]`` (the id may be an ARN, which has colons)."""
    from moto.secretsmanager.models import secretsmanager_backends

    if reference.startswith("arn:"):
        parts = reference.split(":")
        secret_id, rest = ":".join(parts[:7]), parts[7:]
    else:
        secret_id, *rest = reference.split(":")
    key, stage, version = [*rest, "", "", ""][:3]
    try:
        value = secretsmanager_backends[account][region].get_secret_value(
            secret_id, version or None, stage or None
        )
    except Exception:
        raise BuildError("CLIENT_ERROR", f"Secrets Manager secret {secret_id} not found") from None
    text = str(value.get("SecretString") or "")
    if not key:
        return text
    try:
        return str(json.loads(text)[key])
    except (ValueError, KeyError, TypeError):
        raise BuildError(
            "CLIENT_ERROR", f"Secrets Manager secret {secret_id} has no JSON key {key}"
        ) from None
