"""Starting a hosted lobby from the start screen's form: which builder options apply."""

from __future__ import annotations

from ..domain import MAX_NAME_LENGTH
from ..session import IceServer, P2PLoopBuilder, SessionLoop


def start_hosting(builder: P2PLoopBuilder, url: str | None, ice_servers: list[IceServer], name: str,
                  password: str, lan_game: str | None) -> SessionLoop:
    """Start hosting "<name>'s lobby" without waiting for the network.

    ``password`` ("" for none) locks the lobby; ``lan_game`` announces it on the local network
    under that game id — only for a websocket signalling server, the one kind a player on the
    LAN can reach by the announced address (``url=None``: the builder's own built-in one).
    Raises what ``start_session_host`` raises (``ValueError``, ``P2PError``, ``OSError``) for
    the view to show.
    """
    if password:
        builder = builder.password(password)
    if lan_game is not None and (url is None or url.startswith(("ws://", "wss://"))):
        builder = builder.advertise_lan(lan_game)
    session, _ = builder.start_session_host(url, ice_servers,
                                            f"{name}'s lobby"[:MAX_NAME_LENGTH], name)
    return session
