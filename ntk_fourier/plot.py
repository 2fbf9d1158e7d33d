"""Figures of results: one function per kind of result, and `plot_file`, which reads a result written by the command
line, picks the figure from its sidecar's ``command`` and writes it (PNG, PDF or SVG, atomically).

Each kind's function takes the arrays and the sidecar as `ntk_fourier.results.load` gives them and returns a
matplotlib ``Figure``: ``spectrum(arrays, meta, ax=None)``, ``data``, ``regress`` (``ax``: draw the first panel into
that axes), ``kernel``, ``predict``, ``train``, ``compare``, ``image``, ``design``, ``animation`` (``fig``: draw into
that figure). An animation (.gif or .mp4 of ``animate``) is drawn as a contact sheet of its frames. Figures are
drawn on ``matplotlib.figure.Figure`` objects, not pyplot, in a scoped style: no backend, style or figure registry of
matplotlib changes, so they serve scripts and notebooks alike (a notebook shows the returned figure). matplotlib is
imported only inside these functions; ``import ntk_fourier`` does not load it.

Results that do not store their points (``kernel``: the ``--x`` file; ``predict``, ``train``, ``regress``: the
``--data`` file) are drawn against the points when the input named on the recorded command line is still found
(as given, from the recorded working folder, or beside the result) with the SHA-256 the sidecar recorded; otherwise
against the point index, without targets. Pass ``data=`` (or ``x=``) to give them by hand.
"""
from __future__ import annotations

import functools
import shlex
from pathlib import Path

import numpy as np

from ntk_fourier import drawing, files, provenance, results
from ntk_fourier.errors import InputError

KINDS = ("data", "kernel", "spectrum", "predict", "train", "regress", "compare", "image", "design", "animation")
FILMS = (".gif", ".mp4")
SHEET = 12  # frames on an animation's contact sheet, at most
SUFFIXES = (".png", ".pdf", ".svg")
REQUIRED = {  # arrays without which a result of each kind cannot be drawn
    "data": ("x_train", "y_train", "x_test", "y_test"),
    "kernel": ("ntk", "nngp"),
    "spectrum": ("eigenvalues",),
    "predict": ("steps", "mse_train", "mse_test", "f_train", "f_test"),
    "train": ("steps", "mse_train", "mse_test", "f_train", "f_test"),
    "regress": ("f_train", "f_test"),
    "compare": ("widths", "deviation", "steps", "deviation_curve_mean"),
    "image": ("image",),
    "design": ("grid", "grid_errors", "history", "predicted_test"),
    "animation": ("frames", "index"),
}
STEP_LABEL = drawing.STEP_LABEL


# ----------------------------------------------------------------------------------------------------- helpers


def _styled(draw):
    """Run a figure function inside the toolkit's matplotlib style (scoped: `ntk_fourier.drawing.styled`)."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with drawing.styled():
            fig = draw(*args, **kwargs)
            drawing.plain_log_labels(fig)
        return fig
    return wrapper


def _axes(ax, width: float, height: float):
    """``ax`` and its figure, or a new figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig, (ax,) = drawing.figure(width, height)
    return fig, ax


def _model_text(meta: dict | None) -> str:
    """A few words on the model of a sidecar, e.g. 'gaussian mapping (sigma 10, 256 features), depth 4, relu'."""
    model = (meta or {}).get("model")
    if not isinstance(model, dict):
        return ""
    mapping = model.get("mapping") or {}
    kind = mapping.get("kind", "?")
    if kind == "none":
        words = "no mapping"
    elif kind in ("basic", "gaussian_inf"):
        words = f"{kind} mapping"
    else:
        words = f"{kind} mapping (sigma {mapping.get('sigma', 0):g}, {mapping.get('features')} features)"
    width = f", width {model.get('width')}" if model.get("parameterization") == "standard" else ""
    return f"{words}, depth {model.get('depth')}, {model.get('activation')}{width}"


def _title(text: str, meta: dict | None) -> str:
    model = _model_text(meta)
    return f"{text}\n{model}" if model else text


def _option(meta: dict | None, option: str) -> str | None:
    """The value given to ``option`` on the command line recorded in the sidecar, if any."""
    line = ((meta or {}).get("provenance") or {}).get("command_line")
    try:
        words = shlex.split(line) if isinstance(line, str) else []
    except ValueError:
        return None
    for i, word in enumerate(words):
        if word == option and i + 1 < len(words):
            return words[i + 1]
        if word.startswith(option + "="):
            return word.split("=", 1)[1]
    return None


def input_file(meta: dict | None, option: str, result: Path | str | None = None) -> Path | None:
    """The input file given to ``option`` (e.g. ``--data``) when the result was made, if it is still found as given,
    from the recorded working folder or beside ``result``, with the SHA-256 the sidecar recorded; None otherwise."""
    value = _option(meta, option) or ((meta or {}).get("data") if option == "--data" else None)
    if not isinstance(value, str) or not value:
        return None
    recorded = (meta or {}).get("provenance") or {}
    expected = (recorded.get("inputs") or {}).get(value)
    given = Path(value)
    candidates = [given] if given.is_absolute() else [Path(recorded.get("cwd") or ".") / given, given]
    if result is not None:
        candidates += [Path(result).parent / given, Path(result).parent / given.name]
    for path in candidates:
        try:
            if path.is_file() and (expected is None or provenance.sha256(path) == expected):
                return path
        except OSError:
            continue
    return None


def _find_data(meta: dict, result: Path) -> dict | None:
    """The data set a predict / train / regress result was made on (checked against ``data_sha256`` when recorded)."""
    path = input_file(meta, "--data", result)
    if path is None:
        return None
    try:
        data = files.load_data(path)
        with np.load(path, allow_pickle=False) as archive:  # the whole signal too, when the file has it
            data.update({k: archive[k] for k in ("x", "y") if k in archive.files})
    except (InputError, *files.UNREADABLE):
        return None
    if meta.get("data_sha256") and files.data_sha256(data) != meta["data_sha256"]:
        return None
    return data


