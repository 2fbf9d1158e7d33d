"""Gaussian Fourier features on one image across scales sigma: train vs test PSNR (under- vs over-fitting)."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf

SIGMAS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


def run(quick: bool = False) -> tuple[dict, dict]:
    size, steps = (16, 50) if quick else (64, 600)
    sigmas = SIGMAS[::3] if quick else SIGMAS
    image = nf.images.builtin("hopper", size)
    fits = [nf.images.fit(image, "gaussian", steps=steps, seeds=1, sigma=s) for s in sigmas]
    arrays = {"sigmas": np.array(sigmas), "psnr_train": np.array([f.psnr_train for f in fits]),
              "psnr_test": np.array([f.psnr_test for f in fits]), "image": image,
              "reconstructions": np.stack([f.reconstruction for f in fits])}
    best = int(np.argmax(arrays["psnr_test"].mean(1)))
    return arrays, {"size": size, "steps": steps, "seeds": 1, "image": "hopper", "best_sigma": sigmas[best],
                    "best_psnr": float(arrays["psnr_test"][best].mean()),
                    "model": nf.images.model_for("gaussian", size)[0]}
