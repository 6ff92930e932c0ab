"""``passport-node ARGS`` in the test's own process, for tests about what a command does rather
than about its process (those use tests/support/cli_runner.py).

An ``import`` into a store starts a validator pool of its own: a spawned worker that imports
the engine and loads the shapes, ~1 CPU-s and a second of waiting per call, a few dozen times
a run. Here it validates on this process's shared pool of the same size instead
(tests/support/validators.py): the same workers, started once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from resolver.cli import _parser
from resolver.commands import importer
from resolver.commands.serve import config_from_args
from tests.support.validators import shared_validator

__all__ = ["passport_node"]


def passport_node(argv: Sequence[str]) -> int:
    """What ``resolver.cli.main(argv)`` returns (call it outside any running event loop)."""
    args = _parser(argv).parse_args(argv)
    if args.run is importer.run and not getattr(args, "node", None):
        args.validator = asyncio.run(shared_validator(config_from_args(args).workers))
    code: int = args.run(args)
    return code
