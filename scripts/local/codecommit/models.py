"""CodeCommit repositories with content: branches pointing at commits, each commit a full tree of
files (see :mod:`.objects`), and the ``AWS::CodeCommit::Repository`` CloudFormation handler, which
seeds a repository from a zip in the emulator's S3 as CloudFormation's ``Code`` property does.

moto's ``CodeCommitBackend`` keeps ``repositories`` (name → ``moto.codecommit.models.CodeCommit``,
whose ``repository_metadata`` dict its create/get/delete responses return as is); ours holds
:class:`Repository`, a subclass that adds the content, so those responses stay consistent."""

from __future__ import annotations

import io
import re
import stat
import uuid
import zipfile
from datetime import UTC, datetime
from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.codecommit.models import CodeCommit, CodeCommitBackend, codecommit_backends
from moto.core.common_models import CloudFormationModel
from moto.core.utils import iso_8601_datetime_with_milliseconds, utcnow
from moto.s3.exceptions import S3ClientError
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from .exceptions import (
    CodeCommitError,
    InvalidRepositoryNameException,
    InvalidRequest,
    RepositoryDoesNotExistException,
    RepositoryNameExistsException,
)
from .objects import FILE_MODES, Commit, File, Identity, Tree, parent_folders

_REPOSITORY_NAME = re.compile(r"[\w.-]{1,100}")
_COMMIT_ID = re.compile(r"[0-9a-f]{40}")
SORT_KEYS = ("repositoryName", "lastModifiedDate")
"""ListRepositories' sortBy values, which are also the metadata fields they sort on."""


def normalize_path(path: str | None, *, folder: bool = False) -> str:
    """A repository path without its leading slash (``""`` is the root folder); CodeCommit accepts
    both ``/a/b.txt`` and ``a/b.txt``."""
    if path is None or (not path and not folder):
        raise CodeCommitError("PathRequiredException", "A file path is required.")
    relative = path.removeprefix("/")
    if folder:
        relative = relative.removesuffix("/")
    if relative and any(part in ("", ".", "..") for part in relative.split("/")):
        raise CodeCommitError("InvalidPathException", f"The path {path} is not valid.")
    return relative


def _required(value: str | None, code: str, what: str) -> str:
    if not value:
        raise CodeCommitError(code, f"{what} is required.")
    return value


