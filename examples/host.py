"""Host a lobby — the seed's Quick Start "Create Host", in Python.

    konnekt-signal &                      # a signalling server on ws://127.0.0.1:3536
    python examples/host.py               # prints the session id to share
    python examples/guest.py <session-id>

Options: ``--once`` exits a moment after the first guest joined; ``--exit-after SECONDS``.
"""

from __future__ import annotations

import argparse
import logging
import time

from konnekt_arcade import DomainEvent, IceServer, P2PLoopBuilder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("signalling_url", nargs="?", default="ws://127.0.0.1:3536")
    parser.add_argument("--lobby", default="My Lobby")
    parser.add_argument("--name", default="Alice")
    parser.add_argument("--once", action="store_true", help="exit after the first guest joined")
    parser.add_argument("--exit-after", type=float, default=None, metavar="SECONDS")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)-5s %(message)s")

    # Build the SessionLoop as host; the session id doubles as the lobby id.
    session_loop, session_id = P2PLoopBuilder().build_session_host(
        args.signalling_url, IceServer.default_stun_servers(), args.lobby, args.name)
    print(f"Session ID: {session_id}", flush=True)
    print("Share this ID with guests to join!", flush=True)

    started = time.monotonic()
    leave_at = None
    with session_loop:
        while True:  # main event loop: poll every 100 ms
            session_loop.poll()
            for event in session_loop.domain().drain_events():
                match event:
                    case DomainEvent.GuestJoined(participant=p):
                        print(f"Welcome {p.name}!", flush=True)
                        if args.once and leave_at is None:
                            leave_at = time.monotonic() + 1.0  # let the Welcome reach them
                    case DomainEvent.GuestLeft(participant_id=pid):
                        print(f"Goodbye {pid}!", flush=True)
            if (lobby := session_loop.get_lobby()) is not None:
                count = len(lobby.participants)
                if count != getattr(main, "_last", None):
                    main._last = count  # type: ignore[attr-defined]
                    print(f"Participants: {count}", flush=True)
            now = time.monotonic()
            if leave_at is not None and now >= leave_at:
                break
            if args.exit_after is not None and now - started >= args.exit_after:
                break
            time.sleep(0.1)


if __name__ == "__main__":
    main()
