"""Sampling profiles of a running server with py-spy, summarised as the functions that dominate.

Used where a target is missed: ``python -m bench WORKLOAD --profile`` records the node while wrk
loads it and prints the top frames by own time and by inclusive time.
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["Recording", "summarise"]

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


class Recording:
    """py-spy recording a process for ``seconds`` in the background (raw collapsed stacks)."""

    def __init__(self, pid: int, out: Path, seconds: float, *, rate: int = 250) -> None:
        self.out = out
        self.proc: subprocess.Popen[bytes] | None = None
        exe = shutil.which("py-spy") or str(Path(__file__).resolve().parent.parent / ".venv/bin/py-spy")
        if not Path(exe).exists():
            print("profile: py-spy is not installed (make install adds it)", file=sys.stderr)
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                exe,
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--output",
                str(out),
                "--duration",
                str(max(1, round(seconds))),
                "--rate",
                str(rate),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def finish(self, top: int = 15) -> dict[str, Any] | None:
        if self.proc is None:
            return None
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        if not self.out.exists():
            return None
        return summarise(self.out, top=top)


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match.group('func')} ({path})"


def summarise(raw: Path, *, top: int = 15) -> dict[str, Any]:
    """Top frames by own samples and by inclusive samples, as percentages of all samples."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    idle = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        leaf = frames[-1]
        if "select" in leaf.split(" ")[0] or leaf.startswith(("poll ", "epoll")):
            idle += count
        own[leaf] += count
        for frame in set(frames):
            inclusive[frame] += count

    def pct(counter: collections.Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)] if total else []

    return {
        "samples": total,
        "idle_pct": round(100 * idle / total, 1) if total else None,
        "own": pct(own),
        "inclusive": pct(inclusive),
        "raw": str(raw),
    }
