"""Figure: NTK grid spectra of Gaussian-feature MLPs across depth (colour) and activation (panel)."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**The network behind the mapping shapes the spectrum.** NTK eigenvalue at each frequency k, relative to
the largest, on a {size}-point grid on [0, 1), for MLPs after the same Gaussian Fourier features (sigma {sigma:g},
{features} features), by activation (panels; sin is sin(omega0 z) with omega0 = {omega0:g}; at SIREN's omega0 = 30 the
kernel after these features is nearly white) and number of hidden layers (colour). The features put most of the
input's energy below frequency sigma; every layer adds harmonics of it, so the high-frequency tail rises with depth
(deeper networks learn high frequencies relatively faster: the steps to learn frequency k scale like lambda_max /
lambda_k, gallery figure `steps_to_learn`), while for relu and gelu the constant mode (k = 0, lambda_max) also grows
with depth and lowers every other ratio. The smooth activations (erf, gelu, sin) fall off much faster at high k than
relu, whose kink at 0 feeds the high frequencies. Exact eigenvalues by dense eigendecomposition, each eigenvector
labelled by its dominant frequency (frequency k: the largest eigenvalue labelled +-k; a gap: no eigenvector labelled
k, where near-equal eigenvalues mix frequencies); values below 1e-7 lambda_max are round-off and not drawn."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    activations, depths, k = meta["activations"], arrays["depths"], arrays["k"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, len(activations), figsize=(2.5 * len(activations) + 0.8, 3.4), sharey=True,
                                 squeeze=False)
        for ax, activation in zip(axes[0], activations):
            lam = arrays[f"eigenvalues_{activation}"]
            for i, depth in enumerate(depths):
                colour = plt.get_cmap("viridis")(0.9 * i / max(len(depths) - 1, 1))
                ratio = lam[i] / np.nanmax(lam[i])
                ratio = np.where(ratio > 1e-7, ratio, np.nan)  # below: round-off of the dense eigenvalues
                ax.plot(k[1:], ratio[1:], color=colour, lw=1.4, label=f"depth {depth}")
            name = f"sin (omega0 = {meta['sin_omega0']:g})" if activation == "sin" else activation
            ax.set(xscale="log", yscale="log", xlabel="frequency k", title=name)
        axes[0, 0].set_ylabel("lambda_k / lambda_max")
        axes[0, -1].legend(frameon=False, loc="lower left")
        fig.tight_layout()
    return fig


def caption(meta: dict) -> str:
    mapping = meta["model"]["mapping"]
    return CAPTION.format(size=meta["size"], sigma=mapping["sigma"], features=mapping["features"],
                          omega0=meta["sin_omega0"]).replace("\n", " ")
