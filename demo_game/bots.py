"""Bot players: each one a separate process with its own ``SessionLoop`` (a real WebRTC peer).

    python -m demo_game.bots ws://127.0.0.1:3536 <session-id> "Robo Rita" --seed 7

A bot joins like a person would (JoinLobby once the lobby has synced), readies up after a
moment, plays every run it is part of through the same rules and ``Round`` as the game's
views — its inputs come from a brain with human timing and mistakes — and submits its result.
It never imports arcade. It leaves when its parent process exits, when it is sent SIGTERM,
when the lobby's host goes away, or after ``--max-seconds``.

``BotFleet`` starts and stops them from the game.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import random
import signal
import subprocess
import sys
import time
from typing import Any

from konnekt_arcade import (
    DomainCommand,
    DomainEvent,
    HostChanged,
    IceServer,
    P2PError,
    P2PLoopBuilder,
    Welcomed,
)

from .brains import CoinsBrain, EchoBrain, Skill, TargetsBrain
from .play import COINS, ECHO, TARGETS, Round

logger = logging.getLogger("demo_game.bot")

BOT_NAMES = ("Robo Rita", "Pixel Pete", "Byte Bella", "Glitch Gus", "Sprite Sam", "Turbo Tia",
             "Laser Lou", "Neon Nia")
#: Bot main-loop period: ~60 polls a second, light enough for several bots on two cores.
TICK = 1 / 60
#: A bot gives up if its lobby has had no host for this long.
HOST_GONE_AFTER = 6.0


def bot_name(index: int) -> str:
    base = BOT_NAMES[index % len(BOT_NAMES)]
    return base if index < len(BOT_NAMES) else f"{base} {index // len(BOT_NAMES) + 1}"


class Bot:
    """One bot's game logic over a ``SessionLoop`` (no threads of its own)."""

    def __init__(self, session: Any, name: str, rng: random.Random) -> None:
        self.session = session
        self.name = name
        self.rng = rng
        self.skill = Skill.random(rng)
        self.join_sent = False
        self.ready_at: float | None = None
        self.ready_sent = False
        self.round: Round | None = None
        self.brain: Any = None
        self.submit_at: float | None = None
        self.host_missing_since: float | None = None
        self.finished = False
        self.runs_played = 0

    # --- one tick -----------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        session = self.session
        session.poll()
        if session.stage in ("failed", "closed"):
            logger.warning("%s: session %s (%s)", self.name, session.stage, session.error)
            self.finished = True
            return
        lobby = session.get_lobby()
        me = session.local_participant_id()
        if session.stage == "synced" and lobby is not None and me is None and not self.join_sent:
            self.join_sent = True
            session.submit_command(DomainCommand.JoinLobby(lobby_id=lobby.id,
                                                           guest_name=self.name))
        for notice in session.drain_notices():
            if isinstance(notice, Welcomed):
                self.ready_at = now + self.rng.uniform(0.3, 1.2)
                logger.info("%s joined the lobby", self.name)
            elif isinstance(notice, HostChanged) and notice.is_local:
                logger.info("%s: the host left; a bot won't host — leaving", self.name)
                self.finished = True
        for event in session.domain().drain_events():
            self._on_event(event, now)
        for data in session.drain_game_data():
            if self.round is not None:
                self.round.receive(data.data)
        if self.ready_at is not None and now >= self.ready_at and not self.ready_sent:
            self._send(lambda lob, pid: DomainCommand.SetReady(lobby_id=lob.id, participant_id=pid,
                                                               ready=True))
            self.ready_sent = True
        self._play(now)
        self._watch_host(now)

    def _on_event(self, event: Any, now: float) -> None:
        me = self.session.local_participant_id()
        if isinstance(event, DomainEvent.RunStarted):
            run = event.run
            players = [str(p) for p in run.required_submitters]
            playing = me in run.required_submitters
            self.round = Round(run.activity.activity_type, run.activity.config, run.id,
                               str(me), players, playing)
            self.brain = self._brain(run.activity.activity_type)
            self.submit_at = None
            logger.info("%s: %s started (%s)", self.name, run.activity.name,
                        "playing" if playing else "watching")
        elif isinstance(event, DomainEvent.RunEnded):
            self.round, self.brain = None, None
        elif isinstance(event, DomainEvent.GuestLeft) and event.participant_id == me:
            logger.info("%s left the lobby (%s)", self.name, event.reason)
            self.finished = True

    def _brain(self, kind: str) -> Any:
        rng = random.Random(self.rng.random())
        if kind == ECHO:
            return EchoBrain(rng, self.skill)
        if kind == TARGETS:
            return TargetsBrain(rng, self.skill)
        if kind == COINS:
            return CoinsBrain(rng, self.skill)
        return None

    def _play(self, now: float) -> None:
        rnd = self.round
        if rnd is None or not rnd.playing or self.brain is None or rnd.submitted:
            return
        t = rnd.now_ms()
        if rnd.kind == ECHO:
            self.brain.actions(rnd.model, t)
        elif rnd.kind == TARGETS:
            for x, y in self.brain.clicks(rnd.model, t):
                rnd.model.click(x, y, t)
        elif rnd.kind == COINS:
            rivals = [(o.x, o.y) for o in rnd.others.values()]
            dx, dy = self.brain.direction(rnd.model, t, rivals)
            rnd.step_coins(dx, dy, TICK)
        rnd.tick()
        for data, reliable in rnd.outgoing():
            # no peer right now: positions are replaced by the next ones anyway
            with contextlib.suppress(P2PError):
                self.session.send_game_data(data, reliable=reliable)
        if rnd.finished:
            if self.submit_at is None:
                self.submit_at = now + self.rng.uniform(0.05, 0.3)
            elif now >= self.submit_at:
                score, data, ms = rnd.result()
                lobby = self.session.get_lobby()
                if lobby is not None and lobby.current_run is not None:
                    run_id = lobby.current_run.id
                    self._send(lambda lob, pid: DomainCommand.SubmitResult(
                        lobby_id=lob.id, run_id=run_id, participant_id=pid, score=score,
                        data=data, time_taken_ms=ms))
                    logger.info("%s scored %d in %s", self.name, score, rnd.kind)
                rnd.submitted = True
                self.runs_played += 1

    def _send(self, make: Any) -> None:
        lobby, me = self.session.get_lobby(), self.session.local_participant_id()
        if lobby is None or me is None:
            return
        try:
            self.session.submit_command(make(lobby, me))
        except P2PError as exc:
            logger.warning("%s: could not send: %s", self.name, exc)

    def _watch_host(self, now: float) -> None:
        lobby = self.session.get_lobby()
        host = lobby.host if lobby is not None else None
        if lobby is None or (host is not None and host.connected):
            self.host_missing_since = None
            return
        if self.host_missing_since is None:
            self.host_missing_since = now
        elif now - self.host_missing_since > HOST_GONE_AFTER:
            logger.info("%s: the host is gone — leaving", self.name)
            self.finished = True


