"""Eigenvalues per harmonic degree of ReLU NTK and NNGP on the circle and sphere, with and without bias."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf


def run(quick: bool = False) -> tuple[dict, dict]:
    max_degree = {2: 32 if quick else 128, 3: 16 if quick else 48}
    arrays, meta = {}, {"cases": []}
    for dim in (2, 3):
        for b_std in (0.0, 0.5):
            model = nf.Model(mapping=nf.Mapping("none"), depth=1, b_std=b_std)
            for which in ("ntk", "nngp"):
                degrees, mu, _ = nf.harmonic_spectrum(model, dim, max_degree[dim], which=which)
                key = f"d{dim}_b{b_std:g}_{which}"
                arrays[key], arrays[f"degrees_d{dim}"] = mu, degrees
                even = degrees[(degrees >= 8) & (degrees % 2 == 0)]
                meta["cases"].append({"key": key, "dim": dim, "b_std": b_std, "kernel": which,
                                      "slope_even": float(np.polyfit(np.log(even), np.log(mu[even]), 1)[0])})
    meta["model"] = nf.Model(mapping=nf.Mapping("none"), depth=1)
    return arrays, meta
