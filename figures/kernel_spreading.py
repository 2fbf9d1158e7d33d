"""Figure: spectrum of the input covariance and of the NTK on top of it, by depth; analytic and empirical."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**The network spreads the mapping's frequencies.** A mapping with only frequencies {freqs} (equal
amplitudes) on a {size}-point grid of [0, 1): its input covariance (grey, scaled) has energy at those frequencies
alone; the NTK of ReLU networks of depth L on top of it (lines: analytic, exact by FFT; dots: empirical NTK of
networks of width {width} at initialisation, mean of {seeds}) also has energy at their harmonics and sums, more of it
the deeper the network: the share of the NTK's spectrum outside frequency 0 and the mapping's frequencies is
{outside}. Spectral bias then acts on this spread spectrum, not on the mapping's own."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    f = arrays["frequency"]
    cmap = plt.get_cmap("viridis")
    with plt.rc_context(style.RC):
        fig, ax = plt.subplots(figsize=(6.4, 3.8))
        scale = arrays["analytic_1"].max() / arrays["input"].max()
        ax.bar(f, np.clip(arrays["input"] * scale, 1e-30, None), color="0.75", width=0.8, label="input covariance")
        for i, depth in enumerate(meta["depths"]):
            c = cmap(0.1 + 0.8 * i / max(len(meta["depths"]) - 1, 1))
            ax.plot(f, np.abs(arrays[f"analytic_{depth}"]), "-", color=c, lw=1.5, label=f"NTK, depth {depth}")
            ax.plot(f, np.abs(arrays[f"empirical_{depth}"]), ".", color=c, ms=4)
        floor = min(np.abs(arrays[f"analytic_{d}"]).min() for d in meta["depths"]) / 5
        ax.set(yscale="log", xlabel="frequency k", ylabel="eigenvalue (kernel spectrum)",
               ylim=(floor, arrays[f"analytic_{meta['depths'][-1]}"].max() * 5))
        ax.legend(frameon=False, fontsize=8, ncol=2)
        fig.tight_layout()
    return fig


def caption(meta: dict) -> str:
    outside = ", ".join(f"{100 * v:.1f}% at depth {d}" for d, v in meta["outside"].items())
    return CAPTION.format(freqs=" and ".join(map(str, meta["frequencies"])), size=meta["size"], width=meta["width"],
                          seeds=meta["seeds"], outside=outside).replace("\n", " ")
