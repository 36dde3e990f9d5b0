"""``konnekt-signal``: run the embedded Matchbox signalling server from a shell.

A developer or a LAN host gets a signalling server with no Rust toolchain; production can
swap in the real ``matchbox_server`` because both speak the same protocol.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import os
import signal
import sys
import time

from ._server_limits import ServerLimits
from .directory import DirectoryLimits, DirectoryService, DirectoryStore, MemoryStore
from .directory._limits import (
    DEFAULT_TTL,
    LISTED_PER_CLIENT,
    MAX_ENTRIES,
    MAX_ENTRIES_PER_CLIENT,
)
from .directory._model import DirectoryRequestError, validate_url
from .signalling_server import SignallingServer, websockets_logger

logger = logging.getLogger(__name__)


class DirectoryStartError(Exception):
    """The directory's store could not be set up (the message says what to check)."""


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="konnekt-signal", description="Matchbox-compatible WebRTC signalling server"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 for LAN)")
    parser.add_argument("--port", type=int, default=3536, help="TCP port; 0 picks a free one")
    caps = parser.add_argument_group("limits (docs/security.md gives the reason for each)")
    d = ServerLimits()
    for flag, kind, text in (
        ("max-peers-per-room", int, "peers in one room"),
        ("max-rooms", int, "rooms at once"),
        ("max-message-size", int, "bytes per signalling message"),
        ("max-connections", int, "sockets at once, all addresses (0: RLIMIT_NOFILE - 64)"),
        ("max-connections-per-address", int, "sockets at once from one address"),
        ("max-handshakes-per-address", int, "connections of one address still in their "
         "HTTP handshake (more are dropped at once)"),
        ("handshake-timeout", float, "seconds a connection may take to send its request"),
        ("max-rooms-per-address", int, "rooms one address keeps alive"),
        ("max-peers-per-address-in-room", int, "peers from one address in one room"),
        ("max-directory-sockets-per-address", int, "/_directory sockets of one address"),
        ("owner-idle-timeout", float, "seconds a silent /_directory socket stays open"),
    ):
        name = flag.replace("-", "_")
        caps.add_argument(f"--{flag}", type=kind, default=getattr(d, name),
                          help=f"{text} (default: %(default)s)")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--websockets-log-level", default="WARNING",
                        help="level of websockets' per-connection lines (default: WARNING; "
                             "INFO writes one line per request)")
    lobby = parser.add_argument_group("lobby directory (docs/directory.md)")
    lobby.add_argument("--no-directory", action="store_true",
                       help="serve only Matchbox signalling (no lobby list, no join codes)")
    lobby.add_argument("--directory-only", action="store_true",
                       help="serve only the directory, beside a real matchbox_server")
    lobby.add_argument("--redis", metavar="URL",
                       help="share lobbies with other instances: redis://host:port/db "
                            "(needs konnekt-arcade[redis]); default: in memory")
    lobby.add_argument("--public-url", metavar="URL",
                       help="the ws:// or wss:// URL clients use for this server (behind a "
                            "TLS proxy); stamped on every lobby it lists")
    lobby.add_argument("--trust-forwarded-for", action="store_true",
                       help="rate-limit by X-Forwarded-For (only behind your own proxy)")
    lobby.add_argument("--lobby-ttl", type=float, default=DEFAULT_TTL,
                       help="seconds a lobby stays listed after its last heartbeat")
    lobby.add_argument("--max-lobbies", type=int, default=MAX_ENTRIES)
    lobby.add_argument("--max-lobbies-per-client", type=int, default=MAX_ENTRIES_PER_CLIENT)
    lobby.add_argument("--listed-per-client", type=int, default=LISTED_PER_CLIENT,
                       help="lobbies of one address on one listing page (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.no_directory and (args.directory_only or args.redis):
        parser.error("--no-directory cannot be combined with --directory-only or --redis")
    if args.public_url:
        try:
            args.public_url = validate_url(args.public_url, "--public-url")
        except DirectoryRequestError as exc:
            parser.error(exc.detail)
    return args


async def _directory(args: argparse.Namespace) -> DirectoryService | None:
    """The directory the flags ask for (Redis is pinged now, so a typo fails at start)."""
    if args.no_directory:
        return None
    store: DirectoryStore
    if args.redis:
        from .directory._redis_store import RedisStore

        try:
            redis_store = RedisStore(args.redis)
            await redis_store.ping()
        except Exception as exc:  # redis-py missing, bad URL, Redis unreachable
            raise DirectoryStartError(
                f"Cannot use Redis at {args.redis}: {str(exc).rstrip('.')}. Check: the --redis "
                "URL, that redis-server runs there, and pip install 'konnekt-arcade[redis]'"
            ) from exc
        store = redis_store
        logger.info("Lobby directory in Redis at %s", args.redis)
    else:
        store = MemoryStore(time.time)
    limits = DirectoryLimits(ttl=args.lobby_ttl, max_entries=args.max_lobbies,
                             max_entries_per_client=args.max_lobbies_per_client,
                             listed_per_client=args.listed_per_client)
    # Signs owner tokens, so hosts get their codes back after a restart; instances sharing
    # Redis should share it. Unset: a fresh secret per process (codes are not restored).
    secret = os.environ.get("KONNEKT_SIGNAL_SECRET", "").encode() or None
    return DirectoryService(store, limits=limits, public_url=args.public_url,
                            serves_signalling=not args.directory_only, secret=secret)


async def _run(args: argparse.Namespace) -> None:
    directory = await _directory(args)
    limits = ServerLimits(**{name: getattr(args, name) for name in (
        "max_peers_per_room", "max_rooms", "max_message_size", "max_connections",
        "max_connections_per_address", "max_handshakes_per_address", "handshake_timeout",
        "max_rooms_per_address", "max_peers_per_address_in_room",
        "max_directory_sockets_per_address", "owner_idle_timeout")})
    if directory is not None and not args.public_url and _is_public(args.host):
        logger.warning(
            "Listening on %s without --public-url: listed lobbies carry ws://<the Host header "
            "a client sent>, which a client chooses. Check: pass --public-url "
            "wss://your.domain (docs/internet.md)", args.host)
    server = SignallingServer(
        args.host,
        args.port,
        limits=limits,
        directory=directory,
        with_directory=directory is not None,
        signalling=not args.directory_only,
        trust_forwarded_for=args.trust_forwarded_for,
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


def _is_public(host: str) -> bool:
    """True for an address reachable from the internet: a global IP, or every interface."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host not in ("localhost",)  # a host name: assume it resolves publicly
    return address.is_unspecified or address.is_global


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; runs until SIGINT/SIGTERM."""
    args = _parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    websockets_logger.setLevel(args.websockets_log_level.upper())
    try:
        asyncio.run(_run(args))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        logger.error("Cannot listen on %s:%s: %s", args.host, args.port, exc)
        return 1
    except DirectoryStartError as exc:
        logger.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
