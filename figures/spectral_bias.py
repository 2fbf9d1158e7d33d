"""Figure: spectral-bias heatmaps, measured on trained networks beside the NTK prediction."""
from __future__ import annotations

import matplotlib.colors
import numpy as np

from figures import style

CAPTION = """**Spectral bias, measured and predicted.** Residual magnitude |FFT(f_t - y)| at each frequency (rows) and
gradient-descent step (columns, log-spaced), relative to the target's amplitude (log colour scale; white ticks mark
the target frequencies), for a target with equal amplitude
at frequencies {freqs} on a periodic grid of {grid} points (all used for training). Top: one trained network of width
{width} per model; bottom: the infinite-width NTK prediction started from that network's own outputs at step 0.
Raw coordinates learn the low frequencies first and leave the high ones almost untouched (spectral bias); Gaussian
Fourier features (sigma 10) learn all target frequencies at similar rates; the SIREN's NTK learns them in order of
frequency. Learning rate: half the largest stable rate of each model's NTK. Largest deviation of each network from
its prediction (relative to its initial residual; docs/network.md): {deviations}."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    labels = meta["labels"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(2, len(labels), figsize=(3.2 * len(labels), 5.2), sharex=True, sharey=True,
                                 constrained_layout=True)
        steps = arrays["steps"]
        edges = np.concatenate([[0.5], np.sqrt(np.maximum(steps[1:] * steps[:-1], 0.25)), [steps[-1] * 1.5]])
        edges[1] = max(edges[1], 0.7)
        scale = arrays["y_hat"].max()
        freqs = np.arange(len(arrays["y_hat"]))
        top = max(arrays[f"{key}_{j}"].max() for key in ("measured", "predicted") for j in range(len(labels))) / scale
        norm = matplotlib.colors.LogNorm(vmin=1e-3 * top, vmax=top)
        for j, label in enumerate(labels):
            for row, key in enumerate(("measured", "predicted")):
                ax = axes[row, j]
                values = np.maximum(arrays[f"{key}_{j}"].T / scale, norm.vmin)
                mesh = ax.pcolormesh(edges, np.arange(len(freqs) + 1) - 0.5, values, cmap="viridis", norm=norm,
                                     shading="flat")
                ax.set(xscale="log", title=f"{label}: {'network' if row == 0 else 'NTK'}")
                ax.grid(False)
                for f in meta["frequencies"]:
                    ax.plot([edges[-1] * 1.05], [f], "<", color="w", ms=3, clip_on=False)
            axes[1, j].set_xlabel("gradient-descent step")
        axes[0, 0].set_ylabel("frequency")
        axes[1, 0].set_ylabel("frequency")
        fig.colorbar(mesh, ax=axes, label="|residual| / target amplitude (log scale)")
    return fig


def caption(meta: dict) -> str:
    deviations = ", ".join(f"{k} {v:.2f}" for k, v in meta["deviation"].items())
    return CAPTION.format(freqs=", ".join(map(str, meta["frequencies"])), grid=meta["grid"], width=meta["width"],
                          deviations=deviations).replace("\n", " ")
