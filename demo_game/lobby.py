"""``PartyLobbyView``: konnekt-arcade's ``LobbyView``, dressed for the party.

What the demo adds on top of the stock lobby, all through its public methods:

- Hosting runs the built-in signalling server on the LAN (unless ``--signal`` was given; it
  moves to the next host when the host leaves) and announces the lobby there: friends on the
  same network see it on their start screen and press Join. Friends elsewhere paste the
  invite shown under the lobby (``ws://<ip>:3536/<id>``).
- Queued games get a fresh seed in their config, so each round is new but the same for all.
- A results screen after each round, the leaderboard in the lobby, sounds, the backdrop.
- ``--bots N``: bot processes join as soon as the lobby is up.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import arcade

from konnekt_arcade import (
    Activity,
    ConnectionStage,
    IceServer,
    LobbyView,
    SyncConfig,
    looks_like_code,
)

from . import style
from .bots import BotFleet
from .games import make_registry
from .lan import DEFAULT_PORT, lan_server_factory, split_invite
from .play import BALL, COINS
from .results import RESULTS_SECONDS, ResultsView
from .rules import (
    BALL_DURATION_MS,
    COINS_DURATION_MS,
    ECHO_LIMIT_MS,
    SEED_RANGE,
    TARGETS_LIMIT_MS,
)
from .sounds import Sounds
from .state import StateFile

logger = logging.getLogger("demo_game")

#: The lobby's cards: what each game is about.
HOW_TO_PLAY = (
    ("echo", "Echo", "Everyone gets the same phrase. Type it exactly and press Enter — "
                     "accuracy first, then speed."),
    ("targets", "Targets", "Click the glowing targets one after another. Misses cost "
                           "points, a fast clear earns a bonus."),
    ("coins", "Coins", "20 seconds in one arena with everybody, live. Arrow keys or WASD; "
                       "gold 25, silver 10, bronze 5."),
    ("ball", "Bumper ball", "Red against blue, one ball. Run into it to bump it into the "
                            "other team's goal: 10 points each, 5 more for the scorer."),
)
#: The demo's game id: Konnekt Party's LAN list and "Browse lobbies" show only party lobbies.
GAME = "konnekt-party"
DIRECTORY_GAME, DIRECTORY_VERSION = GAME, "1"
#: Extra time the host allows past a game's own limit before it ends the run for stragglers.
GRACE_MS = 5_000


@dataclass
class Options:
    name: str = ""
    signal: str = ""
    bind: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    bots: int = 0
    stun: bool = False
    seed: int | None = None
    coins_ms: int = COINS_DURATION_MS
    ball_ms: int = BALL_DURATION_MS
    results_seconds: float = RESULTS_SECONDS
    autoplay: bool = False
    sound: bool = True
    join: str = ""
    verbose: bool = False
    #: List hosted lobbies in the directory and show their join code (``--public``).
    public: bool = False
    #: Announce the lobby on the LAN and list the lobbies there (off for headless matches).
    lan: bool = True
    #: Where to keep the screen and lobby state as JSON (tests read it); "" = nowhere.
    state_file: str = ""
    #: How long a dropped player keeps their place while we host (the lobby's grace period).
    grace: float = SyncConfig.grace_period


class PartyLobbyView(LobbyView):
    def __init__(self, options: Options) -> None:
        style.load_fonts()
        ice: list[IceServer] = IceServer.default_stun_servers() if options.stun else []
        super().__init__(registry=make_registry(), theme=style.THEME, ice_servers=ice,
                         signalling_url=options.signal, player_name=options.name,
                         title="Join the party", game=GAME, advertise_lan=options.lan,
                         browse_lan=options.lan)
        if not options.signal:  # our server on --bind/--port, moving with the host
            self.builder = self.builder.embedded_signalling(
                server=lan_server_factory(options.bind, options.port))
        if options.grace != SyncConfig.grace_period:
            self.builder = self.builder.sync_config(SyncConfig(grace_period=options.grace))
        if options.public:
            self.builder = self.builder.publish(game=GAME, version=DIRECTORY_VERSION)
        self.options = options
        # Keep the invite/leaderboard strip (drawn under the lobby) clear of player rows.
        self.reserved_height += 110
        self.autoplay = options.autoplay
        self.sounds = Sounds(enabled=options.sound)
        self.rng = random.Random(options.seed)
        self.fleet = BotFleet()
        self.bots_started = False
        self.round_number = 0
        self.results_view: ResultsView | None = None
        self.clock = 0.0
        self._coin: arcade.Texture | None = None
        self.state = StateFile(options.state_file)
        if options.join and looks_like_code(options.join):
            self.join_code(options.join)
        elif options.join:
            url, sid = split_invite(options.join)
            self.form["session_id"] = sid
            self.form["signalling_url"] = url
            self.rebuild()

    # --- hosting and joining ------------------------------------------------------------------

    def host_lobby(self) -> None:
        super().host_lobby()  # no --signal: on the built-in server (``embedded_signalling``)
        session = self.hook.session
        if session is not None:
            logger.info("hosting session %s — friends join with %s", session.session_id,
                        self.invite_text())

    def join_lobby(self) -> None:
        url, sid = split_invite(self.form["session_id"])
        if url:
            self.form["session_id"], self.form["signalling_url"] = sid, url
        if not self.form["signalling_url"].strip() and not self.default_url:
            # a host on this machine; across the LAN, paste the whole invite instead
            self.form["signalling_url"] = f"ws://127.0.0.1:{DEFAULT_PORT}"
        super().join_lobby()

    def join_code(self, code: str) -> None:
        if not self.form["signalling_url"].strip() and not self.default_url:
            self.form["signalling_url"] = f"ws://127.0.0.1:{DEFAULT_PORT}"  # as join_lobby
        super().join_code(code)

    # --- host actions: seeds and time limits --------------------------------------------------

    def game_config(self, activity_type: str) -> dict[str, Any]:
        config: dict[str, Any] = {"seed": self.rng.randrange(SEED_RANGE)}
        if activity_type == COINS:
            config["duration_ms"] = self.options.coins_ms
        elif activity_type == BALL:
            config["duration_ms"] = self.options.ball_ms
        return config

    def queue_activity(self, activity: Activity) -> None:
        config = self.game_config(activity.activity_type)
        seconds = time_limit_ms(activity.activity_type, config) / 1000
        self._try(lambda: self.registry.queue(self.hook, activity.activity_type,
                                              config_overrides=config, duration=seconds))

    def start_next(self) -> None:
        self._try(lambda: self.registry.start_next(self.hook))

    # --- frames -------------------------------------------------------------------------------

    def on_update(self, delta_time: float) -> None:
        self.clock += delta_time
        super().on_update(delta_time)
        self.state.write(self)
        if (self.options.bots and not self.bots_started and self.role == "host"
                and self.screen.name == "lobby" and self.hook.session is not None):
            self.bots_started = True
            session = self.hook.session
            names = self.fleet.start(self.options.bots, session.signalling_url,
                                     str(session.session_id), seed=self.rng.randrange(1000),
                                     stun=self.options.stun, verbose=self.options.verbose)
            logger.info("bots joining: %s", ", ".join(names))

    def on_draw(self) -> None:
        self.clear()
        w, h = self.window.width, self.window.height
        style.backdrop(w, h, self.clock)
        self.ui.draw()
        if self.screen.name == "lobby":
            self.draw_lobby_extras(w, h)
            return
        self.draw_logo(w, h)
        if self.screen.name == "start":
            style.text(style.TAGLINE, w / 2, 40, size=15, colour=style.MUTED, anchor_x="center")

    def draw_logo(self, w: int, h: int) -> None:
        """The game's name above the start and connecting panels."""
        children = self.screen.root.children
        panel_top = children[0].rect.top if children else h - 160
        if h - panel_top < 110:
            return
        y = (h + panel_top) / 2 + 10
        style.text(style.TITLE.upper(), w / 2, y, size=44, heading=True, anchor_x="center",
                   anchor_y="center")
        for i in range(4):
            x = w / 2 - 120 + i * 80
            arcade.draw_lbwh_rectangle_filled(x, y - 44, 72, 6, style.player_colour(i))

    def draw_lobby_extras(self, w: int, h: int) -> None:
        """The games on offer where there is room, the invite and the leaderboard below."""
        lobby = self.hook.lobby
        if lobby is None:
            return
        children = self.screen.root.children
        top = children[0].rect.bottom - 24 if children else 0
        if top - 120 >= 150:
            self.draw_game_cards(24, 120, w - 48, min(220, top - 120))
        style.panel(0, 0, w, 96, (16, 10, 32, 235))
        arcade.draw_lrbt_rectangle_filled(0, w, 96, 99, style.ACCENT)
        style.text("INVITE", 24, 62, size=12, heading=True, colour=style.ACCENT)
        style.text(self.invite_text(), 24, 34, size=15, colour=style.TEXT)
        style.text("Friends on your network see this lobby on their start screen; others "
                   "paste this into Join", 24, 12, size=11, colour=style.MUTED)
        board = lobby.sorted_leaderboard()[:5]
        x = w * 0.52
        style.text("LEADERBOARD", x, 62, size=12, heading=True, colour=style.GOLD)
        step = (w - x - 24) / max(1, len(board))
        for i, entry in enumerate(board):
            style.text(f"{i + 1}. {entry.name}", x + i * step, 34, size=14,
                       colour=style.player_colour(self._index(entry.participant_id)))
            style.text(f"{entry.score} pts", x + i * step, 12, size=12, colour=style.MUTED)

    def draw_game_cards(self, left: float, bottom: float, width: float, height: float) -> None:
        gap = 18
        card = (width - (len(HOW_TO_PLAY) - 1) * gap) / len(HOW_TO_PLAY)
        for i, (kind, name, text) in enumerate(HOW_TO_PLAY):
            x = left + i * (card + gap)
            colour = style.player_colour(i)
            style.panel(x, bottom, card, height, style.PANEL)
            arcade.draw_lbwh_rectangle_filled(x, bottom + height - 4, card, 4, colour)
            icon_x, icon_y = x + 52, bottom + height - 56
            if kind == "echo":
                style.text("Aa", icon_x, icon_y, size=26, heading=True, colour=colour,
                           anchor_x="center", anchor_y="center")
            elif kind == "targets":
                for ring, c in enumerate((colour, style.TEXT, colour)):
                    arcade.draw_circle_filled(icon_x, icon_y, 24 - ring * 8, c)
            elif kind == "ball":
                arcade.draw_circle_filled(icon_x, icon_y, 22, style.TEXT)
                arcade.draw_circle_outline(icon_x, icon_y, 22, colour, 4)
            else:
                if self._coin is None:
                    self._coin = arcade.load_texture(":resources:images/items/coinGold.png")
                arcade.draw_texture_rect(self._coin, arcade.XYWH(icon_x, icon_y, 64, 64))
            style.text(name.upper(), x + 96, icon_y, size=16, heading=True, colour=colour,
                       anchor_y="center", width=int(card - 100))
            style.text(text, x + 20, bottom + height - 110, size=13, colour=style.TEXT,
                       width=int(card - 40), anchor_y="top")

    def _index(self, pid: UUID) -> int:
        lobby = self.hook.lobby
        for index, p in enumerate(lobby.participants if lobby else ()):
            if p.id == pid:
                return index
        return 0

    # --- runs ---------------------------------------------------------------------------------

    def on_run_started(self, run: Any) -> None:
        self.round_number += 1
        logger.info("round %d: %s starts (%d players)", self.round_number, run.activity.name,
                    len(run.required_submitters))
        self.sounds.play("start")
        super().on_run_started(run)
        self.state.write(self, now_please=True)  # the game view is in front now

    def on_run_ended(self, run_id: UUID, status: Any, reason: str) -> None:
        super().on_run_ended(run_id, status, reason)
        lobby = self.hook.lobby
        run = next((r for r in reversed(lobby.finished_runs) if r.id == run_id), None) \
            if lobby is not None else None
        if run is not None:
            scores = ", ".join(f"{self._name(r.participant_id)} {r.score}" for r in
                               sorted(run.results, key=lambda r: -r.score))
            logger.info("round %d: %s %s — %s", self.round_number, run.activity.name,
                        str(status).lower(), scores or "no results")
        session = self.hook.session
        if session is None or session.stage is not ConnectionStage.SYNCED:
            return  # the lobby is away (the view says so): no results screen over that
        self.results_view = ResultsView(self, run_id, round_number=self.round_number,
                                        seconds=self.options.results_seconds)
        self.window.show_view(self.results_view)

    def show_final(self) -> ResultsView:
        view = ResultsView(self, None, final=True)
        self.window.show_view(view)
        self.sounds.play("win")
        return view

    def _name(self, pid: UUID) -> str:
        lobby = self.hook.lobby
        p = lobby.participant(pid) if lobby is not None else None
        return p.name if p is not None else "?"

    def close(self) -> None:
        # Our bots first: they are our child processes and go with us, so handing them the
        # lobby (as a host leaving real players does) would only make one of them host for
        # a moment, warn that nobody new can join, and go.
        self.fleet.stop()
        super().close()


def time_limit_ms(activity_type: str, config: dict[str, Any]) -> int:
    """When the host ends a run for players who never finish (each game's limit + grace)."""
    base = {"echo": ECHO_LIMIT_MS, "targets": TARGETS_LIMIT_MS}.get(activity_type)
    if base is None:
        duration = config.get("duration_ms")
        base = duration if isinstance(duration, int) else COINS_DURATION_MS
    return base + GRACE_MS
