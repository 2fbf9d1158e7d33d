"""Figure: train/test MSE vs step for power-law mappings, trained networks vs the NTK prediction from t = 0, and the
ratio measured / predicted (a narrower control width and a float64 control say where the networks depart)."""
from __future__ import annotations

import numpy as np

from figures import findings as found, style

ANALYSIS = "power_sweep"
ORDER = 100
FOLLOW = 2.0  # the networks "follow" the prediction where measured / predicted MSE is within this factor
WIDER = 2.0  # a gap is finite-width where the control (narrower) networks' ratio exceeds the main one by this factor
FLOOR = 10.0  # at the float32 floor: train MSE within this factor of the float32 control's
EARLY = 5  # the early step at which the ordering of the train error by p is reported
CLAIMS = {
    "quick": {"test_follows": True, "train_lags_later": True},
    "full": {"test_follows": True, "train_lags_later": True, "float32_floor": True, "all_gaps_explained": True,
             "test_falls_with_p": True},
}


def _se(values: np.ndarray) -> np.ndarray:
    """Standard error of the seed mean, per step (values: (T, S))."""
    return values.std(1, ddof=1) / np.sqrt(values.shape[1]) if values.shape[1] > 1 else np.zeros(len(values))


def _increasing(means: np.ndarray, errors: np.ndarray) -> bool:
    """Strictly increasing with non-overlapping mean +- standard error."""
    return bool(np.all(means[:-1] + errors[:-1] < means[1:] - errors[1:]))


def _follow_until(ratio: np.ndarray, steps: np.ndarray) -> int | None:
    """The last recorded step up to which the ratio stays within FOLLOW of 1 (None: not even at step 1)."""
    inside = (ratio <= FOLLOW) & (ratio >= 1 / FOLLOW)
    out = np.flatnonzero(~inside)
    last = len(steps) - 1 if not len(out) else out[0] - 1
    return int(steps[last]) if last >= 1 else None


