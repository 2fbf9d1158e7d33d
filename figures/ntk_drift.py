"""Figure: empirical NTK drift ||K_t - K_0|| / ||K_0|| during training, per width."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**NTK drift during training vs width.** Relative Frobenius change ||K_t - K_0||_F / ||K_0||_F of the
empirical
NTK on the training points while networks of each width are trained by gradient descent (same runs as the deviation
figure; mean over {seeds} seeds). Left: drift against step; right: the final drift against width with its fitted
log-log slope ({slope:.2f}). Wider networks move their kernel less: the lazy, linearised regime the NTK describes."""


def _final(arrays, j):
    return arrays[f"drift_{j}"][-1].mean()


def draw(arrays: dict, meta: dict):
    plt = style.plt
    widths = arrays["widths"]
    steps = arrays["steps"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.3))
        cmap = plt.get_cmap("plasma")
        for j, w in enumerate(widths):
            drift = arrays[f"drift_{j}"].mean(1)
            axes[0].plot(steps[1:], drift[1:], "o-", ms=3, color=cmap(0.1 + 0.7 * j / max(len(widths) - 1, 1)),
                         label=f"width {w}")
        axes[0].set(xscale="log", yscale="log", xlabel="gradient-descent step", ylabel="||K_t - K_0|| / ||K_0||")
        axes[0].legend(frameon=False)
        final = np.array([_final(arrays, j) for j in range(len(widths))])
        axes[1].plot(widths, final, "o-")
        axes[1].set(xscale="log", yscale="log", xlabel="width", ylabel="final drift")
        axes[1].set_xticks(widths, [str(int(v)) for v in widths])
        axes[1].xaxis.set_minor_formatter(plt.NullFormatter())
        fig.tight_layout()
    return fig


def caption(meta: dict) -> str:
    return CAPTION.format(seeds=meta["seeds"], slope=meta["drift_slope"]).replace("\n", " ")
