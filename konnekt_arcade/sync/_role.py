"""Who is host: the role a peer plays, and the pure rule that judges a host claim.

Every peer is in exactly one :class:`Role`. ``LobbySync._transition`` is the only code that
changes it (together with the host peer and the epoch); this module only names the states and
judges claims. :func:`judge_claim` is pure — a frozen :class:`ClaimView` of what this peer
knows and a :class:`Claim` in, a :class:`Verdict` out — so the rule an attacker aims at, and
that partitions exercise, can be tested tie-break by tie-break without a network.

The rule (docs/security.md, "Who is host"):

* our own host may always move us on (a higher epoch it announces, or a successor it names);
  a heartbeat of an older epoch than ours never does (it left before its sender folded what
  made it our host: heartbeats and events ride channels that do not order against each other);
* nobody but our host can hand *us* the role, and only our host tells us its term;
* while our host is lost we follow the successor our own election rule expects (or an
  earlier-joined one), or a claim at least one other peer already follows;
* otherwise a rival claim wins only by :func:`claim_key`, and the comparison gets simpler the
  longer two hosts keep out-voting each other (:data:`HEADCOUNT_AFTER`, :data:`PEER_ID_AFTER`
  rounds), ending in an order every peer sees alike, so an epoch war always ends.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

#: An epoch is ``term << SLOT_BITS | slot``: the low bits name the host that opened the
#: term (a hash of its peer id), so two hosts elected on two sides of a partition never
#: share an epoch — one host per epoch holds even then, and "same epoch, same sequence
#: number" always means the same event.
SLOT_BITS = 32
#: A hand-over starts the next term, and even a long partition sees only a few; a claim
#: this many terms ahead of ours is a forgery, not a missed election.
MAX_EPOCH_JUMP = 1000
#: Rounds of epoch raising against one rival host before every live peer's vote counts
#: (not only roster-bound participants'): two sides of a healed partition have different
#: rosters, so each counts its own followers only and would win forever.
HEADCOUNT_AFTER = 3
#: Rounds after which only peer ids order two *backed* hosts (each followed by at least one
#: other peer). Headcounts can still differ when the mesh is not complete (a peer that joined
#: during a partition reaches one side only); peer ids are the one order every peer sees alike.
PEER_ID_AFTER = 6


def term_of(epoch: int) -> int:
    return epoch >> SLOT_BITS


def slot_of(peer: str) -> int:
    return int.from_bytes(hashlib.sha256(peer.encode()).digest()[:4], "big")


def host_epoch(peer: str, at_least: int) -> int:
    """The lowest epoch ``>= at_least`` whose slot is ``peer``'s: the epoch a new host opens."""
    slot = slot_of(peer)
    term = term_of(at_least)
    if (term << SLOT_BITS) | slot < at_least:
        term += 1
    return (term << SLOT_BITS) | slot


class Role(enum.Enum):
    """The states of one peer's role machine (see the README's table of transitions)."""

    #: No lobby yet (a guest before its first snapshot, or after a rejoin).
    UNSYNCED = "unsynced"
    #: Following ``host_peer``: applying its events in order.
    REPLICA = "replica"
    #: ``host_peer`` is lost; waiting for the successor every survivor computes alike.
    ELECTING = "electing"
    #: We are that successor: pulling what the lost host sent to anyone before taking over.
    COLLECTING = "collecting"
    #: The lobby's sequencer.
    HOST = "host"


