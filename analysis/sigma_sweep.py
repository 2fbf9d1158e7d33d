"""Test error vs Gaussian mapping scale sigma: trained networks, the NTK prediction from each network's own start,
the infinite-ensemble mean (start at zero) and the converged kernel regression (under- vs over-fitting)."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis import common

SIGMAS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)

SETTINGS = {
    "quick": {"sigmas": (1.0, 8.0, 64.0), "width": 64, "seeds": 2, "steps": 50, "features": 256, "depth": 2},
    "full": {"sigmas": SIGMAS, "width": 256, "seeds": 3, "steps": 1000, "features": 256, "depth": 2},
    "paper": {"sigmas": SIGMAS, "width": 1024, "seeds": 3, "steps": 1000, "features": 256, "depth": 2},
}


def run(*, sigmas, width: int, seeds: int, steps: int, features: int, depth: int) -> tuple[dict, dict]:
    """For each sigma: ``seeds`` networks of ``width`` (``depth`` hidden ReLU layers after ``features`` Gaussian
    features of scale sigma) trained ``steps`` gradient-descent steps on the 1D 1/f problem at half the largest
    stable rate; the NTK prediction from each network's own f(0); the infinite-ensemble mean (from f(0) = 0); and
    kernel regression, its limit t -> infinity. Arrays per sigma (rows) and seed (columns) at the last step."""
    data = common.tancik_1d()
    rows = {k: [] for k in ("net_test", "net_train", "pred_test", "pred_train", "mean_test", "mean_train",
                            "converged_test")}
    lrs = []
    models = [nf.Model(mapping=nf.Mapping("gaussian", sigma=sigma, features=features), depth=depth)
              for sigma in sigmas]
    trains = nf.kernel.sweep(models, data["x_train"]).ntk  # every sigma in one vmapped call
    tests = nf.kernel.sweep(models, data["x_test"], data["x_train"]).ntk
    for model, k_train, k_test in zip(models, trains, tests):
        lr = 0.5 * nf.max_stable_lr(np.linalg.eigvalsh(k_train), data["y_train"].size)
        run = nf.train(model.replace(width=width), data["x_train"], data["y_train"], data["x_test"], data["y_test"],
                       lr=lr, steps=[0, steps], seeds=seeds, execution=nf.QUIET)
        own = [nf.predict(k_train, data["y_train"], lr=lr, steps=[steps], ntk_test=k_test, y_test=data["y_test"],
                          f0_train=run.f_train[0, s], f0_test=run.f_test[0, s]) for s in range(seeds)]
        mean = nf.predict(k_train, data["y_train"], lr=lr, steps=[steps], ntk_test=k_test, y_test=data["y_test"])
        f = k_test @ np.linalg.solve(k_train, data["y_train"])  # t -> infinity, ensemble mean: kernel regression
        rows["net_test"].append(run.mse_test[-1])
        rows["net_train"].append(run.mse_train[-1])
        rows["pred_test"].append([p.mse_test[-1] for p in own])
        rows["pred_train"].append([p.mse_train[-1] for p in own])
        rows["mean_test"].append(mean.mse_test[-1])
        rows["mean_train"].append(mean.mse_train[-1])
        rows["converged_test"].append(np.mean((f - data["y_test"]) ** 2))
        lrs.append(lr)
    arrays = {"sigmas": np.array(sigmas), "lr": np.array(lrs), **{k: np.array(v) for k, v in rows.items()}}
    meta = {"width": width, "seeds": seeds, "steps": steps, "features": features, "depth": depth,
            "n_train": len(data["y_train"]), "n_test": len(data["y_test"]),
            "model": nf.Model(mapping=nf.Mapping("gaussian", features=features), depth=depth, width=width)}
    return arrays, meta
