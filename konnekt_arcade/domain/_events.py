"""Events: facts the host decided. Folding them with ``evolve`` is the only way
lobby state changes, on the host and on every replica alike."""

from __future__ import annotations

import enum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ._models import (
    ActivityConfig,
    ActivityResult,
    ActivityRun,
    Participant,
    ParticipationMode,
    RunStatus,
)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LeaveReason(enum.StrEnum):
    LEFT = "left"
    KICKED = "kicked"
    TIMED_OUT = "timed_out"


class DelegationReason(enum.StrEnum):
    DELEGATED = "delegated"
    MIGRATED = "migrated"


class LobbyCreated(_Event):
    type: Literal["LobbyCreated"] = "LobbyCreated"
    lobby_id: UUID
    name: str
    host: Participant
    max_participants: int
    created_at: float


class GuestJoined(_Event):
    type: Literal["GuestJoined"] = "GuestJoined"
    participant: Participant


class GuestLeft(_Event):
    type: Literal["GuestLeft"] = "GuestLeft"
    participant_id: UUID
    reason: LeaveReason = LeaveReason.LEFT


class ParticipantDisconnected(_Event):
    type: Literal["ParticipantDisconnected"] = "ParticipantDisconnected"
    participant_id: UUID


class ParticipantReconnected(_Event):
    type: Literal["ParticipantReconnected"] = "ParticipantReconnected"
    participant_id: UUID


class ParticipationModeChanged(_Event):
    type: Literal["ParticipationModeChanged"] = "ParticipationModeChanged"
    participant_id: UUID
    mode: ParticipationMode


class ReadyChanged(_Event):
    type: Literal["ReadyChanged"] = "ReadyChanged"
    participant_id: UUID
    ready: bool


class HostDelegated(_Event):
    type: Literal["HostDelegated"] = "HostDelegated"
    from_id: UUID
    to_id: UUID
    reason: DelegationReason = DelegationReason.DELEGATED


class ActivityQueued(_Event):
    type: Literal["ActivityQueued"] = "ActivityQueued"
    activity: ActivityConfig


class ActivityRemoved(_Event):
    type: Literal["ActivityRemoved"] = "ActivityRemoved"
    activity_id: UUID


class RunStarted(_Event):
    type: Literal["RunStarted"] = "RunStarted"
    run: ActivityRun


class ResultSubmitted(_Event):
    type: Literal["ResultSubmitted"] = "ResultSubmitted"
    result: ActivityResult


class SubmitterRemoved(_Event):
    type: Literal["SubmitterRemoved"] = "SubmitterRemoved"
    run_id: UUID
    participant_id: UUID


class RunEnded(_Event):
    type: Literal["RunEnded"] = "RunEnded"
    run_id: UUID
    status: RunStatus
    reason: str = ""


class ChatPosted(_Event):
    type: Literal["ChatPosted"] = "ChatPosted"
    participant_id: UUID
    text: str
    at: float


class CommandFailed(_Event):
    """Local only: a command this peer submitted was rejected. Never sequenced."""

    type: Literal["CommandFailed"] = "CommandFailed"
    command_type: str
    reason: str
    request_id: int | None = None


LobbyDomainEvent = Annotated[
    LobbyCreated
    | GuestJoined
    | GuestLeft
    | ParticipantDisconnected
    | ParticipantReconnected
    | ParticipationModeChanged
    | ReadyChanged
    | HostDelegated
    | ActivityQueued
    | ActivityRemoved
    | RunStarted
    | ResultSubmitted
    | SubmitterRemoved
    | RunEnded
    | ChatPosted,
    Field(discriminator="type"),
]
"""Every event that is sequenced and replicated (CommandFailed is local only)."""


class DomainEvent:
    """Namespace of all events, mirroring konnekt-session-p2p's Rust enum.

    ``case DomainEvent.GuestJoined(participant=p): ...``
    """

    LobbyCreated = LobbyCreated
    GuestJoined = GuestJoined
    GuestLeft = GuestLeft
    ParticipantDisconnected = ParticipantDisconnected
    ParticipantReconnected = ParticipantReconnected
    ParticipationModeChanged = ParticipationModeChanged
    ReadyChanged = ReadyChanged
    HostDelegated = HostDelegated
    ActivityQueued = ActivityQueued
    ActivityRemoved = ActivityRemoved
    RunStarted = RunStarted
    ResultSubmitted = ResultSubmitted
    SubmitterRemoved = SubmitterRemoved
    RunEnded = RunEnded
    ChatPosted = ChatPosted
    CommandFailed = CommandFailed
