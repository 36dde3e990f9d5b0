"""The replicated state every peer holds, and folding sequenced events into it.

The base of the core (``_core.py``): the lobby, its sequence number, the roster, the bounded
log, the sequenced commands and the role machine's :class:`Term`, with the read-only members
the parts see through ``SyncView``. Only :meth:`ReplicatedState._apply` folds an event; what
an event means beyond the fold (a hand-over, our own disconnection) is the core's
``_after_apply``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from ..domain import DomainError, Lobby, evolve
from ..domain._events import HostDelegated, ParticipantDisconnected
from ..domain._models import StateDigest
from ._common import log
from ._config import SyncConfig
from ._exactly_once import SequencedCommands
from ._log import EventLog
from ._outbox import Outbox
from ._role import Role
from ._wire import LobbyEvent, LobbySnapshot, Roster

#: Applied events that need more than the fold (see ``_after_apply``): checked by exact type
#: on every event, which is cheaper than the isinstance tests themselves.
_FOLLOW_UP = frozenset({ParticipantDisconnected, HostDelegated})


@dataclass(frozen=True)
class Term:
    """The role machine's state: our role, whom we follow (or lost), and the epoch."""

    role: Role = Role.UNSYNCED
    host_peer: str | None = None
    epoch: int = 0


class ReplicatedState:
    """What every peer replicates, and the fold. Subclassed by the core, which supplies
    ``_after_apply`` and ``_request_full_sync``."""

    def __init__(self, local_peer: str, config: SyncConfig, strict: bool | None) -> None:
        self.local_peer = local_peer
        self.config = config
        self.lobby: Lobby | None = None
        #: The lobby a guest asked to join (None: the first snapshot it gets).
        self.expected_lobby: UUID | None = None
        self.sequence = 0
        #: Role, host peer and epoch: assigned in ``_transition`` only.
        self._term = Term()
        #: Internal errors (bugs, never bad input) re-raise instead of only being counted in
        #: ``stats["internal_error"]``: on in the simulator, the stateful test and under the
        #: pytest plugin (env ``KONNEKT_STRICT=1``), so a bug cannot hide behind a counter.
        self.strict = strict if strict is not None else os.environ.get("KONNEKT_STRICT") == "1"
        self.local_participant_id: UUID | None = None
        self.reconnect_token: str | None = None
        self.roster = Roster()
        self.outbox = Outbox(config.warning_interval)
        self.stats = self.outbox.stats
        #: The highest epoch we followed, held or applied an event of.
        self._seen_epoch = -1
        self._digest_cache: tuple[Lobby, str] | None = None
        self._digest = StateDigest()
        self._log = EventLog(config.max_log_events)
        #: Epoch of the event at the applied snapshot's sequence (its log starts empty).
        self._snapshot_tail: int | None = None
        #: What the lobby sequenced (every applied event records its command here).
        self._sequenced = SequencedCommands(config.max_remembered_commands)

    # --- state ------------------------------------------------------------

    @property
    def role(self) -> Role:
        return self._term.role

    @property
    def is_host(self) -> bool:
        return self._term.role is Role.HOST

    @property
    def host_peer(self) -> str | None:
        """The peer we follow (ourselves when host; the lost one while electing)."""
        return self._term.host_peer

    @property
    def epoch(self) -> int:
        return self._term.epoch

    # --- read-only views (tests, diagnostics, the parts) ---------------------

    def event_at(self, sequence: int) -> LobbyEvent | None:
        """The applied event at ``sequence`` if the bounded log still holds it."""
        return self._log.get(sequence)

    @property
    def log_length(self) -> int:
        return len(self._log)

    @property
    def remembered_commands(self) -> int:
        """Sequenced commands remembered for recognising re-sends."""
        return len(self._sequenced)

    def was_sequenced(self, participant_id: UUID, request_id: int) -> bool:
        return (participant_id, request_id) in self._sequenced

    def snapshot(self) -> LobbySnapshot | None:
        """The complete replicated state, as a late joiner receives it."""
        if self.lobby is None or self.host_peer is None:
            return None
        return LobbySnapshot(
            lobby_id=self.lobby.id, name=self.lobby.name, host_id=self.lobby.host_id,
            lobby=self.lobby, as_of_sequence=self.sequence, epoch=self.epoch,
            host_peer=self.host_peer, roster=self.roster, last_epoch=self._tail_epoch(),
            commands=self._sequenced.origins(),
        )

    def participant_of(self, peer: str) -> UUID | None:
        return self.roster.participant_of(peer)

    def peer_of(self, participant_id: UUID | None) -> str | None:
        return self.roster.peer_of(participant_id)

    def _last_epoch(self) -> int:
        tail = self._tail_epoch()
        return tail if tail is not None else self.epoch

    def _tail_epoch(self) -> int | None:
        """Epoch of our event at ``sequence``, if we know it (the log, or the snapshot)."""
        if self.sequence == 0:
            return None
        last = self._log.get(self.sequence)
        return last.epoch if last is not None else self._snapshot_tail

    def _state_digest(self) -> str | None:
        """``StateDigest`` of our lobby, shortened, computed once per lobby object (lobbies
        are immutable: a new object on every change). Not ``state_hash``: this runs for
        every heartbeat sent or checked after a change, inside the game's frame."""
        lobby = self.lobby
        if lobby is None:
            return None
        cached = self._digest_cache
        if cached is None or cached[0] is not lobby:
            cached = self._digest_cache = (lobby, self._digest(lobby)[:16])
        return cached[1]

    # --- applying events (everyone) ---------------------------------------

    def _apply(self, le: LobbyEvent, now: float) -> bool:
        """Fold one sequenced event; False (and a resync) if it doesn't fit: another
        history behind it, or a state it does not apply to."""
        tail = self._tail_epoch()
        if (le.prev_epoch is not None and le.sequence == self.sequence + 1 and tail is not None
                and tail != le.prev_epoch):
            self.stats["diverged"] += 1
            log.warning("event %d follows another history than ours; resyncing", le.sequence)
            self._request_full_sync(now)
            return False
        try:
            lobby = evolve(self.lobby, le.event)
        except DomainError as exc:
            self.stats["apply_failed"] += 1
            log.warning("event %d does not fit our state (%s); resyncing", le.sequence, exc)
            self._request_full_sync(now)
            return False
        self.lobby = lobby
        self.sequence = le.sequence
        self._log.append(le)
        if le.epoch > self._seen_epoch:
            self._seen_epoch = le.epoch
        if le.origin is not None:
            self._sequenced.record(le.origin)
        event = le.event
        self.outbox.events.append(event)
        if type(event) in _FOLLOW_UP:
            self._after_apply(event, now, le.epoch)
        return True

    if TYPE_CHECKING:  # the core's (for the checker only: no runtime stub to shadow it)
        def _after_apply(self, event: object, now: float, epoch: int) -> None: ...
        def _request_full_sync(self, now: float) -> None: ...
