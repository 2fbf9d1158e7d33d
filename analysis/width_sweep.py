"""Networks of several widths vs the NTK prediction on the 1D setting (Gaussian features): per-eigenmode decay,
deviation vs width, and NTK drift — the data of three gallery figures."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis import common

SETTINGS = {
    "quick": {"widths": [32, 64, 128], "seeds": 3, "steps": common.QUICK_STEPS, "depth": 1},
    "full": {"widths": [256, 512, 1024, 2048, 4096], "seeds": 3, "steps": common.STEPS, "depth": 1},
    "paper": {"widths": [256, 512, 1024, 2048, 4096], "seeds": 8, "steps": common.STEPS, "depth": 2},
}


def run(widths, seeds: int, steps, depth: int, sigma: float = 10.0, features: int = 256) -> tuple[dict, dict]:
    data = common.tancik_1d()
    model = nf.Model(mapping=nf.Mapping("gaussian", sigma=sigma, features=features), depth=depth)
    lr = common.half_stable_lr(model.replace(width=widths[-1]), data["x_train"], data["y_train"].size)
    c = nf.cross_check(model, data, widths, seeds=seeds, lr=lr, steps=steps, decompose=False, execution=nf.QUIET)
    arrays = {"steps": np.array(steps), "widths": np.array(widths), "eigenvalues": c.eigenvalues,
              "deviation": np.array([k.deviation_per_seed for k in c.checks]),  # (W, S)
              "deviation_test": np.array([_test_deviation(k, data["y_test"].reshape(-1, 1)) for k in c.checks]),
              "drift": np.array([k.run.drift for k in c.checks])}  # (W, T, S)
    for j, k in enumerate(c.checks):  # |residual along eigenvector i|, rms over outputs: (T, S, n)
        arrays[f"measured_modes_{j}"] = np.sqrt(np.mean(k.measured_modes**2, axis=3))
        arrays[f"predicted_modes_{j}"] = np.sqrt(np.mean(
            np.stack([p.mode_residuals for p in k.predictions], 1) ** 2, axis=3))
        arrays[f"mse_train_{j}"] = k.run.mse_train
    meta = {"model": model, "lr": lr, "seeds": seeds, "widths": widths, "n_train": len(data["x_train"]),
            "n_test": len(data["x_test"]), "train_seconds": [k.run.seconds for k in c.checks]}
    return arrays, meta


def _test_deviation(check, y_test: np.ndarray) -> np.ndarray:
    """Per network: its largest relative gap to its own prediction over training on the test points, (S,)."""
    run, out = check.run, []
    for s, p in enumerate(check.predictions):
        gap = np.sqrt(np.sum((run.f_test[:, s] - p.f_test) ** 2, axis=(1, 2)))
        out.append(np.max(gap) / np.linalg.norm(y_test - run.f_test[0, s]))
    return np.array(out)
