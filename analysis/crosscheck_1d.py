"""Finite networks vs the NTK prediction on the 1D setting of Tancik et al. (2020), for three models.

256-point grid on [0, 1), training on every 8th point (32 points), testing on the other 224, a 1/f signal
(`ntk_fourier.datasets.one_over_f`, seed 0). For each model: networks of each width trained by full-batch gradient
descent at half the largest stable rate of the analytic NTK, compared with the NTK prediction from each network's
own f(0) (`ntk_fourier.compare`). Writes OUT/<model>/{comparison.json, report.md, figures} and OUT/summary.md.

    python -m analysis.crosscheck_1d --out docs/crosscheck [--widths 256,1024,4096] [--seeds 2] [--quick]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import ntk_fourier as nf

STEPS = [0, 1, 3, 10, 30, 100, 300, 1000]


def models(depth: int) -> dict[str, nf.Model]:
    return {
        "gaussian_relu": nf.Model(mapping=nf.Mapping("gaussian", sigma=10.0, features=256), depth=depth),
        "none_relu": nf.Model(mapping=nf.Mapping("none"), depth=depth),
        "siren": nf.siren_model(depth=depth),
    }


SWEEP_STEPS = (10, 100, 1000)  # the steps of the summary's sweep table


def _at(values, steps, step):
    return values[list(steps).index(step)] if step in steps else float("nan")


def _number(v: float) -> str:
    return f"{v:.4f}" if v >= 1e-3 or v == 0 else f"{v:.1e}"


def _law_cells(laws: dict) -> list[str]:
    """The cells of the summary's width-law table for one model (`ntk_fourier.compare.fits.width_laws`)."""
    def slope(name):
        fit = laws["fits"].get(name)
        if fit is None:
            return ["-", "-"]
        interval = f" ({fit['low']:.2f} to {fit['high']:.2f})" if "low" in fit else ""
        verdict = {True: "yes", False: "no", None: "no interval"}[fit["consistent"]]
        return [f"{fit['slope']:.2f}{interval}", verdict]

    def ab(name):
        fit = laws["two_power"].get(name)
        return "-" if fit is None else f"{fit['a']:.3g}, {fit['b']:.3g}"

    outside = [str(w) for w, p in zip(laws["widths"], laws.get("perturbative", [])) if not p]
    return [laws.get("dominant_part", "-").replace("linearization", "linearisation"), *slope("kernel"),
            *slope("linearization"), ab("kernel"), ab("linearization"), ", ".join(outside) or "none",
            " / ".join(f"{z:.3g}" for z in laws.get("ensemble_z", []))]


