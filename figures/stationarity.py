"""Figure: test error against the bump's position, raw coordinates vs the basic mapping."""
from __future__ import annotations

import numpy as np
from scipy import stats

from figures import findings as found, style

ANALYSIS = "stationarity"
ORDER = 190
EXACT = 1e-9  # the predicted error is "the same at every position" when max / min - 1 is below this (round-off)
VARIES = 0.1  # the predicted error "depends on the position" when max / min - 1 exceeds this
FOLLOW = 1.5  # trained networks follow the prediction on average: mean trained / mean predicted within this factor
ALPHA = 0.01  # a position effect in the trained networks: one-way analysis of variance over positions and seeds
CLAIMS = {"quick": {"basic_predicted_constant": True, "raw_predicted_varies": True,
                    "raw_trained_position_effect": True},
          "full": {"basic_predicted_constant": True, "raw_predicted_varies": True,
                   "raw_trained_position_effect": True, "basic_trained_position_effect": False}}
NAMES = {"none": "raw coordinates", "basic": "basic mapping"}
ARTICLE = {"none": "", "basic": "the "}


def _anova(trained: np.ndarray) -> dict:
    """One-way analysis of variance of log test MSE ``(positions, seeds)``: does the position change the error more
    than the seed does? F = between-position variance of the seed means x seeds / within-position variance."""
    t = np.log(trained)
    positions, seeds = t.shape
    if seeds < 2:
        return {"F": None, "p": None}
    f_value = float(seeds * t.mean(1).var(ddof=1) / t.var(1, ddof=1).mean())
    return {"F": f_value, "p": float(stats.f.sf(f_value, positions - 1, positions * (seeds - 1)))}


def findings(arrays: dict, meta: dict) -> dict:
    out = {"bump_width": meta["bump_width"], "grid": meta["grid"], "positions": len(arrays["center"]),
           "depth": meta["depth"], "width": meta["width"], "seeds": meta["seeds"], "steps": meta["steps"],
           "offset": 1 / 64, "exact": EXACT, "varies": VARIES, "alpha": ALPHA, "follow_factor": FOLLOW}
    for m in meta["mappings"]:
        predicted, trained = arrays[f"predicted_{m}"], arrays[f"trained_{m}"]  # (positions,), (positions, seeds)
        mean = trained.mean(1)
        ratio = mean / predicted
        out[m] = {"predicted_spread": float(predicted.max() / predicted.min()),
                  "trained_spread": float(mean.max() / mean.min()),
                  "predicted_range": [float(predicted.min()), float(predicted.max())],
                  "trained_range": [float(mean.min()), float(mean.max())],
                  "trained_over_predicted": [float(ratio.min()), float(ratio.max())],
                  "trained_over_predicted_mean": float(mean.mean() / predicted.mean()),
                  **_anova(trained)}
        out[m]["follows"] = bool(1 / FOLLOW <= out[m]["trained_over_predicted_mean"] <= FOLLOW)
    out["basic_predicted_constant"] = bool(out["basic"]["predicted_spread"] - 1 < EXACT)
    out["raw_predicted_varies"] = bool(out["none"]["predicted_spread"] - 1 > VARIES)
    for m, key in (("none", "raw"), ("basic", "basic")):
        p = out[m]["p"]
        out[f"{key}_trained_position_effect"] = None if p is None else bool(p < ALPHA)
    return out


def caption(f: dict) -> str:
    raw, basic = f["none"], f["basic"]
    text = [f"**Stationarity** (Tancik et al. 2020, Fig. 14). A Gaussian bump of width {found.g(f['bump_width'])} "
            f"at position c on [0, 1) (periodic), fitted from every 8th point of a {f['grid']}-point grid by ReLU "
            f"networks with {f['depth']} hidden layers, {f['steps']} gradient-descent steps at half the largest "
            f"stable rate; test MSE on the other points against c, at {f['positions']} positions each "
            f"{found.g(f['offset'], 3)} (half a training spacing) off the training points. Left: the NTK prediction "
            f"from a zero initial function; right: centred networks of width {f['width']} (mean of {f['seeds']} "
            f"seeds; band: their range)."]
    pred = (f"Largest / smallest predicted error over the positions: raw coordinates "
            f"{found.f(raw['predicted_spread'])}, basic mapping [cos 2 pi x, sin 2 pi x] "
            f"{found.f(basic['predicted_spread'])}")
    if f["raw_predicted_varies"] and f["basic_predicted_constant"]:
        text.append(f"With raw coordinates the kernel depends on where the points are, and so does the error; with "
                    f"the basic mapping the kernel depends only on x - x' and the predicted error is the same "
                    f"wherever the bump is (every position sits at the same offset from the training grid). {pred} "
                    f"(equal to within {f['exact']:.0e}).".replace("e-0", "e-"))
    else:
        text.append(pred + ".")
    tr = (f"Trained: largest / smallest error {found.f(raw['trained_spread'])} with raw coordinates, "
          f"{found.f(basic['trained_spread'])} with the basic mapping")
    if raw["p"] is not None:
        tests = []
        for name, key, m in (("raw coordinates", "raw", raw), ("basic mapping", "basic", basic)):
            verdict = ("the position changes the error more than the seed does"
                       if f[f"{key}_trained_position_effect"] else "no position effect at that level")
            tests.append(f"{name} F = {found.f(m['F'], 1)}, p = {found.g(m['p'], 2)}: {verdict}")
        tr += (f"; analysis of variance of log error over positions against seeds (position effect at p < "
               f"{found.g(f['alpha'])}): {'; '.join(tests)}")
        if not f["basic_trained_position_effect"]:
            tr += (" (a finite network's random initialisation is not shift-invariant, so its error varies with the "
                   "seed and the position alike)")
    text.append(tr + ".")
    parts = []
    for m in ("basic", "none"):
        r = f[m]
        numbers = (f"trained / predicted test MSE {found.f(r['trained_over_predicted_mean'])} over all positions, "
                   f"{found.f(r['trained_over_predicted'][0])} to {found.f(r['trained_over_predicted'][1])} per "
                   f"position")
        if r["follows"]:
            parts.append(f"with {ARTICLE[m]}{NAMES[m]} the networks follow the prediction on average, within a factor "
                         f"{found.g(f['follow_factor'])} ({numbers})")
        else:
            parts.append(f"with {ARTICLE[m]}{NAMES[m]}: {numbers}")
    text.append(f"{parts[0][0].upper()}{parts[0][1:]}; {parts[1]}.")
    return " ".join(text)


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    c = arrays["center"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.5), sharey=True)
        for m in meta["mappings"]:
            colour = style.colour(m)
            trained = arrays[f"trained_{m}"]
            axes[0].plot(c, arrays[f"predicted_{m}"], "o-", ms=3, color=colour, label=NAMES[m])
            axes[1].plot(c, trained.mean(1), "o-", ms=3, color=colour, label=NAMES[m])
            if trained.shape[1] > 1:
                axes[1].fill_between(c, trained.min(1), trained.max(1), color=colour, alpha=0.2, lw=0)
        axes[0].set(title="NTK prediction")
        axes[1].set(title=f"trained networks (width {meta['width']}, {meta['seeds']} seeds)")
        for ax in axes:
            ax.set(yscale="log", xlabel="bump position c (unit interval)")
        axes[0].set_ylabel("test MSE")
        axes[0].legend(frameon=False)
        fig.tight_layout()
    return fig
