"""Figure: test error against the rotation of a 2D signal, positional encoding vs Gaussian features."""
from __future__ import annotations

import numpy as np

from figures import findings as found, style

ANALYSIS = "rotation"
ORDER = 200
VARIES = 0.1  # the error "changes with theta" when its largest / smallest over the angles exceeds 1 + this
CLAIMS = {"quick": {"positional_varies": True, "positional_more_predicted": True, "positional_more_trained": True},
          "full": {"positional_varies": True, "positional_more_predicted": True, "positional_more_trained": True,
                   "gaussian_isotropic_on_average": True}}
NAMES = {"positional": "positional encoding", "gaussian": "Gaussian features"}


def _spread(values: np.ndarray) -> np.ndarray:
    """Largest / smallest over the angles (axis 0), for each column."""
    return values.max(0) / values.min(0)


def findings(arrays: dict, meta: dict) -> dict:
    angles = np.degrees(arrays["angle"])
    pos_p, gau_p = arrays["predicted_positional"][:, 0], arrays["predicted_gaussian"]  # (angles,), (angles, draws)
    pos_t, gau_t = arrays["trained_positional"], arrays["trained_gaussian"]  # (angles, seeds)
    mappings = meta["mappings"]
    out = {"grid": meta["grid"], "depth": meta["depth"], "width": meta["width"], "steps": meta["steps"],
           "seeds": meta["seeds"], "draws": meta["draws"], "angles": len(angles),
           "angle_range": [float(angles[0]), float(angles[-1])], "varies": VARIES,
           "waves": [w[0] for w in meta["waves"]], "directions": [float(np.degrees(w[1])) for w in meta["waves"]],
           "positional": {"sigma": mappings["positional"]["sigma"], "features": mappings["positional"]["features"],
                          "last_j": mappings["positional"]["features"] - 1},
           "gaussian": {"sigma": mappings["gaussian"]["sigma"], "features": mappings["gaussian"]["features"]},
           "predicted_spread_positional": float(_spread(pos_p)),
           "predicted_spread_gaussian_draws": _spread(gau_p).tolist(),
           "predicted_spread_gaussian_mean": float(_spread(gau_p.mean(1))),
           "trained_spread_positional": _spread(pos_t).tolist(),
           "trained_spread_gaussian": _spread(gau_t).tolist(),
           "trained_over_predicted_positional": [float((pos_t.mean(1) / pos_p).min()),
                                                 float((pos_t.mean(1) / pos_p).max())],
           "trained_over_predicted_gaussian": [float((gau_t.mean(1) / gau_p[:, 0]).min()),
                                               float((gau_t.mean(1) / gau_p[:, 0]).max())]}
    out["positional_varies"] = bool(out["predicted_spread_positional"] > 1 + VARIES)
    out["positional_more_predicted"] = bool(out["predicted_spread_positional"]
                                            > max(out["predicted_spread_gaussian_draws"]))
    out["positional_more_trained"] = bool(min(out["trained_spread_positional"]) > max(out["trained_spread_gaussian"]))
    out["gaussian_isotropic_on_average"] = bool(
        gau_p.shape[1] > 1 and out["predicted_spread_gaussian_mean"] < min(out["predicted_spread_gaussian_draws"])
        and out["predicted_spread_gaussian_mean"] <= 1 + VARIES)
    return out


def _list(values) -> str:
    return ", ".join(found.f(v) for v in values)


