"""The browser's registry with an injected clock: de-duplication, expiry, bounds, and entries
bound to the address that announced them (issue 26, item 7: spoofed announces and byes)."""

from __future__ import annotations

from konnekt_arcade.lan._protocol import Announce, Bye
from konnekt_arcade.lan._registry import EXPIRY, MAX_ENTRIES, MAX_ENTRIES_PER_SOURCE, Registry

SID = "123e4567-e89b-12d3-a456-426614174000"
VICTIM = "aaaaaaaaaaaaaaaa"
HOST, ATTACKER = "10.0.0.5", "10.0.0.66"


def announce(host: str = VICTIM, address: str = HOST, players: int = 1,
             name: str = "Lobby") -> Announce:
    return Announce("party", host, name, "Ann", players, 8, False,
                    f"ws://{address}:3536/{SID}")


def test_one_entry_per_host_kept_current() -> None:
    reg = Registry()
    reg.offer(announce(players=1), HOST, 0.0)
    reg.offer(announce(players=2), HOST, 1.5)
    [lobby] = reg.lobbies(1.6)
    assert (lobby.players, lobby.session_id, lobby.last_seen) == (2, SID, 1.5)
    assert lobby.invite == f"ws://{HOST}:3536/{SID}"


def test_expires_after_three_missed_announces_not_before() -> None:
    reg = Registry()
    reg.offer(announce(), HOST, 10.0)
    assert reg.lobbies(10.0 + EXPIRY - 0.01)
    assert reg.lobbies(10.0 + EXPIRY + 0.01) == []
    assert reg.stats["expired"] == 1
    assert EXPIRY == 4.5


def test_bye_from_the_host_removes_at_once() -> None:
    reg = Registry()
    reg.offer(announce(), HOST, 0.0)
    assert reg.forget(Bye("party", VICTIM), HOST)
    assert reg.lobbies(0.1) == [] and reg.stats["byes"] == 1


def test_a_bye_from_another_address_is_ignored_and_counted() -> None:
    reg = Registry()
    reg.offer(announce(), HOST, 0.0)
    assert not reg.forget(Bye("party", VICTIM), ATTACKER)
    assert [lobby.host_id for lobby in reg.lobbies(0.1)] == [VICTIM]
    assert reg.stats["ignored:other_source_bye"] == 1 and reg.stats["byes"] == 0


def test_an_announce_with_a_known_host_id_from_another_address_changes_nothing() -> None:
    reg = Registry()
    reg.offer(announce(players=2), HOST, 0.0)
    for t in (0.1, 1.0, 2.0):  # the attacker's invite, and the victim's invite (spoofed)
        assert not reg.offer(announce(address=ATTACKER, name="Evil", players=7), ATTACKER, t)
        assert not reg.offer(announce(players=7), ATTACKER, t)
    [lobby] = reg.lobbies(2.1)
    assert (lobby.invite, lobby.name, lobby.players) == (f"ws://{HOST}:3536/{SID}", "Lobby", 2)
    assert reg.stats["ignored:other_source"] == 6
    # Once the real host is gone (expired), the id is free again.
    assert reg.offer(announce(address=ATTACKER), ATTACKER, EXPIRY + 0.1)
    assert reg.lobbies(EXPIRY + 0.2)[0].invite == f"ws://{ATTACKER}:3536/{SID}"


def test_two_interfaces_one_entry_with_the_reachable_invite() -> None:
    mine = "10.0.0."
    reg = Registry(reachable=lambda address: address.startswith(mine))
    # The card we cannot reach is heard first; the reachable one takes the entry over ...
    reg.offer(announce(address="172.16.0.5"), "172.16.0.5", 0.0)
    reg.offer(announce(players=3), HOST, 0.1)
    # ... and keeps it: the other card's announces are ignored from now on.
    reg.offer(announce(address="172.16.0.5", players=4), "172.16.0.5", 0.5)
    [lobby] = reg.lobbies(0.6)
    assert lobby.invite.startswith(f"ws://{HOST}:") and lobby.players == 3
    assert reg.stats["rebound:reachable"] == 1 and reg.stats["ignored:other_source"] == 1
    # heard only through the unreachable card for longer than the expiry: take what there is
    reg.offer(announce(address="172.16.0.5"), "172.16.0.5", 0.5 + EXPIRY + 1)
    assert reg.lobbies(0.5 + EXPIRY + 1.1)[0].invite.startswith("ws://172.16.0.5:")


