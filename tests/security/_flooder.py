"""A flooding peer in its own process (driven like tests/_helper_process.py's helpers).

{"cmd": "flood", "url", "room", "host_peer", "peers", "seconds", "name"}: a raw
``WebRtcTransport`` joins the room, waits for links to ``peers`` peers, joins the lobby as
``name`` (so its chat commands reach the host's chat handler, the costly path), emits
``{"event": "flooding", "participant", "peer"}`` and then, for ``seconds``, broadcasts chat
commands to every peer as fast as its links take them. Ends with
``{"event": "flood_done", "sent", "seconds"}``. {"cmd": "exit"} closes it.
"""

from __future__ import annotations

import time
from typing import Any

from konnekt_arcade.domain import DomainCommand
from konnekt_arcade.net import CHANNEL_RELIABLE, Message, PeerConnected, WebRtcTransport
from konnekt_arcade.sync import Command, Welcome, decode, encode
from tests._helper_child import emit, serve

#: Bytes the flooder lets wait in its own links' send buffers: enough to keep them always
#: busy, bounded so the flooder's memory does not grow with the flood.
MAX_BUFFERED = 1 << 20
BATCH = 100


def wait(transport: WebRtcTransport, inbox: list[tuple[str, bytes]], connected: set[str],
         condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"flooder: timed out waiting for {what}")
        for event in transport.poll():
            if isinstance(event, PeerConnected):
                connected.add(event.peer_id)
            elif isinstance(event, Message) and event.channel == CHANNEL_RELIABLE:
                inbox.append((event.peer_id, event.data))
        time.sleep(0.005)


def buffered(transport: WebRtcTransport) -> int:
    """Bytes waiting in the links' data channels (read-only peek from the test helper)."""
    total = 0
    for link in transport.peer_links():
        for channel in list(getattr(link, "channels", [])):
            total += getattr(channel, "bufferedAmount", 0)
    return total


def flood(cmd: dict[str, Any]) -> WebRtcTransport:
    transport = WebRtcTransport(cmd["url"], cmd["room"], [], queue_size=4 * BATCH)
    transport.start()
    inbox: list[tuple[str, bytes]] = []
    connected: set[str] = set()
    wait(transport, inbox, connected, lambda: len(connected) >= int(cmd["peers"]), 60,
         "links to every peer")
    host = str(cmd["host_peer"])

    def welcome() -> Welcome | None:
        for peer, data in inbox:
            if peer == host and b'"Welcome"' in data:
                msg = decode(data)
                if isinstance(msg, Welcome):
                    return msg
        return None

    lobby_id = None
    wait(transport, inbox, connected, lambda: any(b"FullSyncResponse" in d for _, d in inbox),
         30, "the host's snapshot")
    for _, data in inbox:
        if b"FullSyncResponse" in data:
            lobby_id = decode(data).snapshot.lobby.id  # type: ignore[attr-defined]
            break
    transport.send(host, CHANNEL_RELIABLE, encode(Command(
        request_id=1, command=DomainCommand.JoinLobby(lobby_id=lobby_id,
                                                      guest_name=cmd["name"]))))
    wait(transport, inbox, connected, lambda: welcome() is not None, 30, "the Welcome")
    me = welcome().participant_id  # type: ignore[union-attr]
    spam = encode(Command(request_id=7, command=DomainCommand.SendChat(
        lobby_id=lobby_id, participant_id=me, text="spam")))
    emit({"event": "flooding", "participant": str(me), "peer": transport.local_peer_id})
    sent, start = 0, time.monotonic()
    end = start + float(cmd["seconds"])
    while time.monotonic() < end:
        transport.poll()  # keep our own incoming queue short
        if buffered(transport) > MAX_BUFFERED:
            time.sleep(0.001)
            continue
        for _ in range(BATCH):
            transport.broadcast(CHANNEL_RELIABLE, spam)
        sent += BATCH
        time.sleep(0)  # let the network thread take the batch
    emit({"event": "flood_done", "sent": sent, "seconds": time.monotonic() - start,
          "messages_out": transport.stats["messages_out"],
          "dropped_outgoing": transport.stats["dropped_outgoing"]})
    return transport


def main() -> None:
    emit({"event": "started"})

    def run(transport: WebRtcTransport | None, cmd: dict[str, Any]) -> WebRtcTransport | None:
        if cmd["cmd"] != "flood":
            raise ValueError(f"unknown command {cmd['cmd']!r}")
        return flood(cmd)

    serve(run)


if __name__ == "__main__":
    main()
