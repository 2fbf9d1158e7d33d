"""The cross-check report: ``comparison.json``, ``report.md`` and its figures (PNG + PDF).

It imports matplotlib only when called (the CLI's ``compare`` writes a report) and draws through
`ntk_fourier.drawing`: ``Figure`` objects in a scoped style, no backend chosen and no rcParams changed globally.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ntk_fourier.compare.crosscheck import Comparison, summary
from ntk_fourier.results import _jsonable, versions, write_text
from ntk_fourier.network import save_run

FLOOR = 1e-7  # lower edge of log axes, relative to the largest value: networks train in float32
STEP_LABEL = "gradient-descent step (step 0 drawn at the left edge)"


def _save(fig, out: Path, name: str) -> str:
    from ntk_fourier import drawing
    drawing.plain_log_labels(fig)
    drawing.save(fig, out / name)
    return f"{name}.png"


def _modes_to_show(n: int) -> list[int]:
    return sorted({0, 1, 3, n // 8, n // 4, n // 2, n - 1} & set(range(n)))


def _lines_and_markers(ax, x, predicted, measured, labels) -> None:
    """Per column i of (T, K) arrays: the prediction as a line and the measurement as open circles, one colour each
    (viridis)."""
    from ntk_fourier import drawing
    for colour, i, label in zip(drawing.colours(len(labels), stop=1.0), range(len(labels)), labels):
        ax.plot(x, predicted[:, i], "-", color=colour, lw=1.2, label=label)
        ax.plot(x, measured[:, i], "o", color=colour, ms=3.5, mfc="none")


def mode_figure(c: Comparison, out: Path) -> str:
    """Per-eigenmode residuals |r_k(t)|: measured (markers, mean over seeds) vs predicted from each f(0) (lines)."""
    from ntk_fourier import drawing
    check = c.checks[-1]
    x = drawing.step_axis(check.run.steps)
    measured = np.sqrt(np.mean(check.measured_modes**2, axis=(1, 3)))  # (T, n): rms over seeds, outputs
    predicted = np.sqrt(np.mean(np.stack([p.mode_residuals for p in check.predictions], 1) ** 2, axis=(1, 3)))
    modes = _modes_to_show(len(c.eigenvalues))
    with drawing.styled():
        fig, (ax,) = drawing.figure(5.5, 3.8)
        _lines_and_markers(ax, x, predicted[:, modes], measured[:, modes],
                           [f"k={k}, lambda={c.eigenvalues[k]:.3g}" for k in modes])
        top = max(measured[0].max(), predicted[0].max())
        ax.set(xscale="log", yscale="log", xlabel=STEP_LABEL, ylabel="rms residual along NTK eigenvector k",
               ylim=(FLOOR * top, 3 * top),
               title=f"Per-eigenmode residuals, width {check.width}: lines NTK, circles networks")
        ax.legend(frameon=False, ncol=2)
    return _save(fig, out, "modes")


def mse_figure(c: Comparison, out: Path) -> str:
    """Train and test MSE vs step: each width's networks (markers) and their NTK predictions (lines)."""
    from ntk_fourier import drawing
    with drawing.styled():
        fig, axes = drawing.figure(8.5, 3.4, 2, sharey=True)
        for colour, check in zip(drawing.colours(len(c.checks), "plasma", 0.1, 0.8), c.checks):
            x = drawing.step_axis(check.run.steps)
            for ax, measured, key in ((axes[0], check.run.mse_train, "mse_train"),
                                      (axes[1], check.run.mse_test, "mse_test")):
                predicted = np.mean([getattr(p, key) for p in check.predictions], axis=0)
                ax.plot(x, predicted, "-", color=colour, lw=1.2, label=f"NTK, width {check.width}")
                ax.plot(x, measured.mean(1), "o", color=colour, ms=3.5, mfc="none",
                        label=f"networks, width {check.width}")
        top = max(max(k.run.mse_train.max(), k.run.mse_test.max()) for k in c.checks)
        for ax, title in zip(axes, ("train", "test")):
            ax.set(xscale="log", yscale="log", xlabel=STEP_LABEL, title=f"{title} MSE", ylim=(FLOOR**2 * top, 3 * top))
        axes[0].set_ylabel("MSE (mean over seeds)")
        axes[1].legend(frameon=False, fontsize=6.5)
    return _save(fig, out, "mse")


