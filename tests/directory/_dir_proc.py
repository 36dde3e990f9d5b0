"""A published host or a by-code guest in its own process (stdin/stdout JSON lines).

Commands: {"cmd": "host", "url", "lobby", "name", "game", "public"} (emits "ready" with the
session id, then "code" once the directory gave one), {"cmd": "guest", "url", "code"} (joins
by code only; emits "ready"), {"cmd": "join", "name"}, {"cmd": "exit"}.
Every change in the lobby's player count is emitted as {"event": "players", "count"}.
"""

from __future__ import annotations

from typing import Any

from konnekt_arcade import DomainCommand, P2PLoopBuilder, SessionLoop
from tests._helper_child import emit, serve


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


class Report:
    """Emits the join code and the player count whenever they change."""

    def __init__(self) -> None:
        self.code: str | None = None
        self.players = 0

    def __call__(self, session: SessionLoop) -> None:
        if session.join_code() != self.code:
            self.code = session.join_code()
            emit({"event": "code", "code": self.code})
        lobby = session.get_lobby()
        count = len(lobby.participants) if lobby is not None else 0
        if count != self.players:
            self.players = count
            emit({"event": "players", "count": count})


if __name__ == "__main__":
    serve(run, Report())  # close() waits (bounded) for the directory removal
