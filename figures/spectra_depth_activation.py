"""Figure: NTK grid spectra of Gaussian-feature MLPs across depth (colour) and activation (panel)."""
from __future__ import annotations


import numpy as np

from figures import findings as found, style

ANALYSIS = "spectra_depth_activation"
ORDER = 50
FLOOR = 1e-7  # ratios below this are round-off of the dense eigenvalues: not drawn
HIGH = 4  # the high frequencies: k >= HIGH sigma
STEEPER = 1.0  # "falls off faster": a tail slope more negative than relu's by at least this
WHITE = 0.99  # "nearly white": every ratio lambda_k / lambda_max above this
CLAIMS = {
    "quick": {"lambda0_grows_with_depth": True, "low_ratio_falls_with_depth": True, "high_rises_with_depth": True,
              "siren_white": True},
    "full": {"lambda0_grows_with_depth": True, "low_ratio_falls_with_depth": True, "high_rises_with_depth": True,
             "smooth_tail_steeper": True, "siren_white": True},
}


def _ratios(lam: np.ndarray) -> np.ndarray:
    return lam / np.nanmax(lam, axis=-1, keepdims=True)


def findings(arrays: dict, meta: dict) -> dict:
    k, depths, size, sigma = arrays["k"], [int(d) for d in arrays["depths"]], meta["size"], meta["sigma"]
    half, quarter, low = size // 2, size // 4, int(round(sigma / 2))
    high = k >= HIGH * sigma
    per = {}
    for activation in meta["activations"]:
        lam = arrays[f"eigenvalues_{activation}"]
        r = _ratios(lam)
        steps = np.diff(r[:, high], axis=0)
        per[activation] = {
            "lambda0": lam[:, 0].tolist(), "lambda0_is_max": bool(np.all(lam[:, 0] >= np.nanmax(lam, axis=1))),
            "ratio_low": r[:, low].tolist(), "ratio_quarter": r[:, quarter].tolist(), "ratio_half": r[:, half].tolist(),
            "tail_slope": (np.log(r[:, half] / r[:, quarter]) / np.log(half / quarter)).tolist(),
            "lambda0_grows": bool(np.all(np.diff(lam[:, 0]) > 0)),
            "low_falls": bool(np.all(np.diff(r[:, low]) < 0)),
            "high_rises": bool(high.any() and np.all((steps > 0) | np.isnan(steps))),
            "gaps": int(np.isnan(lam[:, 1:]).sum()),
        }
    smooth = [a for a in meta["activations"] if a != "relu"]
    steeper = None
    if "relu" in per and smooth:
        relu = np.array(per["relu"]["tail_slope"])
        margin = min(float(np.min(relu - np.array(per[a]["tail_slope"]))) for a in smooth)
        steeper = {"margin": margin, "holds": margin >= STEEPER}
    siren = _ratios(arrays["eigenvalues_siren_omega0"])
    return {
        "size": size, "half": half, "quarter": quarter, "low": low, "sigma": sigma, "features": meta["features"],
        "depths": depths, "activations": meta["activations"], "sin_omega0": meta["sin_omega0"],
        "siren_omega0": meta["siren_omega0"], "floor": FLOOR, "high_from": HIGH * sigma, "high_factor": HIGH,
        "steeper_by": STEEPER, "white": WHITE, "interval": [0, 1], "per_activation": per,
        "lambda0_grows_with_depth": all(v["lambda0_grows"] and v["lambda0_is_max"] for v in per.values()),
        "low_ratio_falls_with_depth": all(v["low_falls"] for v in per.values()),
        "high_rises_with_depth": all(v["high_rises"] for v in per.values()),
        "smooth_tail_steeper": bool(steeper and steeper["holds"]),
        "smooth_margin": steeper["margin"] if steeper else None,
        "relu_tail_slopes": [min(per["relu"]["tail_slope"]), max(per["relu"]["tail_slope"])] if "relu" in per else None,
        "smooth_tail_slopes": ([min(min(per[a]["tail_slope"]) for a in smooth),
                                max(max(per[a]["tail_slope"]) for a in smooth)] if smooth else None),
        "siren_min_ratio": float(np.nanmin(siren)), "siren_white": bool(np.nanmin(siren) >= WHITE),
        "gaps": sum(v["gaps"] for v in per.values()),
    }