def deviation_figure(numbers: dict, out: Path) -> str:
    """Deviation from the NTK prediction vs width, log-log, seed means with seed error bars and fitted slopes (with
    their intervals); beside it the kernel and linearisation parts with their fits a w^-1/2 + b w^-1
    (`ntk_fourier.drawing.deviation_width_panels`, as ``plot`` draws ``comparison.json``)."""
    from ntk_fourier import drawing
    parts = "deviation_kernel" in numbers
    with drawing.styled():
        fig, axes = drawing.figure(9.2 if parts else 4.8, 3.6, 2 if parts else 1)
        drawing.deviation_width_panels(axes, numbers)
    return _save(fig, out, "deviation")


def deviation_steps_figure(c: Comparison, out: Path) -> str:
    """Deviation vs step for each width (seed means), log-log, with the width^-1/2 reference at the last step."""
    from ntk_fourier import drawing
    x = drawing.step_axis(c.checks[-1].run.steps)
    with drawing.styled():
        fig, (ax,) = drawing.figure(5.2, 3.6)
        drawing.curves_vs_step(ax, c.checks[-1].run.steps, [k.deviation_curve.mean(1) for k in c.checks],
                               [f"width {k.width}" for k in c.checks], skip_first=True)  # step 0: 0 by construction
        first = c.checks[0].deviation_curve.mean(1)[-1]
        for k in c.checks[1:]:  # where width^-1/2 would put each wider network at the last step
            ax.plot(x[-1], first * (k.width / c.widths[0]) ** -0.5, "_", color="grey", ms=12)
        ax.plot([], [], "_", color="grey", ms=12, label="width^-1/2 from the narrowest (last step)")
        for level in (0.05, 0.1):
            ax.axhline(level, color="grey", lw=0.6, ls=":")
        positive = np.concatenate([k.deviation_curve.mean(1)[1:] for k in c.checks])
        positive = positive[positive > 0]
        ax.set(xlabel="gradient-descent step", ylabel="deviation from the NTK prediction",
               title="Network vs NTK prediction, step by step (dotted: 5%, 10%)")
        if positive.size:
            ax.set_ylim(max(positive.min() / 3, 1e-8), 3 * positive.max())
        ax.legend(frameon=False)
    return _save(fig, out, "deviation_steps")


def decomposition_figure(c: Comparison, out: Path) -> str | None:
    """The deviation's two parts vs step for each width: kernel fluctuation (linearised network vs NTK prediction)
    and drift / nonlinearity (network vs linearised network)."""
    if any(k.kernel_curve is None for k in c.checks):
        return None
    from ntk_fourier import drawing
    steps = c.checks[-1].run.steps
    labels = [f"width {k.width}" for k in c.checks]
    with drawing.styled():
        fig, axes = drawing.figure(9, 3.5, 2, sharey=True)
        values = []
        for ax, curves, title in ((axes[0], [k.kernel_curve.mean(1) for k in c.checks],
                                   "kernel fluctuation: linearised network vs NTK"),
                                  (axes[1], [k.linearization_curve.mean(1) for k in c.checks],
                                   "drift + nonlinearity: network vs linearised network")):
            drawing.curves_vs_step(ax, steps, curves, labels, skip_first=True)  # step 0: 0 by construction
            ax.set(xlabel="gradient-descent step", title=title)
            values += [curve[1:] for curve in curves]
        positive = np.concatenate(values)
        positive = positive[positive > 0]
        if positive.size:
            axes[0].set_ylim(max(positive.min() / 3, 1e-10), 3 * positive.max())
        axes[0].set_ylabel("relative gap (same definition as the deviation)")
        axes[1].legend(frameon=False)
    return _save(fig, out, "decomposition")


