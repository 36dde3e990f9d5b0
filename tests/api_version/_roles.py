"""Child-process roles for the mixed-version tests: a ``session`` role speaking another
lobby protocol, and reporting how its session ended.

``python -m childproc tests.api_version._roles:VersionedSession VERSION`` sets
``konnekt_arcade.sync._wire.PROTOCOL_VERSION`` — the one source of the version, read at run
time by the envelope, the refusal, LAN announcements and directory listings — before any
session exists: the process then speaks ``VERSION`` everywhere, as a peer of another release
would. (The constant is the hook: ``_wire``'s docstring names it so.)
"""

from __future__ import annotations

import konnekt_arcade.sync._wire as wire
from childproc import Command, emit
from childproc.session import SessionRole
from konnekt_arcade import P2PError


class VersionedSession(SessionRole):
    """``SessionRole`` speaking ``version``. A ``guest`` command whose join fails (the
    builder waits for the lobby, and raises what the session failed with) emits
    {"event": "failed", "type", "message", "lobby_version", "local_version"} instead of an
    error: here a refused join is the expected outcome."""

    def __init__(self, version: str, defaults: str = "{}") -> None:
        wire.PROTOCOL_VERSION = int(version)
        super().__init__(defaults)

    def handle(self, cmd: Command) -> None:
        try:
            super().handle(cmd)
        except P2PError as error:
            if cmd.get("cmd") != "guest":
                raise
            emit({"event": "failed", "type": type(error).__name__, "message": str(error),
                  "lobby_version": getattr(error, "lobby_version", None),
                  "local_version": getattr(error, "local_version", None)})
