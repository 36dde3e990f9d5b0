"""A real coturn (``turnserver``) started by a test and stopped by its PID.

Used by the ICE gathering tests (on loopback) and the strict-NAT relay test (inside a network
namespace the test created, through an ``ip netns exec`` prefix, which execs, so the PID is
coturn's). Never the system service.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

#: Relay ports of test servers are drawn from here, a block per server, to keep concurrent
#: coturn instances (other tests, other engineers) from competing for the same ports.
RELAY_PORT_BASE = 50000
RELAY_BLOCK = 40
RELAY_BLOCKS = 300


def turnserver() -> str | None:
    return shutil.which("turnserver")


def free_udp_port(host: str = "127.0.0.1", attempts: int = 50) -> int:
    """A port free for UDP *and* TCP on ``host``: coturn listens on both, and a port free
    only for UDP made it retry its TCP bind forever (errno 98) while the test waited."""
    for _ in range(attempts):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
                return port
    raise AssertionError(f"no port free for both UDP and TCP on {host} in {attempts} tries")


def stun_answers(address: tuple[str, int], timeout: float = 0.2) -> bool:
    """One STUN Binding request; True if a response with our transaction id came back."""
    txid = os.urandom(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(b"\x00\x01\x00\x00\x21\x12\xa4\x42" + txid, address)
            data, _ = sock.recvfrom(2048)
        except OSError:
            return False
    return len(data) >= 20 and data[8:20] == txid


class Coturn:
    """``turnserver`` with long-term credentials, no TLS, logs in ``workdir``."""

    def __init__(self, workdir: Path, listen: Sequence[str], port: int,
                 users: Sequence[str], *, prefix: Sequence[str] = (),
                 extra: Sequence[str] = ()) -> None:
        binary = turnserver()
        assert binary is not None, "turnserver not installed"
        workdir.mkdir(parents=True, exist_ok=True)
        block = random.randrange(RELAY_BLOCKS)
        self.min_port = RELAY_PORT_BASE + block * RELAY_BLOCK
        self.max_port = self.min_port + RELAY_BLOCK - 1
        self.port = port
        self.log = workdir / f"turn-{port}.log"
        cmd = [*prefix, binary, "-n"]
        for ip in listen:
            cmd += ["--listening-ip", ip, "--relay-ip", ip]
        cmd += ["--listening-port", str(port), "--min-port", str(self.min_port),
                "--max-port", str(self.max_port), "--lt-cred-mech", "--realm", "test.local",
                "--fingerprint", "--no-tls", "--no-dtls", "--no-cli", "--simple-log",
                "--log-file", str(self.log), "--pidfile", str(workdir / f"turn-{port}.pid"),
                # Its own (empty) user database, not the system one under /var.
                "--userdb", str(workdir / f"turn-{port}.db")]
        for user in users:
            cmd += ["--user", user]
        cmd += list(extra)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def relays(self, port: int) -> bool:
        """Whether ``port`` is one of this server's relay ports."""
        return self.min_port <= port <= self.max_port

    def wait_ready(self, address: tuple[str, int], timeout: float = 15) -> None:
        """Until coturn answers a Binding request on ``address`` (from this namespace)."""
        deadline = time.monotonic() + timeout
        while not stun_answers(address):
            if self.proc.poll() is not None:
                raise AssertionError(f"turnserver exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-600:] if self.log.exists() else ""
                raise AssertionError(f"turnserver on {address} not ready in {timeout} s; "
                                     f"its log ends: {tail}")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM (coturn needs 1–2 s to exit), then SIGKILL."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
