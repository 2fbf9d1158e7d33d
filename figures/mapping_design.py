"""Figure: designed per-frequency amplitudes against the best power law, and their test errors."""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

from figures import findings as found, style

ANALYSIS = "mapping_design"
ORDER = 160
LEVEL = found.LEVEL  # confidence level of the trained gain's interval over seeds
CLAIMS = {"quick": {"predicted_gain": [False, True, True]},
          "full": {"predicted_gain_all": True, "predicted_gain": [True, True, True],
                   "trained_gain": [True, True, False], "trained_loss": [False, False, False]}}


def _gain(arrays: dict, i: int) -> dict:
    """The designed mapping's change of test MSE against the best power law, predicted and trained (per seed: the
    seed's mean over the trained signals, paired, as both mappings' networks share their initial parameters)."""
    predicted = arrays[f"predicted_{i}"]
    subset = arrays[f"predicted_trained_signals_{i}"]
    trained = arrays[f"trained_{i}"]  # (2, seeds, signals)
    per_seed = trained.mean(2)  # (2, seeds)
    gains = per_seed[1] / per_seed[0] - 1
    mean = trained.mean((1, 2))
    out = {"predicted": predicted.tolist(), "predicted_gain": float(predicted[1] / predicted[0] - 1),
           "predicted_subset_gain": float(subset[1] / subset[0] - 1),
           "trained": mean.tolist(), "trained_gain": float(mean[1] / mean[0] - 1),
           "trained_gain_per_seed": gains.tolist(),
           "trained_seed_sd": per_seed.std(1, ddof=1).tolist() if per_seed.shape[1] > 1 else None,
           "trained_over_predicted": (mean / subset).tolist()}
    seeds = len(gains)
    if seeds >= 2:
        half = float(stats.t.ppf(0.5 + LEVEL / 2, seeds - 1) * gains.std(ddof=1) / math.sqrt(seeds))
        out["trained_gain_interval"] = [float(gains.mean() - half), float(gains.mean() + half)]
        out["trained_beats"] = bool(out["trained_gain_interval"][1] < 0)
        out["trained_worse"] = bool(out["trained_gain_interval"][0] > 0)
    else:
        out["trained_gain_interval"], out["trained_beats"], out["trained_worse"] = None, None, None
    return out


def findings(arrays: dict, meta: dict) -> dict:
    alphas = meta["alphas"]
    per = []
    for i, alpha in enumerate(alphas):
        row = {"alpha": alpha, "best_p": meta["best_p"][i], "best_iteration": meta["best_iteration"][i],
               "lr": meta["lr"][i], **_gain(arrays, i)}
        per.append(row)
    grid = np.asarray(arrays["grid"], float)
    return {"alphas": alphas, "size": meta["size"], "stride": meta["stride"], "depth": meta["model"]["depth"],
            "steps": meta["steps"], "features": meta["features"], "iterations": meta["iterations"],
            "rate": meta["rate"], "validation": meta["validation"], "test": meta["test"],
            "trained_signals": meta["trained_signals"], "seeds": meta["train_seeds"], "width": meta["train_width"],
            "grid_range": [float(grid[0]), float(grid[-1]), float(grid[1] - grid[0])], "level": LEVEL,
            "per_alpha": per,
            "predicted_gain": [bool(r["predicted_gain"] < 0) for r in per],
            "predicted_gain_all": bool(all(r["predicted_gain"] < 0 for r in per)),
            "trained_gain": [r["trained_beats"] for r in per], "trained_loss": [r["trained_worse"] for r in per]}


