"""Command line of the demo: window or ``--headless``, bots, rounds, signalling.

Decides headless mode *before* arcade is imported (arcade reads ``ARCADE_HEADLESS`` at import).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .lan import DEFAULT_PORT


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demo_game",
        description="Konnekt Party: a peer-to-peer party game (Echo, Coins, Bumper ball, "
                    "Targets).")
    parser.add_argument("--headless", action="store_true",
                        help="no window: host, play a whole match with bots, save screenshots, "
                             "print the leaderboard")
    parser.add_argument("--bots", type=int, default=None, metavar="N",
                        help="bot players, each its own WebRTC peer (default: 0 in a window, "
                             "3 headless)")
    parser.add_argument("--rounds", type=int, default=3, metavar="N",
                        help="headless: mini-games to play, cycling Echo, Coins, Bumper ball, "
                             "Targets")
    parser.add_argument("--signal", default="", metavar="URL",
                        help="use this signalling server instead of starting one")
    parser.add_argument("--join", default="", metavar="INVITE|CODE",
                        help="prefill Join with an invite (ws://host:port/<session id>), or "
                             "join at once by a lobby's join code (on --signal's directory)")
    parser.add_argument("--public", action="store_true",
                        help="list your lobby in the signalling server's lobby directory and "
                             "show its join code (with --signal for play over the internet)")
    parser.add_argument("--name", default="", help="your player name")
    parser.add_argument("--bind", default="0.0.0.0",
                        help="address the embedded signalling server listens on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port of the embedded signalling server")
    parser.add_argument("--stun", action="store_true",
                        help="use public STUN servers (for play across the internet)")
    parser.add_argument("--screenshots", default="demo_screenshots", metavar="DIR",
                        help="headless: where the screenshots go")
    parser.add_argument("--seed", type=int, default=None, help="seed for the rounds")
    parser.add_argument("--coins-seconds", type=float, default=20.0,
                        help="length of the Coins round")
    parser.add_argument("--ball-seconds", type=float, default=20.0,
                        help="length of the Bumper ball round")
    parser.add_argument("--grace", type=float, default=30.0, metavar="SECONDS",
                        help="how long a player who dropped out keeps their place (while you "
                             "host)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="headless: give up after this many seconds")
    parser.add_argument("--no-lan", action="store_true",
                        help="don't announce your lobby on the local network or list others'")
    parser.add_argument("--state-file", default="", metavar="PATH",
                        help="keep the screen and lobby state in this JSON file (for tests)")
    parser.add_argument("--mute", action="store_true", help="no sound")
    parser.add_argument("--verbose", action="store_true", help="log the networking too")
    args = parser.parse_args(argv)
    if args.bots is not None and not 0 <= args.bots <= 7:
        parser.error("--bots must be between 0 and 7")
    if not 1 <= args.rounds <= 30:
        parser.error("--rounds must be between 1 and 30")
    if not 3 <= args.coins_seconds <= 120:
        parser.error("--coins-seconds must be between 3 and 120")
    if not 3 <= args.ball_seconds <= 120:
        parser.error("--ball-seconds must be between 3 and 120")
    if not 2 <= args.grace <= 600:
        parser.error("--grace must be between 2 and 600 seconds")
    return args


class _Elapsed(logging.Formatter):
    """``[demo  12.3s] message``: seconds since start, so a log shows where time goes."""

    def format(self, record: logging.LogRecord) -> str:
        return f"[demo {record.relativeCreated / 1000:5.1f}s] {record.getMessage()}"


def has_display() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_Elapsed())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    if not args.verbose:
        for noisy in ("konnekt_arcade", "aioice", "aiortc", "websockets"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if not args.headless and not has_display():
        logging.getLogger("demo_game").info(
            "No display found (DISPLAY / WAYLAND_DISPLAY unset): running --headless instead.")
        args.headless = True
    if args.headless:
        os.environ["ARCADE_HEADLESS"] = "1"
    from .app import run_headless, run_window  # arcade is imported from here on

    return run_headless(args) if args.headless else run_window(args)
