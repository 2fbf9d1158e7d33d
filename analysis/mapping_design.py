"""NTK-guided mapping design on the 1D 1/f^alpha problems (alpha = 1, 1.5, 2): the best power-law exponent p of a grid
search against per-frequency amplitudes designed by gradient descent through the NTK's predicted test error
(`kernel.design`, `compare.design_check.experiment`), both measured on test signals, predicted and on trained
(centred) networks. Designed on the whole signal class (`design.one_over_f_class`), validated and tested on drawn
signals. The networks of both mappings, every test signal and seed, are trained together
(`common.train_centred`: the same networks as `design_check.trained_errors`).
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis.common import train_centred
from ntk_fourier.compare import design_check
from ntk_fourier.kernel import design

ALPHAS = (1.0, 1.5, 2.0)
SETTINGS = {
    "quick": {"size": 128, "stride": 8, "depth": 2, "steps": 100, "iterations": 20, "rate": 0.1, "validation": 2,
              "test": 4, "trained_signals": 4, "train_seeds": 2, "train_width": 64},
    "full": {"size": 256, "stride": 8, "depth": 4, "steps": 100, "iterations": 150, "rate": 0.1, "validation": 8,
             "test": 16, "trained_signals": 6, "train_seeds": 6, "train_width": 256},
    "paper": {"size": 256, "stride": 8, "depth": 4, "steps": 100, "iterations": 150, "rate": 0.1, "validation": 8,
              "test": 16, "trained_signals": 16, "train_seeds": 4, "train_width": 1024},
}


def run(*, size: int, stride: int, depth: int, steps: int, iterations: int, rate: float, validation: int, test: int,
        trained_signals: int, train_seeds: int, train_width: int) -> tuple[dict, dict]:
    """Per alpha i: the grid search's errors ``grid_errors_i`` (values, 3: design, validation, test), the design's
    history ``history_i`` (iterations + 1, 2), both mappings' amplitudes, the predicted test MSE ``predicted_i``
    (grid's best, designed) on the ``test`` signals and the trained ``trained_i`` (2, seeds, trained_signals): test
    MSE of each network on the first ``trained_signals`` test signals, ``trained_mean_i`` (2, trained_signals) of the
    seeds' mean output."""
    features = size // 2
    model = nf.Model(depth=depth)
    arrays = {"frequency": np.arange(1, features + 1)}
    meta = {"alphas": list(ALPHAS), "steps": steps, "size": size, "stride": stride, "model": model,
            "features": features, "iterations": iterations, "rate": rate, "validation": validation, "test": test,
            "trained_signals": trained_signals, "train_seeds": train_seeds, "train_width": train_width,
            "best_p": [], "best_iteration": [], "lr": []}
    for i, alpha in enumerate(ALPHAS):
        sets = (design.one_over_f_class(alpha, size, stride),
                design.one_over_f_signals(alpha, range(2000, 2000 + validation), size, stride),
                design.one_over_f_signals(alpha, range(test), size, stride))
        e = design_check.experiment(model, "amplitudes", sets, features=features, steps=steps, iterations=iterations,
                                    rate=rate, execution=nf.QUIET)
        grid_mapping = design.mapping_of("power", [e.best], features)
        arrays[f"amplitudes_grid_{i}"] = nf.frequencies(grid_mapping, 1)[1]
        arrays[f"amplitudes_designed_{i}"] = nf.frequencies(e.design.mapping, 1)[1]
        arrays[f"history_{i}"], arrays[f"grid_errors_{i}"] = e.design.history, e.grid_errors
        arrays[f"predicted_{i}"] = np.array([e.predicted["grid"], e.predicted["designed"]])
        test_set = sets[2]
        y_train, y_test = test_set.y_train[:, :trained_signals].T, test_set.y_test[:, :trained_signals].T
        inputs = [(nf.encode(m, test_set.x_train), nf.encode(m, test_set.x_test))
                  for m in (grid_mapping, e.design.mapping)]
        f_test = train_centred(model.replace(width=train_width),
                               np.concatenate([np.repeat(x[None], trained_signals, 0) for x, _ in inputs]),
                               np.concatenate([y_train, y_train]),
                               np.concatenate([np.repeat(xt[None], trained_signals, 0) for _, xt in inputs]),
                               lr=e.lr, steps=steps, seeds=train_seeds).reshape(2, trained_signals, train_seeds, -1)
        errors = np.mean((f_test - y_test[None, :, None]) ** 2, axis=-1)  # (2, signals, seeds)
        arrays[f"trained_{i}"] = errors.transpose(0, 2, 1)
        arrays[f"trained_mean_{i}"] = np.mean((f_test.mean(2) - y_test[None]) ** 2, axis=-1)
        subset = design.Signals(test_set.x_train, test_set.y_train[:, :trained_signals], test_set.x_test,
                                test_set.y_test[:, :trained_signals])  # the signals the networks are trained on
        arrays[f"predicted_trained_signals_{i}"] = np.array(
            [design.predicted_errors(model, kind, theta, [subset], lr=e.lr, steps=steps, features=features)[0]
             for kind, theta in (("power", [e.best]), ("amplitudes", e.design.theta))])
        meta["best_p"].append(e.best)
        meta["best_iteration"].append(e.design.best)
        meta["lr"].append(e.lr)
    arrays["grid"] = e.grid
    return arrays, meta
