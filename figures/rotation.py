"""Figure: test error against the rotation of a 2D signal, positional encoding vs Gaussian features."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**Axis-aligned vs isotropic features** (Tancik et al. 2020, Fig. 11). Three plane waves (frequencies 4, 4
and 6 along the directions 0, 90 and 45 degrees) rotated together by an angle theta, on a 32 x 32 grid of [0, 1)^2,
every other point along each axis to train; depth-{depth} ReLU networks, {steps} gradient-descent steps at half the
stable rate. Left: test MSE of the NTK prediction from f(0) = 0; right: centred networks of width {width}. The
positional encoding (frequencies 8^(j/8), j = 0..7, along each axis) represents waves along the axes best and its
error changes with theta; Gaussian features (sigma 3, 256 random directions) treat every direction alike on
average. Largest / smallest error over theta: {spread}."""


def draw(arrays: dict, meta: dict):
    names = {"positional": "positional encoding", "gaussian": "Gaussian features"}
    curves = [(names[name], style.plt.get_cmap("tab10")(i + 2), arrays[f"predicted_{name}"], arrays[f"trained_{name}"])
              for i, name in enumerate(meta["mappings"])]
    return style.predicted_and_trained(np.degrees(arrays["angle"]), curves, xlabel="rotation theta (degrees)",
                                       width=meta["width"])


def caption(meta: dict) -> str:
    spread = ", ".join(f"{k} {v:.2f}" for k, v in meta["spread"].items())
    return CAPTION.format(depth=meta["model"]["depth"], steps=meta["steps"], width=meta["width"],
                          spread=spread).replace("\n", " ")
