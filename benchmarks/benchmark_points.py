"""Benchmark: top-K spectra, dynamics and kernel regression of a non-stationary kernel (raw-input ReLU MLP) on
arbitrary points, matrix-free (kernel computed in tiles; block Lanczos; conjugate gradients) vs dense
(neural-tangents kernel + LAPACK eigh / solve), in one run.

Dense at the largest size it handles comfortably here (--dense, default 8192: 0.5 GB per kernel, eigh O(n^3));
matrix-free at --large points (default 65,536: the dense kernel alone would need 34 GB) in a child process whose
peak memory (ru_maxrss) is reported, with --cache bytes for kept kernel tiles (default: half the free memory; 0:
none). The child says on stderr where its time goes (each kernel pass, Lanczos pass and CG iteration), and the
summary gives the time of every pass beside the engine's dense throughput measured in the same process. Prints a
summary and writes OUT.json.

    python -m benchmarks.benchmark_points [--out docs/benchmarks/points.json] [--dense 8192] [--large 65536] [--top 100]
                                          [--cache 16GB]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import ntk_fourier as nf
from benchmarks.common import best_time, machine, timed
from ntk_fourier import memory

MODEL = nf.Model(mapping=nf.Mapping("none"), depth=4)  # raw 2D coordinates, 4 hidden ReLU layers, bias 0.1
RIDGE = 1e-4  # kernel regression's ridge, relative to lambda_max
DESCRIPTION = "raw 2D inputs (no mapping), 4 hidden ReLU layers, ntk parameterization, b_std 0.1"


def _points(n: int) -> np.ndarray:
    return np.random.default_rng(0).uniform(-1.0, 1.0, (n, 2))



def _target(x: np.ndarray) -> np.ndarray:
    return np.sin(3 * np.pi * x[:, 0]) * np.cos(2 * np.pi * x[:, 1])  # a smooth 2D pattern to fit


def _dense_throughput(n: int = 4096) -> float:
    """Kernel entries per second of one dense ``nf.kernels`` (NTK and NNGP) on n points, compiled first."""
    x = _points(n)
    return n * n / best_time(lambda: nf.kernels(MODEL, x, execution=nf.QUIET))


def pass_entries(n: int, tile: int = nf.kernel.operators.TILE) -> int:
    """Kernel entries one symmetric pass over n points computes: the tiles on and above the diagonal."""
    return sum(min(tile, n - i) * (n - i) for i in range(0, n, tile))


def large(n: int, top: int, cache: int | None = None) -> dict:
    """The matrix-free run (in its own process, so its peak memory is its own)."""
    execution = nf.Execution(cache=cache)  # status lines on stderr: each kernel pass, Lanczos pass, CG iteration
    dense_rate = _dense_throughput()
    x = _points(n)
    e, t_top = timed(lambda: nf.top_eigenpairs_points(MODEL, x, top, execution=execution))
    rss_eigenpairs = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    lr = 0.5 * nf.max_stable_lr(e.values, n)
    steps = [0, 10, 100, 1000, 10000]
    p, t_predict = timed(lambda: nf.predict_top(e.values, e.vectors, _target(x), lr=lr, steps=steps,
                                                 residuals=e.residuals))
    xs = np.random.default_rng(1).uniform(-1.0, 1.0, (4096, 2))
    ridge = RIDGE * float(e.values[0])
    r, t_cg = timed(lambda: nf.regress_points(MODEL, x, _target(x), x_test=xs, y_test=_target(xs), ridge=ridge,
                                               eigenpairs=(e.values, e.vectors), max_iter=300,
                                               execution=execution))
    return {"n": n, "top_k": top, "seconds": t_top, "passes": e.passes,
            "seconds_per_pass": t_top / e.passes, "pass_seconds": e.pass_seconds, "cache_bytes": cache,
            "dense_entries_per_s": dense_rate, "first_pass_entries_per_s": pass_entries(n) / e.pass_seconds[0],
            "max_relative_residual": float(np.max(e.residuals / e.values)),
            "eigenvalues_first_last": [float(e.values[0]), float(e.values[-1])],
            "peak_rss_gb_after_eigenpairs": rss_eigenpairs,
            "dense_kernel_gb": n * n * 8 / 2**30,
            "dynamics": {"lr": lr, "steps": steps, "seconds": t_predict, "mse_train": p.mse_train.tolist(),
                         "error_bound_rms": p.error_bound.tolist()},
            "regression": {"ridge": ridge, "preconditioner": f"top {top} eigenpairs (above)", "seconds": t_cg,
                           "iterations": r.iterations, "pass_seconds": r.pass_seconds,
                           "test_prediction_s": r.test_seconds, "converged": r.converged,
                           "max_relative_residual": float(np.max(r.relative_residuals)), "test_points": len(xs),
                           "mse_test": r.mse_test, "mse_train": float(np.mean((r.f_train - _target(x)[:, None]) ** 2))},
            "peak_rss_gb_end": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}


def dense(n: int, top: int, engine: str) -> dict:
    x = _points(n)
    nf.kernels(MODEL, x[:64], execution=nf.Execution(engine=engine, progress=False))  # compile outside the timings
    K, t_kernel = timed(lambda: nf.kernels(MODEL, x, execution=nf.Execution(engine=engine, progress=False)).ntk)
    exact, t_eigh = timed(lambda: np.linalg.eigvalsh(K)[::-1])
    del K
    e, t_top = timed(lambda: nf.top_eigenpairs_points(MODEL, x, top, execution=nf.QUIET))
    K, t_kernel2 = timed(lambda: nf.kernels(MODEL, x, execution=nf.Execution(engine=engine, progress=False)).ntk)
    y, ridge = _target(x)[:, None], RIDGE * float(exact[0])
    alpha, t_solve = timed(lambda: np.linalg.solve(K + ridge * np.eye(n), y))
    del K
    plain, t_plain = timed(lambda: nf.regress_points(MODEL, x, y, ridge=ridge, max_iter=1000, execution=nf.QUIET))
    deflated, t_deflated = timed(lambda: nf.regress_points(MODEL, x, y, ridge=ridge, eigenpairs=(e.values, e.vectors),
                                                            max_iter=1000, execution=nf.QUIET))

    def error(r):
        return float(np.linalg.norm(r.alpha - alpha) / np.linalg.norm(alpha))

    regression = {"ridge": ridge, "dense_kernel_plus_solve_s": t_kernel2 + t_solve,
                  "cg_s": t_plain, "cg_iterations": plain.iterations, "cg_alpha_relative_error": error(plain),
                  "deflated_cg_s_incl_top_k": t_deflated + t_top, "deflated_cg_iterations": deflated.iterations,
                  "deflated_cg_alpha_relative_error": error(deflated),
                  "ratio_cg_iterations_plain_over_deflated": plain.iterations / deflated.iterations}
    return {"n": n, "top_k": top, "dense_engine": engine, "nt_kernel_s": t_kernel, "eigvalsh_s": t_eigh,
            "matrix_free_s": t_top, "passes": e.passes, "matrix_free_s_per_pass": t_top / e.passes,
            "max_relative_error_vs_eigvalsh": float(np.max(np.abs(e.values - exact[:top]) / exact[:top])),
            "ratio_dense_over_matrix_free": (t_kernel + t_eigh) / t_top,
            "ratio_nt_kernel_over_one_pass": t_kernel * e.passes / t_top, "regression": regression}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks/points.json"))
    parser.add_argument("--dense", type=int, default=8192, help="points of the dense comparison (0: skip)")
    parser.add_argument("--dense-engine", default="neural-tangents", choices=nf.ENGINES,
                        help="engine of the dense kernel (default neural-tangents: run in the reference environment)")
    parser.add_argument("--large", type=int, default=65536)
    parser.add_argument("--top", type=int, default=100)
    parser.add_argument("--cache", type=lambda text: memory.parse_size(text, zero=True, name="--cache"),
                        help="bytes for kept kernel tiles in the large run, e.g. "
                        "16GB (default: half the free memory)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)  # internal: run `large` and write here
    args = parser.parse_args(argv)
    if args.worker is not None:
        args.worker.write_text(json.dumps(large(args.large, args.top, args.cache)))
        return
    result = {"machine": machine(), "model": DESCRIPTION, "points": "uniform on [-1, 1]^2, seed 0"}
    if args.dense > 0:
        result["dense"] = d = dense(args.dense, args.top, args.dense_engine)
        _print_dense(d, args.top)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "large.json"
        subprocess.run([sys.executable, "-m", "benchmarks.benchmark_points", "--worker", str(out), "--large",
                        str(args.large), "--top", str(args.top)] + ([] if args.cache is None else
                                                                     ["--cache", str(args.cache)]), check=True)
        result["large"] = g = json.loads(out.read_text())
    _print_large(g, args.top)
    result["target_8gb_met"] = g["peak_rss_gb_end"] <= 8.0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")



def _print_dense(d: dict, top: int) -> None:
    print(f"dense {d['n']} points: {d['dense_engine']} kernel {d['nt_kernel_s']:.2f} s + eigvalsh {d['eigvalsh_s']:.2f} "
          f"s; matrix-free top-{top} {d['matrix_free_s']:.2f} s in {d['passes']} passes (one pass, kernel "
          f"tiles + products: {d['ratio_nt_kernel_over_one_pass']:.1f}x faster than the dense kernel) "
          f"({d['ratio_dense_over_matrix_free']:.1f}x faster, max relative error "
          f"{d['max_relative_error_vs_eigvalsh']:.1e})", flush=True)
    g = d["regression"]
    print(f"kernel regression at {d['n']} points (ridge {RIDGE:g} lambda_max): dense ({d['dense_engine']} kernel + "
          f"LAPACK solve) {g['dense_kernel_plus_solve_s']:.1f} s; CG {g['cg_s']:.1f} s ({g['cg_iterations']} "
          f"iterations, error {g['cg_alpha_relative_error']:.1e}); CG deflating the top {top} "
          f"{g['deflated_cg_s_incl_top_k']:.1f} s incl. the eigenpairs ({g['deflated_cg_iterations']} iterations, "
          f"{g['ratio_cg_iterations_plain_over_deflated']:.1f}x fewer; error {g['deflated_cg_alpha_relative_error']:.1e})",
          flush=True)


def _print_large(g: dict, top: int) -> None:
    print(f"matrix-free {g['n']} points: kernel passes {', '.join(f'{t:.1f}' for t in g['pass_seconds'])} s; the "
          f"first (every tile computed) {g['first_pass_entries_per_s'] / 1e6:.1f}M entries/s, dense kernel "
          f"{g['dense_entries_per_s'] / 1e6:.1f}M entries/s in the same process (ratio "
          f"{g['first_pass_entries_per_s'] / g['dense_entries_per_s']:.2f})")
    print(f"matrix-free {g['n']} points: top-{top} in {g['seconds']:.0f} s ({g['passes']} passes, "
          f"{g['seconds_per_pass']:.0f} s each on average), peak memory {g['peak_rss_gb_after_eigenpairs']:.2f} GB (dense kernel alone: "
          f"{g['dense_kernel_gb']:.0f} GB), max residual / eigenvalue {g['max_relative_residual']:.1e}; dynamics "
          f"from the top {top}: {g['dynamics']['seconds']:.2f} s, error bound (RMS) "
          f"{', '.join(f'{b:.1e}' for b in g['dynamics']['error_bound_rms'])} at steps {g['dynamics']['steps']}")
    r = g["regression"]
    print(f"kernel regression at {g['n']} points by CG deflating those eigenpairs: {r['seconds']:.0f} s "
          f"(kernel passes {', '.join(f'{t:.1f}' for t in r['pass_seconds'])} s; test predictions "
          f"{r['test_prediction_s']:.1f} s), {r['iterations']} iterations "
          f"({'converged' if r['converged'] else 'NOT converged'}, residual "
          f"{r['max_relative_residual']:.1e}), train MSE {r['mse_train']:.2e}, test MSE on {r['test_points']} points "
          f"{r['mse_test']:.2e}; peak memory at the end {g['peak_rss_gb_end']:.2f} GB")


if __name__ == "__main__":
    main()
