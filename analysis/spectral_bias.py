"""Spectral bias heatmaps (Rahaman et al. 2019): residual per frequency vs step, networks vs NTK prediction.

A target with equal amplitude at several frequencies on a periodic 1D grid (all points are training points); for a
raw-input ReLU net, Gaussian Fourier features and a SIREN, one network per model is trained by gradient descent at
half the largest stable rate and compared with the NTK prediction started from that network's own f(0). Saved:
|FFT(f_t - y)| per frequency and step, for both.
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis import common

FREQUENCIES = (2, 4, 8, 12, 16, 20, 24)


def models(quick: bool) -> dict[str, nf.Model]:
    return {"none": nf.Model(mapping=nf.Mapping("none"), depth=2),
            "gaussian sigma=10": nf.Model(mapping=nf.Mapping("gaussian", sigma=10.0, features=256), depth=2),
            "siren": nf.siren_model(depth=2)}


def run(quick: bool = False, n: int = 64) -> tuple[dict, dict]:
    x = nf.grid((n,))
    y = np.sin(2 * np.pi * x * np.array(FREQUENCIES)).sum(1)
    y = y / np.abs(y).max()  # max |y| = 1, as the 1/f data
    data = {"x_train": x, "y_train": y, "x_test": x, "y_test": y}
    steps, width = common.steps(quick), common.width(quick)
    arrays, meta = {"steps": np.array(steps), "y_hat": np.abs(np.fft.rfft(y))}, {"labels": [], "lr": {},
                                                                                  "deviation": {}}
    for i, (label, model) in enumerate(models(quick).items()):
        lr = common.half_stable_lr(model, x, n)
        check = nf.cross_check(model, data, [width], seeds=1, lr=lr, steps=steps, decompose=False,
                               show_progress=False).checks[0]
        arrays[f"measured_{i}"] = np.abs(np.fft.rfft(check.run.f_train[:, 0, :, 0] - y, axis=1))  # (T, n/2+1)
        arrays[f"predicted_{i}"] = np.abs(np.fft.rfft(check.predictions[0].f_train[:, :, 0] - y, axis=1))
        meta["labels"].append(label)
        meta["lr"][label] = lr
        meta["deviation"][label] = check.deviation
        meta[f"model_{i}"] = model.replace(width=width)
    meta.update(grid=n, width=width, frequencies=FREQUENCIES)
    return arrays, meta
