"""Train and test error vs step across power-law mappings p (Tancik et al. 2020, Fig. 3): trained networks vs the
NTK prediction started at t = 0 from each network's own outputs, at a main width and a narrower control width (a
gap that is larger at the narrower width is a finite-width effect), and, for one p, the control networks trained in
float64 as well (a gap that float64 removes is float32 round-off)."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis import common

POWERS = (0.0, 0.5, 1.0, 1.5, 2.0, float("inf"))

SETTINGS = {
    "quick": {"powers": (0.0, 1.0, float("inf")), "width": 64, "control_width": 16, "seeds": 2,
              "steps": common.QUICK_STEPS, "float64_power": 0.0, "features": 128, "depth": 2},
    "full": {"powers": POWERS, "width": 256, "control_width": 64, "seeds": 3, "steps": common.STEPS,
             "float64_power": 0.0, "features": 128, "depth": 2},
    "paper": {"powers": POWERS, "width": 1024, "control_width": 256, "seeds": 3, "steps": common.STEPS,
              "float64_power": 0.0, "features": 128, "depth": 2},
}


def _label(p: float) -> str:
    return f"{p:g}"


def _networks(model, data, kern, *, lr, steps, seeds, dtype=np.float32) -> dict:
    """Train and test MSE ``(T, S)`` of ``seeds`` networks and of the NTK prediction from each one's own f(0)."""
    run = nf.train(model, data["x_train"], data["y_train"], data["x_test"], data["y_test"], lr=lr, steps=steps,
                   seeds=seeds, dtype=dtype, execution=nf.QUIET)
    predicted = [nf.predict(kern["train"], data["y_train"], lr=lr, steps=steps, ntk_test=kern["test"],
                            y_test=data["y_test"], f0_train=run.f_train[0, s], f0_test=run.f_test[0, s])
                 for s in range(seeds)]
    return {"mse_train": run.mse_train, "mse_test": run.mse_test,
            "pred_train": np.stack([q.mse_train for q in predicted], 1),
            "pred_test": np.stack([q.mse_test for q in predicted], 1)}


def run(*, powers, width: int, control_width: int, seeds: int, steps, float64_power: float, features: int,
        depth: int) -> tuple[dict, dict]:
    """For each p in ``powers``: ``seeds`` networks of ``width`` and of ``control_width`` (depth ``depth``, power-law
    features on the integer frequencies 1..``features``), trained on the 1D 1/f problem at half the largest stable
    rate of the NTK, with their from-init predictions; for p = ``float64_power``, the control networks in float64."""
    data = common.tancik_1d()
    arrays = {"steps": np.array(steps)}
    meta = {"powers": [_label(p) for p in powers], "lr": {}, "width": width, "control_width": control_width,
            "seeds": seeds, "float64_power": _label(float64_power), "features": features, "depth": depth,
            "n_train": len(data["y_train"]), "n_test": len(data["y_test"]),
            "model": nf.Model(mapping=nf.Mapping("power", features=features), depth=depth, width=width)}
    models = [nf.Model(mapping=nf.Mapping("power", features=features, p=p), depth=depth) for p in powers]
    train = nf.kernel.sweep(models, data["x_train"]).ntk  # every p in one vmapped call
    test = nf.kernel.sweep(models, data["x_test"], data["x_train"]).ntk
    for i, (p, model) in enumerate(zip(powers, models)):
        kern = {"train": train[i], "test": test[i]}
        lr = 0.5 * nf.max_stable_lr(np.linalg.eigvalsh(kern["train"]), data["y_train"].size)
        meta["lr"][_label(p)] = lr
        runs = {"": (width, np.float32), "control_": (control_width, np.float32)}
        if p == float64_power:
            runs["float64_"] = (control_width, np.float64)
        for prefix, (w, dtype) in runs.items():
            for key, value in _networks(model.replace(width=w), data, kern, lr=lr, steps=steps, seeds=seeds,
                                        dtype=dtype).items():
                arrays[f"{prefix}{key}_{i}"] = value
    return arrays, meta