def _find_points(meta: dict, option: str, result: Path) -> np.ndarray | None:
    path = input_file(meta, option, result)
    if path is None:
        return None
    try:
        return files.points(files.load_array(path, option), option)
    except InputError:
        return None


def _column(a: np.ndarray, ndim: int) -> np.ndarray:
    """The first output column of an array whose outputs, if any, are a trailing axis beyond ``ndim`` axes."""
    a = np.asarray(a, dtype=float)
    return a[..., 0] if a.ndim > ndim else a


def _outputs(a: np.ndarray, ndim: int) -> int:
    return np.shape(a)[-1] if np.ndim(a) > ndim else 1


def _line(x) -> np.ndarray | None:
    """The coordinate of 1D points (shape (n,) or (n, 1)); None for points in 2D or 3D."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        return x
    return x[:, 0] if x.ndim == 2 and x.shape[1] == 1 else None


def _edges(x: np.ndarray) -> tuple[float, float]:
    """The outer edges of pixels centred on the increasing coordinates ``x``."""
    return x[0] - (x[1] - x[0]) / 2, x[-1] + (x[-1] - x[-2]) / 2


def _few(count: int, most: int = 4) -> list[int]:
    """Up to ``most`` indices spread over ``range(count)``, first and last included."""
    return sorted({int(round(i)) for i in np.linspace(0, count - 1, min(most, count))})


def _ordinal(n) -> str:
    """'1st', '2nd', '3rd', '4th', '11th', '22nd' ..."""
    n = int(n)
    return f"{n}{'th' if n % 100 in (11, 12, 13) else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _step_name(meta: dict | None) -> str:
    """How a recorded step is named in a legend: "step 10", or "t = 10" for gradient flow."""
    return "t =" if (meta or {}).get("flow") else "step"


# ------------------------------------------------------------------------------------------------ the figures


def _fit_panel(ax, f_train: np.ndarray, f_test: np.ndarray, steps, data: dict | None, meta: dict | None,
               what: str, var_train=None, var_test=None) -> None:
    """Outputs ``f_train`` (T, n), ``f_test`` (T, m) at a few recorded steps: over the target against x for 1D data,
    prediction against target for 2D and 3D data, against the training-point index without data."""
    picks = _few(len(steps))
    colours = drawing.colours(len(picks))
    name = _step_name(meta)
    x_train = None if data is None else _line(data["x_train"])
    x_test = None if data is None else _line(data["x_test"])
    if data is not None and x_train is not None and x_test is not None:
        x = np.concatenate([x_train, x_test])
        order = np.argsort(x)
        if "x" in data and "y" in data and _line(data["x"]) is not None:
            xs, ys = _line(data["x"]), _column(data["y"], 1)
            ax.plot(xs[np.argsort(xs)], ys[np.argsort(xs)], "-", color="0.55", lw=2.2, alpha=0.6, label="target")
        else:
            y = np.concatenate([_column(data["y_train"], 1), _column(data["y_test"], 1)])
            ax.plot(x[order], y[order], "-", color="0.55", lw=2.2, alpha=0.6, label="target")
        ax.plot(x_train, _column(data["y_train"], 1), "o", color="0.3", ms=3.5, label="training points")
        for colour, t in zip(colours, picks):
            f = np.concatenate([f_train[t], f_test[t]])
            ax.plot(x[order], f[order], "-", color=colour, lw=1.2, label=f"{what}, {name} {steps[t]:g}")
        if var_train is not None and var_test is not None:
            sd = np.sqrt(np.maximum(np.concatenate([var_train[-1], var_test[-1]]), 0))[order]
            f = np.concatenate([f_train[-1], f_test[-1]])[order]
            ax.fill_between(x[order], f - 2 * sd, f + 2 * sd, color=colours[-1], alpha=0.15,
                            label="+-2 sd over initialisations")
        ax.set(xlabel="x (coordinate in [0, 1))", ylabel="output f(x)", title=f"{what} over the target")
    elif data is not None:
        y_train, y_test = _column(data["y_train"], 1), _column(data["y_test"], 1)
        for colour, t in zip(colours, picks):
            ax.plot(y_test, f_test[t], "o", color=colour, ms=3, mfc="none", label=f"test, {name} {steps[t]:g}")
            ax.plot(y_train, f_train[t], "o", color=colour, ms=3, label=f"train, {name} {steps[t]:g}")
        both = np.concatenate([y_train, y_test, np.ravel(f_train[picks]), np.ravel(f_test[picks])])
        low, high = np.nanmin(both), np.nanmax(both)
        ax.plot([low, high], [low, high], "-", color="0.5", lw=0.8, label="f = y")
        ax.set(xlabel="target y (open: test points, filled: training points)", ylabel="output f",
               title=f"{what} against the target")
    else:
        index = np.arange(f_train.shape[1])
        for colour, t in zip(colours, picks):
            ax.plot(index, f_train[t], "o-", color=colour, ms=2.5, lw=1, label=f"{name} {steps[t]:g}")
        ax.set(xlabel="training point index", ylabel="output f",
               title=f"{what} on the training points\n(data not found: no target, no coordinates)")
    ax.legend(fontsize=6.5)


def _frequency_panel(ax, residual: np.ndarray, target: np.ndarray | None, frequencies, steps, meta,
                     what: str) -> None:
    """|FFT of f - y| per frequency (``residual`` (T, F)) at a few steps, and |FFT of y|, against |frequency|."""
    k = np.linalg.norm(np.asarray(frequencies, dtype=float).reshape(len(residual[0]), -1), axis=1)
    style = "o-" if np.all(np.diff(k) > 0) else "."
    picks = _few(len(steps))
    for colour, t in zip(drawing.colours(len(picks)), picks):
        ax.plot(k, drawing.positive(residual[t]), style, color=colour, ms=3, lw=1, label=f"{_step_name(meta)} "
                f"{steps[t]:g}")
    if target is not None:
        ax.plot(k, drawing.positive(target), style.replace("o", "s"), color="black", ms=3, lw=0.8, mfc="none",
                label="|FFT of y| (residual at f = 0)")
    drawing.floor(ax, np.concatenate([np.ravel(residual[picks]), [] if target is None else np.ravel(target)]))
    ax.set(yscale="log", xlabel="|frequency| (integer cycles over [0, 1) per axis)",
           ylabel="|FFT of f - y| (unitary)", title=f"residual per frequency, {what}")
    ax.legend(fontsize=6.5)


def _mode_panel(ax, modes: np.ndarray, eigenvalues, steps, meta, what: str) -> None:
    """|residual along each NTK eigenvector| (``modes`` (T, n)) at a few steps, eigenvectors by decreasing
    eigenvalue."""
    index = np.arange(1, modes.shape[1] + 1)
    picks = _few(len(steps))
    for colour, t in zip(drawing.colours(len(picks)), picks):
        ax.plot(index, drawing.positive(np.abs(modes[t])), "o-", color=colour, ms=2.5, lw=1,
                label=f"{_step_name(meta)} {steps[t]:g}")
    drawing.floor(ax, np.abs(modes[picks]))
    ax.set(xscale="log", yscale="log", xlabel="eigenvector i of the NTK (eigenvalues descending)",
           ylabel="|residual f - y along eigenvector i|", title=f"residual per eigenmode, {what}")
    ax.legend(fontsize=6.5)


@_styled
def data(arrays: dict, meta: dict | None = None, ax=None):
    """The signal on the whole grid, with the training points (filled) and the test points (open)."""
    fig, ax = _axes(ax, 6.0, 3.2)
    x_train, x_test = _line(arrays["x_train"]), _line(arrays["x_test"])
    y_train, y_test = _column(arrays["y_train"], 1), _column(arrays["y_test"], 1)
    meta = meta or {}
    n, m = len(y_train), len(y_test)
    if x_train is None or x_test is None:  # points in 2D or 3D: values by index
        ax.plot(np.arange(n), y_train, "o", ms=3, label=f"training points ({n})")
        ax.plot(np.arange(m), y_test, "o", ms=2.5, mfc="none", label=f"test points ({m})")
        ax.set(xlabel="point index", ylabel="y", title="data set (points in 2D or 3D: values by index)")
    else:
        if "x" in arrays and "y" in arrays and _line(arrays["x"]) is not None:
            x, y = _line(arrays["x"]), _column(arrays["y"], 1)
            order = np.argsort(x)
            ax.plot(x[order], y[order], "-", color="0.6", lw=1, label=f"signal on the grid ({len(x)} points)")
        ax.plot(x_test, y_test, "o", ms=3, mfc="none", color="tab:orange", label=f"test points ({m})")
        ax.plot(x_train, y_train, "o", ms=4.5, color="tab:blue", label=f"training points ({n})")
        ax.set(xlabel="x (coordinate in [0, 1))", ylabel="y")
        grid = "x".join(str(g) for g in np.ravel(meta.get("grid", len(x_train) + len(x_test))))
        every = f"every {_ordinal(meta['stride'])} for training" if "stride" in meta else "training points filled"
        if meta.get("signal") == "sines":
            freqs = ", ".join("x".join(str(v) for v in np.ravel(f)) for f in meta.get("freqs") or [])
            amps = meta.get("amps")
            weights = "" if amps is None else f", amplitudes {', '.join(f'{a:g}' for a in amps)}"
            ax.set_title(f"sum of sines, frequencies {freqs}{weights}, on a grid of {grid} points, {every}")
        elif "signal" in meta:
            ax.set_title(f"{meta['signal']}^{meta.get('alpha', 1):g} signal on a grid of {grid} points, {every} "
                         f"(data seed {meta.get('seed')})")
        else:
            ax.set_title("data set")
    ax.legend(loc="best", ncol=3)
    return fig


@_styled
def kernel(arrays: dict, meta: dict | None = None, x=None, x2=None, fig=None):
    """Heat maps of the NTK and the NNGP, and the slices k(x0, x') of both through a middle point x0 (against x'
    for 1D points ``x``, ``x2``, against the point index otherwise)."""
    ntk, nngp = np.asarray(arrays["ntk"], float), np.asarray(arrays["nngp"], float)
    n, m = ntk.shape
    x1 = None if x is None else _line(x)
    x2 = x1 if x2 is None and x1 is not None and m == n else (None if x2 is None else _line(x2))
    coordinates = (x1 is not None and x2 is not None and len(x1) == n and len(x2) == m and n > 1 and m > 1
                   and np.all(np.diff(x1) > 0) and np.all(np.diff(x2) > 0))
    fig, axes = drawing.figure(11.0, 3.4, 3, fig=fig)
    for ax, values, name in ((axes[0], ntk, "NTK"), (axes[1], nngp, "NNGP")):
        if coordinates:
            image = ax.imshow(values, origin="upper", aspect="auto", interpolation="nearest",
                              extent=(*_edges(x2), *_edges(x1)[::-1]))
            ax.set(xlabel="x' (points of --x2)" if m != n else "x'", ylabel="x")
        else:
            image = ax.imshow(values, origin="upper", aspect="auto", interpolation="nearest")
            ax.set(xlabel="point index j (--x2)" if m != n else "point index j", ylabel="point index i (--x)")
        ax.grid(False)
        fig.colorbar(image, ax=ax, shrink=0.85)
        ax.set_title(f"{name} k(x_i, x'_j), {n} x {m}")
    i0 = n // 2
    where = np.arange(m) if not coordinates else x2
    axes[2].plot(where, ntk[i0], "-", lw=1.4, label="NTK")
    axes[2].plot(where, nngp[i0], "--", lw=1.4, label="NNGP")
    if coordinates:
        axes[2].axvline(x1[i0], color="0.6", lw=0.8, ls=":")
        axes[2].set(xlabel="x'", title=f"slice k(x0, x'), x0 = {x1[i0]:.4g}")
    else:
        axes[2].set(xlabel="point index j", title=f"slice k(x_{i0}, x'_j) (row {i0})")
    axes[2].set_ylabel("kernel value")
    axes[2].legend()
    fig.suptitle(_title("analytic kernels", meta), fontsize=9.5)
    return fig


@_styled
def spectrum(arrays: dict, meta: dict | None = None, ax=None):
    """Eigenvalues on log axes: against |frequency| for grids, against the harmonic degree on the circle or sphere,
    against their rank (descending) otherwise. A zero frequency or degree is drawn at 1/2."""
    fig, ax = _axes(ax, 5.6, 3.8)
    lam = np.asarray(arrays["eigenvalues"], float)
    which = (_option(meta, "--kernel") or "ntk").upper()
    hidden = int(np.sum(~(lam > 0)))
    note = f" ({hidden} non-positive not drawn)" if hidden else ""
    if "degrees" in arrays:
        where = np.asarray(arrays["degrees"], float)
        space = {2: "circle", 3: "sphere"}.get(_option(meta, "--harmonic") and int(_option(meta, "--harmonic")),
                                             "sphere")
        label, xlabel = f"{which} eigenvalue per degree{note}", "harmonic degree l (degree 0 drawn at 1/2)"
        title = f"{which} spectrum on the {space} (Funk-Hecke)"
        style = "o-"
    elif "frequencies" in arrays:
        freqs = np.asarray(arrays["frequencies"], float).reshape(len(lam), -1)
        where = np.linalg.norm(freqs, axis=1)
        grid = (meta or {}).get("grid") or "?"
        top = f", top {len(lam)}" if (meta or {}).get("top") else ""
        label, xlabel = f"eigenvalue{note}", "|frequency| (integer cycles over [0, 1) per axis; 0 drawn at 1/2)"
        title = f"{which} spectrum on the {grid} grid{top}"
        style = "."
    else:
        where = np.arange(1, len(lam) + 1, dtype=float)
        label, xlabel = f"eigenvalue{note}", "rank i (eigenvalues in descending order)"
        title = f"{which} spectrum on {len(lam)} points" if not (meta or {}).get("top") else \
            f"top {len(lam)} {which} eigenvalues"
        style = "-"
    ax.plot(np.where(where > 0, where, 0.5), drawing.positive(lam), style, ms=4, lw=1.2, label=label)
    ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel=f"{which} eigenvalue",
           title=_title(title, meta))
    ax.legend()
    return fig


@_styled
def predict(arrays: dict, meta: dict | None = None, data: dict | None = None, fig=None):
    """Predicted train and test MSE against step; the predicted outputs at a few steps over the target (1D data);
    the residual per frequency (grid training points) or per NTK eigenmode."""
    steps = np.asarray(arrays["steps"], float)
    panels = 3
    fig, axes = drawing.figure(13.5, 3.6, panels, fig=fig)
    x = drawing.step_axis(steps)
    ax = axes[0]
    ax.plot(x, drawing.positive(arrays["mse_train"]), "o-", ms=3.5, label="train")
    ax.plot(x, drawing.positive(arrays["mse_test"]), "s--", ms=3.5, label="test")
    ax.set(xscale="log", yscale="log", xlabel=STEP_LABEL if not (meta or {}).get("flow") else
           STEP_LABEL.replace("gradient-descent step", "gradient-flow time"), ylabel="MSE (1/n sum (f - y)^2)",
           title="predicted mean squared error")
    ax.legend()
    k = _outputs(arrays["f_train"], 2)
    what = "NTK prediction" + (f" (output 1 of {k})" if k > 1 else "")
    var = ("var_train" in arrays and "var_test" in arrays)
    _fit_panel(axes[1], _column(arrays["f_train"], 2), _column(arrays["f_test"], 2), steps, data, meta, what,
               _column(arrays["var_train"], 2) if var else None, _column(arrays["var_test"], 2) if var else None)
    if "residual_freq" in arrays and "frequencies" in arrays:
        target = _column(arrays["target_freq"], 1) if "target_freq" in arrays else None
        _frequency_panel(axes[2], _column(arrays["residual_freq"], 2), target, arrays["frequencies"], steps, meta,
                         "NTK prediction")
    elif "mode_residuals" in arrays:
        _mode_panel(axes[2], _column(arrays["mode_residuals"], 2), arrays.get("eigenvalues"), steps, meta,
                    "NTK prediction")
    else:
        axes[2].set_visible(False)
    lr = (meta or {}).get("lr")
    fig.suptitle(_title(f"kernel gradient-descent dynamics{f', learning rate {lr:g}' if lr else ''}", meta),
                 fontsize=9.5)
    return fig


@_styled
def train(arrays: dict, meta: dict | None = None, data: dict | None = None, fig=None):
    """Train and test MSE against step for each network (thin) and their mean (thick); network 0's outputs at a few
    steps over the target (1D data); the residual per frequency or per NTK eigenmode (when recorded); the empirical
    NTK's drift against step (``--record-ntk``)."""
    steps = np.asarray(arrays["steps"], float)
    mse_train, mse_test = np.asarray(arrays["mse_train"], float), np.asarray(arrays["mse_test"], float)
    seeds = mse_train.shape[1]
    extra = next((key for key in ("residual_freq", "mode_residuals") if key in arrays), None)
    panels = 2 + (extra is not None) + ("drift" in arrays)
    fig, axes = drawing.figure(4.3 * panels + 0.9, 3.6, panels, fig=fig)
    x = drawing.step_axis(steps)
    ax = axes[0]
    for s in range(seeds):
        ax.plot(x, drawing.positive(mse_train[:, s]), "-", color="tab:blue", lw=0.7, alpha=0.45)
        ax.plot(x, drawing.positive(mse_test[:, s]), "--", color="tab:orange", lw=0.7, alpha=0.45)
    ax.plot(x, drawing.positive(mse_train.mean(1)), "o-", color="tab:blue", lw=2, ms=3.5,
            label=f"train, mean of {seeds}")
    ax.plot(x, drawing.positive(mse_test.mean(1)), "s--", color="tab:orange", lw=2, ms=3.5,
            label=f"test, mean of {seeds}")
    ax.set(xscale="log", yscale="log", xlabel=STEP_LABEL, ylabel="MSE (1/n sum (f - y)^2)",
           title="mean squared error (thin: each network)")
    ax.legend()
    f_train = _column(arrays["f_train"], 3)[:, 0]  # (T, n) of network 0
    f_test = _column(arrays["f_test"], 3)[:, 0]
    k = _outputs(arrays["f_train"], 3) if np.ndim(arrays["f_train"]) == 4 and arrays["f_train"].shape[-1] > 1 else 1
    what = f"network 0 of {seeds}" + (f" (output 1 of {k})" if k > 1 else "")
    _fit_panel(axes[1], f_train, f_test, steps, data, meta, what)
    label = f"networks (rms over {seeds})"
    if extra == "residual_freq":
        residual = np.sqrt(np.mean(_column(arrays["residual_freq"], 3) ** 2, axis=1))  # (T, F)
        target = _column(arrays["target_freq"], 1) if "target_freq" in arrays else None
        _frequency_panel(axes[2], residual, target, arrays["frequencies"], steps, meta, label)
    elif extra == "mode_residuals":
        modes = np.sqrt(np.mean(_column(arrays["mode_residuals"], 3) ** 2, axis=1))
        _mode_panel(axes[2], modes, arrays.get("eigenvalues"), steps, meta, label)
    if "drift" in arrays:
        ax = axes[-1]
        drift = np.asarray(arrays["drift"], float)
        for s in range(seeds):
            ax.plot(x, drawing.positive(drift[:, s]), "o-", ms=3, lw=1, label=f"network {s}")
        ax.set(xscale="log", yscale="log", xlabel=STEP_LABEL, ylabel="||K_t - K_0||_F / ||K_0||_F",
               title="empirical NTK drift on the training points\n(0 at step 0: not drawn on the log axis)")
        ax.legend()
    meta = meta or {}
    details = ", ".join(part for part in (
        f"learning rate {meta['lr']:g}" if meta.get("lr") else "", meta.get("optimizer", ""),
        meta.get("dtype", ""), "linearised" if meta.get("linearize") else "") if part)
    fig.suptitle(_title(f"trained networks ({details})" if details else "trained networks", meta), fontsize=9.5)
    return fig


