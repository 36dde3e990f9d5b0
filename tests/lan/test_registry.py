"""Registry and reply limiter with an injected clock: de-duplication, expiry, bounds."""

from __future__ import annotations

from konnekt_arcade.lan._protocol import Announce, Bye
from konnekt_arcade.lan._registry import (
    EXPIRY,
    MAX_ENTRIES,
    REPLY_BURST,
    REPLY_WINDOW,
    Registry,
    ReplyLimiter,
)

SID = "123e4567-e89b-12d3-a456-426614174000"


def announce(host: str = "aaaaaaaaaaaaaaaa", address: str = "10.0.0.5", players: int = 1,
             name: str = "Lobby") -> Announce:
    return Announce("party", host, name, "Ann", players, 8, False,
                    f"ws://{address}:3536/{SID}")


def test_one_entry_per_host_kept_current() -> None:
    reg = Registry()
    reg.offer(announce(players=1), "10.0.0.5", 0.0)
    reg.offer(announce(players=2), "10.0.0.5", 1.5)
    [lobby] = reg.lobbies(1.6)
    assert (lobby.players, lobby.session_id, lobby.last_seen) == (2, SID, 1.5)
    assert lobby.invite == f"ws://10.0.0.5:3536/{SID}"


def test_expires_after_three_missed_announces_not_before() -> None:
    reg = Registry()
    reg.offer(announce(), "10.0.0.5", 10.0)
    assert reg.lobbies(10.0 + EXPIRY - 0.01)
    assert reg.lobbies(10.0 + EXPIRY + 0.01) == []
    assert reg.stats["expired"] == 1
    assert EXPIRY == 4.5


def test_bye_removes_at_once() -> None:
    reg = Registry()
    reg.offer(announce(), "10.0.0.5", 0.0)
    reg.forget(Bye("party", "aaaaaaaaaaaaaaaa"))
    assert reg.lobbies(0.1) == []


def test_two_interfaces_one_entry_with_the_reachable_invite() -> None:
    mine = "10.0.0."
    reg = Registry(reachable=lambda address: address.startswith(mine))
    reg.offer(announce(address="10.0.0.5"), "10.0.0.5", 0.0)
    reg.offer(announce(address="172.16.0.5", players=3), "172.16.0.5", 0.5)  # other card
    [lobby] = reg.lobbies(0.6)
    assert lobby.invite.startswith("ws://10.0.0.5:") and lobby.players == 3
    # heard only through the unreachable card for longer than the expiry: take what there is
    reg.offer(announce(address="172.16.0.5"), "172.16.0.5", 0.5 + EXPIRY + 1)
    assert reg.lobbies(0.5 + EXPIRY + 1.1)[0].invite.startswith("ws://172.16.0.5:")


def test_a_flood_of_hosts_is_bounded() -> None:
    reg = Registry()
    for i in range(MAX_ENTRIES + 10):
        reg.offer(announce(host=f"{i:016x}", name=f"L{i:03d}"), "10.0.0.5", 0.0)
    assert len(reg.lobbies(0.0)) == MAX_ENTRIES and reg.stats["dropped:full"] == 10
    assert reg.offer(announce(host="f" * 16), "10.0.0.5", EXPIRY + 1)  # room again later


def test_sorted_by_name() -> None:
    reg = Registry()
    for i, name in enumerate(["b", "C", "a"]):
        reg.offer(announce(host=f"{i:016x}", name=name), "10.0.0.5", 0.0)
    assert [lobby.name for lobby in reg.lobbies(0.0)] == ["a", "b", "C"]


def test_reply_limiter_per_source_and_window() -> None:
    limiter = ReplyLimiter()
    assert all(limiter.allow("10.0.0.9", 0.0) for _ in range(REPLY_BURST))
    assert not limiter.allow("10.0.0.9", 0.1)
    assert limiter.allow("10.0.0.8", 0.1)  # another source has its own budget
    assert limiter.allow("10.0.0.9", REPLY_WINDOW + 0.01)
    assert limiter.stats["dropped:rate_limited"] == 1


def test_reply_limiter_global_cap_and_bounded_memory() -> None:
    limiter = ReplyLimiter()
    allowed = sum(limiter.allow(f"10.0.{i // 250}.{i % 250}", 0.5) for i in range(1000))
    assert allowed == 50
    assert len(limiter._sources) <= 256
