"""Gaussian Fourier features on one image across scales sigma: train vs test PSNR (under- vs over-fitting), over
several network initialisations (seeds; one draw of the frequencies, the same for every seed)."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf

SIGMAS = [0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]

SETTINGS = {
    "quick": {"size": 16, "steps": 100, "seeds": 3, "sigmas": [0.125, 1.0, 32.0], "image": "hopper"},
    "full": {"size": 32, "steps": 150, "seeds": 3, "sigmas": SIGMAS, "image": "hopper"},
    "paper": {"size": 64, "steps": 600, "seeds": 3, "sigmas": SIGMAS, "image": "hopper"},
}


def run(*, size: int, steps: int, seeds: int, sigmas: list, image: str) -> tuple[dict, dict]:
    """Fit the built-in ``image`` at ``size`` px with Gaussian features of each scale in ``sigmas`` (cycles per unit,
    not rescaled with the size), ``seeds`` networks each, ``steps`` Adam steps (`nf.images.fit`). Arrays:
    ``sigmas`` (K,), ``psnr_train`` / ``psnr_test`` (K, seeds), ``image``, ``reconstructions`` (K, size, size, c) of
    seed 0."""
    pixels = nf.images.builtin(image, size)
    fits = [nf.images.fit(pixels, "gaussian", steps=steps, seeds=seeds, sigma=s, execution=nf.QUIET)
            for s in sigmas]
    arrays = {"sigmas": np.array(sigmas, dtype=np.float64), "psnr_train": np.array([f.psnr_train for f in fits]),
              "psnr_test": np.array([f.psnr_test for f in fits]), "image": pixels,
              "reconstructions": np.stack([f.reconstruction for f in fits])}
    model, lr = nf.images.model_for("gaussian", size)
    return arrays, {"size": size, "steps": steps, "seeds": seeds, "image": image, "lr": lr, "model": model,
                    "features": model.mapping.features, "width": model.width, "depth": model.depth}
