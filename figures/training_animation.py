"""Figure: training by gradient descent, network beside NTK prediction. The still is the animation's last frame
(fits at the last step, the whole residual curves beneath); ``write_animation`` writes every frame as a GIF. Both
draw with `ntk_fourier.animate.figure`, the frames of ``ntk-fourier animate``."""
from __future__ import annotations

from pathlib import Path

from ntk_fourier import animate

CAPTION = """**Training, frame by frame: networks vs the NTK.** {target} on a periodic grid of {grid} points, every
{stride}th point used for training (black dots). For raw inputs (ReLU), Gaussian Fourier features (sigma {sigma:g},
ReLU) and a SIREN (depth {depth}, width {width}), one network per model is trained by full-batch gradient
descent at half the largest stable rate of its NTK on the training points (rates {rates}); top: its fit at the last of
{steps} steps (solid) and the NTK prediction started from that network's own outputs at step 0 (dashed red; equal at
step 0). Bottom: the residual at the {which} frequencies, |r_f| / |y_f| on the whole grid, against the step (solid:
network, dashed: NTK). Raw inputs learn the lowest frequency first and barely touch the others (spectral bias);
Fourier features learn all at similar rates, but between the training points keep the high-frequency part of their
initial function, network and NTK alike; the NTK of the SIREN learns them in order of frequency, while a SIREN this
narrow does not train along its linearisation (docs/network.md). RMS gap between network and prediction at the last
step, relative to the target's: {deviations}. The animation of every frame: [{gif}]({gif})."""

GIF = "training_animation.gif"


def draw(arrays: dict, meta: dict):
    fig, show = animate.figure(arrays, meta)
    show(-1)
    return fig


def write_animation(arrays: dict, meta: dict, path: Path) -> Path:
    """The GIF of every frame, at ``path`` (the gallery's OUT/training_animation.gif)."""
    return animate.write(arrays, meta, path, fps=8)


def caption(meta: dict) -> str:
    freqs = meta["freqs"]
    target = ("A target y = sum_f cos(2 pi f x) with frequencies " + ", ".join(map(str, freqs)) if freqs
              else "The built-in 1/f signal")
    return CAPTION.format(target=target, grid=meta["grid"], stride=meta["stride"], sigma=animate.SIGMA,
                          depth=meta["depth"], width=meta["width"], steps=meta["steps"],
                          which="target's" if freqs else "power-of-2",
                          rates=", ".join(f"{k} {v:.3g}" for k, v in meta["lr"].items()),
                          deviations=", ".join(f"{k} {v:.2f}" for k, v in meta["deviation"].items()),
                          gif=GIF).replace("\n", " ")
