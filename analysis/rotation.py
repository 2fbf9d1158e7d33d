"""Axis-aligned against isotropic features (Tancik et al. 2020, Fig. 11): a 2D signal of plane waves, rotated by an
angle theta, fitted from every other point of a 32 x 32 grid with the positional encoding (frequencies along the
axes only) and with Gaussian features (directions uniform). The positional encoding's kernel prefers the axes, so its
error changes with theta; the Gaussian kernel is isotropic on average over the draws of its features, so the error
hardly does. Predicted by the NTK (the Gaussian features for several draws) and measured on trained (centred)
networks (draw 0), all trained together (`common.train_centred`).
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis.common import ntk_prediction, train_centred

MAPPINGS = {"positional": nf.Mapping("positional", sigma=8.0, features=8),
            "gaussian": nf.Mapping("gaussian", sigma=3.0, features=256)}
WAVES = ((4.0, 0.0), (4.0, np.pi / 2), (6.0, np.pi / 4))  # (frequency, direction) before the rotation
SETTINGS = {
    "quick": {"angles": 3, "draws": 2, "depth": 2, "width": 64, "steps": 200, "seeds": 1},
    "full": {"angles": 5, "draws": 4, "depth": 4, "width": 128, "steps": 400, "seeds": 2},
    "paper": {"angles": 7, "draws": 1, "depth": 4, "width": 256, "steps": 1000, "seeds": 1},
}


def rotated_waves(theta: float, n: int = 32, stride: int = 2) -> dict:
    """Plane waves `WAVES` rotated by ``theta`` on the n x n grid of [0, 1)^2; train on every stride-th point."""
    x = nf.grid((n, n))
    y = sum(np.cos(2 * np.pi * r * (np.cos(a + theta) * x[:, 0] + np.sin(a + theta) * x[:, 1])) for r, a in WAVES)
    index = np.stack(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"), -1).reshape(-1, 2)
    train = np.all(index % stride == 0, axis=1)
    return {"x_train": x[train], "y_train": y[train] / 3, "x_test": x[~train], "y_test": y[~train] / 3}


def run(*, angles: int, draws: int, depth: int, width: int, steps: int, seeds: int) -> tuple[dict, dict]:
    """Test MSE ``predicted_MAPPING (angles, draws)`` (the positional encoding has no random draw: ``(angles, 1)``)
    and ``trained_MAPPING (angles, seeds)`` for ``angles`` rotations evenly spaced over 0 to 45 degrees."""
    thetas = np.linspace(0.0, np.pi / 4, angles)
    data = [rotated_waves(a) for a in thetas]
    x_train, x_test = data[0]["x_train"], data[0]["x_test"]
    y_train = np.stack([d["y_train"] for d in data], 1)
    y_test = np.stack([d["y_test"] for d in data], 1)
    model = nf.Model(depth=depth, width=width)
    arrays = {"angle": thetas}
    lrs = {}
    for name, mapping in MAPPINGS.items():
        predicted = []
        for draw in range(draws if name == "gaussian" else 1):
            m = model.replace(mapping=mapping.replace(seed=draw))
            mse, lr = ntk_prediction(m, x_train, x_test, y_train, y_test, steps=steps)
            predicted.append(mse)
            if draw == 0:
                lrs[name] = lr
        arrays[f"predicted_{name}"] = np.array(predicted).T
        m = model.replace(mapping=mapping)
        encoded, encoded_test = nf.encode(mapping, x_train), nf.encode(mapping, x_test)
        f_test = train_centred(m, np.repeat(encoded[None], angles, 0), y_train.T,
                               np.repeat(encoded_test[None], angles, 0), lr=lrs[name], steps=steps, seeds=seeds)
        arrays[f"trained_{name}"] = np.mean((f_test - y_test.T[:, None]) ** 2, axis=-1)
    meta = {"mappings": {k: v for k, v in MAPPINGS.items()}, "model": model.replace(mapping=nf.Mapping("none")),
            "depth": depth, "width": width, "seeds": seeds, "steps": steps, "draws": draws, "grid": 32, "stride": 2,
            "waves": [list(w) for w in WAVES], "lr": lrs}
    return arrays, meta
