"""Figure: test error against the scale of the frequency sampler, predicted and trained."""
from __future__ import annotations

from figures import style

CAPTION = """**The scale of the features matters, not their distribution** (Tancik et al. 2020, Figs. 4 and 13). The 1D
1/f problem (256-point grid, every 8th point to train, {signals} signal(s)), {features} random Fourier features
drawn from each sampler with scale sigma (Gaussian, uniform and Laplacian: the standard deviation of each frequency;
uniform-log: the largest frequency, magnitudes log-uniform in [1, sigma]), depth-{depth} ReLU networks, {steps}
gradient-descent steps at half the stable rate. Left: test MSE of the NTK prediction from f(0) = 0; right: of
centred networks of width {width} ({seeds} per signal), which follow it at infinite width. At equal standard deviation
the Gaussian, uniform and Laplacian samplers give errors within a factor {spread_p:.2f} of one another (predicted;
{spread_t:.2f} trained), while the scale moves the error by orders of magnitude."""


def draw(arrays: dict, meta: dict):
    curves = [(s.replace("_", "-"), style.plt.get_cmap("tab10")(i), arrays[f"predicted_{s}"].mean(1),
               arrays[f"trained_{s}"].mean(1)) for i, s in enumerate(meta["samplers"])]
    return style.predicted_and_trained(arrays["sigma"], curves, xlabel="scale sigma", width=meta["width"],
                                       xscale="log", figsize=(8.6, 3.6))


def caption(meta: dict) -> str:
    return CAPTION.format(signals=meta["signals"], features=meta["features"], depth=meta["model"]["depth"],
                          steps=meta["steps"], width=meta["width"], seeds=meta["seeds"],
                          spread_p=meta["spread_predicted"], spread_t=meta["spread_trained"]).replace("\n", " ")
