"""The pure lobby model: state, commands, events and the rules between them.

No I/O, no clocks, no threads: ``decide`` (host only) turns a command into
events, ``evolve`` (everyone) folds an event into state. Equal event sequences
give equal state and an equal :func:`state_hash`.
"""

from __future__ import annotations

from ._commands import AnyCommand, DomainCommand, SystemCommand, UserCommand
from ._decide import (
    MAX_ACTIVITY_FIELD,
    MAX_CHAT_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PAYLOAD_BYTES,
    check_wire_safe,
    clean_name,
    decide,
)
from ._errors import DomainError
from ._events import DelegationReason, DomainEvent, LeaveReason, LobbyDomainEvent
from ._evolve import evolve
from ._models import (
    CHAT_HISTORY,
    DEFAULT_MAX_PARTICIPANTS,
    FINISHED_RUNS_KEPT,
    FINISHED_RUNS_WITH_DATA,
    MAX_PARTICIPANTS_LIMIT,
    MAX_QUEUED_ACTIVITIES,
    MAX_RUN_DURATION_MS,
    ActivityConfig,
    ActivityResult,
    ActivityRun,
    ChatMessage,
    LeaderboardEntry,
    Lobby,
    Participant,
    ParticipationMode,
    Role,
    RunStatus,
    Scoring,
    state_hash,
)


def fold(events: list[object], lobby: Lobby | None = None) -> Lobby | None:
    """Apply events in order (convenience for tests and replay)."""
    for event in events:
        lobby = evolve(lobby, event)
    return lobby


__all__ = [
    "CHAT_HISTORY",
    "DEFAULT_MAX_PARTICIPANTS",
    "FINISHED_RUNS_KEPT",
    "FINISHED_RUNS_WITH_DATA",
    "MAX_ACTIVITY_FIELD",
    "MAX_CHAT_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_PARTICIPANTS_LIMIT",
    "MAX_PAYLOAD_BYTES",
    "MAX_QUEUED_ACTIVITIES",
    "MAX_RUN_DURATION_MS",
    "ActivityConfig",
    "ActivityResult",
    "ActivityRun",
    "AnyCommand",
    "ChatMessage",
    "DelegationReason",
    "DomainCommand",
    "DomainError",
    "DomainEvent",
    "LeaderboardEntry",
    "LeaveReason",
    "Lobby",
    "LobbyDomainEvent",
    "Participant",
    "ParticipationMode",
    "Role",
    "RunStatus",
    "Scoring",
    "SystemCommand",
    "UserCommand",
    "check_wire_safe",
    "clean_name",
    "decide",
    "evolve",
    "fold",
    "state_hash",
]
