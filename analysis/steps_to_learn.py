"""Predicted number of gradient-descent steps to learn each frequency k, from the NTK's spectrum on a grid, for Gaussian
Fourier features of several scales sigma and power-law features of several exponents p (and raw inputs).

Training on every point of an N-point grid (n = N values), gradient descent at rate eta shrinks the residual at
frequency k by (1 - eta lambda_k / n) per step, so frequency k is learned (its residual below ``level`` of where it
started) after t_k = ceil(log(level) / log(1 - eta lambda_k / n)) steps, at eta = half the largest stable rate.
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf

LEVEL = 0.1
SIGMAS = (1.0, 3.0, 10.0, 30.0)
POWERS = (0.5, 1.0, 1.5, 2.0)

SETTINGS = {
    "quick": {"size": 128, "sigmas": (3.0, 10.0), "powers": (1.0, 2.0), "level": LEVEL, "depth": 2, "features": 256},
    "full": {"size": 256, "sigmas": SIGMAS, "powers": POWERS, "level": LEVEL, "depth": 2, "features": 256},
}


def steps_to_learn(eigenvalues: np.ndarray, lr: float, n: int, level: float = LEVEL) -> np.ndarray:
    """Smallest whole number of gradient-descent steps t with (1 - lr lambda / n)^t <= ``level``, per eigenvalue
    (float array; ``inf`` where lambda <= 0, i.e. never; at least 1, since at t = 0 nothing is learned).

    Requires 0 < lr lambda / n < 2 for the positive eigenvalues (a stable rate); ``level`` in (0, 1).
    """
    x = lr * np.asarray(eigenvalues, dtype=np.float64) / n
    if np.any(x >= 2.0) or not 0.0 < level < 1.0:
        raise nf.InputError("need a stable learning rate (below 2n / lambda_max) and a level in (0, 1)")
    positive = np.where(x > 0, x, 0.5)
    with np.errstate(divide="ignore", invalid="ignore"):  # x = 1: the factor is 0, log -inf, learned in one step
        # log |1 - x|, the residual's factor per step (x > 1 oscillates); log1p: exact for tiny x
        log_factor = np.where(positive <= 1.0, np.log1p(-np.minimum(positive, 1.0)), np.log(np.abs(1.0 - positive)))
        t = np.maximum(np.ceil(np.log(level) / log_factor), 1.0)
        t = np.where(np.exp((t - 1.0) * log_factor) <= level, t - 1.0, t)  # ceil's rounding, where the ratio is whole
    return np.where(x > 0, np.maximum(t, 1.0), np.inf)


def by_frequency(spectrum: nf.GridSpectrum, half: int) -> np.ndarray:
    """Eigenvalue at each |k| = 0..half of a 1D grid spectrum: the largest eigenvalue labelled +-k (a dense spectrum
    labels each eigenvector by its dominant frequency; NaN where no eigenvector has that label)."""
    lam = np.full(half + 1, np.nan)
    for k, value in zip(np.abs(spectrum.frequencies[:, 0]), spectrum.eigenvalues):
        if k <= half and not value <= lam[k]:
            lam[k] = value
    return lam


def dense_grid_spectrum(model: nf.Model, size: int) -> nf.GridSpectrum:
    """Exact eigenvalues of the NTK on a 1D ``size``-point grid (dense ``eigh``, any kernel), each eigenvector
    labelled by its dominant frequency, as `nf.grid_spectrum` does for non-stationary kernels."""
    lam, vectors = nf.dense_spectrum(nf.kernels(model, nf.grid((size,)), execution=nf.QUIET).ntk)
    dominant = np.argmax(np.abs(np.fft.fft(vectors, axis=0)), axis=0)
    return nf.GridSpectrum(lam, nf.grid_frequencies((size,))[dominant], "dense", float("nan"))


def run(*, size: int, sigmas, powers, level: float, depth: int, features: int) -> tuple[dict, dict]:
    """t_k for raw inputs, Gaussian features of each scale in ``sigmas`` (``features`` of them) and power-law features
    of each exponent in ``powers`` (integer frequencies 1..size/2), behind ReLU MLPs of ``depth`` hidden layers, on a
    ``size``-point grid of [0, 1) (frequency k in cycles per unit interval)."""
    models = {"none": nf.Model(mapping=nf.Mapping("none"), depth=depth)}
    models.update({f"gaussian sigma={s:g}": nf.Model(mapping=nf.Mapping("gaussian", sigma=s, features=features),
                                                     depth=depth) for s in sigmas})
    models.update({f"power p={p:g}": nf.Model(mapping=nf.Mapping("power", p=p, features=size // 2), depth=depth)
                   for p in powers})
    arrays = {"k": np.arange(size // 2 + 1)}
    meta = {"labels": list(models), "size": size, "level": level, "depth": depth, "features": features,
            "sigmas": [float(s) for s in sigmas], "powers": [float(p) for p in powers], "lr": {}, "methods": {}}
    for i, (label, model) in enumerate(models.items()):
        spectrum = (nf.grid_spectrum(model, (size,), execution=nf.QUIET) if nf.is_periodic(model.mapping, 1)
                    else dense_grid_spectrum(model, size))  # exact eigenvalues where the kernel is not periodic
        lr = 0.5 * nf.max_stable_lr(spectrum.eigenvalues, size)
        lam = by_frequency(spectrum, size // 2)
        arrays[f"eigenvalues_{i}"] = lam
        arrays[f"steps_{i}"] = np.where(np.isnan(lam), np.nan, steps_to_learn(np.nan_to_num(lam), lr, size, level))
        meta["lr"][label], meta["methods"][label] = lr, spectrum.method
    return arrays, meta
