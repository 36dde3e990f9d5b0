"""The demo's one look: colours, fonts, the lobby theme and small drawing helpers.

Fonts are arcade's bundled ones (Kenney Future for headings, Liberation Sans for text), so the
game looks the same on a machine with no fonts installed. Colours come in one palette: a deep
violet night, warm accents, one colour per player.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import arcade

from konnekt_arcade import LobbyTheme

TITLE = "Konnekt Party"
TAGLINE = "Four quick games, one lobby, no server: type, click, grab coins, bump the ball."
WINDOW_SIZE = (1280, 800)

BACKGROUND = (24, 18, 44)
BACKGROUND_TOP = (52, 30, 86)
PANEL = (40, 32, 70)
PANEL_LIGHT = (58, 46, 98)
TEXT = (246, 242, 255)
MUTED = (170, 160, 205)
ACCENT = (255, 92, 141)
ACCENT_HOVER = (255, 128, 166)
GOLD = (255, 196, 64)
GOOD = (86, 222, 148)
BAD = (255, 88, 88)
INFO = (96, 190, 255)
#: One colour per player, in join order (cycled).
PLAYER_COLOURS: tuple[tuple[int, int, int], ...] = (
    (255, 92, 141), (96, 190, 255), (255, 196, 64), (86, 222, 148), (190, 120, 255),
    (255, 140, 66), (64, 224, 208), (240, 240, 120))

HEADING_FONT = ("Kenney Future", "Liberation Sans", "arial")
BODY_FONT = ("Liberation Sans", "arial", "calibri")

THEME = LobbyTheme(background=BACKGROUND, panel=PANEL, text=TEXT, muted=MUTED, accent=ACCENT,
                   accent_hover=ACCENT_HOVER, button_bg=PANEL_LIGHT, danger=BAD, ok=GOOD,
                   warning=GOLD, input_bg=(20, 14, 36), font_name=BODY_FONT, font_size=14,
                   title_size=30)

_fonts_loaded = False


def load_fonts() -> None:
    """Register arcade's bundled fonts (once)."""
    global _fonts_loaded
    if not _fonts_loaded:
        arcade.resources.load_kenney_fonts()
        arcade.resources.load_liberation_fonts()
        _fonts_loaded = True


def player_colour(index: int) -> tuple[int, int, int]:
    return PLAYER_COLOURS[index % len(PLAYER_COLOURS)]


# --- text -------------------------------------------------------------------------------------

_TEXT_CACHE: OrderedDict[tuple[Any, ...], arcade.Text] = OrderedDict()
_TEXT_CACHE_SIZE = 400


def text(value: str, x: float, y: float, *, size: int = 16, colour: tuple[int, ...] = TEXT,
         heading: bool = False, bold: bool = False, anchor_x: str = "left",
         anchor_y: str = "baseline", width: int | None = None) -> arcade.Text:
    """Draw text (arcade.Text objects are cached: building them is the slow part)."""
    key = (value, size, colour, heading, bold, anchor_x, anchor_y, width)
    label = _TEXT_CACHE.get(key)
    if label is None:
        kwargs: dict[str, Any] = {}
        if width is not None:
            kwargs.update(width=width, multiline=True)
        label = arcade.Text(value, x, y, colour, size,
                            font_name=HEADING_FONT if heading else BODY_FONT, bold=bold,
                            anchor_x=anchor_x, anchor_y=anchor_y, **kwargs)
        _TEXT_CACHE[key] = label
        if len(_TEXT_CACHE) > _TEXT_CACHE_SIZE:
            _TEXT_CACHE.popitem(last=False)
    else:
        _TEXT_CACHE.move_to_end(key)
        label.position = (x, y)
    label.draw()
    return label


# --- shapes -----------------------------------------------------------------------------------

def backdrop(width: int, height: int, t: float = 0.0) -> None:
    """The shared background: a violet gradient with slowly drifting confetti dots."""
    bands = 24
    for i in range(bands):
        f = i / (bands - 1)
        colour = tuple(int(BACKGROUND[k] + (BACKGROUND_TOP[k] - BACKGROUND[k]) * f)
                       for k in range(3))
        arcade.draw_lrbt_rectangle_filled(0, width, height * i / bands,
                                          height * (i + 1) / bands + 1, colour)
    for i in range(36):
        x = (i * 137.5 + 40 * math.sin(t * 0.3 + i)) % width
        y = (i * 89.3 + 22 * t * (1 + i % 3)) % height
        c = PLAYER_COLOURS[i % len(PLAYER_COLOURS)]
        arcade.draw_circle_filled(x, y, 2 + i % 3, (*c, 70))


def panel(left: float, bottom: float, width: float, height: float,
          colour: tuple[int, ...] = PANEL, border: tuple[int, ...] | None = None) -> None:
    arcade.draw_lbwh_rectangle_filled(left, bottom, width, height, colour)
    if border is not None:
        arcade.draw_lbwh_rectangle_outline(left, bottom, width, height, border, 2)


def bar(left: float, bottom: float, width: float, height: float, share: float,
        colour: tuple[int, ...]) -> None:
    """A progress bar (``share`` 0..1) on a dark track."""
    arcade.draw_lbwh_rectangle_filled(left, bottom, width, height, (20, 14, 36))
    share = min(1.0, max(0.0, share))
    if share > 0:
        arcade.draw_lbwh_rectangle_filled(left, bottom, width * share, height, colour)


def header(width: int, height: int, title: str, subtitle: str = "") -> None:
    """The strip at the top of every game screen."""
    arcade.draw_lrbt_rectangle_filled(0, width, height - 70, height, (16, 10, 32, 220))
    arcade.draw_lrbt_rectangle_filled(0, width, height - 73, height - 70, ACCENT)
    label = text(title, 24, height - 46, size=24, heading=True)
    if subtitle:
        text(subtitle, 24 + label.content_width + 24, height - 44, size=15, colour=MUTED)
