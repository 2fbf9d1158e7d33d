"""The gallery's look, from the toolkit's one way of drawing (`ntk_fourier.drawing`): its style ``RC``, a colour per
mapping, saving as PNG + PDF + caption, and the shared drawings; plus pyplot (``plt``) for the figure modules, on the
non-interactive Agg backend (the gallery writes files)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ntk_fourier.drawing import (  # noqa: E402,F401  (re-exported for the figure modules)
    RC, colour, colours, curves_vs_step, deviation_vs_width, fit_line, power_law, predicted_and_trained, save,
    step_axis, styled, width_axis)