class Cause(enum.Enum):
    """Why the role machine moves; the value is what the README's table says."""

    #: ``create_host``: a new lobby, hosted here.
    CREATED = "`create_host`"
    #: ``rejoin()``: a new peer id after a reconnect; wait for the host's snapshot again.
    REJOINED = "`rejoin()` (new peer id after a reconnect)"
    SNAPSHOT_APPLIED = "snapshot applied (`FullSyncResponse` from its host)"
    #: Only a snapshot we sent ourselves could name us; listed so no snapshot is refused.
    SNAPSHOT_NAMES_US = "snapshot applied that names us as host"
    HOST_LOST = "host lost (silent for `heartbeat_timeout`, or `PeerLeft`)"
    #: A heartbeat of an older epoch than ours predates what made the sender our host.
    HOST_FOLLOWS_OTHER = ("our host's heartbeat (of our epoch or later: an older one predates "
                          "the hand-over) says it follows a peer we cannot follow")
    LOST_HOST_BACK = "the host we gave up on heartbeats again as host"
    SUCCESSOR_IS_US = ("our successor rule picks us (earliest-joined connected participant; a "
                       "silent pick is passed over after `migration_timeout`)")
    COLLECTED = ("every survivor sent what it had of the old term, or "
                 "`migration_collect_timeout` (new epoch, logs `HostDelegated(migrated)`)")
    COLLECTED_REMOVED_US = "the events collected from the survivors removed us from the lobby"
    CLAIM_ACCEPTED = "`judge_claim` accepts another host's claim (full sync from it)"
    OWN_HOST_CLAIM_NAMES_US = ("our own host's claim names us (it yielded to us; logs "
                               "`HostDelegated(migrated)` if the lobby names someone else)")
    RIVAL_OUTVOTED = "a rival we out-vote claims our epoch or above (epoch raised past it)"
    HAND_OVER_TO_US = "`HostDelegated` folded (delegation or migration) naming us"
    HAND_OVER_TO_OTHER = "`HostDelegated` folded (delegation or migration) naming another peer"


_U, _R, _E, _C, _H = Role.UNSYNCED, Role.REPLICA, Role.ELECTING, Role.COLLECTING, Role.HOST
_SYNCED = (_R, _E, _C, _H)

#: Every legal move: ``(role, cause) -> role``. ``SyncBase._transition`` looks each move up
#: here; a move not in the table raises in strict mode (tests, the simulator) and is logged
#: and refused otherwise. The README's table is rendered from it (a test compares them).
TRANSITIONS: Mapping[tuple[Role, Cause], Role] = {
    (_U, Cause.CREATED): _H,
    **{(r, Cause.REJOINED): _U for r in Role},
    **{(r, Cause.SNAPSHOT_APPLIED): _R for r in Role},
    **{(r, Cause.SNAPSHOT_NAMES_US): _H for r in Role},
    (_R, Cause.HOST_LOST): _E,
    (_R, Cause.HOST_FOLLOWS_OTHER): _E,
    (_E, Cause.LOST_HOST_BACK): _R,
    (_E, Cause.SUCCESSOR_IS_US): _C,
    (_C, Cause.COLLECTED): _H,
    (_C, Cause.COLLECTED_REMOVED_US): _E,
    **{(r, Cause.CLAIM_ACCEPTED): _R for r in Role},
    **{(r, Cause.OWN_HOST_CLAIM_NAMES_US): _H for r in (_U, _R, _E, _C)},
    (_H, Cause.RIVAL_OUTVOTED): _H,
    **{(r, Cause.HAND_OVER_TO_US): _H for r in _SYNCED},
    **{(r, Cause.HAND_OVER_TO_OTHER): _R for r in _SYNCED},
}


@dataclass(frozen=True, slots=True)
class Move:
    """What a part asks of the role machine: move on ``cause`` to follow ``host_peer`` at
    ``epoch`` (the new role is the table's). Parts return moves; the core applies them."""

    cause: Cause
    host_peer: str | None
    epoch: int
    migrated: bool = True


class IllegalMove(RuntimeError):
    """A move the table does not list: a bug in the core, never a peer's doing."""


def next_role(role: Role, cause: Cause) -> Role | None:
    """The role ``cause`` moves ``role`` to, or None if the move is not legal."""
    return TRANSITIONS.get((role, cause))


