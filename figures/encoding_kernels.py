"""Figure: a grid encoding's point-spread function against its levels, and a sine network's bandwidth against
omega0."""
from __future__ import annotations

import math

import numpy as np

from figures import findings as found, style

ANALYSIS = "encoding_kernels"
ORDER = 56
FROM_LEVELS = 4  # the comparison of widths with the mean and finest cells, from this many levels on
CLAIMS = {
    "quick": {"width_follows_mean": True, "bandwidth_grows": True},
    "full": {"width_follows_mean": True, "bandwidth_grows": True},
}


def findings(arrays: dict, meta: dict) -> dict:
    levels = [int(v) for v in arrays["levels"]]
    width, finest, mean = arrays["fwhm_grid"], arrays["finest_cells"], arrays["mean_cells"]
    many = np.array(levels) >= FROM_LEVELS
    by_finest, by_mean = width * finest, width * mean
    omegas, bandwidth = arrays["omegas"], arrays["bandwidth"]
    slope = float(np.polyfit(np.log(omegas), np.log(bandwidth), 1)[0])
    return {
        "points": meta["points"], "x0": meta["x0"], "base": meta["base"], "finest": meta["finest"],
        "table_size": meta["table_size"], "depth": meta["depth"], "siren_depth": meta["siren_depth"],
        "levels": levels, "fwhm": width.tolist(), "fwhm_hash": arrays["fwhm_hash"].tolist(),
        "mean_cells": mean.tolist(), "fwhm_times_finest": by_finest.tolist(), "fwhm_times_mean": by_mean.tolist(),
        "from_levels": FROM_LEVELS,
        "width_follows_mean": bool(np.all(np.abs(np.log(by_mean[many])) < np.abs(np.log(by_finest[many])))),
        "hash_fwhm_change": float(np.max(np.abs(arrays["fwhm_hash"] / width - 1.0))),
        "omegas": omegas.tolist(), "bandwidth": bandwidth.tolist(),
        "bandwidth_per_omega0": (bandwidth / omegas).tolist(), "one_over_two_pi": 1.0 / (2.0 * math.pi),
        "bandwidth_slope": slope, "bandwidth_grows": bool(np.all(np.diff(bandwidth) > 0)),
        "gaps": int(np.isnan(arrays["siren_spectra"][:, 1:]).sum()),
    }


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    x, x0 = arrays["x"], meta["x0"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 3, figsize=(13.0, 3.6))
        for i, count in enumerate(f["levels"]):
            colour = plt.get_cmap("viridis")(0.9 * i / max(len(f["levels"]) - 1, 1))
            axes[0].plot(x - x0, arrays["psf_grid"][i], color=colour, lw=1.3, label=f"{count} level(s)")
        axes[0].set(xlim=(-0.1, 0.1), xlabel="x - x0", ylabel="k(x0, x) above the far field, peak 1",
                    title="grid encoding: point-spread function")
        axes[0].legend(frameon=False, fontsize=7)
        axes[1].plot(f["levels"], f["fwhm_times_finest"], "o-", label="FWHM x finest cells")
        axes[1].plot(f["levels"], f["fwhm_times_mean"], "s-", label="FWHM x mean cells (geometric)")
        axes[1].axhline(1.0, color="0.6", lw=0.7, ls=":")
        axes[1].set(xscale="log", yscale="log", xlabel="levels", ylabel="width in cells", title="its width")
        axes[1].legend(frameon=False, fontsize=7)
        k = arrays["k"]
        for i, omega0 in enumerate(f["omegas"]):
            colour = plt.get_cmap("plasma")(0.85 * i / max(len(f["omegas"]) - 1, 1))
            lam = arrays["siren_spectra"][i]
            axes[2].plot(k[1:], lam[1:] / np.nanmax(lam), color=colour, lw=1.3, label=f"omega0 {omega0:g}")
            axes[2].axvline(f["bandwidth"][i], color=colour, lw=0.7, ls=":")
        axes[2].axhline(0.5, color="0.6", lw=0.7, ls=":")
        axes[2].set(xscale="log", yscale="log", ylim=(1e-6, 2), xlabel="frequency k (cycles per unit)",
                    ylabel="lambda_k / lambda_max", title="SIREN: NTK spectrum by omega0")
        axes[2].legend(frameon=False, fontsize=7, loc="lower left")
        fig.tight_layout()
    return fig


def caption(f: dict) -> str:
    text = [f"**Two kernels in space and frequency.** Left: the NTK row k(x0, x) of a {f['depth']}-hidden-layer ReLU "
            f"MLP on a dense grid encoding ({f['base']} to {f['finest']} cells, levels in colour) on {f['points']} "
            f"points of [0, 1), x0 = {found.g(f['x0'], 4)}: the change of the function after one gradient step on "
            "a point at x0, shown above its far-field value and relative to its largest. Middle: its full width at half "
            "maximum (FWHM) in cells of the finest level and of the mean (geometric) level: "
            + "; ".join(f"{n} level(s) {found.f(a)} and {found.f(b)}" for n, a, b in
                        zip(f["levels"], f["fwhm_times_finest"], f["fwhm_times_mean"])) + "."]
    if f["width_follows_mean"]:
        text.append(f"From {f['from_levels']} levels on, the width is closer to one cell of the mean level than to "
                    "one of the finest, as Dai and Fan (arXiv 2602.10495) find for hash encodings.")
    text.append(f"Hash tables of {f['table_size']} rows (collisions on the finest levels) change the FWHM by at most "
                f"{found.sci(f['hash_fwhm_change'])} of itself.")
    pairs = "; ".join(f"omega0 {found.g(w)}: {found.f(b)}" for w, b in zip(f["omegas"], f["bandwidth"]))
    text.append(f"Right: the NTK spectrum of SIREN ({f['siren_depth']} sine layers) on the same points, by dominant "
                f"frequency, for each omega0; dotted, the frequency where it falls to half its largest value ({pairs} "
                f"cycles per unit).")
    if f["bandwidth_grows"]:
        text.append(f"The bandwidth grows with omega0 (log-log slope {found.f(f['bandwidth_slope'])}; 1 would be "
                    f"proportional), as Belbute-Peres and Kolter (arXiv 2211.14503) describe; bandwidth / omega0 is "
                    + ", ".join(found.f(v, 3) for v in f["bandwidth_per_omega0"])
                    + f" against 1 / (2 pi) = {found.f(f['one_over_two_pi'], 3)}.")
    if f["gaps"]:
        text.append(f"Gaps in the spectra ({f['gaps']}) are frequencies no eigenvector is labelled with, where "
                    "near-equal eigenvalues mix frequencies.")
    return " ".join(text)
