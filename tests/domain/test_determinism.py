"""State hash determinism, JSON round-trips and the DomainCommand/DomainEvent namespaces."""

from __future__ import annotations

from uuid import UUID

import pytest
from pydantic import TypeAdapter

from konnekt_arcade.domain import (
    AnyCommand,
    DomainCommand,
    DomainEvent,
    Lobby,
    LobbyDomainEvent,
    Participant,
    UserCommand,
    fold,
    state_hash,
)
from konnekt_arcade.domain._models import StateDigest

from .conftest import Harness

C = DomainCommand
E = DomainEvent
EVENTS = TypeAdapter(list[LobbyDomainEvent])


def _busy_lobby() -> Harness:
    """A lobby that has seen a bit of everything."""
    h = Harness()
    host = h.create(max_participants=6)
    g1 = h.join("Alice")
    g2 = h.join("Bob")
    g3 = h.join("Cleo")
    h.chat(g1, "hi all")
    h.do(C.SetReady(lobby_id=h.lid, participant_id=g2, ready=True), g2)
    h.toggle(g3)
    h.queue("Pong", config={"speed": 2.5, "walls": [1, 2], "opts": {"ai": True, "n": None}})
    h.queue("Snake")
    h.start(duration_ms=30_000)
    h.submit(g1, 10, data={"moves": [1, 2, 3]}, time_taken_ms=900)
    h.disconnect(g2)
    h.do(C.RemoveTimedOut(participant_id=g2), None)
    h.submit(host, 4)
    h.queue("Quiz")
    h.start()
    h.do(C.DelegateHost(lobby_id=h.lid, current_host_id=host, new_host_id=g1), host)
    h.kick(g3)
    h.submit(g1, -2)
    h.leave(host)
    return h


def test_same_events_same_hash() -> None:
    h = _busy_lobby()
    assert h.lobby is not None
    a = fold(list(h.log))
    b = fold(list(h.log))
    assert a == b == h.lobby
    assert state_hash(a) == state_hash(b) == state_hash(h.lobby)
    assert len(state_hash(a)) == 64 and int(state_hash(a), 16) >= 0


def test_two_independent_runs_give_equal_hash() -> None:
    assert state_hash(_busy_lobby().lobby) == state_hash(_busy_lobby().lobby)


def test_different_events_different_hash() -> None:
    h = _busy_lobby()
    base = state_hash(fold(h.log))
    assert state_hash(fold(h.log[:-1])) != base
    other = Harness()
    other.create()
    assert state_hash(other.lobby) != base
    # every prefix has a distinct hash in this history (each event changes something)
    hashes = [state_hash(fold(h.log[: i + 1])) for i in range(len(h.log))]
    assert len(set(hashes)) == len(hashes)


def test_order_of_events_matters() -> None:
    h = Harness()
    h.create()
    a = h.join("A")
    b = h.join("B")
    swapped = [h.log[0], h.log[2], h.log[1]]
    assert state_hash(fold(swapped)) != state_hash(h.lobby)
    del a, b


def test_hash_depends_on_timestamps() -> None:
    one, two = Harness(now=0.0), Harness(now=0.5)
    one.create()
    two.create()
    assert state_hash(one.lobby) != state_hash(two.lobby)


@pytest.mark.parametrize("stage", ["fresh", "busy", "mid-run"])
def test_lobby_json_round_trip_keeps_hash(stage: str) -> None:
    if stage == "fresh":
        h = Harness()
        h.create()
    elif stage == "busy":
        h = _busy_lobby()
    else:
        h = Harness()
        host = h.create()
        g = h.join("G")
        h.queue(config={"f": 0.1, "big": 2**60, "s": "ü"})
        h.start(duration_ms=1234)
        h.submit(g, 3, data={"x": [0.3, None]})
        del host
    lobby = h.lobby
    assert lobby is not None
    copy = Lobby.model_validate_json(lobby.model_dump_json())
    assert copy == lobby
    assert state_hash(copy) == state_hash(lobby)
    assert copy.canonical_json() == lobby.canonical_json()


def test_events_json_round_trip_and_replay() -> None:
    h = _busy_lobby()
    wire = EVENTS.dump_json(h.log)
    replayed = EVENTS.validate_json(wire)
    assert replayed == h.log
    assert state_hash(fold(replayed)) == state_hash(h.lobby)


def test_snapshot_then_tail_equals_full_replay() -> None:
    """A late joiner that gets a JSON snapshot and folds the tail matches the host."""
    h = _busy_lobby()
    cut = len(h.log) // 2
    snapshot = Lobby.model_validate_json(fold(h.log[:cut]).model_dump_json())
    assert state_hash(fold(h.log[cut:], snapshot)) == state_hash(h.lobby)


