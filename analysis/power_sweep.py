"""Train and test error vs step across power-law mappings p (Tancik et al. 2020, Fig. 3), networks vs the NTK
prediction started at t = 0 from each network's own outputs."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis import common

POWERS = (0.0, 0.5, 1.0, 1.5, 2.0, float("inf"))


def run(quick: bool = False) -> tuple[dict, dict]:
    data = common.tancik_1d()
    steps, width = common.steps(quick), common.width(quick)
    arrays, meta = {"steps": np.array(steps)}, {"labels": [], "lr": {}, "width": width, "seeds": 2}
    for i, p in enumerate(POWERS):
        model = nf.Model(mapping=nf.Mapping("power", features=128, p=p), depth=2)
        lr = common.half_stable_lr(model, data["x_train"], data["y_train"].size)
        check = nf.cross_check(model, data, [width], seeds=2, lr=lr, steps=steps, decompose=False,
                               show_progress=False).checks[0]
        arrays[f"mse_train_{i}"], arrays[f"mse_test_{i}"] = check.run.mse_train.mean(1), check.run.mse_test.mean(1)
        arrays[f"pred_train_{i}"] = np.mean([q.mse_train for q in check.predictions], axis=0)
        arrays[f"pred_test_{i}"] = np.mean([q.mse_test for q in check.predictions], axis=0)
        meta["labels"].append(f"p={p:g}")
        meta["lr"][f"p={p:g}"] = lr
    meta["model"] = nf.Model(mapping=nf.Mapping("power", features=128), depth=2, width=width)
    return arrays, meta
