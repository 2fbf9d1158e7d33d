"""Figure: deviation of trained networks from their NTK prediction vs width (log-log, fitted slope)."""
from __future__ import annotations

import numpy as np

from figures import style

CAPTION = """**Deviation from the NTK prediction vs width.** For each width, {seeds} networks (Gaussian features
sigma 10,
{depth} hidden ReLU layers) trained by gradient descent on the 1D 1/f problem, compared with the NTK prediction
started from each network's own outputs at step 0: the largest relative gap over training,
max_t ||f_net - f_NTK|| / ||y - f_net(0)||, averaged over seeds, on training and test points. Fitted log-log slopes:
{slope:.2f} (train) and {slope_test:.2f} (test); the infinite-width theory predicts about -1/2 (dotted)."""


def draw(arrays: dict, meta: dict):
    plt = style.plt
    w = arrays["widths"].astype(float)
    with plt.rc_context(style.RC):
        fig, ax = plt.subplots(figsize=(4.6, 3.4))
        for key, label, marker, slope in (("deviation", "train", "o", meta["slope"]),
                                          ("deviation_test", "test", "s", meta["slope_test"])):
            values = arrays[key]
            line, = ax.plot(w, values, marker, label=f"{label} (slope {slope:.2f})")
            fit = np.exp(np.polyval(np.polyfit(np.log(w), np.log(values), 1), np.log(w)))
            ax.plot(w, fit, "-", color=line.get_color(), lw=1)
        ax.plot(w, arrays["deviation"][0] * (w / w[0]) ** -0.5, ":", color="grey", label="width^-1/2")
        ax.set(xscale="log", yscale="log", xlabel="width", ylabel="relative deviation from NTK prediction")
        ax.set_xticks(w, [str(int(v)) for v in w])
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
        ax.legend(frameon=False)
    return fig


def caption(meta: dict) -> str:
    return CAPTION.format(seeds=meta["seeds"], depth=meta["model"]["depth"], slope=meta["slope"],
                          slope_test=meta["slope_test"]).replace("\n", " ")