def run_bot(url: str, session_id: str, name: str, seed: int, *, stun: bool = False,
            max_seconds: float = 600.0, parent: int | None = None) -> int:
    """Play until told to stop; returns the process exit code."""
    stop = {"now": False}

    def on_term(signum: int, frame: Any) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_term)
    ice = IceServer.default_stun_servers() if stun else []
    session = P2PLoopBuilder().start_session_guest(url, session_id, ice)
    bot = Bot(session, name, random.Random(seed))
    deadline = time.monotonic() + max_seconds
    try:
        while not stop["now"] and not bot.finished and time.monotonic() < deadline:
            if parent is not None and os.getppid() != parent:
                break  # the game that started us is gone
            started = time.monotonic()
            bot.tick(started)
            time.sleep(max(0.0, TICK - (time.monotonic() - started)))
    except KeyboardInterrupt:
        pass
    finally:
        session.close()
    return 0 if bot.join_sent else 1


class BotFleet:
    """Starts bot processes for a session and stops them (by their own pids) at the end."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int, url: str, session_id: str, *, seed: int = 0,
              stun: bool = False, verbose: bool = False) -> list[str]:
        names = []
        for index in range(count):
            name = bot_name(len(self.processes))
            args = [sys.executable, "-m", "demo_game.bots", url, session_id, name,
                    "--seed", str(seed * 100 + len(self.processes)),
                    "--parent", str(os.getpid())]
            if stun:
                args.append("--stun")
            if verbose:
                args.append("--verbose")
            env = dict(os.environ)
            env.pop("ARCADE_HEADLESS", None)  # bots never open a window (nor import arcade)
            self.processes.append(subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL))
            names.append(name)
            _ = index
        return names

    def stop(self, timeout: float = 3.0) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in self.processes:
            try:
                proc.wait(max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(1.0)
        self.processes.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo_game.bots",
                                     description="One bot player for demo_game.")
    parser.add_argument("signal", help="signalling server URL (ws://...)")
    parser.add_argument("session_id")
    parser.add_argument("name")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stun", action="store_true", help="use the public STUN servers")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument("--parent", type=int, default=None,
                        help="exit when this process is no longer our parent")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format=f"[bot {args.name}] %(levelname)s %(message)s")
    if not args.verbose:
        logging.getLogger("konnekt_arcade").setLevel(logging.WARNING)
    return run_bot(args.signal, args.session_id, args.name, args.seed, stun=args.stun,
                   max_seconds=args.max_seconds, parent=args.parent)


if __name__ == "__main__":
    sys.exit(main())
