"""The gallery's figures, one module each, found by `registry` (no hand-kept list). A figure module declares

    ANALYSIS = "width_sweep"            # the module of analysis/ whose saved data it is drawn from
    ORDER = 90                          # its place in the gallery (ascending)
    def findings(arrays, meta) -> dict  # what the data shows: numbers, booleans, strings (JSON), computed from
                                        # the saved arrays and config only
    def caption(f: dict) -> str         # assembled from the findings alone; a qualitative sentence appears only
                                        # when its finding holds, otherwise the caption states what was measured
    def draw(arrays, meta, f) -> Figure
    # optional: write_animation(arrays, meta, path)

and the analysis module declares ``SETTINGS = {"quick": {...}, "full": {...}[, "paper": {...}]}`` and
``run(**settings) -> (arrays, meta)``. `analysis.gallery` runs them (``--redraw --only NAME`` redraws one from its
saved data)."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType


def registry() -> dict[str, ModuleType]:
    """Every figure module of this package that declares ``ANALYSIS``, by name, in gallery order."""
    found = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "ANALYSIS"):
            found[info.name] = module
    return dict(sorted(found.items(), key=lambda item: (item[1].ORDER, item[0])))
