"""CreateLobby, JoinLobby, names, capacity, LeaveLobby, KickGuest."""

from __future__ import annotations

from uuid import UUID

import pytest

from konnekt_arcade.domain import (
    DEFAULT_MAX_PARTICIPANTS,
    MAX_NAME_LENGTH,
    MAX_PARTICIPANTS_LIMIT,
    DomainCommand,
    DomainError,
    LeaveReason,
    ParticipationMode,
    Role,
    clean_name,
    decide,
)

from .conftest import Harness, id_factory, kinds

C = DomainCommand


# --- CreateLobby -----------------------------------------------------------------


def test_create_lobby_builds_host_and_empty_state(harness: Harness) -> None:
    events = harness.do(C.CreateLobby(lobby_name="  My Lobby ", host_name=" Hana "), None,
                        now=42.0)
    assert kinds(events) == ["LobbyCreated"]
    lobby = harness.lobby
    assert lobby is not None
    # ids come from new_id: host first, then the lobby
    assert lobby.host_id == UUID(int=1)
    assert lobby.id == UUID(int=2)
    assert lobby.name == "My Lobby"
    assert lobby.created_at == 42.0
    assert lobby.max_participants == DEFAULT_MAX_PARTICIPANTS == 16
    (host,) = lobby.participants
    assert host.name == "Hana"
    assert host.role is Role.HOST
    assert host.mode is ParticipationMode.ACTIVE
    assert host.connected and not host.ready
    assert host.joined_at == 42.0 and host.score == 0
    assert [e.participant_id for e in lobby.leaderboard] == [host.id]
    assert lobby.activity_queue == () and lobby.current_run is None
    assert lobby.finished_runs == () and lobby.chat == ()


def test_create_lobby_uses_given_lobby_id(harness: Harness) -> None:
    lid = UUID(int=0xABC)
    harness.do(C.CreateLobby(lobby_name="L", host_name="H", lobby_id=lid), None)
    assert harness.lobby is not None and harness.lobby.id == lid
    assert harness.lobby.host_id == UUID(int=1)


def test_create_lobby_twice_is_refused(make_lobby) -> None:
    h, host, _ = make_lobby(0)
    assert h.fail(C.CreateLobby(lobby_name="L", host_name="H"), host) == "the lobby already exists"


def test_commands_before_the_lobby_exists_are_refused() -> None:
    with pytest.raises(DomainError) as exc:
        decide(None, C.JoinLobby(lobby_id=UUID(int=5), guest_name="Bob"), None, 0.0)
    assert exc.value.reason == "there is no lobby yet"
    with pytest.raises(DomainError, match=r"^there is no lobby yet$"):
        decide(None, C.MarkDisconnected(participant_id=UUID(int=5)), None, 0.0)


@pytest.mark.parametrize("max_participants", [1, 2, 16, MAX_PARTICIPANTS_LIMIT])
def test_create_lobby_accepts_max_participants_in_range(harness: Harness,
                                                        max_participants: int) -> None:
    harness.create(max_participants=max_participants)
    assert harness.lobby is not None
    assert harness.lobby.max_participants == max_participants


@pytest.mark.parametrize("max_participants", [0, -1, MAX_PARTICIPANTS_LIMIT + 1, 1000])
def test_create_lobby_refuses_max_participants_out_of_range(harness: Harness,
                                                            max_participants: int) -> None:
    reason = harness.fail(C.CreateLobby(lobby_name="L", host_name="H",
                                        max_participants=max_participants), None)
    assert reason == "max participants must be between 1 and 64"


@pytest.mark.parametrize(
    ("lobby_name", "host_name", "reason"),
    [
        ("", "H", "lobby name must not be empty"),
        ("   ", "H", "lobby name must not be empty"),
        ("x" * 33, "H", "lobby name must be at most 32 characters"),
        ("a\x00b", "H", "lobby name must contain only printable characters"),
        ("L", "", "host name must not be empty"),
        ("L", " \t\n ", "host name must not be empty"),
        ("L", "h" * 33, "host name must be at most 32 characters"),
        ("L", "Ho\x1bst", "host name must contain only printable characters"),
    ],
)
def test_create_lobby_validates_names(harness: Harness, lobby_name: str, host_name: str,
                                      reason: str) -> None:
    assert harness.fail(C.CreateLobby(lobby_name=lobby_name, host_name=host_name), None) == reason


