"""Figure: spectrum of the input covariance and of the NTK on top of it, by depth; analytic and empirical."""
from __future__ import annotations

import numpy as np

from analysis.kernel_spreading import outside
from figures import style
from figures.findings import g, pct

ANALYSIS = "kernel_spreading"
ORDER = 210
Z = 3.0  # the empirical share agrees when within this many standard errors (over seeds) of the analytic one,
TOLERANCE = 0.05  # or within this relative difference (finite width shifts it by O(1 / width))
CLAIMS = {"quick": {"input_only_mapping_frequencies": True, "spreads_with_depth": True,
                    "empirical_spreads_with_depth": True, "empirical_matches_analytic": True},
          "full": {"input_only_mapping_frequencies": True, "spreads_with_depth": True,
                   "empirical_spreads_with_depth": True, "empirical_matches_analytic": True}}


def findings(arrays: dict, meta: dict) -> dict:
    depths, freqs = meta["depths"], meta["frequencies"]
    inp = np.abs(arrays["input"])
    out = {"depths": depths, "frequencies": freqs, "size": meta["size"], "width": meta["width"],
           "seeds": meta["seeds"], "z": Z, "tolerance": TOLERANCE,
           "input_elsewhere": float(np.max(np.delete(inp, freqs)) / inp.max())}
    out["input_only_mapping_frequencies"] = out["input_elsewhere"] < 1e-12
    analytic = [outside(arrays[f"analytic_{d}"]) for d in depths]
    per_seed = np.array([[outside(s) for s in arrays[f"empirical_{d}"]] for d in depths])  # (depths, seeds)
    mean, sd = per_seed.mean(1), per_seed.std(1, ddof=1)
    se = sd / np.sqrt(per_seed.shape[1])
    out["outside_analytic"] = analytic
    out["outside_empirical"] = {"mean": mean.tolist(), "sd": sd.tolist(), "per_seed": per_seed.tolist()}
    out["z_scores"] = ((mean - np.array(analytic)) / se).tolist()
    out["spreads_with_depth"] = bool(np.all(np.diff(analytic) > 0))
    out["empirical_spreads_with_depth"] = bool(np.all(np.diff(per_seed, axis=0) > 0))
    relative = np.abs(mean - np.array(analytic)) / np.array(analytic)
    out["relative_difference"] = relative.tolist()
    out["empirical_matches_analytic"] = bool(np.all((np.abs(out["z_scores"]) <= Z) | (relative <= TOLERANCE)))
    deviation = []
    for d in depths:  # per frequency, where the analytic spectrum is above 1e-3 of its largest value
        a, e = arrays[f"analytic_{d}"], arrays[f"empirical_{d}"].mean(0)
        keep = np.abs(a) > 1e-3 * np.abs(a).max()
        deviation.append(float(np.median(np.abs(e[keep] - a[keep]) / np.abs(a[keep]))))
    out["median_deviation_by_frequency"] = deviation
    out["floor"] = 1e-3
    return out


