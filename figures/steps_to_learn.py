"""Figure: predicted gradient-descent steps to learn frequency k, for Gaussian features (sigma) and power-law
features (p), raw inputs for reference."""
from __future__ import annotations

import numpy as np

from figures import findings as found, style

ANALYSIS = "steps_to_learn"
ORDER = 60
WITHIN = 100  # "learned within tens of steps": fewer than this many
POWER_LAW = 3.0  # "t_k grows like a power of k": the fit is within this factor of every t_k
CLAIMS = {
    "quick": {"gaussian_low_within": True, "gaussian_high_faster_with_sigma": True, "power_law": True,
              "power_slopes_increase_with_p": True},
    "full": {"gaussian_high_faster_with_sigma": True, "power_law": True,
             "power_slopes_increase_with_p": True},
}


def _fit(k: np.ndarray, steps: np.ndarray) -> dict:
    """Slope of log t_k against log k over 1 <= k (gaps left out) and the largest factor between fit and t_k."""
    ok = (k >= 1) & np.isfinite(steps)
    coef = np.polyfit(np.log(k[ok]), np.log(steps[ok]), 1)
    misfit = float(np.exp(np.max(np.abs(np.log(steps[ok]) - np.polyval(coef, np.log(k[ok]))))))
    return {"slope": float(coef[0]), "intercept": float(coef[1]), "max_factor": misfit}


def findings(arrays: dict, meta: dict) -> dict:
    k, labels, half = arrays["k"], meta["labels"], meta["size"] // 2
    steps = {label: arrays[f"steps_{i}"] for i, label in enumerate(labels)}
    gaussian = []
    for sigma in meta["sigmas"]:
        t = steps[f"gaussian sigma={sigma:g}"]
        low = t[(k >= 1) & (k <= sigma)]
        gaussian.append({"sigma": sigma, "max_steps_up_to_sigma": float(np.nanmax(low)),
                         "steps_at_half": float(t[half]), "gaps": int(np.isnan(t[1:]).sum())})
    power = [{"p": p, **_fit(k, steps[f"power p={p:g}"])} for p in meta["powers"]]
    raw = _fit(k, steps["none"])
    slopes = [row["slope"] for row in power]
    at_half = [row["steps_at_half"] for row in gaussian]
    return {
        "size": meta["size"], "half": half, "level": meta["level"], "level_percent": 100 * meta["level"],
        "depth": meta["depth"], "features": meta["features"], "interval": [0, 1],
        "top_mode_steps": int(min(np.nanmin(t[:1]) for t in steps.values())),
        "within": WITHIN, "power_law_factor": POWER_LAW,
        "gaussian": gaussian, "power": power, "raw": raw,
        "gaussian_low_max": max(row["max_steps_up_to_sigma"] for row in gaussian),
        "gaussian_low_within": all(row["max_steps_up_to_sigma"] < WITHIN for row in gaussian),
        "gaussian_high_faster_with_sigma": bool(np.all(np.diff(at_half) < 0)),
        "power_law": all(row["max_factor"] <= POWER_LAW for row in power),
        "power_max_factor": max(row["max_factor"] for row in power),
        "power_slopes_increase_with_p": bool(np.all(np.diff(slopes) > 0)),
        "gaps": sum(row["gaps"] for row in gaussian), "methods": meta["methods"],
    }


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    labels, k = meta["labels"], arrays["k"]
    families = {"gaussian": "Gaussian features: scale sigma", "power": "power-law features: exponent p"}
    fits = {f"power p={row['p']:g}": row for row in f["power"]}
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.7), sharey=True)
        for ax, (family, title) in zip(axes, families.items()):
            members = [label for label in labels if label.startswith(family)]
            for i, label in enumerate(labels):
                steps = arrays[f"steps_{i}"]
                shown = np.where((k >= 1) & np.isfinite(steps), steps, np.nan)  # gaps: no eigenvector labelled k
                if label == "none":
                    ax.plot(k, shown, "--", color=style.colour(label), lw=1.2,
                            label=f"raw coordinates (slope {f['raw']['slope']:.2f})")
                elif label in members:
                    c = style.colour(label, members.index(label), len(members))
                    name = label.split()[-1].replace("=", " = ")
                    if label in fits:  # the fitted power law, with its slope
                        row = fits[label]
                        ax.plot(k[1:], np.exp(row["intercept"]) * k[1:] ** row["slope"], ":", color=c, lw=1)
                        name += f" (slope {row['slope']:.2f})"
                    ax.plot(k, shown, "-", color=c, lw=1.6, label=name)
                    if family == "gaussian":  # k = sigma
                        sigma = float(label.split("=")[1])
                        ax.axvline(sigma, color=c, lw=0.8, ls=(0, (1, 3)))
            ax.axhline(f["within"], color="0.5", lw=0.6)
            ax.set(xscale="log", yscale="log", xlabel="frequency k (cycles per unit interval)", title=title)
            ax.legend(frameon=False, loc="upper left")
        axes[0].set_ylabel(f"steps until residual < {f['level_percent']:g}%")
        fig.tight_layout()
    return fig


