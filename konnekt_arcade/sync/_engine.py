"""The core of ``LobbySync``: replicated state, the role machine and the plumbing its parts
share, sans-I/O.

Roles are not separate classes because they change at run time (delegation, migration,
stepping down): one object is host or replica depending on its :class:`Role`, and
:meth:`SyncBase._transition` is the only code that changes it. The work is done by parts the
core owns, each with its own state and reached through explicit references (never through
inheritance): :class:`Replica` (ordered application, gap repair, commands in flight),
:class:`Host` (sequencing, bindings, grace periods), :class:`Authority` (host claims, judged
by the pure ``judge_claim``), :class:`Election` (host loss, taking over) and
:class:`PasswordGate`; :class:`PendingCommands` and :class:`SequencedCommands` keep commands
exactly-once across host changes. Parts call only methods of the core or of another part
they hold; the core calls only methods its parts define.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel

from ..domain import DomainError, Lobby, evolve
from ..domain._events import CommandFailed, DelegationReason, HostDelegated, ParticipantDisconnected
from ..domain._models import StateDigest
from ._claims import Authority
from ._commands import PendingCommands, SequencedCommands, first_request_id
from ._common import MAX_EVENTS_PER_RESPONSE, log, token_hash
from ._config import SyncConfig
from ._election import Election
from ._gate import PasswordGate
from ._host import Host
from ._limits import PeerBuckets, QuietLog
from ._log import EventLog
from ._notices import HostChanged, HostLost, LobbySynced, ReceivedCommand
from ._replica import Replica
from ._role import Cause, IllegalMove, Role, host_epoch, next_role
from ._wire import (
    Heartbeat,
    LobbyEvent,
    LobbySnapshot,
    Outgoing,
    RequestFullSync,
    Roster,
    channel_of,
    encode,
)

#: ``Outgoing`` without NamedTuple's generated ``__new__`` (a Python-level call per peer).
_outgoing = tuple.__new__

#: Applied events that need more than the fold (see ``_after_apply``): checked by exact type
#: on every event, which is cheaper than the isinstance tests themselves.
_FOLLOW_UP = frozenset({ParticipantDisconnected, HostDelegated})

#: Drops that happen on any healthy lossy link; logged at debug level only.
_BENIGN_DROPS = frozenset({"duplicate", "stale_epoch", "stale_heartbeat", "wrong_lobby"})



@dataclass(frozen=True)
class Term:
    """The role machine's state: our role, whom we follow (or lost), and the epoch."""

    role: Role = Role.UNSYNCED
    host_peer: str | None = None
    epoch: int = 0


@dataclass
class ElectionState:
    """Bookkeeping of the ELECTING and COLLECTING states; dropped when they are left."""

    lost_at: float
    #: The successor we wait for, and until when.
    target: str | None = None
    deadline: float = 0.0
    #: Successors that stayed silent past their deadline (they may be alive and follow
    #: someone else): skipped by our successor rule until the election ends.
    passed_over: set[str] = field(default_factory=set)
    #: COLLECTING: survivor -> whether it answered, and until when we wait.
    collecting: dict[str, bool] = field(default_factory=dict)
    collect_deadline: float = 0.0


