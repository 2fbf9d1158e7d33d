"""An image reconstructed by the infinite-width NTK across gradient-descent steps, for three input mappings: what
spectral bias looks like on an image (coarse structure first, edges and texture later, if ever).

Exact and cheap: `nf.images.regress` computes the NTK regression of the whole image by FFT on the pixel grid
(gradient descent from f = 0 at half the largest stable rate, and converged)."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf

SETTINGS = {
    "quick": {"size": 32, "steps": [0, 10, 100, 1000, 10000], "image": "hopper",
              "mappings": ["basic", "positional", "gaussian"]},
    "full": {"size": 128, "steps": [0, 10, 100, 1000, 10000], "image": "hopper",
             "mappings": ["basic", "positional", "gaussian"]},
}


def run(*, size: int, steps: list, image: str, mappings: list) -> tuple[dict, dict]:
    """The NTK's reconstruction of the built-in ``image`` at ``size`` px after each of ``steps`` (and converged) for
    each of ``mappings`` (the image-regression models of `nf.images.model_for`). Arrays: ``image``, ``steps``
    (the last one inf), per mapping i ``frames_i`` (T, size, size, channels; not clipped, float32) and
    ``psnr_train_i`` / ``psnr_test_i`` (T,)."""
    pixels = nf.images.builtin(image, size)
    shown = np.array([*steps, np.inf], dtype=np.float64)
    arrays = {"image": pixels, "steps": shown}
    meta = {"mappings": list(mappings), "size": size, "image": image, "models": {}, "lr": {}, "method": {}}
    for i, name in enumerate(mappings):
        model = nf.images.model_for(name, size)[0]
        r = nf.images.regress(model, pixels, steps=shown, execution=nf.QUIET)
        arrays[f"frames_{i}"] = r.images.astype(np.float32)
        arrays[f"psnr_train_{i}"], arrays[f"psnr_test_{i}"] = r.psnr_train, r.psnr_test
        meta["models"][name], meta["lr"][name], meta["method"][name] = model, r.lr, r.method
    return arrays, meta
