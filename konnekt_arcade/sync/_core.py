"""The core of ``LobbySync``: replicated state, the role machine, and the parts it composes,
sans-I/O.

Roles are not separate classes because they change at run time (delegation, migration,
stepping down): one object is host or replica depending on its :class:`Role`, and
:meth:`SyncBase._transition` is the only code that changes it, by the table in ``_role.py``.
The work is done by parts, each a leaf that never imports this module: it owns its state,
reads the replicated state through the read-only ``SyncView`` (this object), queues output
in the shared :class:`Outbox`, gets callbacks for what it may make happen, and *returns* the
:class:`Move` it calls for. :meth:`SyncBase._move` makes the move and does what its cause
needs after. The parts: :class:`Replica` (ordered application, gap repair), :class:`Host`
(sequencing, bindings, grace periods), :class:`Authority` (votes, host claims judged by the
pure ``judge_claim``), :class:`Election` (host loss, taking over), :class:`Liveness`,
:class:`Commands` (exactly once across host changes) and :class:`PasswordGate`.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable
from uuid import UUID, uuid4

from pydantic import BaseModel

from ..domain import DomainCommand
from ..domain._events import DelegationReason, HostDelegated, ParticipantDisconnected
from ._authority import Authority
from ._clock import LobbyClock
from ._common import log
from ._config import SyncConfig
from ._diagnostics import Diagnostics
from ._election import Election
from ._exactly_once import Commands
from ._gate import PasswordGate
from ._host import Host
from ._limits import PeerBuckets
from ._liveness import Liveness
from ._notices import HostChanged, HostLost, LobbySynced, ReceivedCommand
from ._replica import Replica
from ._role import Cause, Claim, IllegalMove, Move, Role, host_epoch, next_role
from ._state import ReplicatedState, Term
from ._wire import (
    MAX_LISTING_LENGTH,
    Heartbeat,
    LobbyEvent,
    LobbySnapshot,
    Outgoing,
    RequestFullSync,
    Roster,
    RosterUpdate,
    channel_of,
    encode,
)

#: ``Outgoing`` without NamedTuple's generated ``__new__`` (a Python-level call per peer).
_outgoing = tuple.__new__

#: Peers' commands kept for ``drain_received_commands`` when the game never drains them:
#: the newest win. Far more than a poll's worth; bounded so an undrained queue stays small.
MAX_UNDRAINED_COMMANDS = 1024


class SyncBase(ReplicatedState, Diagnostics):
    """The role machine, and the parts composed around the replicated state."""

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
        cfg = config or SyncConfig()
        super().__init__(local_peer, cfg, strict)
        self._new_token = new_token
        self._msg_limit = PeerBuckets(cfg.message_rate, cfg.message_burst)
        #: The highest epoch we sequenced in as host. A host that yields takes another
        #: history (the winner's snapshot); should it be handed the role again, it must not
        #: sequence in that epoch again, or its old followers would see one term with two
        #: histories at the same sequence numbers and never notice.
        self._held_epoch = -1
        self._received: deque[ReceivedCommand] = deque(maxlen=MAX_UNDRAINED_COMMANDS)
        self._last_heartbeat = float("-inf")
        self._full_sync_at: float | None = None
        self._resume: tuple[UUID, str] | None = None
        self._ever_synced = False
        self._needs_host_setup = False
        # The parts: each a leaf with its own state (see the module docstring).
        self.liveness = Liveness(local_peer)
        self.clock = LobbyClock(self)
        self.commands = Commands(self, self.outbox, self._sequenced)
        self.authority = Authority(raise_interval=cfg.heartbeat_interval)
        self.election = Election(self, self.outbox, self._apply)
        self.gate = PasswordGate(self, self.outbox, password, self._send_full_sync)
        self.replica = Replica(self, self.outbox, self._log, apply=self._apply,
                               consider=self._consider, request_full_sync=self._request_full_sync,
                               last_epoch=self._last_epoch, digest=self._state_digest,
                               saw_time=self.clock.event_stamp)
        self.host = Host(self, self.outbox, apply=self._apply, broadcast=self._broadcast,
                         tail_epoch=self._tail_epoch, publish_roster=self._publish_roster,
                         authorized=self.gate.authorized, snapshot=self.snapshot,
                         sequenced=self._sequenced, received=self._received.append,
                         new_id=new_id, new_token=new_token,
                         lobby_time=self.clock.lobby_time)

    # --- outputs ----------------------------------------------------------

    def data_to_send(self) -> list[Outgoing]:
        """Outgoing ``(peer, channel, data)`` queued since the last call: the channel says
        how the transport should carry it (see :class:`Channel`)."""
        return self.outbox.take_out()

    def drain_events(self) -> list[object]:
        """Applied domain events, CommandFailed and sync notices, in order."""
        return self.outbox.take_events()

    def drain_received_commands(self) -> list[ReceivedCommand]:
        """User commands peers sent us since the last call (typed; see ReceivedCommand)."""
        out = list(self._received)
        self._received.clear()
        return out

    # --- the role machine ---------------------------------------------------

    def _transition(self, cause: Cause, host_peer: str | None, epoch: int, now: float, *,
                    migrated: bool = True) -> bool:
        """The only place that changes role, host peer or epoch, and the only place that
        emits ``HostChanged`` (and ``HostLost``). The new role is the table's
        (:data:`TRANSITIONS`) for ``(role, cause)``; a move it does not list raises in strict
        mode and is logged and refused (False) otherwise. (Tests call it directly, the one
        private member they use, to check that an illegal move is refused.)

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
        self.election.role_changed(role, now)
        if old.role in (Role.REPLICA, Role.HOST) and role is Role.ELECTING:
            self.outbox.notice(HostLost(old.host_peer))
        if host_peer == old.host_peer and (role is Role.HOST) == (old.role is Role.HOST):
            return True
        self.authority.forget_rivals()
        self.replica.forget_gap()
        self.commands.host_changed()
        if role is Role.HOST:
            log.info("host is now %s (epoch %d): this peer", host_peer, epoch)
        elif host_peer is not None:
            log.info("host is now %s (epoch %d)", host_peer, epoch)
        if old.host_peer is not None and host_peer is not None and role in (Role.REPLICA,
                                                                              Role.HOST):
            self.outbox.notice(HostChanged(host_peer, epoch, role is Role.HOST, migrated))
        return True

    def _move(self, move: Move, now: float) -> bool:
        """Make a move a part returned, then what its cause needs once the role changed."""
        previous = self.host_peer
        if not self._transition(move.cause, move.host_peer, move.epoch, now,
                                migrated=move.migrated):
            return False
        cause, me, lobby = move.cause, self.local_participant_id, self.lobby
        if cause is Cause.COLLECTED:
            log.info("🟢 taking over as host (epoch %d, sequence %d)", self.epoch, self.sequence)
            self.stats["migrations"] += 1
            # The election returns COLLECTED only while the lobby still holds us.
            assert me is not None, "COLLECTED without a local participant"
            self.host.decide_commit(DomainCommand.MigrateHost(new_host_id=me), None, now)
        elif cause is Cause.RIVAL_OUTVOTED:
            self.stats["epoch_raised"] += 1
            log.info("rival host claim refused; raising epoch to %d", self.epoch)
            self._send_heartbeat(now)
        elif cause is Cause.CLAIM_ACCEPTED and move.host_peer != previous \
                and previous is not None:
            # Two hosts may have sequenced the same numbers in one epoch (an election
            # under a partition): only the new host's snapshot can tell which history is
            # the lobby's.
            self._full_sync_at = None
            self._request_full_sync(now)
        elif (cause is Cause.OWN_HOST_CLAIM_NAMES_US and move.host_peer != previous
              and lobby is not None and me is not None and lobby.host_id != me
              and lobby.participant(me) is not None):
            # We were handed the role by a claim, holding a lobby that names someone else
            # (two hosts that yielded to each other: we took their snapshot first). Put the
            # hand-over in the log, as a migration does, or every peer would follow a host
            # whose lobby says it is a guest.
            self.host.decide_commit(DomainCommand.MigrateHost(new_host_id=me), None, now)
        return True

    def _consider(self, claimed: str, epoch: int, via: str, now: float) -> bool:
        """Whether ``claimed`` is (now) our host at ``epoch`` (told by ``via``): the
        authority rules, this core moves."""
        if self.lobby is None:
            return False
        seen = self.liveness.seen
        successor = (self.election.expected_successor_peer(seen)
                     if self.role in (Role.ELECTING, Role.COLLECTING) else None)
        view = self.authority.claim_view(self, frozenset(seen), successor,
                                         self.election.passed_over, claimed)
        ruling = self.authority.consider(view, Claim(claimed, epoch, via), now)
        if ruling.move is not None:
            self._move(ruling.move, now)
        if ruling.refusal is not None:
            self.outbox.rejected("host_claim", via, ruling.refusal)
        return ruling.accepted

    def _peer_lost(self, peer: str, now: float) -> None:
        if not self.liveness.give_up(peer):
            return
        if self.is_host:
            self.host.peer_lost(peer, now)
        move = self.election.peer_lost(peer)
        if move is not None:
            self._move(move, now)

    # --- a credential shared with members (Roster.listing) --------------------

    def set_listing(self, listing: str | None) -> bool:
        """Host only: share ``listing`` with every member (one roster update; members read
        ``roster.listing``); False on a replica, or when longer than a member would parse."""
        if not self.is_host or (listing is not None and len(listing) > MAX_LISTING_LENGTH):
            return False
        if listing != self.roster.listing:
            self._publish_roster(self.roster.model_copy(update={"listing": listing}))
        return True

    # --- plumbing given to the parts -----------------------------------------

    def _broadcast(self, msg: BaseModel, exclude: str | None = None) -> None:
        # The host's hot path (every event, to every peer): encode once, decide once whether
        # the gate filters anyone, build the outgoing tuples in one comprehension.
        data, channel = encode(msg), channel_of(msg)
        peers = self._audience(exclude)
        self.outbox.out.extend([_outgoing(Outgoing, (peer, channel, data)) for peer in peers])
        self.stats["sent"] += len(peers)

    def _audience(self, exclude: str | None = None) -> list[str]:
        linked = self.liveness.linked
        peers = sorted(linked)
        if exclude is not None and exclude in linked:
            peers.remove(exclude)
        if self.is_host and self.gate.password is not None:
            authorized = self.gate.authorized  # a password lobby shows nothing to strangers
            peers = [p for p in peers if authorized(p)]
        return peers

    def _publish_roster(self, roster: Roster) -> None:
        self.roster = roster
        if self.is_host:
            self._broadcast(RosterUpdate(epoch=self.epoch, roster=roster))

    def _send_full_sync(self, peer: str) -> None:
        self.host.send_full_sync(peer)

    def _heartbeat(self, now: float) -> Heartbeat:
        return Heartbeat(lobby_id=self.lobby.id if self.lobby else None, epoch=self.epoch,
                         sequence=self.sequence, last_epoch=self._last_epoch(),
                         host_peer=self.host_peer, beat=self.authority.next_beat(),
                         state=self._state_digest(), clock=self.clock.stamp(now))

    def _send_heartbeat(self, now: float) -> None:
        """A host's heartbeat carries each peer's clock echo (``_clock.py``): per peer."""
        if not self.is_host:
            self._broadcast(self._heartbeat(now))
        else:
            out = self.clock.heartbeats(self._heartbeat(now), self._audience(), now)
            self.outbox.out.extend(out)
            self.stats["sent"] += len(out)

    def _request_full_sync(self, now: float) -> None:
        if self._full_sync_at is not None and now - self._full_sync_at < self.config.retry_interval:
            return
        self._full_sync_at = now
        self.stats["full_sync_requests"] += 1
        msg = RequestFullSync(
            lobby_id=self.lobby.id if self.lobby else None, last_known_sequence=self.sequence
        )
        if self.host_peer and self.host_peer != self.local_peer:
            self.outbox.send(self.host_peer, msg)
        else:
            self._broadcast(msg)

    def _after_apply(self, event: object, now: float, epoch: int) -> None:
        if (
            isinstance(event, ParticipantDisconnected)
            and event.participant_id == self.local_participant_id
            and not self.is_host
        ):
            # The host thinks we are gone (a partition healed): prove we're back.
            self.commands.send_rejoin(self._resume)
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
            self._move(Move(Cause.HAND_OVER_TO_US, self.local_peer, new_epoch, migrated), now)
            # Bookkeeping that decides new events must wait until this event is
            # broadcast, or the wire order would break.
            self._needs_host_setup = True
            return
        host = self.peer_of(event.to_id) or self.host_peer
        self._move(Move(Cause.HAND_OVER_TO_OTHER, host, new_epoch, migrated), now)
        if host is None:
            return
        self.liveness.expect(host, now)
        if host in self.liveness.lost:
            # The hand-over names a peer whose departure reached us first: nothing will
            # ever time it out again, so its loss is handled now.
            self.liveness.lost.discard(host)
            self._peer_lost(host, now)

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
        self.outbox.notice(LobbySynced(snap.name, self.sequence, first))
        for le in events:
            self.replica.on_event(peer, le, now, live=False)
        self.replica.drain_buffer(now)
        me = self.lobby.participant(self.local_participant_id)
        if self._resume is not None and not self.is_host and (
            first or (me is not None and not me.connected)
        ):
            self.commands.send_rejoin(self._resume)
        self.commands.due = True
