"""A frame of ``LobbyView`` (``on_update`` + ``on_draw``) in a 16-player lobby under a chat flood.

The measured view is the host's lobby screen; 15 guest sessions (no views) joined it over the
in-memory transport and chat at ``CHAT_PER_S`` lines a second in simulated frame time (the
guests' chat limit is raised through ``SyncConfig`` so the host accepts the flood). The
baseline is the same view in the same lobby with nothing arriving, measured in alternating
blocks beside the flood, so a burst of load from elsewhere hits both alike. The ratio
flood / idle is what the widget code costs per event on top of a frame that only draws.

A frame is ``on_update`` + ``on_draw`` + ``ctx.finish()``: the GL work the frame queued counts
too (a real frame waits for it at the buffer flip). Headless arcade renders in software, so
that work is CPU time here, and the idle frame's share of it (the UI surface blitted to the
window) is far larger than on a GPU: the ratio is a lower bound of what the widget code
saves or costs on a real machine.

Run alone (prints the result as JSON)::

    ARCADE_HEADLESS=1 python -m bench._frame [--quick]

``python -m bench`` runs it in a child process (``run_frame``): the bench process has already
imported arcade through ``konnekt_arcade``, and arcade's headless mode is chosen at import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from ._stats import percentile, summary

#: Players in the lobby (the library's default maximum) and the chat flood they make.
PLAYERS = 16
CHAT_PER_S = 50
FPS = 60
#: Frames per block; flood and idle blocks alternate. The first frames of a block are not
#: counted: lines still in flight from the flood would make an idle frame look busy.
BLOCK = 60
SETTLE = 6
#: Deadline for the lobby to fill (a bound, not a speed claim: a busy box is slow).
FILL_DEADLINE = 120.0
WINDOW_SIZE = (1024, 720)


def _lobby(window: Any) -> tuple[Any, list[Any]]:
    """The host's ``LobbyView`` on screen and 15 joined guests (``SessionHook`` s)."""
    from konnekt_arcade import LobbyView, SessionHook
    from konnekt_arcade.session import ConnectionStage
    from konnekt_arcade.sync import SyncConfig
    from konnekt_arcade.testing import memory_builder

    config = SyncConfig(chat_rate=float(CHAT_PER_S), chat_burst=CHAT_PER_S,
                        command_rate=float(CHAT_PER_S), command_burst=CHAT_PER_S)
    builder = memory_builder().sync_config(config)
    view = LobbyView(builder=builder, signalling_url="memory://", ice_servers=[],
                     player_name="Host", advertise_lan=False, browse_lan=False)
    window.show_view(view)
    view.host_lobby()
    sid = view.hook.session.session_id
    guests = [SessionHook(builder.start_session_guest("memory://", sid, []))
              for _ in range(PLAYERS - 1)]
    asked: set[int] = set()
    deadline = time.monotonic() + FILL_DEADLINE
    while True:
        view.on_update(1 / FPS)
        for i, hook in enumerate(guests):
            hook.on_update(1 / FPS)
            session = hook.session
            if (i not in asked and session.stage is ConnectionStage.SYNCED
                    and session.local_participant_id() is None):
                asked.add(i)
                hook.join(f"Player {i + 2:02d}")
        lobby = view.hook.lobby
        if (view.screen.name == "lobby" and lobby is not None
                and len(lobby.participants) == PLAYERS
                and all(h.local_participant is not None for h in guests)):
            return view, guests
        if time.monotonic() > deadline:
            raise RuntimeError(f"the lobby did not fill within {FILL_DEADLINE:.0f} s")
        time.sleep(0.001)


def measure(pairs: int) -> dict[str, Any]:
    """``pairs`` flood blocks and as many idle blocks, alternating; per-frame seconds."""
    import arcade

    window = arcade.Window(*WINDOW_SIZE, "bench: lobby frame")
    view, guests = _lobby(window)
    finish = window.ctx.finish
    frames: dict[str, list[float]] = {"flood": [], "idle": []}
    update: dict[str, list[float]] = {"flood": [], "idle": []}
    total = 0
    for _ in range(pairs):
        for kind in ("flood", "idle"):
            sent = 0
            for i in range(BLOCK):
                if kind == "flood":  # lines due by this frame, round-robin over the guests
                    due = (i + 1) * CHAT_PER_S // FPS - sent
                    for _line in range(due):
                        total += 1
                        guests[total % len(guests)].chat(f"line {total}: gg, one more round?")
                        sent += 1
                for hook in guests:  # the guests' side: sends the lines, reads broadcasts
                    hook.on_update(1 / FPS)
                finish()
                t0 = time.perf_counter()
                view.on_update(1 / FPS)
                t1 = time.perf_counter()
                view.on_draw()
                finish()
                t2 = time.perf_counter()
                if i >= SETTLE:
                    frames[kind].append(t2 - t0)
                    update[kind].append(t1 - t0)
    lobby = view.hook.lobby
    chat_seen = len(lobby.chat) if lobby is not None else 0
    for hook in guests:
        hook.session.close()
    view.close()
    window.close()
    flood, idle = percentile(frames["flood"], 50), percentile(frames["idle"], 50)
    return {
        "players": PLAYERS,
        "chat_per_s": CHAT_PER_S,
        "frames_per_block": BLOCK,
        "flood_frame_ms": summary(frames["flood"], 1e3, 3),
        "idle_frame_ms": summary(frames["idle"], 1e3, 3),
        "flood_update_ms": summary(update["flood"], 1e3, 3),
        "idle_update_ms": summary(update["idle"], 1e3, 3),
        "flood_vs_idle_p50": round(flood / idle, 3) if idle else None,
        "flood_vs_idle_mean": round(
            (sum(frames["flood"]) / len(frames["flood"]))
            / (sum(frames["idle"]) / len(frames["idle"])), 3),
        "share_of_frame_p50": round(flood * FPS, 3),
        "chat_lines_sent": total,
        "chat_lines_in_lobby": chat_seen,
    }


def run_frame(quick: bool = False) -> dict[str, Any]:
    """The section, in a child process with ``ARCADE_HEADLESS=1`` (see the docstring)."""
    args = [sys.executable, "-m", "bench._frame", *(["--quick"] if quick else [])]
    env = {**os.environ, "ARCADE_HEADLESS": "1"}
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"frame bench failed ({done.returncode}): {done.stderr[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    os.environ.setdefault("ARCADE_HEADLESS", "1")
    quick = "--quick" in sys.argv[1:]
    print(json.dumps(measure(3 if quick else 8)))


if __name__ == "__main__":
    main()
