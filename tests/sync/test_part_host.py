"""``Host`` alone: what it sequences, whom it answers, what reaches the game, and grace
periods, with a plain view, recorders for its callbacks and a fake clock (no LobbySync)."""

from __future__ import annotations

from uuid import UUID

from konnekt_arcade.domain import DomainCommand, evolve
from konnekt_arcade.sync import Role
from konnekt_arcade.sync._host import Host
from konnekt_arcade.sync._outbox import Outbox
from konnekt_arcade.sync._wire import Command, Roster

from .parts_kit import View, ids, lobby_of, sent


class Rig:
    def __init__(self, authorized: bool = True) -> None:
        lobby, roster, who = lobby_of("me", "a")
        self.who = who
        self.view = View(local_peer="me", lobby=lobby, roster=roster, role=Role.HOST,
                         local_participant_id=who["me"], host_peer="me", epoch=3)
        self.out = Outbox()
        self.broadcasts: list[str] = []
        self.received: list = []
        self.sequenced: set[tuple[UUID, int]] = set()
        new_id = ids()
        for _ in range(10):
            new_id()  # past the ids lobby_of used
        self.host = Host(self.view, self.out, apply=self.apply,
                         broadcast=lambda m: self.broadcasts.append(type(m).__name__),
                         tail_epoch=lambda: 3, publish_roster=self.publish,
                         authorized=lambda peer: authorized, snapshot=lambda: None,
                         sequenced=self.sequenced, received=self.received.append,
                         new_id=new_id, new_token=lambda: "token")

    def apply(self, le, now: float) -> bool:
        self.view.lobby = evolve(self.view.lobby, le.event)
        self.view.sequence = le.sequence
        return True

    def publish(self, roster: Roster) -> None:
        self.view.roster = roster

    def command(self, peer: str, rid: int, cmd, now: float = 1.0) -> None:
        self.host.on_command(peer, Command(request_id=rid, command=cmd), now)


def test_a_peer_that_has_not_proved_the_password_reaches_neither_lobby_nor_game():
    rig = Rig(authorized=False)
    rig.command("x", 1, DomainCommand.JoinLobby(lobby_id=rig.view.lobby.id, guest_name="Eve"))
    assert sent(rig.out) == [("x", "CommandRejected")]
    assert rig.received == [] and rig.view.sequence == 0 and rig.broadcasts == []


def test_a_join_is_sequenced_bound_welcomed_and_shown_to_the_game():
    rig = Rig()
    rig.command("g", 7, DomainCommand.JoinLobby(lobby_id=rig.view.lobby.id, guest_name="Gus"))
    assert sent(rig.out) == [("g", "Welcome"), ("g", "CommandAccepted")]
    assert rig.broadcasts == ["EventBroadcast"] and rig.view.sequence == 1
    assert [r.request_id for r in rig.received] == [7]
    gus = next(p.id for p in rig.view.lobby.participants if p.name == "Gus")
    assert rig.view.peer_of(gus) == "g"


def test_a_command_the_lobby_already_sequenced_is_answered_not_applied_again():
    rig = Rig()
    rig.sequenced.add((rig.who["a"], 4))
    rig.command("a", 4, DomainCommand.SendChat(lobby_id=rig.view.lobby.id,
                                               participant_id=rig.who["a"], text="again"))
    assert sent(rig.out) == [("a", "CommandAccepted")] and rig.view.sequence == 0
    assert rig.out.stats["commands_recognised"] == 1


def test_chat_beyond_the_limit_is_refused_until_the_bucket_refills():
    rig = Rig()
    chat = DomainCommand.SendChat(lobby_id=rig.view.lobby.id, participant_id=rig.who["a"],
                                  text="spam")
    burst = rig.view.config.chat_burst
    for rid in range(burst + 1):
        rig.command("a", rid, chat, now=1.0)
    answers = [kind for _, kind in sent(rig.out)]
    assert answers.count("CommandAccepted") == burst and answers[-1] == "CommandRejected"
    rig.command("a", 99, chat, now=1.0 + 1 / rig.view.config.chat_rate)
    assert sent(rig.out) == [("a", "CommandAccepted")]


def test_a_lost_guest_keeps_its_place_for_the_grace_period_then_is_removed():
    rig = Rig()
    a = rig.who["a"]
    rig.host.peer_lost("a", 10.0)
    assert not rig.view.lobby.participant(a).connected
    deadline = rig.host.in_grace(a)
    assert deadline == 10.0 + rig.view.config.grace_period
    rig.host.tick(deadline - 0.1)
    assert rig.view.lobby.participant(a) is not None
    rig.host.tick(deadline)
    assert rig.view.lobby.participant(a) is None and rig.host.in_grace(a) is None


def test_our_own_command_is_done_here_unless_a_hand_over_cuts_its_batch():
    rig = Rig()
    chat = DomainCommand.SendChat(lobby_id=rig.view.lobby.id, participant_id=rig.who["me"],
                                  text="hi")
    assert rig.host.submit(chat, 1.0, request_id=1) is True
    assert rig.view.lobby.chat[-1].text == "hi"
