"""Lobby state: immutable pydantic models that every peer folds to the same value.

Everything here is frozen and ordered (tuples, not sets) so that two peers that
applied the same events produce byte-identical canonical JSON and therefore the
same :func:`state_hash`.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

#: Default lobby size. 16 keeps a full WebRTC mesh (n*(n-1)/2 connections,
#: 120 at 16) within what one laptop's aiortc can hold open.
DEFAULT_MAX_PARTICIPANTS = 16
#: Hard upper bound a host may configure; beyond it a full mesh is not practical.
MAX_PARTICIPANTS_LIMIT = 64
#: Chat lines kept in the lobby so a late joiner sees recent conversation.
CHAT_HISTORY = 50
#: Finished runs kept in state; the leaderboard keeps the totals of all runs.
FINISHED_RUNS_KEPT = 20
#: Finished runs whose results keep their ``data`` (the newest ones); older kept runs keep
#: every score and time but not the data. Why: a late joiner gets the whole state in one
#: snapshot, and 20 runs of 64 results of 8 KiB each were 11 MB of it; the game shows the
#: details of the run just played, the history needs only the scores.
FINISHED_RUNS_WITH_DATA = 1
#: Activities that can wait in the queue: a host plans a session, not an archive, and every
#: queued activity (with up to 8 KiB of config) is in every snapshot.
MAX_QUEUED_ACTIVITIES = 32
#: Longest time limit a run may have (24 h). A round is minutes long; a limit past a day is a
#: unit mistake (seconds given as milliseconds the other way round), refused with its reason
#: instead of a round that never ends.
MAX_RUN_DURATION_MS = 24 * 60 * 60 * 1000


_M = TypeVar("_M", bound=BaseModel)
_new = object.__new__
# BaseModel's slots, set directly: frozen models refuse ``setattr``.
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Shallow copy with ``update`` applied, without re-validating (as pydantic's own).

        ``evolve`` copies the lobby once per event, on every peer, inside the game's frame:
        pydantic's generic copy (``copy.copy`` of every slot) was the largest single cost of
        applying an event. These models are frozen, forbid extras and have no private
        attributes, so a new ``__dict__`` is the whole copy; the set of fields given is
        shared (nothing mutates it) unless ``update`` names a field it lacks.
        """
        if deep:
            return super().model_copy(update=update, deep=True)
        fields_set = self.__pydantic_fields_set__
        if not update:
            return _built(self.__class__, self.__dict__.copy(), fields_set)
        if not update.keys() <= fields_set:  # (issuperset would build a set)
            fields_set = fields_set | update.keys()
        return _built(self.__class__, {**self.__dict__, **update}, fields_set)


def trusted(cls: type[_M], **values: Any) -> _M:
    """A model of ``cls`` from values that are already valid (taken from validated models),
    every field given, without validating again: for the fold's hot path, where validation
    would re-check what the event's own validation already did. Never for outside input."""
    return _built(cls, values, set(values))


def _built(cls: type[_M], values: dict[str, Any], fields_set: set[str]) -> _M:
    """An instance of ``cls`` holding ``values``, its slots set directly (no validation):
    what ``model_copy`` and ``trusted`` share."""
    new = _new(cls)
    _set_dict(new, values)
    _set_fields(new, fields_set)
    _set_extra(new, None)
    _set_private(new, None)
    return new


class Role(enum.StrEnum):
    HOST = "Host"
    GUEST = "Guest"


class ParticipationMode(enum.StrEnum):
    ACTIVE = "Active"
    SPECTATING = "Spectating"


class RunStatus(enum.StrEnum):
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    CANCELLED = "Cancelled"


class Scoring(enum.StrEnum):
    """Who submits the results of an activity's runs.

    ``SELF``: each player submits their own (``SubmitResult``): fine for a puzzle or a
    quiz, where a player's own game knows the score and a cheat only spoils their fun.
    ``HOST``: the host's game code submits every player's result (``SubmitResultFor``) and
    players cannot: for a game the host referees (who picked up which coin, who was hit),
    where a self-reported score could not be checked. After a host migration the new host
    submits the results still pending.
    """

    SELF = "self"
    HOST = "host"


class Participant(_Frozen):
    id: UUID
    name: str
    role: Role = Role.GUEST
    mode: ParticipationMode = ParticipationMode.ACTIVE
    ready: bool = False
    connected: bool = True
    joined_at: float = 0.0
    score: int = 0

    @property
    def is_host(self) -> bool:
        return self.role is Role.HOST

    @property
    def is_active(self) -> bool:
        return self.mode is ParticipationMode.ACTIVE


class ActivityConfig(_Frozen):
    """A queued activity: what to play and with which settings. ``scoring`` says who submits
    results; ``duration_ms`` is the time limit a run of it gets unless the host's
    ``StartNextRun`` gives another (None: no limit, the run ends when all results are in)."""

    id: UUID
    activity_type: str
    name: str
    config: dict[str, Any] = Field(default_factory=dict)
    scoring: Scoring = Scoring.SELF
    duration_ms: int | None = None


class ActivityResult(_Frozen):
    run_id: UUID
    participant_id: UUID
    data: dict[str, Any] = Field(default_factory=dict)
    score: int = 0
    time_taken_ms: int = 0


