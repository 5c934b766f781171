"""A clean pytest suite: every descriptor it makes is closed."""
import os
import socket
import subprocess
import tempfile

import pytest


@pytest.fixture
def scratch(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("hello\n")
    return path


def test_reads_file(scratch):
    with open(scratch) as f:
        assert f.read() == "hello\n"


def test_socketpair():
    a, b = socket.socketpair()
    with a, b:
        a.sendall(b"x")
        assert b.recv(1) == b"x"


def test_subprocess():
    out = subprocess.run(["echo", "hi"], capture_output=True, check=True)
    assert out.stdout == b"hi\n"


def test_pipe():
    r, w = os.pipe()
    os.write(w, b"y")
    os.close(w)
    assert os.read(r, 1) == b"y"
    os.close(r)


def test_tempfile():
    with tempfile.NamedTemporaryFile() as t:
        t.write(b"z")


@pytest.mark.parametrize("n", range(20))
def test_many(n, tmp_path):
    (tmp_path / f"{n}.txt").write_text(str(n))
    assert (tmp_path / f"{n}.txt").read_text() == str(n)