def draw(arrays: dict, meta: dict, f: dict):
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
                ratio = np.where(ratio > f["floor"], ratio, np.nan)  # below: round-off of the dense eigenvalues
                ax.plot(k[1:], ratio[1:], color=colour, lw=1.4, label=f"depth {depth}")
            ax.axvline(f["high_from"], color="0.5", lw=0.7, ls=":")
            name = f"sin (omega0 = {meta['sin_omega0']:g})" if activation == "sin" else activation
            ax.set(xscale="log", yscale="log", xlabel="frequency k (cycles per unit interval)", title=name)
        axes[0, 0].set_ylabel("lambda_k / lambda_max")
        axes[0, -1].legend(frameon=False, loc="lower left")
        fig.tight_layout()
    return fig



def caption(f: dict) -> str:
    per, acts = f["per_activation"], f["activations"]
    text = [f"**The network behind the mapping shapes the spectrum.** NTK eigenvalue lambda_k at each frequency k "
            f"(cycles per unit interval), relative to the largest, on a {f['size']}-point grid on "
            f"[{f['interval'][0]}, {f['interval'][1]}), for MLPs after the same Gaussian Fourier features "
            f"(sigma {found.g(f['sigma'])}, {f['features']} features), by activation (panels; sin is sin(omega0 z) "
            f"with omega0 = {found.g(f['sin_omega0'])}) and number of hidden layers (colour: "
            f"{', '.join(map(str, f['depths']))})."]
    if f["siren_white"]:
        text.append(f"At SIREN's omega0 = {found.g(f['siren_omega0'])} the kernel after these features is nearly "
                    f"white (one hidden layer: every lambda_k / lambda_max >= {found.f(f['siren_min_ratio'], 4)}).")
    lam0 = "; ".join(f"{a} {found.sci(per[a]['lambda0'][0], 3)} to {found.sci(per[a]['lambda0'][-1], 3)}" for a in acts)
    if f["lambda0_grows_with_depth"]:
        text.append(f"The constant mode (k = {f['interval'][0]}) has the largest eigenvalue and it grows with depth "
                    f"({lam0}; eigenvalues of the {f['size']} x {f['size']} Gram matrix, which scale with the "
                    "number of grid points).")
    else:
        text.append(f"lambda_0 from the shallowest to the deepest network: {lam0} (eigenvalues of the {f['size']} x "
                    f"{f['size']} Gram matrix, which scale with the number of grid points).")
    low = "; ".join(f"{a} {found.sci(per[a]['ratio_low'][0])} to {found.sci(per[a]['ratio_low'][-1])}" for a in acts)
    text.append(f"Relative to it, low frequencies {'lose' if f['low_ratio_falls_with_depth'] else 'change'} with "
                f"depth (lambda_k / lambda_max at k = {f['low']}: {low})")
    high = "; ".join(f"{a} {found.sci(per[a]['ratio_half'][0])} to {found.sci(per[a]['ratio_half'][-1])}" for a in acts)
    if f["high_rises_with_depth"]:
        text[-1] += (f", while at every frequency k >= {found.g(f['high_from'])} (dotted; {f['high_factor']} sigma) "
                     f"the ratio rises with every added layer (at k = {f['half']}: {high}): deeper networks learn "
                     "high frequencies relatively faster (the steps to learn frequency k scale like "
                     "lambda_max / lambda_k, gallery figure `steps_to_learn`).")
    else:
        text[-1] += f"; at k = {f['half']}: {high}."
    if f["smooth_tail_steeper"]:
        text.append(f"The smooth activations fall off faster at high k than relu: the log-log slope of lambda_k "
                    f"between k = {f['quarter']} and {f['half']} is {found.f(f['smooth_tail_slopes'][0])} to "
                    f"{found.f(f['smooth_tail_slopes'][1])} for them against {found.f(f['relu_tail_slopes'][0])} to "
                    f"{found.f(f['relu_tail_slopes'][1])} for relu.")
    elif f["relu_tail_slopes"] and f["smooth_tail_slopes"]:
        text.append(f"Log-log slope of lambda_k between k = {f['quarter']} and {f['half']}: relu "
                    f"{found.f(f['relu_tail_slopes'][0])} to {found.f(f['relu_tail_slopes'][1])}, the others "
                    f"{found.f(f['smooth_tail_slopes'][0])} to {found.f(f['smooth_tail_slopes'][1])}.")
    gaps = (f"; {f['gaps']} gap{'s' if f['gaps'] > 1 else ''}: no eigenvector labelled k, where near-equal "
            "eigenvalues mix frequencies" if f["gaps"] else "")
    text.append("Exact eigenvalues by dense eigendecomposition, each eigenvector labelled by its dominant frequency "
                f"(frequency k: the largest eigenvalue labelled +-k{gaps}); values below {found.sci(f['floor'])} "
                "lambda_max are round-off and not drawn.")
    return " ".join(text)
