"""Spectral bias heatmaps (Rahaman et al. 2019): residual per frequency vs step, networks vs NTK prediction.

A target with equal amplitude at several frequencies on a periodic 1D grid of [0, 1) (all points are training
points); for a raw-input ReLU net, Gaussian Fourier features and a SIREN, one network per model is trained by
gradient descent at half the largest stable rate and compared with the NTK prediction started from that network's
own f(0). Saved: the outputs f_t on the grid at every recorded step, for both (the residual per frequency,
|FFT(f_t - y)| at k cycles per unit interval, is computed from them by the figure).
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis import common

FREQUENCIES = (2, 4, 8, 12, 16, 20, 24)

SETTINGS = {
    "quick": {"n": 64, "width": 64, "steps": common.QUICK_STEPS, "frequencies": FREQUENCIES, "depth": 2,
              "sigma": 10.0},
    "full": {"n": 64, "width": 512, "steps": common.STEPS, "frequencies": FREQUENCIES, "depth": 2, "sigma": 10.0},
    "paper": {"n": 64, "width": 1024, "steps": common.STEPS, "frequencies": FREQUENCIES, "depth": 2,
              "sigma": 10.0},
}


def models(depth: int, sigma: float) -> dict[str, nf.Model]:
    return {"none": nf.Model(mapping=nf.Mapping("none"), depth=depth),
            f"gaussian sigma={sigma:g}": nf.Model(mapping=nf.Mapping("gaussian", sigma=sigma, features=256),
                                                  depth=depth),
            "siren": nf.siren_model(depth=depth)}


def run(*, n: int, width: int, steps, frequencies, depth: int, sigma: float) -> tuple[dict, dict]:
    """One network of ``width`` per model (``depth`` hidden layers; Gaussian features of scale ``sigma``) trained on
    y = sum of sin(2 pi k x) over ``frequencies``, scaled to max |y| = 1, on the ``n``-point grid, and its NTK
    prediction from its own f(0), recorded at ``steps``."""
    x = nf.grid((n,))
    y = np.sin(2 * np.pi * x * np.array(frequencies)).sum(1)
    y = y / np.abs(y).max()  # max |y| = 1, as the 1/f data
    arrays = {"steps": np.array(steps), "x": x[:, 0], "y": y}
    meta = {"labels": [], "lr": {}, "grid": n, "width": width, "depth": depth, "sigma": sigma,
            "frequencies": list(frequencies), "seed": 0}
    for i, (label, model) in enumerate(models(depth, sigma).items()):
        k_train = nf.kernels(model, x, execution=nf.QUIET).ntk
        lr = 0.5 * nf.max_stable_lr(np.linalg.eigvalsh(k_train), n)
        run = nf.train(model.replace(width=width), x, y, x, y, lr=lr, steps=steps, seed=0, execution=nf.QUIET)
        predicted = nf.predict(k_train, y, lr=lr, steps=steps, f0_train=run.f_train[0, 0])
        arrays[f"measured_{i}"] = run.f_train[:, 0, :, 0]  # (T, n)
        arrays[f"predicted_{i}"] = predicted.f_train[:, :, 0]
        meta["labels"].append(label)
        meta["lr"][label] = lr
        meta[f"model_{i}"] = model.replace(width=width)
    return arrays, meta
