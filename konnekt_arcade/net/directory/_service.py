"""The lobby directory's request handling, independent of the socket library.

``konnekt-signal`` (``signalling_server.py``) hands it plain HTTP GETs (listing, lookup, the
HTML page) and the JSON messages hosts send over their ``/_directory`` websocket (register,
update, remove, and takeover/rotate for a new host after a migration, ``_handover.py``; see
docs/directory.md). Owner operations go over a websocket because the
server's HTTP side (websockets' ``process_request``) cannot read request bodies, and a token
in a URL ends up in proxy logs. Time comes from an injected clock so tests drive expiry.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .._bounded_json import JsonRefused
from .._bounded_json import loads as bounded_loads
from .._quiet_log import Refusals
from ._codes import (
    PROCESS_SECRET,
    code_attempts,
    issue_token,
    new_code,
    normalize_code,
    token_names,
)
from ._handover import MAX_KEY_LENGTH, new_member_key, rotate, secret_hash, take_over
from ._html import CSP, render_page
from ._limits import (
    DEFAULT_LIST_LIMIT,
    HEARTBEAT_INTERVAL,
    LIST_BATCH,
    LIST_CACHE_SECONDS,
    LIST_SCAN,
    MAX_BODY_BYTES,
    MAX_ENTRIES,
    MAX_LIST_LIMIT,
    MAX_PATH_BYTES,
    DirectoryLimits,
)
from ._model import DirectoryRequestError, LobbyRecord, split_claim, validate_fields
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


class DirectoryService:
    """Lobby listing and join codes over a ``DirectoryStore``.

    ``public_url``: the signalling URL stamped on entries (what clients behind a TLS proxy
    use). Without it, an instance that also serves signalling stamps ``ws://<Host header>``;
    a directory-only instance keeps the URL the host sent (its ``matchbox_server``).
    """

    def __init__(self, store: DirectoryStore, *, clock: Callable[[], float] = time.time,
                 limits: DirectoryLimits | None = None, public_url: str | None = None,
                 serves_signalling: bool = True, secret: bytes | None = None) -> None:
        """``secret`` signs owner tokens (``_codes.issue_token``); instances sharing a store
        should share it. Default: one per process."""
        self.store = store
        self._secret = secret or PROCESS_SECRET
        self.limits = limits or DirectoryLimits()
        self.public_url = public_url.rstrip("/") if public_url else None
        self.serves_signalling = serves_signalling
        self._clock = clock
        self._read = RateLimiter(self.limits.read_rate, clock)
        self._lookup = RateLimiter(self.limits.lookup_rate, clock)
        self._write = RateLimiter(self.limits.write_rate, clock)
        self.stats: dict[str, int] = {"registered": 0, "updated": 0, "removed": 0,
                                      "taken_over": 0, "takeover_refused": 0, "rotated": 0,
                                      "rate_limited": 0, "refused": 0, "store_errors": 0}
        self.refusals = Refusals(logger)
        self._cache: dict[tuple[object, ...], tuple[float, Listing]] = {}

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
            self.refusals.refuse(exc.error, f"{client} {method} {target[:80]!r}: {exc.detail}")
            headers = [("Retry-After", "1")] if exc.status == 429 else []
            return HttpReply(exc.status, _json({"error": exc.error, "detail": exc.detail}),
                             headers=headers)
        except Exception as exc:  # the store (Redis) failed: counted, logged once a minute
            return HttpReply(503, _json(self._store_failed(exc, f"{method} {target[:80]}")))

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
            listing = await self.list_page(parse_qs(parts.query))
            if parts.path == "/":
                page = render_page(listing.lobbies).encode("utf-8", "replace")
                return HttpReply(200, page, "text/html; charset=utf-8",
                                 [("Content-Security-Policy", CSP),
                                  ("X-Frame-Options", "DENY")])
            return HttpReply(200, _json({"lobbies": [r.listing() for r in listing.lobbies],
                                         "next": listing.next}))
        if not self._lookup.allow(client):
            raise DirectoryRequestError(429, "rate_limited", "too many lookups")
        code = normalize_code(unquote(parts.path[len("/lobbies/"):]))
        record = await self.store.get(code) if code else None
        if record is None:
            raise DirectoryRequestError(404, "not_found", "no lobby with that code")
        return HttpReply(200, _json(record.resolved()))

    async def list_public(self, query: dict[str, list[str]]) -> list[LobbyRecord]:
        """The first page of a listing query (``list_page`` without the cursor)."""
        return (await self.list_page(query)).lobbies

    async def list_page(self, query: dict[str, list[str]]) -> Listing:
        """One page of public lobbies, newest first, from the asked game's index.

        ``offset`` is the ``next`` of the previous page (a position in the index, so entries
        skipped by the filters are not read again). At most ``listed_per_client`` lobbies of
        one registering address per page, so a few addresses cannot fill it."""
        def one(key: str) -> str | None:
            values = query.get(key)
            return values[0] if values else None

        limit = _number(one("limit"), DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT, "limit")
        offset = _number(one("offset"), 0, 0, MAX_ENTRIES, "offset")
        game, version = one("game"), one("version")
        has_slots = one("has_slots") in ("1", "true", "yes")
        key = (game, version, has_slots, limit, offset)
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        out: list[LobbyRecord] = []
        shown: dict[str, int] = {}
        position, scanned, more = offset, 0, True
        while len(out) < limit and scanned < LIST_SCAN and more:
            batch = await self.store.page(game, position, LIST_BATCH)
            more = len(batch) == LIST_BATCH
            for r in batch:
                position += 1
                scanned += 1
                if ((version is not None and r.version != version)
                        or (has_slots and r.players >= r.max_players)
                        or shown.get(r.client, 0) >= self.limits.listed_per_client):
                    continue
                shown[r.client] = shown.get(r.client, 0) + 1
                out.append(r)
                if len(out) >= limit:
                    more = more or r is not batch[-1]
                    break
        listing = Listing(out, position if more else None)
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[key] = (now + LIST_CACHE_SECONDS, listing)
        return listing

    async def entries(self) -> int | None:
        """Live entries (``/metrics``); None when the store cannot say right now."""
        try:
            return await self.store.count()
        except Exception as exc:
            self._store_failed(exc, "count")
            return None

    def _store_failed(self, exc: Exception, what: str) -> dict[str, Any]:
        self.stats["store_errors"] += 1
        self.refusals.refuse("store_error", f"{what}: {type(exc).__name__}: {exc}")
        return {"ok": False, "status": 503, "error": "unavailable",
                "detail": "the directory store failed; try again in a few seconds"}

    # --- owner socket -------------------------------------------------------------------------

    async def owner_message(self, frame: str | bytes, client: str,
                            host_header: str | None) -> dict[str, Any]:
        """Handle one message from a host's ``/_directory`` websocket; returns the reply
        (never raises: bad input is a 4xx reply, a failing store a 503 reply)."""
        try:
            if len(frame) > MAX_BODY_BYTES:
                raise DirectoryRequestError(413, "too_large", f"over {MAX_BODY_BYTES} bytes")
            if not self._write.allow(client):
                raise DirectoryRequestError(429, "rate_limited", "too many updates")
            try:
                msg = bounded_loads(frame, max_bytes=MAX_BODY_BYTES)
            except JsonRefused as exc:
                raise DirectoryRequestError(400, "malformed", exc.reason) from None
            if not isinstance(msg, dict):
                raise DirectoryRequestError(400, "malformed", "expected a JSON object")
            op = msg.get("op")
            if op == "register":
                return await self._register(msg, client, host_header)
            if op in ("update", "remove"):
                return await self._owned(op, msg, host_header)
            if op == "takeover":
                return await self._take_over(msg, client, host_header)
            if op == "rotate":
                return await self._rotate(msg)
            raise DirectoryRequestError(400, "malformed", "op must be register/update/remove/"
                                        "takeover/rotate")
        except DirectoryRequestError as exc:
            self.stats["rate_limited" if exc.status == 429 else "refused"] += 1
            self.refusals.refuse(exc.error, f"{client}: {exc.detail}")
            return {"ok": False, "status": exc.status, "error": exc.error,
                    "detail": exc.detail}
        except Exception as exc:  # the store (Redis) failed
            return self._store_failed(exc, f"owner message from {client}")

    def _stamp(self, url: str, host_header: str | None) -> str:
        if self.public_url:
            return self.public_url
        if self.serves_signalling and host_header and _HOST_RE.match(host_header):
            return f"ws://{host_header}"
        return url

    async def _register(self, msg: dict[str, Any], client: str,
                        host_header: str | None) -> dict[str, Any]:
        """A new entry under a server-drawn code. A code the client names is honoured only for
        its owner: live (an update), its tombstone, or a token this server issued for it."""
        fields = validate_fields(msg.get("lobby"))
        now, limits = self._clock(), self.limits
        wanted, given = normalize_code(str(msg.get("code", ""))), msg.get("token")
        honoured: str | None = None
        if wanted and isinstance(given, str) and 0 < len(given) <= 128:
            owner = await self.store.owner(wanted)
            if owner is not None and hmac.compare_digest(split_claim(owner)[0],
                                                         secret_hash(given)):
                if await self.store.get(wanted) is not None:
                    return await self._owned("update", {**msg, "code": wanted}, host_header)
                honoured = wanted  # its tombstone: the code back after a reconnect
            elif owner is None and token_names(self._secret, wanted, given):
                honoured = wanted  # the directory forgot it (a restart); the token names it
        url = self._stamp(fields.signalling_url, host_header)
        for length in ([len(honoured)] if honoured else []) + code_attempts():
            code = honoured or new_code(length)
            token = given if honoured and isinstance(given, str) else issue_token(
                self._secret, code)
            honoured, key = None, new_member_key()
            record = LobbyRecord(code=code, **{**fields.__dict__, "signalling_url": url},
                                 created_at=now, updated_at=now, owner_hash=secret_hash(token),
                                 member_hash=secret_hash(key), client=client)
            result = await self.store.create(record, limits.ttl, limits.max_entries,
                                             limits.max_entries_per_client,
                                             grace=limits.code_grace)
            if result is CreateResult.OK:
                self.stats["registered"] += 1
                self._cache.clear()
                logger.debug("directory: %s registered %r as %s", client, fields.name, code)
                return {"ok": True, "op": "registered", "code": code, "token": token,
                        "member_key": key, "ttl": limits.ttl, "heartbeat": HEARTBEAT_INTERVAL,
                        "lobby": record.resolved()}
            if result is CreateResult.FULL:
                raise DirectoryRequestError(503, "full", "the directory is full")
            if result is CreateResult.CLIENT_FULL:
                raise DirectoryRequestError(
                    429, "too_many_lobbies",
                    f"at most {limits.max_entries_per_client} lobbies per address")
        raise DirectoryRequestError(503, "no_code", "no free join code")

    async def _owned(self, op: str, msg: dict[str, Any],
                     host_header: str | None) -> dict[str, Any]:
        """Update or remove. "Not live" and "not yours" get one answer, so the owner socket
        tells nothing about codes beyond what the rate-limited lookup does."""
        code, token = normalize_code(str(msg.get("code", ""))), msg.get("token")
        if code is None or not isinstance(token, str):
            raise DirectoryRequestError(400, "malformed", "code and token are required")
        record = await self.store.get(code)
        if record is None or not _owns(record, token):
            raise DirectoryRequestError(404, "not_found", "no live lobby of yours with that code")
        if op == "remove":
            await self.store.delete(code, grace=self.limits.code_grace)
            self.stats["removed"] += 1
            self._cache.clear()
            return {"ok": True, "op": "removed", "code": code}
        fields = validate_fields(msg.get("lobby"))
        if fields.session_id != record.session_id:
            raise DirectoryRequestError(400, "invalid", "session_id cannot change")
        url = self._stamp(fields.signalling_url, host_header)
        updated = record.with_fields(fields, self._clock())
        updated = LobbyRecord(**{**updated.__dict__, "signalling_url": url})
        if not await self.store.replace(record, updated, self.limits.ttl,
                                        grace=self.limits.code_grace):
            raise DirectoryRequestError(404, "not_found", "no live lobby of yours with that code")
        if updated.listing() | {"updated_at": 0} != record.listing() | {"updated_at": 0}:
            self._cache.clear()  # a heartbeat alone leaves cached pages valid
        self.stats["updated"] += 1
        return {"ok": True, "op": "updated", "code": code, "ttl": self.limits.ttl,
                "heartbeat": HEARTBEAT_INTERVAL, "lobby": updated.resolved()}

    async def _take_over(self, msg: dict[str, Any], client: str,
                         host_header: str | None) -> dict[str, Any]:
        """A member that became host claims the entry with the member key (``_handover``)."""
        code, key = normalize_code(str(msg.get("code", ""))), msg.get("key")
        if code is None or not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH:
            raise DirectoryRequestError(400, "malformed", "code and key are required")
        fields = validate_fields(msg.get("lobby"))
        fields = replace(fields, signalling_url=self._stamp(fields.signalling_url, host_header))
        done = await take_over(self.store, code, key, fields, client=client,
                               now=self._clock(), limits=self.limits, secret=self._secret)
        if done is None:
            self.stats["takeover_refused"] += 1
            raise DirectoryRequestError(403, "not_member", "that key may not take over a "
                                        "lobby with that code")
        record, token, new_key = done
        self.stats["taken_over"] += 1
        self._cache.clear()
        logger.info("directory: %s took over %s (%r, host %r)", client, code, record.name,
                    record.host_name)
        return {"ok": True, "op": "taken_over", "code": code, "token": token,
                "member_key": new_key, "ttl": self.limits.ttl, "heartbeat": HEARTBEAT_INTERVAL,
                "lobby": record.resolved()}

    async def _rotate(self, msg: dict[str, Any]) -> dict[str, Any]:
        """The owner asks for a new member key (after a kick: the kicked knew the old one)."""
        code, token = normalize_code(str(msg.get("code", ""))), msg.get("token")
        if code is None or not isinstance(token, str) or len(token) > MAX_KEY_LENGTH:
            raise DirectoryRequestError(400, "malformed", "code and token are required")
        done = await rotate(self.store, code, token, limits=self.limits)
        if done is None:
            raise DirectoryRequestError(404, "not_found", "no live lobby of yours with that code")
        self.stats["rotated"] += 1
        return {"ok": True, "op": "rotated", "code": code, "member_key": done[1],
                "ttl": self.limits.ttl, "heartbeat": HEARTBEAT_INTERVAL}


@dataclass(frozen=True)
class Listing:
    """One page: ``next`` is the ``offset`` of the following page (None: no more)."""

    lobbies: list[LobbyRecord]
    next: int | None


def _number(text: str | None, default: int, low: int, high: int, key: str) -> int:
    """A query number: ASCII digits only (``int()`` would take fullwidth digits too)."""
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or not low <= int(text) <= high:
        raise DirectoryRequestError(400, "invalid", f"{key} must be a number from {low} to {high}")
    return int(text)


def _owns(record: LobbyRecord, token: str) -> bool:
    return hmac.compare_digest(record.owner_hash, secret_hash(token))


def _json(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()
