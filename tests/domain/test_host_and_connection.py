"""Host delegation, host leaving, successor(), disconnects, timeouts, migration."""

from __future__ import annotations

from uuid import UUID

import pytest

from konnekt_arcade.domain import (
    DelegationReason,
    DomainCommand,
    LeaveReason,
    Lobby,
    Participant,
    Role,
)

from .conftest import kinds

C = DomainCommand


def _roles(lobby: Lobby | None) -> dict[UUID, Role]:
    assert lobby is not None
    return {p.id: p.role for p in lobby.participants}


# --- DelegateHost ---------------------------------------------------------------------


def test_delegate_host_flips_roles(trio) -> None:
    h, host, (g1, g2) = trio
    events = h.do(C.DelegateHost(lobby_id=h.lid, current_host_id=host, new_host_id=g2), host)
    assert kinds(events) == ["HostDelegated"]
    ev = events[0]
    assert (ev.from_id, ev.to_id, ev.reason) == (host, g2, DelegationReason.DELEGATED)
    assert h.lobby is not None and h.lobby.host_id == g2
    assert _roles(h.lobby) == {host: Role.GUEST, g1: Role.GUEST, g2: Role.HOST}
    assert h.lobby.host is not None and h.lobby.host.id == g2
    assert [p.id for p in h.lobby.guests()] == [host, g1]


def test_delegate_host_to_self_refused(trio) -> None:
    h, host, _ = trio
    cmd = C.DelegateHost(lobby_id=h.lid, current_host_id=host, new_host_id=host)
    assert h.fail(cmd, host) == "that participant is already the host"


def test_delegate_host_to_disconnected_refused(trio) -> None:
    h, host, (g1, _) = trio
    h.disconnect(g1)
    cmd = C.DelegateHost(lobby_id=h.lid, current_host_id=host, new_host_id=g1)
    assert h.fail(cmd, host) == "Guest1 is disconnected and cannot become host"
    h.reconnect(g1)
    h.do(cmd, host)
    assert h.lobby is not None and h.lobby.host_id == g1


def test_delegate_host_to_stranger_refused(trio) -> None:
    h, host, _ = trio
    cmd = C.DelegateHost(lobby_id=h.lid, current_host_id=host, new_host_id=UUID(int=8080))
    assert h.fail(cmd, host) == "new host is not in the lobby"


# --- host leaving -----------------------------------------------------------------------


def test_host_leave_auto_delegates_to_earliest_joined(trio) -> None:
    h, host, (g1, g2) = trio
    events = h.leave(host)
    assert kinds(events) == ["HostDelegated", "GuestLeft"]
    assert (events[0].from_id, events[0].to_id) == (host, g1)
    assert events[0].reason is DelegationReason.DELEGATED
    assert events[1].participant_id == host and events[1].reason is LeaveReason.LEFT
    assert h.lobby is not None and h.lobby.host_id == g1
    assert _roles(h.lobby) == {g1: Role.HOST, g2: Role.GUEST}


def test_host_leave_skips_disconnected_successors(trio) -> None:
    h, host, (g1, g2) = trio
    h.disconnect(g1)
    events = h.leave(host)
    assert events[0].to_id == g2
    assert h.lobby is not None and h.lobby.host_id == g2


def test_host_leave_ties_broken_by_id(harness) -> None:
    harness.create()
    host = harness.host_id
    # two guests joining at the same instant; ids are sequential so the lower id wins
    a = harness.do(C.JoinLobby(lobby_id=harness.lid, guest_name="A"), None, now=2000.0)
    b = harness.do(C.JoinLobby(lobby_id=harness.lid, guest_name="B"), None, now=2000.0)
    a_id, b_id = a[0].participant.id, b[0].participant.id
    assert a_id.int < b_id.int
    events = harness.leave(host)
    assert events[0].to_id == a_id


def test_host_alone_cannot_leave(make_lobby) -> None:
    h, host, _ = make_lobby(0)
    assert h.fail(C.LeaveLobby(lobby_id=h.lid, participant_id=host), host) == (
        "the host cannot leave an empty lobby; close the session instead"
    )


def test_host_cannot_leave_when_all_others_disconnected(trio) -> None:
    h, host, (g1, g2) = trio
    h.disconnect(g1)
    h.disconnect(g2)
    assert h.fail(C.LeaveLobby(lobby_id=h.lid, participant_id=host), host) == (
        "the host cannot leave an empty lobby; close the session instead"
    )


def test_host_leave_mid_run_while_pending(trio) -> None:
    h, host, (g1, g2) = trio
    h.queue_and_start()
    events = h.leave(host)
    assert kinds(events) == ["HostDelegated", "SubmitterRemoved", "GuestLeft"]
    assert h.lobby is not None and h.lobby.current_run is not None
    assert h.lobby.current_run.required_submitters == (g1, g2)
    # the new host runs the lobby now
    h.do(C.CancelRun(lobby_id=h.lid, host_id=g1, run_id=h.lobby.current_run.id), g1)


# --- successor() ------------------------------------------------------------------------


def _lobby_with(*people: tuple[int, float, bool]) -> Lobby:
    """Participants (id int, joined_at, connected); the first is host."""
    parts = tuple(
        Participant(id=UUID(int=i), name=f"P{i}", joined_at=t, connected=conn,
                    role=Role.HOST if n == 0 else Role.GUEST)
        for n, (i, t, conn) in enumerate(people)
    )
    return Lobby(id=UUID(int=10**6), name="L", host_id=parts[0].id, participants=parts)