class SyncBase:
    """Replicated state, the role machine and the plumbing shared by the parts."""

    def __init__(
        self,
        local_peer: str,
        config: SyncConfig | None = None,
        *,
        new_id: Callable[[], UUID] = uuid4,
        new_token: Callable[[], str] = lambda: secrets.token_urlsafe(24),
        password: str | None = None,
        strict: bool | None = None,
    ) -> None:
        self.local_peer = local_peer
        self.config = config or SyncConfig()
        self._new_id = new_id
        self._new_token = new_token
        self.lobby: Lobby | None = None
        #: The lobby a guest asked to join (None: the first snapshot it gets).
        self.expected_lobby: UUID | None = None
        self.sequence = 0
        #: Role, host peer and epoch: assigned in ``_transition`` only.
        self._term = Term()
        self._election: ElectionState | None = None
        #: Internal errors (bugs, never bad input) re-raise instead of only being counted in
        #: ``stats["internal_error"]``: on in the simulator, the stateful test and under the
        #: pytest plugin (env ``KONNEKT_STRICT=1``), so a bug cannot hide behind a counter.
        self.strict = strict if strict is not None else os.environ.get("KONNEKT_STRICT") == "1"
        self.local_participant_id: UUID | None = None
        self.reconnect_token: str | None = None
        self.roster = Roster()
        self.stats: Counter[str] = Counter()
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
        #: The highest epoch we sequenced in as host. A host that yields takes another
        #: history (the winner's snapshot); should it be handed the role again, it must not
        #: sequence in that epoch again, or its old followers would see one term with two
        #: histories at the same sequence numbers and never notice.
        self._held_epoch = -1
        #: The highest epoch we followed, held or applied an event of.
        self._seen_epoch = -1
        self._digest_cache: tuple[Lobby, str] | None = None
        self._digest = StateDigest()
        self._log = EventLog(self.config.max_log_events)
        #: Epoch of the event at the applied snapshot's sequence (its log starts empty).
        self._snapshot_tail: int | None = None
        self._out: list[Outgoing] = []
        self._events: list[object] = []
        self._received: deque[ReceivedCommand] = deque(maxlen=1024)  # bounded if undrained
        # Peers the transport says we can reach, whether or not they answer:
        # heartbeats keep going to them so a healed partition is noticed.
        self._linked: set[str] = set()
        # Peers we heard from recently (peer -> last seen); liveness.
        self._peers: dict[str, float] = {}
        # Peers given up on (timed out or disconnected) until they speak again; never also
        # in ``_peers``.
        self._lost: set[str] = set()
        self._last_heartbeat = float("-inf")
        self._full_sync_at: float | None = None
        self._pending = PendingCommands(cfg.max_pending_commands, cfg.command_timeout)
        self._sequenced = SequencedCommands(cfg.max_remembered_commands)
        #: Set when commands in flight may have somewhere new to go (see ``_settle``).
        self._commands_due = False
        self._next_request = first_request_id(local_peer)
        #: request id -> "accepted" | "failed", for our own latest commands (bounded).
        self._outcomes: OrderedDict[int, str] = OrderedDict()
        self._resume: tuple[UUID, str] | None = None
        self._ever_synced = False
        self._needs_host_setup = False
        # The parts, each with its own state; they reach shared state through this object.
        self.gate = PasswordGate(self, password)
        self.authority = Authority(self)
        self.replica = Replica(self)
        self.host = Host(self)
        self.election = Election(self)

    # --- outputs ----------------------------------------------------------

    def data_to_send(self) -> list[Outgoing]:
        """Outgoing ``(peer, channel, data)`` queued since the last call: the channel says
        how the transport should carry it (see :class:`Channel`)."""
        out, self._out = self._out, []
        return out

    def drain_events(self) -> list[object]:
        """Applied domain events, CommandFailed and sync notices, in order."""
        out, self._events = self._events, []
        return out

    def drain_received_commands(self) -> list[ReceivedCommand]:
        """User commands peers sent us since the last call (typed; see ReceivedCommand)."""
        out = list(self._received)
        self._received.clear()
        return out

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

    # --- the role machine ---------------------------------------------------

    def _transition(self, cause: Cause, host_peer: str | None, epoch: int, now: float, *,
                    migrated: bool = True) -> bool:
        """The only place that changes role, host peer or epoch, and the only place that
        emits ``HostChanged`` (and ``HostLost``). The new role is the table's
        (:data:`TRANSITIONS`) for ``(role, cause)``; a move it does not list raises in strict
        mode and is logged and refused (False) otherwise.

        Resets exactly what the move makes stale: election bookkeeping when leaving
        ELECTING/COLLECTING, gap repair and rival counts when the host changes; commands
        in flight go to the new host once the current input is handled (``_settle``).
        """
        old = self._term
        role = next_role(old.role, cause)
        if role is None:
            self.stats["illegal_move"] += 1
            log.error("illegal role move %s --%s-->", old.role.name, cause.name)
            if self.strict:
                raise IllegalMove(f"{old.role.name} has no move on {cause.name}")
            return False
        if role is Role.HOST:
            # A host sequences only in an epoch of its own slot (see SLOT_BITS), above every
            # epoch it has seen (its log must never hold an event of a later term than its
            # own: a replica would take that for a claim), and never again in a term it held
            # before yielding (it took the winner's history then; its old followers would
            # see two histories in one epoch).
            floor = epoch
            if old.role is not Role.HOST:
                floor = max(floor, self._held_epoch + 1, self._seen_epoch + 1)
            elif epoch != old.epoch:
                floor = max(floor, self._seen_epoch + 1)
            epoch = host_epoch(self.local_peer, floor)
        if old.role is Role.HOST and role is not Role.HOST:
            self._held_epoch = max(self._held_epoch, old.epoch)
            self.stats["stepped_down"] += 1
        self._term = Term(role, host_peer, epoch)
        self._seen_epoch = max(self._seen_epoch, epoch)
        if role in (Role.ELECTING, Role.COLLECTING):
            if self._election is None:
                self._election = ElectionState(lost_at=now)
        else:
            self._election = None
        if old.role in (Role.REPLICA, Role.HOST) and role is Role.ELECTING:
            self._events.append(HostLost(old.host_peer))
        if host_peer == old.host_peer and (role is Role.HOST) == (old.role is Role.HOST):
            return True
        self.authority.forget_rivals()
        self.replica.forget_gap()
        self._pending.forget_rejoins()
        self._commands_due = True
        if role is Role.HOST:
            log.info("host is now %s (epoch %d): this peer", host_peer, epoch)
        elif host_peer is not None:
            log.info("host is now %s (epoch %d)", host_peer, epoch)
        if old.host_peer is not None and host_peer is not None and role in (Role.REPLICA,
                                                                              Role.HOST):
            self._events.append(HostChanged(host_peer, epoch, role is Role.HOST, migrated))
        return True

    @property
    def connected_peers(self) -> list[str]:
        return sorted(self._peers)

    # Read-only views for tests and diagnostics (the state itself stays private).

    def event_at(self, sequence: int) -> LobbyEvent | None:
        """The applied event at ``sequence`` if the bounded log still holds it."""
        return self._log.get(sequence)

    @property
    def log_length(self) -> int:
        return len(self._log)

    @property
    def buffered_events(self) -> int:
        """Out-of-order events held while a gap is repaired."""
        return self.replica.buffered

    @property
    def commands_in_flight(self) -> int:
        """Our commands the host has not answered yet."""
        return len(self._pending)

    @property
    def remembered_commands(self) -> int:
        """Sequenced commands remembered for recognising re-sends."""
        return len(self._sequenced)

    def was_sequenced(self, participant_id: UUID, request_id: int) -> bool:
        return (participant_id, request_id) in self._sequenced

    @property
    def password_verified_peers(self) -> frozenset[str]:
        """Peers that proved the lobby password to us (host side)."""
        return self.gate.verified_peers

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
            last_epoch=self._tail_epoch(),
            commands=self._sequenced.origins(),
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
        self._out.append(Outgoing(peer, channel_of(msg), encode(msg)))
        self.stats["sent"] += 1

    def _broadcast(self, msg: BaseModel, exclude: str | None = None) -> None:
        # The host's hot path (every event, to every peer): encode once, decide once whether
        # the gate filters anyone, build the outgoing tuples in one comprehension.
        data, channel = encode(msg), channel_of(msg)
        peers = sorted(self._linked)
        if exclude is not None and exclude in self._linked:
            peers.remove(exclude)
        if self.is_host and self.gate.password is not None:
            authorized = self.gate.authorized  # a password lobby shows nothing to strangers
            peers = [p for p in peers if authorized(p)]
        self._out.extend([_outgoing(Outgoing, (peer, channel, data)) for peer in peers])
        self.stats["sent"] += len(peers)

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

    def _fail(self, command_type: str, reason: str, request_id: int | None) -> None:
        self._events.append(
            CommandFailed(command_type=command_type, reason=reason, request_id=request_id)
        )
        if request_id is not None:
            self._answered(request_id, "failed")

    def _answered(self, request_id: int, outcome: str) -> None:
        self._outcomes[request_id] = outcome
        while len(self._outcomes) > 1024:
            self._outcomes.popitem(last=False)

    def command_outcome(self, request_id: int) -> str | None:
        """How our command ``request_id`` ended: "accepted", "failed", or None while it
        is in flight (or too old to remember)."""
        return self._outcomes.get(request_id)

    def _touch(self, peer: str, now: float) -> None:
        if peer == self.local_peer:
            return
        self._lost.discard(peer)  # hearing a peer is proof it is alive
        self._peers[peer] = now
        self._linked.add(peer)

    def _last_epoch(self) -> int:
        tail = self._tail_epoch()
        return tail if tail is not None else self.epoch

    def _tail_epoch(self) -> int | None:
        """Epoch of our event at ``sequence``, if we know it (the log, or the snapshot)."""
        if self.sequence == 0:
            return None
        last = self._log.get(self.sequence)
        return last.epoch if last is not None else self._snapshot_tail

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
        self._events.append(event)
        if type(event) in _FOLLOW_UP:
            self._after_apply(event, now, le.epoch)
        return True

    def _after_apply(self, event: object, now: float, epoch: int) -> None:
        if (
            isinstance(event, ParticipantDisconnected)
            and event.participant_id == self.local_participant_id
            and not self.is_host
        ):
            # The host thinks we are gone (a partition healed): prove we're back.
            self.replica.send_rejoin()
        if isinstance(event, HostDelegated):
            self._on_hand_over(event, now, epoch)

    def _on_hand_over(self, event: HostDelegated, now: float, epoch: int) -> None:
        """A HostDelegated event was folded: follow it, on every peer alike.

        Every hand-over starts a new term (it is part of the folded log): a deposed host's
        late messages are then stale by epoch, not a rival claim at the same epoch. A
        migration's announcement already carries the new term.
        """
        migrated = event.reason is DelegationReason.MIGRATED
        # The term the hand-over starts, as every peer folding it computes it: a migration's
        # announcement is sequenced in the new host's own term; a delegation starts the
        # next one (the delegate then opens an epoch of its own slot, which its followers
        # take from its first heartbeat or event). Taken from the event, never kept from
        # our own state: replaying an old hand-over during catch-up must not leave us in an
        # epoch our host never had.
        new_epoch = epoch if migrated else epoch + 1
        if event.to_id == self.local_participant_id or (
            self.peer_of(event.to_id) == self.local_peer
        ):
            self.local_participant_id = event.to_id
            self._transition(Cause.HAND_OVER_TO_US, self.local_peer, new_epoch, now,
                             migrated=migrated)
            # Bookkeeping that decides new events must wait until this event is
            # broadcast, or the wire order would break.
            self._needs_host_setup = True
            return
        host = self.peer_of(event.to_id) or self.host_peer
        self._transition(Cause.HAND_OVER_TO_OTHER, host, new_epoch, now, migrated=migrated)
        if host is not None and host != self.local_peer and host not in self._peers \
                and host not in self._lost:
            # A host we never heard from (no link to it yet, or never again): give it one
            # heartbeat timeout to speak, like any peer, rather than follow it forever.
            self._peers[host] = now
        if host in self._lost:
            # The hand-over names a peer whose departure reached us first: nothing will
            # ever time it out again, so its loss is handled now.
            self._lost.discard(host)  # type: ignore[arg-type]
            self.election.peer_lost(host, now)  # type: ignore[arg-type]

    def _heartbeat(self) -> Heartbeat:
        self._beat += 1
        return Heartbeat(lobby_id=self.lobby.id if self.lobby else None, epoch=self.epoch,
                         sequence=self.sequence, last_epoch=self._last_epoch(),
                         host_peer=self.host_peer, beat=self._beat,
                         state=self._state_digest())

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
        self.lobby = snap.lobby
        self.sequence = snap.as_of_sequence
        self._transition(Cause.SNAPSHOT_NAMES_US if snap.host_peer == self.local_peer
                         else Cause.SNAPSHOT_APPLIED, snap.host_peer, snap.epoch, now)
        self.roster = snap.roster
        self._log.reset()
        self._snapshot_tail = snap.last_epoch
        self._sequenced.reset(snap.commands)
        self._full_sync_at = None
        self._ever_synced = True
        self.replica.after_snapshot(snap.host_peer)
        self.stats["snapshots_applied"] += 1
        log.info("📥 GUEST: Received lobby snapshot via P2P: %s", snap.name)
        self._events.append(LobbySynced(snap.name, self.sequence, first))
        for le in events:
            self.replica.on_event(peer, le, now, live=False)
        self.replica.drain_buffer(now)
        me = self.lobby.participant(self.local_participant_id)
        if self._resume is not None and not self.is_host and (
            first or (me is not None and not me.connected)
        ):
            self.replica.send_rejoin()
        self._commands_due = True


__all__ = ["MAX_EVENTS_PER_RESPONSE", "SyncBase", "log", "token_hash"]
