"""CodeCommit error codes, as AWS returns them (moto defines the repository ones)."""

from moto.codecommit.exceptions import (
    InvalidRepositoryNameException,
    RepositoryDoesNotExistException,
    RepositoryNameExistsException,
)
from moto.core.exceptions import JsonRESTError

__all__ = [
    "CodeCommitError",
    "InvalidRepositoryNameException",
    "InvalidRequest",
    "RepositoryDoesNotExistException",
    "RepositoryNameExistsException",
]


class CodeCommitError(JsonRESTError):
    """An error raised with its AWS code: ``CodeCommitError("PathRequiredException", message)``."""

    code = 400


class InvalidRequest(JsonRESTError):
    """What CloudFormation's handler reports (HandlerErrorCode ``InvalidRequest``) for a repository it
    cannot create as declared: unreadable ``Code``, or a property the emulator does not support."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequest", message)
