"""Figure: kernel regression's test error against n, predicted from the spectrum vs measured, in 1D and 2D; the
Gaussian-design control; the ridge sweep; the per-draw spread; learnability by mode."""
from __future__ import annotations

import numpy as np
from scipy import stats

from figures import style
from figures.findings import f as fixed, pct

ANALYSIS = "generalization"
ORDER = 170
TOLERANCE = 0.1  # "agrees": measured / predicted within 10% of 1
MIN_N = 32  # the 1D summary is over n >= MIN_N, where the gap opens
CLAIMS = {
    "quick": {"underestimates_1d": True, "agrees_2d": True, "control_agrees": True, "gap_closes_with_ridge": True,
              "errors_follow_gaps": True, "right_skewed": True},
    "full": {"underestimates_1d": True, "agrees_2d": True, "control_agrees": True, "gap_closes_with_ridge": True,
             "errors_follow_gaps": True, "right_skewed": True},
}


def _ratios(arrays: dict, key: str, predicted: np.ndarray):
    errors = arrays[key]
    draws = errors.shape[1]
    return errors.mean(1) / predicted, errors.std(1, ddof=1) / np.sqrt(draws) / predicted


def findings(arrays: dict, meta: dict) -> dict:
    labels, ns = meta["labels"], [int(n) for n in arrays["n"]]
    focus = labels.index(meta["focus"])
    out = {"depth": meta["model"]["depth"], "grid_1d": meta["sizes"]["1d"][0], "grid_2d": meta["sizes"]["2d"][0],
           "population_1d": int(np.prod(meta["sizes"]["1d"])), "population_2d": int(np.prod(meta["sizes"]["2d"])),
           "draws": meta["draws"], "control_draws": meta["control_draws"], "n": ns, "focus": meta["focus"],
           "ridge_n": meta["ridge_n"], "learnability_n": meta["learnability_n"], "tolerance": TOLERANCE,
           "min_n": MIN_N, "kernel_diagonal": meta["kernel_diagonal"], "labels": labels, "se_multiple": 2,
           "references": {"Simon et al.": 2021, "Bordelon et al.": 2020, "Canatar et al.": 2021}}
    ratio, se = {}, {}
    for dim in ("1d", "2d"):
        ratio[dim], se[dim] = {}, {}
        for i, label in enumerate(labels):
            r, s = _ratios(arrays, f"{dim}_errors_{i}", arrays[f"{dim}_predicted_{i}"])
            ratio[dim][label], se[dim][label] = r.tolist(), s.tolist()
    out["ratio"], out["ratio_se"] = ratio, se
    large = [j for j, n in enumerate(ns) if n >= MIN_N]
    one = np.array([ratio["1d"][label][j] for label in labels for j in large])
    one_se = np.array([se["1d"][label][j] for label in labels for j in large])
    out["ratio_1d"] = {"min": float(one.min()), "max": float(one.max()), "median": float(np.median(one))}
    out["underestimates_1d"] = bool(np.all(one - 1 > out["se_multiple"] * one_se))
    two = np.array([ratio["2d"][label] for label in labels])
    out["ratio_2d"] = {"min": float(two.min()), "max": float(two.max()), "median": float(np.median(two))}
    out["deviation_2d"] = float(np.max(np.abs(two - 1)))
    out["agrees_2d"] = out["deviation_2d"] <= TOLERANCE
    # the control: Gaussian features of the same eigenvalues and coefficients
    control, control_se = {}, {}
    for i, label in enumerate(labels):
        r, s = _ratios(arrays, f"control_{i}", arrays[f"1d_predicted_{i}"])
        control[label], control_se[label] = r.tolist(), s.tolist()
    c, c_se = np.array(list(control.values())), np.array(list(control_se.values()))
    out["control_ratio"], out["control_ratio_se"] = control, control_se
    out["control_deviation"] = float(np.max(np.abs(c - 1)))
    out["control_agrees"] = bool(np.all(np.abs(c - 1) <= TOLERANCE + out["se_multiple"] * c_se))
    # the ridge sweep on the focus mapping, at the largest n, on the same training sets
    ridgeless = ratio["1d"][meta["focus"]][-1]
    sweep = arrays["ridge_errors"].mean(1) / arrays["ridge_predicted"]
    out["ridges"] = [float(r) for r in arrays["ridges"]]
    out["ridge_ratio"], out["ridgeless_ratio"] = sweep.tolist(), ridgeless
    within = [r for r, v in zip(out["ridges"], sweep) if abs(v - 1) <= TOLERANCE]
    out["ridge_within_tolerance"] = within[0] if within else None
    out["gap_closes_with_ridge"] = bool(ridgeless - 1 > TOLERANCE and sweep[0] <= ridgeless
                                        and np.all(np.diff(sweep) <= 0.02) and within)
    # per draw, at the largest n, the focus mapping: the spread, and what it follows
    errors = arrays[f"1d_errors_{focus}"][-1]
    predicted = arrays[f"1d_predicted_{focus}"][-1]
    rho = stats.spearmanr(errors, arrays["squared_gaps_1d"][-1]).statistic
    rho_max = stats.spearmanr(errors, arrays["largest_gap_1d"][-1]).statistic
    rho_control = [float(stats.spearmanr(arrays[f"1d_errors_{focus}"][j], arrays["squared_gaps_1d"][j]).statistic)
                   for j in range(len(ns))]
    out["gap_correlation"] = float(rho)
    out["gap_correlation_by_n"] = rho_control
    out["largest_gap_correlation"] = float(rho_max)
    out["errors_follow_gaps"] = bool(rho > 3 / np.sqrt(len(errors) - 1))  # Spearman's rho: s.e. ~ 1/sqrt(draws-1)
    q10, q50, q90 = np.percentile(errors, [10, 50, 90]) / predicted
    out["per_draw"] = {"p10": float(q10), "median": float(q50), "p90": float(q90),
                       "mean_over_median": float(errors.mean() / np.median(errors)),
                       "control_p10": float(np.percentile(arrays[f"control_{focus}"][-1], 10) / predicted),
                       "control_p90": float(np.percentile(arrays[f"control_{focus}"][-1], 90) / predicted)}
    out["percentiles"] = [10, 90]
    out["right_skewed"] = bool(errors.mean() > np.median(errors) and q90 - q50 > q50 - q10)
    return out