def findings(arrays: dict, meta: dict) -> dict:
    steps, powers = arrays["steps"], meta["powers"]
    n_steps, last = len(steps), int(steps[-1])
    f64 = meta["float64_power"]
    per, rows = [], {}
    for i, p in enumerate(powers):
        row = {"p": float(p)}
        for prefix, name in (("", "main"), ("control_", "control")):
            for part in ("train", "test"):
                net, pred = arrays[f"{prefix}mse_{part}_{i}"], arrays[f"{prefix}pred_{part}_{i}"]
                ratio = net.mean(1) / pred.mean(1)
                row[f"{name}_{part}_net_last"] = float(net[-1].mean())
                row[f"{name}_{part}_pred_last"] = float(pred[-1].mean())
                row[f"{name}_{part}_ratio_last"] = float(ratio[-1])
                row[f"{name}_{part}_ratio_seeds"] = [float(v) for v in (net[-1] / pred[-1])]
                row[f"{name}_{part}_ratio_max"] = float(np.max(np.maximum(ratio, 1 / ratio)))
                row[f"{name}_{part}_follow_until"] = _follow_until(ratio, steps)
                rows[(name, part, i)] = (net, pred)
        row["gap_last"] = row["main_train_ratio_last"] > FOLLOW
        row["gap_grows_narrower"] = row["control_train_ratio_last"] > WIDER * row["main_train_ratio_last"]
        per.append(row)
    f32 = powers.index(f64) if f64 in powers else None
    float64_level = float32_level = None
    if f32 is not None and f"float64_mse_train_{f32}" in arrays:
        float64_level = float(arrays[f"float64_mse_train_{f32}"][-1].mean())
        float32_level = float(arrays[f"control_mse_train_{f32}"][-1].mean())
    float32_floor = bool(float64_level is not None and float64_level < float32_level / 100)
    for row in per:
        lowest = max(row["main_train_net_last"], row["control_train_net_last"])
        row["at_floor"] = bool(float32_floor and row["gap_last"] and lowest < FLOOR * float32_level)
        row["finite_width"] = bool(row["gap_last"] and not row["at_floor"] and row["gap_grows_narrower"])

    def ordered_steps(kind: str) -> list[int]:  # steps > 0 at which the train MSE rises with p (seed errors apart)
        out = []
        for t in range(1, n_steps):
            values = [rows[("main", "train", i)][0 if kind == "net" else 1][t] for i in range(len(powers))]
            if _increasing(np.array([v.mean() for v in values]), np.array([_se(v[None])[0] for v in values])):
                out.append(int(steps[t]))
        return out

    ntk_order = ordered_steps("ntk")
    fit_from = None  # the first step from which the predicted train MSE rises with p at every later recorded step
    for t in steps[:0:-1]:
        if int(t) not in ntk_order:
            break
        fit_from = int(t)
    test_net = np.array([rows[("main", "test", i)][0][-1] for i in range(len(powers))])  # (P, S)
    early = int(np.searchsorted(steps, EARLY))
    early_train = [float(rows[("main", "train", i)][1][early].mean()) for i in range(len(powers))]
    return {
        "width": meta["width"], "control_width": meta["control_width"], "seeds": meta["seeds"],
        "depth": meta["depth"], "features": meta["features"], "n_train": meta["n_train"], "n_test": meta["n_test"],
        "steps_last": last, "first_step": int(steps[0]), "powers": [float(p) for p in powers],
        "follow_factor": FOLLOW, "wider_factor": WIDER,
        "floor_factor": FLOOR, "float64_power": float(f64), "per_power": per,
        "test_follows": all(row["main_test_ratio_max"] <= FOLLOW for row in per),
        "test_ratio_max": max(row["main_test_ratio_max"] for row in per),
        "train_follow_until": [row["main_train_follow_until"] for row in per],
        "float32_level": float32_level, "float64_level": float64_level, "float32_floor": float32_floor,
        "at_floor": [row["p"] for row in per if row["at_floor"]],
        "finite_width": [row["p"] for row in per if row["finite_width"]],
        "unexplained": [row["p"] for row in per if row["gap_last"] and not (row["at_floor"] or row["finite_width"])],
        "train_lags_later": all(row["gap_last"] or row["main_train_follow_until"] == last for row in per),
        "all_gaps_explained": not any(row["gap_last"] and not (row["at_floor"] or row["finite_width"]) for row in per),
        "ntk_train_order_steps": ntk_order, "net_train_order_steps": ordered_steps("net"),
        "ntk_fit_order_from": fit_from,
        "test_last_net": test_net.mean(1).tolist(),
        "test_falls_with_p": bool(np.all(np.diff(test_net.mean(1)) < 0)),
        "test_falls_resolved": _increasing(-test_net.mean(1), test_net.std(1, ddof=1) / np.sqrt(test_net.shape[1])),
        "early_step": int(steps[early]), "early_best_p": float(powers[int(np.argmin(early_train))]),
    }


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    steps = arrays["steps"]
    x = np.where(steps == 0, 0.5, steps)
    powers = meta["powers"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 3, figsize=(12.4, 3.7))
        for i, p in enumerate(powers):
            c = style.colour("power", i, len(powers))
            for ax, part in zip(axes[:2], ("train", "test")):
                net, pred = arrays[f"mse_{part}_{i}"], arrays[f"pred_{part}_{i}"]
                ax.plot(x, pred.mean(1), "-", color=c, lw=1.3, label=f"p = {p}")
                ax.errorbar(x, net.mean(1), yerr=[net.mean(1) - net.min(1), net.max(1) - net.mean(1)], fmt="o",
                            color=c, ms=3.5, mfc="none", lw=0.8, capsize=0)
            for prefix, ls in (("", "-"), ("control_", "--")):
                ratio = arrays[f"{prefix}mse_train_{i}"].mean(1) / arrays[f"{prefix}pred_train_{i}"].mean(1)
                axes[2].plot(x, ratio, ls, color=c, lw=1.2 if ls == "-" else 0.9)
        j = powers.index(meta["float64_power"]) if meta["float64_power"] in powers else None
        if j is not None and f"float64_mse_train_{j}" in arrays:
            axes[0].plot(x, arrays[f"float64_mse_train_{j}"].mean(1), "x:", color="0.4", ms=3, lw=0.8,
                         label=f"float64, p = {meta['float64_power']}, width {f['control_width']}")
            axes[0].plot(x, arrays[f"control_mse_train_{j}"].mean(1), "+:", color="0.6", ms=4, lw=0.8,
                         label=f"float32, p = {meta['float64_power']}, width {f['control_width']}")
        for ax, part in zip(axes[:2], ("train", "test")):
            ax.set(xscale="log", yscale="log", xlabel="gradient-descent step (step 0 at 0.5)", title=f"{part} MSE",
                   ylabel="mean squared error")
        axes[0].set_ylim(bottom=1e-26)
        axes[2].axhspan(1 / f["follow_factor"], f["follow_factor"], color="0.85", zorder=0)
        axes[2].set(xscale="log", yscale="log", xlabel="gradient-descent step (step 0 at 0.5)",
                    title=f"train MSE: networks / NTK (grey: within {f['follow_factor']:g}x)",
                    ylabel=f"solid: width {f['width']}; dashed: width {f['control_width']}")
        axes[0].legend(frameon=False, fontsize=6.5, loc="lower left", ncol=2)
        axes[1].text(0.03, 0.03, f"lines: NTK prediction\ncircles: networks of width {f['width']}\n(mean, seed range)",
                     transform=axes[1].transAxes, fontsize=7, va="bottom")
        fig.tight_layout()
    return fig



def _p(value) -> str:
    return "inf" if value == "inf" else found.g(value)


def _steps(values) -> str:
    return ", ".join(str(v) for v in values)


def _ps(values) -> str:
    return ", ".join(_p(v) for v in values)


