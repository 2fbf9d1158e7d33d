"""The cross-check report: ``comparison.json``, ``report.md`` and its figures (PNG + PDF).

The one library module that draws; it imports matplotlib only when called (the CLI's ``compare`` writes a report).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ntk_fourier.compare.crosscheck import Comparison, summary
from ntk_fourier.results import _jsonable, versions
from ntk_fourier.network.training import save_run


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 150,
                         "savefig.bbox": "tight", "axes.grid": True, "grid.alpha": 0.25, "legend.fontsize": 7.5})
    return plt


def _save(fig, out: Path, name: str) -> str:
    fig.savefig(out / f"{name}.png")
    fig.savefig(out / f"{name}.pdf")
    fig.clf()
    return f"{name}.png"


FLOOR = 1e-7  # lower edge of log axes, relative to the largest value: networks train in float32


def _modes_to_show(n: int) -> list[int]:
    return sorted({0, 1, 3, n // 8, n // 4, n // 2, n - 1} & set(range(n)))


def mode_figure(c: Comparison, out: Path) -> str:
    """Per-eigenmode residuals |r_k(t)|: measured (markers, mean over seeds) vs predicted from each f(0) (lines)."""
    plt = _plt()
    check = c.checks[-1]
    steps = check.run.steps
    x = np.where(steps == 0, steps[1] / 3 if len(steps) > 1 else 1, steps)  # show step 0 on the log axis
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
        x = np.where(steps == 0, steps[1] / 3 if len(steps) > 1 else 1, steps)
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


def write(c: Comparison, out: Path | str, config: dict) -> dict:
    """Write ``comparison.json``, the figures and ``report.md`` into ``out``; returns the summary."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for check in c.checks:  # the training runs, in `ntk-fourier train`'s format: `compare --runs OUT/runs` redraws
        save_run(out / "runs" / f"width_{check.width}.npz", check.run, command="train",
                 model=config.get("model"), lr=config.get("lr"), seeds=config.get("seeds"), optimizer="gd")
    numbers = summary(c)
    (out / "comparison.json").write_text(json.dumps(_jsonable({**numbers, "config": config,
                                                                "versions": versions()}), indent=2) + "\n")
    figures = [mode_figure(c, out), mse_figure(c, out), deviation_figure(c, out)]
    rows = ["| width | deviation (train) | deviation (test) | max NTK drift | seed-mean vs ensemble (z) | "
            "final test MSE: networks / NTK | train time (s) |", "|---|---|---|---|---|---|---|"]
    for i, w in enumerate(numbers["widths"]):
        drift = numbers["max_ntk_drift"][i]
        rows.append(f"| {w} | {numbers['deviation'][i]:.4f} | {numbers['deviation_test'][i]:.4f} | "
                    f"{'-' if drift is None else f'{drift:.4f}'} | {numbers['ensemble_mean_z'][i]:.2f} | "
                    f"{numbers['final_mse_test'][i]:.4g} / {numbers['predicted_final_mse_test'][i]:.4g} | "
                    f"{numbers['train_seconds'][i]:.1f} |")
    model = config.get("model", {})
    text = [
        "# Finite networks vs the NTK prediction", "",
        f"Model: {json.dumps(_jsonable(model))}", "",
        f"Training: full-batch gradient descent, lr {config.get('lr')}, loss 1/(2n) sum (f - y)^2, "
        f"{config.get('seeds')} seeds, steps {numbers['steps']}.", "",
        *rows, "",
        f"Fitted slope of log deviation vs log width: **{numbers['slope']:.3f}** (train), "
        f"{numbers['slope_test']:.3f} (test); infinite-width theory predicts about -0.5.", "",
        "Networks train in float32, so their residuals stop near 1e-6 of the start while the float64 prediction "
        "goes on falling; the deviation is unaffected at that level.", "",
        f"Redraw without training: `ntk-fourier compare ... --runs {out}/runs` with the same options.", "",
        f"Definition: {numbers['definition']}. The test deviation is the same on test points. The z column compares "
        "the average of the seeds' networks with the infinite-ensemble mean, in units of the standard deviation "
        "the NNGP predicts for an average of that many networks (about 1 when consistent).", "",
        *[f"![{name}]({name})\n" for name in figures],
    ]
    (out / "report.md").write_text("\n".join(text))
    return numbers
