"""The host part: sequencing, authority checks of commands, bindings, grace periods."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from ..domain import DomainCommand, DomainError, decide
from ..domain._events import GuestJoined, GuestLeft, HostDelegated, LeaveReason
from ..domain._models import trusted
from ._commands import InFlight
from ._common import log, token_hash
from ._notices import ReceivedCommand
from ._wire import (
    AuthRequired,
    Command,
    CommandAccepted,
    CommandOrigin,
    CommandRejected,
    EventBroadcast,
    FullSyncResponse,
    LobbyEvent,
    Rejoin,
    RequestFullSync,
    Roster,
    RosterEntry,
    RosterUpdate,
    Welcome,
)

_NEEDS_PASSWORD = "this lobby needs a password"


if TYPE_CHECKING:
    from ._engine import SyncBase


class Host:
    """The sequencer's duties: deciding commands, committing events, bindings, rejoins,
    grace periods. Own state: grace deadlines and the peers of kicked participants."""

    def __init__(self, sync: SyncBase) -> None:
        self.s = sync
        self._grace: dict[UUID, float] = {}
        self._banned_peers: set[str] = set()

    def commit(self, events: list[object], now: float,
                origin: CommandOrigin | None = None) -> list[object]:
        """Sequence, apply and broadcast events the host decided.

        Returns the events *not* committed: once a HostDelegated hands the
        role over, the rest of the batch belongs to the new host's term (the
        caller re-sends the command there), or two peers would sequence the
        same numbers. ``origin`` (the user command) is recorded on the batch's
        last event, which marks the command as done.
        """
        assert self.s.lobby is not None or events
        epoch = self.s.epoch
        last = len(events) - 1
        for i, event in enumerate(events):
            # Every value comes from validated models or from us: built without validating
            # again (the host's hot path, once per event).
            le = trusted(
                LobbyEvent,
                sequence=self.s.sequence + 1,
                epoch=epoch,
                # __dict__, not getattr: pydantic's __getattr__ raises and catches for a
                # missing field, a few µs on every event
                lobby_id=event.__dict__.get("lobby_id") or self.s.lobby.id,  # type: ignore[union-attr]
                timestamp=float(now),
                event=event,
                # On the batch's last event only: a batch cut by a hand-over is re-sent
                # to the new host, which must not take it for done.
                origin=origin if i == last else None,
                prev_epoch=self.s._tail_epoch(),
            )
            if not self.s._apply(le, now):  # cannot happen: decide checked it
                log.error("host could not apply its own event %r", event)
                return []
            self.s._broadcast(trusted(EventBroadcast, type="EventBroadcast", event=le))
            self.bookkeeping(event, now)
            if isinstance(event, HostDelegated) and not self.s.is_host:
                return events[i + 1:]
        return []

    def bookkeeping(self, event: object, now: float) -> None:
        if isinstance(event, GuestLeft):
            self._grace.pop(event.participant_id, None)
            entries = dict(self.s.roster.entries)
            entry = entries.pop(str(event.participant_id), None)
            banned = self.s.roster.banned
            if event.reason is LeaveReason.KICKED:
                banned = (*banned, str(event.participant_id))
                if entry and entry.peer_id:
                    self._banned_peers.add(entry.peer_id)
            self.set_roster(Roster(entries=entries, banned=banned))

    def set_roster(self, roster: Roster) -> None:
        self.s.roster = roster
        if self.s.is_host:
            self.s._broadcast(RosterUpdate(epoch=self.s.epoch, roster=roster))

    def bind(self, participant_id: UUID, peer: str, token_hash_: str) -> None:
        entries = {
            pid: (e.model_copy(update={"peer_id": None}) if e.peer_id == peer else e)
            for pid, e in self.s.roster.entries.items()
        }
        entries[str(participant_id)] = RosterEntry(peer_id=peer, token_hash=token_hash_)
        self.set_roster(Roster(entries=entries, banned=self.s.roster.banned))

    def decide_commit(self, command: object, actor: UUID | None, now: float) -> list[object]:
        events = decide(self.s.lobby, command, actor, now, new_id=self.s._new_id)
        self.commit(events, now)
        return events

    # --- local and remote commands ------------------------------------------

    def submit(self, command: object, now: float, request_id: int) -> None:
        kind = type(command).__name__
        try:
            events = decide(self.s.lobby, command, self.s.local_participant_id, now,
                            new_id=self.s._new_id)
        except DomainError as exc:
            self.s._fail(kind, exc.reason, request_id)
            return
        me = self.s.local_participant_id
        origin = (trusted(CommandOrigin, participant_id=me, request_id=request_id)
                  if me else None)
        if self.commit(events, now, origin):
            # e.g. the host leaving: the hand-over is done, the new host
            # finishes the command with us as a guest.
            self.s._pending.add(InFlight(request_id, kind, Command(
                request_id=request_id, command=command),  # type: ignore[arg-type]
                now + self.s.config.command_timeout))
            self.s._commands_due = True
        else:
            self.s._answered(request_id, "accepted")

    def on_command(self, peer: str, msg: Command, now: float) -> None:
        cmd = msg.command
        kind = type(cmd).__name__
        self.s._received.append(ReceivedCommand(peer, msg.request_id, cmd))
        if not self.s.is_host or self.s.lobby is None:
            self.s._send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
                                             reason="this peer is not the host", not_host=True))
            return
        if not self.s.gate.authorized(peer):
            self.s._count_rejected(kind, peer, _NEEDS_PASSWORD)
            self.s._send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
                                             reason=_NEEDS_PASSWORD))
            return
        if not self.s._cmd_limit.take(peer, now) or (
            isinstance(cmd, DomainCommand.SendChat) and not self.s._chat_limit.take(peer, now)
        ):
            self.s._count_rejected("rate_limited", peer, kind)
            self.s._send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
                                             reason="too many commands; slow down"))
            return
        actor = self.s.participant_of(peer)
        if actor is not None and (actor, msg.request_id) in self.s._sequenced:
            # Re-sent after a host change (or replayed): sequenced already, by us or
            # the old host. The sender gets its answer; nothing is applied twice.
            self.s.stats["commands_recognised"] += 1
            if isinstance(cmd, DomainCommand.JoinLobby):
                self.welcome(actor, peer)  # the old host's Welcome may be lost with it
            self.s._send(peer, CommandAccepted(request_id=msg.request_id))
            return
        try:
            if peer in self._banned_peers:
                raise DomainError("you were removed from this lobby")
            if isinstance(cmd, DomainCommand.CreateLobby):
                raise DomainError("the lobby already exists")
            events = decide(self.s.lobby, cmd, actor, now, new_id=self.s._new_id)
        except DomainError as exc:
            self.s._count_rejected(kind, peer, exc.reason)
            self.s._send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
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
        self.s._send(peer, CommandAccepted(request_id=msg.request_id))

    def welcome(self, participant_id: UUID, peer: str) -> None:
        """Bind ``peer`` to the participant with a fresh reconnect token, and tell it."""
        assert self.s.lobby is not None
        token = self.s._new_token()
        self.bind(participant_id, peer, token_hash(token))
        self.s._send(peer, Welcome(lobby_id=self.s.lobby.id, participant_id=participant_id,
                                 reconnect_token=token))

    def on_rejoin(self, peer: str, msg: Rejoin, now: float) -> None:
        def reject(reason: str) -> None:
            self.s._count_rejected("Rejoin", peer, reason)
            self.s._send(peer, CommandRejected(request_id=msg.request_id, command_type="Rejoin",
                                             reason=reason))

        if not self.s.is_host or self.s.lobby is None:
            reject("this peer is not the host")
            return
        if not self.s.gate.authorized(peer):
            reject(_NEEDS_PASSWORD)
            return
        pid = msg.participant_id
        entry = self.s.roster.entries.get(str(pid))
        if str(pid) in self.s.roster.banned:
            reject("you were removed from this lobby")
        elif msg.lobby_id != self.s.lobby.id:
            reject("that is a different lobby")
        elif self.s.lobby.participant(pid) is None or entry is None:
            reject("your place in the lobby has expired; join again")
        elif entry.token_hash != token_hash(msg.reconnect_token):
            reject("invalid reconnect token")
        else:
            self.bind(pid, peer, entry.token_hash)
            self._grace.pop(pid, None)
            self.s._send(peer, Welcome(lobby_id=self.s.lobby.id, participant_id=pid,
                                     reconnect_token=msg.reconnect_token))
            self.decide_commit(DomainCommand.MarkReconnected(participant_id=pid), None, now)
            self.s._send(peer, CommandAccepted(request_id=msg.request_id))
            log.info("participant %s rejoined from peer %s", pid, peer)

    def on_full_sync_request(self, peer: str, msg: RequestFullSync, now: float) -> None:
        if self.s.is_host and self.s.lobby is not None and not self.s.gate.authorized(peer):
            self.s._send(peer, AuthRequired(lobby_id=self.s.lobby.id))
        elif self.s.is_host:
            self.send_full_sync(peer)

    def send_full_sync(self, peer: str) -> None:
        snap = self.s.snapshot()
        if snap is not None:
            self.s._send(peer, FullSyncResponse(snapshot=snap))
            log.info("✅ Sent full sync to %s", peer)

    # --- liveness -----------------------------------------------------------

    def peer_lost(self, peer: str, now: float) -> None:
        pid = self.s.participant_of(peer)
        if pid is None or self.s.lobby is None:
            return
        p = self.s.lobby.participant(pid)
        if p is not None and p.connected:
            self._grace[pid] = now + self.s.config.grace_period
            self.decide_commit(DomainCommand.MarkDisconnected(participant_id=pid), None, now)

    def tick(self, now: float) -> None:
        if self.s.lobby is None:
            return
        for pid, deadline in sorted(self._grace.items(), key=lambda kv: kv[1]):
            if now < deadline:
                continue
            self._grace.pop(pid, None)
            p = self.s.lobby.participant(pid)
            if p is not None and not p.connected:
                try:
                    self.decide_commit(DomainCommand.RemoveTimedOut(participant_id=pid), None, now)
                except DomainError as exc:
                    log.debug("not removing %s: %s", pid, exc)
        run = self.s.lobby.current_run
        if run is not None and run.deadline is not None and now >= run.deadline:
            self.decide_commit(DomainCommand.ExpireRun(run_id=run.id), None, now)

    def on_became_host(self, now: float) -> None:
        """After a delegation or migration: start grace timers for everyone
        the new host cannot reach, so nobody is kept forever."""
        if self.s.lobby is None:
            return
        entries = dict(self.s.roster.entries)
        me = entries.get(str(self.s.local_participant_id))
        if me is not None and me.peer_id != self.s.local_peer:
            entries[str(self.s.local_participant_id)] = me.model_copy(
                update={"peer_id": self.s.local_peer})
        self.set_roster(Roster(entries=entries, banned=self.s.roster.banned))
        for p in self.s.lobby.participants:
            if p.id == self.s.local_participant_id:
                continue
            peer = self.s.peer_of(p.id)
            if not p.connected:
                self._grace.setdefault(p.id, now + self.s.config.grace_period)
            elif peer is None or peer not in self.s._peers or peer in self.s._lost:
                self._grace[p.id] = now + self.s.config.grace_period
                self.decide_commit(DomainCommand.MarkDisconnected(participant_id=p.id), None, now)
