"""Timing and size knobs of the sync engine, with the reasons for their defaults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict
from uuid import UUID

from ._wire import MAX_MESSAGE_SIZE


@dataclass(frozen=True)
class SyncConfig:
    #: Every peer heartbeats every peer this often (seconds).
    heartbeat_interval: float = 0.5
    #: Silence after which a peer counts as lost. 2.5 s lets the survivors
    #: agree on a new host within the 3 s the resilience goal allows, while
    #: tolerating a few lost heartbeats on a lossy link.
    heartbeat_timeout: float = 2.5
    #: konnekt-session-p2p's promise: a lost participant may come back within 30 s.
    grace_period: float = 30.0
    #: Out-of-order events held while a gap is repaired; beyond it we resync.
    max_buffered_events: int = 256
    #: Events the host keeps for gap repair; older gaps get a full sync.
    max_log_events: int = 1024
    #: Wait before re-asking for a missing range / a full sync.
    retry_interval: float = 1.0
    #: Gap-repair attempts before falling back to a full sync.
    max_gap_retries: int = 3
    #: How long a successor waits for survivors' missing events.
    migration_collect_timeout: float = 1.0
    #: How long survivors wait for the expected successor to announce itself
    #: before passing over it.
    migration_timeout: float = 3.0
    #: Guest commands waiting for the host's answer.
    max_pending_commands: int = 64
    #: Commands without an answer fail after this long (counted again from each re-send
    #: to a new host).
    command_timeout: float = 10.0
    #: Sequenced commands every peer remembers (and snapshots carry) so a new host does not
    #: apply a re-sent one twice; far more than any guest has in flight during a hand-over.
    max_remembered_commands: int = 256
    #: Refused before parsing (see ``MAX_MESSAGE_SIZE`` for the reason).
    max_message_size: int = MAX_MESSAGE_SIZE
    #: Messages per second a peer other than our host may send (token
    #: bucket; 0 turns it off), checked before parsing. An honest peer sends
    #: 2 heartbeats a second plus what its player clicks; 200/s with a burst
    #: of 400 leaves two orders of magnitude while capping what a flood costs.
    message_rate: float = 200.0
    message_burst: int = 400
    #: Commands per second the host accepts from one peer (token bucket).
    #: Ten a second is faster than anyone clicks; the burst covers a UI that
    #: sends a few commands at once (ready + mode + chat).
    command_rate: float = 10.0
    command_burst: int = 20
    #: Chat lines per second from one peer, on top of the command limit:
    #: about what a fast typist manages, so spam stays readable for others.
    chat_rate: float = 1.0
    chat_burst: int = 5
    #: Password attempts one peer gets before its Authenticate messages are
    #: ignored (a new connection means a new peer id, new signalling round
    #: trip and a new WebRTC handshake: slow enough to make guessing costly).
    max_auth_attempts: int = 3
    #: Seconds between two warnings of the same kind in the log (the rest is
    #: counted in ``stats`` and summarised in the next warning).
    warning_interval: float = 10.0


class SyncHooks(TypedDict, total=False):
    """Keyword arguments of ``LobbySync.create_host``/``create_guest`` for tests: injected
    tokens (a deterministic simulation) and ``strict`` (raise on our own bugs)."""

    new_token: Callable[[], str]
    strict: bool | None


class SyncOptions(SyncHooks, total=False):
    """Keyword arguments ``LobbySync(...)`` passes on to ``SyncBase.__init__`` (typed, so a
    subclass's ``**kw`` stays checked)."""

    new_id: Callable[[], UUID]
    password: str | None
