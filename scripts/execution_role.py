"""Which SageMaker execution role the portfolio is granted to, and the roles the product relies on."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from scripts.errors import AmbiguousExecutionRoleError, NoStudioDomainError, RoleNotFoundError


@dataclass(frozen=True)
class RoleRef:
    """An IAM role by path and name, e.g. ``service-role/AmazonSageMakerServiceCatalogProductsUseRole``."""

    path: str  # "/" or "/service-role/"
    name: str

    @classmethod
    def parse(cls, text: str) -> RoleRef:
        """Accept ``name``, ``path/name`` or a role ARN."""
        relative = text.split(":role/", 1)[1] if ":role/" in text else text
        *path, name = relative.strip("/").split("/")
        return cls("/" + "".join(f"{part}/" for part in path), name)

    def __str__(self) -> str:
        return f"{self.path.lstrip('/')}{self.name}"


def studio_domains(sagemaker) -> list[dict]:
    """The region's Studio domains (ListDomains' summaries: DomainId, DomainArn, ...), every page."""
    return [
        domain for page in sagemaker.get_paginator("list_domains").paginate() for domain in page["Domains"]
    ]


def studio_execution_role(sagemaker, region: str) -> str:
    """The default execution role of the region's Studio domain(s); fails when none or several."""
    domain_ids = [domain["DomainId"] for domain in studio_domains(sagemaker)]
    settings = [sagemaker.describe_domain(DomainId=d)["DefaultUserSettings"] for d in domain_ids]
    roles = sorted({s["ExecutionRole"] for s in settings if s.get("ExecutionRole")})
    if not roles:
        raise NoStudioDomainError(region)
    if len(roles) > 1:
        raise AmbiguousExecutionRoleError(roles)
    return roles[0]


def require_role(iam, role: RoleRef, fix: str) -> str:
    """The role's ARN; raises with ``fix`` when it does not exist."""
    try:
        found = iam.get_role(RoleName=role.name)["Role"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchEntity":
            raise RoleNotFoundError(str(role), fix) from error
        raise
    if found["Path"] != role.path:
        raise RoleNotFoundError(str(role), f"a role {role.name} exists with path {found['Path']}; {fix}")
    return found["Arn"]
