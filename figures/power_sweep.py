"""Figure: train/test MSE vs step for power-law mappings, trained networks vs NTK prediction from t = 0."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**Train and test error across power-law mappings (after Tancik et al. 2020, Fig. 3).** Power-law Fourier
features (integer frequencies 1..128, amplitudes j^-p) on the 1D 1/f problem (32 training points, 224 test points):
mean squared error against gradient-descent step for networks of width {width} ({depth} hidden ReLU layers, mean over
{seeds} seeds; markers) and the NTK prediction started at t = 0 from each network's own outputs (lines; not restarted
from the networks later). Small p (flat spectrum) fits the training points fastest but generalises worst; large p
(p = inf is one frequency) generalises smoothly but fits slowly. Each model at half its NTK's largest stable rate."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    steps = arrays["steps"]
    x = np.where(steps == 0, 0.5, steps)
    labels = meta["labels"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.5), sharey=True)
        for i, label in enumerate(labels):
            c = style.colour("power", i, len(labels))
            for ax, part in zip(axes, ("train", "test")):
                ax.plot(x, arrays[f"pred_{part}_{i}"], "-", color=c, lw=1.3, label=f"{label}")
                ax.plot(x, arrays[f"mse_{part}_{i}"], "o", color=c, ms=3.5, mfc="none")
        top = max(arrays[f"mse_train_{i}"].max() for i in range(len(labels)))
        for ax, part in zip(axes, ("train", "test")):
            ax.set(xscale="log", yscale="log", xlabel="gradient-descent step (step 0 at 0.5)",
                   title=f"{part} MSE", ylim=(1e-6 * top, 3 * top))
        axes[0].set_ylabel("mean squared error")
        axes[1].legend(frameon=False, title="lines: NTK; circles: networks", title_fontsize=7)
        fig.tight_layout()
    return fig


def caption(meta: dict) -> str:
    return CAPTION.format(width=meta["width"], depth=meta["model"]["depth"], seeds=meta["seeds"]).replace("\n", " ")
