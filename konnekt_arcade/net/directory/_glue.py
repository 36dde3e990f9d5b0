"""The directory on ``konnekt-signal``'s port: websockets' ``process_request`` hook for the
plain HTTP GETs, and the hosts' ``/_directory`` owner socket.

Kept apart from ``signalling_server.py`` so the Matchbox server stays about signalling: it
calls ``answer_http`` for every request and ``serve_owner`` for ``OWNER_PATH`` upgrades.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from http import HTTPStatus
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ._service import DirectoryService

#: The websocket path hosts register on (reserved: never a signalling room).
OWNER_PATH = "/_directory"


def client_address(connection: ServerConnection, trust_forwarded_for: bool) -> str:
    """The address rate limits and per-client caps count against."""
    if trust_forwarded_for and connection.request is not None:
        forwarded = connection.request.headers.get("X-Forwarded-For", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:64]
    address = connection.remote_address
    return str(address[0]) if address else "?"


def is_owner_socket(path: str) -> bool:
    return urlsplit(path).path == OWNER_PATH


async def answer_http(directory: DirectoryService | None, connection: ServerConnection,
                      request: Request, *, signalling: bool,
                      trust_forwarded_for: bool) -> Response | None:
    """The directory's answer to a request, or None to let it go on (to a room).

    Only requests without ``Upgrade`` are the directory's, so no room name changes meaning;
    a directory-only server refuses room upgrades with 404.
    """
    upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
    if directory is not None and not upgrade and directory.handles(request.path):
        method = "GET" if request.method == "HEAD" else request.method  # the caller drops the body
        reply = await directory.http(method, request.path,
                                     client_address(connection, trust_forwarded_for))
        headers = Headers([("Content-Type", reply.content_type),
                           ("Content-Length", str(len(reply.body))),
                           ("Cache-Control", "no-store"),
                           ("Access-Control-Allow-Origin", "*"),
                           ("X-Content-Type-Options", "nosniff"), *reply.headers])
        return Response(reply.status, HTTPStatus(reply.status).phrase, headers, reply.body)
    if upgrade and not signalling and not (directory and is_owner_socket(request.path)):
        body = b"this server runs only the lobby directory\n"
        return Response(HTTPStatus.NOT_FOUND.value, "Not Found",
                        Headers([("Content-Length", str(len(body)))]), body)
    return None


#: websocket close code 1000 with this reason ends an owner socket that went quiet.
IDLE_REASON = "no message for {:.0f} s"


async def serve_owner(directory: DirectoryService, ws: ServerConnection, client: str,
                      idle_timeout: float) -> None:
    """A host's directory socket: one JSON reply per JSON request (docs/directory.md).

    ``client``: the address its limits count against. A socket silent for ``idle_timeout``
    (hosts send a heartbeat every 10 s) is closed, so idle sockets cannot pile up."""
    host = ws.request.headers.get("Host") if ws.request else None
    with contextlib.suppress(ConnectionClosed):
        while True:
            try:
                frame = await asyncio.wait_for(ws.recv(), idle_timeout)
            except TimeoutError:
                await ws.close(1000, IDLE_REASON.format(idle_timeout))
                return
            reply = await directory.owner_message(frame, client, host)
            await ws.send(json.dumps(reply, separators=(",", ":")))
