"""Figure: an image reconstructed by the infinite-width NTK across gradient-descent steps, one row per mapping."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**Spectral bias on an image.** The infinite-width NTK's reconstruction of a {size} x {size} image from
its [::2, ::2] pixels after t steps of full-batch gradient descent at half the largest stable rate (columns; inf:
converged), for three input mappings (rows; the image-regression models of docs/images.md, scaled to this size), with
the test PSNR on the [1::2, 1::2] pixels. Computed exactly by FFT on the pixel grid (`nf.images.regress`). Every
mapping learns the coarse image first: low frequencies have the largest NTK eigenvalues. Converged test PSNR and the
first shown step within 0.5 dB of it: {summary}."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    steps, names = arrays["steps"], meta["mappings"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(len(names), len(steps) + 1, figsize=(1.7 * (len(steps) + 1), 2.15 * len(names)))
        for row, name in enumerate(names):
            frames, psnr = arrays[f"images_{row}"], arrays[f"psnr_test_{row}"]
            for col, t in enumerate(steps):
                ax = axes[row, col]
                ax.imshow(frames[col].squeeze(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
                ax.set_title(f"t = {'inf' if np.isinf(t) else f'{t:g}'}\n{psnr[col]:.1f} dB", fontsize=7.5)
            axes[row, 0].set_ylabel(name, fontsize=9)
            axes[row, -1].imshow(arrays["image"].squeeze(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            axes[row, -1].set_title("image", fontsize=7.5)
        for ax in axes.ravel():
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
        fig.tight_layout(h_pad=1.2, w_pad=0.2)
    return fig


def caption(meta: dict) -> str:
    summary = "; ".join(f"{name} {meta['psnr_converged'][name]:.1f} dB (t = {meta['steps_within'][name]})"
                        for name in meta["mappings"])
    return CAPTION.format(size=meta["size"], summary=summary).replace("\n", " ")
