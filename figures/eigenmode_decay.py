"""Figure: per-eigenmode residual decay, measured networks over the predicted (1 - eta lambda / n)^t lines."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**Per-eigenmode decay.** The training residual along eigenvectors k of the analytic NTK (32 training points
of the 1D 1/f problem, Gaussian features sigma 10, {depth} hidden ReLU layers), against gradient-descent step at
learning rate {lr:.3g}: lines are the NTK prediction (1 - eta lambda_k / n)^t r_k(0) from each network's own start,
markers the trained networks of width {width} (rms over {seeds} seeds). Large-eigenvalue modes are learned first;
the networks follow the prediction down to float32 round-off (about 1e-6 of the start). The top mode (k = 0) is the
exception that shows the finite width: at half the largest stable rate, eta = n / lambda_0, its predicted factor
1 - eta lambda_0 / n is exactly 0, so the NTK learns it in one step (its line drops off the axis), while a network's
own kernel differs from the analytic one by a few percent: its top eigenvalue and eigenvector are slightly off, so
the network keeps a residual there of about {top_left:.1%} of the start after one step, shrinking as the other modes
are learned."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    j = len(arrays["widths"]) - 1
    steps = arrays["steps"]
    x = np.where(steps == 0, 0.5, steps)
    measured, predicted, lam = arrays[f"measured_modes_{j}"], arrays[f"predicted_modes_{j}"], arrays["eigenvalues"]
    n = len(lam)
    modes = sorted({0, 1, 2, n // 4, n // 2, 3 * n // 4, n - 1})
    with plt.rc_context(style.RC):
        fig, ax = plt.subplots(figsize=(5.6, 3.8))
        cmap = plt.get_cmap("viridis")
        top = predicted[0].max()
        for i, k in enumerate(modes):
            c = cmap(i / max(len(modes) - 1, 1))
            ax.plot(x, np.maximum(predicted[:, k], 1e-9 * top), "-", color=c, lw=1.3,
                    label=f"k = {k}, lambda = {lam[k]:.3g}")
            ax.plot(x, measured[:, k], "o", color=c, ms=4, mfc="none")
        ax.set(xscale="log", yscale="log", ylim=(1e-7 * top, 3 * top),
               xlabel="gradient-descent step t (step 0 drawn at 0.5)", ylabel="|residual along eigenvector k|")
        ax.legend(frameon=False, fontsize=7, ncol=2, title="lines: NTK; circles: networks", title_fontsize=7)
    return fig


def caption(meta: dict) -> str:
    return CAPTION.format(depth=meta["model"]["depth"], lr=meta["lr"], width=meta["widths"][-1],
                          seeds=meta["seeds"], top_left=meta.get("top_mode_after_one_step", float("nan"))
                          ).replace("\n", " ")
