"""``passport-node validate`` for the profile's CLI tests, forked from one preloaded interpreter.

A cold ``python -m resolver validate`` spends ~1 CPU-s importing and loading the profile before it
reads a file; the commands here each run in a process of their own forked from a zygote that did
that once (tests/support/cli_runner.py), with the test process's environment, in the repository.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest

from tests.support.cli_runner import CliRunner

ROOT = Path(__file__).resolve().parents[2]


# What every validate command loads before it reads a file (~0.5 CPU-s): the modules it imports
# when it runs and the eu-battery engine (the profile's shapes read and compiled). No passport is
# read or judged in the zygote: each command's own work is still its own.
_PRELOAD = """
import resolver.adapters.formats, resolver.linked.offline
from resolver.validation import pipeline
pipeline.engine()
"""


class Validate(Protocol):
    def __call__(
        self, *args: str | Path, timeout: float = ..., address_space: int | None = ...
    ) -> subprocess.CompletedProcess[str]: ...


@pytest.fixture(scope="session")
def validate_cli() -> Iterator[Validate]:
    """``python -m resolver validate ARGS`` in the repository: exit status and text output."""
    with CliRunner(dict(os.environ), preload=_PRELOAD) as runner:

        def run(
            *args: str | Path, timeout: float = 300.0, address_space: int | None = None
        ) -> subprocess.CompletedProcess[str]:
            argv = ["validate", *map(str, args)]
            done = runner.run(argv, cwd=ROOT, timeout=timeout, address_space=address_space)
            return subprocess.CompletedProcess(
                done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
            )

        yield run
