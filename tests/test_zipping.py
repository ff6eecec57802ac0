import io
import os
import zipfile

from scripts.zipping import build_zip, tree_entries


def make_tree(root):
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("x = 1\n")
    (root / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(root / "run.sh", 0o755)
    (root / "pkg" / "__pycache__").mkdir()
    (root / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (root / "stray.pyc").write_bytes(b"\0")
    (root / ".DS_Store").write_bytes(b"\0")
    (root / "nb" / ".ipynb_checkpoints").mkdir(parents=True)
    (root / "nb" / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_text("{}")
    (root / "nb" / "a.ipynb").write_text("{}")


def test_debris_is_left_out_and_entries_are_sorted(tmp_path):
    make_tree(tmp_path)
    names = [name for name, _ in tree_entries(tmp_path)]
    assert names == ["nb/a.ipynb", "pkg/mod.py", "run.sh"]


def test_same_files_give_the_same_bytes_whatever_their_timestamps(tmp_path):
    make_tree(tmp_path)
    first = build_zip(tree_entries(tmp_path))
    for path in tmp_path.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    assert build_zip(tree_entries(tmp_path)) == first


def test_entries_carry_a_fixed_time_and_normalised_permissions(tmp_path):
    make_tree(tmp_path)
    with zipfile.ZipFile(io.BytesIO(build_zip(tree_entries(tmp_path)))) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        assert {info.date_time for info in infos.values()} == {(1980, 1, 1, 0, 0, 0)}
        assert infos["run.sh"].external_attr >> 16 & 0o777 == 0o755
        assert infos["pkg/mod.py"].external_attr >> 16 & 0o777 == 0o644
        assert archive.read("pkg/mod.py") == b"x = 1\n"