@_styled
def regress(arrays: dict, meta: dict | None = None, data: dict | None = None, ax=None):
    """Kernel regression: prediction against target on the training and test points, and (1D data) the fit over
    the target against x. Without the data file, the outputs against the point index."""
    meta = meta or {}
    f_train, f_test = _column(arrays["f_train"], 1), _column(arrays["f_test"], 1)
    one_d = data is not None and _line(data["x_train"]) is not None and _line(data["x_test"]) is not None
    if ax is not None:
        fig, axes = ax.figure, [ax]
    else:
        fig, axes = drawing.figure(9.5 if one_d else 5.0, 3.8, 2 if one_d else 1)
    ax = axes[0]
    if data is not None:
        y_train, y_test = _column(data["y_train"], 1), _column(data["y_test"], 1)
        ax.plot(y_test, f_test, "o", ms=3, mfc="none", color="tab:orange", label=f"test points ({len(y_test)})")
        ax.plot(y_train, f_train, "o", ms=3.5, color="tab:blue", label=f"training points ({len(y_train)})")
        both = np.concatenate([y_train, y_test, f_train, f_test])
        low, high = np.nanmin(both), np.nanmax(both)
        ax.plot([low, high], [low, high], "-", color="0.5", lw=0.8, label="prediction = target")
        ax.set(xlabel="target y", ylabel="prediction f (kernel regression)")
    else:
        ax.plot(np.arange(len(f_train)), f_train, "o", ms=3.5, label="training points")
        ax.plot(np.arange(len(f_test)), f_test, "o", ms=3, mfc="none", label="test points")
        ax.set(xlabel="point index (data not found: no target)", ylabel="prediction f (kernel regression)")
    mse = float(np.asarray(arrays["mse_test"])) if "mse_test" in arrays else np.nan
    state = ("converged" if meta.get("converged") else "NOT converged") if "converged" in meta else ""
    iterations = f"{state} in {meta['iterations']} CG iterations" if "iterations" in meta else state
    ax.set_title(f"prediction vs target: test MSE {mse:.4g}" + (f"\n{iterations}, ridge {meta.get('ridge', 0):g}"
                                                                   if iterations else ""))
    ax.legend()
    if one_d and len(axes) > 1:
        x = np.concatenate([_line(data["x_train"]), _line(data["x_test"])])
        order = np.argsort(x)
        f = np.concatenate([f_train, f_test])
        if "x" in data and "y" in data and _line(data["x"]) is not None:
            xs, ys = _line(data["x"]), _column(data["y"], 1)
            axes[1].plot(np.sort(xs), ys[np.argsort(xs)], "-", color="0.55", lw=2.2, alpha=0.6, label="target")
        else:
            y = np.concatenate([_column(data["y_train"], 1), _column(data["y_test"], 1)])
            axes[1].plot(x[order], y[order], "-", color="0.55", lw=2.2, alpha=0.6, label="target")
        axes[1].plot(_line(data["x_train"]), _column(data["y_train"], 1), "o", color="0.3", ms=3.5,
                     label="training points")
        axes[1].plot(x[order], f[order], "-", color="tab:blue", lw=1.3, label="kernel regression")
        axes[1].set(xlabel="x (coordinate in [0, 1))", ylabel="output f(x)", title="fit over the target")
        axes[1].legend()
    if len(axes) > 1 or ax is None:
        fig.suptitle(_title("kernel regression (conjugate gradients)", meta), fontsize=9.5)
    return fig