def caption(f: dict) -> str:
    sigmas = ", ".join(found.g(row["sigma"]) for row in f["gaussian"])
    low = ", ".join(found.g(row["max_steps_up_to_sigma"]) for row in f["gaussian"])
    high = ", ".join(found.g(row["steps_at_half"], 6) for row in f["gaussian"])
    slopes = ", ".join(f"{found.f(row['slope'])} (p = {found.g(row['p'])})" for row in f["power"])
    text = [f"**How many steps each frequency takes.** Predicted number of gradient-descent steps t_k until the "
            f"training residual at frequency k (cycles per unit interval) has fallen below "
            f"{found.g(f['level_percent'])}% "
            f"of its initial value, t_k = ceil(log {found.g(f['level'])} / log(1 - eta lambda_k / n)), from the "
            f"NTK's eigenvalue lambda_k at frequency k on a {f['size']}-point grid on "
            f"[{f['interval'][0]}, {f['interval'][1]}) with every point "
            f"a training value (n = {f['size']}), at half the largest stable rate, eta = n / lambda_max (the top mode "
            f"is learned in {f['top_mode_steps']} step). ReLU MLPs with {f['depth']} hidden layers."]
    gauss = (f"Left: Gaussian Fourier features ({f['features']} features) of scale sigma = {sigmas} (dotted "
             f"verticals at k = sigma; grey line: {f['within']} steps): the slowest frequency k <= sigma takes {low} "
             "steps")
    if f["gaussian_low_within"]:
        gauss += f", so frequencies up to about sigma are learned within {f['within']} steps"
    gauss += f"; at k = {f['half']} they take {high} steps"
    if f["gaussian_high_faster_with_sigma"]:
        gauss += ", fewer the larger sigma"
    text.append(gauss + ".")
    power = (f"Right: power-law features on the integer frequencies {f['interval'][1]} to {f['half']} with amplitudes "
             "k^-p; "
             f"fitted log-log slopes of t_k against k (dotted): {slopes}")
    if f["power_law"]:
        power += (f", each fit within a factor {found.g(f['power_law_factor'])} of every t_k (largest "
                  f"{found.f(f['power_max_factor'])}), so t_k grows roughly like a power of k")
    if f["power_slopes_increase_with_p"]:
        power += ", faster for larger p"
    text.append(power + f". Dashed: raw coordinates (mapping `none`; slope {found.f(f['raw']['slope'])}).")
    gaps = (f" ({f['gaps']} frequencies of the Gaussian features have no eigenvector of their own: gaps)"
            if f["gaps"] else "")
    text.append("Eigenvalues are exact: by FFT for the power-law features (periodic kernels), by dense "
                "eigendecomposition for raw coordinates and Gaussian features (not periodic on the grid), each "
                "eigenvector then labelled by its dominant frequency and frequency k given the largest eigenvalue "
                f"labelled +-k{gaps}.")
    return " ".join(text)
