"""Axis-aligned against isotropic features (Tancik et al. 2020, Fig. 11): a 2D signal of plane waves, rotated by an
angle theta, fitted from every other point of a 32 x 32 grid with the positional encoding (frequencies along the
axes only) and with Gaussian features (directions uniform). The positional encoding's kernel prefers the axes, so its
error changes with theta; the Gaussian kernel is isotropic on average, so the error hardly does. Predicted by the NTK
and measured on trained (centred) networks.
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis.common import predicted_and_trained

MAPPINGS = {"positional": nf.Mapping("positional", sigma=8.0, features=8),
            "gaussian": nf.Mapping("gaussian", sigma=3.0, features=256)}
WAVES = ((4.0, 0.0), (4.0, np.pi / 2), (6.0, np.pi / 4))  # (frequency, direction) before the rotation


def rotated_waves(theta: float, n: int = 32, stride: int = 2) -> dict:
    """Plane waves `WAVES` rotated by ``theta`` on the n x n grid of [0, 1)^2; train on every stride-th point."""
    x = nf.grid((n, n))
    y = sum(np.cos(2 * np.pi * r * (np.cos(a + theta) * x[:, 0] + np.sin(a + theta) * x[:, 1])) for r, a in WAVES)
    index = np.stack(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"), -1).reshape(-1, 2)
    train = np.all(index % stride == 0, axis=1)
    return {"x_train": x[train], "y_train": y[train] / 3, "x_test": x[~train], "y_test": y[~train] / 3}


def run(quick: bool = False) -> tuple[dict, dict]:
    angles = np.linspace(0.0, np.pi / 4, 3 if quick else 7)
    width, seeds, steps, depth = (64, 1, 200, 2) if quick else (256, 1, 1000, 4)
    arrays = {"angle": angles}
    meta = {"mappings": {k: v for k, v in MAPPINGS.items()}, "width": width, "seeds": seeds, "steps": steps,
            "model": nf.Model(depth=depth, width=width), "waves": [list(w) for w in WAVES]}
    for name, mapping in MAPPINGS.items():
        rows = [predicted_and_trained(meta["model"].replace(mapping=mapping), rotated_waves(a), steps=steps,
                                      seeds=seeds) for a in angles]
        arrays[f"predicted_{name}"] = np.array([r["predicted"] for r in rows])
        arrays[f"trained_{name}"] = np.array([r["trained"] for r in rows])
    meta["spread"] = {f"{kind} {name}": float(arrays[f"{kind}_{name}"].max() / arrays[f"{kind}_{name}"].min())
                      for kind in ("predicted", "trained") for name in MAPPINGS}
    return arrays, meta
