"""`passport-node readiness` on a file and on a stored passport."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver.cli import main
from tests.integration.conftest import EXAMPLE, EXAMPLE_HANDLE
from tests.support.cli import passport_node


def test_the_command_on_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["readiness", str(EXAMPLE), "--market", "eu", "--on", "2036-09"]) == 1  # 2036 minimums
    out = capsys.readouterr().out
    assert "art8-cobalt-2036" in out and "failing" in out
    assert main(["readiness", str(EXAMPLE), "--on", "2027-02-18", "--json"]) == 0


def test_the_command_on_a_stored_passport(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    assert passport_node(["import", str(EXAMPLE), "--store", store, "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["readiness", EXAMPLE_HANDLE, "--store", store, "--on", "2027-02-18", "--html"]) == 0
    assert capsys.readouterr().out.startswith("<!doctype html>")
    assert main(["readiness", "88.100.1/NOPE", "--store", store]) == 2
