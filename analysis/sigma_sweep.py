"""Test error vs Gaussian mapping scale sigma: kernel prediction and trained networks (under- vs over-fitting)."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis import common

SIGMAS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)


def run(quick: bool = False) -> tuple[dict, dict]:
    data = common.tancik_1d()
    steps, width = common.steps(quick), common.width(quick)
    sigmas = SIGMAS[::3] if quick else SIGMAS
    rows = {k: [] for k in ("net_test", "net_train", "pred_test", "pred_train", "mean_test", "converged_test")}
    for sigma in sigmas:
        model = nf.Model(mapping=nf.Mapping("gaussian", sigma=sigma, features=256), depth=2)
        lr = common.half_stable_lr(model, data["x_train"], data["y_train"].size)
        c = nf.cross_check(model, data, [width], seeds=2, lr=lr, steps=steps, decompose=False, show_progress=False)
        check = c.checks[0]
        rows["net_test"].append(check.run.mse_test[-1].mean())
        rows["net_train"].append(check.run.mse_train[-1].mean())
        rows["pred_test"].append(np.mean([p.mse_test[-1] for p in check.predictions]))
        rows["pred_train"].append(np.mean([p.mse_train[-1] for p in check.predictions]))
        rows["mean_test"].append(c.ensemble_mean.mse_test[-1])  # infinite-ensemble mean at the last step
        k = nf.kernels(model, data["x_train"], show_progress=False)
        ks = nf.kernels(model, data["x_test"], data["x_train"], show_progress=False)
        f = ks.ntk @ np.linalg.solve(k.ntk, data["y_train"])  # t -> infinity, ensemble mean: kernel regression
        rows["converged_test"].append(np.mean((f - data["y_test"]) ** 2))
    arrays = {"sigmas": np.array(sigmas), **{k: np.array(v) for k, v in rows.items()}}
    return arrays, {"width": width, "seeds": 2, "steps": steps[-1], "model": nf.Model(depth=2, width=width)}
