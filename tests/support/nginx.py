"""A real nginx (Debian's package) running the shipped ``deploy/nginx/passport-node.conf``.

The shipped file is used as it is, but for the lines it marks ``EDIT`` (cache path, upstream,
listen), which point at a temp dir, the node under test and a free port. nginx runs in the
foreground as one process (``master_process off``: no switch to another user, so it runs as
the test user) with every path of its own under the temp dir.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.federation import free_port

__all__ = ["NGINX", "Nginx", "shipped_config"]

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "deploy" / "nginx" / "passport-node.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def shipped_config(*, cache_dir: Path, upstream: str, port: int) -> str:
    """The shipped server configuration with its ``EDIT`` lines pointed at this test's parts."""
    text = SHIPPED.read_text()
    text, n1 = re.subn(r"proxy_cache_path \S+", f"proxy_cache_path {cache_dir}", text)
    text, n2 = re.subn(r"server 127\.0\.0\.1:8080;", f"server {upstream};", text)
    text, n3 = re.subn(r"listen 80;", f"listen 127.0.0.1:{port};", text)
    if (n1, n2, n3) != (1, 1, 1):
        raise RuntimeError(f"{SHIPPED} no longer has the EDIT lines this test rewrites")
    return text


class Nginx:
    """nginx in front of ``upstream`` (host:port); ``url`` once started."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir = Path(tempfile.mkdtemp(prefix="passport-nginx-"))
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, *, wait: float = 10.0) -> Nginx:
        if NGINX is None:
            raise RuntimeError("nginx is not installed (make system-deps installs Debian's nginx)")
        root = self._dir
        (root / "cache").mkdir()
        (root / "site.conf").write_text(
            shipped_config(cache_dir=root / "cache", upstream=self.upstream, port=self.port)
        )
        temp = "\n".join(
            f"    {name}_temp_path {root}/{name}_temp;"
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (root / "nginx.conf").write_text(
            f"daemon off;\nmaster_process off;\npid {root}/nginx.pid;\nerror_log {root}/error.log warn;\n"
            "events { worker_connections 512; }\n"
            f"http {{\n    access_log off;\n{temp}\n    include {root}/site.conf;\n}}\n"
        )
        args = [NGINX, "-p", str(root), "-e", str(root / "error.log"), "-c", str(root / "nginx.conf")]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                log = (
                    (root / "error.log").read_text(errors="replace") if (root / "error.log").exists() else ""
                )
                raise RuntimeError(f"nginx exited: {log[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen on {self.port} within {wait} s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        shutil.rmtree(self._dir, ignore_errors=True)
