"""``python -m resolver serve ...`` processes forked from one preloaded interpreter.

A cold ``python -m resolver serve`` spends ~1.1 of its ~1.3 CPU-s importing before it serves,
and ~0.3 more reading the profile for its page (its validator worker is spawned afresh either
way). The zygote, a child of this process, loads the node's modules and that profile data once
(tests/support/preload.py) and forks one child per node, which then runs
``resolver.cli.main(["serve", ...])`` as ``python -m resolver serve`` does: a process of its own,
with its own working directory, environment, stdout and stderr files, its own validator worker,
and its own pid to send SIGTERM or SIGKILL to. The zygote reaps its children (their CPU counts
in the run's) and reports each exit on its stdout, ``<pid> <status>``.

Unlike ``tests/support/cli_runner.py`` (one command at a time, waited for), nodes run side by side.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["ForkedCommand", "NodeZygote", "zygote"]

REPO = Path(__file__).resolve().parents[2]

# Requests arrive on fd 0, one JSON line each; the zygote answers "<pid>" for each fork and
# "<pid> <status>" when that child ends (SIGCHLD). A child puts SIGCHLD back as it was before it
# runs the node: the node waits for processes of its own.
_ZYGOTE = r"""
import json, os, signal, sys, traceback
sys.path[:] = [p for p in sys.path if p not in ("", ".")]  # resolver from PYTHONPATH, not the cwd
sys.path.insert(0, sys.argv[1])
from tests.support.preload import preload  # the modules and data a node loads on its way
del sys.path[0]
preload()
import resolver.cli

def reap(signum, frame):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        os.write(1, f"{pid} {os.waitstatus_to_exitcode(status)}\n".encode())

def child(request):
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if request.get("session"):  # a group of its own, as a shell's job: killpg reaches its workers
        os.setsid()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.dup2(os.open(request.get("stdin") or os.devnull, os.O_RDONLY), 0)
    os.dup2(os.open(request["stdout"], os.O_WRONLY | os.O_APPEND), 1)
    os.dup2(os.open(request["stderr"], os.O_WRONLY | os.O_APPEND | os.O_CREAT), 2)
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

signal.signal(signal.SIGCHLD, reap)
pending = b""
while True:
    chunk = os.read(0, 65536)
    if not chunk:
        break
    pending += chunk
    while b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # the pid line first
        pid = os.fork()
        if pid == 0:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
            child(json.loads(line))
        os.write(1, f"{pid}\n".encode())
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
"""


class NodeZygote:
    """Forks nodes (``fork``) and tells when each ended (``wait``). One per test process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = b""
        self._forked: list[int] = []  # pids in the order forked, read from the answers
        self._ended: dict[int, int] = {}
        self._zygote = subprocess.Popen(
            [sys.executable, "-c", _ZYGOTE, str(REPO)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def fork(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        stdout: Path,
        stderr: Path,
        session: bool = False,
        stdin: Path | None = None,
    ) -> int:
        """A child running ``passport-node ARGV`` (stdout and stderr appended to those files,
        stdin read from ``stdin``, else empty); ``session``: in a new session and process
        group, led by the child (``start_new_session``)."""
        request: dict[str, object] = {"argv": argv, "cwd": str(cwd), "env": env, "session": session}
        request |= {"stdout": str(stdout), "stderr": str(stderr), "stdin": str(stdin) if stdin else None}
        with self._lock:
            assert self._zygote.stdin is not None
            self._zygote.stdin.write(json.dumps(request).encode() + b"\n")
            self._zygote.stdin.flush()
            deadline = time.monotonic() + 30.0
            while not self._forked:
                self._read(deadline)
            return self._forked.pop(0)

    def wait(self, pid: int, timeout: float) -> int:
        """The exit status of child ``pid`` (negative: the signal that ended it); ``TimeoutError``
        if it has not ended by then. Other threads may fork or wait meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if pid in self._ended:
                    return self._ended.pop(pid)
                try:
                    self._read(min(deadline, time.monotonic() + 0.05))
                except TimeoutError:
                    if time.monotonic() >= deadline:
                        raise

    def _read(self, deadline: float) -> None:
        """Take the zygote's next answer line (from the raw pipe: no buffer hides one from select)."""
        assert self._zygote.stdout is not None
        fd = self._zygote.stdout.fileno()
        while b"\n" not in self._pending:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError("no answer from the node zygote in time")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"the node zygote exited ({self._zygote.poll()})")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        fields = line.split()
        if len(fields) == 1:
            self._forked.append(int(fields[0]))
        else:
            self._ended[int(fields[0])] = int(fields[1])

    def close(self) -> None:
        if self._zygote.stdin is not None:
            self._zygote.stdin.close()
        try:
            self._zygote.wait(30)
        except subprocess.TimeoutExpired:
            self._zygote.kill()
            self._zygote.wait(5)
        if self._zygote.stdout is not None:
            self._zygote.stdout.close()


_shared: list[NodeZygote] = []


def zygote() -> NodeZygote:
    """This test process's zygote, started on first use and closed at exit."""
    if not _shared:
        _shared.append(NodeZygote())
        atexit.register(_shared[0].close)
    return _shared[0]


class ForkedCommand:
    """``python -m resolver ARGV`` forked from the zygote, as ``subprocess.Popen`` with
    ``start_new_session=True`` and captured output would run it: ``pid`` (the process group's
    too), ``poll()``, ``killpg(sig)`` and ``communicate(timeout)`` for (stdout, stderr) once it ended."""

    def __init__(self, argv: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="forked-command-")
        self._out = Path(self._folder.name) / "stdout"
        self._err = Path(self._folder.name) / "stderr"
        self._out.touch()
        self.returncode: int | None = None
        self.pid = zygote().fork(argv, cwd=cwd, env=env, stdout=self._out, stderr=self._err, session=True)

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                self.returncode = zygote().wait(self.pid, 0)
            except TimeoutError:
                return None
        return self.returncode

    def killpg(self, sig: int) -> None:
        """Send ``sig`` to its process group; nothing if all of it had ended (as Popen's would
        to a group whose leader is not yet reaped)."""
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            if self.poll() is None:
                raise

    def communicate(self, timeout: float) -> tuple[bytes, bytes]:
        if self.returncode is None:
            self.returncode = zygote().wait(self.pid, timeout)
        out, err = self._out.read_bytes(), self._err.read_bytes()
        self._folder.cleanup()
        return out, err