class Repository(CodeCommit):
    """moto's repository record plus its branches, commits and tags."""

    def __init__(self, account_id: str, region: str, name: str, description: str | None) -> None:
        super().__init__(account_id, region, description, name)  # type: ignore[arg-type]
        self.branches: dict[str, str] = {}
        """Branch name → the id of its head commit."""
        self.commits: dict[str, Commit] = {}
        self.tags: dict[str, str] = {}

    @property
    def name(self) -> str:
        return self.repository_metadata["repositoryName"]

    @property
    def arn(self) -> str:
        return self.repository_metadata["Arn"]

    @property
    def default_branch(self) -> str | None:
        return self.repository_metadata.get("defaultBranch")

    def touch(self) -> None:
        self.repository_metadata["lastModifiedDate"] = iso_8601_datetime_with_milliseconds()

    def rename(self, new_name: str) -> None:
        """As UpdateRepositoryName: same id, new name, ARN and clone URLs (each ends with the name)."""
        old_length = len(self.name)
        for key in ("repositoryName", "cloneUrlSsh", "cloneUrlHttp", "Arn"):
            self.repository_metadata[key] = self.repository_metadata[key][:-old_length] + new_name
        self.touch()

    # -- reading ------------------------------------------------------------------------------------
    def head(self, branch: str | None) -> Commit:
        name = _required(branch, "BranchNameRequiredException", "A branch name")
        if name not in self.branches:
            raise CodeCommitError(
                "BranchDoesNotExistException", f"Branch {name} does not exist in {self.name}."
            )
        return self.commits[self.branches[name]]

    def resolve(self, specifier: str | None) -> Commit:
        """A commit by branch name, ``refs/heads/<branch>`` or commit id; the default branch's head
        when no specifier is given."""
        reference = specifier or self.default_branch
        branch = (reference or "").removeprefix("refs/heads/")
        if branch in self.branches:
            return self.commits[self.branches[branch]]
        if reference in self.commits:
            return self.commits[reference]
        raise CodeCommitError(
            "CommitDoesNotExistException",
            f"Commit {specifier} does not exist in {self.name}."
            if specifier
            else f"Repository {self.name} is empty: it has no commits.",
        )

    def get_commit(self, commit_id: str | None) -> Commit:
        wanted = _required(commit_id, "CommitIdRequiredException", "A commit id")
        if not _COMMIT_ID.fullmatch(wanted):
            raise CodeCommitError("InvalidCommitIdException", f"The commit id {wanted} is not valid.")
        if wanted not in self.commits:
            raise CodeCommitError(
                "CommitIdDoesNotExistException", f"Commit {wanted} does not exist in {self.name}."
            )
        return self.commits[wanted]

    # -- writing ------------------------------------------------------------------------------------
    def add_commit(
        self, branch: str | None, tree: Tree, parent_id: str | None, message: str, author: Identity
    ) -> Commit:
        """Commit ``tree`` onto ``branch`` as PutFile/CreateCommit do: an existing branch needs its
        current head as parent; a new branch can only be made in an empty repository (it becomes the
        default branch)."""
        name = _required(branch, "BranchNameRequiredException", "A branch name")
        if name in self.branches:
            if not parent_id:
                raise CodeCommitError(
                    "ParentCommitIdRequiredException",
                    f"Branch {name} exists: a parent commit id (its head commit) is required.",
                )
            parent = self._parent(parent_id)
            if parent.id != self.branches[name]:
                raise CodeCommitError(
                    "ParentCommitIdOutdatedException",
                    f"Parent commit {parent_id} is not the head of branch {name} ({self.branches[name]}).",
                )
        elif self.branches:
            raise CodeCommitError(
                "BranchDoesNotExistException", f"Branch {name} does not exist in {self.name}."
            )
        elif parent_id:
            self._parent(parent_id)
        created = Commit(tree, parent_id, message, author)
        self.commits[created.id] = created
        old_id = self.branches.get(name)
        self.branches[name] = created.id
        self.repository_metadata.setdefault("defaultBranch", name)
        self.touch()
        self._publish_reference_change(name, created.id, old_id)
        return created

    def _publish_reference_change(self, branch: str, commit_id: str, old_id: str | None) -> None:
        """The "CodeCommit Repository State Change" event CodeCommit sends to the default bus when a
        branch is created or moves (https://docs.aws.amazon.com/codecommit/latest/userguide/monitoring-events.html)."""
        from scripts.local.events import delivery

        account, region = self.repository_metadata["accountId"], self.arn.split(":")[3]
        detail: dict[str, Any] = {
            "callerUserArn": f"arn:{get_partition(region)}:iam::{account}:root",
            "commitId": commit_id,
            "event": "referenceUpdated" if old_id else "referenceCreated",
            "referenceFullName": f"refs/heads/{branch}",
            "referenceName": branch,
            "referenceType": "branch",
            "repositoryId": self.repository_metadata["repositoryId"],
            "repositoryName": self.name,
        }
        if old_id:
            detail["oldCommitId"] = old_id
        delivery.publish(
            account,
            region,
            {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "CodeCommit Repository State Change",
                "source": "aws.codecommit",
                "account": account,
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": region,
                "resources": [self.arn],
                "detail": detail,
            },
        )

    def _parent(self, parent_id: str) -> Commit:
        if not _COMMIT_ID.fullmatch(parent_id):
            raise CodeCommitError(
                "InvalidParentCommitIdException", f"The parent commit id {parent_id} is not valid."
            )
        if parent_id not in self.commits:
            raise CodeCommitError(
                "ParentCommitDoesNotExistException",
                f"Parent commit {parent_id} does not exist in {self.name}.",
            )
        return self.commits[parent_id]

    def put_file(
        self,
        branch: str | None,
        path: str | None,
        content: bytes | None,
        mode: str | None,
        parent_id: str | None,
        message: str,
        author: Identity,
    ) -> tuple[Commit, File]:
        if content is None:
            raise CodeCommitError("FileContentRequiredException", "The file content is required.")
        relative = normalize_path(path)
        if mode is not None and mode not in FILE_MODES:
            raise CodeCommitError(
                "InvalidFileModeException", f"File mode {mode} is not one of {', '.join(FILE_MODES)}."
            )
        tree = self.commits[self.branches[branch]].tree if branch in self.branches else Tree({})
        existing = tree.files.get(relative)
        file = File(content, mode or (existing.mode if existing else "NORMAL"))
        if relative in tree.folders:
            raise CodeCommitError(
                "FileNameConflictsWithDirectoryNameException", f"{relative} is a folder in branch {branch}."
            )
        if clash := next((folder for folder in parent_folders(relative) if folder in tree.files), None):
            raise CodeCommitError(
                "DirectoryNameConflictsWithFileNameException", f"{clash} is a file in branch {branch}."
            )
        if existing == file:
            raise CodeCommitError(
                "SameFileContentException",
                f"{relative} already has this content and mode in branch {branch}.",
            )
        return self.add_commit(branch, tree.with_file(relative, file), parent_id, message, author), file

    def create_commit(
        self,
        branch: str | None,
        parent_id: str | None,
        message: str,
        author: Identity,
        put_files: list[dict[str, Any]],
        delete_files: list[dict[str, Any]],
        set_file_modes: list[dict[str, Any]],
    ) -> tuple[Commit, dict[str, list[dict[str, str]]]]:
        """CreateCommit: several files put, deleted or re-moded in one commit. ``fileContent`` of a
        put entry is bytes (already decoded); ``sourceFile`` copies (or moves) a file of the branch.
        Returns the commit and its filesAdded/filesUpdated/filesDeleted."""
        name = _required(branch, "BranchNameRequiredException", "A branch name")
        before = self.commits[self.branches[name]].tree.files if name in self.branches else {}
        files = dict(before)
        seen: set[str] = set()

        def claim(path: str | None) -> str:
            relative = normalize_path(path)
            if relative in seen:
                raise CodeCommitError(
                    "PutFileEntryConflictException",
                    f"The path {relative} is named by more than one entry of the commit.",
                )
            seen.add(relative)
            return relative

        def existing(relative: str) -> File:
            if relative not in before:
                raise CodeCommitError(
                    "FileDoesNotExistException", f"File {relative} does not exist in branch {name}."
                )
            return before[relative]

        for entry in put_files:
            relative = claim(entry.get("filePath"))
            mode = entry.get("fileMode")
            if mode is not None and mode not in FILE_MODES:
                raise CodeCommitError(
                    "InvalidFileModeException", f"File mode {mode} is not one of {', '.join(FILE_MODES)}."
                )
            content, source = entry.get("fileContent"), entry.get("sourceFile")
            if content is not None and source:
                raise CodeCommitError(
                    "FileContentAndSourceFileSpecifiedException",
                    f"Entry {relative} gives both fileContent and sourceFile.",
                )
            if source:
                source_path = normalize_path(source.get("filePath"))
                copied = existing(source_path)
                content = copied.content
                mode = mode or copied.mode
                if source.get("isMove"):
                    claim(source_path)
                    files.pop(source_path, None)
            if content is None:
                raise CodeCommitError(
                    "FileContentRequiredException", f"Entry {relative} needs fileContent or sourceFile."
                )
            old = before.get(relative)
            files[relative] = File(content, mode or (old.mode if old else "NORMAL"))
        for entry in delete_files:
            relative = claim(entry.get("filePath"))
            existing(relative)
            files.pop(relative)
        for entry in set_file_modes:
            relative = claim(entry.get("filePath"))
            mode = entry.get("fileMode")
            if mode not in FILE_MODES:
                raise CodeCommitError(
                    "InvalidFileModeException", f"File mode {mode} is not one of {', '.join(FILE_MODES)}."
                )
            files[relative] = File(existing(relative).content, mode)
        for path in files:
            if clash := next((folder for folder in parent_folders(path) if folder in files), None):
                raise CodeCommitError(
                    "DirectoryNameConflictsWithFileNameException", f"{clash} is a file in branch {name}."
                )
        if files == before and name in self.branches:
            raise CodeCommitError(
                "NoChangeException",
                "The commit cannot be created because no changes will be made to the repository as a "
                "result of this commit. A commit must contain at least one change.",
            )
        commit = self.add_commit(name, Tree(files), parent_id, message, author)

        def entry_of(path: str, file: File) -> dict[str, str]:
            return {"absolutePath": path, "blobId": file.blob_id, "fileMode": file.mode}

        changes = {
            "filesAdded": [entry_of(p, f) for p, f in sorted(files.items()) if p not in before],
            "filesUpdated": [
                entry_of(p, f) for p, f in sorted(files.items()) if p in before and before[p] != f
            ],
            "filesDeleted": [entry_of(p, f) for p, f in sorted(before.items()) if p not in files],
        }
        return commit, changes

    def differences(
        self,
        before: str | None,
        after: str | None,
        before_path: str | None,
        after_path: str | None,
    ) -> list[dict[str, Any]]:
        """GetDifferences: the files that differ between two commits (``before`` omitted: every file
        of ``after`` is added), limited to a folder or file path on either side."""
        _required(after, "CommitRequiredException", "An after commit specifier")
        after_files = self._specified(after).tree.files
        before_files = self._specified(before).tree.files if before else {}

        limits = [limit for limit in (before_path, after_path) if limit]

        def within(path: str, limit: str) -> bool:
            wanted = normalize_path(limit, folder=True)
            return not wanted or path == wanted or path.startswith(wanted + "/")

        def blob(path: str, file: File) -> dict[str, str]:
            return {"blobId": file.blob_id, "path": path, "mode": FILE_MODES[file.mode].decode()}

        found = []
        for path in sorted(set(before_files) | set(after_files)):
            old, new = before_files.get(path), after_files.get(path)
            if old == new or (limits and not any(within(path, limit) for limit in limits)):
                continue
            change: dict[str, Any] = {"changeType": "A" if old is None else "D" if new is None else "M"}
            if old is not None:
                change["beforeBlob"] = blob(path, old)
            if new is not None:
                change["afterBlob"] = blob(path, new)
            found.append(change)
        return found

    def _specified(self, specifier: str) -> Commit:
        try:
            return self.resolve(specifier)
        except CodeCommitError:
            raise CodeCommitError(
                "CommitDoesNotExistException", f"Commit {specifier} does not exist in {self.name}."
            ) from None