def test_hash_stable_when_given_int_time() -> None:
    a, b = Harness(now=10), Harness(now=10.0)
    a.create()
    b.create()
    assert state_hash(a.lobby) == state_hash(b.lobby)


# --- namespaces ------------------------------------------------------------------------


def test_domain_command_namespace_constructs() -> None:
    lid = UUID(int=3)
    cmd = DomainCommand.JoinLobby(lobby_id=lid, guest_name="Bob")
    assert cmd.lobby_id == lid and cmd.guest_name == "Bob" and cmd.type == "JoinLobby"
    assert set(DomainCommand.USER_COMMANDS).isdisjoint(DomainCommand.SYSTEM_COMMANDS)
    assert len(DomainCommand.USER_COMMANDS) == 15 and len(DomainCommand.SYSTEM_COMMANDS) == 5
    for cls in (*DomainCommand.USER_COMMANDS, *DomainCommand.SYSTEM_COMMANDS):
        assert getattr(DomainCommand, cls.__name__) is cls


def test_user_commands_round_trip_on_the_wire_but_system_commands_do_not() -> None:
    wire = TypeAdapter(UserCommand)
    cmd = DomainCommand.SendChat(lobby_id=UUID(int=1), participant_id=UUID(int=2), text="yo")
    assert wire.validate_json(wire.dump_json(cmd)) == cmd
    sys_cmd = DomainCommand.MigrateHost(new_host_id=UUID(int=2))
    with pytest.raises(ValueError):
        wire.validate_python(sys_cmd.model_dump())
    assert TypeAdapter(AnyCommand).validate_python(sys_cmd.model_dump()) == sys_cmd


def test_commands_and_events_are_frozen_and_strict() -> None:
    cmd = DomainCommand.JoinLobby(lobby_id=UUID(int=3), guest_name="Bob")
    with pytest.raises(ValueError):
        cmd.guest_name = "Eve"  # type: ignore[misc]
    with pytest.raises(ValueError):
        DomainCommand.JoinLobby(lobby_id=UUID(int=3), guest_name="Bob", extra=1)  # type: ignore[call-arg]


def _describe(ev: object) -> str:
    match ev:
        case DomainEvent.GuestJoined(participant=p):
            return f"joined {p.name}"
        case DomainEvent.GuestLeft(participant_id=pid, reason=reason):
            return f"left {pid.int} {reason}"
        case DomainEvent.HostDelegated(to_id=to, reason=reason):
            return f"host {to.int} {reason}"
        case _:
            return "other"


def test_domain_event_namespace_pattern_matching() -> None:
    p = Participant(id=UUID(int=9), name="Bob")
    assert _describe(DomainEvent.GuestJoined(participant=p)) == "joined Bob"
    assert _describe(DomainEvent.GuestLeft(participant_id=UUID(int=9))) == "left 9 left"
    assert _describe(DomainEvent.HostDelegated(from_id=UUID(int=1), to_id=UUID(int=9),
                                               reason="migrated")) == "host 9 migrated"
    assert _describe(DomainEvent.ChatPosted(participant_id=UUID(int=9), text="x",
                                            at=0.0)) == "other"


def test_every_event_class_is_in_namespace() -> None:
    names = [n for n in vars(DomainEvent) if not n.startswith("_")]
    assert "CommandFailed" in names
    for n in names:
        assert getattr(DomainEvent, n).__name__ == n


def test_state_digest_survives_the_wire_and_tells_states_apart() -> None:
    """The heartbeats' cheaper digest: a replica that folded the host's events from JSON, or
    took its lobby from a snapshot's JSON, gets the host's digest (dict keys included, in the
    order they travelled); one more event changes it."""
    h = _busy_lobby()
    assert h.lobby is not None
    from_wire = fold(EVENTS.validate_json(EVENTS.dump_json(list(h.log))))
    snapshot = Lobby.model_validate_json(h.lobby.model_dump_json())
    host, replica, fresh = StateDigest(), StateDigest(), StateDigest()
    before = host(h.lobby)
    assert replica(from_wire) == fresh(snapshot) == before
    h.chat(h.lobby.participants[0].id, "one more line")
    after = host(h.lobby)  # the chat is hashed again; the other fields come from its cache
    assert after != before and after == StateDigest()(h.lobby)
    assert replica(from_wire) == before  # an unchanged lobby keeps its digest


def test_state_digest_keeps_one_object_in_two_fields_apart() -> None:
    """``()`` (or None, or a small int) can be the value of several fields: a hash kept for
    it in one field must not stand in for another field's."""
    h = _busy_lobby()
    assert h.lobby is not None and h.lobby.chat and h.lobby.activity_queue
    only_queue = h.lobby.model_copy(update={"chat": ()})
    only_chat = h.lobby.model_copy(update={"activity_queue": ()})
    seen_both = StateDigest()
    seen_both(only_queue)
    assert seen_both(only_chat) == StateDigest()(only_chat)