def caption(f: dict) -> str:
    rows = {_p(row["p"]): row for row in f["per_power"]}
    powers = [_p(p) for p in f["powers"]]
    text = [f"**Train and test error across power-law mappings (after Fig. 3 of Tancik et al.).** Power-law "
            f"Fourier features (integer frequencies 1 to {f['features']}, amplitudes j^-p; p = inf keeps frequency 1 "
            f"only) on the 1D 1/f problem "
            f"({f['n_train']} training points, {f['n_test']} test points): mean squared error against gradient-descent "
            f"step for networks of width {f['width']} ({f['depth']} hidden ReLU layers, mean and range over "
            f"{f['seeds']} seeds; circles) and the NTK prediction started from each network's own outputs at step "
            f"{f['first_step']} (lines, mean over the same seeds), each model at half its "
            f"NTK's largest stable rate; right: the ratio measured / predicted train MSE, also for networks of width "
            f"{f['control_width']} (dashed)."]
    ratios = ", ".join(f"{found.sci(rows[p]['main_test_ratio_last'])} (p = {p})" for p in powers)
    if f["test_follows"]:
        text.append(f"On the test points the networks follow the prediction within a factor "
                    f"{found.g(f['follow_factor'])} at every step and every p (largest ratio "
                    f"{found.f(f['test_ratio_max'])}); measured / predicted test MSE at step {f['steps_last']}: "
                    f"{ratios}.")
    else:
        text.append(f"Measured / predicted test MSE at step {f['steps_last']}: {ratios} (largest over the run "
                    f"{found.f(f['test_ratio_max'])}).")
    groups = {}
    for p, t in zip(powers, f["train_follow_until"]):
        groups.setdefault(t, []).append(p)
    until = ", ".join(f"{'no step' if t is None else t} (p = {', '.join(ps)})" for t, ps in groups.items())
    text.append(f"On the training points they follow it within a factor {found.g(f['follow_factor'])} up to step "
                f"{until}" + ("; later their train MSE falls more slowly than predicted." if f["train_lags_later"]
                              else "."))
    if f["at_floor"]:
        floor = ", ".join(f"{found.sci(rows[p]['main_train_net_last'])} (p = {p}; predicted "
                          f"{found.sci(rows[p]['main_train_pred_last'])})" for p in map(_p, f["at_floor"]))
        text.append(f"At step {f['steps_last']} the networks for p = {_ps(f['at_floor'])} stop at {floor}: float32 "
                    f"round-off (the width-{f['control_width']} networks at p = {_p(f['float64_power'])} reach "
                    f"{found.sci(f['float32_level'])} in float32 and {found.sci(f['float64_level'])} in float64).")
    if f["finite_width"]:
        gap = "; ".join(f"p = {p}: {found.sci(rows[p]['main_train_ratio_last'])} (seeds "
                        f"{found.sci(min(rows[p]['main_train_ratio_seeds']))} to "
                        f"{found.sci(max(rows[p]['main_train_ratio_seeds']))}) against "
                        f"{found.sci(rows[p]['control_train_ratio_last'])}" for p in map(_p, f["finite_width"]))
        text.append(f"Measured / predicted train MSE at step {f['steps_last']}, width {f['width']} against width "
                    f"{f['control_width']}: {gap}; for these p the gap is more than {found.g(f['wider_factor'])} "
                    f"times larger at the narrower width, a finite-width effect.")
    if f["unexplained"]:
        gap = "; ".join(f"p = {p}: {found.sci(rows[p]['main_train_ratio_last'])} (width {f['control_width']}: "
                        f"{found.sci(rows[p]['control_train_ratio_last'])})" for p in map(_p, f["unexplained"]))
        text.append(f"Measured / predicted train MSE at step {f['steps_last']}: {gap}.")
    order = []
    if f["ntk_fit_order_from"] is not None:
        fit = (f"smaller p fits the training points faster from step {f['ntk_fit_order_from']} on (the predicted "
               f"train MSE rises with p, seed errors apart, at step"
               f"{'s' if len(f['ntk_train_order_steps']) > 1 else ''} {_steps(f['ntk_train_order_steps'])}")
        if f["net_train_order_steps"]:
            fit += f"; the networks' at steps {_steps(f['net_train_order_steps'])}"
        fit += ")"
        if f["early_best_p"] != f["powers"][0]:
            fit += f", though at step {f['early_step']} the lowest train MSE is p = {_p(f['early_best_p'])}"
        order.append(fit)
    test = ", ".join(found.sci(v) for v in f["test_last_net"])
    if f["test_falls_with_p"]:
        order.append(f"smaller p generalises worse: the networks' test MSE at step {f['steps_last']} falls with p "
                     f"({test}" + ("" if f["test_falls_resolved"] else "; not every neighbouring pair apart by its "
                                   "seed errors") + ")")
    else:
        order.append(f"the networks' test MSE at step {f['steps_last']}: {test}")
    text.append("Across p, " + "; ".join(order) + ".")
    return " ".join(text)
