"""Where a result file goes (myriad.atomic.replace_atomic, app_cli's output
types): a special file is written through, never replaced; '-' is standard
output; a directory or '' is refused; a regular file replaced keeps its
permission bits; a place no file can go is found before any work."""
from __future__ import annotations

import argparse
import os
import socket
import stat
import tempfile
import threading

import pytest
from tests.requirements import require

from myriad import ModelError, app_cli, atomic
from myriad.plotting import plot_format

TEXT = "t,v\n0.0,-65.0\n"


class _Reader(threading.Thread):
    """Reads a FIFO (or accepts on a socket) to its end, off the test's thread:
    a writer that replaced the FIFO instead would leave it waiting, not the test."""

    def __init__(self, path, server: socket.socket | None = None):
        super().__init__(daemon=True)
        self.path, self.server, self.data = path, server, None

    def run(self):
        if self.server is not None:
            conn, _ = self.server.accept()
            with conn:
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
            self.data = b"".join(chunks)
            return
        with open(self.path, "rb") as handle:
            self.data = handle.read()

    def result(self) -> bytes | None:
        self.join(timeout=30)
        return self.data


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making a device node needs root")
def test_a_character_device_is_written_through_not_replaced(tmp_path):
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))     # /dev/null's numbers, in a private directory
    atomic.write_atomic(null, TEXT)
    assert stat.S_ISCHR(os.lstat(null).st_mode) and os.lstat(null).st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = _Reader(fifo)
    reader.start()
    atomic.write_atomic(fifo, TEXT)
    assert reader.result() == TEXT.encode()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_symlink_to_a_fifo_is_followed_and_kept(tmp_path):
    fifo, link = tmp_path / "pipe", tmp_path / "out.csv"
    os.mkfifo(fifo)
    link.symlink_to(fifo)
    reader = _Reader(fifo)
    reader.start()
    atomic.replace_atomic(link, lambda tmp: open(tmp, "w").write(TEXT))
    assert reader.result() == TEXT.encode()
    assert link.is_symlink() and os.readlink(link) == str(fifo) and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_socket_is_written_through(tmp_path):
    where = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(where))
    server.listen(1)
    reader = _Reader(where, server)
    reader.start()
    try:
        atomic.write_atomic(where, TEXT)
        assert reader.result() == TEXT.encode()
    finally:
        server.close()
    assert stat.S_ISSOCK(os.lstat(where).st_mode)


def test_dash_is_standard_output_after_what_was_printed(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    print("before")
    atomic.write_atomic("-", TEXT)
    print("after")
    assert capsys.readouterr().out == "before\n" + TEXT + "after\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "."])
def test_a_directory_or_no_name_is_refused_and_nothing_is_written(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(IsADirectoryError, match="give a file name"):
        atomic.write_atomic(name, TEXT)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        atomic.write_atomic(tmp_path, TEXT)
    assert list(tmp_path.iterdir()) == []


def test_a_replaced_file_keeps_its_permission_bits_and_a_new_one_gets_the_umask(tmp_path):
    kept = tmp_path / "private.csv"
    kept.write_text("old")
    os.chmod(kept, 0o600)
    atomic.write_atomic(kept, TEXT)
    assert kept.read_text() == TEXT and stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    os.chmod(kept, 0o640)
    atomic.write_atomic(kept, TEXT)
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o640
    old = os.umask(0o027)
    try:
        atomic.write_atomic(tmp_path / "new.csv", TEXT)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.csv").st_mode) == 0o640


def test_a_symlink_to_a_regular_file_is_replaced_itself(tmp_path):
    real, link = tmp_path / "real.csv", tmp_path / "link.csv"
    real.write_text("old")
    link.symlink_to(real)
    atomic.write_atomic(link, TEXT)
    assert not link.is_symlink() and link.read_text() == TEXT and real.read_text() == "old"


def test_the_cache_writes_are_unchanged_private_and_renamed(tmp_path):
    entry = tmp_path / "abc.so"
    entry.write_text("old")
    os.chmod(entry, 0o644)
    atomic.replace_atomic(entry, lambda tmp: open(tmp, "w").write("new"), temp_prefix="abc.", private=True, lock=True)
    assert entry.read_text() == "new" and stat.S_IMODE(os.stat(entry).st_mode) == 0o600


def test_a_directory_that_refuses_the_temporary_is_reported_by_the_target_name(tmp_path, monkeypatch):
    def refused(*, dir, prefix, suffix):
        raise PermissionError(13, "Permission denied", os.path.join(dir, prefix + "k3j9x0qz" + suffix))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    target = tmp_path / "v.csv"
    with pytest.raises(PermissionError) as caught:
        atomic.write_atomic(target, TEXT)
    assert caught.value.filename == str(target) and ".tmp" not in str(caught.value)


@pytest.mark.parametrize("name, reason", [
    ("", "an empty file name"),
    (".", "names a directory"),
    ("sub/", "names a directory"),
    ("sub", "is a directory"),
    ("missing/v.csv", "directory of .* does not exist"),
    ("file.txt/v.csv", r"Not a directory|is not a directory"),
])
def test_output_file_refuses_what_no_write_could_do(tmp_path, monkeypatch, name, reason):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(argparse.ArgumentTypeError, match=reason):
        app_cli.output_file(name)


def test_output_file_takes_dash_devices_and_new_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("-", os.devnull, "new.csv", str(tmp_path / "new.csv")):
        assert app_cli.output_file(name) == name
    assert list(tmp_path.iterdir()) == []


def test_output_file_refuses_a_directory_it_may_not_write(tmp_path, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == str(tmp_path) else real_access(p, mode))
    with pytest.raises(argparse.ArgumentTypeError, match="permission denied"):
        app_cli.output_file(str(tmp_path / "v.csv"))


def test_unwritable_with_parents_allows_directories_still_to_make(tmp_path):
    assert atomic.unwritable(tmp_path / "a" / "b" / "t.csv", parents=True) is None
    (tmp_path / "f").write_text("x")
    assert "is not a directory" in atomic.unwritable(tmp_path / "f" / "b" / "t.csv", parents=True)
    assert not (tmp_path / "a").exists()


def test_plot_formats_are_checked_before_drawing(tmp_path):
    require("matplotlib")
    assert plot_format(tmp_path / "r.png") == "png" and plot_format(tmp_path / "r.PDF") == "pdf"
    assert plot_format("-") == "png" and plot_format(tmp_path / "raster") == "png"
    with pytest.raises(ModelError, match=r"cannot draw a \.xyz file.*png"):
        plot_format(tmp_path / "raster.xyz")
    with pytest.raises(argparse.ArgumentTypeError, match=r"\.xyz"):
        app_cli.plot_file(str(tmp_path / "raster.xyz"))
    assert list(tmp_path.iterdir()) == []
