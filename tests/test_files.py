"""evo_cosearch.files: undoing the folders that a failed new output made; atomic rewrites."""

from __future__ import annotations

import os

import pytest

from evo_cosearch.errors import InputError
from evo_cosearch.files import missing_root, remove_made_dirs, writable_path, write_text_atomic


def test_missing_root_is_the_outermost_folder_that_does_not_exist(tmp_path):
    assert missing_root(tmp_path) is None
    assert missing_root(tmp_path / "a" / "b" / "c") == (tmp_path / "a").absolute()


def test_remove_made_dirs_stops_at_a_folder_with_content_or_at_the_root(tmp_path):
    run = tmp_path / "a" / "b" / "c"
    root = missing_root(run)
    run.mkdir(parents=True)
    (tmp_path / "a" / "other.txt").write_text("x")  # somebody else's file appeared meanwhile
    remove_made_dirs(run, root)
    assert not (tmp_path / "a" / "b").exists() and (tmp_path / "a" / "other.txt").exists()

    run = tmp_path / "d" / "e"
    root = missing_root(run)
    run.mkdir(parents=True)
    remove_made_dirs(run, root)
    assert not (tmp_path / "d").exists() and tmp_path.exists()

    (tmp_path / "kept").mkdir()
    remove_made_dirs(tmp_path / "kept", None)  # it existed before: nothing to undo
    assert (tmp_path / "kept").exists()


def test_a_rewrite_keeps_the_files_permissions_and_a_new_file_gets_the_umasks(tmp_path):
    kept = tmp_path / "kept.json"
    kept.write_text("old")
    kept.chmod(0o640)
    write_text_atomic(kept, "new", "export")
    assert kept.read_text() == "new" and kept.stat().st_mode & 0o777 == 0o640
    umask = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "fresh.json", "x", "export")
    finally:
        os.umask(umask)
    assert (tmp_path / "fresh.json").stat().st_mode & 0o777 == 0o644


def test_an_empty_output_path_is_refused_by_name_not_taken_for_the_current_folder():
    with pytest.raises(InputError, match="^an empty path given for the benchmark JSON result$"):
        writable_path("", "benchmark JSON result")


def test_an_all_blank_output_path_is_refused_as_empty_not_taken_for_a_file_named_blank(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="^an empty path given for the figures$"):
        writable_path("  ", "figures", directory=True)
