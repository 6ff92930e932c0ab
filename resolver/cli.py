"""The ``passport-node`` command: each subcommand lives in ``resolver/commands/<name>.py``.

A command module exposes ``add_parser(subparsers)``, which registers its parser with
``set_defaults(run=run)``, and ``run(args) -> int`` (the exit code).

Only the module of the command that runs is imported: the others stand in ``--help`` by their
one-line summary, kept here (tests/test_cli.py checks each against its module's). Importing
every module cost ~0.9 CPU-s per process, paid again by every spawned import and each CLI test.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "main"]

# Command name -> (module under resolver.commands, its summary in ``--help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("serve", "run a node"),
    "import": ("importer", "load passports in bulk (validated) into the store or a running node"),
    "resolve": ("resolve", "print one passport"),
    "validate": ("validate", "validate passports against their profile (eu-battery, cn-battery)"),
    "export": ("export", "write the stored passports out"),
    "index": ("index", "manage the SPARQL graph index"),
    "readiness": ("readiness", "per data point, is a passport ready for a market on a date"),
    "sign": ("sign", "sign a passport document"),
    "verify": ("verify", "check a passport's proofs (and its log entry)"),
    "log": ("log", "audit a node's transparency log"),
    "keys": ("keys", "manage the node's signing keys"),
}


def _named(argv: Sequence[str] | None) -> str | None:
    """The command ``argv`` names: its first argument that is not an option (the top-level
    parser has no option but ``--help``)."""
    for arg in sys.argv[1:] if argv is None else argv:
        if not arg.startswith("-"):
            return arg
    return None


def _parser(argv: Sequence[str] | None = None, *, every: bool | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: the named command's own parser, the others' summaries only.
    ``every`` (the default when no argv is given): every command's own parser."""
    parser = argparse.ArgumentParser(
        prog="passport-node",
        description="A federated resolution node for battery passports.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    load_all = argv is None if every is None else every
    named = None if load_all else _named(argv)
    for name, (module_name, summary) in COMMANDS.items():
        if load_all or name == named:
            try:
                module = importlib.import_module(f"resolver.commands.{module_name}")
            except ModuleNotFoundError as err:
                if err.name != f"resolver.commands.{module_name}":
                    raise
                continue  # not built yet
            module.add_parser(sub)
        else:
            sub.add_parser(name, help=summary, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
