"""Join a lobby — the seed's Quick Start "Join as Guest", in Python.

    python examples/guest.py <session-id> [ws://127.0.0.1:3536] [--name Bob]

Options: ``--once`` exits once the host has welcomed us; ``--exit-after SECONDS``.
"""

from __future__ import annotations

import argparse
import logging
import time

from konnekt_arcade import DomainCommand, DomainEvent, IceServer, P2PLoopBuilder, SessionId


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("session_id")
    parser.add_argument("signalling_url", nargs="?", default="ws://127.0.0.1:3536")
    parser.add_argument("--name", default="Bob")
    parser.add_argument("--once", action="store_true", help="exit once we have joined")
    parser.add_argument("--exit-after", type=float, default=None, metavar="SECONDS")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)-5s %(message)s")

    session_id = SessionId.parse(args.session_id)  # InvalidSessionId names bad text

    # Build the SessionLoop as guest; blocks until the host's lobby snapshot arrived.
    session_loop, lobby_id = P2PLoopBuilder().build_session_guest(
        args.signalling_url, session_id, IceServer.default_stun_servers())

    with session_loop:
        while session_loop.get_lobby() is None:  # already synced here; kept as in the seed
            session_loop.poll()
            time.sleep(0.1)
        print("Lobby synced!", flush=True)

        session_loop.submit_command(
            DomainCommand.JoinLobby(lobby_id=lobby_id, guest_name=args.name))

        started = time.monotonic()
        joined = False
        while True:  # main event loop
            session_loop.poll()
            for event in session_loop.domain().drain_events():
                match event:
                    case DomainEvent.GuestJoined(participant=p):
                        print(f"Welcome {p.name}!", flush=True)
                    case DomainEvent.CommandFailed(command_type=kind, reason=reason):
                        print(f"{kind} failed: {reason}", flush=True)
                        return
            if not joined and session_loop.local_participant_id() is not None:
                joined = True
                lobby = session_loop.get_lobby()
                names = ", ".join(p.name for p in lobby.participants) if lobby else ""
                print(f"Joined as {session_loop.local_participant_id()} ({names})", flush=True)
                if args.once:
                    return
            if args.exit_after is not None and time.monotonic() - started >= args.exit_after:
                return
            time.sleep(0.1)


if __name__ == "__main__":
    main()
