"""Figure: empirical NTK drift ||K_t - K_0|| / ||K_0|| during training, per width, with its fit against width."""
from __future__ import annotations

import numpy as np

from figures import findings as fd, style

ANALYSIS = "width_sweep"
ORDER = 140
CLAIMS = {"quick": {"monotone": True}, "full": {"monotone": True, "shrinks": True}}


def findings(arrays: dict, meta: dict) -> dict:
    widths, drift = arrays["widths"], arrays["drift"]  # (W, T, S)
    final = drift[:, -1, :]  # (W, S)
    fit = fd.power_fit(widths, final)
    return {"depth": meta["model"]["depth"], "seeds": meta["seeds"], "widths": [int(w) for w in widths],
            "last_step": int(arrays["steps"][-1]), "final_mean": final.mean(1), "fit": fit,
            "shrinks": bool(fit["high"] < 0), "monotone": bool(np.all(np.diff(final.mean(1)) < 0)),
            "consistent_with_half": bool(fit["low"] <= -0.5 <= fit["high"]), "half": -0.5}


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    widths, steps, drift = arrays["widths"], arrays["steps"], arrays["drift"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4))
        colours = style.colours(len(widths), "plasma", 0.1, 0.8)
        for j, w in enumerate(widths):
            axes[0].plot(steps[1:], drift[j, 1:].mean(1), "o-", ms=3, color=colours[j], label=f"width {w}")
        axes[0].set(xscale="log", yscale="log", xlabel="gradient-descent step",
                    ylabel="||K_t - K_0||_F / ||K_0||_F (seed mean)")
        axes[0].legend(frameon=False)
        style.deviation_vs_width(axes[1], widths, drift[:, -1, :], fit=f["fit"], label="final drift",
                                 reference=f["half"])
        axes[1].set_ylabel(f"drift at step {f['last_step']}")
        axes[1].legend(frameon=False, fontsize=7)
        fig.tight_layout()
    return fig


def caption(f: dict) -> str:
    finals = " / ".join(fd.pct(v, 1) for v in f["final_mean"])
    text = (f"**NTK drift during training vs width.** Relative Frobenius change ||K_t - K_0||_F / ||K_0||_F of the "
            f"empirical NTK on the training points while networks of widths {', '.join(map(str, f['widths']))} "
            f"({f['depth']} hidden ReLU layer{'s' if f['depth'] > 1 else ''}) are trained by gradient descent (the "
            f"runs of the deviation figure, {f['seeds']} seeds each). Left: the seed-mean drift against step; right: "
            f"the drift at step {f['last_step']} ({finals}) with the standard error of the seed mean and its fitted "
            f"log-log slope {fd.interval(f['fit'])}.")
    if f["shrinks"]:
        text += " Wider networks move their kernel less: the lazy regime the NTK describes is approached as width grows"
        text += (f"; the interval contains {fd.g(f['half'])} (dotted)." if f["consistent_with_half"] else
                 f"; the interval excludes {fd.g(f['half'])} (dotted).")
    else:
        text += (" The seed-mean drift decreases from each width to the next, but with these seeds the interval does "
                 "not exclude zero." if f["monotone"] else
                 " Over these widths the interval does not exclude zero: the drift is not shown to shrink.")
    return text
