"""Who may do what: host-only and self-only commands, and the lobby-id check."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from konnekt_arcade.domain import DomainCommand, ParticipationMode

from .conftest import Harness, kinds

C = DomainCommand
OTHER_LOBBY = UUID(int=0xDEAD)


def _setup(make_lobby) -> tuple[Harness, UUID, UUID, UUID, UUID, UUID]:
    """host + 2 guests, one activity queued, one run in progress, one more queued."""
    h, host, (g1, g2) = make_lobby(2)
    h.queue("First")
    run = h.start()
    queued = h.queue("Second")
    return h, host, g1, g2, run, queued


HostCommand = Callable[[UUID, UUID, UUID, UUID, UUID, UUID], object]

# (action text, builder(lobby_id, claimed_host, g1, g2, run, queued))
HOST_ONLY: list[tuple[str, HostCommand]] = [
    ("kick", lambda lid, hid, g1, g2, run, q: C.KickGuest(lobby_id=lid, host_id=hid, guest_id=g2)),
    ("delegate host", lambda lid, hid, g1, g2, run, q: C.DelegateHost(
        lobby_id=lid, current_host_id=hid, new_host_id=g2)),
    ("queue activities", lambda lid, hid, g1, g2, run, q: C.QueueActivity(
        lobby_id=lid, host_id=hid, activity_type="t", name="n")),
    ("remove queued activities", lambda lid, hid, g1, g2, run, q: C.RemoveQueuedActivity(
        lobby_id=lid, host_id=hid, activity_id=q)),
    ("start an activity", lambda lid, hid, g1, g2, run, q: C.StartNextRun(
        lobby_id=lid, host_id=hid)),
    ("cancel a run", lambda lid, hid, g1, g2, run, q: C.CancelRun(
        lobby_id=lid, host_id=hid, run_id=run)),
    ("remove submitters", lambda lid, hid, g1, g2, run, q: C.RemoveSubmitter(
        lobby_id=lid, host_id=hid, run_id=run, participant_id=g2)),
]


@pytest.mark.parametrize(("action", "build"), HOST_ONLY, ids=[a for a, _ in HOST_ONLY])
@pytest.mark.parametrize("who", ["guest-as-self", "guest-claims-host", "anonymous",
                                 "host-claims-guest", "stranger"])
def test_only_the_host_can(make_lobby, action: str, build: HostCommand, who: str) -> None:
    h, host, g1, g2, run, queued = _setup(make_lobby)
    actor, claimed = {
        "guest-as-self": (g1, g1),
        "guest-claims-host": (g1, host),
        "anonymous": (None, host),
        "host-claims-guest": (host, g1),
        "stranger": (UUID(int=31337), UUID(int=31337)),
    }[who]
    cmd = build(h.lid, claimed, g1, g2, run, queued)
    assert h.fail(cmd, actor) == f"only the host can {action}"


@pytest.mark.parametrize(("action", "build"), HOST_ONLY, ids=[a for a, _ in HOST_ONLY])
def test_host_only_commands_check_lobby_id_first(make_lobby, action: str,
                                                 build: HostCommand) -> None:
    h, host, g1, g2, run, queued = _setup(make_lobby)
    cmd = build(OTHER_LOBBY, host, g1, g2, run, queued)
    assert h.fail(cmd, host) == "command is for a different lobby"


@pytest.mark.parametrize(("action", "build"), HOST_ONLY, ids=[a for a, _ in HOST_ONLY])
def test_the_host_can(make_lobby, action: str, build: HostCommand) -> None:
    h, host, g1, g2, run, queued = _setup(make_lobby)
    if action == "start an activity":
        h.do(C.CancelRun(lobby_id=h.lid, host_id=host, run_id=run), host)
    events = h.do(build(h.lid, host, g1, g2, run, queued), host)
    assert events


def test_former_host_loses_host_rights_after_delegation(trio) -> None:
    h, host, (g1, _) = trio
    h.do(C.DelegateHost(lobby_id=h.lid, current_host_id=host, new_host_id=g1), host)
    cmd = C.QueueActivity(lobby_id=h.lid, host_id=host, activity_type="t", name="n")
    assert h.fail(cmd, host) == "only the host can queue activities"
    h.do(C.QueueActivity(lobby_id=h.lid, host_id=g1, activity_type="t", name="n"), g1)


# --- self-only ---------------------------------------------------------------------

SelfCommand = Callable[[UUID, UUID, UUID], object]

SELF_ONLY: list[tuple[str, SelfCommand]] = [
    ("leave", lambda lid, pid, run: C.LeaveLobby(lobby_id=lid, participant_id=pid)),
    ("change participation mode", lambda lid, pid, run: C.ToggleParticipationMode(
        lobby_id=lid, participant_id=pid)),
    ("set ready", lambda lid, pid, run: C.SetReady(lobby_id=lid, participant_id=pid,
                                                   ready=True)),
    ("submit results", lambda lid, pid, run: C.SubmitResult(
        lobby_id=lid, run_id=run, participant_id=pid, score=5)),
    ("chat", lambda lid, pid, run: C.SendChat(lobby_id=lid, participant_id=pid, text="hi")),
]


@pytest.mark.parametrize(("action", "build"), SELF_ONLY, ids=[a for a, _ in SELF_ONLY])
@pytest.mark.parametrize("who", ["other-guest", "host", "anonymous", "stranger"])
def test_only_for_yourself(make_lobby, action: str, build: SelfCommand, who: str) -> None:
    h, host, g1, g2, run, _ = _setup(make_lobby)
    actor = {"other-guest": g2, "host": host, "anonymous": None,
             "stranger": UUID(int=31337)}[who]
    assert h.fail(build(h.lid, g1, run), actor) == f"you can only {action} for yourself"


@pytest.mark.parametrize(("action", "build"), SELF_ONLY, ids=[a for a, _ in SELF_ONLY])
def test_for_yourself_is_allowed(make_lobby, action: str, build: SelfCommand) -> None:
    h, _, g1, _, run, _ = _setup(make_lobby)
    assert h.do(build(h.lid, g1, run), g1)


@pytest.mark.parametrize(("action", "build"), SELF_ONLY, ids=[a for a, _ in SELF_ONLY])
def test_self_commands_check_lobby_id(make_lobby, action: str, build: SelfCommand) -> None:
    h, _, g1, _, run, _ = _setup(make_lobby)
    assert h.fail(build(OTHER_LOBBY, g1, run), g1) == "command is for a different lobby"


# --- toggling and ready --------------------------------------------------------------


def test_toggle_participation_mode_flips_back_and_forth(trio) -> None:
    h, _, (g1, _) = trio
    events = h.toggle(g1)
    assert kinds(events) == ["ParticipationModeChanged"]
    assert events[0].mode is ParticipationMode.SPECTATING
    assert h.p(g1).mode is ParticipationMode.SPECTATING
    assert not h.p(g1).is_active
    events = h.toggle(g1)
    assert events[0].mode is ParticipationMode.ACTIVE
    assert h.p(g1).is_active


def test_host_may_toggle_itself(trio) -> None:
    h, host, _ = trio
    h.toggle(host)
    assert h.p(host).mode is ParticipationMode.SPECTATING


def test_set_ready_and_noop_when_unchanged(trio) -> None:
    h, _, (g1, _) = trio
    assert h.do(C.SetReady(lobby_id=h.lid, participant_id=g1, ready=False), g1) == []
    events = h.do(C.SetReady(lobby_id=h.lid, participant_id=g1, ready=True), g1)
    assert kinds(events) == ["ReadyChanged"] and events[0].ready is True
    assert h.p(g1).ready
    assert h.do(C.SetReady(lobby_id=h.lid, participant_id=g1, ready=True), g1) == []
    h.do(C.SetReady(lobby_id=h.lid, participant_id=g1, ready=False), g1)
    assert not h.p(g1).ready


@pytest.mark.parametrize("build", [
    lambda lid, pid: C.ToggleParticipationMode(lobby_id=lid, participant_id=pid),
    lambda lid, pid: C.SetReady(lobby_id=lid, participant_id=pid, ready=True),
    lambda lid, pid: C.SendChat(lobby_id=lid, participant_id=pid, text="hello"),
])
def test_self_commands_by_a_non_member(trio, build) -> None:
    h, _, _ = trio
    ghost = UUID(int=55555)
    assert h.fail(build(h.lid, ghost), ghost) == "participant is not in the lobby"


def test_unknown_command_object(trio) -> None:
    h, host, _ = trio
    assert h.fail("not a command", host) == "unknown command str"
