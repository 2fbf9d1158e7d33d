"""Benchmark: a sweep over 64 models, vmapped in one compiled call against Python loops, on this machine, in one run.

64 models of one structure (a 4-layer ReLU MLP), two tasks, each at a small and a larger size:

- spectra: 64 values of the power mapping's exponent p (0 to 3, 128 integer frequencies): each model's exact NTK
  spectrum on the 1D grid of 64 and of 1024 points (the FFT of one kernel row);
- predictions: 64 values of the Gaussian mapping's sigma (geometric, 1 to 128; 256 features): each model's predicted
  test MSE after 1000 steps of gradient flow on the 1D 1/f problem, with 16 and 64 training points (and 3 times as
  many test points), from its kernels.

Three ways, in float64: a loop over the NumPy conveniences (`nf.grid_spectrum`; `nf.kernels` + `nf.predict`), a loop
over the pure functions under one ``jax.jit`` (compiled once, called 64 times), and ``jax.vmap`` over the stacked
models (`nf.model.stack`) under ``jax.jit`` (one call). Wall time with compilation (the first call or loop) and in
steady state (the fastest of 3 repeats), and the largest relative difference of the results to the NumPy loop.

    python -m benchmarks.benchmark_sweep [--out docs/benchmarks/sweep.json]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import ntk_fourier as nf
from benchmarks.common import machine, timed


def best(fn, repeats: int = 3) -> float:
    """The fastest of ``repeats`` runs of ``fn`` (steady state: compiled programs cached), in seconds."""
    return min(timed(fn)[1] for _ in range(repeats))

SIGMAS = np.geomspace(1.0, 128.0, 64)
POWERS = np.linspace(0.0, 3.0, 64)
STEPS = 1000.0


def _gaussian_models():
    base = nf.Model(nf.Mapping("gaussian", features=256), depth=4)
    return [base.replace(mapping=base.mapping.replace(sigma=float(s))) for s in SIGMAS]


def _power_models():
    base = nf.Model(nf.Mapping("power", features=128), depth=4)
    return [base.replace(mapping=base.mapping.replace(p=float(p))) for p in POWERS]


def spectra(models, grid: int) -> dict:
    import jax
    from ntk_fourier.core import spectrum
    GRID = (grid,)

    def numpy_loop():
        out = []
        for m in models:
            s = nf.grid_spectrum(m, GRID, execution=nf.QUIET)
            out.append(s.eigenvalues)
        return np.array(out)

    one = jax.jit(lambda m: spectrum.grid_spectrum(m, GRID))
    batched = jax.jit(jax.vmap(lambda m: spectrum.grid_spectrum(m, GRID)))
    stacked = nf.model.stack(models)
    with nf.float64():
        reference, t_numpy = timed(numpy_loop)
        t_numpy_again = best(numpy_loop)
        pure, t_pure = timed(lambda: np.array([np.asarray(one(m)) for m in models]))
        t_pure_again = best(lambda: np.array([np.asarray(one(m)) for m in models]))
        swept, t_vmap = timed(lambda: np.asarray(batched(stacked)))
        t_vmap_again = best(lambda: np.asarray(batched(stacked)))
    # the conveniences sort descending, the pure function keeps FFT order: compare sorted, relative to lambda_max
    diff = max(np.max(np.abs(np.sort(a, 1) - np.sort(reference, 1)) / np.max(np.abs(reference), 1, keepdims=True))
               for a in (pure, swept))
    return {"numpy_loop_s": [t_numpy, t_numpy_again], "jit_loop_s": [t_pure, t_pure_again],
            "vmap_s": [t_vmap, t_vmap_again], "max_relative_difference": float(diff)}


def predictions(models, n_train: int) -> dict:
    import jax
    import jax.numpy as jnp
    from ntk_fourier.core import dynamics
    data = nf.one_over_f(n=4 * n_train, stride=4, alpha=1.0, seed=0)
    xt, yt, xs, ys = data["x_train"], data["y_train"], data["x_test"], data["y_test"]
    lr = 1.0

    def numpy_loop():
        out = []
        for m in models:
            kt = nf.kernels(m, xt, execution=nf.QUIET).ntk
            ks = nf.kernels(m, xs, xt, execution=nf.QUIET).ntk
            out.append(nf.predict(kt, yt, lr=lr, steps=[STEPS], ntk_test=ks, y_test=ys, flow=True).mse_test[0])
        return np.array(out)

    def error(m):
        f = nf.kernel_fn(m)
        out = dynamics.predict(f(xt).ntk, yt, STEPS, lr=lr, ntk_test=f(xs, xt).ntk, flow=True)
        return jnp.mean((out.f_test[:, 0] - ys) ** 2)

    one, batched = jax.jit(error), jax.jit(jax.vmap(error))
    stacked = nf.model.stack(models)
    with nf.float64():
        reference, t_numpy = timed(numpy_loop)
        t_numpy_again = best(numpy_loop)
        pure, t_pure = timed(lambda: np.array([float(one(m)) for m in models]))
        t_pure_again = best(lambda: np.array([float(one(m)) for m in models]))
        swept, t_vmap = timed(lambda: np.asarray(batched(stacked)))
        t_vmap_again = best(lambda: np.asarray(batched(stacked)))
    diff = max(float(np.max(np.abs(a - reference) / np.abs(reference))) for a in (pure, swept))
    return {"numpy_loop_s": [t_numpy, t_numpy_again], "jit_loop_s": [t_pure, t_pure_again],
            "vmap_s": [t_vmap, t_vmap_again], "max_relative_difference": diff}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = {"machine": machine(), "models": 64}
    for grid in (64, 1024):
        result[f"spectra, grid {grid}"] = spectra(_power_models(), grid)
    for n_train in (16, 64):
        result[f"predictions, {n_train} training points"] = predictions(_gaussian_models(), n_train)
    for task, r in result.items():
        if not isinstance(r, dict):
            continue
        print(f"{task}: 64 models, seconds (with compilation / steady state)")
        for key, label in (("numpy_loop_s", "loop over the NumPy conveniences"), ("jit_loop_s", "loop over jit"),
                           ("vmap_s", "vmap, one call")):
            print(f"  {label:<34} {r[key][0]:8.3f} / {r[key][1]:8.3f}")
        print(f"  vmap speed-up over the NumPy loop: {r['numpy_loop_s'][0] / r['vmap_s'][0]:.1f}x with compilation, "
              f"{r['numpy_loop_s'][1] / r['vmap_s'][1]:.1f}x steady; over the jit loop: "
              f"{r['jit_loop_s'][0] / r['vmap_s'][0]:.1f}x / {r['jit_loop_s'][1] / r['vmap_s'][1]:.1f}x")
        print(f"  largest relative difference to the NumPy loop: {r['max_relative_difference']:.2e}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
