"""Once a new host is established, no peer sees the role go back to a peer that gave it up.

Bug report (issue 23, directory listing): after a delegation the role flapped to the new host
and back to the old one. The cause: a heartbeat the new host sent *before* it folded the
hand-over (host = the old host, the old epoch) reached a peer that had folded it already. Over
WebRTC heartbeats travel on the unreliable channel and events on the reliable one, which do
not order against each other, so that arrives after the ``HostDelegated`` whenever the two
cross on the wire. The peer took "my host follows someone I cannot follow" from it and
elected: the old host (earliest-joined) picked itself and took the lobby back with a
``MigrateHost``; a guest that elected passed the role around for a moment.

Driven by hand here, every message held until the test delivers it: each (sender, receiver,
channel) is a FIFO (a data channel keeps its own order), and the test picks which link moves
next — first the orders that broke, then many seeded random interleavings with ticks, for a
delegation, a host's ``close()`` (delegate, then leave) and a migration after a crash.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

import pytest

from konnekt_arcade.domain import DomainCommand
from konnekt_arcade.sync import Channel, LobbySync, Role, SyncConfig
from konnekt_arcade.sync._wire import Heartbeat, decode

CONFIG = SyncConfig()
TICK = 0.05


@dataclass
class Wire:
    """Three (or more) peers whose every message waits for the test to deliver it."""

    nodes: dict[str, LobbySync] = field(default_factory=dict)
    links: dict[tuple[str, str, Channel], deque[bytes]] = field(default_factory=dict)
    dead: set[str] = field(default_factory=set)
    now: float = 0.0
    #: Per peer, the (host peer, role) it went through, in order.
    seen: dict[str, list[tuple[str | None, Role]]] = field(default_factory=dict)

    # --- set-up ---------------------------------------------------------------

    def host(self, name: str) -> LobbySync:
        node = LobbySync.create_host(name, "Lobby", name, self.now, config=CONFIG, strict=True)
        self.nodes[name] = node
        self.note()
        return node

    def join(self, name: str) -> LobbySync:
        node = LobbySync.create_guest(name, CONFIG, strict=True)
        self.nodes[name] = node
        for other in self.nodes:
            if other != name:
                self.nodes[other].peer_connected(name, self.now)
                node.peer_connected(other, self.now)
        self.pump()
        assert node.lobby is not None
        self.now += TICK  # a later join time: the join order is the successor order
        node.submit(DomainCommand.JoinLobby(lobby_id=node.lobby.id, guest_name=name), self.now)
        self.pump()
        assert node.local_participant_id is not None
        return node

    # --- the wire ---------------------------------------------------------------

    def collect(self) -> None:
        for name, node in self.nodes.items():
            for dst, channel, data in node.data_to_send():
                if name in self.dead or dst in self.dead:
                    continue
                self.links.setdefault((name, dst, Channel(channel)), deque()).append(data)
        self.note()

    def note(self) -> None:
        for name, node in self.nodes.items():
            if name in self.dead:
                continue
            trail = self.seen.setdefault(name, [])
            now = (node.host_peer, node.role)
            if not trail or trail[-1] != now:
                trail.append(now)

    def ready(self) -> list[tuple[str, str, Channel]]:
        return sorted(k for k, q in self.links.items() if q)

    def step(self, link: tuple[str, str, Channel]) -> bytes:
        src, dst, channel = link
        data = self.links[link].popleft()
        if dst not in self.dead:
            self.nodes[dst].receive(src, data, self.now,
                                    reliable=channel is Channel.RELIABLE)
        self.collect()
        return data

    def pump(self, limit: int = 10_000) -> None:
        self.collect()
        for _ in range(limit):
            ready = self.ready()
            if not ready:
                return
            self.step(ready[0])
        raise AssertionError("the wire never went quiet")

    def tick(self, dt: float = TICK) -> None:
        self.now += dt
        for name, node in self.nodes.items():
            if name not in self.dead:
                node.tick(self.now)
        self.collect()

    def kill(self, name: str, notify: bool = True) -> None:
        """``name`` is gone; ``notify``: the signalling server's PeerLeft reaches the rest.
        Its messages already on the wire may still arrive (or not: the test decides)."""
        self.dead.add(name)
        if notify:
            for other, node in self.nodes.items():
                if other not in self.dead:
                    node.peer_disconnected(name, self.now)
        self.collect()

    def heartbeats(self, src: str, dst: str) -> list[Heartbeat]:
        q = self.links.get((src, dst, Channel.UNRELIABLE), deque())
        return [m for m in map(decode, q) if isinstance(m, Heartbeat)]

    # --- the property ---------------------------------------------------------

    def never_back(self, gave_up: str, new_host: str) -> None:
        """After a peer saw ``new_host`` as host, it never sees ``gave_up`` as host again,
        and ``gave_up`` never holds the role again; nobody elected (nobody was lost)."""
        for name, trail in self.seen.items():
            after = False
            for host_peer, role in trail:
                after = after or (host_peer == new_host and role in (Role.REPLICA, Role.HOST))
                if after:
                    assert host_peer != gave_up, (name, trail)
        trail = self.seen[gave_up]
        # (a host that crashed never handed over: its trail ends as host)
        handed = next((i for i, (_, role) in enumerate(trail) if role is not Role.HOST),
                      len(trail))
        assert all(role is not Role.HOST for _, role in trail[handed:]), trail

    def no_election_after(self, new_host: str) -> None:
        """Once a peer follows ``new_host`` (or is it), it never elects: nobody was lost.
        (A guest whose host left before the hand-over reached it elects, rightly.)"""
        for name, trail in self.seen.items():
            start = next((i for i, (h, r) in enumerate(trail)
                          if h == new_host and r in (Role.REPLICA, Role.HOST)), len(trail))
            assert all(r not in (Role.ELECTING, Role.COLLECTING)
                       for _, r in trail[start:]), (name, trail)

    def settled_on(self, host: str) -> None:
        h = self.nodes[host]
        assert h.is_host and h.lobby is not None
        assert h.lobby.host_id == h.local_participant_id
        for name, node in self.nodes.items():
            if name not in self.dead:
                assert (node.host_peer, node.epoch, node.sequence) == (
                    host, h.epoch, h.sequence), name


def lobby3() -> Wire:
    """``a`` hosts; ``b`` joined before ``c``; every heartbeat's counter has gone round once."""
    w = Wire()
    w.host("a")
    w.join("b")
    w.join("c")
    w.tick(CONFIG.heartbeat_interval)
    w.pump()
    return w