@_styled
def compare(numbers: dict, meta: dict | None = None, fig=None):
    """``comparison.json`` of ``compare``: the deviation of the networks from the NTK prediction against width
    (train and test, seed error bars, the fitted slopes with their intervals, the NTK drift), its kernel and
    linearisation parts with their fits a w^-1/2 + b w^-1 when the deviation was split, and the deviation against
    step for each width (`ntk_fourier.drawing.deviation_width_panels`, as the compare report draws it)."""
    widths = drawing.floats(numbers["widths"])
    split = "deviation_kernel" in numbers
    fig, axes = drawing.figure(14.5 if split else 10.5, 3.8, 3 if split else 2, fig=fig)
    drawing.deviation_width_panels(axes[:-1], numbers)
    ax = axes[-1]
    curves = drawing.floats(numbers["deviation_curve_mean"])
    drawing.curves_vs_step(ax, drawing.floats(numbers["steps"]), list(curves), [f"width {w:g}" for w in widths],
                           ms=3.5)
    ax.set(xlabel=STEP_LABEL, ylabel="relative deviation (mean over seeds)",
           title="deviation against step, training points\n(0 at step 0: same f(0))")
    ax.legend()
    config = numbers.get("config") or {}
    lr = config.get("lr")
    seeds = config.get("seeds")
    fig.suptitle(_title(f"networks vs NTK prediction{f', learning rate {lr:.4g}' if lr else ''}"
                        f"{f', {seeds} seed(s) per width' if seeds else ''}", config), fontsize=9.5)
    return fig


