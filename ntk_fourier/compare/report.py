"""The cross-check report: ``comparison.json``, ``report.md`` and its figures (PNG + PDF).

The one library module that draws; it imports matplotlib only when called (the CLI's ``compare`` writes a report).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ntk_fourier.compare.crosscheck import Comparison, summary
from ntk_fourier.results import _jsonable, atomic, versions, write_text
from ntk_fourier.network.training import save_run


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 150,
                         "savefig.bbox": "tight", "axes.grid": True, "grid.alpha": 0.25, "legend.fontsize": 7.5})
    return plt


def _save(fig, out: Path, name: str) -> str:
    for suffix in (".png", ".pdf"):
        with atomic(out / f"{name}{suffix}") as temp:
            fig.savefig(temp)
    _plt().close(fig)  # pyplot keeps every figure it made until closed
    return f"{name}.png"


FLOOR = 1e-7  # lower edge of log axes, relative to the largest value: networks train in float32


def _step_axis(steps: np.ndarray) -> np.ndarray:
    return np.where(steps == 0, steps[1] / 3 if len(steps) > 1 else 1, steps)  # show step 0 on the log axis


def _modes_to_show(n: int) -> list[int]:
    return sorted({0, 1, 3, n // 8, n // 4, n // 2, n - 1} & set(range(n)))


def mode_figure(c: Comparison, out: Path) -> str:
    """Per-eigenmode residuals |r_k(t)|: measured (markers, mean over seeds) vs predicted from each f(0) (lines)."""
    plt = _plt()
    check = c.checks[-1]
    steps = check.run.steps
    x = _step_axis(steps)
    measured = np.sqrt(np.mean(check.measured_modes**2, axis=(1, 3)))  # (T, n): rms over seeds, outputs
    predicted = np.sqrt(np.mean(np.stack([p.mode_residuals for p in check.predictions], 1) ** 2, axis=(1, 3)))
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    cmap = plt.get_cmap("viridis")
    modes = _modes_to_show(len(c.eigenvalues))
    for j, k in enumerate(modes):
        colour = cmap(j / max(len(modes) - 1, 1))
        ax.plot(x, predicted[:, k], "-", color=colour, lw=1.2, label=f"k={k}, lambda={c.eigenvalues[k]:.3g}")
        ax.plot(x, measured[:, k], "o", color=colour, ms=3.5, mfc="none")
    top = max(measured[0].max(), predicted[0].max())
    ax.set(xscale="log", yscale="log", xlabel="gradient-descent step (step 0 drawn at the left edge)",
           ylabel="rms residual along NTK eigenvector k", ylim=(FLOOR * top, 3 * top),
           title=f"Per-eigenmode residuals, width {check.width}: lines NTK, circles networks")
    ax.legend(frameon=False, ncol=2)
    return _save(fig, out, "modes")


def mse_figure(c: Comparison, out: Path) -> str:
    """Train and test MSE vs step: each width's networks (markers) and their NTK predictions (lines)."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4), sharey=True)
    cmap = plt.get_cmap("plasma")
    for j, check in enumerate(c.checks):
        colour = cmap(0.1 + 0.7 * j / max(len(c.checks) - 1, 1))
        steps = check.run.steps
        x = _step_axis(steps)
        for ax, measured, key in ((axes[0], check.run.mse_train, "mse_train"), (axes[1], check.run.mse_test,
                                                                                   "mse_test")):
            predicted = np.mean([getattr(p, key) for p in check.predictions], axis=0)
            ax.plot(x, predicted, "-", color=colour, lw=1.2, label=f"NTK, width {check.width}")
            ax.plot(x, measured.mean(1), "o", color=colour, ms=3.5, mfc="none", label=f"networks, width "
                    f"{check.width}")
    top = max(max(k.run.mse_train.max(), k.run.mse_test.max()) for k in c.checks)
    for ax, title in zip(axes, ("train", "test")):
        ax.set(xscale="log", yscale="log", xlabel="gradient-descent step (step 0 drawn at the left edge)",
               title=f"{title} MSE", ylim=(FLOOR**2 * top, 3 * top))
    axes[0].set_ylabel("MSE (mean over seeds)")
    axes[1].legend(frameon=False, fontsize=6.5)
    return _save(fig, out, "mse")