# --- names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "name must not be empty"),
        (" ", "name must not be empty"),
        ("\t \n", "name must not be empty"),
        ("x" * 33, "name must be at most 32 characters"),
        ("  " + "x" * 33 + "  ", "name must be at most 32 characters"),
        ("Bo\x00b", "name must contain only printable characters"),
        ("Bo\tb", "name must contain only printable characters"),
        ("Bo\nb", "name must contain only printable characters"),
        ("\x07", "name must contain only printable characters"),
        ("Bo\u200bb", "name must contain only printable characters"),  # zero-width space
        ("Bo\x7fb", "name must contain only printable characters"),  # DEL
    ],
)
def test_join_name_rules(trio, raw: str, reason: str) -> None:
    h, _, _ = trio
    assert h.fail(C.JoinLobby(lobby_id=h.lid, guest_name=raw), None) == reason


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("B", "B"),
        ("x" * 32, "x" * 32),
        ("   " + "y" * 32 + "\t\n", "y" * 32),
        ("  Bob Smith  ", "Bob Smith"),
        ("Zoë 🎮", "Zoë 🎮"),
    ],
)
def test_join_name_is_trimmed_and_accepted(trio, raw: str, stored: str) -> None:
    h, _, _ = trio
    pid = h.join(raw)
    assert h.p(pid).name == stored
    assert h.board(pid).name == stored


def test_clean_name_directly() -> None:
    assert MAX_NAME_LENGTH == 32
    assert clean_name("  ok  ") == "ok"
    with pytest.raises(DomainError, match=r"^team must not be empty$"):
        clean_name("   ", "team")


@pytest.mark.parametrize("taken", ["bob", "BOB", "Bob", "  bOb  "])
def test_names_are_unique_case_insensitively(harness: Harness, taken: str) -> None:
    harness.create()
    harness.join("Bob")
    reason = harness.fail(C.JoinLobby(lobby_id=harness.lid, guest_name=taken), None)
    assert reason == f"the name '{taken.strip()}' is already taken"


def test_name_taken_message_exact(trio) -> None:
    h, _, _ = trio
    h.join("Bob")
    assert h.fail(C.JoinLobby(lobby_id=h.lid, guest_name="bob"), None) == (
        "the name 'bob' is already taken"
    )


def test_host_name_is_also_taken(trio) -> None:
    h, _, _ = trio
    assert h.fail(C.JoinLobby(lobby_id=h.lid, guest_name="HOST"), None) == (
        "the name 'HOST' is already taken"
    )


def test_name_becomes_free_after_leaving(trio) -> None:
    h, _, (g1, _) = trio
    h.leave(g1)
    again = h.join("guest1")
    assert again != g1
    assert h.p(again).name == "guest1"


def test_casefold_uniqueness_for_sharp_s(trio) -> None:
    h, _, _ = trio
    h.join("Straße")
    assert h.fail(C.JoinLobby(lobby_id=h.lid, guest_name="STRASSE"), None) == (
        "the name 'STRASSE' is already taken"
    )


# --- joining ----------------------------------------------------------------------


def test_join_appends_guest_with_defaults(trio) -> None:
    h, host, (g1, g2) = trio
    lobby = h.lobby
    assert lobby is not None
    assert [p.id for p in lobby.participants] == [host, g1, g2]
    guest = h.p(g2)
    assert guest.role is Role.GUEST
    assert guest.mode is ParticipationMode.ACTIVE
    assert guest.connected and not guest.ready and guest.score == 0
    assert h.p(g1).joined_at < guest.joined_at
    assert [e.participant_id for e in lobby.leaderboard] == [host, g1, g2]


def test_join_event_carries_new_participant(trio) -> None:
    h, _, _ = trio
    events = h.do(C.JoinLobby(lobby_id=h.lid, guest_name="Dora"), None, now=77.0)
    assert kinds(events) == ["GuestJoined"]
    (ev,) = events
    assert ev.participant.name == "Dora"
    assert ev.participant.joined_at == 77.0
    assert ev.participant.role is Role.GUEST


def test_already_joined_actor_cannot_join(trio) -> None:
    h, host, (g1, _) = trio
    for actor in (host, g1, UUID(int=999)):
        assert h.fail(C.JoinLobby(lobby_id=h.lid, guest_name="Another"), actor) == (
            "you are already in the lobby"
        )


def test_join_for_a_different_lobby_is_refused(trio) -> None:
    h, _, _ = trio
    reason = h.fail(C.JoinLobby(lobby_id=UUID(int=12345), guest_name="Eve"), None)
    assert reason == "command is for a different lobby"


def test_lobby_full_with_custom_max(make_lobby) -> None:
    h, _, _ = make_lobby(2, max_participants=3)
    assert h.lobby is not None and len(h.lobby.participants) == 3
    assert h.fail(C.JoinLobby(lobby_id=h.lid, guest_name="Late"), None) == "lobby is full"


