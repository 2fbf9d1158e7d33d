"""Figure: test error against the scale of the frequency sampler, predicted and trained."""
from __future__ import annotations

import numpy as np

from figures import findings as found, style

ANALYSIS = "samplers"
ORDER = 180
STD_SAMPLERS = ("gaussian", "uniform", "laplacian")  # parameterised by the standard deviation of each frequency
FOLLOW = 1.5  # trained networks "follow the prediction" when every trained / predicted ratio is within this factor
DOMINANCE = 10.0  # "the scale matters far more than the distribution": sigma moves the error by at least this
SAME = 1.5  # factor while the samplers at equal sigma stay within this one
MATERIAL = 0.1  # a difference between samplers worth testing for being systematic (more than 10%)
CLAIMS = {"quick": {"scale_dominates": True, "trained_follows": True},
          "full": {"scale_dominates": True, "trained_follows": True, "samplers_within_draws": False,
                   "systematic": True}}


def _ratio(values) -> float:
    values = np.asarray(values, float)
    return float(values.max() / values.min())


def findings(arrays: dict, meta: dict) -> dict:
    sigma = np.asarray(arrays["sigma"], float)
    samplers = meta["samplers"]
    ts = meta["trained_signals"]
    # predicted: (sigma, draws, signals); the curve of a sampler is its mean over draws and signals
    mean = {s: arrays[f"predicted_{s}"].mean((1, 2)) for s in samplers}
    by_draw = {s: arrays[f"predicted_{s}"].mean(2) for s in samplers}  # (sigma, draws)
    between = [_ratio([mean[s][i] for s in STD_SAMPLERS]) for i in range(len(sigma))]
    out = {"sigmas": sigma.tolist(), "features": meta["features"], "depth": meta["model"]["depth"],
           "steps": meta["steps"], "width": meta["width"], "seeds": meta["seeds"], "signals": meta["signals"],
           "draws": meta["draws"], "trained_signals": ts, "grid": 256, "uniform_log_low": 1,
           "follow_factor": FOLLOW, "dominance_factor": DOMINANCE, "same_factor": SAME, "material": MATERIAL,
           "predicted": {s: mean[s].tolist() for s in samplers},
           "spread_predicted_by_sigma": between, "spread_predicted": max(between)}
    # how far two feature draws of one sampler are apart, at each sigma (largest over the three samplers)
    if meta["draws"] >= 2:
        within = [max(_ratio(by_draw[s][i]) for s in STD_SAMPLERS) for i in range(len(sigma))]
        out["spread_draws_by_sigma"] = within
        out["spread_draws"] = max(within)
        out["samplers_within_draws"] = bool(all(b <= w for b, w in zip(between, within)))
    else:
        out["samplers_within_draws"] = None
    # systematic differences: at a sigma, the ranges over the draws of the highest and the lowest sampler are apart
    separated = []
    for i in range(len(sigma)):
        order = sorted(STD_SAMPLERS, key=lambda s: mean[s][i])
        if between[i] >= 1 + MATERIAL and by_draw[order[0]][i].max() < by_draw[order[-1]][i].min():
            separated.append({"sigma": float(sigma[i]), "lowest": order[0], "highest": order[-1]})
    out["separated"] = separated
    out["systematic"] = bool(separated)
    out["scale_range"] = {s: _ratio(mean[s]) for s in samplers}
    out["scale_range_min"] = min(out["scale_range"][s] for s in STD_SAMPLERS)
    out["scale_dominates"] = bool(out["scale_range_min"] >= DOMINANCE and out["spread_predicted"] <= SAME)
    best = {s: float(sigma[int(np.argmin(mean[s]))]) for s in samplers}
    out["best_sigma"] = best
    # trained: (sigma, trained_signals, seeds) for feature draw 0; compared with draw 0's prediction, same signals
    trained = {s: arrays[f"trained_{s}"].mean((1, 2)) for s in samplers}
    reference = {s: arrays[f"predicted_{s}"][:, 0, :ts].mean(1) for s in samplers}
    ratios = np.array([trained[s] / reference[s] for s in samplers])
    out["trained"] = {s: trained[s].tolist() for s in samplers}
    out["trained_over_predicted"] = [float(ratios.min()), float(ratios.max())]
    out["trained_follows"] = bool(np.all((ratios <= FOLLOW) & (ratios >= 1 / FOLLOW)))
    out["spread_trained"] = max(_ratio([trained[s][i] for s in STD_SAMPLERS]) for i in range(len(sigma)))
    return out


def _names(items) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


NAMES = {"gaussian": "Gaussian", "uniform": "uniform", "laplacian": "Laplacian", "uniform_log": "uniform-log"}


