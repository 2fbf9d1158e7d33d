"""Training animation: the arrays of every frame (`ntk_fourier.animate.compute`) for three models learning a 1D
target, network beside NTK prediction. The gallery saves them, draws the last frame as a still and writes the
animation (GIF) beside it, both from the saved arrays (figures/training_animation.py)."""
from __future__ import annotations

from ntk_fourier import animate


def run(quick: bool = False) -> tuple[dict, dict]:
    if quick:  # toy size: three small shallow networks, a few frames
        return animate.compute(grid=64, steps=50, frames=4, width=32, depth=1,
                                 show_progress=False)
    return animate.compute(show_progress=False)  # the defaults of `ntk-fourier animate`