def role_table_markdown() -> str:
    """The README's table of moves, rendered from :data:`TRANSITIONS` (one row per cause)."""
    rows = ["| from | cause | to |", "|---|---|---|"]
    for cause in Cause:
        froms = [r for r in Role if (r, cause) in TRANSITIONS]
        (to,) = {TRANSITIONS[(r, cause)] for r in froms}
        where = "any" if len(froms) == len(Role) else ", ".join(r.name for r in froms)
        rows.append(f"| {where} | {cause.value} | {to.name} |")
    return "\n".join(rows) + "\n"


class Verdict(enum.Enum):
    #: The claim is what we already believe.
    SAME = "same"
    #: Follow the claimant (or become host, when our host names us).
    ACCEPT = "accept"
    #: Ignore the claim.
    REFUSE = "refuse"
    #: Refuse, and (we are host and win) raise our epoch above the claim's, so the rival's
    #: side, ordering claims as we do, yields.
    RAISE = "raise"
    #: An epoch no real election reaches: a forgery.
    IMPLAUSIBLE = "implausible"
    #: Refuse for now (we are host; the rival orders above us but is unknown to our roster,
    #: so this level cannot pick it), and count the round: the escalation that ends a
    #: standoff as surely as the raising that ends an epoch war.
    STANDOFF = "standoff"


@dataclass(frozen=True)
class Claim:
    """``host`` is host at ``epoch``, as told by ``via`` (the host itself or a follower)."""

    host: str
    epoch: int
    via: str


@dataclass(frozen=True)
class ClaimView:
    """What one peer knows when it judges a claim; built by ``LobbySync`` from its state.

    ``members``: peers the roster binds to a participant, with their host precedence
    ``(joined_at, participant id)`` (``(inf, peer)`` if the lobby no longer lists them).
    ``live``: peers heard from recently (never us). ``votes``: whom each peer's latest
    heartbeat follows. ``successor``: while electing, the peer our own rule expects (maybe
    us). ``rounds``: how often we (as host) already raised our epoch against this claimant.
    ``passed_over``: successors we stopped waiting for while electing (they stayed silent).
    """

    local_peer: str
    role: Role
    host_peer: str | None
    epoch: int
    members: Mapping[str, tuple[float, str]]
    live: frozenset[str]
    votes: Mapping[str, str]
    successor: str | None = None
    rounds: int = 0
    passed_over: frozenset[str] = frozenset()


def rank(view: ClaimView, peer: str | None) -> tuple[float, str]:
    """Host precedence of ``peer``: the earliest-joined participant first, ties by id."""
    if peer is None:
        return (float("inf"), "")
    return view.members.get(peer, (float("inf"), peer))


def supporters(view: ClaimView, host: str | None, headcount: bool = False) -> frozenset[str]:
    """Peers (and us) whose latest word is that ``host`` is host.

    Only live peers the roster binds to a participant count, so neither silent nor unknown
    peers (a second connection of an attacker) add weight — unless ``headcount``: then every
    live peer counts. A claimant with no heartbeat on record yet counts for itself.
    """
    if host is None:
        return frozenset()
    out = {view.local_peer} if view.host_peer == host else set()
    for peer in view.live:
        if not headcount and peer not in view.members:
            continue
        if view.votes.get(peer, peer if peer == host else None) == host:
            out.add(peer)
    if host == view.local_peer and view.role is Role.HOST:
        out.add(host)
    return frozenset(out)


def _invert(text: str) -> tuple[int, ...]:
    """A key that sorts strings in reverse (a lower id ranks higher)."""
    return (*(-ord(ch) for ch in text), 1)


