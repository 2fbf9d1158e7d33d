"""Figure: eigenvalue decay vs harmonic degree on the circle / sphere, with theoretical slopes."""
from __future__ import annotations


from figures import style

CAPTION = """**Eigenvalues vs harmonic degree on the circle and the sphere.** Two-layer ReLU NTK and NNGP (one hidden
layer, infinite width, raw inputs on the unit circle S^1 and sphere S^2), eigenvalue mu_k of the integral operator for
the uniform measure at each degree k (Funk-Hecke quadrature). Dashed: the theoretical decays k^-d (NTK) and
k^-(d+2) (NNGP) in R^d (Bietti & Mairal 2019; Basri et al. 2019). Without bias (open markers) the odd degrees k >= 3
vanish and are not drawn. Fitted slopes over even k >= 8: {slopes}."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.6))
        colours = {"ntk": "tab:blue", "nngp": "tab:orange"}
        for ax, dim in zip(axes, (2, 3)):
            k = arrays[f"degrees_d{dim}"]
            for case in (c for c in meta["cases"] if c["dim"] == dim):
                mu = arrays[case["key"]]
                keep = (k >= 1) & (mu > 1e-12 * mu[0])
                ax.plot(k[keep], mu[keep], "o" if case["b_std"] else "s", ms=3,
                        mfc=colours[case["kernel"]] if case["b_std"] else "none", color=colours[case["kernel"]],
                        label=f"{case['kernel'].upper()}, b_std {case['b_std']:g}")
            for which, power in (("ntk", dim), ("nngp", dim + 2)):
                mu = arrays[f"d{dim}_b0.5_{which}"]
                ref = mu[8] * (k[1:] / 8.0) ** -power
                ax.plot(k[1:], ref, "--", color=colours[which], lw=0.9, label=f"k^-{power}")
            ax.set(xscale="log", yscale="log", xlabel="harmonic degree k", ylabel="eigenvalue mu_k",
                   title="circle S^1" if dim == 2 else "sphere S^2", ylim=(mu[-1] * 1e-3, None))
            ax.legend(frameon=False, fontsize=6.5)
        fig.tight_layout()
    return fig


def caption(meta: dict) -> str:
    slopes = "; ".join(f"{'circle' if c['dim'] == 2 else 'sphere'} {c['kernel'].upper()} b_std {c['b_std']:g}: "
                       f"{c['slope_even']:.2f}" for c in meta["cases"])
    return CAPTION.format(slopes=slopes).replace("\n", " ")
