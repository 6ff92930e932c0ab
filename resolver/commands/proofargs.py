"""Options shared by the ``sign`` and ``verify`` commands: the document, and local contexts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from resolver.errors import DocumentError
from resolver.integrity.canon import Contexts

__all__ = ["add_context_option", "contexts_of", "read_json"]


def add_context_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="URL=FILE",
        help="a local copy of a JSON-LD context the document names (repeatable); nothing is fetched",
    )


def read_json(path: Path) -> Any:
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
        return orjson.loads(data)
    except OSError as err:
        raise DocumentError(f"{path}: cannot read: {err.strerror}") from err
    except orjson.JSONDecodeError as err:
        raise DocumentError(f"{path}: not JSON: {err}") from err


def contexts_of(pairs: list[str]) -> Contexts:
    """``URL=FILE`` options as URL -> parsed context document."""
    contexts: dict[str, Any] = {}
    for pair in pairs:
        url, sep, file = pair.partition("=")
        if not sep or not url or not file:
            raise DocumentError(f"--context takes URL=FILE, not {pair!r}")
        contexts[url] = read_json(Path(file))
    return contexts