def deviation_figure(c: Comparison, out: Path) -> str:
    """Deviation from the NTK prediction vs width, log-log, with fitted slopes."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 3.4))
    w = np.array(c.widths, float)
    for values, slope, label, marker in (([k.deviation for k in c.checks], c.slope, "train", "o"),
                                         ([k.deviation_test for k in c.checks], c.slope_test, "test", "s")):
        values = np.array(values)
        ax.plot(w, values, marker, label=f"{label}: slope {slope:.2f}")
        if np.isfinite(slope):
            fit = np.exp(np.polyval(np.polyfit(np.log(w), np.log(values), 1), np.log(w)))
            ax.plot(w, fit, "-", color=ax.lines[-1].get_color(), lw=1)
    ax.plot(w, c.checks[0].deviation * (w / w[0]) ** -0.5, ":", color="grey", label="width^-1/2")
    drift = [k.run.drift.max() if k.run.drift is not None else np.nan for k in c.checks]
    ax.plot(w, drift, "^", color="tab:green", label="max NTK drift")
    ax.set(xscale="log", yscale="log", xlabel="width", ylabel="relative deviation",
           title="Networks vs NTK prediction")
    ax.set_xticks(w, [str(int(v)) for v in w])
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.legend(frameon=False)
    return _save(fig, out, "deviation")


def deviation_steps_figure(c: Comparison, out: Path) -> str:
    """Deviation vs step for each width (seed means), log-log, with the width^-1/2 reference at the last step."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    cmap = plt.get_cmap("plasma")
    steps = c.checks[-1].run.steps
    x = _step_axis(steps)
    for j, k in enumerate(c.checks):  # step 0 is 0 by construction (same start): not drawn
        ax.plot(x[1:], k.deviation_curve.mean(1)[1:], "o-", color=cmap(0.1 + 0.7 * j / max(len(c.checks) - 1, 1)),
                ms=3, lw=1.2, label=f"width {k.width}")
    first = c.checks[0].deviation_curve.mean(1)[-1]
    for k in c.checks[1:]:  # where width^-1/2 would put each wider network at the last step
        ax.plot(x[-1], first * (k.width / c.widths[0]) ** -0.5, "_", color="grey", ms=12)
    ax.plot([], [], "_", color="grey", ms=12, label="width^-1/2 from the narrowest (last step)")
    for level in (0.05, 0.1):
        ax.axhline(level, color="grey", lw=0.6, ls=":")
    positive = np.concatenate([k.deviation_curve.mean(1)[1:] for k in c.checks])
    ax.set(xscale="log", yscale="log", xlabel="gradient-descent step",
           ylabel="deviation from the NTK prediction", ylim=(max(positive.min() / 3, 1e-8), 3 * positive.max()),
           title="Network vs NTK prediction, step by step (dotted: 5%, 10%)")
    ax.legend(frameon=False)
    return _save(fig, out, "deviation_steps")


def decomposition_figure(c: Comparison, out: Path) -> str | None:
    """The deviation's two parts vs step for each width: kernel fluctuation (linearised network vs NTK prediction)
    and drift / nonlinearity (network vs linearised network)."""
    if any(k.kernel_curve is None for k in c.checks):
        return None
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
    cmap = plt.get_cmap("plasma")
    x = _step_axis(c.checks[-1].run.steps)
    values = []
    for j, k in enumerate(c.checks):
        colour = cmap(0.1 + 0.7 * j / max(len(c.checks) - 1, 1))
        for ax, curve in zip(axes, (k.kernel_curve, k.linearization_curve)):  # step 0: 0 by construction
            ax.plot(x[1:], curve.mean(1)[1:], "o-", color=colour, ms=3, lw=1.2, label=f"width {k.width}")
            values.append(curve.mean(1)[1:])
    positive = np.concatenate(values)
    positive = positive[positive > 0]
    for ax, title in zip(axes, ("kernel fluctuation: linearised network vs NTK",
                                "drift + nonlinearity: network vs linearised network")):
        ax.set(xscale="log", yscale="log", xlabel="gradient-descent step", title=title)
        if positive.size:
            ax.set_ylim(max(positive.min() / 3, 1e-10), 3 * positive.max())
    axes[0].set_ylabel("relative gap (same definition as the deviation)")
    axes[1].legend(frameon=False)
    return _save(fig, out, "decomposition")


