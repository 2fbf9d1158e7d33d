"""The optional parts of the toolkit and the pip extras that install them (``pip install "ntk-fourier[all]"``: both).

The core (kernels, spectra, predictions, training, figures, GIF animations) needs none of them.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from ntk_fourier.errors import InputError

NEEDS = {  # extra -> what needs it (the start of the error message)
    "explore": "the explorer needs",
    "video": "MP4 animations need",
}
ADVICE = {"video": " (or use a .gif: GIF needs no extra)"}


def require(extra: str, module: str) -> ModuleType:
    """``module`` imported, or an `InputError` naming the extra that installs it (one line, for the CLI)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(f"{NEEDS[extra]} the {extra!r} extra: pip install \"ntk-fourier[{extra}]\""
                         f"{ADVICE.get(extra, '')}") from None
