"""CodeCommit in the emulator: repositories keep content (branches, commits, files) that clients read
and write through CodeCommit's API with AWS's shapes and error codes, and AWS::CodeCommit::Repository
seeds a repository from a zip in the emulator's S3."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from tests.local.test_resources import system_tags

_names = itertools.count()


def error_code(call, **kwargs) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"]


def git_blob_id(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@pytest.fixture(scope="module")
def codecommit(emulator):
    return emulator.client("codecommit")


@pytest.fixture
def repository(codecommit) -> str:
    name = f"repo-{next(_names)}"
    codecommit.create_repository(repositoryName=name, repositoryDescription="test repository")
    return name


@pytest.fixture
def seeded(codecommit, repository) -> dict[str, str]:
    """A repository with two commits on main: README.md, then docs/guide.md and an executable tool."""
    first = codecommit.put_file(
        repositoryName=repository,
        branchName="main",
        filePath="README.md",
        fileContent=b"# hello\n",
        commitMessage="first",
        name="Ada",
        email="ada@example.com",
    )
    second = codecommit.put_file(
        repositoryName=repository,
        branchName="main",
        filePath="/docs/guide.md",
        fileContent=b"guide\x00\xff",
        parentCommitId=first["commitId"],
        commitMessage="second",
    )
    third = codecommit.put_file(
        repositoryName=repository,
        branchName="main",
        filePath="docs/tools/run.sh",
        fileContent=b"#!/bin/sh\n",
        fileMode="EXECUTABLE",
        parentCommitId=second["commitId"],
    )
    return {
        "repository": repository,
        "first": first["commitId"],
        "second": second["commitId"],
        "head": third["commitId"],
    }


# -- repositories ----------------------------------------------------------------------------------
def test_first_put_file_creates_the_default_branch(codecommit, repository):
    assert "defaultBranch" not in codecommit.get_repository(repositoryName=repository)["repositoryMetadata"]

    put = codecommit.put_file(repositoryName=repository, branchName="dev", filePath="a.txt", fileContent=b"a")

    assert (
        codecommit.get_repository(repositoryName=repository)["repositoryMetadata"]["defaultBranch"] == "dev"
    )
    assert codecommit.get_branch(repositoryName=repository, branchName="dev")["branch"] == {
        "branchName": "dev",
        "commitId": put["commitId"],
    }
    assert codecommit.list_branches(repositoryName=repository)["branches"] == ["dev"]
    assert put["blobId"] == git_blob_id(b"a")


def test_list_repositories_sorts_by_name_or_last_modified(codecommit):
    names = [f"sorted-{next(_names)}-{suffix}" for suffix in ("b", "a", "c")]
    for name in names:
        codecommit.create_repository(repositoryName=name)
    codecommit.update_repository_description(repositoryName=names[0], repositoryDescription="touched last")

    def listed(**kwargs) -> list[str]:
        return [
            r["repositoryName"]
            for r in codecommit.list_repositories(**kwargs)["repositories"]
            if r["repositoryName"] in names
        ]

    assert listed() == sorted(names)
    assert listed(sortBy="repositoryName", order="descending") == sorted(names, reverse=True)
    assert listed(sortBy="lastModifiedDate", order="descending")[0] == names[0]
    ids = {r["repositoryName"]: r["repositoryId"] for r in codecommit.list_repositories()["repositories"]}
    assert (
        ids[names[1]]
        == codecommit.get_repository(repositoryName=names[1])["repositoryMetadata"]["repositoryId"]
    )


def test_rename_keeps_the_id_and_the_content(codecommit, seeded):
    old = seeded["repository"]
    before = codecommit.get_repository(repositoryName=old)["repositoryMetadata"]

    codecommit.update_repository_name(oldName=old, newName=f"{old}-renamed")

    after = codecommit.get_repository(repositoryName=f"{old}-renamed")["repositoryMetadata"]
    assert after["repositoryId"] == before["repositoryId"]
    assert after["cloneUrlHttp"] == f"https://git-codecommit.us-east-1.amazonaws.com/v1/repos/{old}-renamed"
    assert after["Arn"].endswith(f":{old}-renamed")
    assert (
        codecommit.get_branch(repositoryName=f"{old}-renamed", branchName="main")["branch"]["commitId"]
        == seeded["head"]
    )
    assert error_code(codecommit.get_repository, repositoryName=old) == "RepositoryDoesNotExistException"


def test_delete_repository_removes_its_content(codecommit, seeded):
    name = seeded["repository"]
    repository_id = codecommit.get_repository(repositoryName=name)["repositoryMetadata"]["repositoryId"]

    assert codecommit.delete_repository(repositoryName=name)["repositoryId"] == repository_id

    assert (
        error_code(codecommit.get_branch, repositoryName=name, branchName="main")
        == "RepositoryDoesNotExistException"
    )
    codecommit.create_repository(repositoryName=name)
    assert codecommit.list_branches(repositoryName=name)["branches"] == []


def test_tags(codecommit, repository):
    arn = codecommit.get_repository(repositoryName=repository)["repositoryMetadata"]["Arn"]

    codecommit.tag_resource(resourceArn=arn, tags={"team": "data", "stage": "dev"})
    codecommit.untag_resource(resourceArn=arn, tagKeys=["stage"])

    assert codecommit.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "data"}


# -- reading content -------------------------------------------------------------------------------
@pytest.mark.parametrize("specifier", [None, "main", "refs/heads/main", "head"])
def test_get_file_by_any_commit_specifier(codecommit, seeded, specifier):
    extra = (
        {} if specifier is None else {"commitSpecifier": seeded["head"] if specifier == "head" else specifier}
    )

    got = codecommit.get_file(repositoryName=seeded["repository"], filePath="/docs/guide.md", **extra)

    assert got["fileContent"] == b"guide\x00\xff"
    assert got["blobId"] == git_blob_id(b"guide\x00\xff")
    assert (got["commitId"], got["filePath"], got["fileMode"], got["fileSize"]) == (
        seeded["head"],
        "docs/guide.md",
        "NORMAL",
        7,
    )


def test_get_file_at_an_older_commit(codecommit, seeded):
    args = {
        "repositoryName": seeded["repository"],
        "filePath": "docs/guide.md",
        "commitSpecifier": seeded["first"],
    }
    assert error_code(codecommit.get_file, **args) == "FileDoesNotExistException"
    assert codecommit.get_file(**{**args, "filePath": "README.md"})["fileContent"] == b"# hello\n"


@pytest.mark.parametrize("root", ["/", ""])
def test_get_folder_lists_the_root(codecommit, seeded, root):
    got = codecommit.get_folder(repositoryName=seeded["repository"], folderPath=root)

    assert got["commitId"] == seeded["head"]
    assert [f["absolutePath"] for f in got["files"]] == ["README.md"]
    assert got["files"][0]["blobId"] == git_blob_id(b"# hello\n")
    assert [(s["absolutePath"], s["relativePath"]) for s in got["subFolders"]] == [("docs", "docs")]
    assert (
        got["treeId"]
        == codecommit.get_commit(repositoryName=seeded["repository"], commitId=seeded["head"])["commit"][
            "treeId"
        ]
    )
    assert got["symbolicLinks"] == got["subModules"] == []


def test_get_folder_lists_a_subfolder_with_relative_paths(codecommit, seeded):
    got = codecommit.get_folder(repositoryName=seeded["repository"], folderPath="/docs")

    assert [(f["absolutePath"], f["relativePath"], f["fileMode"]) for f in got["files"]] == [
        ("docs/guide.md", "guide.md", "NORMAL")
    ]
    assert [(s["absolutePath"], s["relativePath"]) for s in got["subFolders"]] == [("docs/tools", "tools")]
    tools = codecommit.get_folder(repositoryName=seeded["repository"], folderPath="docs/tools")
    assert tools["treeId"] == got["subFolders"][0]["treeId"]
    assert tools["files"][0]["fileMode"] == "EXECUTABLE"


def test_get_commit_shows_the_history(codecommit, seeded):
    second = codecommit.get_commit(repositoryName=seeded["repository"], commitId=seeded["second"])["commit"]

    assert second["commitId"] == seeded["second"]
    assert second["parents"] == [seeded["first"]]
    assert second["message"] == "second"
    first = codecommit.get_commit(repositoryName=seeded["repository"], commitId=seeded["first"])["commit"]
    assert first["parents"] == []
    assert (first["author"]["name"], first["author"]["email"]) == ("Ada", "ada@example.com")


def test_put_file_replaces_content_and_keeps_the_mode(codecommit, seeded):
    put = codecommit.put_file(
        repositoryName=seeded["repository"],
        branchName="main",
        filePath="docs/tools/run.sh",
        fileContent=b"#!/bin/sh\necho hi\n",
        parentCommitId=seeded["head"],
    )

    got = codecommit.get_file(repositoryName=seeded["repository"], filePath="docs/tools/run.sh")
    assert (got["commitId"], got["fileContent"], got["fileMode"]) == (
        put["commitId"],
        b"#!/bin/sh\necho hi\n",
        "EXECUTABLE",
    )
    assert codecommit.get_commit(repositoryName=seeded["repository"], commitId=put["commitId"])["commit"][
        "parents"
    ] == [seeded["head"]]


# -- errors ----------------------------------------------------------------------------------------
def _put(seeded, **overrides):
    """PutFile arguments that would succeed, with ``overrides`` (None leaves an argument out)."""
    arguments = {
        "repositoryName": seeded["repository"],
        "branchName": "main",
        "filePath": "new.txt",
        "fileContent": b"new",
        "parentCommitId": seeded["head"],
        **overrides,
    }
    return {name: value for name, value in arguments.items() if value is not None}


ERRORS = [
    ("put_file", lambda s: _put(s, parentCommitId=None), "ParentCommitIdRequiredException"),
    ("put_file", lambda s: _put(s, parentCommitId=s["first"]), "ParentCommitIdOutdatedException"),
    ("put_file", lambda s: _put(s, parentCommitId="not-a-commit"), "InvalidParentCommitIdException"),
    ("put_file", lambda s: _put(s, parentCommitId="0" * 40), "ParentCommitDoesNotExistException"),
    (
        "put_file",
        lambda s: _put(s, filePath="README.md", fileContent=b"# hello\n"),
        "SameFileContentException",
    ),
    ("put_file", lambda s: _put(s, branchName="feature"), "BranchDoesNotExistException"),
    ("put_file", lambda s: _put(s, filePath="docs/../x.txt"), "InvalidPathException"),
    (
        "put_file",
        lambda s: _put(s, filePath="README.md/x.txt"),
        "DirectoryNameConflictsWithFileNameException",
    ),
    ("put_file", lambda s: _put(s, filePath="docs"), "FileNameConflictsWithDirectoryNameException"),
    ("put_file", lambda s: _put(s, fileMode="WORLD_WRITABLE"), "InvalidFileModeException"),
    ("put_file", lambda s: _put(s, repositoryName="missing"), "RepositoryDoesNotExistException"),
    ("put_file", lambda s: _put(s, repositoryName="bad name!"), "InvalidRepositoryNameException"),
    (
        "get_branch",
        lambda s: {"repositoryName": s["repository"], "branchName": "nope"},
        "BranchDoesNotExistException",
    ),
    (
        "get_file",
        lambda s: {"repositoryName": s["repository"], "filePath": "nope.txt"},
        "FileDoesNotExistException",
    ),
    (
        "get_file",
        lambda s: {"repositoryName": s["repository"], "filePath": "docs"},
        "FileDoesNotExistException",
    ),
    (
        "get_file",
        lambda s: {"repositoryName": s["repository"], "filePath": "README.md", "commitSpecifier": "nope"},
        "CommitDoesNotExistException",
    ),
    (
        "get_folder",
        lambda s: {"repositoryName": s["repository"], "folderPath": "nope"},
        "FolderDoesNotExistException",
    ),
    (
        "get_folder",
        lambda s: {"repositoryName": s["repository"], "folderPath": "README.md"},
        "FolderDoesNotExistException",
    ),
    (
        "get_commit",
        lambda s: {"repositoryName": s["repository"], "commitId": "abc"},
        "InvalidCommitIdException",
    ),
    (
        "get_commit",
        lambda s: {"repositoryName": s["repository"], "commitId": "f" * 40},
        "CommitIdDoesNotExistException",
    ),
    (
        "list_branches",
        lambda s: {"repositoryName": s["repository"], "nextToken": "x"},
        "InvalidContinuationTokenException",
    ),
    ("list_repositories", lambda s: {"sortBy": "size"}, "InvalidSortByException"),
    ("list_repositories", lambda s: {"order": "sideways"}, "InvalidOrderException"),
    ("create_repository", lambda s: {"repositoryName": s["repository"]}, "RepositoryNameExistsException"),
    (
        "update_repository_name",
        lambda s: {"oldName": "missing", "newName": "other"},
        "RepositoryDoesNotExistException",
    ),
]


@pytest.mark.parametrize(("operation", "arguments", "code"), ERRORS, ids=[code for _, _, code in ERRORS])
def test_errors_have_aws_codes(codecommit, seeded, operation, arguments, code):
    assert error_code(getattr(codecommit, operation), **arguments(seeded)) == code


def test_an_empty_repository_has_no_commit_to_read(codecommit, repository):
    assert (
        error_code(codecommit.get_folder, repositoryName=repository, folderPath="/")
        == "CommitDoesNotExistException"
    )
    assert (
        error_code(codecommit.get_file, repositoryName=repository, filePath="a")
        == "CommitDoesNotExistException"
    )


# -- AWS::CodeCommit::Repository -------------------------------------------------------------------
def _zip(files: dict[str, tuple[bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (content, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def _repository_template(name: str, description: str, **extra) -> str:
    properties = {"RepositoryName": name, "RepositoryDescription": description, **extra}
    return json.dumps(
        {
            "Resources": {"Repo": {"Type": "AWS::CodeCommit::Repository", "Properties": properties}},
            "Outputs": {
                attribute: {"Value": {"Fn::GetAtt": ["Repo", attribute]}}
                for attribute in ("Arn", "CloneUrlHttp", "CloneUrlSsh", "Name")
            }
            | {"Id": {"Value": {"Ref": "Repo"}}},
        }
    )


@pytest.fixture(scope="module")
def code_bucket(emulator) -> str:
    emulator.client("s3").create_bucket(Bucket="codecommit-seeds")
    return "codecommit-seeds"


def _outputs(cloudformation, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def test_stack_seeds_the_repository_from_the_zip(emulator, codecommit, code_bucket):
    s3, cloudformation = emulator.client("s3"), emulator.client("cloudformation")
    s3.put_object(
        Bucket=code_bucket,
        Key="seed.zip",
        Body=_zip({"app.py": (b"print('hi')\n", 0o644), "bin/run": (b"#!/bin/sh\n", 0o755)}),
    )
    code = {"S3": {"Bucket": code_bucket, "Key": "seed.zip"}, "BranchName": "trunk"}

    cloudformation.create_stack(
        StackName="seeded-repo",
        TemplateBody=_repository_template(
            "seeded", "seeded", Code=code, Tags=[{"Key": "team", "Value": "data"}]
        ),
    )

    assert (
        cloudformation.describe_stacks(StackName="seeded-repo")["Stacks"][0]["StackStatus"]
        == "CREATE_COMPLETE"
    )
    metadata = codecommit.get_repository(repositoryName="seeded")["repositoryMetadata"]
    assert _outputs(cloudformation, "seeded-repo") == {
        "Id": metadata["repositoryId"],
        "Arn": "arn:aws:codecommit:us-east-1:123456789012:seeded",
        "CloneUrlHttp": "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/seeded",
        "CloneUrlSsh": "ssh://git-codecommit.us-east-1.amazonaws.com/v1/repos/seeded",
        "Name": "seeded",
    }
    assert metadata["defaultBranch"] == "trunk"
    assert codecommit.get_file(repositoryName="seeded", filePath="app.py")["fileContent"] == b"print('hi')\n"
    assert codecommit.get_file(repositoryName="seeded", filePath="bin/run")["fileMode"] == "EXECUTABLE"
    assert codecommit.list_tags_for_resource(resourceArn=metadata["Arn"])["tags"] == {
        "team": "data",
        **system_tags(cloudformation, "seeded-repo", "Repo"),
    }


def test_stack_update_renames_and_redescribes_in_place(emulator, codecommit):
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(StackName="renamed-repo", TemplateBody=_repository_template("before", "one"))
    repository_id = codecommit.get_repository(repositoryName="before")["repositoryMetadata"]["repositoryId"]

    cloudformation.update_stack(
        StackName="renamed-repo", TemplateBody=_repository_template("after", "two", KmsKeyId="alias/team-key")
    )

    assert (
        cloudformation.describe_stacks(StackName="renamed-repo")["Stacks"][0]["StackStatus"]
        == "UPDATE_COMPLETE"
    )
    metadata = codecommit.get_repository(repositoryName="after")["repositoryMetadata"]
    assert (metadata["repositoryId"], metadata["repositoryDescription"], metadata["kmsKeyId"]) == (
        repository_id,
        "two",
        "alias/team-key",
    )
    assert _outputs(cloudformation, "renamed-repo")["CloneUrlHttp"].endswith("/v1/repos/after")
    assert error_code(codecommit.get_repository, repositoryName="before") == "RepositoryDoesNotExistException"

    cloudformation.delete_stack(StackName="renamed-repo")
    assert error_code(codecommit.get_repository, repositoryName="after") == "RepositoryDoesNotExistException"


@pytest.mark.parametrize(
    ("key", "body", "reason"),
    [
        ("missing.zip", None, "s3://codecommit-seeds/missing.zip does not exist"),
        ("not-a-zip.zip", b"plain text", "s3://codecommit-seeds/not-a-zip.zip is not a zip archive"),
        (
            "escape.zip",
            _zip({"../outside.txt": (b"x", 0o644)}),
            "an entry with an invalid path: ../outside.txt",
        ),
    ],
)
def test_unreadable_code_rolls_the_stack_back(emulator, codecommit, code_bucket, key, body, reason):
    s3, cloudformation = emulator.client("s3"), emulator.client("cloudformation")
    if body is not None:
        s3.put_object(Bucket=code_bucket, Key=key, Body=body)
    stack = f"bad-code-{next(_names)}"
    code = {"S3": {"Bucket": code_bucket, "Key": key}}

    cloudformation.create_stack(StackName=stack, TemplateBody=_repository_template(stack, "bad", Code=code))

    assert cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    failed = [
        e for e in events if e["LogicalResourceId"] == "Repo" and e["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert len(failed) == 1
    assert reason in failed[0]["ResourceStatusReason"]
    assert "HandlerErrorCode: InvalidRequest" in failed[0]["ResourceStatusReason"]
    assert error_code(codecommit.get_repository, repositoryName=stack) == "RepositoryDoesNotExistException"


def test_triggers_are_refused_rather_than_dropped(emulator, codecommit):
    cloudformation = emulator.client("cloudformation")
    template = json.loads(_repository_template("with-triggers", "x"))
    template["Resources"]["Repo"]["Properties"]["Triggers"] = [
        {"Name": "all", "DestinationArn": "arn:aws:sns:us-east-1:123456789012:t", "Events": ["all"]}
    ]

    cloudformation.create_stack(StackName="with-triggers", TemplateBody=json.dumps(template))

    assert (
        cloudformation.describe_stacks(StackName="with-triggers")["Stacks"][0]["StackStatus"]
        == "ROLLBACK_COMPLETE"
    )
    reasons = [
        e.get("ResourceStatusReason", "")
        for e in cloudformation.describe_stack_events(StackName="with-triggers")["StackEvents"]
    ]
    assert any("Triggers of AWS::CodeCommit::Repository are not supported" in reason for reason in reasons)


def test_create_commit_puts_deletes_and_checks_its_parent(codecommit, seeded, repository):
    head = codecommit.get_branch(repositoryName=repository, branchName="main")["branch"]["commitId"]
    made = codecommit.create_commit(
        repositoryName=repository,
        branchName="main",
        parentCommitId=head,
        authorName="Ada",
        email="ada@example.com",
        commitMessage="several files",
        putFiles=[
            {"filePath": "src/app.py", "fileContent": b"print(1)\n"},
            {"filePath": "README.md", "fileContent": b"# changed\n"},
        ],
        deleteFiles=[{"filePath": "docs/guide.md"}],
    )
    assert [f["absolutePath"] for f in made["filesAdded"]] == ["src/app.py"]
    assert made["filesAdded"][0]["blobId"] == git_blob_id(b"print(1)\n")
    assert [f["absolutePath"] for f in made["filesUpdated"]] == ["README.md"]
    assert [f["absolutePath"] for f in made["filesDeleted"]] == ["docs/guide.md"]
    commit = codecommit.get_commit(repositoryName=repository, commitId=made["commitId"])["commit"]
    assert commit["parents"] == [head] and commit["message"] == "several files"
    assert commit["treeId"] == made["treeId"]
    assert (
        codecommit.get_branch(repositoryName=repository, branchName="main")["branch"]["commitId"]
        == (made["commitId"])
    )
    stale = {"repositoryName": repository, "branchName": "main", "parentCommitId": head}
    put = [{"filePath": "x.txt", "fileContent": b"x"}]
    assert error_code(codecommit.create_commit, **stale, putFiles=put) == "ParentCommitIdOutdatedException"
    current = {**stale, "parentCommitId": made["commitId"]}
    assert error_code(codecommit.create_commit, **current, deleteFiles=[{"filePath": "nope"}]) == (
        "FileDoesNotExistException"
    )
    assert error_code(codecommit.create_commit, **current, putFiles=[]) == "NoChangeException"
    assert (
        error_code(codecommit.create_commit, **current, putFiles=put * 2) == "PutFileEntryConflictException"
    )


def test_get_differences_between_commits(codecommit, seeded, repository):
    head = codecommit.get_branch(repositoryName=repository, branchName="main")["branch"]["commitId"]
    made = codecommit.create_commit(
        repositoryName=repository,
        branchName="main",
        parentCommitId=head,
        putFiles=[
            {"filePath": "README.md", "fileContent": b"# changed\n"},
            {"filePath": "new.txt", "fileContent": b"n"},
        ],
        deleteFiles=[{"filePath": "docs/guide.md"}],
    )
    differences = codecommit.get_differences(
        repositoryName=repository, beforeCommitSpecifier=head, afterCommitSpecifier=made["commitId"]
    )["differences"]
    by_path = {(d.get("afterBlob") or d["beforeBlob"])["path"]: d for d in differences}
    assert {path: d["changeType"] for path, d in by_path.items()} == {
        "README.md": "M",
        "docs/guide.md": "D",
        "new.txt": "A",
    }
    assert by_path["new.txt"]["afterBlob"] == {
        "blobId": git_blob_id(b"n"),
        "path": "new.txt",
        "mode": "100644",
    }
    assert "afterBlob" not in by_path["docs/guide.md"]
    everything = codecommit.get_differences(repositoryName=repository, afterCommitSpecifier="main")
    assert {d["changeType"] for d in everything["differences"]} == {"A"}
    in_docs = codecommit.get_differences(
        repositoryName=repository, beforeCommitSpecifier=head, afterCommitSpecifier="main", afterPath="docs"
    )["differences"]
    assert [d["beforeBlob"]["path"] for d in in_docs] == ["docs/guide.md"]
    assert (
        error_code(codecommit.get_differences, repositoryName=repository, afterCommitSpecifier="f" * 40)
        == "CommitDoesNotExistException"
    )


def test_each_commit_sends_a_repository_state_change_event(emulator, codecommit, repository):
    from tests.local.test_lambda_event_sources import queue_for_rule

    events = emulator.client("events")
    pattern = {
        "source": ["aws.codecommit"],
        "resources": [{"prefix": f"arn:aws:codecommit:{emulator.region}"}],
        "detail": {"repositoryName": [repository]},
    }
    rule = events.put_rule(Name=f"commits-{repository}", EventPattern=json.dumps(pattern))["RuleArn"]
    url, arn = queue_for_rule(emulator, f"commits-{repository}", rule)
    events.put_targets(Rule=f"commits-{repository}", Targets=[{"Id": "queue", "Arn": arn}])
    first = codecommit.put_file(repositoryName=repository, branchName="main", filePath="a", fileContent=b"a")
    second = codecommit.put_file(
        repositoryName=repository, branchName="main", filePath="b", fileContent=b"b",
        parentCommitId=first["commitId"],
    )  # fmt: skip
    sqs, received = emulator.client("sqs"), []
    for _ in range(20):
        received += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        if len(received) >= 2:
            break
    created, updated = sorted((json.loads(m["Body"]) for m in received), key=lambda e: e["detail"]["event"])
    metadata = codecommit.get_repository(repositoryName=repository)["repositoryMetadata"]
    assert created["detail-type"] == "CodeCommit Repository State Change"
    assert created["source"] == "aws.codecommit" and created["resources"] == [metadata["Arn"]]
    assert created["detail"] == {
        "callerUserArn": f"arn:aws:iam::{emulator.account}:root",
        "commitId": first["commitId"],
        "event": "referenceCreated",
        "referenceFullName": "refs/heads/main",
        "referenceName": "main",
        "referenceType": "branch",
        "repositoryId": metadata["repositoryId"],
        "repositoryName": repository,
    }
    assert updated["detail"]["event"] == "referenceUpdated"
    assert updated["detail"]["commitId"] == second["commitId"]
    assert updated["detail"]["oldCommitId"] == first["commitId"]
