"""``konnekt-signal``'s plain HTTP answers beside the websocket upgrades: health checks for
load balancers, ``GET /metrics`` for Prometheus, and the HTTP rules every answer follows
(``HEAD`` gets headers only; a refusal says why in its body).

``/metrics`` is the Prometheus text format written by hand (``render_metrics``): the server
exports a few dozen counters and gauges, the format is four line shapes, and
``prometheus-client``'s process-wide default registry would mix up the several servers one
test process runs; one dependency less for a ``pip install``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus

from websockets.datastructures import Headers
from websockets.http11 import Response

#: Paths answered here; ``/health`` is what ``matchbox_server`` answers (kept compatible).
HEALTH_PATHS = ("/health", "/healthz")
METRICS_PATH = "/metrics"
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def plain(status: int, body: bytes | str = b"", *, content_type: str = "text/plain; charset=utf-8",
          head: bool = False, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """An HTTP answer; for ``HEAD`` the same headers (Content-Length of the GET body) and no
    body, as RFC 9110 section 9.3.2 asks."""
    data = body.encode() if isinstance(body, str) else body
    all_headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(data))),
                           ("Cache-Control", "no-store"), *headers])
    return Response(status, HTTPStatus(status).phrase, all_headers, b"" if head else data)


def without_body(response: Response) -> Response:
    """The ``HEAD`` form of an answer built elsewhere (the directory's)."""
    return Response(response.status_code, response.reason_phrase, response.headers, b"")


@dataclass
class Family:
    """One metric: ``samples`` are (labels, value); no labels is ``{}``."""

    name: str
    kind: str  # "counter" or "gauge"
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render_metrics(families: Sequence[Family]) -> bytes:
    """The Prometheus text exposition format (version 0.0.4)."""
    lines: list[str] = []
    for fam in families:
        lines.append(f"# HELP {fam.name} {fam.help}")
        lines.append(f"# TYPE {fam.name} {fam.kind}")
        for labels, value in fam.samples:
            tags = ",".join(f'{k}="{_label(v)}"' for k, v in sorted(labels.items()))
            number = repr(float(value)) if value != int(value) else str(int(value))
            lines.append(f"{fam.name}{{{tags}}} {number}" if tags else f"{fam.name} {number}")
    return ("\n".join(lines) + "\n").encode()
