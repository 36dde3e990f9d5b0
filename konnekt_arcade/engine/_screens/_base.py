"""``Screen``: one page of ``LobbyView`` — a widget tree built from the view's state.

Screens keep no state of their own that matters: text typed into fields is copied to the view
(``view.form``) as it changes, so ``LobbyView`` can rebuild a screen at any time — on resize,
or when another screen is shown — without losing anything. When the session changes what a
screen shows (a chat line, a player's ready flag), ``update()`` sets the affected widgets'
text in place instead: building a tree costs a frame or more, a label's text a little.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arcade.gui import UIAnchorLayout, UIInputText, UILabel, UIWidget

from ._host import ScreenHost


class Screen:
    """Base of the screens; ``widgets`` names the interactive widgets (tests click them)."""

    name = "screen"

    def __init__(self, view: ScreenHost) -> None:
        self.view = view
        self.theme = view.theme
        self.widgets: dict[str, UIWidget] = {}
        self.root = UIAnchorLayout(size_hint=(1, 1))
        self.build()

    @property
    def width(self) -> int:
        return int(self.view.window.width)

    @property
    def height(self) -> int:
        return int(self.view.window.height)

    def build(self) -> None:
        raise NotImplementedError

    def update(self) -> bool:
        """Bring the widgets up to date with the view's state, in place. False when that is
        not possible (the widgets themselves would change): the view then rebuilds the screen.
        The default always asks for a rebuild; screens that change often do better."""
        return False

    def sync_fields(self) -> None:
        """Show ``view.form`` in the fields (the view clears some, e.g. chat after Send)."""
        for key, widget in self.widgets.items():
            text = self.view.form.get(key)
            if isinstance(widget, UIInputText) and text is not None and widget.text != text:
                widget.text = text

    def button(self, key: str, text: str, action: Any, *, width: float = 140,
               kind: str = "normal") -> UIWidget:
        """A named themed button that calls ``action()`` when clicked."""
        widget = self.theme.button(text, width=width, kind=kind)
        widget.push_handlers(on_click=lambda event: action())  # arcade's `@widget.event`
        self.widgets[key] = widget
        return widget

    def field(self, key: str, *, width: float = 320,
              on_enter: Callable[[], None] | None = None) -> UIInputText:
        """A named text field bound to ``view.form[key]``; Enter in it calls ``on_enter()``
        (a one-line field never takes the line break itself)."""
        widget = self.theme.input(self.view.form.get(key, ""), width=width)
        if on_enter is not None:
            widget.on_enter = on_enter

        def changed(event: Any) -> None:
            self.view.form[key] = widget.text

        widget.push_handlers(on_change=changed)
        self.widgets[key] = widget
        return widget

    def active_field(self) -> str | None:
        """The key of the text field being typed into, if any."""
        for key, widget in self.widgets.items():
            if isinstance(widget, UIInputText) and widget.active:
                return key
        return None


def set_text(label: UILabel, text: str, color: Any = None) -> None:
    """Change a label's text (and colour) in place; a label that shrank gives its room back
    (a layout only ever grows a widget to its minimum size)."""
    if color is not None:
        label.update_font(font_color=color)
    if label.text == text:
        return
    label.text = text
    width, height = label.size_hint_min or (label.width, label.height)
    label.rect = label.rect.resize(width=label.width if label.multiline else width,
                                   height=height)
