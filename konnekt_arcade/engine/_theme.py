"""``LobbyTheme``: the colours and fonts of ``LobbyView``, and the widget helpers that use it.

    LobbyView(theme=LobbyTheme(accent=(230, 120, 40), font_name=("Kenney Future", "arial")))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arcade.gui import UIEvent, UIFlatButton, UIInputText, UILabel, UITextInputEvent
from arcade.types import Color

#: What pyglet types for Enter / Return (``on_text``), which a one-line field must not insert.
LINE_BREAKS = ("\r\n", "\r", "\n")


class LineInput(UIInputText):
    """A one-line text field: Enter calls ``on_enter`` (when set) instead of inserting the line
    break, which a one-line pyglet layout draws as a box glyph. A pasted text with line breaks
    keeps its text and loses the breaks."""

    on_enter: Callable[[], None] | None = None

    def on_event(self, event: UIEvent) -> bool | None:
        if self.active and isinstance(event, UITextInputEvent):
            text = event.text
            for brk in LINE_BREAKS:
                text = text.replace(brk, "")
            if text != event.text:
                if text:
                    super().on_event(UITextInputEvent(event.source, text))
                if self.on_enter is not None and text == "":
                    self.on_enter()
                return True
        return super().on_event(event)


@dataclass(frozen=True)
class LobbyTheme:
    """Every colour is an RGB(A) tuple; ``font_name`` is tried in order like arcade does."""

    background: tuple[int, ...] = (22, 24, 36)
    panel: tuple[int, ...] = (36, 40, 60)
    text: tuple[int, ...] = (236, 236, 242)
    muted: tuple[int, ...] = (150, 156, 180)
    accent: tuple[int, ...] = (66, 128, 236)
    accent_hover: tuple[int, ...] = (96, 152, 250)
    button_bg: tuple[int, ...] = (58, 64, 92)
    danger: tuple[int, ...] = (210, 70, 66)
    ok: tuple[int, ...] = (84, 198, 120)
    warning: tuple[int, ...] = (240, 182, 64)
    input_bg: tuple[int, ...] = (16, 18, 28)
    font_name: tuple[str, ...] = ("calibri", "arial")
    font_size: int = 13
    title_size: int = 28
    button_height: int = 36
    spacing: int = 10

    # --- widget helpers (used by the screens; handy for a game's own lobby screens too) -------

    def label(self, text: str, *, size: int | None = None, color: tuple[int, ...] | None = None,
              width: float | None = None, multiline: bool = False, bold: bool = False) -> UILabel:
        kwargs: dict[str, Any] = {}
        if width is not None:
            kwargs["width"] = width
        return UILabel(text=text, font_name=self.font_name, font_size=size or self.font_size,
                       text_color=Color.from_iterable(color or self.text), multiline=multiline,
                       bold=bold, **kwargs)

    def button(self, text: str, *, width: float = 140, kind: str = "normal") -> UIFlatButton:
        """A flat button; ``kind`` is "normal", "accent" or "danger"."""
        bg = {"accent": self.accent, "danger": self.danger}.get(kind, self.button_bg)
        style = UIFlatButton.UIStyle
        name, size = self.font_name, self.font_size
        return UIFlatButton(text=text, width=width, height=self.button_height, style={
            "normal": style(bg=Color.from_iterable(bg), font_color=Color.from_iterable(self.text),
                            font_name=name, font_size=size),
            "hover": style(bg=Color.from_iterable(self.accent_hover),
                           border=Color.from_iterable(self.text),
                           border_width=1, font_color=Color.from_iterable(self.text),
                           font_name=name, font_size=size),
            "press": style(bg=Color.from_iterable(self.text),
                           font_color=Color.from_iterable(self.background), font_name=name,
                           font_size=size),
            "disabled": style(bg=Color.from_iterable(self.panel),
                              font_color=Color.from_iterable(self.muted), font_name=name,
                              font_size=size),
        })

    def input(self, text: str = "", *, width: float = 320) -> LineInput:
        field = LineInput(text=text, width=width, height=self.button_height - 4,
                            font_name=self.font_name, font_size=self.font_size,
                            text_color=Color.from_iterable(self.text),
                            caret_color=Color.from_iterable(self.text))
        return field.with_background(color=Color.from_iterable(self.input_bg))

    def color(self, name: str) -> Color:
        return Color.from_iterable(getattr(self, name))


DEFAULT_THEME = LobbyTheme()

