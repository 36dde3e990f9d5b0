"""Real redis-server and konnekt-signal processes for the scale-out tests (started by PID,
stopped after; free loopback ports)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def require_tool(name: str, package: str) -> str:
    """The tool's path; skip when missing, except in CI as root where it must be installed."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}")
                                  else None)
    if path:
        return path
    if os.environ.get("CI") and os.geteuid() == 0:
        pytest.fail(f"{name} missing in CI: scripts/install-system-deps must install {package}")
    pytest.skip(f"{name} not installed (Debian package {package})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextmanager
def redis_server(tmp_path: Path) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port; yields its redis:// URL."""
    binary = require_tool("redis-server", "redis-server")
    import redis

    for _ in range(5):  # the free port may be taken between probe and bind: try again
        port = free_port()
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path), "--daemonize", "no"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
        deadline = time.monotonic() + 15
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            else:
                _stop(proc)
                continue
            try:
                yield f"redis://127.0.0.1:{port}/0"
            finally:
                _stop(proc)
            return
        finally:
            client.close()
    raise AssertionError("redis-server did not start on a free port in 5 tries")


@contextmanager
def konnekt_signal(*args: str) -> Iterator[str]:
    """``konnekt-signal --port 0 ARGS`` in its own process; yields the ws:// URL it prints."""
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "konnekt_arcade.net.cli", "--host", "127.0.0.1", "--port", "0",
         *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()  # bounded by the test timeout
        assert line.startswith("ws://"), f"konnekt-signal did not start: {line!r}"
        yield line
    finally:
        _stop(proc)
