"""Network namespaces on one private wire, shared by the LAN-discovery tests (tests/lan) and
the packet-loss and network-drop tests (tests/resilience).

A hub namespace holds a bridge ``br0``; every other namespace hangs off it through a veth
pair. Names carry a per-process prefix (other engineers create their own namespaces at the
same time), only addresses inside these namespaces are used, and ``close()`` deletes every
namespace even after a failure. Each test package wraps a ``Bridge`` in its own ``Lan`` with
the addresses and controls its tests need.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence

#: The Debian package that brings each tool (for the skip reason).
_PACKAGES = {"ip": "iproute2", "iptables": "iptables"}


def run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True, timeout=20)


def delete(ns: str) -> None:
    """Delete namespace ``ns``; quietly, since it may already be gone."""
    subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)


def unavailable(tag: str, *, tools: Sequence[str] = ("ip",), probe: Sequence[str] = (),
                what: str = "a network namespace") -> str | None:
    """Why namespaces cannot be used here, or None if they can.

    A throwaway namespace is created (and ``probe``, a command, run inside it) because having
    root and the tools is not enough: a container may still forbid namespaces or a match."""
    if os.geteuid() != 0:
        return "needs root to create network namespaces (CI runs as root)"
    for tool in tools:
        if shutil.which(tool) is None:
            package = _PACKAGES.get(tool, tool)
            return f"'{tool}' is missing (scripts/install-system-deps installs {package})"
    name = f"ka{tag}-{os.getpid()}-probe"
    try:
        run("ip", "netns", "add", name)
        if probe:
            run("ip", "netns", "exec", name, *probe)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot create {what}: {getattr(exc, 'stderr', '') or exc}"
    finally:
        delete(name)
    return None


class Bridge:
    """The hub namespace with its bridge, and the namespaces ``members`` plugged into it.

    ``members`` are (name suffix, address/prefix) pairs; each gets ``eth0`` with that address.
    ``hub_cidr`` gives the bridge itself an address (for a server run inside the hub)."""

    def __init__(self, tag: str, members: Sequence[tuple[str, str]],
                 hub_cidr: str | None = None) -> None:
        self.prefix = f"ka{tag}-{os.getpid()}-"
        self.hub = f"{self.prefix}hub"
        self.members = [f"{self.prefix}{suffix}" for suffix, _ in members]
        self._created: list[str] = []
        self._links = 0
        try:
            self._add_ns(self.hub)
            run("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
            if hub_cidr is not None:
                run("ip", "-n", self.hub, "addr", "add", hub_cidr, "dev", "br0")
            run("ip", "-n", self.hub, "link", "set", "br0", "up")
            for ns, (_, cidr) in zip(self.members, members, strict=True):
                self._add_ns(ns)
                self.plug(ns, "eth0", cidr)
        except BaseException:
            self.close()
            raise

    def _add_ns(self, name: str) -> None:
        run("ip", "netns", "add", name)
        self._created.append(name)
        run("ip", "-n", name, "link", "set", "lo", "up")

    def plug(self, ns: str, dev: str, cidr: str) -> None:
        """A new interface ``dev`` in ``ns`` with address ``cidr``, wired to the bridge."""
        hub_end = f"v{self._links}"
        self._links += 1
        run("ip", "-n", self.hub, "link", "add", hub_end, "type", "veth", "peer", "name", dev,
            "netns", ns)
        run("ip", "-n", self.hub, "link", "set", hub_end, "master", "br0", "up")
        run("ip", "-n", ns, "addr", "add", cidr, "dev", dev)
        run("ip", "-n", ns, "link", "set", dev, "up")

    @staticmethod
    def exec_prefix(ns: str) -> list[str]:
        """The command prefix that runs a command inside namespace ``ns``."""
        return ["ip", "netns", "exec", ns]

    def close(self) -> None:
        for ns in reversed(self._created):
            delete(ns)
        self._created.clear()
