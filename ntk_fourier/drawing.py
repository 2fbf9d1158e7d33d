"""One way of drawing for the whole toolkit: the style, the colours, saving, and the drawings that several figures
share (the gallery's figures, the compare report, ``plot`` and ``animate`` all draw through these).

Imported on demand only (``import ntk_fourier`` does not load it, nor matplotlib). Nothing here changes matplotlib's
global state: no backend is chosen, rcParams are only set inside `styled` (``matplotlib.rc_context``), and figures
are ``matplotlib.figure.Figure`` objects, not registered with pyplot (`save` closes a pyplot figure it is given).

    from ntk_fourier import drawing
    with drawing.styled():
        fig, (ax,) = drawing.figure(4.6, 3.4)
        drawing.deviation_vs_width(ax, widths, deviations_per_seed, fit=True, reference=-0.5)
    drawing.save(fig, "out/deviation", caption="...")   # deviation.png, deviation.pdf, deviation.md
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

from ntk_fourier.results import atomic, write_text

RC = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 7.5, "axes.spines.top": False,
      "axes.spines.right": False, "figure.dpi": 150, "savefig.bbox": "tight", "axes.grid": True, "grid.alpha": 0.25,
      "legend.frameon": False}
"""The style of every figure (used inside `styled`, never set globally)."""
PNG_DPI = 150
STEP_LABEL = "gradient-descent step t (log; t = 0 drawn at the left edge)"


def styled(extra: dict | None = None):
    """A context in which matplotlib draws in the toolkit's style `RC` (updated by ``extra``); scoped: rcParams
    are restored when it ends (``matplotlib.rc_context``)."""
    import matplotlib
    return matplotlib.rc_context({**RC, **(extra or {})})


def figure(width: float, height: float, ncols: int = 1, nrows: int = 1, fig=None, *, layout: str | None =
           "constrained", **subplots):
    """``(fig, axes)``: a ``Figure`` (``fig`` if given; else a new one, not registered with pyplot) with ``nrows`` x
    ``ncols`` axes: a list of the axes of the one row when ``nrows == 1``, an array (nrows, ncols) otherwise."""
    if fig is None:
        from matplotlib.figure import Figure
        fig = Figure(figsize=(width, height), layout=layout)
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplots)
    return fig, (list(axes[0]) if nrows == 1 else axes)


def cmap(name: str):
    import matplotlib
    return matplotlib.colormaps[name]


def colour(label: str, index: int = 0, count: int = 1) -> tuple:
    """Colour of a mapping family (sequential within a family: power-law p, Gaussian sigma)."""
    if label.startswith("none"):
        return (0.2, 0.2, 0.2, 1.0)
    if label.startswith("basic"):
        return cmap("tab10")(1)
    if label.startswith("power"):
        return cmap("viridis")(0.1 + 0.8 * index / max(count - 1, 1))
    if label.startswith("gaussian"):
        return cmap("autumn")(0.1 + 0.7 * index / max(count - 1, 1))
    if label.startswith("siren"):
        return cmap("tab10")(4)
    return cmap("tab10")(index % 10)


def colours(count: int, name: str = "viridis", start: float = 0.0, stop: float = 0.85) -> list:
    """``count`` colours spread from ``start`` to ``stop`` along the colour map ``name`` (one per width, step...)."""
    return [cmap(name)(start + (stop - start) * i / max(count - 1, 1)) for i in range(count)]


def positive(values) -> np.ndarray:
    """Values for a log axis: non-positive ones become NaN (not drawn)."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, np.nan)


def step_axis(steps) -> np.ndarray:
    """Steps for a log axis, step 0 drawn at a third of the first positive step."""
    steps = np.asarray(steps, dtype=float)
    above = steps[steps > 0]
    return np.where(steps > 0, steps, above.min() / 3 if above.size else 1.0)


def floor(ax, values, relative: float = 1e-8) -> None:
    """Keep a log y axis above ``relative`` times the largest of ``values`` (round-off below is not shown)."""
    values = positive(values)
    if np.any(np.isfinite(values)):
        top = np.nanmax(values)
        ax.set_ylim(max(np.nanmin(values), relative * top) / 2, top * 2)


