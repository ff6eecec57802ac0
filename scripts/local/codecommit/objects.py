"""Repository content as git stores it: blobs, trees and commits, each named by the SHA-1 git itself
would compute, so blob, tree and commit ids look and compare like CodeCommit's."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

FILE_MODES = {"NORMAL": b"100644", "EXECUTABLE": b"100755", "SYMLINK": b"120000"}
"""CodeCommit's file modes and git's octal modes for them."""
_TREE_MODE = b"40000"


def object_id(kind: str, body: bytes) -> str:
    return hashlib.sha1(b"%s %d\0" % (kind.encode(), len(body)) + body).hexdigest()


@dataclass(frozen=True)
class File:
    content: bytes
    mode: str = "NORMAL"
    blob_id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "blob_id", object_id("blob", self.content))


def parent_folders(path: str) -> Iterator[str]:
    """``a/b/c.txt`` → ``a/b``, ``a``, ``""`` (the root)."""
    while path:
        path = path.rpartition("/")[0]
        yield path


class Tree:
    """A snapshot of every file, by path (``a/b.txt``, no leading slash); folders are implied."""

    def __init__(self, files: Mapping[str, File]) -> None:
        self.files: dict[str, File] = dict(files)
        self.folders: dict[str, tuple[list[str], list[str]]] = {"": ([], [])}
        """Folder path → (sub-folder paths, file paths) directly inside it."""
        for path in sorted(self.files):
            child = path
            for folder in parent_folders(path):
                known = folder in self.folders
                entries = self.folders.setdefault(folder, ([], []))
                (entries[1] if child == path else entries[0]).append(child)
                if known:
                    break
                child = folder
        self.folder_ids = self._hash_folders()

    @property
    def id(self) -> str:
        return self.folder_ids[""]

    def _hash_folders(self) -> dict[str, str]:
        ids: dict[str, str] = {}
        for folder in sorted(self.folders, key=lambda path: path.count("/") if path else -1, reverse=True):
            subfolders, files = self.folders[folder]
            entries = [(_name(path) + "/", _TREE_MODE, ids[path]) for path in subfolders]
            entries += [
                (_name(path), FILE_MODES[self.files[path].mode], self.files[path].blob_id) for path in files
            ]
            body = b"".join(
                mode + b" " + name.rstrip("/").encode() + b"\0" + bytes.fromhex(sha)
                for name, mode, sha in sorted(entries)
            )
            ids[folder] = object_id("tree", body)
        return ids

    def with_file(self, path: str, file: File) -> Tree:
        return Tree({**self.files, path: file})


def _name(path: str) -> str:
    return path.rpartition("/")[2]


@dataclass(frozen=True)
class Identity:
    name: str
    email: str
    date: datetime

    def to_dict(self) -> dict[str, str]:
        """CodeCommit's UserInfo: the date as git records it, ``<epoch seconds> <offset>``."""
        return {"name": self.name, "email": self.email, "date": f"{int(self.date.timestamp())} +0000"}


@dataclass(frozen=True)
class Commit:
    tree: Tree
    parent: str | None
    message: str
    author: Identity
    id: str = field(init=False)

    def __post_init__(self) -> None:
        signature = f"{self.author.name} <{self.author.email}> {self.author.to_dict()['date']}"
        header = f"tree {self.tree.id}\n" + (f"parent {self.parent}\n" if self.parent else "")
        body = f"{header}author {signature}\ncommitter {signature}\n\n{self.message}"
        object.__setattr__(self, "id", object_id("commit", body.encode()))

    def to_dict(self) -> dict[str, object]:
        return {
            "commitId": self.id,
            "treeId": self.tree.id,
            "parents": [self.parent] if self.parent else [],
            "message": self.message,
            "author": self.author.to_dict(),
            "committer": self.author.to_dict(),
            "additionalData": "",
        }
