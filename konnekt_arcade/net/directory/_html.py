"""``GET /``: a plain HTML page of the public lobbies, for people without the game open.

Every value a host sent goes through ``html.escape``; the response also carries a CSP that
forbids scripts, so a lobby named ``<script>`` is text twice over.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from ._model import LobbyRecord

#: The page reloads itself this often (s); well inside the read rate limit.
REFRESH_SECONDS = 5

#: No scripts, no framing (``frame-ancestors``: nobody can overlay the page to trick clicks).
CSP = ("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;background:#14161c;color:#e8e8ec}
h1{font-size:1.6em}table{border-collapse:collapse;min-width:40em}
th,td{padding:.5em 1em;text-align:left;border-bottom:1px solid #333}
td.code{font-family:monospace;font-size:1.4em;letter-spacing:.15em;color:#ffd166}
.empty{color:#999}
"""


def _safe(text: object) -> str:
    """Escaped text that always encodes: a character UTF-8 cannot carry (a lone surrogate
    from an entry stored before validation refused them) becomes U+FFFD, not a 503 page."""
    return html.escape(str(text).encode("utf-8", "replace").decode("utf-8"))


def _row(r: LobbyRecord) -> str:
    return ("<tr>"
            f"<td class=name>{_safe(r.name)}{' &#128274;' if r.has_password else ''}</td>"
            f"<td>{_safe(r.host_name)}</td>"
            f"<td>{_safe(r.game)} {_safe(r.version)} (protocol {int(r.protocol)})</td>"
            f"<td>{int(r.players)}/{int(r.max_players)}</td>"
            f"<td class=code>{_safe(r.code)}</td>"
            "</tr>")


def render_page(lobbies: Sequence[LobbyRecord], title: str = "Open lobbies") -> str:
    esc = html.escape
    rows = "\n".join(_row(r) for r in lobbies)
    body = (f"<table><thead><tr><th>Lobby</th><th>Host</th><th>Game</th><th>Players</th>"
            f"<th>Join code</th></tr></thead><tbody>\n{rows}\n</tbody></table>"
            if lobbies else "<p class=empty>No open lobbies right now.</p>")
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1>{body}"
        f"<p>{len(lobbies)} lobb{'y' if len(lobbies) == 1 else 'ies'}. "
        "Join from the game with the code.</p></body></html>\n"
    )
