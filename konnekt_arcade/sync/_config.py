"""Timing and size knobs of the sync engine, with the reasons for their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from ._wire import MAX_MESSAGE_SIZE


@dataclass(frozen=True)
class SyncConfig:
    #: Every peer heartbeats every peer this often (seconds).
    heartbeat_interval: float = 0.5
    #: Silence after which a peer counts as lost. 2.5 s lets the survivors
    #: agree on a new host within the 3 s the resilience goal allows, while
    #: tolerating a few lost heartbeats on a lossy link.
    heartbeat_timeout: float = 2.5
    #: The seed's promise: a lost participant may come back within 30 s.
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
    #: Commands without an answer fail after this long.
    command_timeout: float = 10.0
    max_message_size: int = MAX_MESSAGE_SIZE
