"""Peers whose log was seen forked, kept in a file so that only an operator clears them.

A fork mark is evidence that a peer showed two histories: a restart must not forget it (the
next head seen would be trusted from scratch). The file is JSON, peer id -> why; the node reads
it when it opens and adds to it when its head watch marks a peer; ``passport-node log
clear-fork --peer ID`` removes an entry, and the node trusts that peer again from its next head
once it is restarted.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from resolver.errors import DocumentError

__all__ = ["ForkMarks"]


class ForkMarks:
    """The file of fork marks (absent: no peer marked)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, str]:
        """peer id -> why it was marked; DocumentError if the file is unreadable."""
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, orjson.JSONDecodeError) as err:
            raise DocumentError(f"the fork marks in {self.path} cannot be read: {err}") from err
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise DocumentError(f"the fork marks in {self.path} are not a JSON object of peer id -> reason")
        return {str(peer): str(why) for peer, why in data.items()}

    def mark(self, peer: str, why: str) -> None:
        marks = self.load()
        if peer not in marks:
            marks[peer] = why
            self._write(marks)

    def clear(self, peer: str) -> bool:
        """Remove ``peer``'s mark; whether there was one."""
        marks = self.load()
        if marks.pop(peer, None) is None:
            return False
        self._write(marks)
        return True

    def _write(self, marks: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_bytes(orjson.dumps(marks, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2))
        os.replace(temporary, self.path)  # readers see the old file or the new one, never half
