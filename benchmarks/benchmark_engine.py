"""Benchmark: the kernel engine (plain JAX, `Execution(engine="native")`) against neural-tangents (`engine="neural-tangents"`)
on the same work, side by side in one run, and the peak memory of a 16,384-point dense kernel.

Work: NTK + NNGP in float64 of 4 hidden ReLU layers (ntk parameterization, b_std 0.1) on n points, for
(a) a 1D grid with 256 Gaussian Fourier features (sigma 10) and (b) raw 2D inputs uniform on [-1, 1]^2; n = 4096 and
8192. Both engines go through `ntk_fourier.kernels` (symmetric tiles computed once; each engine at its default tile,
the faster for it); each timing is the best of ``--repeats`` calls after a compiling call. Run it in the reference
environment (neural-tangents needs JAX < 0.6), so both engines share one JAX (0.5.3); with ``--main-python`` the
native engine is also timed on the main environment's current JAX (a child process), the JAX users run it on.

    .venv-ref/bin/python -m benchmarks.benchmark_engine [--out docs/benchmarks/engine.json] [--sizes 4096,8192]
                         [--main-python .venv/bin/python]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import ntk_fourier as nf
from benchmarks.common import machine
from ntk_fourier.results import versions

CASES = {
    "gaussian-1d": (nf.Model(mapping=nf.Mapping("gaussian", sigma=10.0, features=256), depth=4),
                    "1D grid on [0, 1), 256 Gaussian Fourier features (sigma 10)"),
    "raw-2d": (nf.Model(mapping=nf.Mapping("none"), depth=4), "raw 2D inputs uniform on [-1, 1]^2"),
}
MODEL_TEXT = "4 hidden ReLU layers, ntk parameterization, w_std sqrt(2), b_std 0.1; NTK + NNGP, float64"


def points(case: str, n: int) -> np.ndarray:
    return nf.grid((n,)) if case == "gaussian-1d" else np.random.default_rng(0).uniform(-1.0, 1.0, (n, 2))


def best_time(model, x, engine: str, repeats: int) -> float:
    nf.kernels(model, x[:1024], execution=nf.Execution(engine=engine, progress=False))  # compile the tiles
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        nf.kernels(model, x, execution=nf.Execution(engine=engine, progress=False))
        times.append(time.perf_counter() - start)
    return min(times)


def memory_child(n: int) -> None:
    """In a child process: one dense n-point kernel with the native engine; prints seconds and peak RSS (GB)."""
    model = CASES["raw-2d"][0]
    start = time.perf_counter()
    k = nf.kernels(model, points("raw-2d", n), execution=nf.QUIET)
    seconds = time.perf_counter() - start
    assert k.ntk.shape == (n, n) and np.isfinite(k.ntk[-1, -1])
    print(json.dumps({"n": n, "seconds": seconds,
                      "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
                      "results_gb": 2 * n * n * 8 / 2**30}))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4096,8192")
    parser.add_argument("--engines", default="native,neural-tangents")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--memory", type=int, default=16384, help="points of the memory run (0: skip)")
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks/engine.json"))
    parser.add_argument("--main-python", help="also time the native engine with this Python (the main environment)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--time-child", help=argparse.SUPPRESS)  # CASE:N -> native seconds on this JAX
    args = parser.parse_args(argv)
    if args.child:
        memory_child(args.child)
        return {}
    if args.time_child:
        case, n = args.time_child.split(":")
        import jax
        print(json.dumps({"seconds": best_time(CASES[case][0], points(case, int(n)), "native", args.repeats),
                          "jax": jax.__version__}))
        return {}
    engines = args.engines.split(",")
    rows = []
    for case, (model, text) in CASES.items():
        for n in (int(s) for s in args.sizes.split(",")):
            x = points(case, n)
            row = {"case": case, "n": n, **{f"{e}_s": best_time(model, x, e, args.repeats) for e in engines}}
            if len(engines) == 2:
                row["speedup"] = row[f"{engines[1]}_s"] / row[f"{engines[0]}_s"]
            if args.main_python:
                child = subprocess.run([args.main_python, "-m", "benchmarks.benchmark_engine", "--time-child",
                                        f"{case}:{n}", "--repeats", str(args.repeats)], capture_output=True,
                                       text=True, check=True)
                timing = json.loads(child.stdout.strip().splitlines()[-1])
                row["native_main_env_s"], row["main_env_jax"] = timing["seconds"], timing["jax"]
                if "neural-tangents_s" in row:
                    row["speedup_main_env"] = row["neural-tangents_s"] / timing["seconds"]
            rows.append(row)
            print(json.dumps(row), flush=True)
    memory = None
    if args.memory:
        child = subprocess.run([sys.executable, "-m", "benchmarks.benchmark_engine", "--child", str(args.memory)],
                               capture_output=True, text=True, check=True)
        memory = json.loads(child.stdout.strip().splitlines()[-1])
        print(json.dumps(memory), flush=True)
    result = {"machine": machine(), "versions": versions(),
              "xla_flags": os.environ.get("XLA_FLAGS", ""), "model": MODEL_TEXT,
              "cases": {k: v[1] for k, v in CASES.items()}, "repeats": args.repeats, "rows": rows,
              "memory": memory}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
