"""CodeCommit actions moto lacks, shaped as AWS answers them (moto's create/get/delete_repository
responses are kept: they return the metadata our repositories keep up to date)."""

from __future__ import annotations

import base64
import json
from typing import Any

from moto.codecommit.responses import CodeCommitResponse as MotoCodeCommitResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from .exceptions import CodeCommitError
from .models import Backend, Repository, normalize_path
from .objects import Commit, Identity

_PAGE_SIZE = 1000


def _page(items: list[Any], token: str | None) -> tuple[list[Any], str | None]:
    """nextToken paging; the token is the offset of the next page."""
    if token is not None and not (token.isdigit() and int(token) < len(items)):
        raise CodeCommitError(
            "InvalidContinuationTokenException", f"The continuation token {token} is not valid."
        )
    start = int(token or 0)
    end = start + _PAGE_SIZE
    return items[start:end], (str(end) if end < len(items) else None)


def _entry(path: str, folder: str) -> dict[str, str]:
    return {"absolutePath": path, "relativePath": path[len(folder) + 1 :] if folder else path}


class CodeCommitResponse(MotoCodeCommitResponse):
    @property
    def backend(self) -> Backend:
        return self.codecommit_backend  # type: ignore[return-value]

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.body or "{}")

    def _repository(self) -> Repository:
        return self.backend.repository(self.params.get("repositoryName"))

    # -- repositories -------------------------------------------------------------------------------
    def list_repositories(self) -> ActionResult:
        params = self.params
        repositories = self.backend.list_repositories(params.get("sortBy"), params.get("order"))
        page, token = _page(repositories, params.get("nextToken"))
        return ActionResult(
            {
                "repositories": [
                    {"repositoryName": r.name, "repositoryId": r.repository_metadata["repositoryId"]}
                    for r in page
                ],
                "nextToken": token,
            }
        )

    def update_repository_name(self) -> ActionResult:
        params = self.params
        self.backend.update_repository_name(params.get("oldName"), params.get("newName"))
        return EmptyResult()

    def update_repository_description(self) -> ActionResult:
        params = self.params
        self.backend.update_repository_description(
            params.get("repositoryName"), params.get("repositoryDescription")
        )
        return EmptyResult()

    # -- tags ---------------------------------------------------------------------------------------
    def list_tags_for_resource(self) -> ActionResult:
        return ActionResult({"tags": self.backend.repository_by_arn(self.params.get("resourceArn")).tags})

    def tag_resource(self) -> ActionResult:
        params = self.params
        self.backend.repository_by_arn(params.get("resourceArn")).tags.update(params.get("tags") or {})
        return EmptyResult()

    def untag_resource(self) -> ActionResult:
        params = self.params
        tags = self.backend.repository_by_arn(params.get("resourceArn")).tags
        for key in params.get("tagKeys") or []:
            tags.pop(key, None)
        return EmptyResult()

    # -- branches and commits -----------------------------------------------------------------------
    def get_branch(self) -> ActionResult:
        params = self.params
        head = self._repository().head(params.get("branchName"))
        return ActionResult({"branch": {"branchName": params["branchName"], "commitId": head.id}})

    def list_branches(self) -> ActionResult:
        page, token = _page(sorted(self._repository().branches), self.params.get("nextToken"))
        return ActionResult({"branches": page, "nextToken": token})

    def get_commit(self) -> ActionResult:
        return ActionResult({"commit": self._repository().get_commit(self.params.get("commitId")).to_dict()})

    # -- files and folders --------------------------------------------------------------------------
    def _commit(self) -> Commit:
        return self._repository().resolve(self.params.get("commitSpecifier"))

    def get_file(self) -> ActionResult:
        commit = self._commit()
        path = normalize_path(self.params.get("filePath"))
        file = commit.tree.files.get(path)
        if file is None:
            raise CodeCommitError(
                "FileDoesNotExistException", f"File {path} does not exist in commit {commit.id}."
            )
        return ActionResult(
            {
                "commitId": commit.id,
                "blobId": file.blob_id,
                "filePath": path,
                "fileMode": file.mode,
                "fileSize": len(file.content),
                "fileContent": file.content,
            }
        )

    def get_folder(self) -> ActionResult:
        commit = self._commit()
        requested = self.params.get("folderPath")
        folder = normalize_path(requested, folder=True)
        if folder not in commit.tree.folders:
            raise CodeCommitError(
                "FolderDoesNotExistException", f"Folder {requested} does not exist in commit {commit.id}."
            )
        subfolders, paths = commit.tree.folders[folder]
        files = [
            {
                **_entry(p, folder),
                "blobId": commit.tree.files[p].blob_id,
                "fileMode": commit.tree.files[p].mode,
            }
            for p in paths
        ]
        return ActionResult(
            {
                "commitId": commit.id,
                "folderPath": requested,
                "treeId": commit.tree.folder_ids[folder],
                "subFolders": [
                    {**_entry(p, folder), "treeId": commit.tree.folder_ids[p]} for p in subfolders
                ],
                "files": [f for f in files if f["fileMode"] != "SYMLINK"],
                "symbolicLinks": [f for f in files if f["fileMode"] == "SYMLINK"],
                "subModules": [],
            }
        )

    def put_file(self) -> ActionResult:
        params = self.params
        content = params.get("fileContent")
        commit, file = self._repository().put_file(
            params.get("branchName"),
            params.get("filePath"),
            None if content is None else base64.b64decode(content),
            params.get("fileMode"),
            params.get("parentCommitId"),
            params.get("commitMessage") or "",
            Identity(params.get("name") or "", params.get("email") or "", utcnow()),
        )
        return ActionResult({"commitId": commit.id, "blobId": file.blob_id, "treeId": commit.tree.id})

    def create_commit(self) -> ActionResult:
        params = self.params
        puts = [
            {**entry, "fileContent": base64.b64decode(entry["fileContent"])}
            if entry.get("fileContent") is not None
            else entry
            for entry in params.get("putFiles") or []
        ]
        commit, changes = self._repository().create_commit(
            params.get("branchName"),
            params.get("parentCommitId"),
            params.get("commitMessage") or "",
            Identity(params.get("authorName") or "", params.get("email") or "", utcnow()),
            puts,
            params.get("deleteFiles") or [],
            params.get("setFileModes") or [],
        )
        return ActionResult({"commitId": commit.id, "treeId": commit.tree.id, **changes})

    def get_differences(self) -> ActionResult:
        params = self.params
        differences = self._repository().differences(
            params.get("beforeCommitSpecifier"),
            params.get("afterCommitSpecifier"),
            params.get("beforePath"),
            params.get("afterPath"),
        )
        page, token = _page(differences, params.get("NextToken"))
        return ActionResult({"differences": page, "NextToken": token})
