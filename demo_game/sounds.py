"""Sound effects from arcade's bundled Kenney sounds (``:resources:sounds``), loaded on first
use. Off in ``--headless`` and with ``--mute``; a machine without audio just stays silent."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("demo_game")

SOUNDS = {
    "coin": ":resources:sounds/coin1.wav",
    "hit": ":resources:sounds/hit3.wav",
    "miss": ":resources:sounds/error2.wav",
    "key": ":resources:sounds/jump1.wav",
    "done": ":resources:sounds/upgrade1.wav",
    "start": ":resources:sounds/phaseJump1.wav",
    "win": ":resources:sounds/secret2.wav",
}


class Sounds:
    def __init__(self, enabled: bool = True, volume: float = 0.4) -> None:
        self.enabled = enabled
        self.volume = volume
        self._loaded: dict[str, Any] = {}

    def play(self, name: str) -> None:
        if not self.enabled or name not in SOUNDS:
            return
        try:
            import arcade

            sound = self._loaded.get(name)
            if sound is None:
                sound = self._loaded[name] = arcade.load_sound(SOUNDS[name])
            arcade.play_sound(sound, volume=self.volume)
        except Exception as exc:  # no audio device: play on without sound
            logger.info("sound off: %s", exc)
            self.enabled = False