def caption(f: dict) -> str:
    lo, hi = f["sigmas"][0], f["sigmas"][-1]
    each = "one network each" if f["seeds"] == 1 else f"{f['seeds']} networks each"
    text = [f"**Frequency samplers at equal scale** (Tancik et al. 2020, Figs. 4, 13). The 1D 1/f problem "
            f"({f['grid']}-point grid on [0, 1), every 8th point to train, the others to test), {f['features']} "
            f"random Fourier features drawn from each sampler with scale sigma (Gaussian, uniform and Laplacian: the "
            f"standard deviation of each frequency, in cycles per unit interval; uniform-log: the largest "
            f"frequency, magnitudes log-uniform from {f['uniform_log_low']} to sigma), ReLU networks with "
            f"{f['depth']} hidden layers, {f['steps']} gradient-descent steps at half the largest stable rate of "
            f"each kernel. Left: test MSE of the NTK prediction from a zero initial function, mean over "
            f"{f['draws']} draws of the features and {f['signals']} signals (band: the range over the draws); "
            f"right: centred networks of width {f['width']} (the first draw of the features, "
            f"{f['trained_signals']} signal{'s' if f['trained_signals'] > 1 else ''}, {each}; band: the range over "
            f"them)."]
    spread = (f"at equal sigma the Gaussian, uniform and Laplacian samplers' predicted errors are within a factor "
              f"{found.f(f['spread_predicted'])} of one another (trained: {found.f(f['spread_trained'])})")
    scale = (f"sigma from {found.g(lo)} to {found.g(hi)} moves each one's error by a factor of at least "
             f"{found.g(f['scale_range_min'], 2)}")
    if f["scale_dominates"]:
        text.append(f"The scale matters far more than the distribution: {spread}, while {scale}.")
    else:
        text.append(f"{spread[0].upper()}{spread[1:]}; {scale}.")
    if f.get("spread_draws") is not None:
        draws = (f"Two draws of the same sampler differ by up to a factor {found.f(f['spread_draws'])} at equal "
                 f"sigma")
        if f["samplers_within_draws"]:
            text.append(draws + ", as much as the samplers do.")
        elif f["separated"]:
            at = _names([found.g(s["sigma"]) for s in f["separated"]])
            pairs = {(s["highest"], s["lowest"]) for s in f["separated"]}
            order = (f": {NAMES[next(iter(pairs))[0]]} highest, {NAMES[next(iter(pairs))[1]]} lowest"
                     if len(pairs) == 1 else "")
            text.append(f"{draws}; the samplers' differences of more than "
                        f"{found.pct(f['material'])} are systematic (at sigma {at} the ranges over the "
                        f"draws of the highest and the lowest sampler do not overlap{order}).")
        else:
            text.append(draws + ".")
    text.append("Uniform-log's sigma is its largest frequency, not a standard deviation, so its curve is not "
                "comparable at equal sigma.")
    lo_r, hi_r = f["trained_over_predicted"]
    if f["trained_follows"]:
        text.append(f"The centred networks follow the prediction: trained / predicted test MSE between "
                    f"{found.f(lo_r)} and {found.f(hi_r)}, within a factor {found.g(f['follow_factor'])}.")
    else:
        text.append(f"Trained / predicted test MSE ranges from {found.f(lo_r)} to {found.f(hi_r)}.")
    return " ".join(text)


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    sigma = np.asarray(arrays["sigma"], float)
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.6), sharey=True)
        for i, s in enumerate(meta["samplers"]):
            c = plt.get_cmap("tab10")(i)
            label = s.replace("_", "-")
            by_draw = arrays[f"predicted_{s}"].mean(2)  # (sigma, draws)
            axes[0].plot(sigma, f["predicted"][s], "o-", ms=3, color=c, label=label)
            if by_draw.shape[1] > 1:
                axes[0].fill_between(sigma, by_draw.min(1), by_draw.max(1), color=c, alpha=0.18, lw=0)
            trained = arrays[f"trained_{s}"].reshape(len(sigma), -1)  # (sigma, signals x seeds)
            axes[1].plot(sigma, f["trained"][s], "o-", ms=3, color=c, label=label)
            if trained.shape[1] > 1:
                axes[1].fill_between(sigma, trained.min(1), trained.max(1), color=c, alpha=0.18, lw=0)
        axes[0].set(title=f"NTK prediction ({meta['draws']} feature draws)")
        axes[1].set(title=f"trained networks (width {meta['width']})")
        for ax in axes:
            ax.set(xscale="log", yscale="log", xlabel="scale sigma (cycles per unit interval)")
        axes[0].set_ylabel("test MSE")
        axes[0].legend(frameon=False)
        fig.tight_layout()
    return fig
