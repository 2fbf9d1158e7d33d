"""Figure: designed per-frequency amplitudes against the best power law, and their test errors."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**Designing a mapping through the NTK.** 1D 1/f^alpha signals on a {size}-point grid, every {stride}th
point to train; depth-{depth} ReLU networks, {steps} gradient-descent steps at rate eta (half the smallest stable
rate of the grid's mappings). Top: the amplitudes a_j of the Fourier features at integer frequencies j, for the best
power law a_j ~ j^-p of a grid search (p from 0 to 6, chosen on {validation} validation signals) and designed by
gradient descent ({iterations} Adam steps) on the NTK's predicted test error of one network trained from its random
initialisation, averaged over the whole class of signals; the iterate best on the validation signals is kept.
Bottom: test MSE on {test} other signals, predicted by the NTK and measured on networks of width {width} ({seeds} per
signal; bars: standard deviation over the networks' mean per seed). {table}"""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    alphas, f = meta["alphas"], arrays["frequency"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(2, len(alphas), figsize=(4.0 * len(alphas), 6.4))
        for i, alpha in enumerate(alphas):
            ax = axes[0, i]
            ax.plot(f, arrays[f"amplitudes_grid_{i}"], "-", color=style.colour("grid", 0, 2), lw=1.5,
                    label=f"best power law, p = {meta['best_p'][i]:g}")
            ax.plot(f, arrays[f"amplitudes_designed_{i}"], "-", color=style.colour("designed", 1, 2), lw=1.2,
                    label="designed")
            ax.set(xscale="log", yscale="log", xlabel="frequency j", title=f"1/f^{alpha:g} signals")
            ax.legend(frameon=False, fontsize=8)
            ax = axes[1, i]
            trained = arrays[f"trained_{i}"]  # (2, seeds, signals)
            spread = trained.mean(2).std(1)
            x = np.arange(2)
            ax.bar(x - 0.2, arrays[f"predicted_{i}"], 0.38, color=style.colour("predicted", 0, 2), label="predicted")
            ax.bar(x + 0.2, trained.mean((1, 2)), 0.38, yerr=spread, color=style.colour("trained", 1, 2),
                   label="trained networks", capsize=3)
            ax.set(xticks=x, xticklabels=["best power law", "designed"], ylabel="test MSE")
            ax.legend(frameon=False, fontsize=8)
        axes[0, 0].set_ylabel("amplitude a_j (sum of squares 1)")
        fig.tight_layout()
    return fig


def table(arrays: dict, meta: dict) -> str:
    rows = []
    for i, alpha in enumerate(meta["alphas"]):
        p, t = arrays[f"predicted_{i}"], arrays[f"trained_{i}"].mean((1, 2))
        rows.append(f"alpha {alpha:g}: predicted {p[0]:.4g} -> {p[1]:.4g} ({100 * (p[1] / p[0] - 1):+.1f}%), "
                    f"trained {t[0]:.4g} -> {t[1]:.4g} ({100 * (t[1] / t[0] - 1):+.1f}%)")
    return "Best power law -> designed: " + "; ".join(rows) + "."


def caption(meta: dict) -> str:
    return CAPTION.format(size=meta["size"], stride=meta["stride"], depth=meta["model"]["depth"],
                          steps=meta["steps"], validation=meta["validation"], iterations=meta["iterations"],
                          test=meta["test"], width=meta["train_width"], seeds=meta["train_seeds"],
                          table=meta.get("table", "")).replace("\n", " ")
