"""Training animation: the arrays of every frame (`ntk_fourier.animate.compute`) for three models learning a 1D
target, network beside NTK prediction, and the NTK prediction started from zero (the infinite-ensemble mean: what
the prediction from the network's own start differs from is the network's initial function, which training leaves
in place away from the training points). The gallery saves them, draws the last frame as a still and writes the
animation (GIF) beside it, both from the saved arrays (figures/training_animation.py)."""
from __future__ import annotations

import ntk_fourier as nf
from ntk_fourier import animate

SETTINGS = {  # quick: toy size, three small shallow networks, a few frames; full: the defaults of `ntk-fourier animate`
    "quick": {"freqs": animate.DEFAULT_FREQS, "grid": 64, "stride": 4, "steps": 50, "frames": 4, "width": 32,
              "depth": 1, "seed": 0},
    "full": {"freqs": animate.DEFAULT_FREQS, "grid": 128, "stride": 4, "steps": 1000, "frames": 40, "width": 256,
             "depth": 4, "seed": 0},
}


def run(*, freqs, grid: int, stride: int, steps: int, frames: int, width: int, depth: int,
        seed: int) -> tuple[dict, dict]:
    arrays, meta = animate.compute(freqs=freqs, grid=grid, stride=stride, steps=steps, frames=frames, width=width,
                                   depth=depth, seed=seed, execution=nf.QUIET)
    x, train = arrays["x"][:, None], arrays["train"].astype(bool)
    for i, key in enumerate(meta["keys"]):
        k_grid = nf.kernels(animate.models(width, seed, depth)[key], x, execution=nf.QUIET).ntk[:, train]
        zero = nf.predict(k_grid[train], arrays["y"][train], lr=meta["lr"][key], steps=arrays["steps"],
                          ntk_test=k_grid)  # from f(0) = 0
        arrays[f"zero_start_{i}"] = zero.f_test[:, :, 0]  # (F, N) on the whole grid
    meta["freqs"] = None if meta["freqs"] is None else list(meta["freqs"])
    return arrays, meta