def frequency_figure(numbers: dict, c: Comparison, out: Path) -> str | None:
    """|residual_f(t)| / |y_f| against step for a few target frequencies: the widest networks (markers, seed mean)
    and the NTK prediction (lines): the Rahaman et al. view of spectral bias, as lines."""
    if "residual_freq_measured" not in numbers:
        return None
    plt = _plt()
    freqs = np.abs(np.asarray(numbers["frequencies"])).max(1)
    measured, predicted = numbers["residual_freq_measured"][-1], numbers["residual_freq_predicted"][-1]  # (T, F)
    usable = [i for i in np.argsort(freqs) if np.isfinite(measured[0, i]) and freqs[i] > 0]
    chosen = sorted({usable[int(j)] for j in np.linspace(0, len(usable) - 1, min(6, len(usable)))}, key=freqs.__getitem__)
    x = _step_axis(c.checks[-1].run.steps)
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    cmap = plt.get_cmap("viridis")
    for j, i in enumerate(chosen):
        colour = cmap(j / max(len(chosen) - 1, 1))
        ax.plot(x, predicted[:, i], "-", color=colour, lw=1.2, label=f"|f| = {freqs[i]:g}")
        ax.plot(x, measured[:, i], "o", color=colour, ms=3.5, mfc="none")
    values = np.concatenate([measured[:, chosen].ravel(), predicted[:, chosen].ravel()])
    values = values[np.isfinite(values) & (values > 0)]
    ax.set(xscale="log", yscale="log", xlabel="gradient-descent step (step 0 drawn at the left edge)",
           ylabel="|residual_f| / |y_f|", ylim=(max(values.min() / 3, FLOOR * values.max()), 3 * values.max()),
           title=f"Residual per frequency, width {c.checks[-1].width}: lines NTK, circles networks")
    ax.legend(frameon=False, ncol=2)
    return _save(fig, out, "frequencies")


def save_width(out: Path | str, config: dict, width: int, run, linear_run=None) -> None:
    """One width's training runs as ``out/runs/width_W.npz`` (and ``width_W_linear.npz``), in ``ntk-fourier train``'s
    format (sidecar: model at that width, lr, seeds, dtype, data SHA-256, provenance), so that ``compare --runs
    OUT/runs`` redraws and ``compare --resume`` skips them."""
    model = config.get("model")
    wide = model.replace(width=width) if hasattr(model, "replace") else model
    meta = dict(command="train", model=wide, lr=config.get("lr"), seeds=config.get("seeds"), optimizer="gd",
                dtype=config.get("dtype"), data_sha256=config.get("data_sha256"),
                provenance=config.get("provenance"))
    save_run(Path(out) / "runs" / f"width_{width}.npz", run, **meta)
    if linear_run is not None:
        save_run(Path(out) / "runs" / f"width_{width}_linear.npz", linear_run, linearize=True, **meta)


