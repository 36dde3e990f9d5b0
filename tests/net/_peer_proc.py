"""A WebRtcTransport in its own process, driven over stdin/stdout JSON lines (test helper).

Usage: python _peer_proc.py WS_URL ROOM. Prints one JSON object per transport event, reads
commands: {"cmd": "send", "peer", "channel", "data"}, {"cmd": "broadcast", "channel", "data"},
{"cmd": "close"} (reports timing and leftover threads), {"cmd": "exit"}.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time

from konnekt_arcade.net import WebRtcTransport

_out_lock = threading.Lock()


def emit(obj: dict[str, object]) -> None:
    with _out_lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def main() -> None:
    url, room = sys.argv[1], sys.argv[2]
    transport = WebRtcTransport(url, room, connect_timeout=20.0)
    transport.start()
    stop = threading.Event()

    def pump() -> None:  # stands in for the game loop's per-frame poll()
        while not stop.is_set():
            for event in transport.poll():
                fields = dataclasses.asdict(event)
                if isinstance(fields.get("data"), bytes):
                    fields["data"] = fields["data"].decode("utf-8")
                emit({"event": type(event).__name__, **fields})
            time.sleep(0.005)

    pumper = threading.Thread(target=pump, name="pump")
    pumper.start()
    try:
        for line in sys.stdin:
            cmd = json.loads(line)
            if cmd["cmd"] == "send":
                transport.send(cmd["peer"], cmd["channel"], cmd["data"].encode())
            elif cmd["cmd"] == "broadcast":
                transport.broadcast(cmd["channel"], cmd["data"].encode())
            elif cmd["cmd"] == "close":
                started = time.monotonic()
                transport.close()
                seconds = time.monotonic() - started
                stop.set()
                pumper.join(2.0)
                main_thread = threading.main_thread()
                leftovers = [
                    t.name
                    for t in threading.enumerate()
                    if t is not main_thread and not t.daemon and t.is_alive()
                ]
                emit({"event": "closed", "seconds": seconds, "non_daemon_threads": leftovers})
            elif cmd["cmd"] == "exit":
                break
    finally:
        stop.set()
        transport.close()


if __name__ == "__main__":
    main()
