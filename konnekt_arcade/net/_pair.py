"""``SelectedPair``: which ICE candidate pair a link uses, as a plain value.

Apart from ``peer.py`` (which needs aiortc) so that the ``Transport`` protocol in ``events.py``
and the in-memory transport can name it without importing aiortc or making an import circle.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SelectedPair:
    """The ICE candidate pair a link's data flows over (``type`` is host/srflx/prflx/relay).

    For diagnostics and tests: a ``"relay"`` on either side means the traffic goes through a
    TURN server.
    """

    local_type: str
    local_address: tuple[str, int]
    remote_type: str
    remote_address: tuple[str, int]

    @property
    def relayed(self) -> bool:
        return "relay" in (self.local_type, self.remote_type)
