"""Role ``session``: one SessionLoop, as a host, a guest, a published host or a guest by code.

Arguments: an optional JSON object of defaults merged under every ``host`` / ``guest``
command (``'{"command_timeout": 120}'``: a patient player for the in-flight tests).

Commands:
  {"cmd": "host", "url", "lobby", "name", "game"?, "public"?} — ``game``: publish the lobby in
      the signalling server's directory. Emits {"event": "ready", "session", "peer",
      "participant"}; a published host then {"event": "code", "code"} once it has one.
  {"cmd": "guest", "url", "session" | "code", "resume"?: [participant_id, token]} — emits
      {"event": "ready", "lobby", "peer"}.
  host and guest take "embedded": true (``embedded_signalling``; "lan": true to listen on
      every interface); a host with "url": null then runs the lobby's server itself.
  host and guest also take "ice" (see ``ice()``), the sync knobs "grace", "heartbeat_timeout",
      "command_timeout", "probe_timeout" and the stage deadlines ("connection_timeout", ...).
  {"cmd": "join", "name"}, {"cmd": "chat", "text", "count"?} (lines ``<text><i>``),
  {"cmd": "ready", "value"}, {"cmd": "queue", "name", "activity_type"?}, {"cmd": "start"},
  {"cmd": "submit_result", "score"}, {"cmd": "paced", ...} (see ``paced``),
  {"cmd": "cut"} (close the transport under the session: a network loss),
  {"cmd": "signalling"} (start a signalling server in this process, so it dies with it: the
      built-in server of a game that hosts; emits {"event": "signalling", "url"}),
  {"cmd": "state"} (see ``state``), {"cmd": "pairs"} (selected ICE candidate pairs),
  {"cmd": "stats"} (``session.stats``, with the join timeline).

Every turn emits each domain event ({"event": "domain", "type", ...fields}), each notice
({"event": "notice", "type", "t", ...fields}) and a change of the player count
({"event": "players", "count"}); every applied event is recorded as (sequence, epoch, digest)
for ``state``'s "applied".
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from typing import Any

from konnekt_arcade import DomainCommand, IceServer, P2PLoopBuilder, SessionLoop
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.sync import SyncConfig

from ._serve import Command, emit, emit_error

_SYNC_KNOBS = {"grace": "grace_period", "heartbeat_timeout": "heartbeat_timeout",
               "command_timeout": "command_timeout"}
_STAGE_DEADLINES = ("peer_id_timeout", "connection_timeout", "sync_timeout",
                    "peer_connect_timeout")


def builder(cmd: Command) -> P2PLoopBuilder:
    b = P2PLoopBuilder()
    sync = {knob: float(cmd[key]) for key, knob in _SYNC_KNOBS.items() if key in cmd}
    if sync:
        b = b.sync_config(SyncConfig(**sync))  # type: ignore[arg-type]
    if "probe_timeout" in cmd:
        b = b.ice_probe_timeout(float(cmd["probe_timeout"]))
    for key in _STAGE_DEADLINES:  # raised by the lossy-network tests
        if key in cmd:
            b = getattr(b, key)(float(cmd[key]))  # each setter returns a new builder
    if "game" in cmd:
        b = b.publish(game=cmd["game"], version="1", public=cmd.get("public", True))
    if cmd.get("embedded"):  # may run the built-in server (a host with "url": null starts it)
        b = b.embedded_signalling(lan=bool(cmd.get("lan", False)))
    return b


def ice(cmd: Command) -> list[IceServer]:
    """``"ice": [[url], [url, username, credential], ...]``; none by default (loopback)."""
    return [IceServer.stun(s[0]) if len(s) == 1 else IceServer.turn(*s)
            for s in cmd.get("ice", [])]


def paced(cmd: Command, now: float) -> list[tuple[float, Command]]:
    """{"cmd": "paced", "text", "count", "interval"}: ``count`` submissions, one every
    ``interval`` s, alternating a chat line ``<text><i>-0`` and a ready toggle (True first)."""
    interval, out = float(cmd["interval"]), []
    for i in range(int(cmd["count"])):
        sub = ({"cmd": "chat", "text": f"{cmd['text']}{i}-", "count": 1} if i % 2 == 0
               else {"cmd": "ready", "value": i % 4 == 1})
        out.append((now + i * interval, sub))
    return out


def notice_fields(notice: object) -> dict[str, Any]:
    fields = getattr(notice, "__dataclass_fields__", {})
    return {k: getattr(notice, k) for k in fields if k != "error"}


def listing_code(session: SessionLoop) -> str | None:
    """The join code of the directory listing this peer could take over (``Roster.listing``
    is "code key"; the key stays in the process)."""
    sync = session.p2p().sync
    listing = sync.roster.listing if sync is not None else None
    return listing.partition(" ")[0] if listing else None


class SessionRole:
    def __init__(self, defaults: str = "{}") -> None:
        self.defaults: Command = json.loads(defaults)
        self.session: SessionLoop | None = None
        self.applied: list[tuple[int, int, str]] = []
        self.last_seq = 0
        self.scheduled: list[tuple[float, Command]] = []  # (due, command), due order
        self.code: str | None = None
        self.players = 0
        self.server: SignallingServer | None = None

    # --- commands --------------------------------------------------------------------------

    def handle(self, cmd: Command) -> None:
        kind = cmd["cmd"]
        if kind in ("host", "guest"):
            cmd = {**self.defaults, **cmd}
            if self.session is not None:
                self.session.close()
        if kind == "host":
            self.session, sid = builder(cmd).build_session_host(cmd["url"], ice(cmd),
                                                                cmd["lobby"], cmd["name"])
            emit({"event": "ready", "session": str(sid), "peer": self.session.local_peer_id(),
                  "participant": self.session.local_participant_id()})
            return
        if kind == "guest":
            resume = tuple(cmd["resume"]) if cmd.get("resume") else None
            self.session, lobby_id = builder(cmd).build_session_guest(
                cmd["url"], cmd.get("session") or cmd["code"], ice(cmd),
                resume=resume)  # type: ignore[arg-type]
            emit({"event": "ready", "lobby": str(lobby_id), "peer": self.session.local_peer_id()})
            return
        if kind == "signalling":
            self.server = SignallingServer(port=0)
            self.server.start()
            emit({"event": "signalling", "url": self.server.url})
            return
        if kind == "paced":
            self.scheduled.extend(paced(cmd, time.monotonic()))
            return
        session = self.session
        assert session is not None, f"{kind!r} before host or guest"
        if kind == "state":
            emit(self.state(session))
        elif kind == "stats":  # the counters, with the join timeline (join:<stage>_ms)
            emit({"event": "stats", "stats": dict(session.stats)})
        elif kind == "pairs":
            emit({"event": "pairs", "pairs": {peer: asdict(pair) for peer, pair
                                              in session.selected_candidate_pairs().items()}})
        elif kind == "cut":
            transport = session.p2p().transport
            assert transport is not None
            transport.close()
        elif kind == "join":
            session.submit_command(DomainCommand.JoinLobby(lobby_id=session.lobby_id(),
                                                           guest_name=cmd["name"]))
        else:
            self._lobby_command(session, kind, cmd)

    def _lobby_command(self, session: SessionLoop, kind: str, cmd: Command) -> None:
        lobby = session.get_lobby()
        assert lobby is not None
        me = session.local_participant_id()
        if kind == "chat":
            for i in range(int(cmd.get("count", 1))):
                session.submit_command(DomainCommand.SendChat(
                    lobby_id=lobby.id, participant_id=me, text=f"{cmd['text']}{i}"))
        elif kind == "ready":
            session.submit_command(DomainCommand.SetReady(
                lobby_id=lobby.id, participant_id=me, ready=bool(cmd["value"])))
        elif kind == "queue":
            session.submit_command(DomainCommand.QueueActivity(
                lobby_id=lobby.id, host_id=me, activity_type=cmd.get("activity_type", "quiz"),
                name=cmd["name"]))
        elif kind == "start":
            session.submit_command(DomainCommand.StartNextRun(lobby_id=lobby.id, host_id=me))
        elif kind == "submit_result":
            assert lobby.current_run is not None
            session.submit_command(DomainCommand.SubmitResult(
                lobby_id=lobby.id, run_id=lobby.current_run.id, participant_id=me,
                score=cmd["score"]))
        else:
            raise ValueError(f"unknown command {kind!r}")

    def state(self, session: SessionLoop) -> dict[str, Any]:
        lobby = session.get_lobby()
        me = session.local_participant_id()
        mine = lobby.participant(me) if lobby is not None and me is not None else None
        return {"event": "state", "hash": session.state_hash(), "sequence": session.sequence(),
                "stage": str(session.stage), "is_host": session.is_host(), "participant": me,
                "token": session.reconnect_token(), "score": mine.score if mine else None,
                "peer": session.local_peer_id(), "invite": session.invite,
                "signalling_url": session.signalling_url,
                "participants": {str(p.id): p.connected for p in lobby.participants} if lobby
                else {}, "chat": [m.text for m in lobby.chat] if lobby else [],
                "run": lobby.current_run.id if lobby and lobby.current_run else None,
                "applied": self.applied, "listing_code": listing_code(session)}

    # --- the game loop ---------------------------------------------------------------------

    def turn(self) -> None:
        if self.scheduled and self.scheduled[0][0] <= time.monotonic():
            try:  # a paced command fails like a sent one: reported, the loop goes on
                self.handle(self.scheduled.pop(0)[1])
            except Exception as exc:
                emit_error(exc)
        session = self.session
        if session is None:
            return
        session.poll()
        self._record(session)
        for event in session.domain().drain_events():
            emit({"event": "domain", "type": type(event).__name__,
                  **event.model_dump(mode="json")})
        for notice in session.drain_notices():
            emit({"event": "notice", "type": type(notice).__name__, "t": time.monotonic(),
                  **notice_fields(notice)})
        if session.join_code() != self.code:
            self.code = session.join_code()
            emit({"event": "code", "code": self.code})
        lobby = session.get_lobby()
        players = len(lobby.participants) if lobby is not None else 0
        if players != self.players:
            self.players = players
            emit({"event": "players", "count": players})

    def _record(self, session: SessionLoop) -> None:
        """Note every event applied since the last turn (a snapshot restarts the count)."""
        sync = session.p2p().sync
        if sync is None:
            return
        seq = sync.sequence
        if seq < self.last_seq or (seq > self.last_seq and sync.event_at(self.last_seq + 1)
                                   is None):
            self.last_seq = seq  # a snapshot replaced the log: nothing was applied one by one
            return
        for n in range(self.last_seq + 1, seq + 1):
            le = sync.event_at(n)
            if le is not None:
                digest = hashlib.sha256(le.event.model_dump_json().encode()).hexdigest()[:16]
                self.applied.append((n, le.epoch, digest))
        self.last_seq = seq

    def close(self) -> None:
        if self.session is not None:
            self.session.close()  # a published host waits (bounded) for its directory removal
        if self.server is not None:
            self.server.stop()