def frequency_figure(numbers: dict, c: Comparison, out: Path) -> str | None:
    """|residual_f(t)| / |y_f| against step for a few target frequencies: the widest networks (markers, seed mean)
    and the NTK prediction (lines): the Rahaman et al. view of spectral bias, as lines."""
    if "residual_freq_measured" not in numbers:
        return None
    from ntk_fourier import drawing
    freqs = np.abs(np.asarray(numbers["frequencies"])).max(1)
    measured, predicted = numbers["residual_freq_measured"][-1], numbers["residual_freq_predicted"][-1]  # (T, F)
    usable = [i for i in np.argsort(freqs) if np.isfinite(measured[0, i]) and freqs[i] > 0]
    chosen = sorted({usable[int(j)] for j in np.linspace(0, len(usable) - 1, min(6, len(usable)))}, key=freqs.__getitem__)
    x = drawing.step_axis(c.checks[-1].run.steps)
    with drawing.styled():
        fig, (ax,) = drawing.figure(5.5, 3.8)
        _lines_and_markers(ax, x, predicted[:, chosen], measured[:, chosen], [f"|f| = {freqs[i]:g}" for i in chosen])
        values = np.concatenate([measured[:, chosen].ravel(), predicted[:, chosen].ravel()])
        values = values[np.isfinite(values) & (values > 0)]
        ax.set(xscale="log", yscale="log", xlabel=STEP_LABEL, ylabel="|residual_f| / |y_f|",
               ylim=(max(values.min() / 3, FLOOR * values.max()), 3 * values.max()),
               title=f"Residual per frequency, width {c.checks[-1].width}: lines NTK, circles networks")
        ax.legend(frameon=False, ncol=2)
    return _save(fig, out, "frequencies")


# ------------------------------------------------------------------------------------ what the numbers say


def _slash(values, form="{:.2f}") -> str:
    return " / ".join(form.format(v) for v in values)


def _exponent(value: float) -> str:
    return {-0.5: "-1/2", -1.0: "-1"}.get(value, f"{value:g}")


def _slope(fit: dict) -> str:
    """'-0.63 (95% interval -1.20 to -0.06 from 2 seeds; local slopes -0.61 / -0.65)'."""
    if "low" in fit:
        text = (f"{fit['slope']:.2f} ({100 * fit['level']:.0f}% interval {fit['low']:.2f} to {fit['high']:.2f} "
                f"from {fit['seeds']} seeds")
    else:
        text = f"{fit['slope']:.2f} (one seed: no interval"
    if len(fit["local_slopes"]) > 1:
        text += f"; local slopes {_slash(fit['local_slopes'])}"
    return text + ")"


def _verdict(fit: dict) -> str:
    """Whether a part's slope agrees with its perturbative exponent: 'consistent' only when the seed interval
    contains it."""
    expected = _exponent(fit["expected"])
    if fit["consistent"] is None:
        return f"no test of {expected} (a single seed gives no interval)"
    if not fit["consistent"]:
        return f"not consistent with {expected} (the interval excludes it)"
    text = f"consistent with {expected} (the interval contains it)"
    if fit.get("contains_other"):
        other = [_exponent(v) for v in (-0.5, -1.0) if v != fit["expected"]][0]
        text += f"; it also contains {other}: these widths do not tell the two laws apart"
    return text


PART_NAMES = {"total": "total deviation", "kernel": "kernel part (kernel fluctuation at initialisation; "
              "perturbative law width^-1/2)", "linearization": "linearisation part (the kernel's drift and the "
              "network's nonlinearity; perturbative law width^-1)"}
MISFIT = 0.25  # a two-term fit whose largest relative residual exceeds this does not describe the values


def _widths(widths) -> str:
    """'width 256' or 'widths 256 / 1024'."""
    return f"width {widths[0]}" if len(widths) == 1 else f"widths {_slash(widths, '{}')}"


def _two_power(name: str, fit: dict, widths: list) -> str:
    """One part's fit a w^-1/2 + b w^-1, and which term dominates in the measured range (only when the law
    describes the values: largest relative misfit at most `MISFIT`)."""
    text = (f"{name}: a = {fit['a']:.3g}, b = {fit['b']:.3g} (largest relative misfit "
            f"{100 * fit['max_rel_residual']:.0f}%)")
    if fit["max_rel_residual"] > MISFIT or fit["dominant"] == "undetermined":
        return text + f": the two-term law does not describe these values (misfit above {100 * MISFIT:.0f}%)."
    share = (f"the w^-1/2 term is {100 * fit['share_half_low']:.0f}% of it at width {widths[0]} and "
             f"{100 * fit['share_half_high']:.0f}% at width {widths[-1]}")
    dominant = {"x^-1/2": "the w^-1/2 term dominates across the measured range",
                "x^-1": "the w^-1 term dominates across the measured range",
                "crossover": "the w^-1 term dominates at the narrow end, the w^-1/2 term at the wide end"}
    return f"{text}: {share}; {dominant[fit['dominant']]}."