class Backend(CodeCommitBackend):
    """moto's CodeCommit backend whose repositories keep content."""

    repositories: dict[str, Repository]  # type: ignore[assignment]

    def create_repository(self, repository_name: str, repository_description: str | None) -> dict[str, str]:  # type: ignore[override]
        if (
            not repository_name
            or not _REPOSITORY_NAME.fullmatch(repository_name)
            or repository_name.endswith(".git")
        ):
            raise InvalidRepositoryNameException()
        if repository_name in self.repositories:
            raise RepositoryNameExistsException(repository_name)
        repository = Repository(self.account_id, self.region_name, repository_name, repository_description)
        self.repositories[repository_name] = repository
        return repository.repository_metadata

    def repository(self, name: str | None) -> Repository:
        _required(name, "RepositoryNameRequiredException", "A repository name")
        if not _REPOSITORY_NAME.fullmatch(name):  # type: ignore[arg-type]
            raise InvalidRepositoryNameException()
        if name not in self.repositories:
            raise RepositoryDoesNotExistException(name)  # type: ignore[arg-type]
        return self.repositories[name]  # type: ignore[index]

    def repository_by_arn(self, arn: str | None) -> Repository:
        wanted = _required(arn, "ResourceArnRequiredException", "A resource ARN")
        for repository in self.repositories.values():
            if repository.arn == wanted:
                return repository
        raise CodeCommitError("RepositoryDoesNotExistException", f"No repository has the ARN {wanted}.")

    def list_repositories(self, sort_by: str | None, order: str | None) -> list[Repository]:
        if sort_by is not None and sort_by not in SORT_KEYS:
            raise CodeCommitError("InvalidSortByException", f"sortBy must be one of {', '.join(SORT_KEYS)}.")
        if order not in (None, "ascending", "descending"):
            raise CodeCommitError("InvalidOrderException", "order must be ascending or descending.")
        key = sort_by or "repositoryName"
        return sorted(
            self.repositories.values(),
            key=lambda r: r.repository_metadata[key],
            reverse=order == "descending",
        )

    def update_repository_name(self, old_name: str, new_name: str) -> None:
        repository = self.repository(old_name)
        if new_name in self.repositories:
            raise RepositoryNameExistsException(new_name)
        if not _REPOSITORY_NAME.fullmatch(new_name or "") or new_name.endswith(".git"):
            raise InvalidRepositoryNameException()
        repository.rename(new_name)
        self.repositories[new_name] = self.repositories.pop(old_name)

    def update_repository_description(self, name: str, description: str | None) -> None:
        repository = self.repository(name)
        repository.repository_metadata["repositoryDescription"] = description
        repository.touch()