def run(out: Path, widths, seeds: int, depth: int, steps, redraw: bool = False, dtype: str = "float64",
        execution: nf.Execution = nf.Execution()) -> dict:
    """Train and compare (or, with ``redraw``, re-compare the runs saved in OUT/<model>/runs without training):
    networks and their linearised twins, in ``dtype`` (float64: gaps below float32 round-off stay visible)."""
    data = nf.one_over_f(n=256, stride=8, seed=0)
    table = {}
    for name, model in models(depth).items():
        start = time.perf_counter()
        ntk = nf.kernels(model.replace(width=max(widths)), data["x_train"], execution=nf.QUIET).ntk
        lr = 0.5 * nf.max_stable_lr(np.linalg.eigvalsh(ntk), data["y_train"].size)
        runs = {w: nf.load_run(out / name / "runs" / f"width_{w}.npz") for w in widths} if redraw else None
        linear = ({w: nf.load_run(out / name / "runs" / f"width_{w}_linear.npz") for w in widths}
                  if redraw else None)
        comparison = nf.cross_check(model, data, widths, seeds=seeds, lr=lr, steps=steps, seed=0, runs=runs,
                                    linear_runs=linear, dtype=np.dtype(dtype).type, execution=execution)
        config = {"model": model, "lr": lr, "seeds": seeds, "widths": list(widths), "steps": list(steps),
                  "data": "one_over_f(n=256, stride=8, seed=0)", "dtype": dtype}
        table[name] = {**nf.report.write(comparison, out / name, config, save_runs=not redraw), "lr": lr,
                       "seconds": time.perf_counter() - start}
        print(f"{name}: deviation {np.round(table[name]['deviation'], 4)} slope {table[name]['slope']:.3f} "
              f"({table[name]['seconds']:.0f} s)", flush=True)
    lines = ["# Cross-check summary: networks vs NTK prediction (1D, Tancik et al. setting)", "",
             f"Depth {depth}, {seeds} seeds per width, GD at half the largest stable rate, steps {list(steps)}.", "",
             "| model | " + " | ".join(f"width {w}" for w in widths) + " | slope | max NTK drift (widest) |",
             "|---|" + "---|" * (len(widths) + 2)]
    for name, t in table.items():
        lines.append(f"| [{name}]({name}/report.md) | " + " | ".join(f"{d:.4f}" for d in t["deviation"])
                     + f" | {t['slope']:.3f} | {t['max_ntk_drift'][-1]:.4f} |")
    lines += ["", "Deviation at fixed steps (seed means; same definition), and its two parts: kernel = linearised "
              "network vs NTK prediction (finite-width kernel fluctuation), lin. = network vs linearised network "
              "(drift and nonlinearity). Slope: log-log against width at that step.", "",
              "| model | step | " + " | ".join(f"width {w}: total / kernel / lin." for w in widths)
              + " | slope total / kernel / lin. |", "|---|---|" + "---|" * (len(widths) + 1)]
    for name, t in table.items():
        for step in SWEEP_STEPS:
            if step not in steps:
                continue
            cells = []
            for i in range(len(widths)):
                parts = [t["deviation_curve_mean"][i]] + ([t["deviation_kernel_curve_mean"][i],
                                                            t["deviation_linearization_curve_mean"][i]]
                                                           if "deviation_kernel_curve_mean" in t else [])
                cells.append(" / ".join(_number(_at(p, steps, step)) for p in parts))
            slopes = [t["slope_per_step"]] + ([t["slope_kernel_per_step"], t["slope_linearization_per_step"]]
                                              if "slope_kernel_per_step" in t else [])
            lines.append(f"| {name} | {step} | " + " | ".join(cells) + " | "
                         + " / ".join(f"{float(_at(s_, steps, step)):.2f}" for s_ in slopes) + " |")
    lines += ["", "How each part falls with width (`report.md` of each model): log-log slope of the seed means with "
              "its 95% interval from the per-seed slopes (wide with few seeds), against the perturbative law (kernel "
              "part: width^-1/2, linearisation part: width^-1; 'yes' when the interval contains it: consistent, "
              "which with a wide interval is a weak test); the fits a w^-1/2 + b w^-1; "
              "which part is the larger; the widths where the NTK moved by 100% of its size or more (outside the "
              "perturbative regime); the seed mean vs infinite-ensemble mean z (about 1 when consistent).", "",
              "| model | larger part | kernel slope | -1/2 in interval | linearisation slope | -1 in interval | "
              "a, b (kernel) | a, b (lin.) | non-perturbative widths | z |", "|---|" + "---|" * 9]
    for name, t in table.items():
        lines.append(f"| {name} | " + " | ".join(_law_cells(t["width_laws"])) + " |")
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    (out / "summary.json").write_text(json.dumps(table, indent=2, default=str) + "\n")
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/crosscheck"))
    parser.add_argument("--widths", default="256,1024,4096")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="toy sizes (smoke test)")
    parser.add_argument("--redraw", action="store_true", help="re-compare the saved runs in OUT, no training")
    parser.add_argument("--dtype", default="float64", choices=("float32", "float64"))
    args = parser.parse_args(argv)
    widths = [int(w) for w in args.widths.split(",")]
    steps = [0, 1, 10, 30] if args.quick else STEPS
    run(args.out, widths, args.seeds, args.depth, steps, redraw=args.redraw, dtype=args.dtype,
        execution=nf.Execution(progress=not args.quick))


if __name__ == "__main__":
    main()
