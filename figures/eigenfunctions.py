"""Figure: the top NTK eigenfunctions in x-space, raw inputs (non-stationary) beside Gaussian features (sinusoids)."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**What the NTK's eigenvectors look like.** The {top} eigenvectors of largest eigenvalue of the NTK Gram
matrix on {size} evenly spaced points on [-1, 1) (dense eigendecomposition, `nf.dense_spectrum`; each scaled to unit
RMS and shifted for legibility; lambda is the eigenvalue, f the eigenvector's dominant frequency in cycles per unit),
for a depth-{depth} ReLU MLP. Left: raw coordinates (mapping `none`): the kernel is not stationary (it depends on x
and x', not only on x - x'), the origin is special, and the eigenvectors are not sinusoids: |x| and x first, then
waves with a kink at 0; after the first two, the eigenvalues drop by more than an order of magnitude. Right: Gaussian
Fourier features (sigma {sigma:g}, {features} features): the kernel depends on x - x' only, so its eigenvectors are
close to sinusoids (in cos/sin pairs of nearly equal eigenvalue; exact sinusoids for a periodic kernel,
`docs/conventions.md`), and the eigenvalues fall slowly with frequency. Gradient descent learns each eigenvector at
its own rate, set by its eigenvalue (`docs/tutorial.md`)."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    labels, top = meta["labels"], meta["top"]
    x = arrays["x"]
    titles = {"none": "raw coordinates (non-stationary)"}
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, len(labels), figsize=(4.3 * len(labels), 4.6), sharey=True)
        for ax, (i, label) in zip(np.atleast_1d(axes), enumerate(labels)):
            lam, vectors = arrays[f"eigenvalues_{i}"], arrays[f"vectors_{i}"]
            for j in range(top):
                offset = -3.2 * j
                colour = plt.get_cmap("viridis" if label == "none" else "autumn")(0.8 * j / max(top - 1, 1))
                ax.axhline(offset, color="0.8", lw=0.6)
                ax.plot(x, vectors[:, j] + offset, color=colour, lw=1.5)
                ax.text(1.02, offset, f"{j + 1}: lambda={lam[j]:.3g}\n    f~{meta['frequencies'][label][j]:g}",
                        transform=ax.get_yaxis_transform(), va="center", fontsize=7)
            title = titles.get(label, f"Gaussian features, {label.split()[-1].replace('=', ' = ')} (stationary)")
            ax.set(xlim=(-1, 1), xlabel="x", title=title)
            ax.set_yticks([])
            ax.grid(False)
        np.atleast_1d(axes)[0].set_ylabel("eigenvector (unit RMS, shifted)")
        fig.tight_layout(w_pad=4)
    return fig


def caption(meta: dict) -> str:
    mapping = meta["model"]["mapping"]
    return CAPTION.format(top=meta["top"], size=meta["size"], depth=meta["model"]["depth"], sigma=mapping["sigma"],
                          features=mapping["features"]).replace("\n", " ")