def _backend(account_id: str, region_name: str) -> Backend:
    return codecommit_backends[account_id][region_name]  # type: ignore[return-value]


# -- CloudFormation --------------------------------------------------------------------------------
_SEED_AUTHOR = "AWS CloudFormation"
_SEED_MESSAGE = "Initial commit by AWS CloudFormation"


def read_code(account_id: str, region_name: str, code: dict[str, Any]) -> dict[str, File]:
    """The files of ``Code.S3`` (a zip in the emulator's S3), by repository path."""
    location = code.get("S3") or {}
    if "Bucket" not in location or "Key" not in location:
        raise InvalidRequest("Code.S3 needs Bucket and Key.")
    bucket, key, version = location["Bucket"], location["Key"], location.get("ObjectVersion")
    where = f"s3://{bucket}/{key}" + (f" (version {version})" if version else "")
    try:
        found = s3_backends[account_id][get_partition(region_name)].get_object(bucket, key, version)
    except S3ClientError:
        found = None
    if found is None:
        raise InvalidRequest(f"Code.S3: {where} does not exist in account {account_id}.")
    try:
        with zipfile.ZipFile(io.BytesIO(found.value)) as archive:
            files = {
                _zip_path(info, where): _zip_file(archive, info)
                for info in archive.infolist()
                if not info.is_dir()
            }
    except zipfile.BadZipFile as error:
        raise InvalidRequest(f"Code.S3: {where} is not a zip archive ({error}).") from error
    if not files:
        raise InvalidRequest(f"Code.S3: {where} contains no files.")
    return files


