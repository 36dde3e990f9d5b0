"""Commands: what a participant (or the host's own bookkeeping) asks for.

Only the host *decides* commands; replicas never execute them. User commands
travel on the wire from guest to host, so they form a discriminated union on
their ``type`` field. System commands are issued by the host's sync layer
(disconnect bookkeeping, deadlines, migration) and are deliberately *not* part
of the wire union: no peer can send one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ._models import DEFAULT_MAX_PARTICIPANTS, Scoring


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- user commands -----------------------------------------------------------


class CreateLobby(_Command):
    type: Literal["CreateLobby"] = "CreateLobby"
    lobby_name: str
    host_name: str
    lobby_id: UUID | None = None
    max_participants: int = DEFAULT_MAX_PARTICIPANTS


class JoinLobby(_Command):
    type: Literal["JoinLobby"] = "JoinLobby"
    lobby_id: UUID
    guest_name: str


class LeaveLobby(_Command):
    type: Literal["LeaveLobby"] = "LeaveLobby"
    lobby_id: UUID
    participant_id: UUID


class KickGuest(_Command):
    type: Literal["KickGuest"] = "KickGuest"
    lobby_id: UUID
    host_id: UUID
    guest_id: UUID


class ToggleParticipationMode(_Command):
    type: Literal["ToggleParticipationMode"] = "ToggleParticipationMode"
    lobby_id: UUID
    participant_id: UUID


class SetReady(_Command):
    type: Literal["SetReady"] = "SetReady"
    lobby_id: UUID
    participant_id: UUID
    ready: bool


class DelegateHost(_Command):
    type: Literal["DelegateHost"] = "DelegateHost"
    lobby_id: UUID
    current_host_id: UUID
    new_host_id: UUID


class QueueActivity(_Command):
    type: Literal["QueueActivity"] = "QueueActivity"
    lobby_id: UUID
    host_id: UUID
    activity_type: str
    name: str
    config: dict[str, Any] = Field(default_factory=dict)
    activity_id: UUID | None = None
    #: Who submits results: each player (``SELF``) or the host's game (``HOST``).
    scoring: Scoring = Scoring.SELF
    #: Time limit of a run of this activity (``StartNextRun.duration_ms`` overrides it).
    duration_ms: int | None = Field(default=None, gt=0)


class RemoveQueuedActivity(_Command):
    type: Literal["RemoveQueuedActivity"] = "RemoveQueuedActivity"
    lobby_id: UUID
    host_id: UUID
    activity_id: UUID


class StartNextRun(_Command):
    type: Literal["StartNextRun"] = "StartNextRun"
    lobby_id: UUID
    host_id: UUID
    #: Optional time limit; when it passes the host ends the run with what it has. None: the
    #: queued activity's own ``duration_ms`` (itself None for no limit).
    duration_ms: int | None = Field(default=None, gt=0)
    #: Settings for this round only, laid over the queued activity's ``config`` (the run's
    #: ``activity.config`` is the merge): a host changes a round's length or level without
    #: queueing the activity again, and the registry's fixed config stays as it is.
    config_overrides: dict[str, Any] = Field(default_factory=dict)


class SubmitResult(_Command):
    type: Literal["SubmitResult"] = "SubmitResult"
    lobby_id: UUID
    run_id: UUID
    participant_id: UUID
    data: dict[str, Any] = Field(default_factory=dict)
    score: int = 0
    time_taken_ms: int = Field(default=0, ge=0)


class SubmitResultFor(_Command):
    """The host submits ``participant_id``'s result in a host-scored run (``Scoring.HOST``):
    the host's game code referees and decides every score. Refused from anyone but the
    current host, and in a self-scored run (players submit their own there)."""

    type: Literal["SubmitResultFor"] = "SubmitResultFor"
    lobby_id: UUID
    host_id: UUID
    run_id: UUID
    participant_id: UUID
    data: dict[str, Any] = Field(default_factory=dict)
    score: int = 0
    time_taken_ms: int = Field(default=0, ge=0)


class CancelRun(_Command):
    type: Literal["CancelRun"] = "CancelRun"
    lobby_id: UUID
    host_id: UUID
    run_id: UUID
    reason: str = "cancelled by host"


class RemoveSubmitter(_Command):
    type: Literal["RemoveSubmitter"] = "RemoveSubmitter"
    lobby_id: UUID
    host_id: UUID
    run_id: UUID
    participant_id: UUID


class SendChat(_Command):
    type: Literal["SendChat"] = "SendChat"
    lobby_id: UUID
    participant_id: UUID
    text: str


UserCommand = Annotated[
    CreateLobby
    | JoinLobby
    | LeaveLobby
    | KickGuest
    | ToggleParticipationMode
    | SetReady
    | DelegateHost
    | QueueActivity
    | RemoveQueuedActivity
    | StartNextRun
    | SubmitResult
    | SubmitResultFor
    | CancelRun
    | RemoveSubmitter
    | SendChat,
    Field(discriminator="type"),
]

# --- system commands (host-local, never on the wire) -------------------------


class MarkDisconnected(_Command):
    type: Literal["MarkDisconnected"] = "MarkDisconnected"
    participant_id: UUID


class MarkReconnected(_Command):
    type: Literal["MarkReconnected"] = "MarkReconnected"
    participant_id: UUID


class RemoveTimedOut(_Command):
    """The reconnection grace period of a disconnected participant ran out."""

    type: Literal["RemoveTimedOut"] = "RemoveTimedOut"
    participant_id: UUID


class ExpireRun(_Command):
    """The current run's deadline passed."""

    type: Literal["ExpireRun"] = "ExpireRun"
    run_id: UUID


class MigrateHost(_Command):
    """The host was lost; ``new_host_id`` (this peer) takes over."""

    type: Literal["MigrateHost"] = "MigrateHost"
    new_host_id: UUID


SystemCommand = MarkDisconnected | MarkReconnected | RemoveTimedOut | ExpireRun | MigrateHost
AnyCommand = UserCommand | SystemCommand


class DomainCommand:
    """Namespace of all commands, mirroring konnekt-session-p2p's Rust enum.

    ``DomainCommand.JoinLobby(lobby_id=..., guest_name="Bob")``.
    """

    CreateLobby = CreateLobby
    JoinLobby = JoinLobby
    LeaveLobby = LeaveLobby
    KickGuest = KickGuest
    ToggleParticipationMode = ToggleParticipationMode
    SetReady = SetReady
    DelegateHost = DelegateHost
    QueueActivity = QueueActivity
    RemoveQueuedActivity = RemoveQueuedActivity
    StartNextRun = StartNextRun
    SubmitResult = SubmitResult
    SubmitResultFor = SubmitResultFor
    CancelRun = CancelRun
    RemoveSubmitter = RemoveSubmitter
    SendChat = SendChat
    MarkDisconnected = MarkDisconnected
    MarkReconnected = MarkReconnected
    RemoveTimedOut = RemoveTimedOut
    ExpireRun = ExpireRun
    MigrateHost = MigrateHost

    #: Every command class a guest may send over the wire.
    USER_COMMANDS: tuple[type[_Command], ...] = (
        CreateLobby, JoinLobby, LeaveLobby, KickGuest, ToggleParticipationMode, SetReady,
        DelegateHost, QueueActivity, RemoveQueuedActivity, StartNextRun, SubmitResult,
        SubmitResultFor, CancelRun, RemoveSubmitter, SendChat,
    )
    SYSTEM_COMMANDS: tuple[type[_Command], ...] = (
        MarkDisconnected, MarkReconnected, RemoveTimedOut, ExpireRun, MigrateHost,
    )
