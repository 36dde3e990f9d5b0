"""``session.time()`` over real sessions (the in-memory transport): three peers whose clocks
read wildly different values agree on the session time within the round trip they measured,
and still do after the host crashes and a guest takes over — in the same timeline."""

from __future__ import annotations

import time
from collections.abc import Callable

from konnekt_arcade import ConnectionStage, DomainCommand, SessionLoop
from konnekt_arcade.testing import memory_builder, wait_until

URL = "ws://memory.invalid/"


def skewed(by: float) -> Callable[[], float]:
    """A machine whose clock reads ``by`` s more. Set as ``P2PLoop.clock`` (what the sync
    engine is fed with); the session's own liveness timers stay on the machine's clock, which
    a skew >= 0 leaves consistent (a peer is then never heard "before" now)."""
    assert by >= 0
    return lambda: time.monotonic() + by


def rtt_of(session: SessionLoop) -> float | None:
    sync = session.p2p().sync
    return sync.clock.rtt if sync is not None else None


def agree(a: SessionLoop, b: SessionLoop) -> tuple[float, float]:
    """``(|a.time() - b.time()|, the bound)``: the larger measured round trip plus the time
    between the two readings. (The sans-I/O test holds each replica to half its round trip;
    here a poll reads the clock once for its whole batch, and a fresh sample is slewed to,
    each worth a fraction of a millisecond on round trips of about one.)"""
    started = time.monotonic()
    ta, tb = a.time(), b.time()
    between = time.monotonic() - started
    rtts = [r for r in (rtt_of(a), rtt_of(b)) if r is not None]
    return abs(ta - tb), max(rtts) + between


def test_three_skewed_peers_share_one_time_also_after_the_host_crashes() -> None:
    builder = memory_builder()
    host, sid = builder.start_session_host(URL, [], "Clock", "Hana")
    host.p2p().clock = skewed(1000.0)  # before its first poll: the lobby's time is this
    wait_until(lambda: host.stage is not ConnectionStage.SIGNALLING, 10, host)
    guests = []
    for name, skew in (("Ada", 0.0), ("Bo", 55.5)):
        guest = builder.start_session_guest(URL, sid, [])
        guest.p2p().clock = skewed(skew)
        guests.append(guest)
        wait_until(lambda g=guest: g.stage is ConnectionStage.SYNCED, 10, host, *guests)
        guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(), guest_name=name))
    everyone = [host, *guests]
    wait_until(lambda: all(g.time_synced and rtt_of(g) is not None for g in guests), 10,
               *everyone, what="a measured round trip")
    assert host.time_synced
    for guest in guests:
        diff, bound = agree(host, guest)
        assert diff <= bound, (diff, bound)
        # Not the guest's own clock: it reads the host's (1000 s ahead of monotonic).
        assert abs(guest.time() - (time.monotonic() + 1000.0)) < 0.1
    a, b = guests
    before = a.time()

    builder.network.crash(host.local_peer_id())  # type: ignore[attr-defined]
    wait_until(lambda: (a.is_host() or b.is_host()) and a.get_lobby() is not None
               and b.state_hash() == a.state_hash(), 20, a, b, what="a new host")
    new, other = (a, b) if a.is_host() else (b, a)
    new_peer = new.local_peer_id()
    wait_until(lambda: other.p2p().sync.clock.reference == new_peer
               and rtt_of(other) is not None, 10, a, b, what="a round trip to the new host")
    # The successor went on in the old host's timeline (monotonic + 1000), not its own.
    assert abs(new.time() - (time.monotonic() + 1000.0)) < 0.1
    assert a.time() > before
    for _ in range(10):  # once the slew onto the new host settled, and on while time runs
        until = time.monotonic() + 0.2
        wait_until(lambda u=until: time.monotonic() >= u, 5, a, b)
        diff, bound = agree(new, other)
        assert diff <= bound, (diff, bound)
    for session in everyone:
        session.close()


def test_over_real_webrtc_two_peers_agree_and_a_successor_keeps_the_time(
        signalling_server: object) -> None:
    """The same over aiortc on loopback: the guest reads the host's time within the round
    trip it measured; after the host leaves (handing over), the guest hosts on in it."""
    from konnekt_arcade import P2PLoopBuilder

    url = signalling_server.url  # type: ignore[attr-defined]
    builder = P2PLoopBuilder()
    host, sid = builder.start_session_host(url, [], "Clock", "Hana")
    host.p2p().clock = skewed(1000.0)
    guest = builder.start_session_guest(url, sid, [])
    try:
        wait_until(lambda: guest.stage is ConnectionStage.SYNCED, 30, host, guest, what="sync")
        guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(), guest_name="G"))
        wait_until(lambda: guest.time_synced and rtt_of(guest) is not None
                   and guest.local_participant_id() is not None, 20, host, guest,
                   what="a measured round trip")
        for _ in range(5):
            until = time.monotonic() + 0.2
            wait_until(lambda u=until: time.monotonic() >= u, 5, host, guest)
            diff, bound = agree(host, guest)
            assert diff <= bound, (diff, bound)
        assert abs(guest.time() - (time.monotonic() + 1000.0)) < 0.1
        host.close()  # hands the lobby over
        wait_until(guest.is_host, 20, guest, what="the guest to host")
        assert abs(guest.time() - (time.monotonic() + 1000.0)) < 0.1
    finally:
        guest.close()
        host.close()
