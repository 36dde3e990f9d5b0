"""Which link ``WebRtcTransport`` sends on, with fake links (no network): the cached answer
must always equal a fresh search, through every change of the links."""

from __future__ import annotations

import asyncio

from konnekt_arcade.net import WebRtcTransport
from konnekt_arcade.net.peer import PeerLink


class FakeLink:
    """What ``_link_for`` and ``_send_counted`` read of a ``PeerLink``."""

    def __init__(self, connected: bool) -> None:
        self.connected = connected
        self.closed = False
        self.sent: list[tuple[int, bytes]] = []

    def send(self, channel: int, data: bytes) -> bool:
        if self.closed or not self.connected:
            return False
        self.sent.append((channel, data))
        return True


def fresh_search(transport: WebRtcTransport, stable: str) -> object:
    transport._send_links.clear()
    return transport._link_for(stable)


def test_send_link_follows_connects_closes_and_learned_ids() -> None:
    transport = WebRtcTransport("ws://127.0.0.1:1", "room")
    links: dict[str, PeerLink] = transport._links
    old = FakeLink(connected=True)
    links["a"] = old  # type: ignore[assignment]
    assert transport._link_for("a") is old
    transport._send_counted("a", 0, b"one", 1, 1)
    assert old.sent == [(0, b"one")]

    # "a" re-registered as "a2": the new link is not connected yet, the old one still sends.
    new = FakeLink(connected=False)
    links["a2"] = new  # type: ignore[assignment]
    transport._learn("a2", "a")
    assert transport._link_for("a") is old is fresh_search(transport, "a")

    # The new link connects and the old one closes (what _on_connected/_on_closed see).
    new.connected = True
    old.closed = True
    del links["a"]
    transport._on_closed("a", "replaced", was_connected=True)
    assert transport._link_for("a") is new is fresh_search(transport, "a")
    transport._send_counted("a", 0, b"two", 1, 1)
    assert new.sent == [(0, b"two")] and old.sent == [(0, b"one")]

    # The last link closes: nothing to send on, and a named send counts as dropped.
    del links["a2"]
    transport._on_closed("a2", "gone", was_connected=True)
    assert transport._link_for("a") is None
    transport._send_counted("a", 0, b"three", 1, 1)
    assert transport.stats["dropped_outgoing"] == 1


def test_a_closed_link_is_not_sent_on_after_shutdown() -> None:
    transport = WebRtcTransport("ws://127.0.0.1:1", "room")
    link = FakeLink(connected=True)
    transport._links["b"] = link  # type: ignore[assignment]
    assert transport._link_for("b") is link

    async def shutdown() -> None:
        link.close = lambda reason: None  # type: ignore[attr-defined]
        await transport._shutdown()

    asyncio.run(shutdown())
    assert transport._link_for("b") is None
