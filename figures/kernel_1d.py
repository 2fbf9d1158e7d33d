"""Figure: the 1D NTK in space and in frequency per mapping, from analysis.kernel_1d's saved results.

Redraw from saved data: ``python -m analysis.gallery --redraw --only kernel_1d``.
"""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**NTK in space and in frequency (1D).** Left: the NTK k(1/2, x) of a {depth}-hidden-layer ReLU MLP
(infinite width, w_std = {w_std:.3g}, b_std = {b_std:g}) with each input mapping, on {grid} grid points of [0, 1),
normalised to k(1/2, 1/2) = 1. Right: the kernel's eigenvalues on that grid against the frequency |f| of their
eigenvector, which under gradient descent set each frequency's convergence rate exp(-eta lambda t / n). Raw
coordinates ("none") give a wide kernel whose eigenvalues fall quickly with frequency (spectral bias); power-law
features a_j = j^-p set the decay (p = inf is the basic mapping, one frequency); Gaussian features with scale sigma
widen the band of learnable frequencies as sigma grows. Exact FFT spectra except: {notes}."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(2, 2, figsize=(8.5, 6.0))
        labels = meta["labels"]
        families = [("none", "power"), ("none", "gaussian")]
        for row, family in enumerate(families):
            members = [i for i, l in enumerate(labels) if l.split()[0] in family]
            count = {f: sum(labels[i].startswith(f) for i in members) for f in family}
            seen = {f: 0 for f in family}
            for i in members:
                label, fam = labels[i], labels[i].split()[0]
                c = style.colour(label, seen[fam], count[fam])
                seen[fam] += 1
                k = arrays[f"row_{i}"]
                axes[row, 0].plot(arrays["x"] - 0.5, k / k[len(k) // 2], color=c, lw=1.2, label=label)
                f, lam = np.abs(arrays[f"freq_{i}"]), arrays[f"eig_{i}"]
                keep = (lam > 1e-12 * lam[0]) & (f > 0)
                order = np.argsort(f[keep], kind="stable")
                axes[row, 1].loglog(f[keep][order], lam[keep][order], ".", ms=2.5, color=c, label=label)
            axes[row, 0].set(xlabel="x - x0 (x0 = 1/2)", ylabel="NTK k(x0, x) / k(x0, x0)", xlim=(-0.5, 0.5))
            axes[row, 1].set(xlabel="frequency |f| (cycles per unit)", ylabel="eigenvalue lambda_f")
            axes[row, 0].legend(frameon=False, ncol=1)
        axes[0, 0].set_title("NTK in space")
        axes[0, 1].set_title("NTK eigenvalues by frequency")
        fig.tight_layout()
    return fig


def caption(meta: dict) -> str:
    notes = [f"{label} ({m}, max error {meta['approx_error'][label]:.2g})" if m == "fft-circulant" else f"{label} ({m})"
             for label, m in meta["methods"].items() if m != "fft"]
    model = meta["model"]
    return CAPTION.format(depth=model["depth"], w_std=model["w_std"], b_std=model["b_std"], grid=meta["grid"],
                          notes="; ".join(notes) or "none").replace("\n", " ")

