"""``LinkTable``: the WebRTC transport's decisions about links, with fake links and a fake
clock (no sockets, no event loop)."""

from __future__ import annotations

from dataclasses import dataclass

from konnekt_arcade.net._links import LINK_HEALTHY_WITHIN, PEER_LEFT_PROOF, LinkTable


@dataclass(eq=False)
class FakeLink:
    name: str
    connected: bool = False


def fresh_search(table: LinkTable[FakeLink], stable: str) -> FakeLink | None:
    """What ``link_for`` must answer, found without its kept answers."""
    connected = [table.get(k) for k in _keys(table) if table.stable(k) == stable]
    return next((link for link in connected if link and link.connected),
                connected[0] if connected else None)


def _keys(table: LinkTable[FakeLink]) -> list[str]:
    return [link.name for link in table.links()]


def test_the_send_link_follows_connects_closes_and_learned_ids() -> None:
    table: LinkTable[FakeLink] = LinkTable()
    old = FakeLink("a", connected=True)
    table.add("a", old, now=0.0)
    assert table.link_for("a") is old

    # "a" re-registered as "a2": the new link is not connected yet, the old one still sends.
    new = FakeLink("a2")
    table.add("a2", new, now=1.0)
    table.learn("a2", "a")
    assert table.peers() == {"a"}
    assert table.link_for("a") is old is fresh_search(table, "a")

    # The new link connects: the old one is to close without news for the layers above.
    new.connected = True
    assert table.connected("a2", now=2.0) == [old]
    old.connected = False
    assert table.closed("a", was_connected=True) is False
    assert table.link_for("a") is new is fresh_search(table, "a")

    # The last link closes: the peer is gone, and there is nothing to send on.
    new.connected = False
    assert table.closed("a2", was_connected=True) is True
    assert table.link_for("a") is None
    assert table.peers() == set() and len(table) == 0


def test_a_kept_send_link_is_not_used_once_it_went_down() -> None:
    """A link can go down before its close callback runs: the next send searches again."""
    table: LinkTable[FakeLink] = LinkTable()
    first, second = FakeLink("a", connected=True), FakeLink("a2", connected=True)
    table.add("a", first, now=0.0)
    table.add("a2", second, now=0.0)
    table.learn("a2", "a")
    assert table.link_for("a") is first
    first.connected = False
    assert table.link_for("a") is second


def test_health_is_judged_by_the_clock_passed_in() -> None:
    table: LinkTable[FakeLink] = LinkTable()
    link = FakeLink("a", connected=True)
    table.add("a", link, now=100.0)
    assert table.should_decline_offer("a", now=100.0 + LINK_HEALTHY_WITHIN)
    assert not table.should_decline_offer("a", now=100.1 + LINK_HEALTHY_WITHIN)
    assert table.heard("a", now=200.0) == "a"
    assert table.healthy_link("a", now=201.0) is link
    # An untagged offer, or one from a peer we have no link to, is always taken.
    assert not table.should_decline_offer(None, now=201.0)
    assert not table.should_decline_offer("b", now=201.0)
    link.connected = False  # not connected: never healthy, however recent
    assert not table.should_decline_offer("a", now=201.0)


def test_messages_are_reported_under_the_stable_id() -> None:
    table: LinkTable[FakeLink] = LinkTable()
    table.add("a2", FakeLink("a2", connected=True), now=0.0)
    table.learn("a2", "a")
    assert table.heard("a2", now=1.0) == "a"
    assert table.heard("unknown", now=1.0) == "unknown"


def test_a_link_that_never_connected_is_quiet_while_another_remains() -> None:
    table: LinkTable[FakeLink] = LinkTable()
    up, trying = FakeLink("a", connected=True), FakeLink("a2")
    table.add("a", up, now=0.0)
    table.add("a2", trying, now=0.0)
    table.learn("a2", "a")
    assert table.closed("a2", was_connected=False) is False
    # ... but the last link of a peer that never connected is news (a connect failure).
    lone = FakeLink("b")
    table.add("b", lone, now=0.0)
    assert table.closed("b", was_connected=False) is True


