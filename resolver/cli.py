"""The ``passport-node`` command: each subcommand lives in ``resolver/commands/<name>.py``.

A command module exposes ``add_parser(subparsers)``, which registers its parser with
``set_defaults(run=run)``, and ``run(args) -> int`` (the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]

# Command name -> module under resolver.commands.
_COMMANDS = {
    "serve": "serve",
    "import": "importer",
    "resolve": "resolve",
    "validate": "validate",
    "export": "export",
    "index": "index",
    "readiness": "readiness",
    "sign": "sign",
    "verify": "verify",
    "log": "log",
    "keys": "keys",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="passport-node",
        description="A federated resolution node for battery passports.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in _COMMANDS.values():
        try:
            module = importlib.import_module(f"resolver.commands.{module_name}")
        except ModuleNotFoundError as err:
            if err.name != f"resolver.commands.{module_name}":
                raise
            continue  # not built yet
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
