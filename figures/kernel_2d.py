"""Figure: 2D NTK eigenvalues over the frequency plane, positional vs Gaussian features (isotropy)."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**2D NTK spectra: positional vs Gaussian features.** Eigenvalue (log colour scale) of each 2D Fourier mode
exp(2 pi i f.x) of the NTK on a {grid} x {grid} grid of [0, 1)^2, for a {depth}-hidden-layer ReLU MLP (infinite width).
Axis-aligned positional encoding (scale {sigma:g}) concentrates the kernel's large eigenvalues along the frequency
axes, so diagonal structure is learned more slowly than axis-aligned structure; Gaussian features (isotropic; shown
in their infinite-features limit, scale {sigma_g:g}) give a spectrum that depends on |f| only. Neither kernel is
periodic on the grid, so these are circulant approximations; max |error| / lambda_max vs dense eigvalsh: {errors}."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.6), constrained_layout=True)
        f = arrays["freq"]
        images = [np.log10(np.maximum(arrays[f"image_{i}"], 1e-12)) for i in range(len(meta["labels"]))]
        lo, hi = min(im.min() for im in images), max(im.max() for im in images)
        for ax, image, label in zip(axes, images, meta["labels"]):
            mesh = ax.imshow(image.T, origin="lower", extent=(f[0] - 0.5, f[-1] + 0.5, f[0] - 0.5, f[-1] + 0.5),
                             cmap="magma", vmin=max(lo, hi - 8), vmax=hi)
            ax.set(xlabel="frequency f1", ylabel="frequency f2", title=label)
            ax.grid(False)
        fig.colorbar(mesh, ax=axes, label="log10 eigenvalue")
    return fig


def caption(meta: dict) -> str:
    errors = ", ".join(f"{k} {v:.2g}" for k, v in meta["approx_error"].items())
    return CAPTION.format(grid=meta["grid"], depth=meta["model"]["depth"], sigma=meta["sigma"],
                          sigma_g=meta["mapping_1"]["sigma"],
                          errors=errors).replace("\n", " ")

