"""Figure: 3D occupancy, a slice through the solid per mapping; IoU of NTK regression and trained networks."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**A 3D coordinate task: occupancy of two linked tori.** {n} random training points in [0.05, 0.95]^3
({occupied:.0%} inside), occupancy 0/1 as the target; IoU of the predicted solid (output > 0.5) with the true one on
{m} held-out random points. Top: the held-out points near the slice z = 0.5, coloured by the prediction of each
mapping's trained network; bottom: IoU of NTK regression (converged, ridge 1e-3 of the mean diagonal) and of trained
networks (width {width}, depth 4, {steps} full-batch Adam steps, mean of {seeds}). IoU, kernel / trained: {table}."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    labels = meta["labels"]
    x = arrays["x_test"]
    near = np.abs(x[:, 2] - 0.5) < 0.06
    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(2.6 * (len(labels) + 1), 5.6))
        grid = fig.add_gridspec(2, len(labels) + 1, height_ratios=(1.1, 1))
        panels = [("truth", arrays["y_test"])] + [(label, arrays[f"trained_{label}"]) for label in labels]
        for i, (title, values) in enumerate(panels):
            ax = fig.add_subplot(grid[0, i])
            ax.scatter(x[near, 0], x[near, 1], c=np.clip(values[near], 0, 1), s=6, cmap="magma", vmin=0, vmax=1)
            ax.set(xticks=[], yticks=[], aspect="equal", title=title)
        ax = fig.add_subplot(grid[1, :])
        positions = np.arange(len(labels))
        ax.bar(positions - 0.2, [meta["iou_kernel"][k] for k in labels], 0.38, label="NTK regression",
               color=plt.get_cmap("tab10")(0))
        ax.bar(positions + 0.2, [meta["iou_trained"][k] for k in labels], 0.38, label="trained networks",
               color=plt.get_cmap("tab10")(1))
        ax.set(xticks=positions, xticklabels=labels, ylabel="test IoU", ylim=(0, 1))
        ax.legend(frameon=False)
        fig.tight_layout()
    return fig


def caption(meta: dict) -> str:
    table = ", ".join(f"{k} {meta['iou_kernel'][k]:.2f} / {meta['iou_trained'][k]:.2f}" for k in meta["labels"])
    return CAPTION.format(n=meta["n"], occupied=meta["occupied_fraction"], m=meta["m"], width=meta["width"],
                          steps=meta["steps"], seeds=meta["seeds"], table=table).replace("\n", " ")
