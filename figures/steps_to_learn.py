"""Figure: predicted gradient-descent steps to learn frequency k, for Gaussian features (sigma) and power-law
features (p), raw inputs for reference."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**How many steps each frequency takes.** Predicted number of gradient-descent steps until the training
residual at frequency k has fallen below {percent:g}% of its initial value, t_k = ceil(log {level:g} / log(1 - eta
lambda_k / n)), from the NTK's eigenvalue lambda_k at frequency k on a {size}-point grid on [0, 1) with every point a
training value (n = {size}), at half the largest stable rate, eta = n / lambda_max (so the top mode is learned in one
step). Depth-{depth} ReLU MLPs. Left: Gaussian Fourier features (256 features) of scale sigma: frequencies up to about
sigma are learned within tens of steps, higher ones take orders of magnitude longer. Right: power-law features on
integer frequencies 1..{half} with amplitudes k^-p: t_k grows roughly like a power of k, faster for larger p. Dashed:
raw coordinates (mapping `none`). Eigenvalues are exact: by FFT for the power-law features (periodic kernels), by
dense eigendecomposition for raw coordinates and Gaussian features (not periodic on the grid), each eigenvector then
labelled by its dominant frequency and frequency k given the largest eigenvalue labelled +-k (a gap: no eigenvector
labelled k). Spectra: {methods}."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    labels, k = meta["labels"], arrays["k"]
    families = {"gaussian": "Gaussian features: scale sigma", "power": "power-law features: exponent p"}
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.7), sharey=True)
        for ax, (family, title) in zip(axes, families.items()):
            members = [label for label in labels if label.startswith(family)]
            for i, label in enumerate(labels):
                steps = arrays[f"steps_{i}"]
                shown = np.where((k >= 1) & np.isfinite(steps), steps, np.nan)  # gaps: no eigenvector labelled k
                if label == "none":
                    ax.plot(k, shown, "--", color=style.colour(label), lw=1.2, label="raw coordinates")
                elif label in members:
                    c = style.colour(label, members.index(label), len(members))
                    ax.plot(k, shown, "-", color=c, lw=1.6, label=label.split()[-1].replace("=", " = "))
            ax.set(xscale="log", yscale="log", xlabel="frequency k (cycles per unit)", title=title)
            ax.legend(frameon=False, loc="upper left")
        axes[0].set_ylabel(f"steps until residual < {100 * meta['level']:g}%")
        fig.tight_layout()
    return fig


def caption(meta: dict) -> str:
    methods = ", ".join(f"{label} {method}" for label, method in meta["methods"].items())
    return CAPTION.format(percent=100 * meta["level"], level=meta["level"], size=meta["size"], half=meta["size"] // 2,
                          depth=meta["model"]["depth"], methods=methods).replace("\n", " ")
