"""One driver for everything the tests and the bench run in a child process.

A *role* (a session, a bare transport, a LAN game, a bench host ...) runs in its own
interpreter, as a real player's game does: its own GIL, its own network thread, killable with
SIGKILL. The parent talks to it with JSON lines: commands on the child's stdin, events on its
stdout.

- Parent side, :class:`ChildProcess`: start a role (optionally inside a network namespace),
  send commands, wait on events with deadlines, freeze / thaw / kill -9, stop with a deadline;
  :func:`stop_all` and :func:`converge` for groups.
- Child side, :func:`serve` (with :func:`emit` / :func:`emit_error`): the role's game loop
  (commands in, ``turn()`` every few ms, errors reported, ``close()`` however it ends);
  ``python -m childproc ROLE`` runs it.
- Roles: ``session`` (:mod:`childproc.session`, one SessionLoop: the tests' host, guest,
  published host, guest by code), ``transport`` (:mod:`childproc.transport`, a bare
  WebRtcTransport, also the flooder), ``lan`` (:mod:`childproc.lan`, one game's LAN
  networking in a namespace); any ``module:Class`` for others (the bench's roles live in
  ``bench/_procs.py``).

Why a top-level package, not ``konnekt_arcade.testing``: the roles reach into test hooks (cut
a session's transport, read its event log, peek at a flooder's send buffers) that a game
developer has no use for, and neither ``tests/`` nor ``bench/`` should import the other. It is
not installed with the library (``pyproject.toml`` packages only ``konnekt_arcade*``).
"""

from ._driver import HANG, REPO, ChildProcess, Event, converge, stop_all
from ._serve import Command, Role, emit, emit_error, serve

__all__ = ["HANG", "REPO", "ChildProcess", "Command", "Event", "Role", "converge", "emit",
           "emit_error", "serve", "stop_all"]