class ActivityRun(_Frozen):
    id: UUID
    activity: ActivityConfig
    required_submitters: tuple[UUID, ...]
    results: tuple[ActivityResult, ...] = ()
    status: RunStatus = RunStatus.IN_PROGRESS
    started_at: float = 0.0
    deadline: float | None = None
    end_reason: str | None = None

    @property
    def scoring(self) -> Scoring:
        """Who submits this run's results (the activity's ``scoring``)."""
        return self.activity.scoring

    @property
    def host_scored(self) -> bool:
        """True if the host submits every result (``SubmitResultFor``), not the players."""
        return self.activity.scoring is Scoring.HOST

    def time_left(self, now: float) -> float | None:
        """Seconds until the deadline at lobby time ``now`` (0 once it passed), or None
        for a run without a time limit. ``started_at`` and ``deadline`` are lobby time (the
        shared clock every peer agrees on), so every peer computes the same value for the
        same instant: pass ``session.time()``, never a peer's own ``time.monotonic()``."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - now)

    def result_of(self, participant_id: UUID) -> ActivityResult | None:
        """The result submitted for ``participant_id``, or None."""
        for r in self.results:
            if r.participant_id == participant_id:
                return r
        return None

    def ranked_results(self) -> list[ActivityResult]:
        """Results best first (higher score, then less time), ties by participant id so
        every peer lists them in the same order."""
        return sorted(self.results, key=lambda r: (-r.score, r.time_taken_ms,
                                                   str(r.participant_id)))

    def has_submitted(self, participant_id: UUID) -> bool:
        return participant_id.int in [r.participant_id.int for r in self.results]

    def pending_submitters(self) -> tuple[UUID, ...]:
        """Required submitters that have not submitted yet, in start order."""
        done = {r.participant_id for r in self.results}
        return tuple(p for p in self.required_submitters if p not in done)


class LeaderboardEntry(_Frozen):
    participant_id: UUID
    name: str
    score: int = 0
    runs_played: int = 0


class ChatMessage(_Frozen):
    participant_id: UUID
    name: str
    text: str
    at: float


class Lobby(_Frozen):
    id: UUID
    name: str
    host_id: UUID
    participants: tuple[Participant, ...] = ()
    activity_queue: tuple[ActivityConfig, ...] = ()
    current_run: ActivityRun | None = None
    finished_runs: tuple[ActivityRun, ...] = ()
    leaderboard: tuple[LeaderboardEntry, ...] = ()
    chat: tuple[ChatMessage, ...] = ()
    max_participants: int = DEFAULT_MAX_PARTICIPANTS
    created_at: float = 0.0

    def participant(self, participant_id: UUID | None) -> Participant | None:
        """The participant with this id, or None. (Compares ``UUID.int``: ``UUID.__eq__`` is
        Python code, and this runs for nearly every event on every peer.)"""
        key = getattr(participant_id, "int", None)
        if key is None:
            return None
        for p in self.participants:
            if p.id.int == key:
                return p
        return None

    @property
    def host(self) -> Participant | None:
        return self.participant(self.host_id)

    def guests(self) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if not p.is_host)

    def active_participants(self) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if p.is_active)

    def sorted_leaderboard(self) -> list[LeaderboardEntry]:
        """Leaderboard best first; ties by name so every peer shows the same order."""
        return sorted(
            self.leaderboard, key=lambda e: (-e.score, e.name.casefold(), str(e.participant_id))
        )

    def successor(self, excluding: UUID | None = None) -> Participant | None:
        """Who becomes host if the current one is lost.

        The rule must be computable by every survivor without talking to
        anyone: the earliest-joined *connected* participant, ties broken by id.
        """
        candidates = [
            p for p in self.participants if p.connected and p.id != excluding
        ]
        if not candidates:
            return None
        return min(candidates, key=lambda p: (p.joined_at, str(p.id)))

    def canonical_json(self) -> str:
        """Key-sorted JSON of the whole state: the input of :func:`state_hash`."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


class StateDigest:
    """A digest of the complete lobby for peers running this same code (heartbeats carry
    it), cheap enough to take for every heartbeat sent or checked after a change, inside the
    game's frame: :func:`state_hash` of a 16-player lobby took 840 µs here.

    Each field of the lobby is hashed from its own JSON, and that hash is kept for as long
    as the field's value is the same object. The fold shares every unchanged part between
    lobby versions, so after a chat line only the chat is serialised again, not the finished
    runs and the queue. Equal states give equal digests on every peer: each field
    serialises in the schema's order, and the only free-form dicts (activity config, result
    data) keep the key order they travelled in, which every peer took from the same JSON.
    Not a stable format across versions; :func:`state_hash` is the one to compare or store.
    """

    #: Field hashes kept (two lobbies' worth and then some); past it the cache starts over.
    MAX_KEPT = 64

    def __init__(self) -> None:
        #: (field, id of its value) -> (the value, kept alive so the id stays its own; the
        #: hash of the field's JSON). The field is part of the key: one object (``()``,
        #: ``None``, a small int) can be the value of several fields.
        self._kept: dict[tuple[str, int], tuple[object, bytes]] = {}

    def __call__(self, lobby: Lobby) -> str:
        kept = self._kept
        if len(kept) > self.MAX_KEPT:
            kept.clear()
        total = hashlib.sha256()
        values = lobby.__dict__
        for name in _LOBBY_FIELDS:
            value = values[name]
            key = (name, id(value))
            entry = kept.get(key)
            if entry is None or entry[0] is not value:
                raw = _LOBBY_JSON(lobby, include={name})
                entry = kept[key] = (value, hashlib.sha256(raw).digest())
            total.update(entry[1])
        return total.hexdigest()


def state_hash(lobby: Lobby | None) -> str:
    """A stable hash of the complete lobby state (hex sha256).

    Peers that applied the same events in the same order get the same hash,
    which is how tests and diagnostics prove convergence.
    """
    if lobby is None:
        return "0" * 64
    return hashlib.sha256(lobby.canonical_json().encode()).hexdigest()


_LOBBY_FIELDS = tuple(Lobby.model_fields)
_LOBBY_JSON = Lobby.__pydantic_serializer__.to_json