def width_axis(ax, widths, label: str = "width (hidden units per layer)") -> None:
    """A log x axis of network widths, ticked at the widths themselves (plain numbers, no minor ticks)."""
    from matplotlib.ticker import NullFormatter, NullLocator
    widths = np.asarray(widths, float)
    ax.set_xscale("log")
    ax.set_xticks(widths, [f"{w:g}" for w in widths])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    if label:
        ax.set_xlabel(label)


def plain_log_labels(fig) -> None:
    """Tick labels of log axes as plain numbers (2, 0.5, 1e-06), the minor ones where an axis spans few decades."""
    from matplotlib.ticker import FixedFormatter, LogFormatter

    class Plain(LogFormatter):
        def __call__(self, x, pos=None):
            return f"{x:g}" if super().__call__(x, pos) else ""

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "log" and not isinstance(axis.get_major_formatter(), FixedFormatter):
                axis.set_major_formatter(Plain())
                axis.set_minor_formatter(Plain(labelOnlyBase=False, minor_thresholds=(1.5, 0.5)))


def close(fig) -> None:
    """Release ``fig``: pyplot keeps every figure it made until closed (nothing to do for other figures)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)


def save(fig, path: str | Path, caption: str | None = None, *, suffixes=(".png", ".pdf"),
         dpi: int = PNG_DPI) -> list[Path]:
    """Write ``path``.png and ``path``.pdf (each atomically; ``suffixes`` picks others: .svg) and, given a caption,
    ``path``.md; then close the figure. Returns the paths written."""
    path = Path(path)
    if path.suffix.lower() in (".png", ".pdf", ".svg", ".md"):
        path = path.with_suffix("")
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in suffixes:
        target = path.with_name(path.name + suffix)
        options = {"dpi": dpi} if suffix == ".png" else {}
        with atomic(target) as temp:
            fig.savefig(temp, format=suffix[1:], bbox_inches="tight", **options)
        written.append(target)
    if caption is not None:
        written.append(write_text(path.with_name(path.name + ".md"), caption.strip() + "\n"))
    close(fig)
    return written


# ------------------------------------------------------------------------------------------- shared drawings


def predicted_and_trained(x, curves: list, *, xlabel: str, width: int, xscale: str = "linear",
                          figsize=(8.6, 3.5)):
    """Two panels sharing the y axis: test MSE of the NTK prediction (left) and of trained networks of ``width``
    (right) against ``x``; ``curves``: (label, colour, predicted values, trained values) per line."""
    with styled():
        fig, axes = figure(*figsize, 2, layout=None, sharey=True)
        for ax, column, title in zip(axes, (2, 3), ("NTK prediction", f"trained networks (width {width})")):
            for curve in curves:
                ax.plot(x, curve[column], "o-", ms=3, color=curve[1], label=curve[0])
            ax.set(xscale=xscale, yscale="log", xlabel=xlabel, title=title)
        axes[0].set_ylabel("test MSE")
        axes[0].legend(frameon=False)
        fig.tight_layout()
    return fig


def _slope_text(fit: dict, decimals: int = 2) -> str:
    """'slope -0.45 (95%: -0.60 to -0.30)' of a `ntk_fourier.compare.fits.power_fit`."""
    text = f"slope {float(fit['slope']):.{decimals}f}"
    try:  # findings read back from JSON hold non-finite numbers as text
        low, high, level = float(fit["low"]), float(fit["high"]), float(fit.get("level", 0.95))
    except (KeyError, TypeError, ValueError):
        return text
    if math.isfinite(low) and math.isfinite(high):
        text += f" ({100 * level:.0f}%: {low:.{decimals}f} to {high:.{decimals}f})"
    return text


def _two_power_text(fit: dict) -> str:
    return f"{fit['a']:.3g} w^-1/2 + {fit['b']:.3g} w^-1"


def deviation_vs_width(ax, widths, values_per_seed, fit=True, *, label: str | None = "deviation", color=None,
                       marker: str = "o", ms: float = 5, filled: bool = True, spread: str = "sem",
                       reference: float | None = None, decimals: int = 2):
    """A quantity against width on log-log axes: the seed means (markers) with the seeds' error bars, and a fitted
    line whose slope and interval are in the legend.

    ``values_per_seed``: (W,) or (W, S) (S seeds; NaN entries are left out). Error bars (S >= 2): ``spread="sem"``
    the standard error of the seed mean, ``"std"`` the seeds' standard deviation, ``None`` none.
    ``fit``: True (fit here: `power_fit`, interval from the seeds), a `power_fit` result (drawn as given, e.g. from
    findings, so the legend shows the number a caption cites), a `two_power_fit` result (the curve a w^-1/2 + b w^-1),
    or None / False (no line). ``reference``: also a dotted width^reference line through the first mean.
    Returns the fit drawn (or None)."""
    from ntk_fourier.compare.fits import power_fit
    w = np.asarray(widths, float)
    values = np.asarray(values_per_seed, float)
    values = values[:, None] if values.ndim == 1 else values
    ok = np.isfinite(values)
    counts = ok.sum(1)
    mean = np.where(counts > 0, np.nansum(np.where(ok, values, 0), 1) / np.maximum(counts, 1), np.nan)
    error = None
    if spread and values.shape[1] >= 2:
        centred = np.where(ok, values - mean[:, None], 0)
        std = np.sqrt(np.sum(centred**2, 1) / np.maximum(counts - 1, 1))
        error = std / np.sqrt(np.maximum(counts, 1)) if spread == "sem" else std
        error = np.where(counts >= 2, error, np.nan)
    if fit is True:
        use = np.isfinite(mean) & (mean > 0) & np.all(~ok | (values > 0), 1)
        fit = None
        if use.sum() >= 2:
            full = values[use] if np.all(ok[use]) else mean[use]
            fit = power_fit(w[use], full if full.shape[1] > 1 else full[:, 0])
    fit = fit or None
    text = label
    if fit is not None and "slope" in fit:
        text = f"{label}: {_slope_text(fit, decimals)}" if label else _slope_text(fit, decimals)
    elif fit is not None and "a" in fit:
        text = f"{label}: {_two_power_text(fit)}" if label else _two_power_text(fit)
    shown = positive(mean)
    if error is not None:
        low = np.minimum(error, 0.95 * shown)  # a log axis: the lower bar stops above zero
        container = ax.errorbar(w, shown, yerr=np.stack([low, error]), fmt=marker, ms=ms, color=color, capsize=2.5,
                                elinewidth=1, mfc=None if filled else "none", label=text)
        line = container.lines[0]
    else:
        line, = ax.plot(w, shown, marker, ms=ms, color=color, mfc=None if filled else "none", label=text)
    if fit is not None:
        fit_line(ax, w, fit, anchor=(w, shown), color=line.get_color())
    if reference is not None and np.isfinite(shown[0]):
        power_law(ax, w, shown[0], reference)
    ax.set_yscale("log")
    width_axis(ax, w, ax.get_xlabel() or "width (hidden units per layer)")
    return fit


def fit_line(ax, widths, fit: dict, *, anchor=None, **style):
    """The line of a fit across ``widths``: exp(intercept) w^slope of a `power_fit` (without an intercept: through
    the geometric centre of ``anchor`` = (widths, values)), or a w^-1/2 + b w^-1 of a `two_power_fit`."""
    from ntk_fourier.compare.fits import two_power_curve
    w = np.asarray(widths, float)
    dense = np.geomspace(w.min(), w.max(), 50)
    if "slope" in fit:
        intercept = fit.get("intercept")
        if intercept is None:
            x, y = (np.asarray(v, float) for v in anchor)
            use = np.isfinite(np.log(positive(y)))
            intercept = float(np.mean(np.log(y[use]) - fit["slope"] * np.log(x[use])))
        curve = np.exp(intercept) * dense ** fit["slope"]
    else:
        curve = two_power_curve(fit, dense)
    return ax.plot(dense, curve, **{"ls": "-", "lw": 1, **style})[0]


def power_law(ax, widths, anchor: float, slope: float, label: str | None = None, **style):
    """A dotted reference line anchor (w / w_0)^slope through the first width (label: 'width^-1/2' style)."""
    w = np.asarray(widths, float)
    if label is None:
        label = f"width^{_fraction(slope)}"
    return ax.plot(w, anchor * (w / w[0]) ** slope, **{"ls": ":", "color": "grey", "label": label, **style})[0]


def _fraction(value: float) -> str:
    for den in (1, 2, 3, 4):
        if abs(value * den - round(value * den)) < 1e-9:
            num = int(round(value * den))
            return f"{num}" if den == 1 else f"{num}/{den}"
    return f"{value:g}"


def curves_vs_step(ax, steps, curves, labels, *, name: str = "plasma", skip_first: bool = False, ms: float = 3,
                   lw: float = 1.2) -> None:
    """One curve per width (``curves``: list of (T,) seed means; ``labels`` the legend entries) against step on
    log-log axes, coloured along ``name`` (narrow to wide); step 0 at the left edge (`step_axis`), or left out
    (``skip_first``: a gap that is 0 at step 0 by construction)."""
    x = step_axis(steps)
    start = 1 if skip_first else 0
    for c, curve, label in zip(colours(len(curves), name, 0.1, 0.8), curves, labels):
        ax.plot(x[start:], positive(np.asarray(curve, float)[start:]), "o-", color=c, ms=ms, lw=lw, label=label)
    ax.set(xscale="log", yscale="log")


def _per_seed(numbers: dict, key: str):
    """Per-seed values (W, S) of a ``comparison.json`` quantity when recorded, else its seed means (W,)."""
    per_seed = numbers.get(f"{key}_per_seed")
    return per_seed if per_seed is not None else numbers[key]


def floats(values) -> np.ndarray:
    """A JSON list of numbers (``null`` and "nan" for missing ones) as a float array."""
    def one(v):
        if isinstance(v, (list, tuple, np.ndarray)):
            return [one(u) for u in v]
        try:
            return float(v)
        except (TypeError, ValueError):
            return np.nan
    return np.asarray(one(values), dtype=float)


def deviation_width_panels(axes, numbers: dict) -> None:
    """The deviation of networks from their NTK prediction against width, from the numbers of ``compare``
    (``comparison.json``, or `ntk_fourier.compare.crosscheck.summary`): in ``axes[0]`` the deviation (each seed's
    maximum over the recorded steps, as ``deviation_per_seed``) on training points (seed means, seed error bars,
    fitted slope with its interval), on test points, and the largest NTK drift; in ``axes[1]`` (when given and the
    deviation was split) its kernel and linearisation parts with their slopes, their fits a w^-1/2 + b w^-1 (dashed) and the perturbative laws width^-1/2 and width^-1 (dotted)."""
    widths = floats(numbers["widths"])
    ax = axes[0]
    deviation_vs_width(ax, widths, floats(_per_seed(numbers, "deviation")), label="train")
    if "deviation_test" in numbers:
        deviation_vs_width(ax, widths, floats(_per_seed(numbers, "deviation_test")), label="test", marker="s",
                           filled=False)
    drift = floats(numbers.get("max_ntk_drift") or [])
    if drift.size and np.all(np.isfinite(drift)):
        deviation_vs_width(ax, widths, drift, label="largest NTK drift (max over steps and seeds)", marker="^",
                           color="tab:green", ms=4.5)
    split = "deviation_kernel" in numbers and len(axes) > 1
    if not split:
        first = positive(floats(numbers["deviation"]))[0]
        if np.isfinite(first):
            power_law(ax, widths, first, -0.5)
            power_law(ax, widths, first, -1.0, ls="-.")
    ax.set(ylabel="relative deviation from the NTK prediction",
           title="deviation against width\n(each seed's max over recorded steps; mean over seeds)")
    ax.legend(frameon=False)
    if not split:
        return
    ax = axes[1]
    two = (numbers.get("width_laws") or {}).get("two_power") or {}
    for key, name, label, colour_, marker, slope in (
            ("deviation_kernel", "kernel", "kernel part", "tab:blue", "v", -0.5),
            ("deviation_linearization", "linearization", "linearisation part", "tab:red", "^", -1.0)):
        values = floats(_per_seed(numbers, key))
        deviation_vs_width(ax, widths, values, label=label, marker=marker, color=colour_)
        if name in two:
            fit_line(ax, widths, two[name], color=colour_, ls="--", lw=1,
                     label=f"{label}: {_two_power_text(two[name])}")
        first = positive(values if values.ndim == 1 else np.nanmean(values, 1))[0]
        if np.isfinite(first):
            power_law(ax, widths, first, slope, color=colour_, alpha=0.6)
    ax.set(ylabel="relative gap (same definition)", title="its two parts against width\n(each seed's max over "
           "recorded steps; mean over seeds)")
    ax.legend(frameon=False, fontsize=6.5)
