"""Figure: test error against the bump's position, raw coordinates vs the basic mapping."""
from __future__ import annotations

from figures import style

CAPTION = """**Stationarity** (Tancik et al. 2020, Fig. 14). A Gaussian bump of width {bump} at position c on [0, 1)
(periodic), fitted from every 8th point of a 256-point grid by depth-{depth} ReLU networks, {steps} gradient-descent
steps at half the stable rate; test MSE on the other points against c. Left: the NTK prediction from f(0) = 0; right:
centred networks of width {width} ({seeds} per position). With raw coordinates (mapping none) the kernel depends on
where the points are, and so does the error; with the basic mapping [cos 2 pi x, sin 2 pi x] the kernel depends only
on x - x', and the predicted error is the same wherever the bump is (every position sits at the same offset from the
training grid). Largest / smallest error over the positions: {spread}."""


def draw(arrays: dict, meta: dict):
    curves = [("raw coordinates" if m == "none" else "basic mapping", style.colour(m), arrays[f"predicted_{m}"],
               arrays[f"trained_{m}"]) for m in meta["mappings"]]
    return style.predicted_and_trained(arrays["center"], curves, xlabel="bump position c", width=meta["width"])


def caption(meta: dict) -> str:
    return CAPTION.format(bump=meta["bump_width"], depth=meta["model"]["depth"], steps=meta["steps"],
                          width=meta["width"], seeds=meta["seeds"],
                          spread=", ".join(f"{k} {v:.2f}" for k, v in meta["spread"].items())).replace("\n", " ")
