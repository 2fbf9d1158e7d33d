"""Figure: 3D occupancy, a slice through the solid per mapping; IoU of NTK regression and trained networks."""
from __future__ import annotations

import numpy as np

from analysis.occupancy import iou
from figures import findings as found, style

ANALYSIS = "occupancy"
ORDER = 220
FOURIER = ("positional", "gaussian")
NAMES = {"none": "raw coordinates", "positional": "positional encoding", "gaussian": "Gaussian features",
         "siren": "SIREN"}
CLAIMS = {"quick": {"kernel_fourier_above_raw": True},
          "full": {"kernel_fourier_above_raw": True, "kernel_siren_above_raw": True,
                   "trained_fourier_below_kernel": True, "trained_best": "siren"}}


def findings(arrays: dict, meta: dict) -> dict:
    y = arrays["y_test"]
    labels = meta["labels"]
    kernel = {k: [iou(o, y) for o in arrays[f"kernel_{k}"]] for k in labels}  # per draw of the training points
    trained = {k: [iou(o, y) for o in arrays[f"trained_{k}"]] for k in labels}  # per seed, on draw 0
    models = meta["models"]
    out = {"n": meta["n"], "m": meta["m"], "draws": meta["draws"], "width": meta["width"], "depth": meta["depth"],
           "steps": meta["steps"], "seeds": meta["seeds"], "lr": meta["lr"], "siren_lr": meta["siren_lr"],
           "ridge": meta["ridge"], "occupied_fraction": meta["occupied_fraction"], "box": [0.05, 0.95], "dimension": 3,
           "positional": {k: models["positional"]["mapping"][k] for k in ("sigma", "features")},
           "gaussian": {k: models["gaussian"]["mapping"][k] for k in ("sigma", "features")},
           "labels": labels,
           "iou_kernel": {k: {"per_draw": v, "mean": float(np.mean(v)), "range": [min(v), max(v)]}
                          for k, v in kernel.items()},
           "iou_trained": {k: {"per_seed": v, "mean": float(np.mean(v)), "range": [min(v), max(v)]}
                           for k, v in trained.items()}}
    draws = range(meta["draws"])
    out["kernel_fourier_above_raw"] = bool(all(min(kernel[k][d] for k in FOURIER) > kernel["none"][d]
                                               for d in draws))
    out["kernel_siren_above_raw"] = bool(all(kernel["siren"][d] > kernel["none"][d] for d in draws))
    # the networks against their own kernel on the same training points (draw 0), every seed
    out["trained_below_kernel"] = {k: bool(max(trained[k]) < kernel[k][0]) for k in labels}
    out["trained_above_kernel"] = {k: bool(min(trained[k]) > kernel[k][0]) for k in labels}
    out["trained_fourier_below_kernel"] = bool(all(out["trained_below_kernel"][k] for k in FOURIER))
    out["gap_fourier"] = [float(kernel[k][0] - np.mean(trained[k])) for k in FOURIER]
    # a best trained model: its worst seed above every other model's best seed
    best = max(labels, key=lambda k: np.mean(trained[k]))
    out["trained_best"] = best if all(min(trained[best]) > max(trained[k]) for k in labels if k != best) else None
    return out


def _iou(entry: dict, key: str) -> str:
    values = entry[key]
    if len(values) == 1:
        return found.f(values[0])
    return f"{found.f(entry['mean'])} ({found.f(entry['range'][0])}-{found.f(entry['range'][1])})"