def test_successor_earliest_joined_connected() -> None:
    lobby = _lobby_with((1, 0.0, True), (5, 3.0, True), (3, 2.0, True), (4, 1.0, False))
    assert lobby.successor() is not None and lobby.successor().id == UUID(int=1)
    assert lobby.successor(excluding=UUID(int=1)).id == UUID(int=3)


def test_successor_ties_by_id_string() -> None:
    lobby = _lobby_with((1, 0.0, True), (0xB, 5.0, True), (0xA, 5.0, True), (0xC, 5.0, True))
    assert lobby.successor(excluding=UUID(int=1)).id == UUID(int=0xA)


def test_successor_none_when_nobody_connected() -> None:
    lobby = _lobby_with((1, 0.0, True), (2, 1.0, False))
    assert lobby.successor(excluding=UUID(int=1)) is None
    assert _lobby_with((1, 0.0, False)).successor() is None


def test_successor_in_play(trio) -> None:
    h, host, (g1, g2) = trio
    assert h.lobby is not None
    assert h.lobby.successor(excluding=host).id == g1
    h.disconnect(g1)
    assert h.lobby.successor(excluding=host).id == g2
    h.disconnect(host)
    assert h.lobby.successor().id == g2


# --- connection bookkeeping -------------------------------------------------------------


def test_mark_disconnected_and_reconnected(trio) -> None:
    h, _, (g1, _) = trio
    events = h.disconnect(g1)
    assert kinds(events) == ["ParticipantDisconnected"] and events[0].participant_id == g1
    assert not h.p(g1).connected
    assert h.disconnect(g1) == []  # idempotent
    events = h.reconnect(g1)
    assert kinds(events) == ["ParticipantReconnected"]
    assert h.p(g1).connected
    assert h.reconnect(g1) == []


def test_reconnect_keeps_identity_role_mode_and_score(trio) -> None:
    h, host, (g1, _) = trio
    h.toggle(g1)
    h.toggle(g1)
    h.toggle(g1)
    run = h.queue_and_start()
    h.submit(host, 3)
    h.do(C.RemoveSubmitter(lobby_id=h.lid, host_id=host, run_id=run,
                           participant_id=h.lobby.current_run.pending_submitters()[0]), host)
    before = h.p(g1)
    h.disconnect(g1)
    h.reconnect(g1)
    assert h.p(g1) == before


@pytest.mark.parametrize("cmd_type", ["MarkDisconnected", "MarkReconnected", "RemoveTimedOut",
                                      "MigrateHost"])
def test_system_commands_for_unknown_participants(trio, cmd_type: str) -> None:
    h, _, _ = trio
    ghost = UUID(int=6060)
    if cmd_type == "MigrateHost":
        cmd = C.MigrateHost(new_host_id=ghost)
        expected = "new host is not in the lobby"
    else:
        cmd = getattr(C, cmd_type)(participant_id=ghost)
        expected = "participant is not in the lobby"
    assert h.fail(cmd, None) == expected


def test_remove_timed_out(trio) -> None:
    h, host, (g1, g2) = trio
    cmd = C.RemoveTimedOut(participant_id=g1)
    assert h.fail(cmd, None) == "Guest1 is connected"
    h.disconnect(g1)
    events = h.do(cmd, None)
    assert kinds(events) == ["GuestLeft"]
    assert events[0].reason is LeaveReason.TIMED_OUT
    assert h.lobby is not None and [p.id for p in h.lobby.participants] == [host, g2]


def test_host_cannot_time_out(trio) -> None:
    h, host, _ = trio
    h.disconnect(host)
    assert h.fail(C.RemoveTimedOut(participant_id=host), None) == (
        "the host cannot time out while it is host"
    )


def test_remove_timed_out_mid_run_pending(trio) -> None:
    h, host, (g1, g2) = trio
    h.queue_and_start()
    h.disconnect(g1)
    events = h.do(C.RemoveTimedOut(participant_id=g1), None)
    assert kinds(events) == ["SubmitterRemoved", "GuestLeft"]
    assert h.lobby is not None and h.lobby.current_run is not None
    assert h.lobby.current_run.required_submitters == (host, g2)


# --- MigrateHost -----------------------------------------------------------------------


def test_migrate_host(trio) -> None:
    h, host, (g1, g2) = trio
    h.disconnect(host)
    events = h.do(C.MigrateHost(new_host_id=g1), None)
    assert kinds(events) == ["HostDelegated"]
    ev = events[0]
    assert (ev.from_id, ev.to_id, ev.reason) == (host, g1, DelegationReason.MIGRATED)
    assert h.lobby is not None and h.lobby.host_id == g1
    assert _roles(h.lobby) == {host: Role.GUEST, g1: Role.HOST, g2: Role.GUEST}
    # the old host is now an ordinary disconnected guest and may time out
    events = h.do(C.RemoveTimedOut(participant_id=host), None)
    assert kinds(events) == ["GuestLeft"] and events[0].reason is LeaveReason.TIMED_OUT


def test_migrate_host_to_current_host_is_noop(trio) -> None:
    h, host, _ = trio
    assert h.do(C.MigrateHost(new_host_id=host), None) == []
