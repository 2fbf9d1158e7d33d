"""Generalisation from the spectrum: kernel regression's test error against the number of training points n, as the
eigenlearning equations predict it from the NTK's eigenvalues and the target's coefficients (`kernel.learnability`),
and as measured by regressing on random training sets, for several mappings, in 1D (a 1/f signal) and 2D (a 1/f
field); and each mode's predicted learnability.
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from ntk_fourier.kernel import learnability

MAPPINGS = {"none": nf.Mapping("none"), "gaussian sigma=3": nf.Mapping("gaussian", sigma=3.0, features=256),
            "gaussian sigma=10": nf.Mapping("gaussian", sigma=10.0, features=256),
            "power p=1": nf.Mapping("power", p=1.0, features=16)}
DRAWS = 20


def run(quick: bool = False) -> tuple[dict, dict]:
    sizes = {"1d": (256,) if quick else (1024,), "2d": (16, 16) if quick else (32, 32)}
    ns = np.array([8, 16, 32, 64] if quick else [8, 16, 32, 64, 128, 256])
    model = nf.Model(depth=4)
    arrays, meta = {"n": ns}, {"labels": list(MAPPINGS), "sizes": sizes, "draws": DRAWS, "model": model,
                               "learnability_n": 64}
    for dim, shape in sizes.items():
        x = nf.grid(shape)
        y = nf.one_over_f(n=shape if dim == "2d" else shape[0], stride=2, seed=0)["y"]  # the whole grid: y
        for i, (label, mapping) in enumerate(MAPPINGS.items()):
            if label == "power p=1":  # integer frequencies up to a quarter of the grid on each axis
                mapping = mapping.replace(features=shape[0] // 4)
            K = nf.kernels(model.replace(mapping=mapping), x, show_progress=False).ntk
            pop = learnability.population(K, y)
            p = learnability.predict(pop, ns)
            mean, se = learnability.measured(pop, ns, draws=DRAWS, seed=i)
            arrays[f"{dim}_predicted_{i}"], arrays[f"{dim}_measured_{i}"], arrays[f"{dim}_se_{i}"] = \
                p.test_mse, mean, se
            if dim == "1d":  # learnability of each mode at n = 64, with the mode's dominant frequency
                L = learnability.predict(pop, [meta["learnability_n"]]).learnability[0]
                _, U = np.linalg.eigh(K)
                freq = np.argmax(np.abs(np.fft.rfft(U[:, ::-1], axis=0)), axis=0)
                arrays[f"learnability_{i}"], arrays[f"mode_frequency_{i}"] = L, freq
    ratios = {(d, label, int(n)): float(r) for d in sizes for i, label in enumerate(MAPPINGS)
              for n, r in zip(ns, arrays[f"{d}_measured_{i}"] / arrays[f"{d}_predicted_{i}"])}
    worst = max(ratios, key=lambda key: abs(np.log(ratios[key])))
    meta["worst_ratio"], meta["worst_case"] = ratios[worst], list(worst)
    meta["median_ratio"] = float(np.median(list(ratios.values())))
    return arrays, meta