@_styled
def image(arrays: dict, meta: dict | None = None, fig=None):
    """``reconstructions.npz`` of ``image``: the image and each mapping's reconstruction, titled with its test and
    training PSNR."""
    meta = meta or {}
    table = meta.get("results") or {}
    mappings = [m for m in table if m in arrays] or sorted(
        k for k in arrays if k != "image" and not k.endswith(("_x2", "_x4")) and not k.startswith("siren_"))
    panels = [("image", "the image")] + [(m, m) for m in mappings]
    size = np.shape(arrays["image"])[0]
    fig, axes = drawing.figure(max(2.2 * len(panels), 5.5), 2.8, len(panels), fig=fig)
    for ax, (key, name) in zip(axes, panels):
        picture = np.clip(np.asarray(arrays[key], float), 0, 1)
        if picture.ndim == 3 and picture.shape[-1] == 1:
            picture = picture[..., 0]
        ax.imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        row = table.get(key) or {}
        if key == "image":
            ax.set_title(f"{name}\n{size} x {size} px")
        elif "psnr_test" in row:
            ax.set_title(f"mapping {name}\ntest {float(row['psnr_test']):.2f} dB, "
                         f"train {float(row['psnr_train']):.2f} dB", fontsize=8)
        else:
            ax.set_title(f"mapping {name}")
    source = meta.get("source", "image")
    steps = meta.get("steps")
    fig.suptitle(f"{source}: reconstructions{f' after {steps} Adam steps' if steps else ''}\nPSNR (peak "
                 "signal-to-noise ratio) on test pixels [1::2, 1::2], training pixels [::2, ::2]", fontsize=9)
    return fig


