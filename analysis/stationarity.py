"""The stationarity toy (Tancik et al. 2020, Fig. 14): the same narrow bump at different positions of [0, 1), fitted
from every 8th point of a 256-point grid with raw coordinates (mapping none) and with the basic mapping
[cos 2 pi x, sin 2 pi x]. With raw coordinates the kernel is not stationary, so the error depends on where the bump
is; with the basic mapping the kernel is a function of x - x' (periodic), so it does not. Predicted by the NTK and
measured on trained (centred) networks, several per position, all trained together (`common.train_centred`).
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis.common import ntk_prediction, train_centred

MAPPINGS = ("none", "basic")
WIDTH = 0.03  # the bump's standard deviation
SETTINGS = {
    "quick": {"positions": 8, "depth": 4, "width": 64, "steps": 500, "seeds": 2},
    "full": {"positions": 16, "depth": 4, "width": 128, "steps": 1000, "seeds": 3},
    "paper": {"positions": 16, "depth": 4, "width": 512, "steps": 2000, "seeds": 2},
}


def bump(center: float, n: int = 256, stride: int = 8) -> dict:
    """A periodic Gaussian bump of width `WIDTH` at ``center`` on the n-point grid; train on every stride-th point."""
    x = nf.grid((n,))
    offset = (x[:, 0] - center + 0.5) % 1.0 - 0.5  # wrapped distance to the centre
    y = np.exp(-0.5 * (offset / WIDTH) ** 2)
    train = np.arange(n) % stride == 0
    return {"x_train": x[train], "y_train": y[train], "x_test": x[~train], "y_test": y[~train]}


def run(*, positions: int, depth: int, width: int, steps: int, seeds: int) -> tuple[dict, dict]:
    """Test MSE ``predicted_MAPPING (positions,)`` and ``trained_MAPPING (positions, seeds)`` of the bump at
    ``positions`` evenly spaced centres, each half a training-grid step (1/64) off the training points."""
    centers = np.linspace(0.0, 1.0, positions + 1)[:-1] + 1 / 64
    data = [bump(c) for c in centers]
    x_train, x_test = data[0]["x_train"], data[0]["x_test"]
    y_train = np.stack([d["y_train"] for d in data], 1)
    y_test = np.stack([d["y_test"] for d in data], 1)
    model = nf.Model(depth=depth, width=width)
    arrays = {"center": centers}
    lrs = {}
    for mapping in MAPPINGS:
        m = model.replace(mapping=nf.Mapping(mapping))
        arrays[f"predicted_{mapping}"], lrs[mapping] = ntk_prediction(m, x_train, x_test, y_train, y_test, steps=steps)
        encoded, encoded_test = nf.encode(m.mapping, x_train), nf.encode(m.mapping, x_test)
        f_test = train_centred(m, np.repeat(encoded[None], positions, 0), y_train.T,
                               np.repeat(encoded_test[None], positions, 0), lr=lrs[mapping], steps=steps,
                               seeds=seeds)  # (positions, seeds, m)
        arrays[f"trained_{mapping}"] = np.mean((f_test - y_test.T[:, None]) ** 2, axis=-1)
    meta = {"mappings": list(MAPPINGS), "model": model.replace(mapping=nf.Mapping("none")), "depth": depth,
            "width": width, "seeds": seeds, "steps": steps, "bump_width": WIDTH, "grid": 256, "stride": 8, "lr": lrs}
    return arrays, meta
