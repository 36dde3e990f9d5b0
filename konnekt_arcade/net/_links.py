"""The links of a WebRTC mesh: which peer each one reaches, which one a peer's sends go on, and
which link changes the layers above must hear about.

Why a table apart from ``WebRtcTransport``: these are decisions, not I/O, and they are where
the transport's bugs were (a send on a link already down, a duplicate mesh after the signalling
server restarted). Here they are plain dict work with ``now`` passed in, tested with fake links
and a fake clock; the transport only creates and closes aiortc links and asks this table.

Ids: the signalling server names a link by the remote's *signalling id*, which changes when
that peer re-registers (its signalling socket dropped, the server restarted). The layers above
only ever see a peer's *stable id*: its first signalling id, learned from the tag on its SDP
(``signalling_client.sdp_peer_tag``) or from its "already linked" reply. An id never learned
is its own stable id.

Silence: a link replaced by a newer one to the same peer, or refused because we already have
one, closes without a PeerConnected/PeerDisconnected pair; the peer itself never went away.

Pure: no asyncio, no aiortc, no clock. Network thread only (no lock).
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

#: A link that delivered something this recently is healthy: an offer from the same peer
#: under a new signalling id (it re-registered) is declined. Above the sync heartbeat
#: interval (1 s), below its loss timeout (3 s) plus slack; an older link may be a dead one
#: that ICE has not failed yet (~30 s), so the new offer is taken and replaces it.
LINK_HEALTHY_WITHIN = 5.0
#: A PeerLeft for a peer whose link delivered this recently is taken as news about its old
#: signalling socket, not about the peer: a live peer heartbeats every 0.5 s on every link.
#: Seen after a partition healed: the old server dropped a guest's socket (it had moved to
#: its own server, and the close it sent then never arrived) just as the guest came back,
#: and closing the live link on that PeerLeft split the lobby for good. The link is closed
#: only if it stays silent for ``PEER_LEFT_PROOF`` s after the PeerLeft (a crashed peer: it
#: is closed that much later than at once, still before the sync engine's 2.5 s timeout).
PEER_LEFT_PROOF = 1.0


class Link(Protocol):
    """What the table reads of a link (``peer.PeerLink``): whether it can carry data now."""

    @property
    def connected(self) -> bool: ...


L = TypeVar("L", bound=Link)


class LinkTable(Generic[L]):
    """Links by signalling id, the stable ids behind them, and when each last delivered."""

    def __init__(self) -> None:
        self._links: dict[str, L] = {}
        #: What ``link_for`` found for a stable id, kept while it is connected; emptied
        #: whenever a link is added, connects or closes, or an id is learned, so it always
        #: equals a fresh search (which walks every link: too slow for every send).
        self._send_links: dict[str, L] = {}
        self._stable_ids: dict[str, str] = {}  # signalling id -> stable id
        self._latest_ids: dict[str, str] = {}  # stable id -> its newest signalling id
        self._silent: set[str] = set()  # closing without events
        self._last_rx: dict[str, float] = {}  # signalling id -> last delivery (or creation)

    # --- ids ----------------------------------------------------------------------------------

    def stable(self, key: str) -> str:
        """The stable id of the peer behind signalling id ``key``."""
        return self._stable_ids.get(key, key)

    def learn(self, key: str, stable: str) -> None:
        """Signalling id ``key`` is peer ``stable`` (re-registered, or its first id)."""
        self._stable_ids[key] = stable
        self._latest_ids[stable] = key
        self._send_links.clear()

    # --- links --------------------------------------------------------------------------------

    def __contains__(self, key: object) -> bool:
        return key in self._links

    def __len__(self) -> int:
        return len(self._links)

    def get(self, key: str) -> L | None:
        return self._links.get(key)

    def links(self) -> list[L]:
        return list(self._links.values())

    def peers(self) -> set[str]:
        """The stable id of every peer we have a link to (connected or not): a broadcast's
        targets."""
        stable = self._stable_ids.get
        return {stable(key, key) for key in self._links}

    def add(self, key: str, link: L, now: float) -> None:
        """A new link to signalling id ``key``; it counts as heard from at ``now`` (so a
        re-registration offer right after is judged against a fresh link, not a dead one)."""
        self._links[key] = link
        self._send_links.clear()
        self._last_rx[key] = now

    def heard(self, key: str, now: float) -> str:
        """Link ``key`` delivered a message at ``now``; returns the stable id to report it
        under. Runs for every received message."""
        self._last_rx[key] = now
        return self._stable_ids.get(key, key)

    def link_for(self, stable: str) -> L | None:
        """The link to send to ``stable`` on: a connected one if there is one, else any (a
        send on it fails and is counted), else None."""
        link = self._send_links.get(stable)
        if link is not None and link.connected:
            return link
        found = None
        for key, link in self._links.items():
            if self.stable(key) == stable:
                if link.connected:
                    self._send_links[stable] = link
                    return link
                found = found or link
        return found

    def send_links(self) -> dict[str, L]:
        """Per peer (stable id), the connected link its sends go on."""
        out = {}
        for peer in self.peers():
            link = self.link_for(peer)
            if link is not None and link.connected:
                out[peer] = link
        return out

    def healthy_link(self, stable: str, now: float) -> L | None:
        """A connected link to ``stable`` that delivered within ``LINK_HEALTHY_WITHIN``."""
        for key, link in self._links.items():
            if (self.stable(key) == stable and link.connected
                    and now - self._last_rx.get(key, float("-inf")) <= LINK_HEALTHY_WITHIN):
                return link
        return None

    def should_decline_offer(self, stable: str | None, now: float) -> bool:
        """An offer from a new signalling id of peer ``stable`` (None: untagged, a peer we
        cannot recognise) is declined while our link to that peer is healthy: it only
        re-registered, and a second link would be a second mesh."""
        return stable is not None and self.healthy_link(stable, now) is not None

    # --- link changes: what to close, what to report ----------------------------------------

    def already_linked(self, key: str, stable: str) -> L | None:
        """Peer ``stable`` answered our offer to its signalling id ``key`` with "already
        linked". Returns our not-yet-connected link to ``key`` to close silently, if any."""
        self.learn(key, stable)
        link = self._links.get(key)
        if link is None or link.connected:
            return None
        self._silent.add(key)
        return link

    def connected(self, key: str, now: float) -> list[L]:
        """Link ``key`` connected at ``now``. Returns the other links to the same peer, marked
        to close silently: the new link replaces them."""
        self._send_links.clear()
        self._last_rx[key] = now
        peer = self.stable(key)
        replaced = [(other, link) for other, link in self._links.items()
                    if other != key and self.stable(other) == peer]
        self._silent.update(other for other, _ in replaced)
        return [link for _, link in replaced]

    def closed(self, key: str, was_connected: bool) -> bool:
        """Link ``key`` closed and is forgotten. True if the peer is gone for the layers
        above; False if the link was silenced or another link to the peer remains (a
        connected one, or any while this one never connected)."""
        self._links.pop(key, None)
        self._send_links.clear()
        self._last_rx.pop(key, None)
        if key in self._silent:
            self._silent.discard(key)
            return False
        peer = self.stable(key)
        others = [link for other, link in self._links.items() if self.stable(other) == peer]
        return not ((others and not was_connected) or any(link.connected for link in others))

    def leaving(self, key: str, now: float) -> list[L] | None:
        """The signalling server says ``key`` left the room at ``now``. Returns the links to
        that peer to close, or None to keep them: the peer re-registered under a newer id
        since, or one of its links delivered within ``PEER_LEFT_PROOF`` s (the PeerLeft is
        about an old signalling socket; ``still_silent`` decides once the proof is due)."""
        peer = self.stable(key)
        if self._latest_ids.get(peer, key) != key:
            return None
        if self._heard_since(peer, now - PEER_LEFT_PROOF):
            return None
        return self._links_of(peer)

    def still_silent(self, key: str, since: float) -> list[L]:
        """``PEER_LEFT_PROOF`` s after a PeerLeft of ``key`` at ``since`` that ``leaving``
        kept: the links to close if the peer delivered nothing since (it is gone), else none
        (it lives on: only its old signalling socket went)."""
        peer = self.stable(key)
        if self._latest_ids.get(peer, key) != key or self._heard_since(peer, since):
            return []
        return self._links_of(peer)

    def _heard_since(self, peer: str, since: float) -> bool:
        return any(self.stable(key) == peer and link.connected
                   and self._last_rx.get(key, float("-inf")) > since
                   for key, link in self._links.items())

    def _links_of(self, peer: str) -> list[L]:
        return [link for other, link in self._links.items() if self.stable(other) == peer]

    def clear(self) -> list[L]:
        """Forget every link (the transport closes); returns them to close."""
        links = list(self._links.values())
        self._links.clear()
        self._send_links.clear()
        self._last_rx.clear()
        return links
