"""``Commands`` and its pieces alone: commands in flight, sequenced commands, answers, request
ids (plain values and a fake clock, no LobbySync)."""

from __future__ import annotations

from uuid import UUID

from konnekt_arcade.domain import DomainCommand
from konnekt_arcade.sync import Role
from konnekt_arcade.sync._exactly_once import (
    Commands,
    InFlight,
    PendingCommands,
    SequencedCommands,
    first_request_id,
)
from konnekt_arcade.sync._outbox import Outbox
from konnekt_arcade.sync._wire import Command, CommandAccepted, CommandOrigin, CommandRejected

from .parts_kit import View, lobby_of, sent

P = UUID(int=7)


def cmd(rid: int) -> Command:
    return Command(request_id=rid, command=DomainCommand.SendChat(
        lobby_id=P, participant_id=P, text=str(rid)))


def test_pending_commands_go_once_to_each_new_host_oldest_first():
    pending = PendingCommands(limit=3, timeout=10.0)
    for rid in (5, 3, 4):
        pending.add(InFlight(rid, "SendChat", cmd(rid), deadline=10.0))
    assert pending.full()
    assert [i.request_id for i in pending.to_send("h1", 1.0)] == [3, 4, 5]
    assert pending.to_send("h1", 2.0) == []  # already there
    sent = pending.to_send("h2", 3.0)  # a new host: everything again, new deadlines
    assert [(i.request_id, i.deadline) for i in sent] == [(3, 13.0), (4, 13.0), (5, 13.0)]
    assert pending.pop(4) is not None and pending.pop(4) is None
    assert [i.request_id for i in pending.expired(13.0)] == [3, 5] and len(pending) == 0


def test_rejoins_are_never_resent_and_are_forgotten_on_a_host_change():
    pending = PendingCommands(limit=8, timeout=10.0)
    pending.add(InFlight(1, "Rejoin", None, deadline=float("inf"), sent_to="h1"))
    pending.add(InFlight(2, "SendChat", cmd(2), deadline=10.0))
    assert [i.request_id for i in pending.to_send("h2", 0.0)] == [2]
    pending.forget_rejoins()
    assert 1 not in pending and 2 in pending


def test_sequenced_commands_are_bounded_and_travel_in_snapshots():
    seen = SequencedCommands(limit=3)
    for rid in range(5):
        seen.record(CommandOrigin(participant_id=P, request_id=rid))
    assert len(seen) == 3 and (P, 0) not in seen and (P, 4) in seen
    copy = SequencedCommands(limit=3)
    copy.reset(seen.origins())
    assert [(o.participant_id, o.request_id) for o in copy.origins()] == [(P, 2), (P, 3), (P, 4)]


def test_request_ids_of_two_incarnations_do_not_meet():
    a, b = first_request_id("peer-a"), first_request_id("peer-b")
    assert a != b and abs(a - b) >= 1 << 20
    assert first_request_id("peer-a") == a  # deterministic


def commands_of(role: Role = Role.REPLICA):
    lobby, roster, who = lobby_of("h", "me")
    view = View(lobby=lobby, roster=roster, local_participant_id=who["me"], role=role)
    out = Outbox()
    return view, out, Commands(view, out, SequencedCommands(8)), who


def test_a_command_goes_to_each_new_host_and_its_answer_is_remembered():
    view, out, commands, who = commands_of()
    chat = cmd(1).command
    commands.hold(chat, 1, 0.0)
    assert commands.due
    commands.send_pending(0.0)
    commands.send_pending(0.1)
    assert sent(out) == [("h", "Command")]
    commands.host_changed()
    view.host_peer = "h2"
    commands.send_pending(0.2)
    assert sent(out) == [("h2", "Command")]
    commands.on_accepted("h", CommandAccepted(request_id=1))  # not our host: ignored
    assert commands.outcome(1) is None
    commands.on_accepted("h2", CommandAccepted(request_id=1))
    assert commands.outcome(1) == "accepted" and len(commands.pending) == 0


def test_a_refusal_fails_the_command_but_not_host_waits_for_the_next_one():
    view, out, commands, _ = commands_of()
    commands.hold(cmd(1).command, 1, 0.0)
    commands.hold(cmd(2).command, 2, 0.0)
    commands.on_rejected("h", CommandRejected(request_id=1, command_type="SendChat",
                                              reason="stepping down", not_host=True))
    commands.on_rejected("h", CommandRejected(request_id=2, command_type="SendChat",
                                              reason="no"))
    assert commands.outcome(1) is None and commands.outcome(2) == "failed"
    (failed,) = out.take_events()
    assert failed.request_id == 2 and failed.reason == "no"
    commands.expire(view.config.command_timeout)
    assert commands.outcome(1) == "failed"


def test_a_new_host_decides_only_what_the_lobby_did_not_sequence():
    view, out, commands, who = commands_of(Role.HOST)
    commands.hold(cmd(1).command, 1, 0.0)
    commands.hold(cmd(2).command, 2, 0.0)
    commands.sequenced.record(CommandOrigin(participant_id=who["me"], request_id=1))
    assert [i.request_id for i in commands.to_decide_here()] == [2]
    assert commands.outcome(1) == "accepted" and len(commands.pending) == 0


def test_a_rejoin_goes_to_our_host_and_is_never_resent():
    view, out, commands, who = commands_of()
    commands.send_rejoin((who["me"], "token"))
    assert sent(out) == [("h", "Rejoin")] and len(commands.pending) == 1
    commands.host_changed()
    assert len(commands.pending) == 0
