"""Frequency samplers (Tancik et al. 2020, Figs. 4 and 13): Gaussian, uniform, Laplacian and uniform-log random
Fourier features at several scales on the 1D 1/f problem. Test error of the NTK prediction and of trained (centred)
networks against the scale: for the samplers parameterised by their standard deviation sigma the curves collapse
(the scale matters, not the distribution's shape); uniform-log's sigma is its largest frequency instead.
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis.common import predicted_and_trained

SAMPLERS = ("gaussian", "uniform", "laplacian", "uniform_log")


def run(quick: bool = False) -> tuple[dict, dict]:
    sigmas = 2.0 ** np.arange(0, 8, 2 if quick else 1)
    signals = range(1 if quick else 3)
    width, seeds, steps, depth = (64, 1, 200, 2) if quick else (512, 2, 1000, 4)
    arrays = {"sigma": sigmas}
    meta = {"samplers": list(SAMPLERS), "signals": len(signals), "width": width, "seeds": seeds, "steps": steps,
            "model": nf.Model(depth=depth, width=width), "features": 256}
    for sampler in SAMPLERS:
        predicted, trained = np.zeros((len(sigmas), len(signals))), np.zeros((len(sigmas), len(signals)))
        for i, sigma in enumerate(sigmas):
            model = meta["model"].replace(mapping=nf.Mapping(sampler, sigma=float(sigma), features=256))
            for j, s in enumerate(signals):
                r = predicted_and_trained(model, nf.one_over_f(n=256, stride=8, seed=s), steps=steps, seeds=seeds)
                predicted[i, j], trained[i, j] = r["predicted"], r["trained"]
        arrays[f"predicted_{sampler}"], arrays[f"trained_{sampler}"] = predicted, trained
    for kind in ("predicted", "trained"):  # how far apart the three samplers parameterised by their std are
        curves = np.stack([arrays[f"{kind}_{s}"].mean(1) for s in SAMPLERS[:3]])
        meta[f"spread_{kind}"] = float(np.max(curves.max(0) / curves.min(0)))
    return arrays, meta