def test_a_connected_link_closing_beside_an_unconnected_one_is_news() -> None:
    """The peer is gone for now: the other link may never connect."""
    table: LinkTable[FakeLink] = LinkTable()
    table.add("a", FakeLink("a", connected=True), now=0.0)
    table.add("a2", FakeLink("a2"), now=0.0)
    table.learn("a2", "a")
    assert table.closed("a", was_connected=True) is True


def test_already_linked_closes_our_unconnected_offer_silently() -> None:
    table: LinkTable[FakeLink] = LinkTable()
    ours = FakeLink("a", connected=True)
    offer = FakeLink("a2")
    table.add("a", ours, now=0.0)
    table.add("a2", offer, now=0.0)
    assert table.already_linked("a2", "a") is offer
    assert table.stable("a2") == "a"
    assert table.closed("a2", was_connected=False) is False
    # A connected link is never closed that way; an unknown id has nothing to close.
    assert table.already_linked("a", "a") is None
    assert table.already_linked("zz", "a") is None


def test_peer_left_under_an_old_id_closes_nothing() -> None:
    table: LinkTable[FakeLink] = LinkTable()
    old, new = FakeLink("a", connected=True), FakeLink("a2")
    table.add("a", old, now=0.0)
    table.learn("a", "a")
    table.add("a2", new, now=0.0)
    table.learn("a2", "a")
    later = PEER_LEFT_PROOF + 5.0  # both links silent since they were added at 0
    assert table.leaving("a", later) is None  # its old signalling socket: the peer is here
    assert table.still_silent("a", later) == []  # (and stays: it re-registered)
    assert table.leaving("a2", later) == [old, new]
    assert table.leaving("nobody", later) == []


def test_peer_left_of_a_live_peer_waits_for_proof_that_it_is_gone() -> None:
    """A PeerLeft may be about a socket the peer no longer uses (the close it sent when it
    moved servers was lost in a partition): a link that delivered lately is kept, and closed
    only if it stays silent for ``PEER_LEFT_PROOF`` s after the PeerLeft."""
    table: LinkTable[FakeLink] = LinkTable()
    link = FakeLink("a", connected=True)
    table.add("a", link, now=0.0)
    table.heard("a", 10.0)
    left = 10.0 + PEER_LEFT_PROOF / 2  # it heartbeat a moment ago
    assert table.leaving("a", left) is None
    table.heard("a", left + 0.3)  # it lives on: only its old socket went
    assert table.still_silent("a", left) == []
    # another PeerLeft later, and this time nothing comes: a crash
    again = left + 0.3 + PEER_LEFT_PROOF / 2
    assert table.leaving("a", again) is None
    assert table.still_silent("a", again) == [link]
    # a peer silent for longer than the proof is closed at once, as before
    assert table.leaving("a", again + PEER_LEFT_PROOF + 0.1) == [link]


def test_clear_hands_back_every_link() -> None:
    table: LinkTable[FakeLink] = LinkTable()
    links = [FakeLink(k, connected=True) for k in "abc"]
    for link in links:
        table.add(link.name, link, now=0.0)
    assert table.send_links() == {"a": links[0], "b": links[1], "c": links[2]}
    assert table.clear() == links
    assert table.link_for("a") is None and table.send_links() == {} and len(table) == 0


def test_send_links_lists_only_connected_peers_once() -> None:
    table: LinkTable[FakeLink] = LinkTable()
    table.add("a", FakeLink("a", connected=True), now=0.0)
    table.add("a2", FakeLink("a2", connected=True), now=0.0)
    table.learn("a2", "a")
    table.add("b", FakeLink("b"), now=0.0)
    assert list(table.send_links()) == ["a"]
    assert "a2" in table and "zz" not in table
