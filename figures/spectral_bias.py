"""Figure: spectral-bias heatmaps, measured on trained networks beside the NTK prediction."""
from __future__ import annotations

import matplotlib.colors
import numpy as np

from figures import findings as found, style

ANALYSIS = "spectral_bias"
ORDER = 30
FOLLOWS = 0.1  # a network follows its prediction where the deviation stays below this
LEARNED = 0.1  # a frequency is learned once its residual is below this fraction of the target's amplitude
UNTOUCHED = 0.9  # "almost untouched": the residual at the last step still above this fraction
TOLERANCE = 0.01  # residuals "rise with frequency" where each is at least the previous one less this
CLAIMS = {
    "quick": {"raw_low_first": True, "raw_high_untouched": True, "siren_ntk_in_order": True, "siren_slower": True},
    "full": {"raw_low_first": True, "raw_high_untouched": True, "gaussian_learns_all": True,
             "siren_ntk_in_order": True, "gaussian_follows": True, "raw_slower": True, "siren_slower": True},
}


def residuals(arrays: dict, key: str) -> np.ndarray:
    """|FFT(f_t - y)| at every frequency k = 0..n/2 (cycles per unit interval) and step, relative to the target's
    amplitude at its frequencies (all equal): ``(T, n/2 + 1)``."""
    scale = np.abs(np.fft.rfft(arrays["y"])).max()
    return np.abs(np.fft.rfft(arrays[key] - arrays["y"], axis=1)) / scale


def _per_kind(r: np.ndarray, steps: np.ndarray, freqs: list[int]) -> dict:
    at = r[:, freqs]  # (T, F)
    learned = [float(steps[np.flatnonzero(at[:, j] <= LEARNED)[0]]) if np.any(at[:, j] <= LEARNED) else None
               for j in range(len(freqs))]
    when = np.array([np.inf if s is None else s for s in learned])
    open_ = at[-1][np.isinf(when)]
    return {"initial": at[0].tolist(), "final": at[-1].tolist(), "learned_step": learned,
            # in order of frequency: the steps to learn them rise, and the residuals of those not learned rise
            "in_order": bool(all(a <= b for a, b in zip(when, when[1:])) and np.all(np.diff(open_) >= -TOLERANCE)),
            "final_rises": bool(np.all(np.diff(at[-1]) >= -TOLERANCE)),
            "all_learned": all(s is not None for s in learned)}


