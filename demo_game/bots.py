"""Bot players: each one a separate process with its own ``SessionLoop`` (a real WebRTC peer).

    python -m demo_game.bots ws://127.0.0.1:3536 <session-id> "Robo Rita" --seed 7

A bot joins like a person would (JoinLobby once the lobby has synced), readies up after a
moment, plays every run it is part of through the same rules as the game's views (``Round``
for Echo and Targets, the shared world's ``WorldRound`` for the live games) — its inputs come
from a brain with human timing and mistakes — and submits its result. When the host leaves
mid-round and the lobby picks the bot as the new host, it referees the live game on (moves
the ball, hands out the coins) and submits everyone's result, as the game's view would.
It never imports arcade. It leaves when its parent process exits, when it is sent SIGTERM,
when the lobby has no host for a while, or after ``--max-seconds``.

``--host N --games ball,coins`` makes a bot host a lobby itself and start those rounds once
N players are ready (the tests' host, killed mid-round); ``--status`` prints a JSON line of
what it sees a few times a second.

``BotFleet`` starts and stops them from the game.
"""

from __future__ import annotations

import argparse
import json
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
from konnekt_arcade.domain import Scoring

from .arena import WorldRound
from .brains import BallBrain, CoinsBrain, EchoBrain, Skill, TargetsBrain
from .play import BALL, COINS, ECHO, LIVE_TYPES, TARGETS, Round

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
        self.round: Round | WorldRound | None = None
        self.brain: Any = None
        self.submit_at: float | None = None
        self.host_missing_since: float | None = None
        self.finished = False
        self.runs_played = 0
        #: (--status) print what we see as JSON lines: ``status_every`` s apart, and each end.
        self.status_every: float | None = None
        self._status_at = 0.0
        #: (--host) the rounds to start once enough players are ready: see ``HostDuties``.
        self.duties: HostDuties | None = None

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
                logger.info("%s hosts now", self.name)
        for event in session.domain().drain_events():
            self._on_event(event, now)
        for data in session.drain_game_data():
            if isinstance(self.round, Round):
                self.round.receive(data.data)
        if self.ready_at is not None and now >= self.ready_at and not self.ready_sent:
            self._send(lambda lob, pid: DomainCommand.SetReady(lobby_id=lob.id, participant_id=pid,
                                                               ready=True))
            self.ready_sent = True
        self._play(now)
        if self.duties is not None:
            self.duties.tick(now)
        self._watch_host(now)
        if self.status_every is not None and now >= self._status_at:
            self._status_at = now + self.status_every
            self._status()

    def _status(self, **extra: Any) -> None:
        rnd = self.round
        line: dict[str, Any] = {"name": self.name, "host": self.session.is_host(),
                                "stage": str(self.session.stage), **extra}
        if isinstance(rnd, WorldRound):
            ball = rnd.ball()
            me = rnd.avatar
            line.update(kind=rnd.kind, run=rnd.tag, ms=rnd.now_ms(), coins=len(rnd.coins()),
                        me=None if me is None else [me.x, me.y],
                        ball=None if ball is None else [ball.x, ball.y],
                        goals=list(rnd.goals()), scores=rnd.scores())
        print(json.dumps(line), flush=True)

    def _on_event(self, event: Any, now: float) -> None:
        me = self.session.local_participant_id()
        if isinstance(event, DomainEvent.RunStarted):
            run = event.run
            players = [str(p) for p in run.required_submitters]
            playing = me in run.required_submitters
            kind = run.activity.activity_type
            self.round = (WorldRound(kind, self.session, run, me, playing) if kind in LIVE_TYPES
                          else Round(kind, run.activity.config, run.id, str(me), players,
                                     playing))
            self.brain = self._brain(run.activity.activity_type)
            self.submit_at = None
            logger.info("%s: %s started (%s)", self.name, run.activity.name,
                        "playing" if playing else "watching")
        elif isinstance(event, DomainEvent.RunEnded):
            if self.status_every is not None:
                lobby = self.session.get_lobby()
                ended = next((r for r in lobby.finished_runs if r.id == event.run_id), None) \
                    if lobby is not None else None
                results = {str(r.participant_id): r.score for r in ended.results} if ended \
                    else {}
                self._status(ended=str(event.run_id)[:8], status=str(event.status),
                             results=results)
            if isinstance(self.round, WorldRound):
                self.round.close()
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
        if kind == BALL:
            return BallBrain(rng, self.skill)
        return None

    def _play_live(self, rnd: WorldRound, now: float) -> None:
        dx, dy = rnd.autopilot(self.brain) if self.brain is not None else (0.0, 0.0)
        rnd.step(dx, dy, TICK)
        lobby, me = self.session.get_lobby(), self.session.local_participant_id()
        run = lobby.current_run if lobby is not None else None
        if run is None or me is None or not self.session.is_host():
            return
        for pid, score, data in rnd.due_results(run.pending_submitters(), self.session.time()):
            self._send(lambda lob, host, pid=pid, score=score, data=data:  # type: ignore[misc]
                       DomainCommand.SubmitResultFor(
                           lobby_id=lob.id, host_id=host, run_id=run.id, participant_id=pid,
                           score=score, data=data, time_taken_ms=rnd.play_ms))
            logger.info("%s (host): %s scored %d", self.name, pid, score)

    def _play(self, now: float) -> None:
        rnd = self.round
        if isinstance(rnd, WorldRound):
            self._play_live(rnd, now)
            return
        if rnd is None or not rnd.playing or self.brain is None or rnd.submitted:
            return
        t = rnd.now_ms()
        if rnd.kind == ECHO:
            self.brain.actions(rnd.model, t)
        elif rnd.kind == TARGETS:
            for x, y in self.brain.clicks(rnd.model, t):
                rnd.model.click(x, y, t)
        rnd.tick()
        for message, reliable in rnd.outgoing():
            self.session.send_game_data(message, reliable=reliable)  # (alone: dropped)
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


