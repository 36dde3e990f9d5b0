"""Role ``transport``: a bare WebRtcTransport, no session on top — a mesh peer, or a flooder.

Arguments: ``URL ROOM`` opens the transport at once (as ``open`` does).

Commands:
  {"cmd": "open", "url", "room"} — every transport event is then emitted as
      {"event": <its type name>, ...its fields} (bytes as UTF-8 text).
  {"cmd": "send", "peer", "channel", "data"}, {"cmd": "broadcast", "channel", "data"}.
  {"cmd": "close"} — emits {"event": "closed", "seconds", "non_daemon_threads"}: how long
      close() took and which threads it left that would keep a game from exiting.
  {"cmd": "flood", "url", "room", "host_peer", "peers", "seconds", "name"} — a transport of its
      own joins the room, waits for links to ``peers`` peers, joins the lobby as ``name`` (so
      its chat commands reach the host's chat handler, the costly path), emits
      {"event": "flooding", "participant", "peer"} and then, for ``seconds``, broadcasts chat
      commands to every peer as fast as its links take them. Ends with
      {"event": "flood_done", "sent", "seconds", "messages_out", "dropped_outgoing"}. Its
      events are polled, not emitted.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from konnekt_arcade.domain import DomainCommand
from konnekt_arcade.net import CHANNEL_RELIABLE, Message, PeerConnected, WebRtcTransport
from konnekt_arcade.sync._wire import Command, Welcome, decode, encode

from ._serve import Command as Cmd
from ._serve import emit

#: Seconds a mesh peer's transport waits for a link (a busy machine's ICE can be slow).
CONNECT_TIMEOUT = 20.0
#: Bytes the flooder lets wait in its own links' send buffers: enough to keep them always
#: busy, bounded so the flooder's memory does not grow with the flood.
MAX_BUFFERED = 1 << 20
#: Chat commands the flooder hands over per turn (and 4x that its outbox holds).
BATCH = 100


class TransportRole:
    def __init__(self, url: str = "", room: str = "") -> None:
        self.transport: WebRtcTransport | None = None
        self.flooder: WebRtcTransport | None = None
        if url:
            self._open(url, room)

    def _open(self, url: str, room: str) -> None:
        self.transport = WebRtcTransport(url, room, connect_timeout=CONNECT_TIMEOUT)
        self.transport.start()

    def handle(self, cmd: Cmd) -> None:
        kind = cmd["cmd"]
        if kind == "open":
            self._open(cmd["url"], cmd["room"])
        elif kind == "flood":
            self.flooder = flood(cmd)
        elif self.transport is None:
            raise ValueError(f"{kind!r} before open")
        elif kind == "send":
            self.transport.send(cmd["peer"], cmd["channel"], cmd["data"].encode())
        elif kind == "broadcast":
            self.transport.broadcast(cmd["channel"], cmd["data"].encode())
        elif kind == "close":
            started = time.monotonic()
            self.transport.close()
            seconds = time.monotonic() - started
            main = threading.main_thread()
            leftovers = [t.name for t in threading.enumerate()
                         if t is not main and not t.daemon and t.is_alive()]
            emit({"event": "closed", "seconds": seconds, "non_daemon_threads": leftovers})
        else:
            raise ValueError(f"unknown command {kind!r}")

    def turn(self) -> None:  # stands in for the game loop's per-frame poll()
        if self.transport is not None:
            for event in self.transport.poll():
                fields = dataclasses.asdict(event)
                if isinstance(fields.get("data"), bytes):
                    fields["data"] = fields["data"].decode("utf-8", errors="replace")
                emit({"event": type(event).__name__, **fields})
        if self.flooder is not None:
            self.flooder.poll()  # keep its incoming queue short

    def close(self) -> None:
        for transport in (self.transport, self.flooder):
            if transport is not None:
                transport.close()


# --- the flooder ---------------------------------------------------------------------------


def _wait(transport: WebRtcTransport, inbox: list[tuple[str, bytes]], connected: set[str],
          condition: Callable[[], object], timeout: float, what: str) -> None:
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
    """Bytes waiting in the links' data channels: the flood keeps its links busy without
    growing the flooder's memory."""
    total = 0
    for link in transport.peer_links():
        for channel in list(getattr(link, "channels", [])):
            total += getattr(channel, "bufferedAmount", 0)
    return total


def flood(cmd: Cmd) -> WebRtcTransport:
    transport = WebRtcTransport(cmd["url"], cmd["room"], [], queue_size=4 * BATCH)
    transport.start()
    inbox: list[tuple[str, bytes]] = []
    connected: set[str] = set()
    _wait(transport, inbox, connected, lambda: len(connected) >= int(cmd["peers"]), 60,
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
    _wait(transport, inbox, connected, lambda: any(b"FullSyncResponse" in d for _, d in inbox),
          30, "the host's snapshot")
    for _, data in inbox:
        if b"FullSyncResponse" in data:
            lobby_id = decode(data).snapshot.lobby.id  # type: ignore[attr-defined]
            break
    transport.send(host, CHANNEL_RELIABLE, encode(Command(
        request_id=1, command=DomainCommand.JoinLobby(lobby_id=lobby_id,
                                                      guest_name=cmd["name"]))))
    _wait(transport, inbox, connected, lambda: welcome() is not None, 30, "the Welcome")
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
