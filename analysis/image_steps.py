"""An image reconstructed by the infinite-width NTK across gradient-descent steps, for three input mappings: what
spectral bias looks like on an image (coarse structure first, edges and texture later, if ever)."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf

MAPPINGS = ("basic", "positional", "gaussian")
STEPS = (0, 10, 100, 1000, 10000, np.inf)


def run(quick: bool = False) -> tuple[dict, dict]:
    size = 32 if quick else 128
    image = nf.images.builtin("hopper", size)
    arrays, meta = {"image": image, "steps": np.array(STEPS)}, {"mappings": list(MAPPINGS), "size": size,
                                                                  "models": {}, "lr": {}, "method": {},
                                                                  "psnr_converged": {}, "steps_within": {}}
    for i, name in enumerate(MAPPINGS):
        model = nf.images.model_for(name, size)[0]
        r = nf.images.regress(model, image, steps=STEPS)
        arrays[f"images_{i}"], arrays[f"psnr_test_{i}"] = np.clip(r.images, 0.0, 1.0), r.psnr_test
        meta["models"][name], meta["lr"][name], meta["method"][name] = model, r.lr, r.method
        meta["psnr_converged"][name] = float(r.psnr_test[-1])
        within = int(np.argmax(r.psnr_test >= r.psnr_test[-1] - 0.5))
        meta["steps_within"][name] = "inf" if np.isinf(STEPS[within]) else f"{STEPS[within]:g}"
    return arrays, meta