class HostDuties:
    """(--host) What the host's lobby screen does in the game, for a bot that hosts: once
    ``players`` are in and every guest is ready, queue ``games`` and start them one by one."""

    def __init__(self, session: Any, players: int, games: list[str], seconds: float,
                 rng: random.Random) -> None:
        self.session, self.players, self.games = session, players, games
        self.seconds, self.rng = seconds, rng
        self.queued = False
        self.next_start = 0.0

    def tick(self, now: float) -> None:
        session = self.session
        lobby, me = session.get_lobby(), session.local_participant_id()
        if lobby is None or me is None or not session.is_host():
            return
        if not self.queued:
            guests = [p for p in lobby.participants if p.id != me]
            if len(lobby.participants) >= self.players and all(p.ready for p in guests):
                self.queued = True
                for kind in self.games:
                    session.submit_command(DomainCommand.QueueActivity(
                        lobby_id=lobby.id, host_id=me, activity_type=kind, name=kind,
                        config={"seed": self.rng.randrange(2**31),
                                "duration_ms": int(self.seconds * 1000)},
                        scoring=Scoring.HOST if kind in LIVE_TYPES else Scoring.SELF,
                        duration_ms=int((self.seconds + 5) * 1000)))
            return
        if lobby.current_run is None and lobby.activity_queue and now >= self.next_start:
            self.next_start = now + 2.0
            session.submit_command(DomainCommand.StartNextRun(lobby_id=lobby.id, host_id=me))


def run_bot(url: str, session_id: str, name: str, seed: int, *, stun: bool = False,
            max_seconds: float = 600.0, parent: int | None = None, host: int = 0,
            games: list[str] | None = None, seconds: float = 20.0,
            status: float | None = None) -> int:
    """Play until told to stop; returns the process exit code. ``host``: host a lobby
    (``session_id`` is its name) and start ``games`` once ``host`` players are ready."""
    stop = {"now": False}

    def on_term(signum: int, frame: Any) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_term)
    ice = IceServer.default_stun_servers() if stun else []
    if host:
        session, sid = P2PLoopBuilder().start_session_host(url, ice, session_id, name)
        print(json.dumps({"name": name, "session": str(sid)}), flush=True)
    else:
        session = P2PLoopBuilder().start_session_guest(url, session_id, ice)
    bot = Bot(session, name, random.Random(seed))
    bot.status_every = status
    if host:
        bot.duties = HostDuties(session, host, games or [BALL], seconds, random.Random(seed))
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
    return 0 if bot.join_sent or host else 1


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
    parser.add_argument("--host", type=int, default=0, metavar="PLAYERS",
                        help="host a lobby (named session_id) and start --games once this "
                             "many players are ready")
    parser.add_argument("--games", default=BALL, help="with --host: comma-separated types")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="with --host: each round's length")
    parser.add_argument("--status", type=float, default=None, metavar="SECONDS",
                        help="print a JSON line of what the bot sees this often")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format=f"[bot {args.name}] %(levelname)s %(message)s")
    if not args.verbose:
        logging.getLogger("konnekt_arcade").setLevel(logging.WARNING)
    return run_bot(args.signal, args.session_id, args.name, args.seed, stun=args.stun,
                   max_seconds=args.max_seconds, parent=args.parent, host=args.host,
                   games=args.games.split(","), seconds=args.seconds, status=args.status)


if __name__ == "__main__":
    sys.exit(main())
