"""Role ``lan``: one game's LAN networking (run inside a test's network namespace).

Commands:
  {"cmd": "host", "game", "lobby", "name", "password"?, "embedded"?} — starts a signalling
      server on every interface and hosts with ``advertise_lan``; with ``embedded`` the session
      runs its own (``embedded_signalling(lan=True)``, as LobbyView does: it moves with the
      host); emits {"event": "hosting", "session", "port"}.
  {"cmd": "browse", "game"} — a ``LanBrowser``; every change of its list is emitted as
      {"event": "lobbies", "lobbies"}.
  {"cmd": "find", "game", "timeout"} — ``find_lan_lobbies``; emits {"event": "found", ...}.
  {"cmd": "join", "invite", "name", "password"?, "embedded"?, "game"?} — emits "joined" or
      "join_failed"; ``embedded``: this guest may run the lobby's server if it becomes host;
      ``game``: it announces the lobby on the LAN when it hosts.
  {"cmd": "chat", "text"} — the first session sends a chat line.
  {"cmd": "close"} (closes the sessions; emits "closed"), {"cmd": "state"}.
  {"cmd": "attack", "game", "host_id", "session", "broadcast", "seconds", "fakes"} — a hostile
      LAN peer: for ``seconds`` it broadcasts a bye for ``host_id``, an announce with
      ``host_id`` whose invite names this machine, and ``fakes`` fake hosts; emits
      {"event": "attacked", "sent": n}.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

os.environ["KONNEKT_ARCADE_LAN"] = "on"  # the pytest plugin turns it off for test processes

from konnekt_arcade import (
    ConnectionStage,
    DomainCommand,
    LanBrowser,
    P2PLoopBuilder,
    SessionLoop,
    SignallingServer,
    find_lan_lobbies,
)
from konnekt_arcade.lan._interfaces import DISCOVERY_PORT, list_interfaces
from konnekt_arcade.lan._protocol import Announce, Bye, encode

from ._serve import Command, emit


def attack(cmd: Command) -> None:
    """Spoofed goodbyes, a hijacking announce and a flood of fake hosts, from our address."""
    ours = next(i.address for i in list_interfaces() if not i.loopback)
    hijack = Announce(cmd["game"], cmd["host_id"], "Hijacked", "Mallory", 1, 8, False,
                      f"ws://{ours}:3536/{cmd['session']}")
    packets = [encode(Bye(cmd["game"], cmd["host_id"])), encode(hijack)]
    packets += [encode(Announce(cmd["game"], f"{n:016x}", f"Fake {n}", "Mallory", 1, 8, False,
                                f"ws://{ours}:3536/{uuid.uuid4()}"))
                for n in range(cmd["fakes"])]
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        deadline = time.monotonic() + cmd["seconds"]
        while time.monotonic() < deadline:
            for packet in packets:
                sock.sendto(packet, (cmd["broadcast"], DISCOVERY_PORT))
                sent += 1
            time.sleep(0.05)
    emit({"event": "attacked", "sent": sent})


def lobbies_of(found: list[Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in asdict(lobby).items() if k != "last_seen"} for lobby in found]


class LanRole:
    #: LAN announces come every 1.5 s: a slower loop than a session's leaves the CPU to the
    #: other namespaces' children.
    turn_interval = 0.01

    def __init__(self) -> None:
        self.sessions: list[SessionLoop] = []
        self.joining: list[tuple[SessionLoop, str]] = []
        self.server: SignallingServer | None = None
        self.browser: LanBrowser | None = None
        self.last: list[dict[str, Any]] | None = None

    def handle(self, cmd: Command) -> None:
        match cmd["cmd"]:
            case "host":
                self._host(cmd)
            case "browse":
                self.browser = LanBrowser(game=cmd.get("game"))
                emit({"event": "browsing"})
            case "find":
                found = find_lan_lobbies(timeout=cmd["timeout"], game=cmd.get("game"))
                emit({"event": "found", "lobbies": lobbies_of(found)})
            case "join":
                builder = P2PLoopBuilder()
                if cmd.get("embedded"):
                    builder = builder.embedded_signalling(lan=True)
                if cmd.get("game"):  # a guest that becomes host announces (as LobbyView's)
                    builder = builder.advertise_lan(cmd["game"])
                if cmd.get("password"):
                    builder = builder.password(cmd["password"])
                guest = builder.start_session_guest(cmd["invite"], ice_servers=[])
                self.sessions.append(guest)
                self.joining.append((guest, cmd["name"]))
            case "chat":
                session = self.sessions[0]
                me = session.local_participant_id()
                assert me is not None, "chat before joining"
                session.submit_command(DomainCommand.SendChat(
                    lobby_id=session.lobby_id(), participant_id=me, text=cmd["text"]))
            case "close":
                for s in self.sessions:
                    s.close()
                emit({"event": "closed"})
            case "attack":
                attack(cmd)
            case "state":
                emit(self.state())
            case other:
                raise ValueError(f"unknown command {other!r}")

    def _host(self, cmd: Command) -> None:
        builder = P2PLoopBuilder().advertise_lan(cmd["game"])
        if cmd.get("password"):
            builder = builder.password(cmd["password"])
        if cmd.get("embedded"):
            session, sid = builder.embedded_signalling(lan=True).build_session_host(
                None, [], cmd["lobby"], cmd["name"])
            port = int(urlsplit(session.signalling_url).port or 0)
        else:
            self.server = SignallingServer(host="0.0.0.0", port=0).start()
            port = self.server.port
            session, sid = builder.build_session_host(f"ws://127.0.0.1:{port}", [],
                                                      cmd["lobby"], cmd["name"])
        self.sessions.append(session)
        emit({"event": "hosting", "session": str(sid), "port": port})

    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": "state", "sessions": []}
        for s in self.sessions:
            lobby = s.get_lobby()
            host = lobby.host if lobby is not None else None
            out["sessions"].append({
                "role": s.role, "stage": str(s.stage), "is_host": s.is_host(),
                "players": len(lobby.participants) if lobby else 0,
                "names": [p.name for p in lobby.participants] if lobby else [],
                "host": host.name if host is not None else None,
                "chat": [f"{c.name}: {c.text}" for c in lobby.chat] if lobby else [],
                "peers": sorted(s.connected_peers()), "peer": s.local_peer_id(),
                "invite": s.invite, "signalling_url": s.signalling_url})
        if self.browser is not None:
            out["browser"] = dict(self.browser.stats)
        return out

    def turn(self) -> None:
        for s in self.sessions:
            s.poll()
        for guest, name in list(self.joining):
            if guest.stage is ConnectionStage.SYNCED:
                self.joining.remove((guest, name))
                guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(),
                                                             guest_name=name))
                emit({"event": "joined"})
            elif guest.stage is ConnectionStage.FAILED:
                self.joining.remove((guest, name))
                emit({"event": "join_failed", "error": type(guest.error).__name__})
        if self.browser is not None:
            now = lobbies_of(self.browser.poll())
            if now != self.last:
                self.last = now
                emit({"event": "lobbies", "lobbies": now})

    def close(self) -> None:
        if self.browser is not None:
            self.browser.close()
        for s in self.sessions:
            s.close()
        if self.server is not None:
            self.server.stop()
