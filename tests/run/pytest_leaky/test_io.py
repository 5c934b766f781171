"""A pytest suite with one test that leaks through a module-level list."""
import os

held = []


def test_clean(tmp_path):
    with open(tmp_path / "x", "w") as f:
        f.write("x")


def test_reads_config():
    held.append(open(os.devnull))  # site:pytest


class TestIO:
    def test_method(self):
        with open(os.devnull) as f:
            assert f.read() == ""
