"""A SessionLoop in its own process for the fault tests, driven over stdin/stdout JSON lines.

Commands: {"cmd": "host", "url", "lobby", "name", "grace"?}, {"cmd": "guest", "url", "session",
"resume"?: [participant_id, token], "grace"?}, {"cmd": "join", "name"}, {"cmd": "chat",
"text", "count"?}, {"cmd": "queue", "name"}, {"cmd": "start"}, {"cmd": "submit_result",
"score"}, {"cmd": "cut"} (close the transport under the session: a network loss),
{"cmd": "ready", "value"}, {"cmd": "paced", ...} (see ``paced``), {"cmd": "state"},
{"cmd": "pairs"} (selected ICE candidate pairs), {"cmd": "exit"}. host and guest also take
"ice" (see ``ice()``), "probe_timeout" and stage deadlines ("connection_timeout", ...). Every
applied event is recorded as (sequence, epoch, digest).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict
from typing import Any

from konnekt_arcade import DomainCommand, IceServer, P2PLoopBuilder, SessionLoop
from konnekt_arcade.sync import SyncConfig
from tests._helper_child import emit, emit_error, next_command, read_commands

applied: list[tuple[int, int, str]] = []
_last_seq = 0


def builder(cmd: dict[str, Any]) -> P2PLoopBuilder:
    b = P2PLoopBuilder()
    sync = {"grace_period": float(cmd["grace"])} if "grace" in cmd else {}
    for knob in ("heartbeat_timeout", "command_timeout"):
        if knob in cmd:
            sync[knob] = float(cmd[knob])
    if sync:
        b = b.sync_config(SyncConfig(**sync))  # type: ignore[arg-type]
    if "probe_timeout" in cmd:
        b = b.ice_probe_timeout(float(cmd["probe_timeout"]))
    # Stage deadlines (seconds), raised by the lossy-network tests.
    for key in ("peer_id_timeout", "connection_timeout", "sync_timeout",
                "peer_connect_timeout"):
        if key in cmd:
            b = getattr(b, key)(float(cmd[key]))  # each setter returns a new builder
    return b


def ice(cmd: dict[str, Any]) -> list[IceServer]:
    """``"ice": [[url], [url, username, credential], ...]``; none by default (loopback)."""
    return [IceServer.stun(s[0]) if len(s) == 1 else IceServer.turn(*s)
            for s in cmd.get("ice", [])]


def record(session: SessionLoop) -> None:
    """Note every event applied since the last poll (a snapshot restarts the count)."""
    global _last_seq
    sync = session.p2p().sync
    if sync is None:
        return
    seq = sync.sequence
    if seq < _last_seq or (seq > _last_seq and sync.event_at(_last_seq + 1) is None):
        _last_seq = seq  # a snapshot replaced the log: nothing was applied one by one
        return
    for n in range(_last_seq + 1, seq + 1):
        le = sync.event_at(n)
        if le is not None:
            digest = hashlib.sha256(le.event.model_dump_json().encode()).hexdigest()[:16]
            applied.append((n, le.epoch, digest))
    _last_seq = seq


def state(session: SessionLoop) -> dict[str, Any]:
    lobby = session.get_lobby()
    me = session.local_participant_id()
    mine = lobby.participant(me) if lobby is not None and me is not None else None
    return {"event": "state", "hash": session.state_hash(), "sequence": session.sequence(),
            "stage": str(session.stage), "is_host": session.is_host(), "participant": me,
            "token": session.reconnect_token(), "score": mine.score if mine else None,
            "peer": session.local_peer_id(),
            "participants": {str(p.id): p.connected for p in lobby.participants} if lobby
            else {}, "chat": [m.text for m in lobby.chat] if lobby else [],
            "run": lobby.current_run.id if lobby and lobby.current_run else None,
            "applied": applied}


def run(session: SessionLoop | None, cmd: dict[str, Any]) -> SessionLoop | None:
    kind = cmd["cmd"]
    if kind == "host":
        session, sid = builder(cmd).build_session_host(cmd["url"], ice(cmd), cmd["lobby"],
                                                       cmd["name"])
        emit({"event": "ready", "session": str(sid), "participant": session.local_participant_id()})
        return session
    if kind == "guest":
        resume = tuple(cmd["resume"]) if cmd.get("resume") else None
        session, lobby_id = builder(cmd).build_session_guest(
            cmd["url"], cmd["session"], ice(cmd), resume=resume)  # type: ignore[arg-type]
        emit({"event": "ready", "lobby": lobby_id})
        return session
    assert session is not None
    lobby = session.get_lobby()
    assert lobby is not None
    me = session.local_participant_id()
    if kind == "join":
        session.submit_command(DomainCommand.JoinLobby(lobby_id=lobby.id, guest_name=cmd["name"]))
    elif kind == "chat":
        for i in range(int(cmd.get("count", 1))):
            session.submit_command(DomainCommand.SendChat(
                lobby_id=lobby.id, participant_id=me, text=f"{cmd['text']}{i}"))
    elif kind == "ready":
        session.submit_command(DomainCommand.SetReady(
            lobby_id=lobby.id, participant_id=me, ready=bool(cmd["value"])))
    elif kind == "queue":
        session.submit_command(DomainCommand.QueueActivity(
            lobby_id=lobby.id, host_id=me, activity_type="quiz", name=cmd["name"]))
    elif kind == "start":
        session.submit_command(DomainCommand.StartNextRun(lobby_id=lobby.id, host_id=me))
    elif kind == "submit_result":
        assert lobby.current_run is not None
        session.submit_command(DomainCommand.SubmitResult(
            lobby_id=lobby.id, run_id=lobby.current_run.id, participant_id=me,
            score=cmd["score"]))
    elif kind == "cut":
        transport = session.p2p().transport
        assert transport is not None
        transport.close()
    elif kind == "state":
        emit(state(session))
    elif kind == "pairs":
        emit({"event": "pairs", "pairs": {peer: asdict(pair) for peer, pair
                                          in session.selected_candidate_pairs().items()}})
    else:
        raise ValueError(f"unknown command {kind!r}")
    return session


def paced(cmd: dict[str, Any], now: float) -> list[tuple[float, dict[str, Any]]]:
    """{"cmd": "paced", "text", "count", "interval"}: ``count`` submissions, one every
    ``interval`` s, alternating a chat line ``<text><i>`` and a ready toggle (True first)."""
    interval, out = float(cmd["interval"]), []
    for i in range(int(cmd["count"])):
        sub = ({"cmd": "chat", "text": f"{cmd['text']}{i}-", "count": 1} if i % 2 == 0
               else {"cmd": "ready", "value": i % 4 == 1})
        out.append((now + i * interval, sub))
    return out


def notice_fields(notice: object) -> dict[str, Any]:
    fields = getattr(notice, "__dataclass_fields__", {})
    return {k: getattr(notice, k) for k in fields if k != "error"}


def main() -> None:
    commands = read_commands()
    session: SessionLoop | None = None
    scheduled: list[tuple[float, dict[str, Any]]] = []  # (due, command), due order
    emit({"event": "started"})
    try:
        while True:
            cmd = next_command(commands)
            if cmd is None:
                break
            if cmd.get("cmd") == "paced":
                scheduled.extend(paced(cmd, time.monotonic()))
                cmd = {}
            if not cmd and scheduled and scheduled[0][0] <= time.monotonic():
                cmd = scheduled.pop(0)[1]
            if cmd:
                try:
                    session = run(session, cmd)
                except Exception as exc:
                    emit_error(exc)
            if session is not None:
                session.poll()
                record(session)
                for event in session.domain().drain_events():
                    emit({"event": "domain", "type": type(event).__name__,
                          **event.model_dump(mode="json")})
                for notice in session.drain_notices():
                    emit({"event": "notice", "type": type(notice).__name__,
                          "t": time.monotonic(), **notice_fields(notice)})
            time.sleep(0.005)
    except Exception as exc:  # poll() or a drain raised: the test must hear of it
        emit_error(exc)
        raise
    finally:
        if session is not None:
            session.close()


if __name__ == "__main__":
    main()
