"""Sphinx configuration for konnekt-arcade's documentation site.

Sphinx (not MkDocs) because arcade, the engine our users already read, documents itself with
it: autodoc reads our docstrings as they are, MyST lets the guides stay Markdown that GitHub
renders too, and ``-W`` turns every broken reference into a failed build. Built offline by
``tests/docs/test_docs_build.py`` (no intersphinx: it would fetch inventories).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("ARCADE_HEADLESS", "1")  # autodoc imports the engine package

project = "konnekt-arcade"
author = "konnekt-arcade contributors"
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "screenshots"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True,
                           "exclude-members": "type, model_config, model_fields"}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
html_theme = "alabaster"
# "ref.python": more than one target for an unqualified annotation. There are two ``Role`` enums
# (a participant's, ``konnekt_arcade.domain.Role``; the sync engine's role machine,
# ``konnekt_arcade.sync.Role``), both public, and autodoc writes annotations unqualified.
suppress_warnings = ["myst.xref_missing", "ref.python"]
autodoc_inherit_docstrings = False  # arcade's own docstrings link labels of its own site