def delegate(w: Wire, to: str, leave: bool = False) -> int | None:
    """``a`` hands the role to ``to`` (and with ``leave`` leaves, as ``close()`` does)."""
    a = w.nodes["a"]
    assert a.lobby is not None and a.local_participant_id is not None
    a.submit(DomainCommand.DelegateHost(lobby_id=a.lobby.id,
                                        current_host_id=a.local_participant_id,
                                        new_host_id=w.nodes[to].local_participant_id), w.now)
    rid = None
    if leave:
        rid = a.submit(DomainCommand.LeaveLobby(lobby_id=a.lobby.id,
                                                participant_id=a.local_participant_id), w.now)
    w.collect()
    return rid


def finish(w: Wire, seconds: float = 2 * CONFIG.migration_timeout) -> None:
    """Run ticks long enough for any (wrong) election to complete, delivering as we go."""
    end = w.now + seconds
    while w.now < end:
        w.pump()
        w.tick()
    w.pump()


# --- the orders that broke ------------------------------------------------------------


def test_the_new_hosts_heartbeat_from_before_the_hand_over_does_not_give_the_role_back() -> None:
    """The old host folds its own HostDelegated at once; the new host's heartbeat sent before
    it heard of it (host = the old host, old epoch) arrives after. It is older than our term:
    it says nothing about whom the new host follows now."""
    w = lobby3()
    w.tick(CONFIG.heartbeat_interval)  # every peer's next heartbeat, held on the wire
    (stale,) = w.heartbeats("b", "a")
    assert stale.host_peer == "a"
    delegate(w, "b")
    a = w.nodes["a"]
    assert a.host_peer == "b" and not a.is_host
    w.step(("b", "a", Channel.UNRELIABLE))
    assert a.role is Role.REPLICA and a.host_peer == "b"
    finish(w)
    w.never_back("a", "b")
    w.settled_on("b")


def test_a_guest_that_folded_the_hand_over_ignores_the_new_hosts_older_heartbeat() -> None:
    """The same heartbeat reaching a guest that folded the HostDelegated first: no election
    (it would end with the earliest-joined peer, the old host, in charge again)."""
    w = lobby3()
    w.tick(CONFIG.heartbeat_interval)
    delegate(w, "b")
    w.step(("a", "c", Channel.RELIABLE))  # c folds the hand-over
    c = w.nodes["c"]
    assert c.host_peer == "b"
    (stale,) = w.heartbeats("b", "c")
    assert stale.host_peer == "a"
    w.step(("b", "c", Channel.UNRELIABLE))
    assert c.role is Role.REPLICA and c.host_peer == "b"
    finish(w)
    w.never_back("a", "b")
    w.settled_on("b")