def law_sentences(numbers: dict) -> list[str]:
    """The report's statements on how the deviation falls with width, built only from ``numbers["width_laws"]``
    (`ntk_fourier.compare.fits.width_laws`): each qualitative sentence appears only when its number says so."""
    laws = numbers.get("width_laws")
    if not laws:
        return []
    widths = laws["widths"]
    at = f"at {_widths(widths)}"
    fits = laws["fits"]
    lines = ["## How the deviation falls with width", "",
             "Slopes of log deviation (max over steps, seed mean) against log width, with intervals from the spread "
             "of the per-seed slopes (Student t):", ""]
    if "total" in fits:
        lines.append(f"- {PART_NAMES['total']}: {_slope(fits['total'])}" + (
            "; no single power law is predicted for it: it is the sum of the two parts below." if "kernel" in fits
            else "."))
    for name in ("kernel", "linearization"):
        if name in fits:
            lines.append(f"- {PART_NAMES[name]}: {_slope(fits[name])}: {_verdict(fits[name])}.")
    per_step = [(label, numbers.get(key)) for label, key in (("total", "slope_per_step"),
                                                             ("kernel part", "slope_kernel_per_step"),
                                                             ("linearisation part", "slope_linearization_per_step"))]
    per_step = [(label, values) for label, values in per_step if values is not None]
    if per_step and "steps" in numbers:
        rows = [f"{t:g}: " + " / ".join(f"{float(v[i]):.2f}" for _, v in per_step)
                for i, t in enumerate(numbers["steps"]) if all(np.isfinite(float(v[i])) for _, v in per_step)]
        if rows:
            lines.append(f"- the same slopes of the seed means at each recorded step ("
                         f"{' / '.join(label for label, _ in per_step)}): {', '.join(rows)}.")
    lines.append("")
    share = laws.get("linearization_share")
    if share is not None:
        percent = _slash([100 * v for v in share], "{:.0f}%")
        lines.append({
            "linearization": f"The linearisation part (drift and nonlinearity) dominates the deviation at every "
                             f"measured width: it is {percent} of kernel + linearisation part {at}; the total follows "
                             "that part's dependence on width, not the kernel part's.",
            "kernel": f"The kernel part dominates the deviation at every measured width: the linearisation part is "
                      f"{percent} of kernel + linearisation part {at}; the total follows the kernel part's dependence "
                      "on width.",
            "mixed": f"Neither part dominates across the measured range: the linearisation part is {percent} of "
                     f"kernel + linearisation part {at}."}[laws["dominant_part"]])
        lines.append("")
    two = laws.get("two_power", {})
    if "kernel" in two or "linearization" in two:
        lines += ["Fits a w^-1/2 + b w^-1 (w the width; non-negative least squares on the seed means, relative "
                  "residuals):", ""]
        for name, label in (("kernel", "kernel part"), ("linearization", "linearisation part")):
            if name in two:
                lines.append(f"- {_two_power(label, two[name], widths)}")
        lines.append("")
    if "perturbative" in laws:
        drift = laws["max_ntk_drift"]
        outside = [i for i, p in enumerate(laws["perturbative"]) if not p]
        limit = f"{100 * laws['perturbative_drift']:.0f}%"
        if outside:
            lines.append(
                f"Outside the perturbative regime at {_widths([widths[i] for i in outside])}: the NTK moved by "
                f"{_slash([100 * drift[i] for i in outside], '{:.0f}%')} of its size during training (largest "
                f"relative drift >= {limit}), where the deviation is no longer a small series in width^-1/2 and "
                "width^-1; the fits above include "
                f"{'it' if len(outside) == 1 else 'them'}.")
            inside = laws.get("fits_perturbative", {})
            parts = [f"{label} slope {_slope(inside[name])}: {_verdict(inside[name])}"
                     for name, label in (("kernel", "kernel part"), ("linearization", "linearisation part"))
                     if name in inside]
            if parts:
                kept = [w for w, p in zip(widths, laws["perturbative"]) if p]
                lines.append(f"Over {_widths(kept)} alone: " + "; ".join(parts) + ".")
        else:
            lines.append(f"The NTK moved by less than {limit} of its size at every width (largest relative drift "
                         f"{_slash([100 * d for d in drift], '{:.0f}%')} {at}): within the perturbative regime by "
                         "this measure.")
        lines.append("")
    if "ensemble_z" in laws:
        z, bad = laws["ensemble_z"], laws["ensemble_inconsistent"]
        limit = f"{laws['z_consistent']:g}"
        head = (f"Seed mean vs infinite-ensemble mean (test points): z = {_slash(z, '{:.3g}')} {at} (about 1 when "
                "consistent).")
        seeds = (fits.get("total") or {}).get("seeds")
        average = f"the average of the {seeds} networks" if seeds else "the average of the networks"
        if all(bad):
            tail = (f"{average[0].upper()}{average[1:]} is inconsistent with the infinite-ensemble mean (z > {limit}) "
                    "at every width: it differs from it by far more than the spread of an average of that many "
                    "networks, a finite-width difference of the mean function, not seed noise.")
        elif not any(bad):
            tail = f"{average[0].upper()}{average[1:]} is consistent with it (z <= {limit}) at every width."
        else:
            tail = (f"{average[0].upper()}{average[1:]} is inconsistent with it (z > {limit}) at "
                    f"{_widths([w for w, b in zip(widths, bad) if b])} and consistent at "
                    f"{_widths([w for w, b in zip(widths, bad) if not b])}.")
        lines += [f"{head} {tail}", ""]
    return lines


