"""A private LAN of network namespaces for the packet-loss and network-drop tests (the
namespaces and wiring are tests/_netns.py).

One hub namespace holds a bridge (10.77.0.1, where the signalling server listens); each peer
namespace hangs off it through a veth pair (10.77.0.10+i). Only addresses inside namespaces
this module created are used, names carry a per-process prefix (other engineers create their
own namespaces at the same time), and ``close()`` deletes everything even after a failure.
iptables rules live inside the peer namespaces and vanish with them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import _netns as shared

REPO = Path(__file__).resolve().parents[2]
SUBNET = "10.77.0"
HUB_ADDRESS = f"{SUBNET}.1"


def unavailable() -> str | None:
    """Why namespaces with packet filters cannot be used here, or None if they can."""
    return shared.unavailable(
        "loss", tools=("ip", "iptables"),
        probe=("iptables", "-A", "INPUT", "-m", "statistic", "--mode", "random",
               "--probability", "0.1", "-j", "DROP"),
        what="a namespace with an iptables statistic rule")


class Lan:
    """Hub + ``peers`` namespaces; ``exec_prefix(i)`` runs a command inside peer ``i``."""

    def __init__(self, peers: int, tag: str = "loss") -> None:
        self._server: subprocess.Popen[str] | None = None
        self._net = shared.Bridge(tag, [(f"p{i}", f"{self.address(i)}/24") for i in range(peers)],
                                  hub_cidr=f"{HUB_ADDRESS}/24")
        self.prefix = self._net.prefix
        self.hub = self._net.hub
        self.peers = self._net.members

    def address(self, i: int) -> str:
        return f"{SUBNET}.{10 + i}"

    def exec_prefix(self, i: int) -> list[str]:
        return self._net.exec_prefix(self.peers[i])

    def iptables(self, i: int, *rule: str) -> None:
        shared.run(*self.exec_prefix(i), "iptables", *rule)

    def drop_incoming(self, i: int, probability: float) -> None:
        """Drop that share of the packets entering peer ``i`` (tc netem is not available)."""
        self.iptables(i, "-A", "INPUT", "-m", "statistic", "--mode", "random",
                      "--probability", f"{probability:g}", "-j", "DROP")

    def dropped(self, i: int) -> int:
        """Packets the ``statistic`` DROP rule of peer ``i`` has dropped so far."""
        out = subprocess.run([*self.exec_prefix(i), "iptables", "-L", "INPUT", "-v", "-n", "-x"],
                             check=True, capture_output=True, text=True, timeout=20).stdout
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
            [*self._net.exec_prefix(self.hub), sys.executable, "-m", "konnekt_arcade.net.cli",
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
        self._net.close()

    def __enter__(self) -> Lan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def lan_or_skip(peers: int, tag: str = "loss") -> Iterator[Lan]:
    """A test's ``Lan`` fixture body: skip (with the reason) where namespaces with packet
    filters cannot be made, else the network for the test, removed after it."""
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    with Lan(peers, tag=tag) as lan:
        yield lan