@_styled
def design(arrays: dict, meta: dict | None = None, fig=None):
    """``design``: the grid search's predicted errors (design class, validation and test signals) against p or sigma,
    with the grid's best and the designed mapping's predicted test MSE (and the trained networks' when measured);
    the design history (design class and validation MSE at each iterate, the kept one marked); the designed
    amplitudes against frequency, beside the grid's best power law (when the mapping has amplitudes)."""
    meta = meta or {}
    grid, errors = np.asarray(arrays["grid"], float), np.asarray(arrays["grid_errors"], float)
    history, predicted = np.asarray(arrays["history"], float), np.asarray(arrays["predicted_test"], float)
    kind = meta.get("kind", "?")
    sigma = kind == "sigma"
    name = "sigma" if sigma else "p"
    best = float(meta.get("best_grid_value", grid[np.argmin(errors[:, 1])]))
    amplitudes = "amplitudes" in arrays
    fig, axes = drawing.figure(14.0 if amplitudes else 9.8, 3.8, 3 if amplitudes else 2, fig=fig)
    ax = axes[0]
    for column, label, style in ((0, "design class", "o-"), (1, "validation signals", "s-"), (2, "test signals", "^-")):
        ax.plot(grid, drawing.positive(errors[:, column]), style, ms=3, lw=1, label=label)
    ax.axvline(best, color="0.5", ls=":", lw=1, label=f"grid's best {name} = {best:g} (on validation): test "
               f"{predicted[0]:.3g}")
    ax.axhline(predicted[1], color="tab:red", ls="--", lw=1.2, label=f"designed ({kind}): test {predicted[1]:.3g}")
    if "trained_test" in arrays:
        trained = np.asarray(arrays["trained_test"], float)  # (2, seeds, signals): grid's best, designed
        ax.plot([best], [trained[0].mean()], "*", color="0.2", ms=9,
                label=f"trained networks, grid's best: test {trained[0].mean():.3g}")
        ax.axhline(trained[1].mean(), color="tab:red", ls=":", lw=1.2,
                   label=f"trained networks, designed: test {trained[1].mean():.3g}")
    ax.set(xscale="log" if sigma else "linear", yscale="log",
           xlabel="sigma (scale of the Gaussian features)" if sigma else "p (power-law amplitudes |b|^-p)",
           ylabel="MSE predicted by the NTK" + ("\n(star, dotted: trained networks)" if "trained_test" in arrays
                                                  else ""), title="grid search of the one-parameter family")
    ax.legend(fontsize=6.5)
    ax = axes[1]
    iterations = np.arange(len(history))
    ax.plot(iterations, drawing.positive(history[:, 0]), "-", lw=1.3, label="design class")
    ax.plot(iterations, drawing.positive(history[:, 1]), "--", lw=1.3, label="validation signals")
    if "best_iteration" in meta:
        ax.axvline(meta["best_iteration"], color="0.5", ls=":", lw=1,
                   label=f"kept: iteration {meta['best_iteration']} (best on validation)")
    ax.set(yscale="log", xlabel="design iteration (Adam step; 0: the grid's best)", ylabel="MSE predicted by the NTK",
           title=f"design history ({kind})")
    ax.legend(fontsize=6.5)
    if amplitudes:
        ax = axes[2]
        a = np.asarray(arrays["amplitudes"], float)
        j = np.arange(1, len(a) + 1)
        ax.plot(j, drawing.positive(a), "o-", ms=2.5, lw=1, color="tab:red", label=f"designed ({kind})")
        if not sigma and kind != "power":
            law = j ** -best
            ax.plot(j, law / np.linalg.norm(law), "-", color="0.5", lw=1.2, label=f"grid's best: j^-{best:g}")
        drawing.floor(ax, a, 1e-6)
        ax.set(xscale="log", yscale="log", xlabel="frequency j (cycles over [0, 1))",
               ylabel="amplitude a_j (sum of squares 1)", title="the designed mapping's amplitudes")
        ax.legend(fontsize=6.5)
    steps = meta.get("steps")
    after = "converged" if steps in ("inf", None) else f"after {steps} gradient-descent steps"
    objective = {"network": "one plain network's expected error", "mean": "the mean prediction from f(0) = 0"}.get(
        meta.get("objective"), "")
    signals = (f"1/f^{meta['alpha']:g} signals on {meta.get('grid_points')} points, every "
               f"{_ordinal(meta.get('stride', 1))} for training" if "alpha" in meta else "signals")
    model, designed = meta.get("model") or {}, meta.get("designed_mapping") or {}
    network = (f"\nnetworks of depth {model.get('depth')}, {model.get('activation')}; the designed mapping: "
               f"{designed.get('kind')}, {designed.get('features')} features" if model and designed else "")
    fig.suptitle(f"mapping design on {signals}: NTK-predicted test MSE {after}"
                 + (f" ({objective})" if objective else "") + network, fontsize=9.5)
    return fig


