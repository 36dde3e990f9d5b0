"""Property test: random commands from random (often wrong) actors.

Each step picks a command kind and a few small integers; the interpreter turns
them into a concrete command against the *current* state (so most commands are
plausible, many are refused). After every step:

* ``decide`` raised nothing but ``DomainError`` (and a refusal changed nothing);
* a replica that receives the emitted events as JSON and folds them reaches
  the host's state hash;
* the lobby invariants hold.

At the end a fresh fold of the whole log matches too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from konnekt_arcade.domain import (
    DomainCommand,
    DomainError,
    DomainEvent,
    Lobby,
    LobbyDomainEvent,
    Role,
    RunStatus,
    decide,
    evolve,
    fold,
    state_hash,
)

from .conftest import id_factory

C = DomainCommand
EVENT = TypeAdapter(LobbyDomainEvent)
STRANGER = UUID(int=0xDEADBEEF)
OTHER_LOBBY = UUID(int=0xD1FF)

NAMES = ["Ann", "ann", " Bob ", "BOB", "Cy", "Dee", "Eve", "Fay", "Gus", "",
         "   ", "x" * 33, "y" * 32, "a\tb", "Zoë", "Hal", "Ivy", "Jo"]
ACTIVITY_NAMES = ["Pong", "Snake", "Quiz", "Golf", "Tron", "", "Q" * 65]
CHATS = ["hi", "", "  ", "a" * 280, "b" * 281, "line\nbreak", "bad\x07"]
KINDS = [
    "create", "join", "join", "join", "leave", "kick", "toggle", "ready", "delegate",
    "queue", "queue", "queue", "unqueue", "start", "start", "start", "submit", "submit", "submit",
    "submit", "submit", "cancel",
    "remove_submitter", "chat", "chat", "disconnect", "reconnect", "timeout", "expire", "migrate",
    "garbage",
]

step = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, 19),  # actor: < 14 the "right" actor for the command, else a random one
    st.integers(0, 19),  # target pick
    st.integers(-3, 12),  # misc: score, name index, time step...
    st.integers(0, 19),  # variant: < 15 well-formed; else wrong host id / lobby / run
)


@dataclass
class World:
    lobby: Lobby
    now: float
    seen: list[UUID] = field(default_factory=list)  # every participant id ever
    log: list[object] = field(default_factory=list)
    scores_submitted: int = 0

    def pick(self, i: int) -> UUID | None:
        """Mostly a current participant; sometimes a former one, a stranger or nobody."""
        if i == 19:
            return None
        current = [p.id for p in self.lobby.participants]
        pool = current if i < 14 else [*current, *self.seen, STRANGER]
        return pool[i % len(pool)]

    def run_id(self, variant: int) -> UUID:
        run = self.lobby.current_run
        if variant in (18, 19) or run is None:
            finished = self.lobby.finished_runs
            return finished[-1].id if finished and variant == 18 else UUID(int=4242)
        return run.id


def build(w: World, kind: str, a: int, b: int, m: int, v: int) -> tuple[object, UUID | None]:
    lobby = w.lobby
    right = a < 14
    actor = w.pick(a)
    host_actor = lobby.host_id if right else actor
    claimed_host = lobby.host_id if v not in (15, 16) else (actor or STRANGER)
    target = w.pick(b) or STRANGER
    lid = lobby.id if v != 17 else OTHER_LOBBY
    self_actor = target if right else actor
    match kind:
        case "create":
            return C.CreateLobby(lobby_name="Again", host_name="H"), actor
        case "join":
            return C.JoinLobby(lobby_id=lid, guest_name=NAMES[(m + b) % len(NAMES)]), (
                None if right else actor)
        case "leave":
            return C.LeaveLobby(lobby_id=lid, participant_id=target), self_actor
        case "kick":
            return C.KickGuest(lobby_id=lid, host_id=claimed_host, guest_id=target), host_actor
        case "toggle":
            return C.ToggleParticipationMode(lobby_id=lid, participant_id=target), self_actor
        case "ready":
            return C.SetReady(lobby_id=lid, participant_id=target, ready=m % 2 == 0), self_actor
        case "delegate":
            return C.DelegateHost(lobby_id=lid, current_host_id=claimed_host,
                                  new_host_id=target), host_actor
        case "queue":
            aid = None if v < 12 else UUID(int=0xAC0 + v)  # sometimes a duplicate id
            return C.QueueActivity(lobby_id=lid, host_id=claimed_host, activity_type="t",
                                   name=ACTIVITY_NAMES[m % len(ACTIVITY_NAMES)],
                                   config={"m": m}, activity_id=aid), host_actor
        case "unqueue":
            queue = lobby.activity_queue
            aid = queue[m % len(queue)].id if queue and v < 14 else UUID(int=0xAC0 + v)
            return C.RemoveQueuedActivity(lobby_id=lid, host_id=claimed_host,
                                          activity_id=aid), host_actor
        case "start":
            duration = None if m <= 3 else m * 1000
            return C.StartNextRun(lobby_id=lid, host_id=claimed_host,
                                  duration_ms=duration), host_actor
        case "submit":
            run = lobby.current_run
            if run is not None and run.pending_submitters() and right:
                target = run.pending_submitters()[b % len(run.pending_submitters())]
            return C.SubmitResult(lobby_id=lid, run_id=w.run_id(v), participant_id=target,
                                  score=m, data={"b": b}, time_taken_ms=abs(m) * 10), (
                target if right else actor)
        case "cancel":
            return C.CancelRun(lobby_id=lid, host_id=claimed_host, run_id=w.run_id(v)), host_actor
        case "remove_submitter":
            run = lobby.current_run
            if run is not None and run.pending_submitters() and b < 14:
                target = run.pending_submitters()[b % len(run.pending_submitters())]
            return C.RemoveSubmitter(lobby_id=lid, host_id=claimed_host, run_id=w.run_id(v),
                                     participant_id=target), host_actor
        case "chat":
            return C.SendChat(lobby_id=lid, participant_id=target,
                              text=CHATS[m % len(CHATS)]), self_actor
        case "disconnect":
            return C.MarkDisconnected(participant_id=target), None
        case "reconnect":
            return C.MarkReconnected(participant_id=target), None
        case "timeout":
            return C.RemoveTimedOut(participant_id=target), None
        case "expire":
            return C.ExpireRun(run_id=w.run_id(v)), None
        case "migrate":
            successor = lobby.successor(excluding=lobby.host_id)
            new_host = successor.id if successor is not None and v < 14 else target
            return C.MigrateHost(new_host_id=new_host), None
        case _:
            return object(), actor


def check_invariants(w: World) -> None:
    lobby = w.lobby
    ids = [p.id for p in lobby.participants]
    assert len(ids) == len(set(ids))
    assert lobby.participants, "the host can never leave the lobby empty"
    hosts = [p for p in lobby.participants if p.role is Role.HOST]
    assert len(hosts) == 1 and hosts[0].id == lobby.host_id
    assert lobby.host is hosts[0]
    names = [p.name.casefold() for p in lobby.participants]
    assert len(names) == len(set(names))
    assert all(1 <= len(p.name) <= 32 and p.name == p.name.strip() and p.name.isprintable()
               for p in lobby.participants)
    assert len(lobby.participants) <= lobby.max_participants
    run = lobby.current_run
    if run is not None:
        assert run.status is RunStatus.IN_PROGRESS
        assert set(run.required_submitters) <= set(ids)
        assert run.pending_submitters(), "a run with nobody pending should have ended"
        per_submitter = Counter(r.participant_id for r in run.results)
        assert all(n == 1 for n in per_submitter.values())
        assert all(r.run_id == run.id for r in run.results)
    assert all(r.status is not RunStatus.IN_PROGRESS for r in lobby.finished_runs)
    assert len(lobby.finished_runs) <= 20
    assert len(lobby.chat) <= 50
    assert all(1 <= len(m.text) <= 280 for m in lobby.chat)
    board = {e.participant_id: e for e in lobby.leaderboard}
    assert len(board) == len(lobby.leaderboard)
    assert set(ids) <= set(board)
    assert sum(e.score for e in lobby.leaderboard) == w.scores_submitted
    for p in lobby.participants:
        assert board[p.id].score == p.score
    queue_ids = [a.id for a in lobby.activity_queue]
    assert len(queue_ids) == len(set(queue_ids))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    max_participants=st.integers(1, 6),
    steps=st.lists(step, min_size=20, max_size=100),
)
def test_random_commands_keep_replicas_converged(max_participants: int,
                                                 steps: list[tuple]) -> None:
    new_id = id_factory()
    (created,) = decide(None, C.CreateLobby(lobby_name="Prop", host_name="Host",
                                            max_participants=max_participants),
                        None, 0.0, new_id=new_id)
    w = World(lobby=evolve(None, created), now=0.0, log=[created])
    replica = evolve(None, EVENT.validate_json(EVENT.dump_json(created)))
    for kind, a, b, m, v in steps:
        w.now += max(m, 0) * 0.75
        command, actor = build(w, kind, a, b, m, v)
        before = w.lobby
        try:
            events = decide(w.lobby, command, actor, w.now, new_id=new_id)
        except DomainError as exc:
            assert exc.reason and isinstance(exc.reason, str)
            assert w.lobby is before
            continue
        for event in events:
            w.lobby = evolve(w.lobby, event)
            replica = evolve(replica, EVENT.validate_json(EVENT.dump_json(event)))
            match event:
                case DomainEvent.GuestJoined(participant=p):
                    w.seen.append(p.id)
                case DomainEvent.ResultSubmitted(result=r):
                    w.scores_submitted += r.score
                case _:
                    pass
        w.log.extend(events)
        assert state_hash(replica) == state_hash(w.lobby)
        check_invariants(w)
    assert state_hash(fold(w.log)) == state_hash(w.lobby)
    assert state_hash(Lobby.model_validate_json(w.lobby.model_dump_json())) == state_hash(w.lobby)


@settings(max_examples=200, deadline=None)
@given(raw=st.text(max_size=40))
def test_any_join_name_is_accepted_iff_valid(raw: str) -> None:
    new_id = id_factory()
    lobby = fold(decide(None, C.CreateLobby(lobby_name="L", host_name="Host"), None, 0.0,
                        new_id=new_id))
    assert lobby is not None
    trimmed = raw.strip()
    valid = (1 <= len(trimmed) <= 32 and trimmed.isprintable()
             and trimmed.casefold() != "host")
    try:
        (event,) = decide(lobby, C.JoinLobby(lobby_id=lobby.id, guest_name=raw), None, 1.0,
                          new_id=new_id)
    except DomainError:
        assert not valid
    else:
        assert valid
        assert event.participant.name == trimmed


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_any_chat_text_is_accepted_iff_valid(text: str) -> None:
    new_id = id_factory()
    lobby = fold(decide(None, C.CreateLobby(lobby_name="L", host_name="Host"), None, 0.0,
                        new_id=new_id))
    assert lobby is not None
    trimmed = text.strip()
    valid = (1 <= len(trimmed) <= 280
             and all(ch.isprintable() or ch == "\n" for ch in trimmed))
    try:
        (event,) = decide(lobby, C.SendChat(lobby_id=lobby.id, participant_id=lobby.host_id,
                                            text=text), lobby.host_id, 1.0, new_id=new_id)
    except DomainError:
        assert not valid
    else:
        assert valid and event.text == trimmed
        assert evolve(lobby, event).chat[-1].text == trimmed
