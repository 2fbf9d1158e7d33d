"""Figure: 2D NTK eigenvalues over the frequency plane, positional vs Gaussian features (isotropy)."""
from __future__ import annotations

import numpy as np

from figures import style
from figures.findings import f as fixed, g, pct

ANALYSIS = "kernel_2d"
ORDER = 20
DIAGONAL = 15.0  # degrees: "near the diagonal" is within this angle of 45 degrees
TOLERANCE = 0.1  # isotropic: on-axis / diagonal within 10% of 1 at every ring
CLAIMS = {"quick": {"positional_axis_dominant": True, "gaussian_isotropic": True},
          "full": {"positional_axis_dominant": True, "gaussian_isotropic": True}}


def ring_ratios(image: np.ndarray, freq: np.ndarray) -> tuple[list, list]:
    """(radii, on-axis / near-diagonal mean eigenvalue) on rings |f| in [r - 1/2, r + 1/2) from r = 2 to a quarter
    of the grid, where the ring has points near the diagonal."""
    f1, f2 = np.meshgrid(freq, freq, indexing="ij")
    radius, angle = np.hypot(f1, f2), np.degrees(np.arctan2(np.abs(f2), np.abs(f1)))
    radii, ratios = [], []
    for r in range(2, len(freq) // 4 + 1):
        ring = (radius >= r - 0.5) & (radius < r + 0.5)
        axis, diagonal = ring & ((f1 == 0) | (f2 == 0)), ring & (np.abs(angle - 45) <= DIAGONAL)
        if axis.any() and diagonal.any():
            radii.append(r)
            ratios.append(float(image[axis].mean() / image[diagonal].mean()))
    return radii, ratios


def findings(arrays: dict, meta: dict) -> dict:
    labels = meta["labels"]
    out = {"depth": meta["model"]["depth"], "grid": meta["grid"], "points": meta["grid"] ** 2,
           "sigma": meta["sigma"], "sigma_gaussian": meta["mapping_1"]["sigma"], "diagonal_degrees": DIAGONAL,
           "tolerance": TOLERANCE, "approx_error": meta["approx_error"], "axis_over_diagonal": {}}
    for i, label in enumerate(labels):
        radii, ratios = ring_ratios(arrays[f"image_{i}"], arrays["freq"])
        out["radii"] = [radii[0], radii[-1]]
        out["axis_over_diagonal"][label] = {"median": float(np.median(ratios)), "min": float(np.min(ratios)),
                                            "max": float(np.max(ratios)), "by_ring": ratios}
    pos, gauss = out["axis_over_diagonal"][labels[0]], out["axis_over_diagonal"][labels[1]]
    out["positional_axis_dominant"] = bool(pos["min"] > 1 + TOLERANCE)
    out["gaussian_deviation"] = float(max(abs(gauss["min"] - 1), abs(gauss["max"] - 1)))
    out["gaussian_isotropic"] = out["gaussian_deviation"] <= TOLERANCE
    return out


def caption(f: dict) -> str:
    labels = list(f["axis_over_diagonal"])
    pos, gauss = f["axis_over_diagonal"][labels[0]], f["axis_over_diagonal"][labels[1]]
    r0, r1 = f["radii"]
    text = [f"**2D NTK spectra: positional vs Gaussian features.** Eigenvalue of each 2D Fourier mode "
            f"exp(2pi i f.x) of the NTK of a {f['depth']}-hidden-layer ReLU MLP (infinite width) on a {f['grid']} x "
            f"{f['grid']} grid of the unit square (log colour scale; the Gram matrix's eigenvalues divided by the "
            f"number of points N = {f['points']}), against the frequency (f1, f2) in cycles per unit. Right: at each "
            f"|f| (rings of unit width from {r0} to {r1}), the mean eigenvalue on the frequency axes over the mean "
            f"within {f['diagonal_degrees']:g} degrees of the diagonal."]
    measured = f"on-axis / diagonal {fixed(pos['min'])} to {fixed(pos['max'])}, median {fixed(pos['median'])}"
    if f["positional_axis_dominant"]:
        text.append(f"Axis-aligned positional encoding (scale {g(f['sigma'])}) concentrates the large eigenvalues "
                    f"along the frequency axes ({measured}), so diagonal structure is learned more slowly than "
                    f"axis-aligned structure of the same frequency.")
    else:
        text.append(f"Axis-aligned positional encoding (scale {g(f['sigma'])}): {measured}.")
    gm = f"on-axis / diagonal {fixed(gauss['min'])} to {fixed(gauss['max'])}"
    if f["gaussian_isotropic"]:
        text.append(f"Gaussian features (isotropic; shown in their infinite-features limit, scale "
                    f"{g(f['sigma_gaussian'])}) give a spectrum that depends on |f| only ({gm}: within "
                    f"{pct(f['gaussian_deviation'], 0)} of equal).")
    else:
        text.append(f"Gaussian features (infinite-features limit, scale {g(f['sigma_gaussian'])}): {gm}.")
    errors = ", ".join(f"{k} {g(v, 2)}" for k, v in f["approx_error"].items())
    text.append(f"Neither kernel is periodic on the grid, so these are circulant approximations; largest |error| / "
                f"lambda_max against the dense eigenvalues: {errors}.")
    return " ".join(text)


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    N = meta["grid"] ** 2
    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(12.0, 3.7), constrained_layout=True)
        grid = fig.add_gridspec(1, 3, width_ratios=[1, 1, 0.9])
        axes = [fig.add_subplot(grid[0, i]) for i in range(3)]
        freq = arrays["freq"]
        images = [np.log10(np.maximum(arrays[f"image_{i}"] / N, 1e-15)) for i in range(len(meta["labels"]))]
        lo, hi = min(im.min() for im in images), max(im.max() for im in images)
        for ax, image, label in zip(axes[:2], images, meta["labels"]):
            mesh = ax.imshow(image.T, origin="lower", cmap="magma", vmin=max(lo, hi - 8), vmax=hi,
                             extent=(freq[0] - 0.5, freq[-1] + 0.5, freq[0] - 0.5, freq[-1] + 0.5))
            ax.set(xlabel="frequency f1 (cycles per unit)", ylabel="frequency f2 (cycles per unit)", title=label)
            ax.grid(False)
        fig.colorbar(mesh, ax=axes[:2], label=f"log10 (Gram-matrix eigenvalue / N), N = {N}", shrink=0.9)
        ax = axes[2]
        ax.axhspan(1 - f["tolerance"], 1 + f["tolerance"], color="0.9", lw=0)
        for i, label in enumerate(meta["labels"]):
            ratios = f["axis_over_diagonal"][label]["by_ring"]
            ax.plot(np.arange(len(ratios)) + f["radii"][0], ratios, "o-", ms=3.5, color=style.colour(label, i, 2),
                    label=label)
        ax.set(yscale="log", xlabel="|f| (cycles per unit)", ylabel="on-axis / near-diagonal eigenvalue",
               title="anisotropy at equal |f|")
        ax.yaxis.set_major_formatter(style.matplotlib.ticker.FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(style.matplotlib.ticker.FormatStrFormatter("%g"))
        ax.legend(frameon=False)
    return fig
