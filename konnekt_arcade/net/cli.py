"""``konnekt-signal``: run the embedded Matchbox signalling server from a shell.

A developer or a LAN host gets a signalling server with no Rust toolchain; production can
swap in the real ``matchbox_server`` because both speak the same protocol.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from .signalling_server import SignallingServer

logger = logging.getLogger(__name__)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="konnekt-signal", description="Matchbox-compatible WebRTC signalling server"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 for LAN)")
    parser.add_argument("--port", type=int, default=3536, help="TCP port; 0 picks a free one")
    parser.add_argument("--max-peers-per-room", type=int, default=64)
    parser.add_argument("--max-rooms", type=int, default=1024)
    parser.add_argument("--max-message-size", type=int, default=64 * 1024)
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


async def _run(args: argparse.Namespace) -> None:
    server = SignallingServer(
        args.host,
        args.port,
        max_peers_per_room=args.max_peers_per_room,
        max_rooms=args.max_rooms,
        max_message_size=args.max_message_size,
    )
    await server.start_async()
    print(server.url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows has no add_signal_handler
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop_async()


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; runs until SIGINT/SIGTERM."""
    args = _parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(_run(args))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        logger.error("Cannot listen on %s:%s: %s", args.host, args.port, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
