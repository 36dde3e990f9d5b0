"""``SessionGroup``: a host and its guests, connected and joined, for tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..session import ConnectionStage, P2PLoopBuilder, SessionLoop

if TYPE_CHECKING:
    from ..engine import SessionHook

#: Sleep between polls while waiting; small, because tests wait on conditions, not time.
POLL_SLEEP = 0.002
#: The frame time a ``SessionHook`` is updated with while waiting (arcade's default rate).
HOOK_DT = 1 / 60


@runtime_checkable
class Polled(Protocol):
    """What ``wait_until`` polls: a ``SessionLoop`` (or ``P2PLoop``, or a test's stand-in)."""

    def poll(self) -> object: ...


def drive(driver: Polled | SessionHook) -> None:
    """One step of ``driver``: a ``SessionHook`` gets a frame (``on_update``: it polls its
    session *and* dispatches the callbacks), a session is polled."""
    if isinstance(driver, Polled):
        driver.poll()
    else:
        driver.on_update(HOOK_DT)


def wait_until(condition: Callable[[], object], timeout: float,
               *drivers: Polled | SessionHook, what: str = "condition") -> None:
    """Poll sessions and update hooks until ``condition()`` is true.

    Pass a ``SessionHook`` rather than its session where the test waits on what a callback
    does: polling the session alone leaves the hook's events undispatched.

    Raises:
        AssertionError: after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        for driver in drivers:
            drive(driver)
        if condition():
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_SLEEP)


def memory_builder() -> P2PLoopBuilder:
    """A builder whose sessions share one ``InMemoryNetwork`` (no threads, no sockets)."""
    from ..net import InMemoryNetwork

    network = InMemoryNetwork()

    def factory(room: str, ice: object, queue_size: int) -> Any:
        transport = network.create_transport(room=room, start=False)
        transport.queue_size = queue_size
        return transport

    builder = P2PLoopBuilder().transport_factory(factory)
    # For tests that reach the network through the builder (no builder attribute of its own).
    builder.network = network  # type: ignore[attr-defined]
    return builder


class SessionGroup:
    """A host session and guest sessions that joined it.

    ``host``, ``guests``, ``guest`` (the first), ``all``; ``add_guest(name)`` joins another;
    ``wait_until(condition, hooks=...)`` polls everyone (and updates the hooks, so their
    callbacks fire); ``close()`` closes everything (the fixtures do it).
    """

    def __init__(self, builder: P2PLoopBuilder, url: str, *, lobby_name: str = "Test Lobby",
                 host_name: str = "Host", timeout: float = 10.0) -> None:
        self.builder, self.url, self.timeout = builder, url, timeout
        self.host, self.session_id = builder.build_session_host(url, [], lobby_name, host_name)
        self.guests: list[SessionLoop] = []

    @property
    def guest(self) -> SessionLoop:
        """The first guest. A group starts with none (the fixtures add one)."""
        if not self.guests:
            raise LookupError("this SessionGroup has no guest yet. Check: call "
                              "add_guest() first (the memory_sessions and webrtc_sessions "
                              "fixtures add one)")
        return self.guests[0]

    @property
    def all(self) -> list[SessionLoop]:
        return [self.host, *self.guests]

    def add_guest(self, name: str | None = None, *, join: bool = True) -> SessionLoop:
        """Start a guest, wait until it is synced and (with ``join``) welcomed as ``name``."""
        from ..domain import DomainCommand

        name = name or f"Guest {len(self.guests) + 1}"
        guest = self.builder.start_session_guest(self.url, self.session_id, [])
        self.guests.append(guest)
        self.wait_until(lambda: guest.stage is ConnectionStage.SYNCED or guest.error,
                        what=f"{name} to sync")
        if guest.error:
            raise guest.error
        if join:
            guest.submit_command(DomainCommand.JoinLobby(lobby_id=guest.lobby_id(),
                                                         guest_name=name))
            self.wait_until(lambda: guest.local_participant_id() is not None
                            and self.converged(), what=f"{name} to be welcomed")
        return guest

    def converged(self) -> bool:
        """True when every session has the same lobby state."""
        return len({s.state_hash() for s in self.all}) == 1

    def wait_until(self, condition: Callable[[], object], timeout: float | None = None,
                   what: str = "condition", *, hooks: Iterable[SessionHook] = ()) -> None:
        """Poll every session, and update ``hooks``, until ``condition()`` is true."""
        wait_until(condition, self.timeout if timeout is None else timeout, *self.all,
                   *hooks, what=what)

    def close(self) -> None:
        for session in reversed(self.all):
            session.close()
