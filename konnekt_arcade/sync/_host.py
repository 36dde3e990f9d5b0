"""The host part: sequencing, authority checks of commands, bindings, grace periods."""

from __future__ import annotations

from collections.abc import Callable, Container
from uuid import UUID

from pydantic import BaseModel

from ..domain import DomainCommand, DomainError, decide
from ..domain._events import GuestJoined, GuestLeft, HostDelegated, LeaveReason
from ..domain._models import trusted
from ._common import log, token_hash
from ._limits import PeerBuckets
from ._notices import ReceivedCommand
from ._outbox import Outbox
from ._view import SyncView
from ._wire import (
    AuthRequired,
    Command,
    CommandAccepted,
    CommandOrigin,
    CommandRejected,
    EventBroadcast,
    FullSyncResponse,
    LobbyEvent,
    LobbySnapshot,
    Rejoin,
    RequestFullSync,
    Roster,
    RosterEntry,
    Welcome,
)

_NEEDS_PASSWORD = "this lobby needs a password"


class Host:
    """The sequencer's duties: deciding commands, committing events, bindings, rejoins,
    grace periods. Own state: grace deadlines, the peers of kicked participants and the
    per-peer command limits.

    Built with a read-only view of the replicated state and callbacks for what it may make
    happen: ``apply`` an event it sequenced, ``broadcast`` a message, ``publish_roster``,
    and ``received`` for a command a peer sent that the game may see."""

    def __init__(
        self,
        view: SyncView,
        outbox: Outbox,
        *,
        apply: Callable[[LobbyEvent, float], bool],
        broadcast: Callable[[BaseModel], None],
        tail_epoch: Callable[[], int | None],
        publish_roster: Callable[[Roster], None],
        authorized: Callable[[str], bool],
        snapshot: Callable[[], LobbySnapshot | None],
        sequenced: Container[tuple[UUID, int]],
        received: Callable[[ReceivedCommand], None],
        new_id: Callable[[], UUID],
        new_token: Callable[[], str],
        lobby_time: Callable[[float], float] = float,
    ) -> None:
        self.v = view
        #: Our clock -> the lobby's (see ``_clock.py``): what the domain and the
        #: events are given, so a run's deadline and ``joined_at`` mean the same whichever
        #: machine hosts. Grace deadlines are ours alone and stay on our clock.
        self._lobby_time = lobby_time
        self.out = outbox
        self._apply = apply
        self._broadcast = broadcast
        self._tail_epoch = tail_epoch
        self._publish_roster = publish_roster
        self._authorized = authorized
        self._snapshot = snapshot
        self._sequenced = sequenced
        self._received = received
        self._new_id = new_id
        self._new_token = new_token
        self._grace: dict[UUID, float] = {}
        self._banned_peers: set[str] = set()
        cfg = view.config
        self._cmd_limit = PeerBuckets(cfg.command_rate, cfg.command_burst)
        self._chat_limit = PeerBuckets(cfg.chat_rate, cfg.chat_burst)

    def forget(self, peer: str) -> None:
        """``peer`` disconnected: its command budgets go with it."""
        self._cmd_limit.forget(peer)
        self._chat_limit.forget(peer)

    def in_grace(self, participant_id: UUID) -> float | None:
        """Until when a disconnected participant keeps its place (None: no grace period)."""
        return self._grace.get(participant_id)

    def commit(self, events: list[object], now: float,
                origin: CommandOrigin | None = None) -> list[object]:
        """Sequence, apply and broadcast events the host decided.

        Returns the events *not* committed: once a HostDelegated hands the
        role over, the rest of the batch belongs to the new host's term (the
        caller re-sends the command there), or two peers would sequence the
        same numbers. ``origin`` (the user command) is recorded on the batch's
        last event, which marks the command as done.
        """
        assert self.v.lobby is not None or events
        epoch, at = self.v.epoch, self._lobby_time(now)
        last = len(events) - 1
        for i, event in enumerate(events):
            # Every value comes from validated models or from us: built without validating
            # again (the host's hot path, once per event).
            le = trusted(
                LobbyEvent,
                sequence=self.v.sequence + 1,
                epoch=epoch,
                # __dict__, not getattr: pydantic's __getattr__ raises and catches for a
                # missing field, a few µs on every event. (An event without a lobby_id
                # comes after LobbyCreated: the lobby is set; mypy cannot know.)
                lobby_id=event.__dict__.get("lobby_id") or self.v.lobby.id,  # type: ignore[union-attr]
                timestamp=at,
                event=event,
                # On the batch's last event only: a batch cut by a hand-over is re-sent
                # to the new host, which must not take it for done.
                origin=origin if i == last else None,
                prev_epoch=self._tail_epoch(),
            )
            if not self._apply(le, now):  # cannot happen: decide checked it
                log.error("host could not apply its own event %r", event)
                return []
            self._broadcast(trusted(EventBroadcast, type="EventBroadcast", event=le))
            self.bookkeeping(event, now)
            if isinstance(event, HostDelegated) and not self.v.is_host:
                return events[i + 1:]
        return []

    def bookkeeping(self, event: object, now: float) -> None:
        if isinstance(event, GuestLeft):
            self._grace.pop(event.participant_id, None)
            entries = dict(self.v.roster.entries)
            entry = entries.pop(str(event.participant_id), None)
            banned = self.v.roster.banned
            if event.reason is LeaveReason.KICKED:
                banned = (*banned, str(event.participant_id))
                if entry and entry.peer_id:
                    self._banned_peers.add(entry.peer_id)
            self._publish_roster(self.v.roster.model_copy(update={"entries": entries,
                                                                  "banned": banned}))

    def bind(self, participant_id: UUID, peer: str, token_hash_: str) -> None:
        entries = {
            pid: (e.model_copy(update={"peer_id": None}) if e.peer_id == peer else e)
            for pid, e in self.v.roster.entries.items()
        }
        entries[str(participant_id)] = RosterEntry(peer_id=peer, token_hash=token_hash_)
        self._publish_roster(self.v.roster.model_copy(update={"entries": entries}))

    def decide_commit(self, command: object, actor: UUID | None, now: float) -> list[object]:
        events = decide(self.v.lobby, command, actor, self._lobby_time(now),
                        new_id=self._new_id)
        self.commit(events, now)
        return events

    # --- local and remote commands ------------------------------------------

    def submit(self, command: object, now: float, request_id: int) -> bool:
        """Decide and commit our own command. True if it is done here; False if a
        hand-over in its batch left the rest to the next host (the caller keeps it in
        flight). Raises DomainError when the rules refuse it."""
        events = decide(self.v.lobby, command, self.v.local_participant_id,
                        self._lobby_time(now), new_id=self._new_id)
        me = self.v.local_participant_id
        origin = (trusted(CommandOrigin, participant_id=me, request_id=request_id)
                  if me else None)
        # e.g. the host leaving: the hand-over is done, the new host finishes the command
        # with us as a guest.
        return not self.commit(events, now, origin)

    def on_command(self, peer: str, msg: Command, now: float) -> None:
        cmd = msg.command
        kind = type(cmd).__name__
        if not self.v.is_host or self.v.lobby is None:
            self._received(ReceivedCommand(peer, msg.request_id, cmd))
            self.out.send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
                                                reason="this peer is not the host",
                                                not_host=True))
            return
        if not self._authorized(peer):
            # Checked before the game hears of the command: a peer that never proved the
            # password must not reach the game (``drain_domain_commands``) either.
            self.out.rejected(kind, peer, _NEEDS_PASSWORD)
            self.out.send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
                                                reason=_NEEDS_PASSWORD))
            return
        self._received(ReceivedCommand(peer, msg.request_id, cmd))
        if not self._cmd_limit.take(peer, now) or (
            isinstance(cmd, DomainCommand.SendChat) and not self._chat_limit.take(peer, now)
        ):
            self.out.rejected("rate_limited", peer, kind)
            self.out.send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
                                             reason="too many commands; slow down"))
            return
        actor = self.v.participant_of(peer)
        if actor is not None and (actor, msg.request_id) in self._sequenced:
            # Re-sent after a host change (or replayed): sequenced already, by us or
            # the old host. The sender gets its answer; nothing is applied twice.
            self.out.stats["commands_recognised"] += 1
            if isinstance(cmd, DomainCommand.JoinLobby):
                self.welcome(actor, peer)  # the old host's Welcome may be lost with it
            self.out.send(peer, CommandAccepted(request_id=msg.request_id))
            return
        try:
            if peer in self._banned_peers:
                raise DomainError("you were removed from this lobby")
            if isinstance(cmd, DomainCommand.CreateLobby):
                raise DomainError("the lobby already exists")
            events = decide(self.v.lobby, cmd, actor, self._lobby_time(now),
                            new_id=self._new_id)
        except DomainError as exc:
            self.out.rejected(kind, peer, exc.reason)
            self.out.send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
                                             reason=exc.reason))
            return
        for event in events:
            if isinstance(event, GuestJoined):
                self.welcome(event.participant.id, peer)
                log.info("📥 Guest '%s' joining via P2P", event.participant.name)
                log.info("📤 Broadcasting GuestJoined: %s", event.participant.name)
        who = actor or next((e.participant.id for e in events if isinstance(e, GuestJoined)),
                            None)
        self.commit(events, now, CommandOrigin(participant_id=who, request_id=msg.request_id)
                     if who is not None else None)
        self.out.send(peer, CommandAccepted(request_id=msg.request_id))

    def welcome(self, participant_id: UUID, peer: str) -> None:
        """Bind ``peer`` to the participant with a fresh reconnect token, and tell it."""
        assert self.v.lobby is not None
        token = self._new_token()
        self.bind(participant_id, peer, token_hash(token))
        self.out.send(peer, Welcome(lobby_id=self.v.lobby.id, participant_id=participant_id,
                                 reconnect_token=token))

    def on_rejoin(self, peer: str, msg: Rejoin, now: float) -> None:
        def reject(reason: str) -> None:
            self.out.rejected("Rejoin", peer, reason)
            self.out.send(peer, CommandRejected(request_id=msg.request_id, command_type="Rejoin",
                                             reason=reason))

        if not self.v.is_host or self.v.lobby is None:
            reject("this peer is not the host")
            return
        if not self._authorized(peer):
            reject(_NEEDS_PASSWORD)
            return
        pid = msg.participant_id
        entry = self.v.roster.entries.get(str(pid))
        if str(pid) in self.v.roster.banned:
            reject("you were removed from this lobby")
        elif msg.lobby_id != self.v.lobby.id:
            reject("that is a different lobby")
        elif self.v.lobby.participant(pid) is None or entry is None:
            reject("your place in the lobby has expired; join again")
        elif entry.token_hash != token_hash(msg.reconnect_token):
            reject("invalid reconnect token")
        else:
            self.bind(pid, peer, entry.token_hash)
            self._grace.pop(pid, None)
            self.out.send(peer, Welcome(lobby_id=self.v.lobby.id, participant_id=pid,
                                     reconnect_token=msg.reconnect_token))
            self.decide_commit(DomainCommand.MarkReconnected(participant_id=pid), None, now)
            self.out.send(peer, CommandAccepted(request_id=msg.request_id))
            log.info("participant %s rejoined from peer %s", pid, peer)

    def on_full_sync_request(self, peer: str, msg: RequestFullSync, now: float) -> None:
        if self.v.is_host and self.v.lobby is not None and not self._authorized(peer):
            self.out.send(peer, AuthRequired(lobby_id=self.v.lobby.id))
        elif self.v.is_host:
            self.send_full_sync(peer)

    def send_full_sync(self, peer: str) -> None:
        snap = self._snapshot()
        if snap is not None:
            self.out.send(peer, FullSyncResponse(snapshot=snap))
            log.info("✅ Sent full sync to %s", peer)

    # --- liveness -----------------------------------------------------------

    def peer_lost(self, peer: str, now: float) -> None:
        pid = self.v.participant_of(peer)
        if pid is None or self.v.lobby is None:
            return
        p = self.v.lobby.participant(pid)
        if p is not None and p.connected:
            self._grace[pid] = now + self.v.config.grace_period
            self.decide_commit(DomainCommand.MarkDisconnected(participant_id=pid), None, now)

    def tick(self, now: float) -> None:
        if self.v.lobby is None:
            return
        for pid, deadline in sorted(self._grace.items(), key=lambda kv: kv[1]):
            if now < deadline:
                continue
            self._grace.pop(pid, None)
            p = self.v.lobby.participant(pid)
            if p is not None and not p.connected:
                try:
                    self.decide_commit(DomainCommand.RemoveTimedOut(participant_id=pid), None, now)
                except DomainError as exc:
                    log.debug("not removing %s: %s", pid, exc)
        run = self.v.lobby.current_run
        if run is not None and run.deadline is not None and (
                self._lobby_time(now) >= run.deadline):
            self.decide_commit(DomainCommand.ExpireRun(run_id=run.id), None, now)

    def on_became_host(self, now: float, live: Container[str], lost: Container[str]) -> None:
        """After a delegation or migration: start grace timers for everyone
        the new host cannot reach, so nobody is kept forever."""
        if self.v.lobby is None:
            return
        entries = dict(self.v.roster.entries)
        me = entries.get(str(self.v.local_participant_id))
        if me is not None and me.peer_id != self.v.local_peer:
            entries[str(self.v.local_participant_id)] = me.model_copy(
                update={"peer_id": self.v.local_peer})
        self._publish_roster(self.v.roster.model_copy(update={"entries": entries}))
        for p in self.v.lobby.participants:
            if p.id == self.v.local_participant_id:
                continue
            peer = self.v.peer_of(p.id)
            if not p.connected:
                self._grace.setdefault(p.id, now + self.v.config.grace_period)
            elif peer is None or peer not in live or peer in lost:
                self._grace[p.id] = now + self.v.config.grace_period
                self.decide_commit(DomainCommand.MarkDisconnected(participant_id=p.id), None, now)
