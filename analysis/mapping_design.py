"""NTK-guided mapping design on the 1D 1/f^alpha problems (alpha = 1, 1.5, 2): the best power-law exponent p of a grid
search against per-frequency amplitudes designed by gradient descent through the NTK's predicted test error
(`kernel.design`, `compare.design_check.experiment`), both measured on test signals, predicted and on trained
networks. Designed on the whole signal class (`design.one_over_f_class`), validated and tested on drawn signals.
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from ntk_fourier.compare import design_check
from ntk_fourier.kernel import design

ALPHAS = (1.0, 1.5, 2.0)
STEPS = 100


def run(quick: bool = False) -> tuple[dict, dict]:
    size, stride = (128, 8) if quick else (256, 8)
    features = size // 2
    settings = {"iterations": 20 if quick else 150, "validation": 2 if quick else 8, "test": 2 if quick else 16,
                "train_seeds": 2 if quick else 4, "train_width": 64 if quick else 1024, "rate": 0.1}
    model = nf.Model(depth=2 if quick else 4)
    arrays = {"frequency": np.arange(1, features + 1)}
    meta = {"alphas": list(ALPHAS), "steps": STEPS, "size": size, "stride": stride, "model": model, **settings,
            "best_p": [], "lr": []}
    for i, alpha in enumerate(ALPHAS):
        sets = (design.one_over_f_class(alpha, size, stride),
                design.one_over_f_signals(alpha, range(2000, 2000 + settings["validation"]), size, stride),
                design.one_over_f_signals(alpha, range(settings["test"]), size, stride))
        e = design_check.experiment(model, "amplitudes", sets, features=features, steps=STEPS,
                                    iterations=settings["iterations"], rate=settings["rate"],
                                    train_seeds=settings["train_seeds"], train_width=settings["train_width"],
                                    show_progress=False)
        grid_mapping = nf.Mapping("power", features=features, p=e.best)
        arrays[f"amplitudes_grid_{i}"] = nf.frequencies(grid_mapping, 1)[1]
        arrays[f"amplitudes_designed_{i}"] = nf.frequencies(e.design.mapping, 1)[1]
        arrays[f"history_{i}"], arrays[f"grid_errors_{i}"] = e.design.history, e.grid_errors
        arrays[f"predicted_{i}"] = np.array([e.predicted["grid"], e.predicted["designed"]])
        arrays[f"trained_{i}"] = np.stack([e.trained["grid"][0], e.trained["designed"][0]])
        arrays[f"trained_mean_{i}"] = np.stack([e.trained["grid"][1], e.trained["designed"][1]])
        meta["best_p"].append(e.best)
        meta["lr"].append(e.lr)
    arrays["grid"] = e.grid
    from figures.mapping_design import table
    meta["table"] = table(arrays, meta)
    return arrays, meta