def test_lobby_of_one_is_full_at_creation(make_lobby) -> None:
    h, _, _ = make_lobby(0, max_participants=1)
    assert h.fail(C.JoinLobby(lobby_id=h.lid, guest_name="Nope"), None) == "lobby is full"


def test_default_capacity_is_sixteen(make_lobby) -> None:
    h, _, _ = make_lobby(15)
    assert h.lobby is not None and len(h.lobby.participants) == 16
    assert h.fail(C.JoinLobby(lobby_id=h.lid, guest_name="Seventeen"), None) == "lobby is full"


def test_full_lobby_frees_a_slot_when_someone_leaves(make_lobby) -> None:
    h, _, (g1, _) = make_lobby(2, max_participants=3)
    h.leave(g1)
    h.join("Late")
    assert h.lobby is not None and len(h.lobby.participants) == 3


def test_disconnected_participants_still_count_towards_capacity(make_lobby) -> None:
    h, _, (g1,) = make_lobby(1, max_participants=2)
    h.disconnect(g1)
    assert h.fail(C.JoinLobby(lobby_id=h.lid, guest_name="Late"), None) == "lobby is full"


# --- leaving ------------------------------------------------------------------------


def test_guest_leaves(trio) -> None:
    h, host, (g1, g2) = trio
    events = h.leave(g1)
    assert kinds(events) == ["GuestLeft"]
    assert events[0].reason is LeaveReason.LEFT
    assert events[0].participant_id == g1
    assert h.lobby is not None
    assert [p.id for p in h.lobby.participants] == [host, g2]


def test_leave_only_for_yourself(trio) -> None:
    h, host, (g1, g2) = trio
    for actor in (g2, host, None):
        assert h.fail(C.LeaveLobby(lobby_id=h.lid, participant_id=g1), actor) == (
            "you can only leave for yourself"
        )


def test_leave_when_not_a_member(trio) -> None:
    h, _, _ = trio
    stranger = UUID(int=4242)
    assert h.fail(C.LeaveLobby(lobby_id=h.lid, participant_id=stranger), stranger) == (
        "participant is not in the lobby"
    )


def test_leave_for_a_different_lobby(trio) -> None:
    h, _, (g1, _) = trio
    assert h.fail(C.LeaveLobby(lobby_id=UUID(int=1 << 100), participant_id=g1), g1) == (
        "command is for a different lobby"
    )


# --- kicking --------------------------------------------------------------------------


def test_host_kicks_guest(trio) -> None:
    h, host, (g1, g2) = trio
    events = h.kick(g2)
    assert kinds(events) == ["GuestLeft"]
    assert events[0].reason is LeaveReason.KICKED
    assert h.lobby is not None and [p.id for p in h.lobby.participants] == [host, g1]


def test_only_the_host_can_kick(trio) -> None:
    h, host, (g1, g2) = trio
    # a guest acting as itself, a guest pretending to be the host, an anonymous peer
    for actor, claimed in ((g1, g1), (g1, host), (None, host)):
        cmd = C.KickGuest(lobby_id=h.lid, host_id=claimed, guest_id=g2)
        assert h.fail(cmd, actor) == "only the host can kick"


def test_kick_unknown_guest(trio) -> None:
    h, host, _ = trio
    cmd = C.KickGuest(lobby_id=h.lid, host_id=host, guest_id=UUID(int=777))
    assert h.fail(cmd, host) == "guest is not in the lobby"


def test_host_cannot_kick_themselves(trio) -> None:
    h, host, _ = trio
    cmd = C.KickGuest(lobby_id=h.lid, host_id=host, guest_id=host)
    assert h.fail(cmd, host) == "the host cannot kick themselves"


def test_kicked_guest_can_no_longer_act(trio) -> None:
    h, _, (g1, _) = trio
    h.kick(g1)
    assert h.fail(C.SendChat(lobby_id=h.lid, participant_id=g1, text="hi"), g1) == (
        "participant is not in the lobby"
    )
    assert h.fail(C.SetReady(lobby_id=h.lid, participant_id=g1, ready=True), g1) == (
        "participant is not in the lobby"
    )


def test_decide_is_pure_and_deterministic_with_same_id_factory(trio) -> None:
    h, _, _ = trio
    cmd = C.JoinLobby(lobby_id=h.lid, guest_name="Pure")
    a = decide(h.lobby, cmd, None, 5.0, new_id=id_factory(100))
    b = decide(h.lobby, cmd, None, 5.0, new_id=id_factory(100))
    assert a == b
    assert h.lobby is not None and all(p.name != "Pure" for p in h.lobby.participants)
