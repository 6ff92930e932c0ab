"""A ``passport-node serve`` subprocess for synchronous tests (schemathesis, fault injection).

Unlike ``NodeProcess`` (asyncio), it can be driven from plain threads and killed with SIGKILL;
its log goes to a file, so a chatty node never blocks on a full pipe.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

__all__ = ["ServedNode", "write_config"]

REPO = Path(__file__).resolve().parents[2]


def write_config(
    path: Path,
    *,
    store: str,
    tokens: dict[str, tuple[str, list[str]]],
    sparql_index: bool = True,
    **top: object,
) -> Path:
    """A node TOML at ``path``: ``tokens`` maps token -> (role, prefixes); ``top`` are top-level keys.

    The node's ``data_dir`` (keys, SPARQL index) is ``data`` beside the file unless ``top`` names one.
    Without ``sparql_index`` the file says ``[sparql] enabled = false``: the node starts no index
    process (~1.3 CPU-s), and its other routes are the same.
    """
    from resolver.config import hash_token

    settings = {"store": store, "workers": 1, "data_dir": str(path.parent / "data"), **top}
    lines = [f"{key} = {_toml(value)}" for key, value in settings.items()]
    for n, (token, (role, prefixes)) in enumerate(tokens.items()):
        lines += ["", "[[credentials]]", f'name = "c{n}"', f'role = "{role}"']
        lines.append(f'token_sha256 = "{hash_token(token)}"')
        if prefixes:
            lines.append(f"prefixes = {_toml(prefixes)}")
    if not sparql_index:
        lines += ["", "[sparql]", "enabled = false"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


class ServedNode:
    """``python -m resolver serve --config CONFIG`` on 127.0.0.1, port chosen by the OS, run in
    the config file's folder (a relative path in the config lands there, not in the repository).

    ``forked``: the process is forked from this test process's preloaded node zygote
    (tests/support/node_zygote.py) instead of started cold, ~1.1 CPU-s less a start; it is a
    process of its own all the same, killed by its pid with SIGTERM or SIGKILL.
    """

    def __init__(self, config: Path, *extra: str, log: Path, port: int = 0, forked: bool = False) -> None:
        self.config = config
        self.extra = extra
        self.log = log
        self.port = port
        self.forked = forked
        self.process: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None  # a forked node's
        self.url = ""

    def start(self, *, wait: float = 60.0) -> ServedNode:
        argv = ["serve", "--config", str(self.config), "--host", "127.0.0.1", "--port", str(self.port)]
        argv += self.extra
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        if self.forked:
            line = self._fork(argv, env, wait)
        else:
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "resolver", *argv],
                    cwd=self.config.parent,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=log,
                )
            assert self.process.stdout is not None
            line = self.process.stdout.readline().decode().strip()  # "... serving at http://..."
        if " serving at " not in line:
            self.kill()
            raise RuntimeError(f"node did not start: {line!r}; log: {self.log.read_text()[-2000:]}")
        self.url = line.rsplit(" ", 1)[1]
        self.port = int(self.url.rsplit(":", 1)[1])
        deadline = time.monotonic() + wait
        with requests.Session() as session:  # one connection for the polls, not one each
            while time.monotonic() < deadline:
                try:
                    if session.get(self.url + "/healthz", timeout=2).status_code == 200:
                        return self
                except requests.RequestException:
                    pass
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"node at {self.url} not healthy after {wait} s")

    def _fork(self, argv: list[str], env: dict[str, str], wait: float) -> str:
        """Fork the node; its first stdout line (a file of its own), or "" if it ended first."""
        from tests.support.node_zygote import zygote

        out = self.log.with_name(self.log.name + f".{time.monotonic_ns()}.out")
        out.touch()
        self.pid = zygote().fork(argv, cwd=self.config.parent, env=env, stdout=out, stderr=self.log)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            text = out.read_text()
            if "\n" in text:
                return text.split("\n", 1)[0].strip()
            try:
                zygote().wait(self.pid, 0.02)
            except TimeoutError:
                continue
            self.pid = None  # it ended before it served
            return out.read_text().strip()
        return ""

    def kill(self, *, hard: bool = False) -> None:
        """Stop it: SIGTERM (a clean shutdown) or, with ``hard``, SIGKILL (a crash)."""
        if self.pid is not None:
            self._kill_forked(hard)
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if process.stdout is not None:
            process.stdout.close()

    def _kill_forked(self, hard: bool) -> None:
        from tests.support.node_zygote import zygote

        pid, self.pid = self.pid, None
        assert pid is not None
        try:
            zygote().wait(pid, 0)
            return  # it had ended already
        except TimeoutError:
            os.kill(pid, signal.SIGKILL if hard else signal.SIGTERM)  # not reaped: still its pid
        try:
            zygote().wait(pid, 15)
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            zygote().wait(pid, 5)

    def __enter__(self) -> ServedNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()