def _alphas(rows) -> str:
    names = [found.g(r["alpha"]) for r in rows]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def caption(f: dict) -> str:
    lo, hi, step = f["grid_range"]
    text = [f"**Designing a mapping through the NTK.** 1D 1/f^alpha signals on a {f['size']}-point grid of [0, 1), "
            f"every {f['stride']}th point to train; ReLU networks with {f['depth']} hidden layers, {f['steps']} "
            f"gradient-descent steps at rate eta (half the smallest stable rate of the grid's mappings). Top: the "
            f"amplitudes a_j of the Fourier features at integer frequencies j = 1 to {f['features']} (cycles per "
            f"unit interval), for the best power law a_j ~ j^-p of a grid search (p from {found.g(lo)} to "
            f"{found.g(hi)} in steps of {found.g(step)}, chosen on {f['validation']} validation signals) and "
            f"designed by gradient descent ({f['iterations']} Adam steps of rate {found.g(f['rate'])}) on the "
            f"NTK's predicted test error from a zero initial function, averaged over the whole class of signals; "
            f"the iterate best on the validation signals is kept. Bottom: test MSE predicted by the NTK on "
            f"{f['test']} other signals, and measured on centred networks of width {f['width']} ({f['seeds']} "
            f"seeds, the same initial parameters for both mappings) on the first {f['trained_signals']} of them "
            f"(bars: standard deviation over the seeds of each seed's mean)."]
    rows = []
    for r in f["per_alpha"]:
        p, t = r["predicted"], r["trained"]
        row = (f"alpha {found.g(r['alpha'])}: best p = {found.g(r['best_p'])}, predicted {found.g(p[0], 4)} -> "
               f"{found.g(p[1], 4)} ({found.pct(r['predicted_gain'], 1)}), trained {found.g(t[0], 4)} -> "
               f"{found.g(t[1], 4)} ({found.pct(r['trained_gain'], 1)}")
        if r["trained_gain_interval"] is not None:
            a, b = r["trained_gain_interval"]
            row += (f"; {found.pct(f['level'])} interval over the seeds {found.pct(a, 1)} to {found.pct(b, 1)}; "
                    f"the prediction on the same signals {found.pct(r['predicted_subset_gain'], 1)}")
        rows.append(row + ")")
    text.append("Best power law -> designed: " + "; ".join(rows) + ".")
    if f["predicted_gain_all"]:
        verdict = "The designed amplitudes beat the best power law in predicted error for every class"
    else:
        better = [r for r in f["per_alpha"] if r["predicted_gain"] < 0]
        verdict = ("The designed amplitudes beat the best power law in predicted error for alpha = "
                   f"{_alphas(better)} only" if better else "The designed amplitudes do not beat the best power law "
                   "in predicted error")
    beats = [r for r in f["per_alpha"] if r["trained_beats"]]
    worse = [r for r in f["per_alpha"] if r["trained_worse"]]
    within = [r for r in f["per_alpha"] if r["trained_beats"] is False and not r["trained_worse"]]
    if beats:
        verdict += f"; in trained networks it is better beyond the seeds' spread for alpha = {_alphas(beats)}"
    if worse:
        verdict += f"; in trained networks it is worse beyond the seeds' spread for alpha = {_alphas(worse)}"
        farthest = max(max(r["trained_over_predicted"]) for r in f["per_alpha"])
        if all(max(r["trained_over_predicted"]) == farthest for r in worse):
            verdict += ", where the networks are farthest from the prediction"
    if within:
        verdict += (f"; for alpha = {_alphas(within)} the trained difference is within the seeds' spread (its "
                    f"interval includes no change)")
    text.append(verdict + ".")
    ratios = ", ".join(f"{found.f(r['trained_over_predicted'][0])} / {found.f(r['trained_over_predicted'][1])}"
                       for r in f["per_alpha"])
    text.append(f"Trained / predicted test MSE (best power law / designed), alpha = {_alphas(f['per_alpha'])}: "
                f"{ratios}.")
    return " ".join(text)


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    alphas, freq = meta["alphas"], arrays["frequency"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(2, len(alphas), figsize=(4.0 * len(alphas), 6.4))
        for i, alpha in enumerate(alphas):
            r = f["per_alpha"][i]
            ax = axes[0, i]
            ax.plot(freq, arrays[f"amplitudes_grid_{i}"], "-", color=style.colour("grid", 0, 2), lw=1.5,
                    label=f"best power law, p = {r['best_p']:g}")
            ax.plot(freq, arrays[f"amplitudes_designed_{i}"], "-", color=style.colour("designed", 1, 2), lw=1.2,
                    label="designed")
            ax.set(xscale="log", yscale="log", xlabel="frequency j (cycles per unit interval)",
                   title=f"1/f^{alpha:g} signals")
            ax.legend(frameon=False, fontsize=8)
            ax = axes[1, i]
            x = np.arange(2)
            sd = r["trained_seed_sd"]
            ax.bar(x - 0.2, r["predicted"], 0.38, color=style.colour("predicted", 0, 2),
                   label=f"predicted ({f['test']} signals)")
            ax.bar(x + 0.2, r["trained"], 0.38, yerr=sd, color=style.colour("trained", 1, 2), capsize=3,
                   label=f"trained ({f['trained_signals']} signals x {f['seeds']} seeds)")
            top = max(max(r["predicted"]), max(np.array(r["trained"]) + (np.array(sd) if sd else 0)))
            ax.set(xticks=x, xticklabels=["best power law", "designed"], ylabel="test MSE", ylim=(0, top * 1.08),
                   title=f"designed: {found.pct(r['predicted_gain'], 1)} predicted, "
                         f"{found.pct(r['trained_gain'], 1)} trained")
        handles, labels = axes[1, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False, fontsize=8)
        axes[0, 0].set_ylabel("amplitude a_j (sum of squares 1)")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig
