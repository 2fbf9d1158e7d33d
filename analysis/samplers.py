"""Frequency samplers (Tancik et al. 2020, Figs. 4 and 13): Gaussian, uniform, Laplacian and uniform-log random
Fourier features at several scales on the 1D 1/f problem. Test error of the NTK prediction (for several draws of the
features and several signals) and of trained (centred) networks against the scale: for the samplers parameterised by
their standard deviation sigma, the scale moves the error far more than the distribution's shape does; uniform-log's
sigma is its largest frequency instead.
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis import common

SAMPLERS = ("gaussian", "uniform", "laplacian", "uniform_log")
SETTINGS = {
    "quick": {"sigmas": [1.0, 4.0, 16.0, 64.0], "signals": 2, "draws": 2, "features": 256, "depth": 2, "steps": 200,
              "width": 64, "seeds": 1, "trained_signals": 1},
    "full": {"sigmas": [float(2 ** k) for k in range(8)], "signals": 4, "draws": 3, "features": 256, "depth": 4,
             "steps": 1000, "width": 128, "seeds": 1, "trained_signals": 2},
    "paper": {"sigmas": [float(2 ** k) for k in range(8)], "signals": 3, "draws": 1, "features": 256, "depth": 4,
              "steps": 1000, "width": 512, "seeds": 2, "trained_signals": 3},
}


def run(*, sigmas, signals: int, draws: int, features: int, depth: int, steps: int, width: int, seeds: int,
        trained_signals: int) -> tuple[dict, dict]:
    """Predicted test MSE ``predicted_SAMPLER (sigmas, draws, signals)`` for feature draws (mapping seeds) 0..draws-1
    and 1/f signals (seeds) 0..signals-1; trained ``trained_SAMPLER (sigmas, trained_signals, seeds)`` for draw 0 and
    the first ``trained_signals`` signals, at half the stable rate of each kernel."""
    data = [nf.one_over_f(n=256, stride=8, seed=s) for s in range(signals)]
    x_train, x_test = data[0]["x_train"], data[0]["x_test"]
    y_train = np.stack([d["y_train"] for d in data], 1)
    y_test = np.stack([d["y_test"] for d in data], 1)
    model = nf.Model(depth=depth, width=width, mapping=nf.Mapping("none"))  # each mapping replaces "none"
    sigmas = np.asarray(sigmas, float)
    arrays = {"sigma": sigmas}
    problems = {"x": [], "xt": [], "y": [], "lr": []}
    for sampler in SAMPLERS:
        predicted = np.zeros((len(sigmas), draws, signals))
        for i, sigma in enumerate(sigmas):
            for draw in range(draws):
                mapping = nf.Mapping(sampler, sigma=float(sigma), features=features, seed=draw)
                predicted[i, draw], lr = common.ntk_prediction(model.replace(mapping=mapping), x_train, x_test, y_train,
                                                        y_test, steps=steps)
                if draw == 0:  # the trained networks: feature draw 0, the first signals
                    for s in range(trained_signals):
                        problems["x"].append(nf.encode(mapping, x_train))
                        problems["xt"].append(nf.encode(mapping, x_test))
                        problems["y"].append(y_train[:, s])
                        problems["lr"].append(lr)
        arrays[f"predicted_{sampler}"] = predicted
    f_test = common.train_centred(model, np.stack(problems["x"]), np.stack(problems["y"]), np.stack(problems["xt"]),
                           lr=problems["lr"], steps=steps, seeds=seeds)  # (problems, seeds, m)
    mse = np.mean((f_test - np.tile(y_test[:, :trained_signals].T, (len(problems["x"]) // trained_signals, 1))[:, None])
                  ** 2, axis=-1).reshape(len(SAMPLERS), len(sigmas), trained_signals, seeds)
    for k, sampler in enumerate(SAMPLERS):
        arrays[f"trained_{sampler}"] = mse[k]
    meta = {"samplers": list(SAMPLERS), "model": model, "features": features, "steps": steps,
            "signals": signals, "draws": draws, "trained_signals": trained_signals, "seeds": seeds, "width": width,
            "lr": "half the largest stable rate of each kernel"}
    return arrays, meta
