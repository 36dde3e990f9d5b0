"""A private LAN of network namespaces for the packet-loss and network-drop tests.

One hub namespace holds a bridge (10.77.0.1, where the signalling server listens); each peer
namespace hangs off it through a veth pair (10.77.0.10+i). Only addresses inside namespaces
this module created are used, names carry a per-process prefix (other engineers create their
own namespaces at the same time), and ``close()`` deletes everything even after a failure.
iptables rules live inside the peer namespaces and vanish with them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUBNET = "10.77.0"
HUB_ADDRESS = f"{SUBNET}.1"


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True, timeout=20)


def unavailable() -> str | None:
    """Why namespaces with packet filters cannot be used here, or None if they can."""
    if os.geteuid() != 0:
        return "needs root to create network namespaces (CI runs as root)"
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            return f"'{tool}' is missing (scripts/install-system-deps installs it)"
    probe = f"kaloss-{os.getpid()}-probe"
    try:
        _run("ip", "netns", "add", probe)
        _run("ip", "netns", "exec", probe, "iptables", "-A", "INPUT", "-m", "statistic",
             "--mode", "random", "--probability", "0.1", "-j", "DROP")
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        return f"cannot create a namespace with an iptables statistic rule: {detail}"
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=20)
    return None


class Lan:
    """Hub + ``peers`` namespaces; ``exec_prefix(i)`` runs a command inside peer ``i``."""

    def __init__(self, peers: int, tag: str = "loss") -> None:
        self.prefix = f"ka{tag}-{os.getpid()}-"
        self.hub = f"{self.prefix}hub"
        self.peers = [f"{self.prefix}p{i}" for i in range(peers)]
        self._created: list[str] = []
        self._server: subprocess.Popen[str] | None = None
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _add_ns(self, name: str) -> None:
        _run("ip", "netns", "add", name)
        self._created.append(name)
        _run("ip", "-n", name, "link", "set", "lo", "up")

    def _build(self) -> None:
        self._add_ns(self.hub)
        _run("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
        _run("ip", "-n", self.hub, "addr", "add", f"{HUB_ADDRESS}/24", "dev", "br0")
        _run("ip", "-n", self.hub, "link", "set", "br0", "up")
        for i, ns in enumerate(self.peers):
            self._add_ns(ns)
            _run("ip", "-n", self.hub, "link", "add", f"vp{i}", "type", "veth",
                 "peer", "name", "eth0", "netns", ns)
            _run("ip", "-n", self.hub, "link", "set", f"vp{i}", "master", "br0", "up")
            _run("ip", "-n", ns, "addr", "add", f"{self.address(i)}/24", "dev", "eth0")
            _run("ip", "-n", ns, "link", "set", "eth0", "up")

    def address(self, i: int) -> str:
        return f"{SUBNET}.{10 + i}"

    def exec_prefix(self, i: int) -> list[str]:
        return ["ip", "netns", "exec", self.peers[i]]

    def iptables(self, i: int, *rule: str) -> None:
        _run("ip", "netns", "exec", self.peers[i], "iptables", *rule)

    def drop_incoming(self, i: int, probability: float) -> None:
        """Drop that share of the packets entering peer ``i`` (tc netem is not available)."""
        self.iptables(i, "-A", "INPUT", "-m", "statistic", "--mode", "random",
                      "--probability", f"{probability:g}", "-j", "DROP")

    def dropped(self, i: int) -> int:
        """Packets the ``statistic`` DROP rule of peer ``i`` has dropped so far."""
        out = subprocess.run(["ip", "netns", "exec", self.peers[i], "iptables", "-L", "INPUT",
                              "-v", "-n", "-x"], check=True, capture_output=True, text=True,
                             timeout=20).stdout
        return sum(int(line.split()[0]) for line in out.splitlines()
                   if "statistic" in line and "DROP" in line)

    def cut(self, i: int) -> None:
        """Peer ``i`` loses its network entirely (both directions) until ``heal(i)``."""
        self.iptables(i, "-I", "INPUT", "1", "-i", "eth0", "-j", "DROP")
        self.iptables(i, "-I", "OUTPUT", "1", "-o", "eth0", "-j", "DROP")

    def heal(self, i: int) -> None:
        self.iptables(i, "-D", "INPUT", "-i", "eth0", "-j", "DROP")
        self.iptables(i, "-D", "OUTPUT", "-o", "eth0", "-j", "DROP")

    def start_signalling(self, port: int = 3536) -> str:
        """Run ``konnekt-signal`` inside the hub; returns its ws:// URL."""
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        self._server = subprocess.Popen(
            ["ip", "netns", "exec", self.hub, sys.executable, "-m", "konnekt_arcade.net.cli",
             "--host", HUB_ADDRESS, "--port", str(port), "--log-level", "WARNING"],
            stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
        assert self._server.stdout is not None
        url = self._server.stdout.readline().strip()  # printed once listening
        if not url.startswith("ws://"):
            raise RuntimeError(f"signalling server in {self.hub} did not start: {url!r}")
        return url

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            if server.poll() is None:
                server.send_signal(signal.SIGKILL)
            server.wait(10)
            if server.stdout is not None:
                server.stdout.close()
        for ns in reversed(self._created):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)
        self._created.clear()

    def __enter__(self) -> Lan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