def test_one_source_holds_a_bounded_number_of_entries() -> None:
    reg = Registry()
    for i in range(MAX_ENTRIES):
        reg.offer(announce(host=f"{i:016x}", address=ATTACKER), ATTACKER, 0.0)
    assert len(reg.lobbies(0.0)) == MAX_ENTRIES_PER_SOURCE
    assert reg.stats["dropped:source_full"] == MAX_ENTRIES - MAX_ENTRIES_PER_SOURCE
    assert reg.offer(announce(), HOST, 0.1)
    assert reg.sources() == {ATTACKER: MAX_ENTRIES_PER_SOURCE, HOST: 1}


def test_bye_and_a_flood_of_fake_hosts_from_many_addresses_keep_the_real_lobby() -> None:
    """The issue's attack: a spoofed bye, then a full list of fake hosts (here from 64
    addresses, the per-source cap taken into account). The real host stays listed, and a
    real host that appears after the flood still gets in."""
    reg = Registry()
    reg.offer(announce(), HOST, 0.0)
    reg.forget(Bye("party", VICTIM), ATTACKER)
    fakes = [f"10.0.1.{i}" for i in range(64)]
    for round_ in range(3):  # each address as many fakes as it may hold, re-announced
        for n, source in enumerate(fakes):
            for k in range(MAX_ENTRIES_PER_SOURCE):
                fake = announce(host=f"{n:08x}{k:08x}", address=source, name=f"Fake {n}")
                reg.offer(fake, source, 1.0 + round_)
        reg.offer(announce(), HOST, 1.0 + round_)
    assert VICTIM in {lobby.host_id for lobby in reg.lobbies(3.5)}
    assert all(n == 1 for n in reg.sources().values())  # fair shares: one entry per address
    # The limit of what a list of 64 can do: while 64 addresses each hold one fake, a host
    # that appears only now waits until the flood stops (the fakes expire).
    late = announce(host="bbbbbbbbbbbbbbbb", address="10.0.0.7", name="Late")
    assert not reg.offer(late, "10.0.0.7", 3.5) and reg.stats["dropped:full"] > 0
    reg.offer(announce(), HOST, 3.0 + EXPIRY)
    assert reg.offer(late, "10.0.0.7", 3.0 + EXPIRY + 0.1)
    assert {lobby.host_id for lobby in reg.lobbies(3.0 + EXPIRY + 0.2)} == {
        VICTIM, "bbbbbbbbbbbbbbbb"}


def test_a_new_source_takes_a_place_from_the_greediest_one() -> None:
    reg = Registry()
    sources = [f"10.0.1.{i}" for i in range(MAX_ENTRIES // MAX_ENTRIES_PER_SOURCE)]
    for n, source in enumerate(sources):
        for k in range(MAX_ENTRIES_PER_SOURCE):
            reg.offer(announce(host=f"{n:08x}{k:08x}", address=source), source, 0.0 + k * 0.01)
    assert len(reg.lobbies(0.1)) == MAX_ENTRIES
    assert reg.offer(announce(), HOST, 0.2)  # the real host gets in all the same
    assert VICTIM in {lobby.host_id for lobby in reg.lobbies(0.2)}
    assert reg.stats["evicted:fair_share"] == 1 and len(reg.lobbies(0.2)) == MAX_ENTRIES


def test_sorted_by_name() -> None:
    reg = Registry()
    for i, name in enumerate(["b", "C", "a"]):
        reg.offer(announce(host=f"{i:016x}", name=name), HOST, 0.0)
    assert [lobby.name for lobby in reg.lobbies(0.0)] == ["a", "b", "C"]