def save_width(out: Path | str, config: dict, width: int, run, linear_run=None) -> None:
    """One width's training runs as ``out/runs/width_W.npz`` (and ``width_W_linear.npz``), in ``ntk-fourier train``'s
    format (sidecar: model at that width, lr, seeds, dtype, data SHA-256, provenance), so that ``compare --runs
    OUT/runs`` redraws and ``compare --resume`` skips them."""
    model = config.get("model")
    wide = model.replace(width=width) if hasattr(model, "replace") else model
    meta = dict(command="train", model=wide, lr=config.get("lr"), seeds=config.get("seeds"), optimizer="gd",
                dtype=config.get("dtype"), data_sha256=config.get("data_sha256"),
                provenance=config.get("provenance"))
    save_run(Path(out) / "runs" / f"width_{width}.npz", run, linearize=False, **meta)
    if linear_run is not None:
        save_run(Path(out) / "runs" / f"width_{width}_linear.npz", linear_run, linearize=True, **meta)


def copy_width(source: Path, runs: Path, width: int) -> None:
    """Copy one width's runs (width_W.npz, width_W_linear.npz and their sidecars) from ``source`` into ``runs``,
    byte for byte (atomically), so that they keep the record of how they were trained."""
    import shutil
    from ntk_fourier.results import atomic
    for name in (f"width_{width}.npz", f"width_{width}.json", f"width_{width}_linear.npz",
                 f"width_{width}_linear.json"):
        if (source / name).is_file() and not ((runs / name).exists() and (runs / name).samefile(source / name)):
            with atomic(runs / name) as temp:
                shutil.copyfile(source / name, temp)


def write(c: Comparison, out: Path | str, config: dict, save_runs: bool = True) -> dict:
    """Write ``comparison.json``, the figures and ``report.md`` into ``out`` (and, with ``save_runs``, every width's
    runs: `save_width`); returns the summary."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = config.get("model")
    if save_runs:
        for check in c.checks:
            if config.get("runs"):  # runs trained elsewhere: copied as they are, their own record kept
                copy_width(Path(config["runs"]), out / "runs", check.width)
            else:
                save_width(out, config, check.width, check.run, check.linear_run)
    numbers = summary(c)
    write_text(out / "comparison.json", json.dumps(_jsonable({**numbers, "config": config, "versions": versions()}),
                                                   indent=2) + "\n")
    figures = [f for f in (mode_figure(c, out), mse_figure(c, out), deviation_figure(numbers, out),
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
        f"{numbers['slope_test']:.3f} (test). Perturbation theory predicts width^-1/2 for the kernel's fluctuation "
        "at initialisation and width^-1 for its drift and the network's nonlinearity; the total follows whichever "
        "part dominates (below).", "",
        f"Slope of log deviation vs log width at each recorded step: {slopes}.", "",
        *law_sentences(numbers),
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
