"""``python -m demo_game``: see ``demo_game.cli``."""

import sys

from .cli import main

sys.exit(main())