def claim_key(view: ClaimView, host: str | None, epoch: int,
              level: int = 0) -> tuple[object, ...]:
    """Total order of host claims at escalation ``level`` (0, 1 or 2).

    0: more participant followers, then the earlier-joined host, then the higher epoch.
    1 (headcount): more live followers of any kind, then the lower peer id.
    2 (peer id): backed hosts (followed by someone else) before lone ones, then the lower
    peer id — a lone claimant never wins by its id alone.
    """
    if level >= 2:
        backed = len(supporters(view, host, True) - {host}) >= 1
        return (backed, _invert(host or ""), epoch)
    if level == 1:
        return (len(supporters(view, host, True)), _invert(host or ""), epoch)
    joined, pid = rank(view, host)
    return (len(supporters(view, host)), (-joined, _invert(pid)), epoch)


def escalation(rounds: int) -> int:
    return 2 if rounds >= PEER_ID_AFTER else 1 if rounds >= HEADCOUNT_AFTER else 0


def judge_claim(view: ClaimView, claim: Claim) -> Verdict:
    """Whether to accept ``claim``; pure, so every peer with the same view decides alike."""
    host, epoch, via = claim.host, claim.epoch, claim.via
    if epoch == view.epoch and host == view.host_peer:
        return Verdict.SAME
    if term_of(epoch) > term_of(view.epoch) + MAX_EPOCH_JUMP:
        return Verdict.IMPLAUSIBLE
    if view.role is not Role.HOST and via == view.host_peer and (
            epoch > view.epoch or (epoch == view.epoch and host != via)):
        # Our host moved on: a new term of its own, or it stepped down for someone (maybe
        # us: two hosts that yielded to each other).
        return Verdict.ACCEPT
    if host == view.local_peer:
        return Verdict.REFUSE  # only our host can hand us the role
    if host == view.host_peer and via != host and view.role is not Role.ELECTING:
        return Verdict.REFUSE  # our host speaks for itself about its own term
    known = host in view.members
    if view.role in (Role.ELECTING, Role.COLLECTING):
        ok = _election_accepts(view, host, known, lower=epoch < view.epoch)
        return Verdict.ACCEPT if ok else Verdict.REFUSE
    level = escalation(view.rounds) if view.role is Role.HOST else 0
    mine = claim_key(view, view.host_peer, view.epoch, level)
    theirs = claim_key(view, host, epoch, level)
    if (known or level > 0) and epoch >= view.epoch and theirs > mine:
        return Verdict.ACCEPT
    if view.role is Role.HOST and epoch >= view.epoch:
        return Verdict.RAISE if mine > theirs else Verdict.STANDOFF
    return Verdict.REFUSE


def _election_accepts(view: ClaimView, host: str, known: bool, lower: bool) -> bool:
    """While our host is lost: is ``host`` a plausible successor?

    ``lower``: the claim's epoch is below ours (we followed a host on the losing side of a
    partition, and it died); we join the other side only when someone there vouches for it.
    """
    expected = view.successor
    if known and (host == expected or host in view.passed_over):
        # Our own pick (or one we stopped waiting for: it was host on another side all
        # along, in an older term that never heard of ours), whatever its epoch.
        return True
    if expected is None:
        # No candidate of our own (we are not a participant, or nobody we could pick is
        # left): waiting would be forever; follow whoever leads.
        return True
    if known and not lower:
        if rank(view, host) <= rank(view, expected):
            return True
        if expected == view.local_peer:
            return False  # our turn: we take over, then the claims settle it
    if not view.live - {host}:
        return True  # nobody else to ask: our roster must be stale
    # Not whom we expect (or unknown to a roster that may be stale, so every live peer
    # counts): believe it once another peer follows it.
    return len(supporters(view, host, True) - {host, view.local_peer}) >= 1


__all__ = [
    "HEADCOUNT_AFTER",
    "MAX_EPOCH_JUMP",
    "PEER_ID_AFTER",
    "SLOT_BITS",
    "TRANSITIONS",
    "Cause",
    "Claim",
    "ClaimView",
    "IllegalMove",
    "Move",
    "Role",
    "Verdict",
    "claim_key",
    "escalation",
    "host_epoch",
    "judge_claim",
    "next_role",
    "rank",
    "role_table_markdown",
    "slot_of",
    "supporters",
    "term_of",
]