def caption(f: dict) -> str:
    depths = ", ".join(str(d) for d in f["depths"])
    shares = ", ".join(pct(v, 1) for v in f["outside_analytic"])
    emp = ", ".join(f"{pct(m, 1)} (sd {pct(s, 1)})" for m, s in zip(f["outside_empirical"]["mean"],
                                                                      f["outside_empirical"]["sd"]))
    text = [f"**The network spreads the mapping's frequencies.** A mapping with only frequencies "
            f"{' and '.join(map(str, f['frequencies']))} (equal amplitudes) on a grid of {f['size']} points of the "
            f"unit interval"]
    if f["input_only_mapping_frequencies"]:
        text[0] += (f": its input covariance (grey bars, scaled) has energy at those frequencies alone (elsewhere at "
                    f"most {g(f['input_elsewhere'], 2)} of its largest value, round-off).")
    else:
        text[0] += f": its input covariance (grey bars) reaches {g(f['input_elsewhere'], 2)} elsewhere."
    share = (f"the share of the NTK's spectrum outside frequency zero and the mapping's frequencies is {shares} "
             f"at depth {depths}")
    lead = (f"The NTK of ReLU networks of depth L = {depths} on top of it (lines: the eigenvalues of its Gram "
            f"matrix on the grid, which scale with the number of points, by frequency; analytic, exact by FFT since "
            f"the kernels are periodic)")
    if f["spreads_with_depth"]:
        text.append(f"{lead} also has energy at their harmonics and sums, more of it the deeper the network: "
                    f"{share}.")
    else:
        text.append(f"{lead}: {share}.")
    dots = (f"Dots: the empirical NTK of networks of width {f['width']} at initialisation (the circulant part of "
            f"each network's NTK on the grid; mean of {f['seeds']} seeds, bars: their standard deviation); its "
            f"share outside is {emp}")
    if f["empirical_matches_analytic"]:
        dots += (f", within {f['z']:g} standard errors or {pct(f['tolerance'])} of the analytic share at every "
                 f"depth (relative differences {', '.join(pct(v, 1) for v in f['relative_difference'])})")
    if f["empirical_spreads_with_depth"]:
        dots += ", and rises with depth for every seed"
    dots += (f"; per frequency, the seed mean differs from the analytic spectrum by a median of "
             f"{', '.join(pct(v, 1) for v in f['median_deviation_by_frequency'])} at depth {depths}.")
    text.append(dots)
    if f["spreads_with_depth"]:
        text.append("Spectral bias then acts on this spread spectrum, not on the mapping's own.")
    return " ".join(text)


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    freq = arrays["frequency"]
    cmap = plt.get_cmap("viridis")
    depths = meta["depths"]
    with plt.rc_context(style.RC):
        fig, (ax, side) = plt.subplots(1, 2, figsize=(10.0, 3.9), gridspec_kw={"width_ratios": [1.7, 1]})
        scale = arrays[f"analytic_{depths[0]}"].max() / arrays["input"].max()
        ax.bar(freq, np.clip(arrays["input"] * scale, 1e-30, None), color="0.75", width=0.8,
               label="input covariance (scaled)")
        for i, depth in enumerate(depths):
            c = cmap(0.1 + 0.8 * i / max(len(depths) - 1, 1))
            empirical = arrays[f"empirical_{depth}"]
            ax.plot(freq, np.abs(arrays[f"analytic_{depth}"]), "-", color=c, lw=1.5, label=f"NTK, depth {depth}")
            ax.errorbar(freq, np.abs(empirical.mean(0)), yerr=empirical.std(0, ddof=1), fmt=".", color=c, ms=4,
                        elinewidth=0.6)
        floor = min(np.abs(arrays[f"analytic_{d}"]).min() for d in depths) / 5
        ax.set(yscale="log", xlabel="frequency k (cycles per unit interval)",
               ylabel=f"Gram-matrix eigenvalue (N = {meta['size']})",
               ylim=(floor, arrays[f"analytic_{depths[-1]}"].max() * 5),
               title=f"lines: analytic; dots: width {meta['width']}, {meta['seeds']} seeds")
        ax.legend(frameon=False, fontsize=7.5, ncol=2)
        side.plot(depths, np.array(f["outside_analytic"]) * 100, "k-", lw=1.5, label="analytic")
        per_seed = np.array(f["outside_empirical"]["per_seed"]) * 100
        for s in range(per_seed.shape[1]):
            side.plot(depths, per_seed[:, s], "o", ms=3.5, color="tab:blue", alpha=0.7,
                      label="empirical, one per seed" if s == 0 else None)
        side.set(xscale="log", xticks=depths, xticklabels=[str(d) for d in depths], xlabel="depth L",
                 ylabel="share outside f = 0 and the mapping's (%)", title="spreading by depth")
        side.xaxis.set_minor_formatter(style.matplotlib.ticker.NullFormatter())
        side.legend(frameon=False, fontsize=7.5)
        fig.tight_layout()
    return fig
