"""A SessionLoop in its own process, driven over stdin/stdout JSON lines (test helper).

Usage: python _session_proc.py. The main thread is the game loop: it polls the session every
few ms, runs queued commands and prints one JSON object per domain event / notice.
Commands: {"cmd": "host", "url", "lobby", "name"}, {"cmd": "guest", "url", "session"},
{"cmd": "join", "name"}, {"cmd": "queue", "activity_type", "name"}, {"cmd": "start"},
{"cmd": "submit_result", "score"}, {"cmd": "delegate", "to"}, {"cmd": "state"}, {"cmd": "exit"}.
"""

from __future__ import annotations

from typing import Any

from konnekt_arcade import DomainCommand, P2PLoopBuilder, SessionLoop
from tests._helper_child import emit, serve


def run(session: SessionLoop | None, cmd: dict[str, Any]) -> SessionLoop | None:
    kind = cmd["cmd"]
    if kind == "host":
        session, sid = P2PLoopBuilder().build_session_host(cmd["url"], [], cmd["lobby"],
                                                           cmd["name"])
        emit({"event": "ready", "session": str(sid), "peer": session.local_peer_id(),
              "participant": session.local_participant_id()})
        return session
    if kind == "guest":
        session, lobby_id = P2PLoopBuilder().build_session_guest(cmd["url"], cmd["session"], [])
        emit({"event": "ready", "lobby": lobby_id, "peer": session.local_peer_id()})
        return session
    assert session is not None
    lobby = session.get_lobby()
    assert lobby is not None
    me = session.local_participant_id()
    if kind == "join":
        session.submit_command(DomainCommand.JoinLobby(lobby_id=lobby.id, guest_name=cmd["name"]))
    elif kind == "queue":
        session.submit_command(DomainCommand.QueueActivity(
            lobby_id=lobby.id, host_id=me, activity_type=cmd["activity_type"], name=cmd["name"]))
    elif kind == "start":
        session.submit_command(DomainCommand.StartNextRun(lobby_id=lobby.id, host_id=me))
    elif kind == "submit_result":
        assert lobby.current_run is not None
        session.submit_command(DomainCommand.SubmitResult(
            lobby_id=lobby.id, run_id=lobby.current_run.id, participant_id=me,
            score=cmd["score"]))
    elif kind == "delegate":
        session.submit_command(DomainCommand.DelegateHost(
            lobby_id=lobby.id, current_host_id=me, new_host_id=cmd["to"]))
    elif kind == "state":
        emit({"event": "state", "hash": session.state_hash(), "sequence": session.sequence(),
              "is_host": session.is_host(), "participant": me,
              "participants": len(lobby.participants),
              "run": lobby.current_run.id if lobby.current_run else None})
    else:
        raise ValueError(f"unknown command {kind!r}")
    return session


def report(session: SessionLoop) -> None:
    for event in session.domain().drain_events():
        emit({"event": "domain", "type": type(event).__name__, **event.model_dump(mode="json")})
    for notice in session.drain_notices():
        emit({"event": "notice", "type": type(notice).__name__})


if __name__ == "__main__":
    serve(run, report)
