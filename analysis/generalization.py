"""Generalisation from the spectrum: kernel regression's test error against the number of training points n, as the
eigenlearning equations predict it from the NTK's eigenvalues and the target's coefficients (`kernel.learnability`),
and as measured by regressing on random training sets, for several mappings, in 1D (a 1/f signal) and 2D (a 1/f
field); with two controls on the 1D mapping in focus: Gaussian features of the same eigenvalues and coefficients (the
design under which the equations are exact), and a ridge sweep; and each mode's predicted learnability.

Training sets: n distinct points drawn at random (without replacement) from a grid of at least 8 n points (the
population); the test error is the mean over the whole population, as the equations define it; the same training
sets for every mapping.
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from ntk_fourier.kernel import learnability

LABELS = ("none", "gaussian sigma=3", "gaussian sigma=10", "power p=1")

SETTINGS = {
    "quick": {"size_1d": 256, "size_2d": 16, "ns": [8, 16, 32], "draws": 60, "control_draws": 60,
              "ridges": [0.3, 1.0, 3.0, 10.0], "focus": "gaussian sigma=10", "learnability_n": 16, "depth": 4},
    "full": {"size_1d": 1024, "size_2d": 32, "ns": [8, 16, 32, 64, 128], "draws": 200, "control_draws": 200,
             "ridges": [0.1, 0.3, 1.0, 3.0, 10.0, 30.0], "focus": "gaussian sigma=10", "learnability_n": 64,
             "depth": 4},
    "paper": {"size_1d": 2048, "size_2d": 48, "ns": [8, 16, 32, 64, 128, 256], "draws": 400, "control_draws": 400,
              "ridges": [0.1, 0.3, 1.0, 3.0, 10.0, 30.0], "focus": "gaussian sigma=10", "learnability_n": 64,
              "depth": 4},
}


def mapping(label: str, size: int) -> nf.Mapping:
    """The mapping of ``label`` for a grid of ``size`` points per axis (power-law features: integer frequencies up
    to a quarter of the grid)."""
    return {"none": nf.Mapping("none"), "gaussian sigma=3": nf.Mapping("gaussian", sigma=3.0, features=256),
            "gaussian sigma=10": nf.Mapping("gaussian", sigma=10.0, features=256),
            "power p=1": nf.Mapping("power", p=1.0, features=size // 4)}[label]


def gaps(sets: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per training set of grid indices ``(draws, n)`` on the 1D grid of ``size`` points of [0, 1): the largest gap
    between neighbouring training points (or a training point and an end of the interval) and the sum of the gaps'
    squares."""
    x = np.sort(sets, axis=1) / size
    g = np.diff(np.concatenate([np.zeros((len(x), 1)), x, np.ones((len(x), 1))], axis=1), axis=1)
    return g.max(axis=1), np.sum(g**2, axis=1)


def run(size_1d: int, size_2d: int, ns, draws: int, control_draws: int, ridges, focus: str, learnability_n: int,
        depth: int) -> tuple[dict, dict]:
    ns = np.asarray(ns, dtype=int)
    sizes = {"1d": (size_1d,), "2d": (size_2d, size_2d)}
    for dim, shape in sizes.items():
        if int(np.prod(shape)) < 8 * ns.max():
            raise ValueError(f"the {dim} population ({int(np.prod(shape))} points) must hold at least 8 n = "
                             f"{8 * ns.max()} points")
    model = nf.Model(depth=depth)
    arrays = {"n": ns, "ridges": np.asarray(ridges, dtype=float)}
    meta = {"labels": list(LABELS), "sizes": sizes, "draws": draws, "control_draws": control_draws,
            "model": model, "focus": focus, "learnability_n": learnability_n, "ridge_n": int(ns.max())}
    for dim, shape in sizes.items():
        N = int(np.prod(shape))
        x = nf.grid(shape)
        y = nf.one_over_f(n=shape if dim == "2d" else shape[0], stride=2, seed=0)["y"]  # the whole grid: y
        sets = [learnability.training_sets(N, int(n), draws, seed=int(n)) for n in ns]  # shared by the mappings
        if dim == "1d":
            arrays["largest_gap_1d"], arrays["squared_gaps_1d"] = map(np.array, zip(*(gaps(s, N) for s in sets)))
        for i, label in enumerate(LABELS):
            K = nf.kernels(model.replace(mapping=mapping(label, shape[0])), x, execution=nf.QUIET).ntk
            pop = learnability.population(K, y)
            arrays[f"{dim}_predicted_{i}"] = learnability.predict(pop, ns).test_mse
            arrays[f"{dim}_errors_{i}"] = np.array([learnability.regression_errors(pop, s) for s in sets])
            if dim != "1d":
                continue
            arrays[f"control_{i}"] = np.array([learnability.gaussian_design(pop, int(n), draws=control_draws,
                                                                            seed=1000 + int(n)) for n in ns])
            L = learnability.predict(pop, [learnability_n]).learnability[0]
            arrays[f"learnability_{i}"] = L  # per mode, with the mode's dominant frequency (cycles per unit)
            arrays[f"mode_frequency_{i}"] = np.argmax(np.abs(np.fft.rfft(pop.vectors, axis=0)), axis=0)
            if label == focus:  # the ridge sweep at the largest n, on the same training sets
                arrays["ridge_predicted"] = np.array([learnability.predict(pop, [ns.max()], r).test_mse[0]
                                                      for r in ridges])
                arrays["ridge_errors"] = np.array([learnability.regression_errors(pop, sets[-1], r) for r in ridges])
                meta["kernel_diagonal"] = float(np.mean(np.diag(K)))
    return arrays, meta
