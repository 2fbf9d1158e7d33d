"""Figure: test error vs Gaussian mapping scale sigma, NTK predictions and trained networks."""
from __future__ import annotations

from figures import style

CAPTION = """**Test error vs Gaussian feature scale sigma.** 1D 1/f problem (32 training, 224 test points), Gaussian
Fourier features (256) with scale sigma, {depth} hidden ReLU layers. After {steps} gradient-descent steps: trained
networks of width {width} (mean over {seeds} seeds), the NTK prediction from each network's own start, and the
infinite-ensemble mean; and the converged infinite-width kernel regression (t -> infinity). Small sigma underfits
(a kernel too wide to follow the signal's high frequencies), large sigma overfits (a kernel too narrow to interpolate
between training points); train error (dotted) reaches zero once the kernel is narrow enough."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    s = arrays["sigmas"]
    with plt.rc_context(style.RC):
        fig, ax = plt.subplots(figsize=(5.2, 3.6))
        ax.plot(s, arrays["net_test"], "o", mfc="none", color="tab:red", label="networks (test)")
        ax.plot(s, arrays["pred_test"], "-", color="tab:red", label="NTK from each network's start (test)")
        ax.plot(s, arrays["mean_test"], "--", color="tab:blue", label="NTK ensemble mean (test)")
        ax.plot(s, arrays["converged_test"], "-.", color="k", lw=1, label="kernel regression, t -> inf (test)")
        ax.plot(s, arrays["net_train"], ":", color="grey", label="networks (train)")
        ax.set(xscale="log", yscale="log", xlabel="Gaussian mapping scale sigma", ylabel="mean squared error")
        ax.legend(frameon=False, fontsize=7)
    return fig


def caption(meta: dict) -> str:
    return CAPTION.format(depth=meta["model"]["depth"], steps=meta["steps"], width=meta["width"],
                          seeds=meta["seeds"]).replace("\n", " ")
