"""The host part: sequencing, authority checks, bindings, grace periods."""

from __future__ import annotations

import hmac
from uuid import UUID

from ..domain import DomainCommand, DomainError, decide
from ..domain._events import GuestJoined, GuestLeft, HostDelegated, LeaveReason
from ._commands import InFlight
from ._engine import log, token_hash
from ._notices import ReceivedCommand
from ._replica import ReplicaPart
from ._wire import (
    Authenticate,
    AuthFailed,
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
    password_proof,
)

_NEEDS_PASSWORD = "this lobby needs a password"


class HostPart(ReplicaPart):
    def _commit(self, events: list[object], now: float,
                origin: CommandOrigin | None = None) -> list[object]:
        """Sequence, apply and broadcast events the host decided.

        Returns the events *not* committed: once a HostDelegated hands the
        role over, the rest of the batch belongs to the new host's term (the
        caller re-sends the command there), or two peers would sequence the
        same numbers. ``origin`` (the user command) is recorded on the batch's
        last event, which marks the command as done.
        """
        assert self.lobby is not None or events
        epoch = self.epoch
        for i, event in enumerate(events):
            le = LobbyEvent(
                sequence=self.sequence + 1,
                epoch=epoch,
                lobby_id=getattr(event, "lobby_id", None) or self.lobby.id,  # type: ignore[union-attr]
                timestamp=now,
                event=event,  # type: ignore[arg-type]
                # On the batch's last event only: a batch cut by a hand-over is re-sent
                # to the new host, which must not take it for done.
                origin=origin if i == len(events) - 1 else None,
            )
            if not self._apply(le, now):  # cannot happen: decide checked it
                log.error("host could not apply its own event %r", event)
                return []
            self._broadcast(EventBroadcast(event=le))
            self._host_bookkeeping(event, now)
            if isinstance(event, HostDelegated) and not self.is_host:
                return events[i + 1:]
        return []

    def _host_bookkeeping(self, event: object, now: float) -> None:
        if isinstance(event, GuestLeft):
            self._grace.pop(event.participant_id, None)
            entries = dict(self.roster.entries)
            entry = entries.pop(str(event.participant_id), None)
            banned = self.roster.banned
            if event.reason is LeaveReason.KICKED:
                banned = (*banned, str(event.participant_id))
                if entry and entry.peer_id:
                    self._banned_peers.add(entry.peer_id)
            self._set_roster(Roster(entries=entries, banned=banned))

    def _set_roster(self, roster: Roster) -> None:
        self.roster = roster
        if self.is_host:
            self._broadcast(RosterUpdate(epoch=self.epoch, roster=roster))

    def _bind(self, participant_id: UUID, peer: str, token_hash_: str) -> None:
        entries = {
            pid: (e.model_copy(update={"peer_id": None}) if e.peer_id == peer else e)
            for pid, e in self.roster.entries.items()
        }
        entries[str(participant_id)] = RosterEntry(peer_id=peer, token_hash=token_hash_)
        self._set_roster(Roster(entries=entries, banned=self.roster.banned))

    def _decide_commit(self, command: object, actor: UUID | None, now: float) -> list[object]:
        events = decide(self.lobby, command, actor, now, new_id=self._new_id)
        self._commit(events, now)
        return events

    # --- local and remote commands ------------------------------------------

    def _host_submit(self, command: object, now: float, request_id: int) -> None:
        kind = type(command).__name__
        try:
            events = decide(self.lobby, command, self.local_participant_id, now,
                            new_id=self._new_id)
        except DomainError as exc:
            self._fail(kind, exc.reason, request_id)
            return
        me = self.local_participant_id
        origin = CommandOrigin(participant_id=me, request_id=request_id) if me else None
        if self._commit(events, now, origin):
            # e.g. the host leaving: the hand-over is done, the new host
            # finishes the command with us as a guest.
            self._pending.add(InFlight(request_id, kind, Command(
                request_id=request_id, command=command),  # type: ignore[arg-type]
                now + self.config.command_timeout))
            self._commands_due = True
        else:
            self._answered(request_id, "accepted")

    def _on_command(self, peer: str, msg: Command, now: float) -> None:
        cmd = msg.command
        kind = type(cmd).__name__
        self._received.append(ReceivedCommand(peer, msg.request_id, cmd))
        if not self.is_host or self.lobby is None:
            self._send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
                                             reason="this peer is not the host", not_host=True))
            return
        if not self._authorized(peer):
            self._count_rejected(kind, peer, _NEEDS_PASSWORD)
            self._send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
                                             reason=_NEEDS_PASSWORD))
            return
        if not self._cmd_limit.take(peer, now) or (
            isinstance(cmd, DomainCommand.SendChat) and not self._chat_limit.take(peer, now)
        ):
            self._count_rejected("rate_limited", peer, kind)
            self._send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
                                             reason="too many commands; slow down"))
            return
        actor = self.participant_of(peer)
        if actor is not None and (actor, msg.request_id) in self._sequenced:
            # Re-sent after a host change (or replayed): sequenced already, by us or
            # the old host. The sender gets its answer; nothing is applied twice.
            self.stats["commands_recognised"] += 1
            if isinstance(cmd, DomainCommand.JoinLobby):
                self._welcome(actor, peer)  # the old host's Welcome may be lost with it
            self._send(peer, CommandAccepted(request_id=msg.request_id))
            return
        try:
            if peer in self._banned_peers:
                raise DomainError("you were removed from this lobby")
            if isinstance(cmd, DomainCommand.CreateLobby):
                raise DomainError("the lobby already exists")
            events = decide(self.lobby, cmd, actor, now, new_id=self._new_id)
        except DomainError as exc:
            self._count_rejected(kind, peer, exc.reason)
            self._send(peer, CommandRejected(request_id=msg.request_id, command_type=kind,
                                             reason=exc.reason))
            return
        for event in events:
            if isinstance(event, GuestJoined):
                self._welcome(event.participant.id, peer)
                log.info("📥 Guest '%s' joining via P2P", event.participant.name)
                log.info("📤 Broadcasting GuestJoined: %s", event.participant.name)
        who = actor or next((e.participant.id for e in events if isinstance(e, GuestJoined)),
                            None)
        self._commit(events, now, CommandOrigin(participant_id=who, request_id=msg.request_id)
                     if who is not None else None)
        self._send(peer, CommandAccepted(request_id=msg.request_id))

    def _welcome(self, participant_id: UUID, peer: str) -> None:
        """Bind ``peer`` to the participant with a fresh reconnect token, and tell it."""
        assert self.lobby is not None
        token = self._new_token()
        self._bind(participant_id, peer, token_hash(token))
        self._send(peer, Welcome(lobby_id=self.lobby.id, participant_id=participant_id,
                                 reconnect_token=token))

    def _on_rejoin(self, peer: str, msg: Rejoin, now: float) -> None:
        def reject(reason: str) -> None:
            self._count_rejected("Rejoin", peer, reason)
            self._send(peer, CommandRejected(request_id=msg.request_id, command_type="Rejoin",
                                             reason=reason))

        if not self.is_host or self.lobby is None:
            reject("this peer is not the host")
            return
        if not self._authorized(peer):
            reject(_NEEDS_PASSWORD)
            return
        pid = msg.participant_id
        entry = self.roster.entries.get(str(pid))
        if str(pid) in self.roster.banned:
            reject("you were removed from this lobby")
        elif msg.lobby_id != self.lobby.id:
            reject("that is a different lobby")
        elif self.lobby.participant(pid) is None or entry is None:
            reject("your place in the lobby has expired; join again")
        elif entry.token_hash != token_hash(msg.reconnect_token):
            reject("invalid reconnect token")
        else:
            self._bind(pid, peer, entry.token_hash)
            self._grace.pop(pid, None)
            self._send(peer, Welcome(lobby_id=self.lobby.id, participant_id=pid,
                                     reconnect_token=msg.reconnect_token))
            self._decide_commit(DomainCommand.MarkReconnected(participant_id=pid), None, now)
            self._send(peer, CommandAccepted(request_id=msg.request_id))
            log.info("participant %s rejoined from peer %s", pid, peer)

    def _on_full_sync_request(self, peer: str, msg: RequestFullSync, now: float) -> None:
        if self.is_host and self.lobby is not None and not self._authorized(peer):
            self._send(peer, AuthRequired(lobby_id=self.lobby.id))
        elif self.is_host:
            self._send_full_sync(peer)

    def _on_authenticate(self, peer: str, msg: Authenticate, now: float) -> None:
        """Check a guest's password proof; a few tries per peer, then silence."""
        if not self.is_host or self.lobby is None or msg.lobby_id != self.lobby.id:
            self._drop("not_host", peer)
            return
        if self.password is None or self._authorized(peer):
            self._send_full_sync(peer)
            return
        tries = self._auth_attempts.get(peer, 0) + 1
        if tries > self.config.max_auth_attempts:
            self._drop("auth_attempts", peer)
            return
        if len(self._auth_attempts) >= 1024:  # bounded: forget the oldest
            self._auth_attempts.pop(next(iter(self._auth_attempts)))
        self._auth_attempts[peer] = tries
        expected = password_proof(self.password, self.lobby.id, self.local_peer, peer)
        if hmac.compare_digest(expected, msg.proof):
            self._authed.add(peer)
            self._auth_attempts.pop(peer, None)
            log.info("peer %s proved the lobby password", peer)
            self._send_full_sync(peer)
        else:
            self._count_rejected("password", peer, "wrong password")
            self._send(peer, AuthFailed(reason="wrong password"))

    def _send_full_sync(self, peer: str) -> None:
        snap = self.snapshot()
        if snap is not None:
            self._send(peer, FullSyncResponse(snapshot=snap))
            log.info("✅ Sent full sync to %s", peer)

    # --- liveness -----------------------------------------------------------

    def _host_peer_lost(self, peer: str, now: float) -> None:
        pid = self.participant_of(peer)
        if pid is None or self.lobby is None:
            return
        p = self.lobby.participant(pid)
        if p is not None and p.connected:
            self._grace[pid] = now + self.config.grace_period
            self._decide_commit(DomainCommand.MarkDisconnected(participant_id=pid), None, now)

    def _host_tick(self, now: float) -> None:
        if self.lobby is None:
            return
        for pid, deadline in sorted(self._grace.items(), key=lambda kv: kv[1]):
            if now < deadline:
                continue
            self._grace.pop(pid, None)
            p = self.lobby.participant(pid)
            if p is not None and not p.connected:
                try:
                    self._decide_commit(DomainCommand.RemoveTimedOut(participant_id=pid), None, now)
                except DomainError as exc:
                    log.debug("not removing %s: %s", pid, exc)
        run = self.lobby.current_run
        if run is not None and run.deadline is not None and now >= run.deadline:
            self._decide_commit(DomainCommand.ExpireRun(run_id=run.id), None, now)

    def _on_became_host(self, now: float) -> None:
        """After a delegation or migration: start grace timers for everyone
        the new host cannot reach, so nobody is kept forever."""
        if self.lobby is None:
            return
        entries = dict(self.roster.entries)
        me = entries.get(str(self.local_participant_id))
        if me is not None and me.peer_id != self.local_peer:
            entries[str(self.local_participant_id)] = me.model_copy(
                update={"peer_id": self.local_peer})
        self._set_roster(Roster(entries=entries, banned=self.roster.banned))
        for p in self.lobby.participants:
            if p.id == self.local_participant_id:
                continue
            peer = self.peer_of(p.id)
            if not p.connected:
                self._grace.setdefault(p.id, now + self.config.grace_period)
            elif peer is None or peer not in self._peers or peer in self._lost:
                self._grace[p.id] = now + self.config.grace_period
                self._decide_commit(DomainCommand.MarkDisconnected(participant_id=p.id), None, now)
