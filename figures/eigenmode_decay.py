"""Figure: per-eigenmode residual decay, measured networks over the predicted (1 - eta lambda / n)^t lines."""
from __future__ import annotations

import numpy as np

from figures import findings as fd, style

ANALYSIS = "width_sweep"
ORDER = 90
CLAIMS = {"quick": {"top_learned_in_one_step": True},
          "full": {"top_learned_in_one_step": True, "learned_in_order": True, "departures_shrink": False}}
FACTOR = 2.0  # a network "follows" a mode while its residual is within this factor of the prediction
ROUND_OFF = 1e-6  # float32 round-off, relative to the initial residual: below it nothing is resolved


def _modes(n: int) -> list[int]:
    return sorted({0, 1, 2, n // 4, n // 2, 3 * n // 4, n - 1})


def findings(arrays: dict, meta: dict) -> dict:
    widths, steps, lam = arrays["widths"], arrays["steps"], arrays["eigenvalues"]
    j = len(widths) - 1
    measured = np.sqrt(np.mean(arrays[f"measured_modes_{j}"] ** 2, axis=1))  # (T, n): rms over seeds
    predicted = np.sqrt(np.mean(arrays[f"predicted_modes_{j}"] ** 2, axis=1))
    n = len(lam)
    start = np.sqrt(np.sum(measured[0] ** 2))
    floor = ROUND_OFF * start
    modes = _modes(n)
    ratio = np.maximum(measured, floor) / np.maximum(predicted, floor)  # (T, n)
    later = steps >= 1
    follows = [k for k in modes[1:] if np.all(np.abs(np.log(ratio[later, k])) <= np.log(FACTOR))]
    departed = [k for k in modes[1:] if k not in follows]
    # steps until each plotted mode falls below half its start, measured: non-decreasing with k (order of lambda)
    half = [float(steps[np.argmax(measured[:, k] <= 0.5 * measured[0, k])]) if np.any(
        measured[:, k] <= 0.5 * measured[0, k]) else float("inf") for k in modes[1:]]
    lr = meta["lr"]
    out = {"depth": meta["model"]["depth"], "sigma": meta["model"]["mapping"]["sigma"], "n_train": meta["n_train"],
           "lr": lr, "width": int(widths[j]), "seeds": meta["seeds"], "modes": modes, "factor": FACTOR,
           "round_off": ROUND_OFF, "last_step": int(steps[-1]), "steps_to_half": half,
           "learned_in_order": bool(np.all(np.diff(half) >= 0)),
           "follows": follows, "departed": departed,
           "top_factor_predicted": float(np.round(1 - lr * lam[0] / n, 9) + 0.0),
           "top_learned_in_one_step": bool(abs(1 - lr * lam[0] / n) < 1e-6),
           "top_left_after_one_step": float(measured[list(steps).index(1), 0] / measured[0, 0])}
    if departed:  # the mode and step of the largest departure, and the same ratio at every width
        k = max(departed, key=lambda m: np.max(np.abs(np.log(ratio[later, m]))))
        t = int(np.flatnonzero(later)[np.argmax(np.abs(np.log(ratio[later, k])))])
        per_width = []
        for i in range(len(widths)):
            m_i = np.sqrt(np.mean(arrays[f"measured_modes_{i}"][t, :, k] ** 2))
            p_i = np.sqrt(np.mean(arrays[f"predicted_modes_{i}"][t, :, k] ** 2))
            start_i = np.sqrt(np.sum(np.mean(arrays[f"measured_modes_{i}"][0] ** 2, axis=0)))
            per_width.append(float(max(m_i, ROUND_OFF * start_i) / max(p_i, ROUND_OFF * start_i)))
        out.update(departed_mode=k, departed_step=int(steps[t]), departed_measured=float(measured[t, k] / start),
                   departed_predicted=float(predicted[t, k] / start), departed_ratio_per_width=per_width,
                   widths=[int(w) for w in widths],
                   departures_shrink=bool(np.all(np.diff(np.abs(np.log(per_width))) < 0)))
    return out


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    j = len(arrays["widths"]) - 1
    steps = arrays["steps"]
    x = np.where(steps == 0, 0.5, steps)
    measured = np.sqrt(np.mean(arrays[f"measured_modes_{j}"] ** 2, axis=1))
    predicted = np.sqrt(np.mean(arrays[f"predicted_modes_{j}"] ** 2, axis=1))
    lam = arrays["eigenvalues"]
    start = np.sqrt(np.sum(measured[0] ** 2))
    with plt.rc_context(style.RC):
        fig, ax = plt.subplots(figsize=(5.6, 3.8))
        cmap = plt.get_cmap("viridis")
        for i, k in enumerate(f["modes"]):
            c = cmap(i / max(len(f["modes"]) - 1, 1))
            ax.plot(x, np.maximum(predicted[:, k] / start, 1e-9), "-", color=c, lw=1.3,
                    label=f"k = {k}, lambda = {lam[k]:.3g}")
            ax.plot(x, measured[:, k] / start, "o", color=c, ms=4, mfc="none")
        ax.axhline(f["round_off"], color="grey", ls=":", lw=1)
        ax.text(x[-1], f["round_off"] * 1.3, "float32 round-off", fontsize=7, color="grey", ha="right")
        ax.set(xscale="log", yscale="log", ylim=(1e-7, 3), xlabel="gradient-descent step t (step 0 drawn at 0.5)",
               ylabel="|residual along eigenvector k| / |r(0)|")
        ax.legend(frameon=False, fontsize=7, title=f"lines: NTK; circles: width {f['width']}", title_fontsize=7,
                  loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _ks(values) -> str:
    return ", ".join(str(v) for v in values)


def caption(f: dict) -> str:
    text = [f"**Per-eigenmode decay.** The training residual along eigenvectors k of the analytic NTK "
            f"({f['n_train']} training points of the 1D 1/f problem, Gaussian features sigma {fd.g(f['sigma'])}, "
            f"{f['depth']} hidden ReLU layer{'s' if f['depth'] > 1 else ''}), relative to the whole initial "
            f"residual, against gradient-descent step at learning rate {fd.g(f['lr'])}: lines are the NTK "
            f"prediction (1 - eta lambda_k / n)^t r_k(0) from each network's own start, circles the trained "
            f"networks of width {f['width']} (rms over {f['seeds']} seeds)."]
    if f["learned_in_order"]:
        text.append("The networks learn the modes in the order of their eigenvalues (the step at which a mode's "
                    "residual halves does not decrease with k).")
    if f["follows"]:
        text.append(f"Mode{'s' if len(f['follows']) > 1 else ''} k = {_ks(f['follows'])} "
                    f"follow{'' if len(f['follows']) > 1 else 's'} the prediction within a factor {fd.g(f['factor'])} at "
                    f"every recorded step, down to float32 round-off ({fd.g(f['round_off'])} of the start).")
    if f["departed"]:
        several = len(f["departed"]) > 1
        text.append(
            f"Mode{'s' if several else ''} k = {_ks(f['departed'])} depart{'' if several else 's'} from it by more "
            f"than that factor; the largest departure is along k = {f['departed_mode']} at step "
            f"{f['departed_step']}, where the networks keep {fd.g(f['departed_measured'], 2)} and the prediction "
            f"{fd.g(f['departed_predicted'], 2)}. At that step the measured/predicted ratio "
            f"along k = {f['departed_mode']} is " + " / ".join(fd.sci(v) for v in f["departed_ratio_per_width"])
            + f" at widths {_ks(f['widths'])}"
            + ("; it shrinks as the width grows: a finite-width effect." if f["departures_shrink"] else
               "; it does not shrink steadily with width over this range."))
    top = (f"The top mode (k = 0) shows the finite width too: at half the largest stable rate its predicted factor "
           f"1 - eta lambda_0 / n is {fd.g(f['top_factor_predicted'], 2)}")
    if f["top_learned_in_one_step"]:
        top += ", so the NTK learns it in one step (its line drops off the axis),"
    text.append(top + f" while each network's own kernel differs slightly from the analytic one and keeps "
                f"{fd.pct(f['top_left_after_one_step'], 1)} of its start there after one step.")
    return " ".join(text)
