"""The lobby directory's request handling, independent of the socket library.

``konnekt-signal`` (``signalling_server.py``) hands it plain HTTP GETs (listing, lookup, the
HTML page) and the JSON messages hosts send over their ``/_directory`` websocket (register,
update, remove; see docs/directory.md). Owner operations go over a websocket because the
server's HTTP side (websockets' ``process_request``) cannot read request bodies, and a token
in a URL ends up in proxy logs. Time comes from an injected clock so tests drive expiry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ._codes import code_attempts, new_code, normalize_code
from ._html import CSP, render_page
from ._limits import (
    DEFAULT_LIST_LIMIT,
    HEARTBEAT_INTERVAL,
    LIST_SCAN,
    MAX_BODY_BYTES,
    MAX_LIST_LIMIT,
    MAX_PATH_BYTES,
    DirectoryLimits,
)
from ._model import DirectoryRequestError, LobbyRecord, validate_fields
from ._ratelimit import RateLimiter
from ._store import CreateResult, DirectoryStore

logger = logging.getLogger(__name__)

_HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


@dataclass
class HttpReply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DirectoryService:
    """Lobby listing and join codes over a ``DirectoryStore``.

    ``public_url``: the signalling URL stamped on entries (what clients behind a TLS proxy
    use). Without it, an instance that also serves signalling stamps ``ws://<Host header>``;
    a directory-only instance keeps the URL the host sent (its ``matchbox_server``).
    """

    def __init__(self, store: DirectoryStore, *, clock: Callable[[], float] = time.time,
                 limits: DirectoryLimits | None = None, public_url: str | None = None,
                 serves_signalling: bool = True) -> None:
        self.store = store
        self.limits = limits or DirectoryLimits()
        self.public_url = public_url.rstrip("/") if public_url else None
        self.serves_signalling = serves_signalling
        self._clock = clock
        self._read = RateLimiter(self.limits.read_rate, clock)
        self._lookup = RateLimiter(self.limits.lookup_rate, clock)
        self._write = RateLimiter(self.limits.write_rate, clock)
        self.stats: dict[str, int] = {"registered": 0, "updated": 0, "removed": 0,
                                      "rate_limited": 0, "refused": 0}

    # --- HTTP ---------------------------------------------------------------------------------

    @staticmethod
    def handles(path: str) -> bool:
        """True for the paths the directory answers over plain HTTP."""
        route = urlsplit(path).path
        return route in ("/", "/lobbies", "/lobbies/") or route.startswith("/lobbies/")

    async def http(self, method: str, target: str, client: str) -> HttpReply:
        """Answer one HTTP request; never raises for bad input."""
        try:
            return await self._http(method, target, client)
        except DirectoryRequestError as exc:
            self.stats["rate_limited" if exc.status == 429 else "refused"] += 1
            headers = [("Retry-After", "1")] if exc.status == 429 else []
            return HttpReply(exc.status, _json({"error": exc.error, "detail": exc.detail}),
                             headers=headers)
        except Exception:
            logger.exception("directory request %s %.80s failed", method, target)
            return HttpReply(503, _json({"error": "unavailable",
                                         "detail": "the directory store failed"}))

    async def _http(self, method: str, target: str, client: str) -> HttpReply:
        if len(target) > MAX_PATH_BYTES:
            raise DirectoryRequestError(414, "too_large", f"URL over {MAX_PATH_BYTES} bytes")
        if method != "GET":
            raise DirectoryRequestError(405, "method", "only GET; hosts register over "
                                        "the /_directory websocket")
        parts = urlsplit(target)
        if parts.path.rstrip("/") in ("", "/lobbies"):
            if not self._read.allow(client):
                raise DirectoryRequestError(429, "rate_limited", "too many requests")
            lobbies = await self.list_public(parse_qs(parts.query))
            if parts.path == "/":
                page = render_page(lobbies).encode()
                return HttpReply(200, page, "text/html; charset=utf-8",
                                 [("Content-Security-Policy", CSP)])
            return HttpReply(200, _json({"lobbies": [r.listing() for r in lobbies]}))
        if not self._lookup.allow(client):
            raise DirectoryRequestError(429, "rate_limited", "too many lookups")
        code = normalize_code(unquote(parts.path[len("/lobbies/"):]))
        record = await self.store.get(code) if code else None
        if record is None:
            raise DirectoryRequestError(404, "not_found", "no lobby with that code")
        return HttpReply(200, _json(record.resolved()))

    async def list_public(self, query: dict[str, list[str]]) -> list[LobbyRecord]:
        def one(key: str) -> str | None:
            values = query.get(key)
            return values[0] if values else None

        try:
            limit = int(one("limit") or DEFAULT_LIST_LIMIT)
        except ValueError:
            raise DirectoryRequestError(400, "invalid", "limit must be a number") from None
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise DirectoryRequestError(400, "invalid", f"limit must be 1 to {MAX_LIST_LIMIT}")
        game, version = one("game"), one("version")
        has_slots = one("has_slots") in ("1", "true", "yes")
        out = []
        for r in await self.store.newest_public(LIST_SCAN):
            if ((game is None or r.game == game) and (version is None or r.version == version)
                    and (not has_slots or r.players < r.max_players)):
                out.append(r)
                if len(out) >= limit:
                    break
        return out

    # --- owner socket -------------------------------------------------------------------------

    async def owner_message(self, frame: str | bytes, client: str,
                            host_header: str | None) -> dict[str, Any]:
        """Handle one message from a host's ``/_directory`` websocket; returns the reply."""
        try:
            if len(frame) > MAX_BODY_BYTES:
                raise DirectoryRequestError(413, "too_large", f"over {MAX_BODY_BYTES} bytes")
            if not self._write.allow(client):
                raise DirectoryRequestError(429, "rate_limited", "too many updates")
            try:
                msg = json.loads(frame)
            except (ValueError, UnicodeDecodeError):
                raise DirectoryRequestError(400, "malformed", "not JSON") from None
            if not isinstance(msg, dict):
                raise DirectoryRequestError(400, "malformed", "expected a JSON object")
            op = msg.get("op")
            if op == "register":
                return await self._register(msg, client, host_header)
            if op in ("update", "remove"):
                return await self._owned(op, msg, host_header)
            raise DirectoryRequestError(400, "malformed", "op must be register/update/remove")
        except DirectoryRequestError as exc:
            self.stats["rate_limited" if exc.status == 429 else "refused"] += 1
            logger.info("directory: refused %s from %s: %s", exc.error, client, exc.detail)
            return {"ok": False, "status": exc.status, "error": exc.error,
                    "detail": exc.detail}

    def _stamp(self, url: str, host_header: str | None) -> str:
        if self.public_url:
            return self.public_url
        if self.serves_signalling and host_header and _HOST_RE.match(host_header):
            return f"ws://{host_header}"
        return url

    async def _register(self, msg: dict[str, Any], client: str,
                        host_header: str | None) -> dict[str, Any]:
        fields = validate_fields(msg.get("lobby"))
        now = self._clock()
        wanted, token = normalize_code(str(msg.get("code", ""))), msg.get("token")
        if wanted and isinstance(token, str) and token:  # re-register after a reconnect
            existing = await self.store.get(wanted)
            if existing is not None and _owns(existing, token):
                return await self._owned("update", {**msg, "code": wanted}, host_header)
        else:
            wanted, token = None, secrets.token_urlsafe(24)
        assert isinstance(token, str)
        url = self._stamp(fields.signalling_url, host_header)
        for length in ([len(wanted)] if wanted else []) + code_attempts():
            code = wanted or new_code(length)
            wanted = None
            record = LobbyRecord(code=code, **{**fields.__dict__, "signalling_url": url},
                                 created_at=now, updated_at=now, owner_hash=_token_hash(token),
                                 client=client)
            result = await self.store.create(record, self.limits.ttl, self.limits.max_entries,
                                             self.limits.max_entries_per_client)
            if result is CreateResult.OK:
                self.stats["registered"] += 1
                logger.info("directory: %s registered %r as %s", client, fields.name, code)
                return {"ok": True, "op": "registered", "code": code, "token": token,
                        "ttl": self.limits.ttl, "heartbeat": HEARTBEAT_INTERVAL,
                        "lobby": record.resolved()}
            if result is CreateResult.FULL:
                raise DirectoryRequestError(503, "full", "the directory is full")
            if result is CreateResult.CLIENT_FULL:
                raise DirectoryRequestError(
                    429, "too_many_lobbies",
                    f"at most {self.limits.max_entries_per_client} lobbies per address")
        raise DirectoryRequestError(503, "no_code", "no free join code")

    async def _owned(self, op: str, msg: dict[str, Any],
                     host_header: str | None) -> dict[str, Any]:
        code, token = normalize_code(str(msg.get("code", ""))), msg.get("token")
        if code is None or not isinstance(token, str):
            raise DirectoryRequestError(400, "malformed", "code and token are required")
        record = await self.store.get(code)
        if record is None:
            raise DirectoryRequestError(404, "not_found", "no lobby with that code")
        if not _owns(record, token):
            raise DirectoryRequestError(403, "forbidden", "not the owner of that lobby")
        if op == "remove":
            await self.store.delete(code)
            self.stats["removed"] += 1
            return {"ok": True, "op": "removed", "code": code}
        fields = validate_fields(msg.get("lobby"))
        if fields.session_id != record.session_id:
            raise DirectoryRequestError(400, "invalid", "session_id cannot change")
        url = self._stamp(fields.signalling_url, host_header)
        updated = record.with_fields(fields, self._clock())
        updated = LobbyRecord(**{**updated.__dict__, "signalling_url": url})
        if not await self.store.replace(updated, self.limits.ttl):
            raise DirectoryRequestError(404, "not_found", "the lobby expired")
        self.stats["updated"] += 1
        return {"ok": True, "op": "updated", "code": code, "ttl": self.limits.ttl,
                "heartbeat": HEARTBEAT_INTERVAL, "lobby": updated.resolved()}


def _owns(record: LobbyRecord, token: str) -> bool:
    return hmac.compare_digest(record.owner_hash, _token_hash(token))


def _json(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()
