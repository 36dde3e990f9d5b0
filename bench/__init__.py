"""Benchmarks of konnekt-arcade against a raw aiortc data channel, measured in the same run.

Run ``python -m bench`` (full, a few minutes) or ``python -m bench --quick`` (under a minute)
from the repository root. Results go to ``bench/results/<date>.json`` (plus PNG plots when
matplotlib is installed: ``pip install -e '.[bench]'``). ``--core-only`` runs just the
sans-I/O part (no sockets); the test suite uses it so the bench code cannot rot.

Why ratios: the machine is shared and noisy, so every network figure is reported beside the
same figure for a bare aiortc channel pair measured the same way in the same run.
"""

#: Bumped when the JSON layout changes incompatibly.
SCHEMA_VERSION = 2
