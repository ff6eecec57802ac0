"""User-facing errors: each names the cause and the fix in one line.

They are raised deep in the tooling and turned into a message and an exit code in one place,
:func:`run_main`, the way every entry point runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError


class KitError(Exception):
    """An error the user can fix; its message is printed as the single line of output."""


class NoCredentialsFoundError(KitError):
    def __init__(self) -> None:
        super().__init__(
            "no AWS credentials found: run `aws configure`, set AWS_PROFILE, "
            "or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        )


class NoRegionConfiguredError(KitError):
    def __init__(self) -> None:
        super().__init__("no AWS region configured: pass REGION=<region> to make, or set AWS_REGION")


class BucketAccessDeniedError(KitError):
    def __init__(self, bucket: str, account: str) -> None:
        super().__init__(
            f"staging bucket {bucket} belongs to another account or denies access to account "
            f"{account}: set CFN_BUCKET_NAME to a bucket this account owns"
        )


class BucketInOtherRegionError(KitError):
    def __init__(self, bucket: str, bucket_region: str, region: str) -> None:
        super().__init__(
            f"staging bucket {bucket} is in {bucket_region}, not {region}: use REGION={bucket_region}"
            f" or set CFN_BUCKET_NAME to a bucket in {region}"
        )


class BadStagingPrefixError(KitError):
    def __init__(self, prefix: str) -> None:
        super().__init__(
            f"S3_PREFIX={prefix!r} must be one or more folder names of letters, digits and !_.'()- "
            "(not empty, not /, no wildcards), because the launch role may read only under it: "
            "use e.g. S3_PREFIX=fs-ingestion"
        )


class BucketNotVersionedError(KitError):
    def __init__(self, bucket: str) -> None:
        super().__init__(
            f"staging bucket {bucket} does not have versioning enabled, and the templates pin the published "
            f"code by object version: run `aws s3api put-bucket-versioning --bucket {bucket} "
            "--versioning-configuration Status=Enabled`, or set CFN_BUCKET_NAME to another bucket"
        )


class MissingSeedFilesError(KitError):
    def __init__(self, seed_dir: str, missing: list[str]) -> None:
        super().__init__(
            f"seed code in {seed_dir} is missing {', '.join(missing)}: restore them "
            "(git checkout -- project-seed) before packaging"
        )


class PlaceholderError(KitError):
    """A ``{{package:...}}`` token that is unknown or was left in a rendered template."""


class TemplateTooLargeError(KitError):
    def __init__(self, name: str, size: int, limit: int) -> None:
        super().__init__(
            f"template {name} is {size:,} bytes, over CloudFormation's {limit:,}-byte limit: "
            "shrink it (move code into the seed zip, trim descriptions)"
        )


class TemplateSyntaxError(KitError, ValueError):
    """A template that is not YAML, or not a mapping; the message names the file and line.
    A ValueError too, for callers that catch what a parser raises."""


class ArchiveTooLargeError(KitError):
    def __init__(self, what: str, size: str, limit: str, fix: str) -> None:
        super().__init__(f"{what} is {size}, over {limit}: {fix}; nothing was uploaded")


class UnknownRegionError(KitError):
    def __init__(self, region: str, known: str, suggestions: list[str]) -> None:
        super().__init__(
            f"{region!r} is not an AWS region ({known}): set REGION to one, e.g. {' or '.join(suggestions)}"
        )


class TemplateLintError(KitError):
    def __init__(self, count: int, packaging: bool = False) -> None:
        consequence = "; nothing was uploaded: fix them and package again" if packaging else ": fix them"
        super().__init__(f"cfn-lint found {count} problem(s) in the templates (listed above){consequence}")


class ReleaseAlreadyPublishedError(KitError):
    def __init__(self, version: str, key: str) -> None:
        super().__init__(
            f"version {version} is already published at {key} with a different product template: "
            "bump VERSION so existing projects keep the template they were launched from"
        )


class ManifestNotFoundError(KitError):
    def __init__(self, path: str) -> None:
        super().__init__(f"no package manifest at {path}: run `make package` first")


class PackageNotPublishedError(KitError):
    def __init__(self, manifest: str, location: str) -> None:
        super().__init__(
            f"the package recorded in {manifest} is not at {location} (the object or its bucket is gone; "
            "with the local emulator, its state goes when it stops): run `make package`"
        )


class PublishedTemplateChangedError(KitError):
    def __init__(self, location: str) -> None:
        super().__init__(
            f"{location} is not the template `make package` published (its SHA-256 differs): someone wrote "
            "to the staging bucket since; run `make package` again and check who may write it"
        )


class BadDataBucketsError(KitError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"DATA_BUCKETS entry {name!r} is not an S3 bucket name (no wildcards): give bucket names, "
            "comma-separated, e.g. DATA_BUCKETS=sagemaker-us-east-1-123456789012,my-data"
        )


class BadConnectionsError(KitError):
    def __init__(self, arn: str) -> None:
        super().__init__(
            f"CONNECTIONS entry {arn!r} is not a CodeConnections connection ARN: give connection ARNs, "
            "comma-separated, e.g. CONNECTIONS=arn:aws:codeconnections:us-east-1:123456789012:connection/<id>"
        )


class BadDeliveryError(KitError):
    def __init__(self, value: str, choices: list[str]) -> None:
        super().__init__(
            f"DELIVERY={value!r} is not a delivery: choose {', '.join(choices)} (make help says what each is)"
        )


class DataBucketError(KitError):
    def __init__(self, bucket: str, problem: str) -> None:
        super().__init__(f"data bucket {bucket} (DATA_BUCKETS) {problem}")


class StackBusyError(KitError):
    def __init__(self, stack: str, status: str) -> None:
        super().__init__(f"stack {stack} is {status}: wait for that operation to finish, then deploy again")


class StackInRollbackCompleteError(KitError):
    def __init__(self, stack: str) -> None:
        super().__init__(
            f"stack {stack} is in ROLLBACK_COMPLETE (its first creation failed) and cannot be updated: "
            "run `make deploy REPLACE_FAILED_STACK=1` to delete and recreate it, or `make destroy`"
        )


class ChangeSetFailedError(KitError):
    def __init__(self, stack: str, reason: str) -> None:
        super().__init__(f"CloudFormation rejected the change set for {stack}: {reason}")


class StackOperationFailedError(KitError):
    def __init__(self, stack: str, status: str) -> None:
        super().__init__(
            f"stack {stack} ended in {status}; the failing resources and their reasons are listed "
            "above: fix the cause and deploy again"
        )


class NoStudioDomainError(KitError):
    def __init__(self, region: str) -> None:
        super().__init__(
            f"no SageMaker Studio domain in {region} to take the execution role from: create a domain "
            "or pass EXECUTION_ROLE_ARN=arn:...:role/<your SageMaker execution role>"
        )


class AmbiguousExecutionRoleError(KitError):
    def __init__(self, roles: list[str]) -> None:
        super().__init__(
            f"the Studio domains use {len(roles)} different execution roles ({', '.join(roles)}): "
            "pass EXECUTION_ROLE_ARN=<the one to grant the portfolio>"
        )


class RoleNotFoundError(KitError):
    def __init__(self, role: str, fix: str) -> None:
        super().__init__(f"IAM role {role} does not exist: {fix}")


class NoProjectGivenError(KitError):
    def __init__(self) -> None:
        super().__init__(
            "no project given: pass PROJECT_ID=p-... (the project's id, shown in Studio and by "
            "`aws sagemaker describe-project`) or PROJECT_NAME=<name>"
        )


class ProjectGivenTwiceError(KitError):
    def __init__(self, project_id: str, project_name: str) -> None:
        super().__init__(
            f"both PROJECT_ID={project_id} and PROJECT_NAME={project_name} are set: pass only one of them"
        )


class BadProjectIdError(KitError):
    def __init__(self, value: str) -> None:
        super().__init__(
            f"PROJECT_ID={value!r} is not a SageMaker project id (like p-abcdefghijkl): "
            "pass the id, or the project's name as PROJECT_NAME"
        )


class ProjectNotFoundError(KitError):
    def __init__(self, name: str, region: str, reason: str) -> None:
        super().__init__(
            f"SageMaker project {name} was not found in {region} ({reason}): check PROJECT_NAME and REGION, "
            "or pass PROJECT_ID=p-..."
        )


class QueueNotFoundError(KitError):
    def __init__(self, queue: str, region: str, also: str = "") -> None:
        super().__init__(
            f"SQS queue {queue} does not exist in {region}: check PROJECT_ID and REGION "
            f"(or the project was deleted{also})"
        )


class MessagesLeftError(KitError):
    def __init__(self, count: int, queue: str) -> None:
        super().__init__(
            f"{count} message(s) left in {queue} (each listed above with its reason): fix the cause and "
            "run `make redrive` again; a body that is not an event needs a look by hand"
        )


def run_main(main: Callable[[], None]) -> None:
    """Run an entry point; print a one-line error and exit non-zero on anything the user can fix."""
    try:
        main()
    except KitError as error:
        _fail(str(error))
    except NoCredentialsError:
        _fail(str(NoCredentialsFoundError()))
    except NoRegionError:
        _fail(str(NoRegionConfiguredError()))
    except ClientError as error:
        details = error.response.get("Error", {})
        _fail(
            f"AWS refused {error.operation_name}: {details.get('Code')}: {details.get('Message')}"
            " (check the permissions of the credentials in use)"
        )
    except KeyboardInterrupt:
        _fail("interrupted")


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)
