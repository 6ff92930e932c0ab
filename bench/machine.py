"""The machine a benchmark ran on: cores, CPU model, memory, Python, package and tool versions.

Figures from different machines are not comparable; every result carries this description.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
from functools import cache
from typing import Any

__all__ = ["describe"]

_PACKAGES = (
    "passport-node",
    "aiohttp",
    "uvloop",
    "orjson",
    "redis",
    "hiredis",
    "pyld",
    "rdflib",
    "pyshacl",
    "pyoxigraph",
    "py-spy",
    "pyinstrument",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as src:
            for line in src:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as src:
            match = re.search(r"MemTotal:\s+(\d+) kB", src.read())
    except OSError:
        return None
    return round(int(match.group(1)) / 2**20, 1) if match else None


def _tool_version(cmd: list[str], pattern: str) -> str | None:
    if shutil.which(cmd[0]) is None:
        return None
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(pattern, proc.stdout + proc.stderr)
    return match.group(1) if match else None


@cache
def describe() -> dict[str, Any]:
    versions: dict[str, str] = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _mem_total_gib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "wrk": _tool_version(["wrk", "--version"], r"wrk (\S+)"),
        "redis_server": _tool_version(["redis-server", "--version"], r"v=(\S+)"),
    }