@_styled
def animation(arrays: dict, meta: dict | None = None, fig=None):
    """An animation (``animate``'s .gif or .mp4) as a contact sheet: up to `SHEET` of its frames, evenly spread
    from the first to the last, up to three per row, each titled with its number."""
    meta = meta or {}
    frames, index = arrays["frames"], np.asarray(arrays["index"])
    count = int(meta.get("count", len(frames)))
    columns = min(3, int(np.ceil(np.sqrt(len(frames)))))
    rows = -(-len(frames) // columns)
    height, width = np.shape(frames[0])[:2]
    fig, axes = drawing.figure(15.0, rows * 15.0 / columns * height / width + 0.5, columns, rows, fig=fig)
    axes = np.ravel(axes)
    for ax in axes:
        ax.set_axis_off()
    for ax, frame, i in zip(axes, frames, index):
        ax.imshow(frame, interpolation="antialiased")
        ax.set_title(f"frame {int(i) + 1} of {count}", fontsize=8)
    shown = "every frame" if len(frames) == count else f"{len(frames)} of its {count} frames, evenly spread"
    fig.suptitle(f"{meta.get('name', 'animation')}: {shown}", fontsize=9.5)
    return fig


DRAW = {"data": data, "kernel": kernel, "spectrum": spectrum, "predict": predict, "train": train,
        "regress": regress, "compare": compare, "image": image, "design": design, "animation": animation}


def _frames(path: Path, most: int = SHEET) -> tuple[dict, dict]:
    """Up to ``most`` frames (RGB arrays) of an animation, evenly spread from the first to the last: a GIF read by
    Pillow, an MP4 decoded by the ffmpeg of imageio-ffmpeg."""
    try:
        if path.suffix.lower() == ".gif":
            from PIL import Image
            with Image.open(path) as film:
                count = getattr(film, "n_frames", 1)
                index = _few(count, most)
                frames = []
                for i in index:
                    film.seek(i)
                    frames.append(np.asarray(film.convert("RGB")))
        else:
            from ntk_fourier.extras import require
            imageio_ffmpeg = require("video", "imageio_ffmpeg")
            count = imageio_ffmpeg.count_frames_and_secs(str(path))[0]
            index = _few(count, most)
            reader = imageio_ffmpeg.read_frames(str(path))
            size = next(reader)["size"]
            frames = [np.frombuffer(raw, np.uint8).reshape(size[1], size[0], 3)
                      for i, raw in enumerate(reader) if i in index]
            reader.close()
    except InputError:
        raise
    except (OSError, RuntimeError, ValueError, EOFError, StopIteration) as err:
        raise InputError(f"cannot read animation {path}: it is damaged or not a {path.suffix.lower()[1:].upper()} "
                         f"film ({type(err).__name__})")
    if not frames or len(frames) != len(index):
        raise InputError(f"cannot read animation {path}: it holds no frames that can be decoded")
    return {"frames": np.stack(frames), "index": np.array(index)}, {"name": path.name, "count": count}


# ------------------------------------------------------------------------------------------------ from files


def _locate(path: Path) -> tuple[str, Path]:
    """(kind, file to read) of a result: an .npz with its sidecar, a compare folder or an image folder (or a file
    in them)."""
    if not path.exists():
        raise InputError(f"result {path} does not exist")
    if path.is_dir():
        if (path / "comparison.json").is_file():
            return "compare", path / "comparison.json"
        if (path / "reconstructions.npz").is_file():
            return "image", path / "reconstructions.npz"
        raise InputError(f"folder {path} holds no result: give a compare folder (comparison.json), an image folder "
                         "(reconstructions.npz) or a result .npz")
    if path.name == "comparison.json":
        return "compare", path
    if path.name == "results.json" and (path.parent / "reconstructions.npz").is_file():
        return "image", path.parent / "reconstructions.npz"
    if path.suffix.lower() in FILMS:
        return "animation", path
    if path.suffix == ".json" and path.with_suffix(".npz").is_file():  # a sidecar: its result
        path = path.with_suffix(".npz")
    if path.suffix != ".npz":
        raise InputError(f"{path} is not a result: give an .npz written by ntk-fourier (with its .json sidecar), "
                         "a compare or image folder, or an animation (.gif, .mp4)")
    meta = files.read_sidecar(path)
    command = meta.get("command")
    if command not in DRAW or command in ("compare", "animation"):
        sidecar = path.with_suffix(".json")
        why = "has no sidecar " + sidecar.name if not sidecar.is_file() else f"has a sidecar naming no command " \
            f"that can be drawn ({command!r})"
        raise InputError(f"{path} is not a result written by ntk-fourier: it {why}; plot draws the results of "
                         f"{', '.join(KINDS)}")
    return command, path


def kind_of(path: Path | str) -> str:
    """Which kind of result ``path`` is (one of `KINDS`), as `plot_file` decides; InputError if none."""
    return _locate(Path(path))[0]


def _read(kind: str, source: Path) -> tuple[dict, dict]:
    """Arrays (for ``compare``: the numbers of comparison.json) and sidecar, with the arrays the kind needs."""
    if kind == "compare":
        numbers = results.read_json(source, "a compare result")
        arrays, meta = numbers, numbers.get("config") or {}
    elif kind == "animation":
        arrays, meta = _frames(source)
    else:
        try:
            arrays, meta = results.load(source)
        except (*files.UNREADABLE, KeyError) as err:
            raise InputError(f"cannot read result {source}: it is damaged, truncated or not an .npz archive ({err})")
    missing = [k for k in REQUIRED[kind] if k not in arrays]
    if missing:
        raise InputError(f"{source} lacks {', '.join(missing)}, which a {kind} result has; was it written by "
                         f"ntk-fourier {kind}?")
    return arrays, meta


def default_out(path: Path | str) -> Path:
    """Where `plot_file` writes by default: the result's .npz (or the animation) with suffix .png;
    ``DIR/comparison.png`` for a compare folder, ``DIR/montage.png`` for an image folder (its reconstructions.png is
    the command's own)."""
    kind, source = _locate(Path(path))
    if kind == "image":
        return source.parent / "montage.png"
    return source.with_suffix(".png")


def figure_of(path: Path | str):
    """The figure `plot_file` would write for the result ``path`` (kind chosen as `kind_of`)."""
    kind, source = _locate(Path(path))
    arrays, meta = _read(kind, source)
    found = {}
    if kind in ("predict", "train", "regress"):
        found["data"] = _find_data(meta, source)
    elif kind == "kernel":
        found["x"] = _find_points(meta, "--x", source)
        found["x2"] = _find_points(meta, "--x2", source)
    try:
        return DRAW[kind](arrays, meta, **found)
    except (ValueError, IndexError, KeyError, TypeError) as err:
        raise InputError(f"cannot draw {source}: its arrays do not have the shapes a {kind} result has "
                         f"({type(err).__name__}: {err})")


def plot_file(path: Path | str, out: Path | str | None = None) -> Path:
    """Draw the result at ``path`` (an .npz written by the CLI, or a compare / image folder, or its comparison.json /
    reconstructions.npz, or an animation .gif / .mp4) as the figure of its kind and write it to ``out`` (default
    `default_out`; .png, .pdf or .svg by suffix) atomically. Returns the path written. Unknown or unreadable input:
    InputError, one line."""
    target = default_out(path) if out is None else Path(out)
    if target.suffix.lower() not in SUFFIXES:
        raise InputError(f"figure file {target} must end in {', '.join(SUFFIXES)}")
    if target.is_dir():
        raise InputError(f"figure file {target} is a folder; give a file name ending in {', '.join(SUFFIXES)}")
    fig = figure_of(path)
    try:
        with drawing.styled(), results.atomic(target) as temp:
            fig.savefig(temp, format=target.suffix.lower()[1:])
    except OSError as err:
        raise InputError(f"cannot write figure {target}: {err.strerror or err}")
    return target
