"""A private LAN for the discovery tests: a bridge in a hub namespace, and game namespaces
hanging off it through veth pairs (the pattern of tests/resilience/_netns.py).

Subnet 10.78.0.0/24 on the bridge; ``add_card(i, address)`` gives namespace ``i`` a second
interface on the same bridge in another subnet (a host with two network cards). Names carry
the pid; ``close()`` deletes every namespace even after a failure. Only addresses inside
these namespaces are used.
"""

from __future__ import annotations

import os
import shutil
import subprocess

SUBNET = "10.78.0"


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True, timeout=20)


def unavailable() -> str | None:
    """Why namespaces cannot be used here, or None if they can."""
    if os.geteuid() != 0:
        return "needs root to create network namespaces (CI runs as root)"
    if shutil.which("ip") is None:
        return "'ip' is missing (scripts/install-system-deps installs iproute2)"
    probe = f"kalan-{os.getpid()}-probe"
    try:
        _run("ip", "netns", "add", probe)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot create a network namespace: {getattr(exc, 'stderr', '') or exc}"
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=20)
    return None


class Lan:
    def __init__(self, games: int, tag: str = "lan") -> None:
        self.prefix = f"ka{tag}-{os.getpid()}-"
        self.hub = f"{self.prefix}hub"
        self.games = [f"{self.prefix}g{i}" for i in range(games)]
        self._created: list[str] = []
        self._links = 0
        try:
            self._add_ns(self.hub)
            _run("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
            _run("ip", "-n", self.hub, "link", "set", "br0", "up")
            for i, ns in enumerate(self.games):
                self._add_ns(ns)
                self._plug(ns, "eth0", f"{self.address(i)}/24")
        except BaseException:
            self.close()
            raise

    def _add_ns(self, name: str) -> None:
        _run("ip", "netns", "add", name)
        self._created.append(name)
        _run("ip", "-n", name, "link", "set", "lo", "up")

    def _plug(self, ns: str, dev: str, cidr: str) -> None:
        hub_end = f"v{self._links}"
        self._links += 1
        _run("ip", "-n", self.hub, "link", "add", hub_end, "type", "veth", "peer", "name", dev,
             "netns", ns)
        _run("ip", "-n", self.hub, "link", "set", hub_end, "master", "br0", "up")
        _run("ip", "-n", ns, "addr", "add", cidr, "dev", dev)
        _run("ip", "-n", ns, "link", "set", dev, "up")

    def address(self, i: int) -> str:
        return f"{SUBNET}.{10 + i}"

    def add_card(self, i: int, cidr: str, dev: str = "eth1") -> None:
        """A second network card for game ``i``, on the same wire, in another subnet."""
        self._plug(self.games[i], dev, cidr)

    def exec_prefix(self, i: int) -> list[str]:
        return ["ip", "netns", "exec", self.games[i]]

    def close(self) -> None:
        for ns in reversed(self._created):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)
        self._created.clear()

    def __enter__(self) -> Lan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
