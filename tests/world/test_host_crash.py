"""A host-owned ball survives the host *crashing* (no hand-over, no goodbye), in memory and
over real WebRTC (the host a child process killed with SIGKILL): the survivors keep exactly
one ball, its position never jumps back (it moves right only, before and across the
migration), and the new host's game moves it on, seen by the other survivor."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import pytest

from childproc import ChildProcess, stop_all
from konnekt_arcade import ConnectionStage, DomainCommand, P2PLoopBuilder, SessionLoop
from konnekt_arcade.net import SignallingServer
from konnekt_arcade.testing import SessionGroup, memory_builder, wait_until
from konnekt_arcade.world import HOST

from .entities import Ball

SPEED = 40.0  # units a second, rightwards
HANG = 60.0


class Survivors:
    """The guests' view of the ball, frame by frame; the new host's game moves it on."""

    def __init__(self, guests: Sequence[SessionLoop], ball_id: str) -> None:
        self.guests, self.ball_id = list(guests), ball_id
        self.xs: dict[int, list[float]] = {i: [] for i in range(len(guests))}
        self.last: dict[int, float] = {}

    def frame(self) -> None:
        for i, s in enumerate(self.guests):
            ball = s.world().get(self.ball_id)
            now = s.time()
            if ball is None:
                continue
            if ball.is_mine:  # the new host's game: on from where the ball is
                ball.x += SPEED * (now - self.last.get(i, now))
            self.last[i] = now
            self.xs[i].append(ball.x)

    def seen_beyond(self, x: float) -> bool:
        return all(xs and xs[-1] > x for xs in self.xs.values())

    def new_host(self) -> SessionLoop | None:
        hosts = [s for s in self.guests if s.is_host()]
        ball = hosts[0].world().get(self.ball_id) if len(hosts) == 1 else None
        return hosts[0] if ball is not None and ball.is_mine else None

    def check(self) -> None:
        for i, xs in self.xs.items():
            back = [(a, b) for a, b in itertools.pairwise(xs) if b < a]
            assert not back, f"survivor {i}: the ball jumped back {back[:3]}"
        for s in self.guests:
            balls = [b for b in s.world().entities(Ball) if b.id == self.ball_id]
            assert len(s.world().entities(Ball)) == 1 and len(balls) == 1
            assert balls[0].owner == HOST


def survive(guests: Sequence[SessionLoop], ball_id: str, crash: Callable[[], None],
            *others: HostGame) -> None:
    """Guests watch the ball move; ``crash()``; a survivor takes it over and moves it on.
    ``others`` are polled beside the guests (the in-memory host's frames)."""
    watch = Survivors(guests, ball_id)

    def until(condition: Callable[[], object], what: str) -> None:
        def step() -> object:
            watch.frame()
            return condition()
        wait_until(step, HANG, *others, *guests, what=what)

    until(lambda: watch.seen_beyond(1.0), "the guests to see the ball move")
    crash()
    at_crash = max(xs[-1] for xs in watch.xs.values())
    until(lambda: watch.new_host() is not None, "a new host owning the ball")
    until(lambda: watch.seen_beyond(at_crash + SPEED * 0.5), "the ball to move on everywhere")
    watch.check()


def join(guest: SessionLoop, name: str, *others: SessionLoop) -> None:
    wait_until(lambda: guest.stage is ConnectionStage.SYNCED, HANG, guest, *others,
               what=f"{name} synced")
    guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(), guest_name=name))
    wait_until(lambda: guest.local_participant_id() is not None, HANG, guest, *others,
               what=f"{name} welcomed")


class HostGame:
    """The in-memory host's frames: its game moves the ball right until its process dies."""

    def __init__(self, host: SessionLoop, ball: Ball) -> None:
        self.host, self.ball, self.t0, self.alive = host, ball, host.time(), True

    def poll(self) -> None:
        if self.alive:
            self.ball.x = SPEED * (self.host.time() - self.t0)
        self.host.poll()  # (a crashed peer's session is still polled: it hears nothing)


def test_the_ball_survives_the_host_crashing_in_memory() -> None:
    builder = memory_builder()
    group = SessionGroup(builder, "memory://", timeout=HANG)
    try:
        guests = [group.add_guest("Bob"), group.add_guest("Cleo")]
        game = HostGame(group.host, group.host.world().spawn(Ball, owner=HOST))

        def crash() -> None:
            game.alive = False
            builder.network.crash(group.host.local_peer_id())  # type: ignore[attr-defined]

        survive(guests, game.ball.id, crash, game)
    finally:
        group.close()


@pytest.mark.network
@pytest.mark.timeout(300)
def test_the_ball_survives_the_host_crashing_over_webrtc(
        signalling_server: SignallingServer) -> None:
    host = ChildProcess("tests.world.ballrole:BallRole", name="host")
    guests: list[SessionLoop] = []
    try:
        host.command(cmd="host", url=signalling_server.url, lobby="Ball", name="Host")
        sid = str(host.wait_for(lambda e: e["event"] == "ready")["session"])
        builder = P2PLoopBuilder()
        for name in ("Bob", "Cleo"):
            guest = builder.start_session_guest(signalling_server.url, sid, [])
            guests.append(guest)
            join(guest, name, *guests)
        host.command(cmd="ball", speed=SPEED)
        ball_id = str(host.wait_for(lambda e: e["event"] == "ball")["id"])
        survive(guests, ball_id, host.kill)
    finally:
        for guest in guests:
            guest.close()
        stop_all([host], check=False)
