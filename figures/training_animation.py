"""Figure: training by gradient descent, network beside NTK prediction. The still is the animation's last frame
(fits at the last step, the whole residual curves beneath); ``write_animation`` writes every frame as a GIF. Both
draw with `ntk_fourier.animate.figure`, the frames of ``ntk-fourier animate``."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from figures import findings as found
from ntk_fourier import QUIET, animate
from ntk_fourier.model.points import fourier_residuals

ANALYSIS = "training_animation"
ORDER = 70
GIF = "training_animation.gif"
FOLLOWS = 0.1  # a network follows its prediction where the RMS gap at the last step is below this (of the target's)
DEPARTS = 0.5  # ... and clearly departs from it above this
UNTOUCHED = 0.8  # "barely touched": the residual at the last step still above this fraction of the amplitude
SIMILAR = 4.0  # "similar rates": half-times within this factor of each other
KEEPS = 0.5  # "keeps its initial function": own-start minus zero-start prediction, RMS above this (of the target's)
CLAIMS = {
    "quick": {"siren_departs": True, "gaussian_keeps_initial": True},
    "full": {"raw_low_first": False, "gaussian_similar_rates": True, "gaussian_keeps_initial": False,
             "siren_ntk_in_order": True, "siren_departs": True},
}


def _half_times(r: np.ndarray, steps: np.ndarray) -> list:
    """Per frequency (columns of r (F, K)): the first step at which the residual has made half its way from the
    first frame to the last; None where it fell by less than a tenth."""
    out = []
    for j in range(r.shape[1]):
        start, end = r[0, j], r[-1, j]
        if end > 0.9 * start:
            out.append(None)
            continue
        out.append(int(steps[np.flatnonzero(r[:, j] <= (start + end) / 2)[0]]))
    return out


def findings(arrays: dict, meta: dict) -> dict:
    steps, y, train = arrays["steps"], arrays["y"], arrays["train"].astype(bool)
    x = arrays["x"][:, None]
    all_freqs, _ = fourier_residuals(x, y[:, None])
    rows = np.searchsorted(all_freqs[:, 0], arrays["frequencies"])
    rms = np.sqrt(np.mean(y ** 2))
    models = {}
    for i, key in enumerate(meta["keys"]):
        net, own, zero = arrays[f"measured_{i}"], arrays[f"predicted_{i}"], arrays[f"zero_start_{i}"]
        r_net, r_ntk = arrays[f"residual_measured_{i}"], arrays[f"residual_predicted_{i}"]
        r_zero = fourier_residuals(x, (zero - y)[..., None])[1][:, rows, 0] / arrays["y_hat"]
        models[key] = {
            "label": meta["labels"][i], "lr": meta["lr"][key],
            "final_network": r_net[-1].tolist(), "final_ntk": r_ntk[-1].tolist(), "final_zero": r_zero[-1].tolist(),
            "half_network": _half_times(r_net, steps), "half_ntk": _half_times(r_ntk, steps),
            "deviation": float(np.sqrt(np.mean((net[-1] - own[-1]) ** 2)) / rms),
            "initial_left": float(np.sqrt(np.mean((own[-1] - zero[-1]) ** 2)) / rms),
            "network_minus_zero": float(np.sqrt(np.mean((net[-1] - zero[-1]) ** 2)) / rms),
            "train_rms_network": float(np.sqrt(np.mean((net[-1][train] - y[train]) ** 2)) / rms),
            "train_rms_ntk": float(np.sqrt(np.mean((own[-1][train] - y[train]) ** 2)) / rms),
        }

    def similar(times):
        return None not in times and max(times) <= SIMILAR * min(times)

    def increasing(times):
        return None not in times and all(a < b for a, b in zip(times, times[1:]))

    raw, gauss, siren = models.get("none"), models.get("gaussian"), models.get("siren")
    low_first = bool(raw) and all(r[0] < min(r[1:]) and min(r[1:]) >= UNTOUCHED
                                  for r in (raw["final_network"], raw["final_ntk"]))
    return {
        "grid": meta["grid"], "stride": meta["stride"], "n_train": int(train.sum()), "steps": meta["steps"],
        "frames": meta["frames"], "width": meta["width"], "depth": meta["depth"], "freqs": meta["freqs"],
        "sigma": meta["models"]["gaussian"]["mapping"]["sigma"], "siren_omega0": meta["models"]["siren"]["omega0"],
        "interval": [0, 1],
        "follows_level": FOLLOWS, "departs_level": DEPARTS, "untouched_level": UNTOUCHED, "similar_factor": SIMILAR,
        "keeps_level": KEEPS, "models": models,
        "raw_low_first": low_first,
        "gaussian_similar_rates": bool(gauss) and similar(gauss["half_network"]) and similar(gauss["half_ntk"]),
        "gaussian_keeps_initial": bool(gauss) and min(gauss["initial_left"], gauss["network_minus_zero"]) > KEEPS
        and all(m["initial_left"] < KEEPS for k, m in models.items() if k != "gaussian"),
        "siren_ntk_in_order": bool(siren) and increasing(siren["half_ntk"]),
        "siren_departs": bool(siren) and siren["deviation"] > DEPARTS,
        "following": [k for k, m in models.items() if m["deviation"] < FOLLOWS],
    }


def draw(arrays: dict, meta: dict, f: dict):
    fig, show = animate.figure(arrays, meta)
    show(-1)
    for ax, key in zip(fig.axes[:len(meta["keys"])], meta["keys"]):
        ax.text(0.02, 0.03, f"RMS gap network - NTK: {f['models'][key]['deviation']:.2f} of the target's",
                transform=ax.transAxes, fontsize=6.5, color="0.3")
    return fig


def write_animation(arrays: dict, meta: dict, path: Path) -> Path:
    """The GIF of every frame, at ``path`` (the gallery's OUT/training_animation.gif)."""
    return animate.write(arrays, meta, path, fps=8, execution=QUIET)


def _list(values) -> str:
    return ", ".join(found.f(v) for v in values)


def _steps(values) -> str:
    text = ", ".join("-" if v is None else str(v) for v in values)
    return text + (" ('-': fell by less than a tenth)" if None in values else "")


def caption(f: dict) -> str:
    m = f["models"]
    names = {"none": "raw inputs", "gaussian": "Gaussian features", "siren": "SIREN"}
    target = ("A target y = sum_f sin(2 pi f x) with frequencies f = " + ", ".join(map(str, f["freqs"])) + " cycles "
              "per unit interval" if f["freqs"] else "The built-in 1/f signal")
    rates = ", ".join(f"{names[k]} {v['lr']:.3g}" for k, v in m.items())
    text = [f"**Training, frame by frame: networks vs the NTK.** {target}, on a periodic grid of {f['grid']} points "
            f"on [{f['interval'][0]}, {f['interval'][1]}), every {f['stride']}th point used for training (black dots; "
            f"{f['n_train']} points). For raw inputs (ReLU), Gaussian Fourier features (sigma {found.g(f['sigma'])}, "
            f"ReLU) and a SIREN (omega0 {found.g(f['siren_omega0'])}), all with {f['depth']} hidden "
            f"layer{'s' if f['depth'] > 1 else ''} of width "
            f"{f['width']}, one network per model is trained by full-batch gradient descent at half the largest "
            f"stable rate of its NTK on the training points (rates {rates}). Top: its fit at the last of "
            f"{f['steps']} steps (solid) and the NTK prediction started from that network's own outputs at step "
            f"{f['interval'][0]} (dashed red). Bottom: the residual at the target's frequencies, |r_f| / |y_f| on the "
            f"whole grid, against the step (solid: network, dashed: NTK); the animation shows all {f['frames']} "
            f"frames: [{GIF}]({GIF})."]
    final = "; ".join(f"{names[k]} {_list(v['final_network'])} / {_list(v['final_ntk'])}" for k, v in m.items())
    text.append(f"Residuals at the last step, network / NTK: {final}.")
    if f["raw_low_first"]:
        text.append(f"Raw inputs learn the lowest frequency first and barely touch the others (still above "
                    f"{found.f(f['untouched_level'], 1)} of their amplitude): spectral bias.")
    g = m.get("gaussian")
    if g and f["gaussian_similar_rates"]:
        text.append(f"Gaussian features learn all the target's frequencies at similar rates (steps to half the final "
                    f"drop, network "
                    f"{_steps(g['half_network'])}, NTK {_steps(g['half_ntk'])}: within a factor "
                    f"{found.g(f['similar_factor'])}).")
    if g and f["gaussian_keeps_initial"]:
        text.append(f"Between the training points the Gaussian-feature network and its NTK keep much of their initial "
                    f"function: at the last step the prediction from the network's own start differs from the one "
                    f"from zero (the infinite-ensemble mean) by an RMS of {found.f(g['initial_left'])} of the "
                    "target's, "
                    f"the network by {found.f(g['network_minus_zero'])} (for raw inputs the prediction's difference is "
                    f"{found.f(m['none']['initial_left'], 3)}, for the SIREN "
                    f"{found.f(m['siren']['initial_left'], 3)}).")
    s = m.get("siren")
    if s and f["siren_ntk_in_order"]:
        text.append(f"The SIREN's NTK learns the frequencies in order (steps to half the final drop "
                    f"{_steps(s['half_ntk'])}).")
    if s and f["siren_departs"]:
        text.append(f"At this width the SIREN does not train along its linearisation: at the last step its network's "
                    f"RMS residual on the training points is {found.f(s['train_rms_network'])} of the target's RMS, "
                    f"its NTK prediction's {found.sci(s['train_rms_ntk'])}.")
    dev = ", ".join(f"{names[k]} {v['deviation']:.2f}" for k, v in m.items())
    follow = [names[k] for k in f["following"]]
    text.append(f"RMS gap between network and prediction on the grid at the last step, relative to the target's: "
                f"{dev}" + (f"; below {found.f(f['follows_level'], 1)} (following): {', '.join(follow)}." if follow
                            else f"; none below {found.f(f['follows_level'], 1)}: at this width no network follows "
                            "its prediction closely."))
    return " ".join(text)