def findings(arrays: dict, meta: dict) -> dict:
    steps, freqs, labels = arrays["steps"], meta["frequencies"], meta["labels"]
    models = {}
    for i, label in enumerate(labels):
        net, ntk = arrays[f"measured_{i}"], arrays[f"predicted_{i}"]
        gap = np.linalg.norm(net - ntk, axis=1) / np.linalg.norm(arrays["y"] - net[0])
        net_r, ntk_r = (residuals(arrays, f"{key}_{i}")[-1, freqs] for key in ("measured", "predicted"))
        models[label] = {"network": _per_kind(residuals(arrays, f"measured_{i}"), steps, freqs),
                         "ntk": _per_kind(residuals(arrays, f"predicted_{i}"), steps, freqs),
                         "deviation": float(gap.max()), "lr": meta["lr"][label],
                         "follows": float(gap.max()) < FOLLOWS,
                         # the network's residual at every target frequency at least the NTK's (less the tolerance)
                         "slower": bool(np.all(net_r >= ntk_r - TOLERANCE) and net_r.sum() > ntk_r.sum())}
    raw, siren = models["none"], models["siren"]
    gaussian = next(v for k, v in models.items() if k.startswith("gaussian"))
    g_steps = [s for kind in ("network", "ntk") for s in gaussian[kind]["learned_step"] if s is not None]
    return {
        "grid": meta["grid"], "width": meta["width"], "depth": meta["depth"], "sigma": meta["sigma"],
        "frequencies": freqs, "steps_last": int(steps[-1]), "learned_level": LEARNED, "untouched_level": UNTOUCHED,
        "tolerance": TOLERANCE, "follows_level": FOLLOWS,
        "interval": [0, 1], "models": models, "labels": labels,
        "raw_low_first": raw["network"]["final_rises"] and raw["ntk"]["final_rises"],
        "raw_high_untouched": min(raw["network"]["final"][-1], raw["ntk"]["final"][-1]) >= UNTOUCHED,
        "gaussian_learns_all": gaussian["network"]["all_learned"] and gaussian["ntk"]["all_learned"],
        "gaussian_learned_steps": [min(g_steps), max(g_steps)] if g_steps else None,
        "siren_ntk_in_order": siren["ntk"]["in_order"],
        "siren_network_in_order": siren["network"]["in_order"],
        "gaussian_follows": gaussian["follows"], "raw_slower": raw["slower"] and not raw["follows"],
        "siren_slower": siren["slower"] and not siren["follows"],
    }


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    labels = meta["labels"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(2, len(labels), figsize=(3.2 * len(labels), 5.2), sharex=True, sharey=True,
                                 constrained_layout=True)
        steps = arrays["steps"]
        edges = np.concatenate([[0.5], np.sqrt(np.maximum(steps[1:] * steps[:-1], 0.25)), [steps[-1] * 1.5]])
        edges[1] = max(edges[1], 0.7)
        maps = {(row, j): residuals(arrays, f"{key}_{j}") for j in range(len(labels))
                for row, key in enumerate(("measured", "predicted"))}
        top = max(m.max() for m in maps.values())
        norm = matplotlib.colors.LogNorm(vmin=1e-3 * top, vmax=top)
        for (row, j), values in maps.items():
            ax = axes[row, j]
            mesh = ax.pcolormesh(edges, np.arange(values.shape[1] + 1) - 0.5, np.maximum(values.T, norm.vmin),
                                 cmap="viridis", norm=norm, shading="flat")
            label = labels[j]
            ax.set(xscale="log", title=f"{_name(label)}: {'network' if row == 0 else 'NTK'}"
                   + (f"\n(deviation {f['models'][label]['deviation']:.2f})" if row == 0 else ""))
            ax.grid(False)
            for k in meta["frequencies"]:
                ax.plot([edges[-1] * 1.05], [k], "<", color="w", ms=3, clip_on=False)
        for j in range(len(labels)):
            axes[1, j].set_xlabel("gradient-descent step (0 at left)")
        fig.supylabel("frequency k (cycles per unit interval)", fontsize=9)
        fig.colorbar(mesh, ax=axes, label="|residual| / target amplitude (log scale)")
    return fig


def _name(label: str) -> str:
    names = {"none": "raw coordinates", "siren": "SIREN"}
    return names.get(label, label.replace("gaussian sigma=", "Gaussian, sigma "))


def _list(values, digits: int = 2) -> str:
    return ", ".join(found.f(v, digits) for v in values)


def _steps(values) -> str:
    text = ", ".join("-" if s is None else f"{s:.0f}" for s in values)
    return text + (" ('-': not within the run)" if None in values else "")


def caption(f: dict) -> str:
    m = f["models"]
    raw, siren = m["none"], m["siren"]
    gauss_label = next(k for k in m if k.startswith("gaussian"))
    gauss = m[gauss_label]
    freqs = ", ".join(map(str, f["frequencies"]))
    text = [f"**Spectral bias, measured and predicted.** Residual magnitude |FFT(f_t - y)| at each frequency k "
            f"(rows, in cycles per unit interval) and gradient-descent step (columns, log-spaced), relative to the "
            f"target's amplitude (log colour scale; white ticks mark the target frequencies), for a target with equal "
            f"amplitude at k = {freqs} on a periodic grid of {f['grid']} points on [{f['interval'][0]}, "
            f"{f['interval'][1]}) (all used for training). Top: one trained network of width {f['width']} "
            f"({f['depth']} hidden layers) per model; bottom: the infinite-width NTK prediction started from that "
            f"network's own outputs at step {f['interval'][0]}; learning rate half the largest stable rate of each "
            f"model's NTK. Residuals at the target frequencies after {f['steps_last']} steps, network / NTK:"]
    raw_text = f"raw coordinates {_list(raw['network']['final'])} / {_list(raw['ntk']['final'])}"
    if f["raw_low_first"]:
        raw_text += (f" (rising with frequency, to within {found.f(f['tolerance'])}: the low frequencies are learned "
                     "first")
        if f["raw_high_untouched"]:
            raw_text += (f", and the highest stays above {found.f(f['untouched_level'], 1)} of its amplitude, almost "
                         "untouched: spectral bias")
        raw_text += ")"
    text.append(raw_text + ";")
    g = (f"Gaussian Fourier features (sigma {found.g(f['sigma'])}) {_list(gauss['network']['final'])} / "
         f"{_list(gauss['ntk']['final'])}")
    if f["gaussian_learns_all"]:
        low, high = f["gaussian_learned_steps"]
        g += (f" (every target frequency below {found.f(f['learned_level'], 1)} of its amplitude by step "
              f"{high:.0f}, the first by step {low:.0f}, network and NTK alike)")
    text.append(g + ";")
    s = f"SIREN {_list(siren['network']['final'])} / {_list(siren['ntk']['final'])}"
    if f["siren_ntk_in_order"]:
        s += (f"; the SIREN's NTK learns them in order of frequency (first step below "
              f"{found.f(f['learned_level'], 1)}: {_steps(siren['ntk']['learned_step'])})")
        if not f["siren_network_in_order"]:
            s += f", its network does not ({_steps(siren['network']['learned_step'])})"
    text.append(s + ".")
    names = {"none": "raw coordinates", gauss_label: "Gaussian features", "siren": "SIREN"}
    dev = ", ".join(f"{names[k]} {v['deviation']:.2f}" for k, v in m.items())
    text.append(f"Largest deviation of each network from its prediction over the run, ||f_net - f_NTK|| / "
                f"||y - f_net(0)|| on the grid: {dev}.")
    follow = [names[k] for k, v in m.items() if v["follows"]]
    slower = [names[k] for k, v in m.items() if not v["follows"] and v["slower"]]
    if follow:
        text.append(f"Deviation below {found.f(f['follows_level'], 1)}, the network following its NTK: "
                    f"{', '.join(follow)}.")
    if slower:
        text.append(f"The {' and '.join(slower)} network{'s' if len(slower) > 1 else ''} learn"
                    f"{'' if len(slower) > 1 else 's'} more slowly than {'their' if len(slower) > 1 else 'its'} NTK "
                    "predicts (a larger residual at every target frequency at the last step).")
    return " ".join(text)