def caption(f: dict) -> str:
    lo, hi = f["angle_range"]
    w, d = f["waves"], f["directions"]
    text = [f"**Axis-aligned vs isotropic features** (Tancik et al. 2020, Fig. 11). Three plane waves (frequencies "
            f"{found.g(w[0])}, {found.g(w[1])} and {found.g(w[2])} cycles per unit length along the directions "
            f"{found.g(d[0])}, {found.g(d[1])} and {found.g(d[2])} degrees) rotated together by an angle theta from "
            f"{found.g(lo)} to {found.g(hi)} degrees ({f['angles']} angles), on a {f['grid']} x {f['grid']} grid "
            f"of [0, 1)^2, every other point along each axis to train; ReLU networks with {f['depth']} hidden "
            f"layers, {f['steps']} gradient-descent steps at half the largest stable rate. Left: test MSE of the "
            f"NTK prediction from a zero initial function (Gaussian features: mean over {f['draws']} draws of the "
            f"features, band: their range); right: centred networks of width {f['width']} (the first draw; mean of "
            f"{f['seeds']} seed{'s' if f['seeds'] > 1 else ''}{', band: their range' if f['seeds'] > 1 else ''}). "
            f"The positional encoding has frequencies {found.g(f['positional']['sigma'])}^(j/"
            f"{f['positional']['features']}), j = 0 to {f['positional']['last_j']}, along the axes only; Gaussian "
            f"features (sigma {found.g(f['gaussian']['sigma'])}, {f['gaussian']['features']} random frequencies) "
            f"have directions drawn uniformly."]
    pred = (f"Largest / smallest predicted error over theta: positional encoding "
            f"{found.f(f['predicted_spread_positional'])}, Gaussian features "
            f"{_list(f['predicted_spread_gaussian_draws'])} for single draws and "
            f"{found.f(f['predicted_spread_gaussian_mean'])} for their mean")
    claims = []
    if f["positional_varies"] and f["positional_more_predicted"]:
        claims.append("the positional encoding's error changes with theta more than that of any single draw of "
                      "Gaussian features")
    if f["gaussian_isotropic_on_average"]:
        claims.append(f"averaged over the draws, the Gaussian features' error varies by less than "
                      f"{found.pct(f['varies'])} over theta, less than for any single draw (isotropic on average)")
    text.append(pred + (": " + ", and ".join(claims) if claims else "") + ".")
    trained = (f"Trained, per seed: positional encoding {_list(f['trained_spread_positional'])}, Gaussian features "
               f"{_list(f['trained_spread_gaussian'])}")
    if f["positional_more_trained"]:
        trained += ", larger for the positional encoding with every seed"
    text.append(trained + ".")
    a, b = f["trained_over_predicted_positional"]
    c, e = f["trained_over_predicted_gaussian"]
    text.append(f"Trained / predicted test MSE: positional encoding {found.f(a)} to {found.f(b)}, Gaussian features "
                f"{found.f(c)} to {found.f(e)} (finite width).")
    return " ".join(text)


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    x = np.degrees(arrays["angle"])
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.5), sharey=True)
        for i, name in enumerate(("positional", "gaussian")):
            c = plt.get_cmap("tab10")(i + 2)
            p, t = arrays[f"predicted_{name}"], arrays[f"trained_{name}"]
            axes[0].plot(x, p.mean(1), "o-", ms=3, color=c, label=NAMES[name])
            axes[1].plot(x, t.mean(1), "o-", ms=3, color=c, label=NAMES[name])
            if p.shape[1] > 1:
                axes[0].fill_between(x, p.min(1), p.max(1), color=c, alpha=0.18, lw=0)
                for draw in range(p.shape[1]):
                    axes[0].plot(x, p[:, draw], "-", lw=0.5, color=c, alpha=0.5)
            if t.shape[1] > 1:
                axes[1].fill_between(x, t.min(1), t.max(1), color=c, alpha=0.18, lw=0)
        axes[0].set(title=f"NTK prediction ({meta['draws']} feature draws)")
        axes[1].set(title=f"trained networks (width {meta['width']}, {meta['seeds']} seeds)")
        for ax in axes:
            ax.set(yscale="log", xlabel="rotation theta (degrees)")
        axes[0].set_ylabel("test MSE")
        axes[0].legend(frameon=False)
        fig.tight_layout()
    return fig
