"""A private LAN for the discovery tests: game namespaces on one bridge (tests/_netns.py).

Subnet 10.78.0.0/24 on the bridge; ``add_card(i, address)`` gives namespace ``i`` a second
interface on the same bridge in another subnet (a host with two network cards). Names carry
the pid; ``close()`` deletes every namespace even after a failure. Only addresses inside
these namespaces are used.
"""

from __future__ import annotations

from tests import _netns as shared

SUBNET = "10.78.0"


def unavailable() -> str | None:
    """Why namespaces cannot be used here, or None if they can."""
    return shared.unavailable("lan")


class Lan:
    def __init__(self, games: int, tag: str = "lan") -> None:
        self._net = shared.Bridge(tag, [(f"g{i}", f"{self.address(i)}/24")
                                        for i in range(games)])
        self.prefix = self._net.prefix
        self.hub = self._net.hub
        self.games = self._net.members

    def address(self, i: int) -> str:
        return f"{SUBNET}.{10 + i}"

    def add_card(self, i: int, cidr: str, dev: str = "eth1") -> None:
        """A second network card for game ``i``, on the same wire, in another subnet."""
        self._net.plug(self.games[i], dev, cidr)

    def exec_prefix(self, i: int) -> list[str]:
        return self._net.exec_prefix(self.games[i])

    def close(self) -> None:
        self._net.close()

    def __enter__(self) -> Lan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
