"""What ``GET /metrics`` exports (names and help in one place; ``_server_http.render_metrics``
writes the format). What to alert on is in docs/internet.md."""

from __future__ import annotations

from typing import Any, Protocol

from ._quiet_log import QuietFilter, Refusals
from ._rooms import RoomTable
from ._server_http import Family, render_metrics
from ._server_limits import Gate, ServerLimits
from .directory import DirectoryService


class MetricsSource(Protocol):
    """The parts of ``SignallingServer`` the metrics read (no import of the server)."""

    stats: dict[str, int]
    refusals: Refusals
    log_filter: QuietFilter
    directory: DirectoryService | None
    limits: ServerLimits


def server_metrics(server: MetricsSource, table: RoomTable[Any], gate: Gate,
                   directory_entries: int | None) -> bytes:
    stats = server.stats
    refusals = dict(server.refusals.counts)
    for cause, count in gate.refused.items():
        refusals[cause] = refusals.get(cause, 0) + count
    families = [
        Family("konnekt_signal_rooms", "gauge", "Matchbox rooms with at least one peer",
               [({}, len(table.rooms))]),
        Family("konnekt_signal_peers", "gauge", "Peers in rooms",
               [({}, sum(len(r.peers) for r in table.rooms.values()))]),
        Family("konnekt_signal_waiting_groups", "gauge", "?next=N groups still filling up",
               [({}, table.waiting_groups())]),
        Family("konnekt_signal_connections", "gauge", "Open TCP connections (all kinds)",
               [({}, gate.connections)]),
        Family("konnekt_signal_connection_cap", "gauge",
               "Connections accepted at most (max_connections)", [({}, gate.cap)]),
        Family("konnekt_signal_peers_joined_total", "counter", "Peers admitted to a room",
               [({}, stats["connections"])]),
        Family("konnekt_signal_signals_total", "counter", "Signals relayed or dropped",
               [({"result": "routed"}, stats["signals_routed"]),
                ({"result": "unknown_receiver"}, stats["signals_dropped"])]),
        Family("konnekt_signal_frames_dropped_total", "counter",
               "Room frames dropped, by cause",
               [({"cause": c}, stats[c]) for c in ("malformed", "oversized", "too_deep",
                                                     "relay_limited")]),
        Family("konnekt_signal_refusals_total", "counter",
               "Connections, rooms and requests refused, by the cap that refused them",
               [({"cause": c}, n) for c, n in sorted(refusals.items())]),
        Family("konnekt_signal_log_lines_suppressed_total", "counter",
               "Log lines folded into a once-per-interval summary",
               [({"source": "refusals"}, server.refusals.suppressed + (
                   server.directory.refusals.suppressed if server.directory else 0)),
                ({"source": "websockets"}, server.log_filter.suppressed)]),
    ]
    directory = server.directory
    if directory is not None:
        families.append(Family("konnekt_directory_requests_total", "counter",
                               "Directory operations, by result",
                               [({"result": k}, v) for k, v in sorted(directory.stats.items())]))
        if directory_entries is not None:
            families.append(Family("konnekt_directory_entries", "gauge",
                                   "Live directory entries (all games)",
                                   [({}, directory_entries)]))
    return render_metrics(families)