def test_a_survivor_following_the_migrated_host_ignores_its_heartbeat_from_the_election() -> None:
    """After a crash: the new host's heartbeat from while it was electing (host = the lost
    host) reaches a survivor that already follows it. The survivor must not elect again
    (here it would pick itself and take the role away from the new host)."""
    w = lobby3()
    w.kill("a")
    b, c = w.nodes["b"], w.nodes["c"]
    assert b.role is Role.ELECTING and c.role is Role.ELECTING
    w.tick()  # b starts collecting; its heartbeat names the lost host
    w.tick(CONFIG.heartbeat_interval)
    held = w.heartbeats("b", "c")
    assert held and held[-1].host_peer == "a"
    # Everything but b's heartbeats to c: c follows b as host first.
    held_link = ("b", "c", Channel.UNRELIABLE)
    for _ in range(1000):
        if b.is_host and c.host_peer == "b":
            break
        ready = [k for k in w.ready() if k != held_link]
        if ready:
            w.step(ready[0])
        else:
            w.tick()
    assert b.is_host and c.host_peer == "b" and c.role is Role.REPLICA
    while w.links[("b", "c", Channel.UNRELIABLE)]:
        w.step(("b", "c", Channel.UNRELIABLE))
    assert c.role is Role.REPLICA and c.host_peer == "b"
    finish(w)
    w.never_back("a", "b")
    assert all(role is not Role.HOST for _, role in w.seen["c"])
    w.settled_on("b")


@pytest.mark.parametrize("to", ["b", "c"])
def test_every_heartbeat_from_before_the_hand_over_arrives_after_it(to: str) -> None:
    """The old host's own (host = itself, old epoch) and the guests' (following it) too:
    claims of an older term, refused by every peer; nobody moves."""
    w = lobby3()
    w.tick(CONFIG.heartbeat_interval)
    delegate(w, to)
    for _ in range(1000):  # the reliable channel only: every peer folds the hand-over
        ready = [k for k in w.ready() if k[2] is Channel.RELIABLE]
        if not ready:
            break
        w.step(ready[0])
    terms = {n: (node.host_peer, node.role) for n, node in w.nodes.items()}
    assert all(host == to for host, _ in terms.values()), terms
    stale = [k for k in w.ready() if k[2] is Channel.UNRELIABLE]
    assert len(stale) == 6  # each of three peers' heartbeat to each other
    for link in stale:
        (hb,) = w.heartbeats(*link[:2])
        assert hb.host_peer == "a"
        w.step(link)
        assert {n: (node.host_peer, node.role) for n, node in w.nodes.items()} == terms
    finish(w)
    w.never_back("a", to)
    w.no_election_after(to)
    w.settled_on(to)


# --- many interleavings ---------------------------------------------------------------


def shuffle_run(w: Wire, rng: random.Random, seconds: float,
                on_step: object = None) -> None:
    """Deliver in a random order of links (each link keeps its own order), with ticks."""
    end = w.now + seconds
    while w.now < end:
        ready = w.ready()
        if ready and rng.random() < 0.8:
            w.step(rng.choice(ready))
        else:
            w.tick(rng.choice((0.001, 0.01, TICK)))
        if callable(on_step):
            on_step()


def hand_over_under(seed: int, leave: bool) -> Wire:
    """One seeded interleaving of a delegation (``leave``: then ``close()``'s leaving)."""
    rng = random.Random(seed)
    w = lobby3()
    w.tick(rng.uniform(0, CONFIG.heartbeat_interval))
    to = rng.choice(("b", "c"))
    rid = delegate(w, to, leave)
    a = w.nodes["a"]

    def close_when_answered() -> None:
        # close(): the old host goes once the new host accepted its leaving.
        if leave and "a" not in w.dead and a.command_outcome(rid) == "accepted":
            w.kill("a")

    shuffle_run(w, rng, 1.0, close_when_answered)
    close_when_answered()
    finish(w)
    try:
        w.never_back("a", to)
        w.no_election_after(to)
        w.settled_on(to)
    except AssertionError as exc:
        raise AssertionError(f"seed {seed}: {exc}") from exc
    return w


@pytest.mark.parametrize("leave", [False, True], ids=["delegate", "close"])
def test_any_interleaving_after_a_hand_over_keeps_the_role_with_the_new_host(leave: bool) -> None:
    for seed in range(60):
        hand_over_under(seed, leave)


def test_any_interleaving_after_a_crash_keeps_the_role_with_the_successor() -> None:
    for seed in range(60):
        rng = random.Random(seed)
        w = lobby3()
        w.tick(rng.uniform(0, CONFIG.heartbeat_interval))
        w.kill("a", notify=rng.random() < 0.5)
        shuffle_run(w, rng, CONFIG.heartbeat_timeout + 1.0)
        finish(w)
        try:
            w.never_back("a", "b")
            # c never takes the role: b (joined first) is the one successor.
            assert all(role is not Role.HOST for _, role in w.seen["c"]), w.seen["c"]
            w.no_election_after("b")
            w.settled_on("b")
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}: {exc}") from exc
