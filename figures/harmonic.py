"""Figure: eigenvalue decay vs harmonic degree on the circle / sphere, with theoretical slopes."""
from __future__ import annotations

import numpy as np

from figures import style
from figures.findings import f as fixed, g

ANALYSIS = "harmonic"
ORDER = 120
TOLERANCE = 0.2  # fitted slope within this of the theoretical exponent
FIT_FROM = 8  # the slopes are fitted over even degrees k >= FIT_FROM
CLAIMS = {"quick": {"slopes_match_theory": True, "odd_vanish_without_bias": True},
          "full": {"slopes_match_theory": True, "odd_vanish_without_bias": True}}


def theory(dim: int, kernel: str) -> int:
    """The decay exponent of mu_k for inputs on the unit sphere of R^dim: k^-dim (NTK), k^-(dim + 2) (NNGP)."""
    return -(dim + (2 if kernel == "nngp" else 0))


def findings(arrays: dict, meta: dict) -> dict:
    out = {"fit_from": FIT_FROM, "tolerance": TOLERANCE, "cases": [], "max_degree": {}}
    worst_odd = 0.0
    for case in meta["cases"]:
        k, mu = arrays[f"degrees_d{case['dim']}"], arrays[case["key"]]
        out["max_degree"][str(case["dim"])] = int(k[-1])
        even = k[(k >= FIT_FROM) & (k % 2 == 0)]
        slope = float(np.polyfit(np.log(even), np.log(mu[even]), 1)[0])
        odd = k[(k >= 3) & (k % 2 == 1)]
        odd_share = float(np.max(np.abs(mu[odd])) / mu[0])
        if case["b_std"] == 0:
            worst_odd = max(worst_odd, odd_share)
        out["cases"].append({**case, "slope_even": slope, "theory": theory(case["dim"], case["kernel"]),
                             "deviation": slope - theory(case["dim"], case["kernel"]), "odd_over_mu0": odd_share})
    out["max_deviation"] = float(max(abs(c["deviation"]) for c in out["cases"]))
    out["slopes_match_theory"] = out["max_deviation"] <= TOLERANCE
    out["odd_without_bias"] = worst_odd
    out["odd_vanish_without_bias"] = worst_odd < 1e-12
    out["b_std"] = sorted({c["b_std"] for c in meta["cases"]})
    out["depth"] = meta["model"]["depth"]
    out["references"] = {"Bietti & Mairal": 2019, "Basri et al.": 2019}
    return out


def caption(f: dict) -> str:
    slopes = "; ".join(f"{'circle' if c['dim'] == 2 else 'sphere'} {c['kernel'].upper()} b_std {c['b_std']:g}: "
                       f"{fixed(c['slope_even'])} (theory {c['theory']})" for c in f["cases"])
    text = [f"**Eigenvalues vs harmonic degree on the circle and the sphere.** ReLU NTK and NNGP of "
            f"{f['depth']} hidden layer (infinite width, raw inputs on the unit circle S^1 and sphere S^2, "
            f"b_std = {', '.join(f'{b:g}' for b in f['b_std'])}): the eigenvalue mu_k of the integral operator for "
            f"the uniform measure at each degree k (Funk-Hecke quadrature; degrees up to {f['max_degree']['2']} on "
            f"the circle and {f['max_degree']['3']} on the sphere). Dashed: the theoretical decays k^-d (NTK) and "
            f"k^-(d+2) (NNGP) for inputs in R^d ({'; '.join(f'{k} {v}' for k, v in f['references'].items())})."]
    if f["odd_vanish_without_bias"]:
        text.append(f"Without bias (open markers) the odd degrees k >= 3 vanish (at most {g(f['odd_without_bias'], 2)} "
                    f"of mu_0, round-off) and are not drawn.")
    else:
        text.append(f"Without bias (open markers) the odd degrees k >= 3 reach {g(f['odd_without_bias'], 2)} of mu_0.")
    fit = f"Fitted slopes of log mu_k against log k over even k >= {f['fit_from']}: {slopes}"
    if f["slopes_match_theory"]:
        text.append(f"{fit}; each within {f['tolerance']:g} of the theory (largest difference "
                    f"{fixed(f['max_deviation'])}).")
    else:
        text.append(f"{fit}; largest difference from the theory {fixed(f['max_deviation'])}.")
    return " ".join(text)


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.6))
        colours = {"ntk": "tab:blue", "nngp": "tab:orange"}
        for ax, dim in zip(axes, (2, 3)):
            k = arrays[f"degrees_d{dim}"]
            for case in (c for c in f["cases"] if c["dim"] == dim):
                mu = arrays[case["key"]]
                keep = (k >= 1) & (mu > 1e-12 * mu[0])
                ax.plot(k[keep], mu[keep], "o" if case["b_std"] else "s", ms=3,
                        mfc=colours[case["kernel"]] if case["b_std"] else "none", color=colours[case["kernel"]],
                        label=f"{case['kernel'].upper()}, b_std {case['b_std']:g}: slope {case['slope_even']:.2f}")
            for which, power in (("ntk", dim), ("nngp", dim + 2)):
                mu = arrays[f"d{dim}_b0.5_{which}"]
                ref = mu[8] * (k[1:] / 8.0) ** -power
                ax.plot(k[1:], ref, "--", color=colours[which], lw=0.9, label=f"k^-{power}")
            ax.set(xscale="log", yscale="log", xlabel="harmonic degree k", ylabel="eigenvalue mu_k",
                   title="circle S^1" if dim == 2 else "sphere S^2", ylim=(mu[-1] * 1e-3, None))
            ax.legend(frameon=False, fontsize=6.5)
        fig.tight_layout()
    return fig