def _zip_path(info: zipfile.ZipInfo, where: str) -> str:
    try:
        return normalize_path(info.filename)
    except CodeCommitError as error:
        raise InvalidRequest(
            f"Code.S3: {where} has an entry with an invalid path: {info.filename}."
        ) from error


def _zip_file(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> File:
    unix_mode = info.external_attr >> 16
    mode = "SYMLINK" if stat.S_ISLNK(unix_mode) else "EXECUTABLE" if unix_mode & 0o111 else "NORMAL"
    return File(archive.read(info), mode)


def _configure(repository: Repository, properties: dict[str, Any]) -> None:
    """The settings AWS changes in place besides name and description: tags and the KMS key."""
    repository.tags = {tag["Key"]: tag["Value"] for tag in properties.get("Tags") or []}
    if "KmsKeyId" in properties:
        repository.repository_metadata["kmsKeyId"] = properties["KmsKeyId"]
    else:
        repository.repository_metadata.pop("kmsKeyId", None)


def _reject_unsupported(properties: dict[str, Any]) -> None:
    if properties.get("Triggers"):
        raise InvalidRequest(
            "Triggers of AWS::CodeCommit::Repository are not supported by the local emulator "
            "(moto has no repository triggers); remove them to deploy locally."
        )


class CfnRepository(CloudFormationModel):
    """AWS::CodeCommit::Repository. Ref: the repository id; GetAtt: Arn, CloneUrlHttp, CloneUrlSsh,
    Name. ``Code`` is committed once, at creation (as AWS does, later changes to it are ignored); a
    change of name, description, tags or KMS key updates the repository in place.

    Calls ``Backend`` above: ``create_repository``, ``update_repository_*``, ``delete_repository``."""

    _ATTRIBUTES: ClassVar[dict[str, str]] = {
        "Arn": "Arn",
        "CloneUrlHttp": "cloneUrlHttp",
        "CloneUrlSsh": "cloneUrlSsh",
        "Name": "repositoryName",
    }
    """GetAtt attribute → the repository metadata field it reads."""

    def __init__(self, repository_id: str, name: str, account_id: str, region_name: str) -> None:
        self.id = repository_id
        self.name = name
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeCommit::Repository"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "RepositoryName"

    @property
    def physical_resource_id(self) -> str:
        return self.id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls._ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name not in self._ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        metadata = _backend(self.account_id, self.region_name).repository(self.name).repository_metadata
        return metadata[self._ATTRIBUTES[attribute_name]]

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json["Properties"]
        _reject_unsupported(properties)
        code = properties.get("Code")
        files = read_code(account_id, region_name, code) if code else None
        backend = _backend(account_id, region_name)
        metadata = backend.create_repository(resource_name, properties.get("RepositoryDescription"))
        repository = backend.repository(resource_name)
        _configure(repository, properties)
        if files is not None:
            author = Identity(_SEED_AUTHOR, "", utcnow())
            repository.add_commit(code.get("BranchName") or "main", Tree(files), None, _SEED_MESSAGE, author)
        return cls(metadata["repositoryId"], resource_name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = cloudformation_json["Properties"]
        _reject_unsupported(properties)
        backend = _backend(account_id, region_name)
        if new_resource_name != original_resource.name:
            backend.update_repository_name(original_resource.name, new_resource_name)
            original_resource.name = new_resource_name
        backend.update_repository_description(new_resource_name, properties.get("RepositoryDescription"))
        _configure(backend.repository(new_resource_name), properties)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_repository(self.name)
