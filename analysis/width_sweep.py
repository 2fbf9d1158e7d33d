"""Networks of several widths vs the NTK prediction on the 1D setting (Gaussian features): per-eigenmode decay,
deviation vs width, and NTK drift — the data of three gallery figures."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis import common


def run(quick: bool = False) -> tuple[dict, dict]:
    data = common.tancik_1d()
    model = nf.Model(mapping=nf.Mapping("gaussian", sigma=10.0, features=256), depth=2)
    widths = [32, 128] if quick else [128, 512, 2048]
    steps = common.steps(quick)
    lr = common.half_stable_lr(model.replace(width=widths[-1]), data["x_train"], data["y_train"].size)
    c = nf.cross_check(model, data, widths, seeds=2, lr=lr, steps=steps, decompose=False, show_progress=False)
    arrays = {"steps": np.array(steps), "widths": np.array(widths), "eigenvalues": c.eigenvalues,
              "deviation": np.array([k.deviation for k in c.checks]),
              "deviation_test": np.array([k.deviation_test for k in c.checks])}
    for j, k in enumerate(c.checks):
        arrays[f"drift_{j}"] = k.run.drift  # (T, S)
        arrays[f"measured_modes_{j}"] = np.sqrt(np.mean(k.measured_modes**2, axis=(1, 3)))  # (T, n): rms over seeds
        arrays[f"predicted_modes_{j}"] = np.sqrt(np.mean(
            np.stack([p.mode_residuals for p in k.predictions], 1) ** 2, axis=(1, 3)))
    final_drift = [k.run.drift[-1].mean() for k in c.checks]
    meta = {"model": model, "lr": lr, "seeds": 2, "widths": widths, "slope": c.slope, "slope_test": c.slope_test,
            "drift_slope": nf.fit_slope(widths, final_drift), "n_train": len(data["x_train"]),
            "train_seconds": [k.run.seconds for k in c.checks],
            "top_mode_after_one_step": float(arrays[f"measured_modes_{len(widths) - 1}"][steps.index(1), 0]
                                             / arrays[f"measured_modes_{len(widths) - 1}"][0, 0])}
    return arrays, meta