def caption(f: dict) -> str:
    text = [f"**A 3D coordinate task: occupancy of two linked tori.** {f['n']} random training points in "
            f"[{found.g(f['box'][0])}, {found.g(f['box'][1])}]^{f['dimension']} "
            f"({found.pct(f['occupied_fraction'])} of the held-out points inside), occupancy 0/1 as the target; "
            f"intersection over union (IoU) of the predicted solid (output > 0.5) with the true one on {f['m']} "
            f"held-out random points. Top: the held-out points near the slice z = 0.5, coloured by the prediction "
            f"of each mapping's first trained network; bottom: IoU of NTK regression (converged, ridge "
            f"{found.g(f['ridge'])} of the mean diagonal; {f['draws']} draws of the training points, bars: their "
            f"range) and of trained networks (width {f['width']}, {f['depth']} hidden layers, {f['steps']} "
            f"full-batch Adam steps at rate {found.g(f['lr'])}, SIREN {found.g(f['siren_lr'])} on coordinates "
            f"scaled to [-1, 1]; {f['seeds']} seeds on the first draw, bars: their range). Mappings: positional "
            f"encoding (sigma {found.g(f['positional']['sigma'])}, {f['positional']['features']} frequencies per "
            f"axis), Gaussian features (sigma {found.g(f['gaussian']['sigma'])}, {f['gaussian']['features']} "
            f"frequencies), SIREN."]
    k, t = f["iou_kernel"], f["iou_trained"]
    table = "; ".join(f"{NAMES[m]} {_iou(k[m], 'per_draw')} / {_iou(t[m], 'per_seed')}" for m in f["labels"])
    text.append(f"IoU, NTK regression / trained (mean and range): {table}.")
    claims = []
    if f["kernel_fourier_above_raw"]:
        extra = " and with SIREN's" if f["kernel_siren_above_raw"] else ""
        claims.append(f"On every draw of the training points, NTK regression with the Fourier mappings{extra} "
                      f"beats raw coordinates")
    if f["trained_fourier_below_kernel"]:
        claims.append(f"the trained Fourier-feature networks fall short of their kernels on the same points with "
                      f"every seed (by {found.f(f['gap_fourier'][0])} and {found.f(f['gap_fourier'][1])} IoU on "
                      f"average; the kernel is the converged limit of gradient descent, not of Adam)")
    above = [NAMES[m] for m in f["labels"] if f["trained_above_kernel"][m]]
    if above:
        claims.append(f"the trained networks of {' and '.join(above)} exceed their kernel with every seed")
    if claims:
        text.append("; ".join(claims)[0].upper() + "; ".join(claims)[1:] + ".")
    if f["trained_best"]:
        text.append(f"Among the trained networks, {NAMES[f['trained_best']]} is best with every seed.")
    return " ".join(text)


def draw(arrays: dict, meta: dict, f: dict):
    plt = style.plt
    labels = meta["labels"]
    x = arrays["x_test"]
    near = np.abs(x[:, 2] - 0.5) < 0.06
    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(2.6 * (len(labels) + 1), 5.6))
        grid = fig.add_gridspec(2, len(labels) + 1, height_ratios=(1.1, 1))
        panels = [("truth", arrays["y_test"])] + [(NAMES[k], arrays[f"trained_{k}"][0]) for k in labels]
        for i, (title, values) in enumerate(panels):
            ax = fig.add_subplot(grid[0, i])
            ax.scatter(x[near, 0], x[near, 1], c=np.clip(values[near], 0, 1), s=6, cmap="magma", vmin=0, vmax=1)
            ax.set(xticks=[], yticks=[], aspect="equal", title=title)
            if i == 0:
                ax.set(xlabel="x", ylabel="y")
        ax = fig.add_subplot(grid[1, :])
        positions = np.arange(len(labels))
        for offset, key, name, colour in ((-0.2, "iou_kernel", "NTK regression", 0), (0.2, "iou_trained",
                                                                                    "trained networks", 1)):
            means = np.array([f[key][k]["mean"] for k in labels])
            ranges = np.array([f[key][k]["range"] for k in labels]).T
            ax.bar(positions + offset, means, 0.38, yerr=[means - ranges[0], ranges[1] - means], capsize=3,
                   label=name, color=plt.get_cmap("tab10")(colour))
        ax.set(xticks=positions, xticklabels=[NAMES[k] for k in labels], ylabel="test IoU", ylim=(0, 1))
        ax.legend(frameon=False)
        fig.tight_layout()
    return fig
