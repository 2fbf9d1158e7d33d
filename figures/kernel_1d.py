"""Figure: the 1D NTK in space and in frequency per mapping, from analysis.kernel_1d's saved results.

Redraw from saved data: ``python -m analysis.gallery --redraw --only kernel_1d``.
"""
from __future__ import annotations

import numpy as np

from figures import style
from figures.findings import f as fixed, g

ANALYSIS = "kernel_1d"
ORDER = 10
BAND = 0.9  # the band: the frequencies that hold this share of the non-constant spectrum
CLAIMS = {
    "quick": {"none_not_a_bump": True, "none_narrowest_band": True, "power_band_falls_with_p": True,
              "power_decay_steepens_with_p": True, "gaussian_band_grows_with_sigma": True},
    "full": {"none_not_a_bump": True, "none_narrowest_band": True, "power_band_falls_with_p": True,
             "power_decay_steepens_with_p": True, "gaussian_band_grows_with_sigma": True},
}


def _parameter(label: str) -> float:
    return float(label.split("=")[1])


def findings(arrays: dict, meta: dict) -> dict:
    labels, N = meta["labels"], meta["grid"]
    model = meta["model"]
    x = arrays["x"] - 0.5
    top = meta["features"] // 2  # the power-law mappings' largest frequency
    out = {"depth": model["depth"], "w_std": model["w_std"], "b_std": model["b_std"], "grid": N, "x0": 0.5,
           "features": meta["features"], "power_frequencies": [1, top], "fit_range": [4, top], "band": BAND,
           "band_frequency": {}, "slope": {}, "methods": meta["methods"],
           "approx_error": {k: v for k, v in meta["approx_error"].items() if meta["methods"][k] == "fft-circulant"}}
    for i, label in enumerate(labels):
        if label == "none":  # not stationary: is k(x0, x) largest away from x0?
            row = arrays[f"row_{i}"]
            out["none_peak_at"] = float(x[np.argmax(row)] + 0.5)
            out["none_not_a_bump"] = bool(row.max() > row[N // 2] * (1 + 1e-9))
            out["none_increasing"] = bool(np.all(np.diff(row) > 0))
        f, lam = np.abs(arrays[f"freq_{i}"]), arrays[f"eig_{i}"] / N
        keep = f > 0
        order = np.argsort(f[keep], kind="stable")
        share = np.cumsum(lam[keep][order]) / lam[keep].sum()
        out["band_frequency"][label] = int(f[keep][order][np.searchsorted(share, BAND)])
        fit = (f >= 4) & (f <= top) & (lam > 0)
        out["slope"][label] = float(np.polyfit(np.log(f[fit]), np.log(lam[fit]), 1)[0])
    power = [label for label in labels if label.startswith("power")]
    gauss = [label for label in labels if label.startswith("gaussian")]
    out["powers"] = [_parameter(label) if np.isfinite(_parameter(label)) else "inf" for label in power]
    out["sigmas"] = [_parameter(label) for label in gauss]
    others = [label for label in labels if label != "none"]
    out["none_narrowest_band"] = all(out["band_frequency"]["none"] < out["band_frequency"][label] for label in others)
    bands = [out["band_frequency"][label] for label in power]
    slopes = [out["slope"][label] for label in power]
    out["power_band_falls_with_p"] = bool(np.all(np.diff(bands) < 0))
    out["power_decay_steepens_with_p"] = bool(np.all(np.diff(slopes) <= 0.02))  # 0.02: equal within the fit
    out["gaussian_band_grows_with_sigma"] = bool(np.all(np.diff([out["band_frequency"][label] for label in gauss])
                                                        > 0))
    return out


def caption(f: dict) -> str:
    labels = list(f["band_frequency"])
    power = [label for label in labels if label.startswith("power")]
    gauss = [label for label in labels if label.startswith("gaussian")]
    band = f"{f['band'] * 100:.0f}% of the non-constant spectrum"
    text = [f"**NTK in space and in frequency (1D).** Left: the NTK k(x0, x) of a {f['depth']}-hidden-layer ReLU MLP "
            f"(infinite width, w_std = {g(f['w_std'])}, b_std = {g(f['b_std'])}) with each input mapping, on "
            f"{f['grid']} grid points of the unit interval, divided by its value at x = x0 = 1/2. Right: the "
            f"eigenvalues of the kernel's integral operator on the grid (the Gram matrix's eigenvalues divided by "
            f"the number of points N = {f['grid']}, so that they do not grow with N) against the frequency |f| of "
            f"their eigenvector in cycles per unit interval (symmetric-log axis, so that the constant mode, of "
            f"frequency zero, is shown); under gradient descent each sets its mode's convergence rate "
            f"exp(-eta lambda t / n). Triangles: the band, the frequencies that hold {band}."]
    none = "Raw coordinates (\"none\")"
    if f["none_not_a_bump"]:
        none += (f" give a kernel that is not stationary: k(x0, x) is not a bump around x0 but largest at x = "
                 f"{g(f['none_peak_at'])}" + (", rising with x all along;" if f["none_increasing"] else ";"))
    none += f" its band reaches |f| = {f['band_frequency']['none']}"
    none += ", the narrowest of all mappings (spectral bias)." if f["none_narrowest_band"] else "."
    text.append(none)
    bands = ", ".join(str(f["band_frequency"][label]) for label in power)
    slopes = ", ".join(fixed(f["slope"][label]) for label in power)
    ps = ", ".join(p if isinstance(p, str) else f"{p:g}" for p in f["powers"])
    lo, hi = f["power_frequencies"]
    measured = (f"bands up to |f| = {bands} and fitted slopes of log eigenvalue against log frequency (from "
                f"{f['fit_range'][0]} to {f['fit_range'][1]}) of {slopes} for p = {ps}")
    if f["power_band_falls_with_p"] and f["power_decay_steepens_with_p"]:
        text.append(f"Power-law features a_j = j^-p (frequencies {lo} to {hi}) set the decay: the band narrows and the "
                    f"decay steepens as p grows ({measured}); p = inf is the basic mapping, one frequency.")
    else:
        text.append(f"Power-law features a_j = j^-p (frequencies {lo} to {hi}): {measured}.")
    gb = ", ".join(str(f["band_frequency"][label]) for label in gauss)
    sig = ", ".join(f"{s:g}" for s in f["sigmas"])
    if f["gaussian_band_grows_with_sigma"]:
        text.append(f"Gaussian features of scale sigma = {sig} widen the band as sigma grows (up to |f| = {gb}).")
    else:
        text.append(f"Gaussian features of scale sigma = {sig}: bands up to |f| = {gb}.")
    errors = ", ".join(f"{label} {g(v, 2)}" for label, v in f["approx_error"].items())
    dense = [label for label, m in f["methods"].items() if m == "dense"]
    text.append(f"Exact FFT spectra (periodic kernels) except {', '.join(dense)} (not stationary: dense "
                f"eigendecomposition, each eigenvalue at its eigenvector's dominant frequency) and the Gaussian "
                f"features (circulant approximation; largest error relative to the top eigenvalue: {errors}).")
    return " ".join(text)


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    N = meta["grid"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(2, 2, figsize=(8.8, 6.2))
        labels = meta["labels"]
        families = [("none", "power"), ("none", "gaussian")]
        for row, family in enumerate(families):
            members = [i for i, label in enumerate(labels) if label.split()[0] in family]
            count = {fam: sum(labels[i].startswith(fam) for i in members) for fam in family}
            seen = {fam: 0 for fam in family}
            for i in members:
                label, fam = labels[i], labels[i].split()[0]
                c = style.colour(label, seen[fam], count[fam])
                seen[fam] += 1
                k = arrays[f"row_{i}"]
                axes[row, 0].plot(arrays["x"] - 0.5, k / k[len(k) // 2], color=c, lw=1.2, label=label)
                freq, lam = np.abs(arrays[f"freq_{i}"]), arrays[f"eig_{i}"] / N
                keep = lam > 1e-12 * lam.max()
                order = np.argsort(freq[keep], kind="stable")
                axes[row, 1].plot(freq[keep][order], lam[keep][order], ".", ms=2.5, color=c, label=label)
                axes[row, 1].plot([f["band_frequency"][label]], [1.0], "v", color=c, ms=5,
                                  transform=axes[row, 1].get_xaxis_transform(), clip_on=False)
            axes[row, 0].set(xlabel="x - x0 (x0 = 1/2)", ylabel="NTK k(x0, x) / k(x0, x0)", xlim=(-0.5, 0.5))
            axes[row, 1].set_xscale("symlog", linthresh=1.0)
            axes[row, 1].set(yscale="log", xlim=(-0.2, N / 2 * 1.2),
                             xlabel="frequency |f| (cycles per unit interval; symlog)",
                             ylabel=f"Gram-matrix eigenvalue / N (N = {N})")
            axes[row, 0].legend(frameon=False, ncol=1)
        axes[0, 0].set_title("NTK in space")
        axes[0, 1].set_title("NTK eigenvalues by frequency", pad=10)
        fig.tight_layout()
    return fig
