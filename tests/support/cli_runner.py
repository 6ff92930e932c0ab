"""``python -m resolver ARGS`` for the CLI tests, forked from one preloaded interpreter.

Each call is still a process of its own, with its own working directory, environment, stdin,
stdout, stderr and exit status, running ``resolver.cli.main`` as ``python -m resolver`` does.
Only the start-up is shared: a cold ``python -m resolver`` spends ~0.7 CPU-s importing before it
does anything, so a zygote process imports the commands once and forks a child per call. The
zygote waits for each child (their CPU is counted in the run's), and a child still running at
its timeout is killed, as ``subprocess.run(timeout=...)`` does.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["CliRunner"]

REPO = Path(__file__).resolve().parents[2]

# The zygote: imports every command (resolver.cli's parser does), then for each request line on
# fd 0 forks a child that becomes ``python -m resolver ARGV`` and answers "<pid>" and then
# "<pid> <status>" on fd 1. Requests and answers are read and written unbuffered, so the
# child's fresh standard streams hold nothing of them.
_ZYGOTE = r"""
import json, os, sys, traceback
sys.path[:] = [p for p in sys.path if p not in ("", ".")]  # resolver from PYTHONPATH, not the cwd
import resolver.cli
resolver.cli._parser()

def child(request):
    if request.get("address_space"):  # as a preexec_fn's setrlimit would, before the command runs
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (request["address_space"],) * 2)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, name in enumerate(("stdin", "stdout", "stderr")):
        os.dup2(os.open(request[name], os.O_RDONLY if fd == 0 else os.O_WRONLY), fd)
    sys.stdin = open(0, encoding="utf-8", closefd=False)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False, buffering=1)
    sys.argv = ["passport-node", *request["argv"]]
    try:
        code = resolver.cli.main(request["argv"])
    except SystemExit as exit:
        code = exit.code
    except BaseException:
        traceback.print_exc()
        code = 1
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code or 0)

pending = b""
while True:
    chunk = os.read(0, 65536)
    if not chunk:
        break
    pending += chunk
    while b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        pid = os.fork()
        if pid == 0:
            child(json.loads(line))
        os.write(1, f"{pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        os.write(1, f"{pid} {os.waitstatus_to_exitcode(status)}\n".encode())
"""


class CliRunner:
    """Runs ``passport-node`` commands, one at a time, each in a process forked from the zygote.

    ``env`` is the environment of every command (the zygote's too: nothing in ``resolver``
    reads it at import). ``nodes``: fork the commands from this process's node zygote instead
    (tests/support/node_zygote.py, which also loads what the commands load on their way: the
    node, its stores, the importer, the page's profile data), one zygote for a module's nodes
    and commands; not for commands run under a memory limit (``address_space``), whose
    headroom would shrink by the preloaded heap. Close it (or use ``with``) to stop the zygote.
    """

    def __init__(self, env: dict[str, str], *, nodes: bool = False, preload: str = "") -> None:
        """``preload``: Python the zygote runs after its imports, before its first fork (more
        start-up its commands share, e.g. a profile loaded; never a command's own work). Not
        with ``nodes``, whose zygote preloads what it preloads."""
        if nodes and preload:
            raise ValueError("a preload is for the runner's own zygote, not the node zygote")
        self.env = env
        self._lock = threading.Lock()
        self._pending = b""
        self._zygote: subprocess.Popen[bytes] | None = None
        if not nodes:
            code = _ZYGOTE.replace("resolver.cli._parser()\n", "resolver.cli._parser()\n" + preload + "\n", 1)
            self._zygote = subprocess.Popen(
                [sys.executable, "-c", code],
                cwd=REPO,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        stdin: bytes | None = None,
        timeout: float = 120.0,
        address_space: int | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """What ``subprocess.run([python, -m, resolver, *argv], capture_output=True)`` returns.

        ``address_space`` (bytes) limits the command's memory (``RLIMIT_AS``), set in the child
        before the command runs.
        """
        with self._lock, tempfile.TemporaryDirectory(prefix="cli-call-") as folder:
            streams = {name: Path(folder) / name for name in ("stdin", "stdout", "stderr")}
            streams["stdin"].write_bytes(stdin or b"")
            streams["stdout"].touch()
            streams["stderr"].touch()
            if self._zygote is None:
                if address_space is not None:
                    raise ValueError("address_space needs the CLI's own zygote (nodes=False)")
                code = _run_in_node_zygote(list(argv), cwd, self.env, streams, timeout)
            else:
                request: dict[str, object] = {
                    "argv": list(argv),
                    "cwd": str(cwd),
                    "env": self.env,
                    "address_space": address_space,
                }
                request |= {name: str(path) for name, path in streams.items()}
                code = self._run(list(argv), request, timeout)
            return subprocess.CompletedProcess(
                ["passport-node", *argv],
                code,
                streams["stdout"].read_bytes(),
                streams["stderr"].read_bytes(),
            )

    def _run(self, argv: list[str], request: dict[str, object], timeout: float) -> int:
        """Run ``request`` (``argv``'s) in this runner's zygote: the command's exit status."""
        self._send(json.dumps(request).encode() + b"\n")
        pid = int(self._answer(30.0))
        try:
            return int(self._answer(timeout).split()[1])
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            self._answer(30.0)
            raise subprocess.TimeoutExpired(["passport-node", *argv], timeout) from None

    def _send(self, line: bytes) -> None:
        assert self._zygote is not None and self._zygote.stdin is not None
        self._zygote.stdin.write(line)
        self._zygote.stdin.flush()

    def _answer(self, timeout: float) -> str:
        """The zygote's next answer line (read from the raw pipe: no buffer hides a line from select)."""
        assert self._zygote is not None and self._zygote.stdout is not None
        fd = self._zygote.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._pending:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise subprocess.TimeoutExpired("passport-node zygote", timeout)
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"the CLI zygote exited ({self._zygote.poll()})")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return line.decode().strip()

    def close(self) -> None:
        if self._zygote is None:
            return
        if self._zygote.stdin is not None:
            self._zygote.stdin.close()
        try:
            self._zygote.wait(30)
        except subprocess.TimeoutExpired:
            self._zygote.kill()
            self._zygote.wait(5)
        if self._zygote.stdout is not None:
            self._zygote.stdout.close()

    def __enter__(self) -> CliRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _run_in_node_zygote(
    argv: list[str], cwd: Path, env: dict[str, str], streams: dict[str, Path], timeout: float
) -> int:
    """Run ``passport-node ARGV`` forked from the node zygote: its exit status; killed at ``timeout``."""
    from tests.support.node_zygote import zygote

    pid = zygote().fork(
        argv, cwd=cwd, env=env, stdin=streams["stdin"], stdout=streams["stdout"], stderr=streams["stderr"]
    )
    try:
        return zygote().wait(pid, timeout)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        zygote().wait(pid, 30)
        raise subprocess.TimeoutExpired(["passport-node", *argv], timeout) from None