def write(c: Comparison, out: Path | str, config: dict, save_runs: bool = True) -> dict:
    """Write ``comparison.json``, the figures and ``report.md`` into ``out`` (and, with ``save_runs``, every width's
    runs: `save_width`); returns the summary."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = config.get("model")
    if save_runs:
        for check in c.checks:
            save_width(out, config, check.width, check.run, check.linear_run)
    numbers = summary(c)
    write_text(out / "comparison.json", json.dumps(_jsonable({**numbers, "config": config, "versions": versions()}),
                                                   indent=2) + "\n")
    figures = [f for f in (mode_figure(c, out), mse_figure(c, out), deviation_figure(c, out),
                           deviation_steps_figure(c, out), decomposition_figure(c, out),
                           frequency_figure(numbers, c, out)) if f]
    rows = ["| width | deviation (train) | deviation (test) | max NTK drift | seed-mean vs ensemble (z) | "
            "final test MSE: networks / NTK | train time (s) |", "|---|---|---|---|---|---|---|"]
    for i, w in enumerate(numbers["widths"]):
        drift = numbers["max_ntk_drift"][i]
        rows.append(f"| {w} | {numbers['deviation'][i]:.4f} | {numbers['deviation_test'][i]:.4f} | "
                    f"{'-' if drift is None else f'{drift:.4f}'} | {numbers['ensemble_mean_z'][i]:.2f} | "
                    f"{numbers['final_mse_test'][i]:.4g} / {numbers['predicted_final_mse_test'][i]:.4g} | "
                    f"{numbers['train_seconds'][i]:.1f} |")
    decomposed = "deviation_kernel" in numbers
    rows2 = ["| width | deviation | kernel part | linearisation part | ||K_0 - K||_2 / lambda_max | first step > 5% "
             "(estimate) | first step > 10% (estimate) |", "|---|---|---|---|---|---|---|"]
    for i, w in enumerate(numbers["widths"]):
        h = numbers["validity_horizon"][i]
        part = (lambda key: f"{numbers[key][i]:.4f}" if decomposed else "-")  # noqa: E731
        est = (lambda d: f" ({h[f'estimate_{d}']})" if f"estimate_{d}" in h else "")  # noqa: E731
        fluct = f"{h['k0_fluctuation_relative']:.4f}" if "k0_fluctuation_relative" in h else "-"
        rows2.append(f"| {w} | {numbers['deviation'][i]:.4f} | {part('deviation_kernel')} | "
                     f"{part('deviation_linearization')} | {fluct} | {h['measured_0.05']}{est(0.05)} | "
                     f"{h['measured_0.1']}{est(0.1)} |")
    slopes = ", ".join(f"{t:g}: {v:.2f}" for t, v in zip(numbers["steps"], numbers["slope_per_step"])
                       if np.isfinite(v))
    text = [
        "# Finite networks vs the NTK prediction", "",
        f"Model: {json.dumps(_jsonable(model or {}))}", "",
        f"Training: full-batch gradient descent, lr {config.get('lr')}, loss 1/(2n) sum (f - y)^2, "
        f"{config.get('seeds')} seeds, steps {numbers['steps']}.", "",
        *rows, "",
        f"Fitted slope of log deviation vs log width: **{numbers['slope']:.3f}** (train), "
        f"{numbers['slope_test']:.3f} (test); infinite-width theory predicts about -0.5.", "",
        f"Slope of log deviation vs log width at each recorded step: {slopes}.", "",
        "## Where the gap comes from, and until when the prediction holds", "",
        "Kernel part: the linearised network (each network's first-order Taylor expansion around its initial "
        "parameters, trained by the same GD: the kernel dynamics of its own empirical NTK K_0) vs the NTK "
        "prediction. Linearisation part: the network vs its linearised twin (the kernel's drift and the "
        "network's nonlinearity). Same definition as the deviation. The horizon is the first recorded step where "
        "the seed-mean deviation exceeds 5% / 10% (None: not within the recorded steps); in brackets its estimate from "
        "the networks' K_0 alone: the first step at which ||((I - eta K_0/n)^t - (I - eta K/n)^t) r(0)|| / ||r(0)|| "
        "passes it (the kernel part, resolved at every step, without the drift).", "",
        *rows2, "",
        f"Networks train in {config.get('dtype', 'float32')}: in float32 their residuals stop near 1e-6 of the start "
        "while the float64 prediction goes on falling.", "",
        f"Redraw without training: `ntk-fourier compare ... --runs {out}/runs` with the same options.", "",
        f"Definition: {numbers['definition']}. The test deviation is the same on test points. The z column compares "
        "the average of the seeds' networks with the infinite-ensemble mean, in units of the standard deviation "
        "the NNGP predicts for an average of that many networks (about 1 when consistent).", "",
        *[f"![{name}]({name})\n" for name in figures],
    ]
    write_text(out / "report.md", "\n".join(text))
    return numbers
