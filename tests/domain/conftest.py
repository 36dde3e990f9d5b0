"""Shared helpers for the domain tests: a deterministic lobby harness.

``Harness`` drives ``decide`` + ``evolve`` the way the host does, with a
deterministic id factory (``UUID(int=1)``, ``UUID(int=2)``, ...) and a fake
clock that advances one second per command, so ``joined_at`` values differ
and every test is reproducible.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest

from konnekt_arcade.domain import (
    DomainCommand,
    DomainError,
    Lobby,
    decide,
    fold,
)

C = DomainCommand


def id_factory(start: int = 1) -> Callable[[], UUID]:
    """A deterministic ``new_id``: UUID(int=start), UUID(int=start+1), ..."""
    counter: Iterator[int] = itertools.count(start)
    return lambda: UUID(int=next(counter))


def kinds(events: list[object]) -> list[str]:
    """Event class names, for asserting order."""
    return [type(e).__name__ for e in events]


class Harness:
    """A lobby plus everything it has emitted, driven like the host drives it."""

    def __init__(self, *, id_start: int = 1, now: float = 1000.0) -> None:
        self.new_id = id_factory(id_start)
        self.now = now
        self.lobby: Lobby | None = None
        self.log: list[object] = []

    # --- core -----------------------------------------------------------------

    def do(self, command: object, actor: UUID | None, *, now: float | None = None) -> list[object]:
        """Decide and fold ``command``; return the events it produced."""
        if now is not None:
            self.now = now
        else:
            self.now += 1.0
        events = decide(self.lobby, command, actor, self.now, new_id=self.new_id)
        self.lobby = fold(events, self.lobby)
        self.log.extend(events)
        return events

    def fail(self, command: object, actor: UUID | None, *, now: float | None = None) -> str:
        """Assert ``command`` is refused; return the reason. State must not change."""
        before = self.lobby
        with pytest.raises(DomainError) as exc:
            decide(self.lobby, command, actor, self.now if now is None else now,
                   new_id=self.new_id)
        assert self.lobby is before
        return exc.value.reason

    # --- shortcuts ----------------------------------------------------------------

    @property
    def lid(self) -> UUID:
        assert self.lobby is not None
        return self.lobby.id

    @property
    def host_id(self) -> UUID:
        assert self.lobby is not None
        return self.lobby.host_id

    def create(self, lobby_name: str = "Arcade", host_name: str = "Host",
               max_participants: int = 16) -> UUID:
        self.do(C.CreateLobby(lobby_name=lobby_name, host_name=host_name,
                              max_participants=max_participants), None)
        return self.host_id

    def join(self, name: str) -> UUID:
        (event,) = self.do(C.JoinLobby(lobby_id=self.lid, guest_name=name), None)
        return event.participant.id  # type: ignore[attr-defined]

    def queue(self, name: str = "Pong", activity_type: str = "pong",
              config: dict[str, Any] | None = None) -> UUID:
        (event,) = self.do(C.QueueActivity(lobby_id=self.lid, host_id=self.host_id,
                                           activity_type=activity_type, name=name,
                                           config=config or {}), self.host_id)
        return event.activity.id  # type: ignore[attr-defined]

    def start(self, duration_ms: int | None = None) -> UUID:
        (event,) = self.do(C.StartNextRun(lobby_id=self.lid, host_id=self.host_id,
                                          duration_ms=duration_ms), self.host_id)
        return event.run.id  # type: ignore[attr-defined]

    def queue_and_start(self, duration_ms: int | None = None) -> UUID:
        self.queue()
        return self.start(duration_ms)

    def submit(self, pid: UUID, score: int = 0, **kw: Any) -> list[object]:
        assert self.lobby is not None and self.lobby.current_run is not None
        return self.do(C.SubmitResult(lobby_id=self.lid, run_id=self.lobby.current_run.id,
                                      participant_id=pid, score=score, **kw), pid)

    def leave(self, pid: UUID) -> list[object]:
        return self.do(C.LeaveLobby(lobby_id=self.lid, participant_id=pid), pid)

    def kick(self, pid: UUID) -> list[object]:
        return self.do(C.KickGuest(lobby_id=self.lid, host_id=self.host_id, guest_id=pid),
                       self.host_id)

    def toggle(self, pid: UUID) -> list[object]:
        return self.do(C.ToggleParticipationMode(lobby_id=self.lid, participant_id=pid), pid)

    def disconnect(self, pid: UUID) -> list[object]:
        return self.do(C.MarkDisconnected(participant_id=pid), None)

    def reconnect(self, pid: UUID) -> list[object]:
        return self.do(C.MarkReconnected(participant_id=pid), None)

    def chat(self, pid: UUID, text: str) -> list[object]:
        return self.do(C.SendChat(lobby_id=self.lid, participant_id=pid, text=text), pid)

    def p(self, pid: UUID):
        assert self.lobby is not None
        participant = self.lobby.participant(pid)
        assert participant is not None
        return participant

    def board(self, pid: UUID):
        assert self.lobby is not None
        return next(e for e in self.lobby.leaderboard if e.participant_id == pid)


@pytest.fixture
def harness() -> Harness:
    """An empty harness (no lobby yet)."""
    return Harness()


@pytest.fixture
def make_lobby() -> Callable[..., tuple[Harness, UUID, list[UUID]]]:
    """Factory: ``make_lobby(n_guests, **create_kwargs) -> (harness, host_id, guest_ids)``.

    Guests are named Guest1..GuestN and joined one second apart, in order.
    """

    def make(n_guests: int = 2, **create_kwargs: Any) -> tuple[Harness, UUID, list[UUID]]:
        h = Harness()
        host = h.create(**create_kwargs)
        guests = [h.join(f"Guest{i}") for i in range(1, n_guests + 1)]
        return h, host, guests

    return make


@pytest.fixture
def trio(make_lobby) -> tuple[Harness, UUID, list[UUID]]:
    """Host + two guests (Guest1, Guest2)."""
    return make_lobby(2)
