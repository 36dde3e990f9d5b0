"""Role ``tests.world.ballrole:BallRole`` for ``childproc``: a session (``childproc.session``)
whose game, as host, simulates a ball moving right at a constant speed on the shared clock —
the host a test kills with SIGKILL to see the ball survive it over real WebRTC.

Extra command: {"cmd": "ball", "speed"} — spawn the host-owned ball; emits {"event": "ball",
"id"}. Every turn the ball moves (while this peer owns it).
"""

from __future__ import annotations

from childproc._serve import Command, emit
from childproc.session import SessionRole
from konnekt_arcade.world import HOST

from .entities import Ball


class BallRole(SessionRole):
    def __init__(self, defaults: str = "{}") -> None:
        super().__init__(defaults)
        self.ball: Ball | None = None
        self.speed = 0.0
        self.t0 = 0.0

    def handle(self, cmd: Command) -> None:
        if cmd["cmd"] != "ball":
            super().handle(cmd)
            return
        assert self.session is not None
        self.speed, self.t0 = float(cmd["speed"]), self.session.time()
        self.ball = self.session.world().spawn(Ball, owner=HOST)
        emit({"event": "ball", "id": self.ball.id})

    def turn(self) -> None:
        super().turn()
        if self.ball is not None and self.ball.is_mine and self.session is not None:
            self.ball.x = self.speed * (self.session.time() - self.t0)
