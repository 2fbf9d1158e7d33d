"""Figure: train and test PSNR of Gaussian Fourier features on one image vs the scale sigma, with reconstructions."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**Image regression across Gaussian feature scales.** The built-in {image} image at {size} x {size} pixels,
fitted on the pixels [::2, ::2] and tested on [1::2, 1::2] by a 4 x 256 ReLU MLP with 256 Gaussian Fourier features of
scale sigma (sigmoid output, Adam, {steps} steps, {seeds} seed(s)). Small sigma underfits (blurry: train and
test PSNR both low); large sigma overfits (train PSNR keeps rising while test PSNR falls: the fit interpolates the
training pixels with high-frequency noise). Best test PSNR {best:.2f} dB at sigma = {sigma_best:g} cycles per unit
(the training grid has {n} samples per unit)."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    s = arrays["sigmas"]
    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(8.6, 4.6))
        grid = fig.add_gridspec(2, len(s), height_ratios=[2.2, 1])
        ax = fig.add_subplot(grid[0, :])
        for key, label, colour in (("psnr_train", "train pixels", "tab:grey"), ("psnr_test", "test pixels",
                                                                                   "tab:red")):
            values = arrays[key]
            ax.errorbar(s, values.mean(1), yerr=values.std(1), fmt="o-", color=colour, label=label, capsize=2)
        ax.set(xscale="log", xlabel="Gaussian feature scale sigma (cycles per unit)", ylabel="PSNR (dB)")
        ax.legend(frameon=False)
        for i, recon in enumerate(arrays["reconstructions"]):
            sub = fig.add_subplot(grid[1, i])
            sub.imshow(np.clip(recon, 0, 1))
            sub.set_axis_off()
            sub.set_title(f"sigma {s[i]:g}", fontsize=7)
        fig.tight_layout()
    return fig


def caption(meta: dict) -> str:
    return CAPTION.format(image=meta["image"], size=meta["size"], steps=meta["steps"], seeds=meta["seeds"],
                          best=meta["best_psnr"], sigma_best=meta["best_sigma"], n=meta["size"] // 2).replace("\n", " ")
