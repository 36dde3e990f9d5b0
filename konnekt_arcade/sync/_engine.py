"""``LobbySync``: one peer's side of lobby replication, sans-I/O.

Fed with ``peer_connected``, ``peer_disconnected``, ``receive``, ``submit``
and ``tick`` (all taking ``now``); yields ``data_to_send()`` pairs and
``drain_events()``. It never sleeps, opens sockets or starts threads, which is
what lets tests drive it through reordering, loss, partitions and host loss
deterministically.

Roles are not separate classes because they change at run time (delegation,
migration, stepping down): the same object is host or replica depending on
``is_host``. The host is the only sequencer; the election logic lives in
``_election.py`` and the host's bookkeeping in ``_host.py``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import Counter
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel

from ..domain import DomainError, Lobby, evolve, state_hash
from ..domain._events import CommandFailed, DelegationReason, HostDelegated, ParticipantDisconnected
from ._config import SyncConfig
from ._limits import PeerBuckets, QuietLog
from ._log import EventLog
from ._notices import HostChanged, LobbySynced
from ._wire import (
    Command,
    LobbyEvent,
    LobbySnapshot,
    RequestFullSync,
    Roster,
    encode,
)

log = logging.getLogger("konnekt_arcade.sync")

#: Drops that happen on any healthy lossy link; logged at debug level only.
_BENIGN_DROPS = frozenset({"duplicate", "stale_epoch", "stale_heartbeat", "wrong_lobby"})
#: A hand-over raises the epoch by one, and even a long partition sees only a
#: few; a claim this far ahead of ours is a forgery, not a missed election.
MAX_EPOCH_JUMP = 1000

#: Events per MissingEventsResponse, so one reply stays well under the
#: message size limit; the requester asks again for the rest.
MAX_EVENTS_PER_RESPONSE = 128


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SyncBase:
    """State and plumbing shared by the replica, host and election parts."""

    def __init__(
        self,
        local_peer: str,
        config: SyncConfig | None = None,
        *,
        new_id: Callable[[], UUID] = uuid4,
        new_token: Callable[[], str] = lambda: secrets.token_urlsafe(24),
        password: str | None = None,
    ) -> None:
        self.local_peer = local_peer
        self.config = config or SyncConfig()
        self._new_id = new_id
        self._new_token = new_token
        self.lobby: Lobby | None = None
        self.sequence = 0
        self.epoch = 0
        self.host_peer: str | None = None
        self._is_host = False
        self.local_participant_id: UUID | None = None
        self.reconnect_token: str | None = None
        self.roster = Roster()
        self.stats: Counter[str] = Counter()
        #: The lobby password: the host checks it, a guest proves it. Never
        #: sent anywhere (see ``password_proof``).
        self.password = password or None
        self._now = 0.0
        self._quiet = QuietLog(log, self.config.warning_interval)
        cfg = self.config
        self._msg_limit = PeerBuckets(cfg.message_rate, cfg.message_burst)
        self._cmd_limit = PeerBuckets(cfg.command_rate, cfg.command_burst)
        self._chat_limit = PeerBuckets(cfg.chat_rate, cfg.chat_burst)
        # Authority votes: peer -> the host its latest heartbeat follows, and
        # that heartbeat's counter (so reordered old ones are ignored).
        self._votes: dict[str, str] = {}
        self._beats: dict[str, int] = {}
        self._beat = 0
        # Epoch raising against rival hosts (see _consider_authority).
        self._raises: dict[str, int] = {}
        self._last_raise = float("-inf")
        #: The highest epoch we sequenced in as host. A host that yields takes another
        #: history (the winner's snapshot); should it be handed the role again, it must not
        #: sequence in that epoch again, or its old followers would see one term with two
        #: histories at the same sequence numbers and never notice.
        self._held_epoch = -1
        self._digest_cache: tuple[Lobby, str] | None = None
        # Password: peers that proved it to us (host), attempts per peer,
        # and hosts we sent a proof to (guest).
        self._authed: set[str] = set()
        self._auth_attempts: dict[str, int] = {}
        self._proved_to: set[str] = set()
        self._log = EventLog(self.config.max_log_events)
        self._buffer: dict[int, LobbyEvent] = {}
        # Events that arrived before our first snapshot, by sender: only the
        # snapshot's host's are kept (anyone else's would be forgeries).
        self._early: dict[tuple[str, int], LobbyEvent] = {}
        self._out: list[tuple[str, bytes]] = []
        self._events: list[object] = []
        # Peers the transport says we can reach, whether or not they answer:
        # heartbeats keep going to them so a healed partition is noticed.
        self._linked: set[str] = set()
        # Peers we heard from recently (peer -> last seen); liveness.
        self._peers: dict[str, float] = {}
        # Peers given up on (for the election), until they speak again.
        self._lost: set[str] = set()
        self._last_heartbeat = float("-inf")
        # replica bookkeeping
        self._gap: tuple[int, float, int] | None = None
        self._full_sync_at: float | None = None
        self._pending: dict[int, tuple[str, float]] = {}
        self._held: list[Command] = []
        self._next_request = 1
        self._resume: tuple[UUID, str] | None = None
        self._ever_synced = False
        # host bookkeeping
        self._grace: dict[UUID, float] = {}
        self._needs_host_setup = False
        self._banned_peers: set[str] = set()
        # election bookkeeping
        self._host_lost_at: float | None = None
        self._election_target: str | None = None
        self._election_deadline = 0.0
        self._collecting: dict[str, bool] | None = None
        self._collect_deadline = 0.0

    # --- outputs ----------------------------------------------------------

    def data_to_send(self) -> list[tuple[str, bytes]]:
        """Outgoing (peer, bytes) pairs queued since the last call."""
        out, self._out = self._out, []
        return out

    def drain_events(self) -> list[object]:
        """Applied domain events, CommandFailed and sync notices, in order."""
        out, self._events = self._events, []
        return out

    # --- state ------------------------------------------------------------

    @property
    def is_host(self) -> bool:
        return self._is_host

    @property
    def connected_peers(self) -> list[str]:
        return sorted(self._peers)

    def snapshot(self) -> LobbySnapshot | None:
        """The complete replicated state, as a late joiner receives it."""
        if self.lobby is None or self.host_peer is None:
            return None
        return LobbySnapshot(
            lobby_id=self.lobby.id,
            name=self.lobby.name,
            host_id=self.lobby.host_id,
            lobby=self.lobby,
            as_of_sequence=self.sequence,
            epoch=self.epoch,
            host_peer=self.host_peer,
            roster=self.roster,
        )

    def participant_of(self, peer: str) -> UUID | None:
        for pid, entry in self.roster.entries.items():
            if entry.peer_id == peer:
                return UUID(pid)
        return None

    def peer_of(self, participant_id: UUID | None) -> str | None:
        if participant_id is None:
            return None
        entry = self.roster.entries.get(str(participant_id))
        return entry.peer_id if entry else None

    # --- plumbing ---------------------------------------------------------

    def _send(self, peer: str, msg: BaseModel) -> None:
        self._out.append((peer, encode(msg)))
        self.stats["sent"] += 1

    def _broadcast(self, msg: BaseModel, exclude: str | None = None) -> None:
        data = encode(msg)
        for peer in sorted(self._linked):
            if self._is_host and not self._authorized(peer):
                continue  # a password lobby shows nothing to strangers
            if peer != exclude:
                self._out.append((peer, data))
                self.stats["sent"] += 1

    def _drop(self, reason: str, peer: str, detail: Any = "") -> None:
        """Count (and log, rate-limited) a message we did not act on."""
        self.stats[f"dropped:{reason}"] += 1
        self.stats["dropped"] += 1
        if reason in _BENIGN_DROPS:
            log.debug("dropped message from %s: %s %s", peer, reason, detail)
        else:
            self._quiet.warning(f"dropped:{reason}", self._now,
                                "dropped message from %s: %s %s", peer, reason, str(detail)[:200])

    def _count_rejected(self, kind: str, peer: str, reason: str) -> None:
        """Count (and log, rate-limited) a request the rules refused."""
        self.stats[f"rejected:{kind}"] += 1
        self.stats["rejected"] += 1
        self._quiet.warning(f"rejected:{kind}", self._now, "refused %s from %s: %s",
                            kind, peer, reason)

    def _authorized(self, peer: str) -> bool:
        """Whether ``peer`` may see the lobby: no password, or it proved the
        password to us, or it is a participant (it proved it when joining)."""
        return (self.password is None or peer in self._authed
                or self.participant_of(peer) is not None)

    def _fail(self, command_type: str, reason: str, request_id: int | None) -> None:
        self._events.append(
            CommandFailed(command_type=command_type, reason=reason, request_id=request_id)
        )

    def _touch(self, peer: str, now: float) -> None:
        if peer == self.local_peer:
            return
        if peer not in self._peers:
            self._lost.discard(peer)
        self._peers[peer] = now
        self._linked.add(peer)

    def _last_epoch(self) -> int:
        last = self._log.get(self.sequence)
        return last.epoch if last else self.epoch

    # --- applying events (everyone) ---------------------------------------

    def _apply(self, le: LobbyEvent, now: float) -> bool:
        """Fold one sequenced event; False (and a resync) if it doesn't fit."""
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
        self._events.append(le.event)
        self._after_apply(le.event, now, le.epoch)
        return True

    def _after_apply(self, event: object, now: float, epoch: int) -> None:
        if (
            isinstance(event, ParticipantDisconnected)
            and event.participant_id == self.local_participant_id
            and not self._is_host
        ):
            # The host thinks we are gone (a partition healed): prove we're back.
            self._send_rejoin()
        if isinstance(event, HostDelegated):
            # Every hand-over starts a new term, on every peer alike (it is
            # part of the folded log): a deposed host's late messages are
            # then stale by epoch, not a rival claim at the same epoch.
            # A migration's announcement already carries the new term.
            if event.reason is not DelegationReason.MIGRATED:
                self.epoch = max(self.epoch, epoch + 1)
            was_host = self._is_host
            if event.to_id == self.local_participant_id or (
                self.peer_of(event.to_id) == self.local_peer
            ):
                self.local_participant_id = event.to_id
                self._is_host, self.host_peer = True, self.local_peer
                # Bookkeeping that decides new events must wait until this
                # event is broadcast, or the wire order would break.
                self._needs_host_setup = True
            else:
                self._is_host = False
                self.host_peer = self.peer_of(event.to_id) or self.host_peer
            self._host_lost_at = None
            if was_host != self._is_host or event.reason is DelegationReason.MIGRATED:
                self._events.append(
                    HostChanged(self.host_peer, self.epoch, self._is_host,
                                event.reason is DelegationReason.MIGRATED)
                )
            if not self._is_host and self.host_peer in self._lost \
                    and self.host_peer not in self._peers:
                # The hand-over names a peer whose departure reached us first: nothing
                # will ever time it out again, so its loss is handled now.
                self._lost.discard(self.host_peer)
                self._peer_lost(self.host_peer, now)

    def _on_became_host(self, now: float) -> None:  # overridden by the host part
        pass

    def _state_digest(self) -> str | None:
        """``state_hash`` of our lobby, shortened, computed once per lobby object (lobbies
        are immutable: a new object on every change)."""
        lobby = self.lobby
        if lobby is None:
            return None
        cached = self._digest_cache
        if cached is None or cached[0] is not lobby:
            cached = self._digest_cache = (lobby, state_hash(lobby)[:16])
        return cached[1]

    def _peer_lost(self, peer: str, now: float) -> None:  # overridden by the election part
        pass

    def _decide_commit(self, command: object, actor: UUID | None, now: float) -> list[object]:
        raise NotImplementedError  # the host part decides and sequences

    def _request_full_sync(self, now: float) -> None:
        if self._full_sync_at is not None and now - self._full_sync_at < self.config.retry_interval:
            return
        self._full_sync_at = now
        self.stats["full_sync_requests"] += 1
        msg = RequestFullSync(
            lobby_id=self.lobby.id if self.lobby else None, last_known_sequence=self.sequence
        )
        if self.host_peer and self.host_peer != self.local_peer:
            self._send(self.host_peer, msg)
        else:
            self._broadcast(msg)

    def _apply_snapshot(self, peer: str, snap: LobbySnapshot, events: list[LobbyEvent],
                        now: float) -> None:
        first = not self._ever_synced
        was_host = self._is_host
        self.lobby = snap.lobby
        self.sequence = snap.as_of_sequence
        self.epoch = snap.epoch
        self.host_peer = snap.host_peer
        self._is_host = snap.host_peer == self.local_peer
        self.roster = snap.roster
        self._log.reset()
        self._full_sync_at = None
        self._gap = None
        self._host_lost_at = None
        self._collecting = None
        self._ever_synced = True
        self._buffer = {s: e for s, e in self._buffer.items() if s > self.sequence}
        early, self._early = self._early, {}
        for (sender, seq), le in sorted(early.items(), key=lambda kv: kv[0][1]):
            if sender == snap.host_peer and seq > self.sequence:
                self._buffer.setdefault(seq, le)
        self.stats["snapshots_applied"] += 1
        log.info("📥 GUEST: Received lobby snapshot via P2P: %s", snap.name)
        self._events.append(LobbySynced(snap.name, self.sequence, first))
        if was_host and not self._is_host:
            self._events.append(HostChanged(self.host_peer, self.epoch, False, True))
        for le in events:
            self._on_event(peer, le, now, live=False)
        self._drain_buffer(now)
        me = self.lobby.participant(self.local_participant_id)
        if self._resume is not None and not self._is_host and (
            first or (me is not None and not me.connected)
        ):
            self._send_rejoin()
        self._flush_held()

    # --- hooks implemented by the parts ------------------------------------

    def _on_event(self, peer: str, le: LobbyEvent, now: float, *, live: bool) -> None:
        raise NotImplementedError

    def _drain_buffer(self, now: float) -> None:
        raise NotImplementedError

    def _send_rejoin(self) -> None:
        raise NotImplementedError

    def _flush_held(self) -> None:
        raise NotImplementedError


__all__ = ["MAX_EVENTS_PER_RESPONSE", "SyncBase", "log", "token_hash"]
