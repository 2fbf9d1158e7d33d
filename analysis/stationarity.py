"""The stationarity toy (Tancik et al. 2020, Fig. 14): the same narrow bump at different positions of [0, 1), fitted
from every 8th point of a 256-point grid with raw coordinates (mapping none) and with the basic mapping
[cos 2 pi x, sin 2 pi x]. With raw coordinates the kernel is not stationary, so the error depends on where the bump
is; with the basic mapping the kernel is a function of x - x' (periodic), so it does not. Predicted by the NTK and
measured on trained (centred) networks.
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis.common import predicted_and_trained

MAPPINGS = ("none", "basic")
WIDTH = 0.03  # the bump's standard deviation


def bump(center: float, n: int = 256, stride: int = 8) -> dict:
    """A periodic Gaussian bump of width `WIDTH` at ``center`` on the n-point grid; train on every stride-th point."""
    x = nf.grid((n,))
    offset = (x[:, 0] - center + 0.5) % 1.0 - 0.5  # wrapped distance to the centre
    y = np.exp(-0.5 * (offset / WIDTH) ** 2)
    train = np.arange(n) % stride == 0
    return {"x_train": x[train], "y_train": y[train], "x_test": x[~train], "y_test": y[~train]}


def run(quick: bool = False) -> tuple[dict, dict]:
    centers = np.linspace(0.0, 1.0, 5 if quick else 17)[:-1] + 1 / 64  # off the training points
    width, seeds, steps, depth = (64, 1, 200, 2) if quick else (512, 2, 2000, 4)
    arrays = {"center": centers}
    meta = {"mappings": list(MAPPINGS), "width": width, "seeds": seeds, "steps": steps, "bump_width": WIDTH,
            "model": nf.Model(depth=depth, width=width)}
    for mapping in MAPPINGS:
        model = meta["model"].replace(mapping=nf.Mapping(mapping))
        rows = [predicted_and_trained(model, bump(c), steps=steps, seeds=seeds) for c in centers]
        arrays[f"predicted_{mapping}"] = np.array([r["predicted"] for r in rows])
        arrays[f"trained_{mapping}"] = np.array([r["trained"] for r in rows])
    meta["spread"] = {f"{kind} {m}": float(arrays[f"{kind}_{m}"].max() / arrays[f"{kind}_{m}"].min())
                      for kind in ("predicted", "trained") for m in MAPPINGS}
    return arrays, meta