def caption(f: dict) -> str:
    focus, n_max = f["focus"], f["ridge_n"]
    r1, r2 = f["ratio_1d"], f["ratio_2d"]
    ns = f"n = {f['n'][0]} to {f['n'][-1]}"
    text = [f"**Generalisation from the spectrum, 1D and 2D.** Test error (mean squared error over the whole "
            f"population of grid points, training points included, as the equations define it) of ridgeless NTK "
            f"regression (ReLU networks of depth {f['depth']}) from n distinct training points drawn at random from "
            f"the population, {ns}; markers: mean of {f['draws']} draws (bars: standard errors); lines: the "
            f"eigenlearning prediction ({'; '.join(f'{k} {v}' for k, v in f['references'].items())}) from the NTK's "
            f"eigenvalues and the target's coefficients alone. Top left: a 1/f signal on a grid of {f['grid_1d']} "
            f"points of the unit interval; top middle: a 1/f field on a {f['grid_2d']} x {f['grid_2d']} grid; top "
            f"right: measured / predicted."]
    above = f"measured / predicted {fixed(r1['min'])} to {fixed(r1['max'])}, median {fixed(r1['median'])}"
    if f["underestimates_1d"]:
        text.append(f"In 1D the equations underestimate the error at every n >= {f['min_n']} and every mapping: "
                    f"{above} (each measured error above its prediction by more than {f['se_multiple']} "
                    f"standard errors).")
    else:
        text.append(f"In 1D at n >= {f['min_n']}: {above}.")
    dev2 = f"measured / predicted {fixed(r2['min'])} to {fixed(r2['max'])}"
    text.append(f"In 2D they hold within {pct(f['deviation_2d'], 1)} at every n ({dev2})." if f["agrees_2d"]
                else f"In 2D: {dev2}.")
    c = f"{fixed(min(min(v) for v in f['control_ratio'].values()))} to " \
        f"{fixed(max(max(v) for v in f['control_ratio'].values()))}"
    if f["control_agrees"]:
        text.append(f"The equations hold for Gaussian features: regression with Gaussian features of the same "
                    f"eigenvalues and coefficients ({f['control_draws']} draws; open squares, top right) gives "
                    f"measured / predicted {c} in 1D, within {pct(f['control_deviation'], 0)} of the prediction at "
                    f"every n and mapping. The 1D gap comes from the points themselves, which are not Gaussian "
                    f"features.")
    else:
        text.append(f"Regression with Gaussian features of the same eigenvalues and coefficients "
                    f"({f['control_draws']} draws): measured / predicted {c} in 1D.")
    p = f["per_draw"]
    spread = (f"Bottom left: the per-draw errors for {focus} at n = {n_max}, over the prediction: "
              f"{f['percentiles'][0]}th to {f['percentiles'][1]}th percentile {fixed(p['p10'])} to "
              f"{fixed(p['p90'])} (Gaussian features: {fixed(p['control_p10'])} to {fixed(p['control_p90'])})")
    text.append(spread + (f"; right-skewed (mean {fixed(p['mean_over_median'])} times the median), so many draws "
                          f"are needed for the mean." if f["right_skewed"] else "."))
    if f["errors_follow_gaps"]:
        text.append(f"A draw's error rises with the sum of the squared gaps between neighbouring training points "
                    f"(rank correlation {fixed(f['gap_correlation'])}; with the largest gap "
                    f"{fixed(f['largest_gap_correlation'])}): the ReLU NTK has a cusp at x = x', so ridgeless "
                    f"interpolation between random points in 1D follows their gaps, which the Gaussian-feature "
                    f"picture behind the equations does not have.")
    else:
        text.append(f"Rank correlation of a draw's error with the sum of its squared gaps between neighbouring "
                    f"training points: {fixed(f['gap_correlation'])}.")
    sweep = ", ".join(f"{fixed(v)} at {r:g}" for r, v in zip(f["ridges"], f["ridge_ratio"]))
    ridge = (f"Bottom middle: a ridge (added to the Gram matrix, whose diagonal is {fixed(f['kernel_diagonal'], 1)}) "
             f"for {focus} at n = {n_max}, same training sets: measured / predicted {sweep}, against "
             f"{fixed(f['ridgeless_ratio'])} ridgeless")
    if f["gap_closes_with_ridge"]:
        ridge += (f"; the ridge smooths the interpolant and closes the gap (within "
                  f"{pct(f['tolerance'])} from ridge {f['ridge_within_tolerance']:g}).")
    else:
        ridge += "."
    text.append(ridge)
    text.append(f"Bottom right: the predicted learnability L_i = lambda_i / (lambda_i + kappa) of each 1D eigenmode "
                f"at n = {f['learnability_n']}, against the mode's dominant frequency (cycles per unit interval; "
                f"symmetric-log axis, so that the constant mode, of frequency zero, is shown): the mapping decides "
                f"which frequencies a given number of points can learn.")
    return " ".join(text)


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    labels, n = meta["labels"], arrays["n"]
    focus = labels.index(meta["focus"])
    family = [label.split()[0] for label in labels]  # a colour per mapping, sequential within a family
    colours = [style.colour(label, family[:i].count(family[i]), family.count(family[i]))
               for i, label in enumerate(labels)]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(2, 3, figsize=(13.0, 7.4))
        for ax, dim in zip(axes[0, :2], ("1d", "2d")):
            for i, label in enumerate(labels):
                errors = arrays[f"{dim}_errors_{i}"]
                ax.plot(n, arrays[f"{dim}_predicted_{i}"], "-", color=colours[i], lw=1.5, label=label)
                ax.errorbar(n, errors.mean(1), yerr=errors.std(1, ddof=1) / np.sqrt(errors.shape[1]), fmt="o",
                            color=colours[i], ms=4, capsize=2)
            shape = "x".join(map(str, meta["sizes"][dim]))
            ax.set(xscale="log", yscale="log", xlabel="training points n", ylabel="test MSE",
                   title=f"{dim.upper()}: grid {shape} (line: predicted, dots: measured)")
        axes[0, 0].legend(frameon=False, fontsize=7)
        ax = axes[0, 2]
        ax.axhspan(1 - f["tolerance"], 1 + f["tolerance"], color="0.9", lw=0)
        ax.axhline(1, color="0.5", lw=0.8)
        for i, label in enumerate(labels):
            ax.errorbar(n, f["ratio"]["1d"][label], yerr=f["ratio_se"]["1d"][label], fmt="o-", ms=3.5, capsize=2,
                        color=colours[i], label=f"1D {label}")
            ax.errorbar(n, f["ratio"]["2d"][label], yerr=f["ratio_se"]["2d"][label], fmt="^--", ms=3, lw=0.9,
                        capsize=2, color=colours[i], alpha=0.7)
            ax.errorbar(n * 1.04, f["control_ratio"][label], yerr=f["control_ratio_se"][label], fmt="s", ms=4,
                        mfc="none", capsize=2, color=colours[i])
        ax.plot([], [], "k^--", ms=3, lw=0.9, label="2D (dashed)")
        ax.plot([], [], "ks", mfc="none", ms=4, label="1D, Gaussian features of the same spectrum")
        ax.set(xscale="log", xlabel="training points n", ylabel="measured / predicted test MSE",
               title="measured / predicted")
        ax.legend(frameon=False, fontsize=6.5)
        ax = axes[1, 0]
        predicted = arrays[f"1d_predicted_{focus}"][-1]
        points, control = arrays[f"1d_errors_{focus}"][-1] / predicted, arrays[f"control_{focus}"][-1] / predicted
        bins = np.geomspace(min(points.min(), control.min()) * 0.95, max(points.max(), control.max()) * 1.05, 40)
        ax.hist(points, bins=bins, color=colours[focus], alpha=0.75, label="random grid points")
        ax.hist(control, bins=bins, histtype="step", color="k", lw=1.2, label="Gaussian features")
        ax.axvline(1, color="0.3", lw=1, ls=":", label="prediction")
        ax.axvline(points.mean(), color=colours[focus], lw=1.2, label="mean (points)")
        ax.set(xscale="log", xlabel="per-draw test MSE / predicted", ylabel="draws",
               title=f"1D {meta['focus']}, n = {meta['ridge_n']}: {points.size} draws")
        ax.xaxis.set_major_locator(style.matplotlib.ticker.FixedLocator([0.5, 0.7, 1, 1.5, 2, 3, 5, 7]))
        ax.xaxis.set_major_formatter(style.matplotlib.ticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(style.matplotlib.ticker.NullFormatter())
        ax.legend(frameon=False, fontsize=7)
        ax = axes[1, 1]
        ax.axhspan(1 - f["tolerance"], 1 + f["tolerance"], color="0.9", lw=0)
        ax.axhline(1, color="0.5", lw=0.8)
        ax.axhline(f["ridgeless_ratio"], color=colours[focus], lw=1, ls="--",
                   label=f"ridgeless: {f['ridgeless_ratio']:.2f}")
        ax.plot(f["ridges"], f["ridge_ratio"], "o-", color=colours[focus], ms=4, label="with ridge")
        ax.set(xscale="log", xlabel="ridge (added to the Gram matrix)", ylabel="measured / predicted test MSE",
               title=f"ridge sweep: 1D {meta['focus']}, n = {meta['ridge_n']}")
        ax.legend(frameon=False, fontsize=7)
        ax = axes[1, 2]
        for i, label in enumerate(labels):
            ax.plot(arrays[f"mode_frequency_{i}"], arrays[f"learnability_{i}"], ".", color=colours[i], ms=3,
                    label=label)
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set(xlabel="mode's dominant frequency (cycles per unit; symlog, 0 = constant)",
               ylabel="learnability L_i", ylim=(-0.02, 1.02), xlim=(-0.2, None),
               title=f"learnability at n = {meta['learnability_n']} (1D)")
        ax.legend(frameon=False, fontsize=7, markerscale=2)
        fig.tight_layout()
    return fig
