"""Animations of training: three coordinate MLPs fitting a 1D target, frame by frame over gradient descent.

For a raw-input ReLU net, Gaussian Fourier features (ReLU) and a SIREN, one finite network per model is trained by
full-batch gradient descent at half the largest stable rate of its (infinite-width) NTK on the training points
(every ``stride``-th point of a periodic grid), and its outputs are recorded at log-spaced steps. Beside each
network's fit f_t(x) stands the NTK prediction of the same quantity started from that network's own outputs at step
0 (`kernel.dynamics.predict`), so the two agree exactly at step 0 and differ later only as far as the finite network
leaves its linearisation. Beneath each fit: the residual at the target's frequencies, |r_f| / |y_f| on the whole
grid (`model.points.fourier_residuals`), measured and predicted, against the step.

The computation (`compute`: arrays of every frame, saved by the gallery) is apart from the drawing (`figure`: one
matplotlib figure and a function that shows frame i on it; `write`: GIF or MP4). `animate` does both.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.extras import require
from ntk_fourier.results import atomic

FORMATS = (".gif", ".mp4")
DEFAULT_FREQS = (2, 6, 12)  # below the Nyquist frequency 16 of the default 32 training points
SIGMA = 10.0  # scale of the Gaussian Fourier features (Tancik et al.'s 1D choice)
LABELS = {"none": "raw inputs (ReLU)", "gaussian": f"Gaussian Fourier features, sigma {SIGMA:g} (ReLU)",
          "siren": "SIREN (sin, omega0 30)"}


def _positive_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def parse_freqs(freqs, grid: int, stride: int) -> tuple[int, ...] | None:
    """Target frequencies: None (the built-in 1/f signal), or distinct integers from 1 to below grid/2 (a sequence, or
    text such as ``"2,6,12"``) whose sine is not zero at every training point (every ``stride``-th grid point)."""
    if freqs is None:
        return None
    try:
        values = [int(v) for v in (freqs.split(",") if isinstance(freqs, str) else freqs)]
    except (TypeError, ValueError):
        raise InputError(f"malformed frequency list {freqs!r}: write integers, e.g. 2,6,12")
    if not values or len(set(values)) != len(values) or min(values) < 1 or 2 * max(values) >= grid:
        raise InputError(f"frequencies {freqs!r} must be distinct integers from 1 to {(grid - 1) // 2} (below the "
                         f"grid's Nyquist frequency {grid / 2:g})")
    silent = [f for f in values if 2 * f * stride % grid == 0]
    if silent:
        raise InputError(f"frequency {silent[0]}: its sine is zero at every training point (every {stride}th of "
                         f"{grid} grid points), so no model could learn it; choose frequencies that are not multiples "
                         f"of {grid // math.gcd(grid, 2 * stride)}")
    return tuple(sorted(values))


def frame_steps(steps: int, frames: int) -> np.ndarray:
    """``frames`` distinct whole steps from 0 to ``steps``, log-spaced after 0 (needs 2 <= frames <= steps + 1)."""
    s = np.concatenate([[0], np.rint(np.geomspace(1, steps, frames - 1))]).astype(np.int64)
    s[-1] = steps  # (geomspace of one value gives its start)
    for i in range(1, frames):  # distinct: push collisions (rounding at small steps) up...
        s[i] = max(s[i], s[i - 1] + 1)
    for i in range(frames - 1, 0, -1):  # ...and back below the end, which frames <= steps + 1 leaves room for
        s[i] = min(s[i], steps - (frames - 1 - i))
    return s


def target(grid: int, stride: int, freqs: tuple[int, ...] | None) -> dict[str, np.ndarray]:
    """The data: ``x``, ``y`` on the whole grid of [0, 1), every ``stride``-th point for training (``x_train``,
    ``y_train``). With ``freqs``: the sum of sines y = sum_f sin(2 pi f x) of `datasets.sines` (as ``ntk-fourier data
    --freqs`` writes it); without: the 1/f signal of `datasets.one_over_f` (seed 0)."""
    from ntk_fourier import datasets
    data = (datasets.one_over_f(grid, stride, seed=0) if freqs is None
            else datasets.sines(freqs, grid=grid, stride=stride))
    return {key: data[key] for key in ("x", "y", "x_train", "y_train")}


def models(width: int, seed: int = 0, depth: int = 4) -> dict:
    """The three models (``depth`` hidden layers of ``width``; the Gaussian features drawn with ``seed``), by key."""
    from ntk_fourier.model import Mapping, Model, siren_model
    return {"none": Model(mapping=Mapping("none"), depth=depth, width=width),
            "gaussian": Model(mapping=Mapping("gaussian", sigma=SIGMA, features=256, seed=seed), depth=depth,
                              width=width),
            "siren": siren_model(depth=depth, width=width)}


def shown_frequencies(grid: int, freqs: tuple[int, ...] | None) -> np.ndarray:
    """Frequencies whose residual is drawn: the target's, or for the 1/f signal the powers of 2 up to grid/2."""
    if freqs is not None:
        return np.array(freqs)
    return 2 ** np.arange(int(np.log2(grid // 2)) + 1)


def compute(*, freqs=DEFAULT_FREQS, grid: int = 128, stride: int = 4, steps: int = 1000, frames: int = 40,
            width: int = 256, seed: int = 0, depth: int = 4, execution: Execution = DEFAULT) -> tuple[dict, dict]:
    """Arrays of every frame, and the settings (JSON-able) to draw them; arguments as `animate`'s, and ``depth``
    (hidden layers of every model; fewer compile faster, for smoke tests).

    Arrays: ``x (N,)``, ``y (N,)``, ``train (N,)`` (bool: training point), ``steps (F,)``, ``frequencies (K,)``,
    ``y_hat (K,)`` (|y_f|, unitary FFT on the grid); per model i (order of ``meta["keys"]``): ``measured_i`` and
    ``predicted_i`` ``(F, N)`` (network and NTK outputs on the whole grid), ``residual_measured_i`` and
    ``residual_predicted_i`` ``(F, K)`` (|r_f| / |y_f|). Meta: the models, their rates ``lr``, and ``deviation``:
    the RMS gap between each network and its prediction on the grid at the last frame, relative to the target's RMS.
    """
    from ntk_fourier.kernel.dynamics import max_stable_lr, predict
    from ntk_fourier.kernel.engine import kernels
    from ntk_fourier.model.points import fourier_residuals
    from ntk_fourier.network import train
    freqs = parse_freqs(freqs, grid, stride)
    data = target(grid, stride, freqs)
    x, y, n = data["x"], data["y"], len(data["y_train"])
    schedule = frame_steps(steps, frames)
    shown = shown_frequencies(grid, freqs)
    all_freqs, y_spec = fourier_residuals(x, y[:, None])
    rows = np.searchsorted(all_freqs[:, 0], shown)
    y_hat = y_spec[rows, 0]
    keep = y_hat > 1e-12 * y_spec.max()  # a frequency the 1/f signal happens to lack has no relative residual
    shown, rows, y_hat = shown[keep], rows[keep], y_hat[keep]
    train_mask = np.zeros(len(x), bool)
    train_mask[::stride] = True
    arrays = {"x": x[:, 0], "y": y, "train": train_mask, "steps": schedule, "frequencies": shown, "y_hat": y_hat}
    meta = {"keys": [], "labels": [], "lr": {}, "deviation": {}, "models": {}, "freqs": freqs, "grid": grid,
            "stride": stride, "steps": steps, "frames": frames, "width": width, "depth": depth, "seed": seed}

    def relative(values):  # (F, N) -> (F, K): |FFT(f_t - y)| / |y_f| at the shown frequencies
        return fourier_residuals(x, (values - y)[..., None])[1][:, rows, 0] / y_hat

    for i, (key, model) in enumerate(models(width, seed, depth).items()):
        k_grid = kernels(model, x, execution=execution.replace(progress=False)).ntk[:, train_mask]  # grid-by-train
        k_train = k_grid[train_mask]
        lr = 0.5 * max_stable_lr(np.linalg.eigvalsh(k_train), n)
        run = train(model, data["x_train"], data["y_train"], x, y, lr=lr, steps=schedule, seed=seed,
                    execution=execution)
        prediction = predict(k_train, data["y_train"], lr=lr, steps=schedule, ntk_test=k_grid,
                             f0_train=run.f_train[0, 0], f0_test=run.f_test[0, 0])
        arrays[f"measured_{i}"] = run.f_test[:, 0, :, 0]
        arrays[f"predicted_{i}"] = prediction.f_test[:, :, 0]
        arrays[f"residual_measured_{i}"] = relative(arrays[f"measured_{i}"])
        arrays[f"residual_predicted_{i}"] = relative(arrays[f"predicted_{i}"])
        meta["keys"].append(key)
        meta["labels"].append(LABELS[key])
        meta["lr"][key] = lr
        meta["models"][key] = model
        gap = arrays[f"measured_{i}"][-1] - arrays[f"predicted_{i}"][-1]
        meta["deviation"][key] = float(np.sqrt(np.mean(gap**2) / np.mean(y**2)))
    return arrays, meta


NAMES = {"none": "raw-input", "gaussian": "Gaussian-feature", "siren": "SIREN"}
LAG = 1.1  # a network lags its prediction where its mean residual at the last frame exceeds the prediction's by 10%


def last_frame_residuals(arrays: dict, meta: dict) -> dict:
    """Per model key: (network, NTK prediction) mean of |r_f| / |y_f| over the shown frequencies at the last frame
    (the bottom panels' last points)."""
    return {key: (float(np.mean(arrays[f"residual_measured_{i}"][-1])),
                  float(np.mean(arrays[f"residual_predicted_{i}"][-1]))) for i, key in enumerate(meta["keys"])}


def caption(arrays: dict, meta: dict) -> str:
    """The animation's caption: at the last frame, each network's residual against its NTK prediction's (the
    numbers the bottom panels draw), which networks lag their prediction, and why a network of finite width may."""
    found = last_frame_residuals(arrays, meta)
    freqs = ", ".join(f"{f:g}" for f in arrays["frequencies"])
    numbers = "; ".join(f"{NAMES.get(key, key)} {net:.2f} / {ntk:.2f}" for key, (net, ntk) in found.items())
    text = (f"At step {int(arrays['steps'][-1])} (last frame), mean |r_f| / |y_f| over f = {freqs}, network / NTK "
            f"prediction: {numbers}.")
    lagging = [NAMES.get(key, key) for key, (net, ntk) in found.items() if net > LAG * ntk]
    if lagging:
        names = lagging[0] if len(lagging) == 1 else f"{', '.join(lagging[:-1])} and {lagging[-1]}"
        verb = "s lag their" if len(lagging) > 1 else " lags its"
        text += (f" The {names} network{verb} NTK prediction (residual more than {100 * (LAG - 1):.0f}% above it): the "
                 f"prediction is the infinite-width limit; at width "
                 f"{meta['width']} a network's own tangent kernel differs from it at initialisation and changes during "
                 "training (finite-width effects).")
    return text


RC = {"font.size": 8, "axes.titlesize": 9, "axes.labelsize": "medium", "legend.fontsize": 7, "figure.dpi": 100}
"""The toolkit's style (`ntk_fourier.drawing.RC`), smaller for three panels side by side."""
COLOURS = {"none": "0.25", "gaussian": "tab:orange", "siren": "tab:purple"}  # the NTK prediction: dashed red


def figure(arrays: dict, meta: dict):
    """``(fig, show)``: a matplotlib figure (not registered with pyplot) laid out for the frames of ``compute``'s
    arrays, and ``show(i)`` that draws frame i on it (i = -1: the last)."""
    from ntk_fourier import drawing
    with drawing.styled(RC):
        return _figure(arrays, meta)


def _figure(arrays, meta):
    from ntk_fourier import drawing
    from matplotlib.lines import Line2D
    from matplotlib.ticker import ScalarFormatter
    keys, steps, x, y = meta["keys"], arrays["steps"], arrays["x"], arrays["y"]
    train, freqs = arrays["train"].astype(bool), arrays["frequencies"]
    fig, axes = drawing.figure(3.7 * len(keys), 5.6, len(keys), 2, height_ratios=(3, 2))
    title = fig.suptitle("")
    colours = drawing.colours(len(freqs), "viridis", 0.0, 0.9)
    bound = 1.5 * np.abs(y).max()  # fixed limits: a network that leaves them is visibly off
    ratios = np.concatenate([arrays[f"residual_{kind}_{i}"].ravel() for i in range(len(keys))
                             for kind in ("measured", "predicted")])
    ylim = (max(ratios.min(), 1e-4) / 2, ratios.max() * 2)
    artists = []
    for i, key in enumerate(keys):
        top, bottom = axes[0, i], axes[1, i]
        top.plot(x, y, color="0.6", lw=2.5, alpha=0.6, label="target")
        top.plot(x[train], y[train], "o", color="k", ms=2.5, label="training points")
        net, = top.plot(x, arrays[f"measured_{i}"][0], color=COLOURS.get(key, "tab:blue"), lw=1.3, label="network")
        ntk, = top.plot(x, arrays[f"predicted_{i}"][0], "--", color="tab:red", lw=1.1, label="NTK prediction")
        top.set(xlim=(0, 1), ylim=(-bound, bound), title=meta["labels"][i], xlabel="x")
        curves = []
        for j, f in enumerate(freqs):
            curves.append((bottom.plot([], [], color=colours[j], lw=1.3, label=f"f = {f}")[0],
                           bottom.plot([], [], "--", color=colours[j], lw=1.1)[0]))
        now = bottom.axvline(0, color="k", lw=0.8, alpha=0.5)
        dots, = bottom.plot([], [], "o", color="k", ms=3)
        bottom.set(xscale="symlog", yscale="log", xlim=(0, max(steps[-1], 1) * 1.3), ylim=ylim,
                   xlabel="gradient-descent step", ylabel="|r_f| / |y_f|" if i == 0 else None)
        bottom.xaxis.set_major_formatter(ScalarFormatter())
        artists.append((net, ntk, curves, now, dots))
    axes[0, 0].set_ylabel("f(x)")
    handles = axes[0, 0].get_legend_handles_labels()[0][:2] + [
        Line2D([], [], color="0.3", label="network (solid)"),
        Line2D([], [], ls="--", color="0.3", label="NTK prediction (dashed)")] + [c[0] for c in curves]
    import textwrap
    legend = fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 8), frameon=False,
                        title="\n".join(textwrap.wrap(caption(arrays, meta), 190)), title_fontsize=7)
    legend.get_title().set_color("0.25")

    def show(frame: int) -> None:
        frame = range(len(steps))[frame]
        title.set_text(f"Training by gradient descent, network (width {meta['width']}) vs NTK prediction: "
                       f"step {int(steps[frame])} of {int(steps[-1])}")
        for i, (net, ntk, curves, now, dots) in enumerate(artists):
            net.set_ydata(arrays[f"measured_{i}"][frame])
            ntk.set_ydata(arrays[f"predicted_{i}"][frame])
            measured = arrays[f"residual_measured_{i}"][:frame + 1]
            predicted = arrays[f"residual_predicted_{i}"][:frame + 1]
            for j, (solid, dashed) in enumerate(curves):
                solid.set_data(steps[:frame + 1], measured[:, j])
                dashed.set_data(steps[:frame + 1], predicted[:, j])
            now.set_xdata([steps[frame]] * 2)
            dots.set_data(np.full(len(curves), steps[frame]), measured[-1])

    show(len(steps) - 1)  # lay out once, for the widest labels, then keep the layout: frames draw twice as fast
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    show(0)
    return fig, show


def write(arrays: dict, meta: dict, out: Path | str, *, fps: int = 8, dpi: int = 100,
          execution: Execution = DEFAULT) -> Path:
    """Write the frames of ``compute``'s arrays as an animated GIF (Pillow) or MP4 (ffmpeg of imageio-ffmpeg, the
    ``video`` extra), by the suffix of ``out``, atomically."""
    import matplotlib
    from matplotlib.animation import FFMpegWriter, PillowWriter
    from ntk_fourier.progress import progress
    out = Path(out)
    settings = {}
    if out.suffix.lower() == ".mp4":
        settings["animation.ffmpeg_path"] = require("video", "imageio_ffmpeg").get_ffmpeg_exe()
        writer = FFMpegWriter(fps=fps)
    else:
        writer = PillowWriter(fps=fps)
    fig, show = figure(arrays, meta)
    with matplotlib.rc_context(settings), atomic(out) as temp, writer.saving(fig, str(temp), dpi):
        for frame in progress(range(len(arrays["steps"])), f"drawing {out.name}", execution.progress):
            show(frame)
            writer.grab_frame()
    return out


def check(out: Path | str, *, freqs, grid, stride, steps, frames, width, seed, fps) -> Path:
    """Refuse bad arguments and an output that cannot be written (one line each), before any computation."""
    from ntk_fourier.files import check_output
    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise InputError(f"animation file {out} must end in .gif or .mp4")
    grid = _positive_int("grid", grid, 4)
    stride = _positive_int("stride", stride)
    steps, frames = _positive_int("steps", steps), _positive_int("frames", frames, 2)
    _positive_int("width", width), _positive_int("fps", fps), _positive_int("seed", seed, 0)
    if grid % stride or grid // stride < 2:
        raise InputError(f"grid {grid} must be a multiple of stride {stride} with at least 2 training points")
    if frames > steps + 1:
        raise InputError(f"{frames} frames need at least {frames - 1} steps (distinct steps 0..steps), got {steps}")
    if stride < 2:
        raise InputError(f"stride must be at least 2 (train on every stride-th grid point, test on the others), "
                         f"got {stride}")
    parse_freqs(freqs, grid, stride)
    if out.suffix.lower() == ".mp4":
        try:
            require("video", "imageio_ffmpeg").get_ffmpeg_exe()
        except RuntimeError as err:  # installed, but without an ffmpeg for this platform
            raise InputError(f"writing MP4 needs the ffmpeg of imageio-ffmpeg ({err}); write a .gif instead")
    if out.is_dir():
        raise InputError(f"{out} is a folder; give a file name ending in .gif or .mp4")
    return check_output(out)  # creatable and writable (probed with a temporary file), nothing written


def animate(out: Path | str, *, freqs=DEFAULT_FREQS, grid: int = 128, stride: int = 4, steps: int = 1000,
            frames: int = 40, width: int = 256, seed: int = 0, fps: int = 8, execution: Execution = DEFAULT) -> Path:
    """Write an animation (``out``: .gif or .mp4) of three models learning a 1D target, side by side.

    Args:
      out: the file to write; its suffix picks the format (GIF: Pillow; MP4: H.264 by imageio-ffmpeg's ffmpeg, the
        ``video`` extra).
      freqs: target frequencies, y = sum_f sin(2 pi f x) as `datasets.sines` (distinct integers below grid/2, or
        text "2,6,12"); None: the built-in 1/f signal (`datasets.one_over_f`, seed 0).
      grid: points of the periodic grid on [0, 1) where fits and residuals are shown.
      stride: every stride-th grid point is a training point (stride >= 2).
      steps: gradient-descent steps in all.
      frames: frames of the animation, at log-spaced distinct steps from 0 to ``steps`` (2 <= frames <= steps + 1).
      width: hidden width of the networks (4 hidden layers).
      seed: seed of the networks' initialisation and of the Gaussian features.
      fps: frames per second.
      execution: ``execution.progress``: progress bars while training and drawing (`Execution`).

    Returns the path written. Each model trains at half the largest stable rate 2n / lambda_max of its NTK on the
    training points; each NTK prediction starts from its network's own outputs at step 0 (module docstring).
    """
    out = check(out, freqs=freqs, grid=grid, stride=stride, steps=steps, frames=frames, width=width, seed=seed,
                fps=fps)
    arrays, meta = compute(freqs=freqs, grid=grid, stride=stride, steps=steps, frames=frames, width=width, seed=seed,
                           execution=execution)
    return write(arrays, meta, out, fps=fps, execution=execution)
