"""``passport-node``'s parser imports only the command that runs; ``--help`` still lists all."""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys

from resolver.cli import COMMANDS, _parser


def _summaries(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {action.dest: action.help for action in sub._choices_actions}


def test_every_summary_is_its_modules() -> None:
    listed = {name: summary for name, (_, summary) in COMMANDS.items()}
    assert _summaries(_parser(every=True)) == listed
    assert _summaries(_parser(["resolve", "x"])) == listed
    assert _summaries(_parser([])) == listed


def test_only_the_named_command_is_imported() -> None:
    code = (
        "import sys; from resolver.cli import _parser; _parser(['sign', '--help-not-parsed']);"
        "print(sorted(m for m in sys.modules if m.startswith('resolver.commands.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    commands = {f"resolver.commands.{module}" for module, _ in COMMANDS.values()}
    assert commands & set(ast.literal_eval(out)) == {"resolver.commands.sign"}


def test_the_named_command_parses() -> None:
    args = _parser(["keys", "list"]).parse_args(["keys", "list"])
    assert args.command == "keys" and callable(args.run)


def _printed(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_importer_process_leaves_pyshacl_to_its_workers() -> None:
    started = "import sys, resolver.commands.importer; from resolver.validation import Validator, pool;"
    assert _printed(started + "print('pyshacl' in sys.modules)") == "False"
    same = "from resolver.validation import pipeline as p;"
    same += "print(pool._JSONLD == p.DEFAULT_MEDIA_TYPE, pool._EU == p.EU)"
    assert _printed(started + same) == "True True"


def test_the_validation_package_names_what_it_named() -> None:
    from resolver import validation
    from resolver.validation import pipeline, pool

    assert validation._engine is pipeline.engine
    assert validation.Validator is pool.Validator and validation.prepare_sync is pipeline.prepare_sync
