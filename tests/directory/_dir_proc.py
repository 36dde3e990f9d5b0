"""A published host or a by-code guest in its own process (stdin/stdout JSON lines).

Commands: {"cmd": "host", "url", "lobby", "name", "game", "public"} (emits "ready" with the
session id, then "code" once the directory gave one), {"cmd": "guest", "url", "code"} (joins
by code only; emits "ready"), {"cmd": "join", "name"}, {"cmd": "exit"}.
Every change in the lobby's player count is emitted as {"event": "players", "count"}.
"""

from __future__ import annotations

import time
from typing import Any

from konnekt_arcade import DomainCommand, P2PError, P2PLoopBuilder, SessionLoop
from tests._helper_child import emit, next_command, read_commands


def run(session: SessionLoop | None, cmd: dict[str, Any]) -> SessionLoop | None:
    if cmd["cmd"] == "host":
        builder = P2PLoopBuilder().publish(game=cmd["game"], version="1",
                                           public=cmd.get("public", True))
        session, sid = builder.build_session_host(cmd["url"], [], cmd["lobby"], cmd["name"])
        emit({"event": "ready", "session": str(sid)})
        return session
    if cmd["cmd"] == "guest":
        session, lobby_id = P2PLoopBuilder().build_session_guest(cmd["url"], cmd["code"], [])
        emit({"event": "ready", "lobby": str(lobby_id)})
        return session
    assert session is not None and cmd["cmd"] == "join"
    session.submit_command(DomainCommand.JoinLobby(lobby_id=session.lobby_id(),
                                                   guest_name=cmd["name"]))
    return session


def main() -> None:
    commands = read_commands()
    session: SessionLoop | None = None
    code: str | None = None
    players = 0
    try:
        while True:
            cmd = next_command(commands)
            if cmd is None:
                break
            if cmd:
                try:
                    session = run(session, cmd)
                except P2PError as exc:
                    emit({"event": "error", "type": type(exc).__name__, "message": str(exc)})
            if session is not None:
                session.poll()
                if session.join_code() != code:
                    code = session.join_code()
                    emit({"event": "code", "code": code})
                lobby = session.get_lobby()
                count = len(lobby.participants) if lobby is not None else 0
                if count != players:
                    players = count
                    emit({"event": "players", "count": count})
            time.sleep(0.005)
    finally:
        if session is not None:
            session.close()  # waits (bounded) for the directory removal


if __name__ == "__main__":
    main()
