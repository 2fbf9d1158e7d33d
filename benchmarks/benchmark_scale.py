"""Benchmark: per-device throughput of the kernel engine and of training, the same tiled pass on 1, 2 and 4 devices,
and the scaling model of docs/scale.md built from these numbers.

Measured, in one run on this machine: kernel entries per second of one tiled pass (``KernelOperator @ V``, NTK of a
4-layer ReLU MLP on raw 2D points, tile 4096, block of 108 vectors as block Lanczos uses for the top 100), the
floating-point operations per kernel entry (XLA's cost analysis of one tile), the achieved FLOP/s; the same pass
over 1, 2 and 4 devices (fresh processes with XLA_FLAGS=--xla_force_host_platform_device_count=N; on a CPU the
"devices" share its cores, so this checks the overhead of the sharded program, not a speed-up); training FLOP/s of
an ensemble (6 x parameters x points x steps x networks for forward and backward passes).

The scaling model: one pass over n points costs n (n + t) / 2 kernel entries x F FLOPs plus 2 n^2 b multiply-adds;
on P devices of rate R at efficiency e it takes that / (P R e), plus an all-reduce of the (n, b) result. Memory per
device: the replicated points, features and the block (n (d + 2 m + 2 b) floats), a few tiles; on the host, the
Krylov basis (n b passes floats). Printed as a table for 10^5, 10^6, 10^7 points on 1 to 64 GPUs.

    python -m benchmarks.benchmark_scale [--out docs/benchmarks/scale.json] [--n 8192] [--gpu-tflops 34] [--eff 0.3]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import ntk_fourier as nf
from benchmarks.common import machine, timed

MODEL = nf.Model(mapping=nf.Mapping("none"), depth=4)  # the benchmark_points model: raw 2D coordinates, 4 ReLU layers
TILE, BLOCK, PASSES = 4096, 108, 8  # block Lanczos for the top 100 (block k + 8) took 8 passes (benchmark_points)


def _points(n: int) -> np.ndarray:
    return np.random.default_rng(0).uniform(-1.0, 1.0, (n, 2))


def flops_per_entry(model: nf.Model, tile: int = 512) -> float:
    """XLA's count of floating-point operations for one (tile x tile) NTK + NNGP tile, per entry."""
    import jax
    with nf.float64():
        x = jax.numpy.asarray(_points(tile))
        compiled = jax.jit(nf.kernel_fn(model)).lower(x, x).compile()
        cost = compiled.cost_analysis()
        cost = cost[0] if isinstance(cost, (list, tuple)) else cost
        return float(cost["flops"]) / tile**2


def one_pass(n: int, mesh_devices: int | None) -> dict:
    """Seconds of one tiled pass (after a first pass that compiles), on ``mesh_devices`` devices (None: one, the
    one-device code path)."""
    from ntk_fourier import devices
    mesh = None if mesh_devices is None else devices.mesh(mesh_devices)
    op = nf.KernelOperator(MODEL, _points(n), execution=nf.Execution(mesh=mesh, tile=TILE, progress=False))
    V = np.random.default_rng(1).standard_normal((n, BLOCK))
    first, t_first = timed(lambda: op @ V)
    second, t_second = timed(lambda: op @ V)
    entries = n * (n + TILE) / 2
    return {"devices": mesh_devices or 1, "n": n, "first_pass_s": t_first, "pass_s": t_second,
            "entries_per_s": entries / t_second, "checksum": float(np.sum(second))}


def _pass_in_process(n: int, count: int) -> dict:
    code = (f"import json; from benchmarks.benchmark_scale import one_pass; "
            f"print(json.dumps(one_pass({n}, {count})))")
    env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={count}"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def training_rate(width: int = 512, depth: int = 3, n: int = 256, seeds: int = 8, steps: int = 200) -> dict:
    """FLOP/s of full-batch GD on an ensemble (float32): 6 x parameters x points x steps x networks."""
    data = nf.one_over_f(n=2 * n, stride=2)
    model = nf.Model(mapping=nf.Mapping("gaussian", sigma=10.0, features=256), depth=depth, width=width)
    run = lambda: nf.train(model, data["x_train"], data["y_train"], data["x_test"], data["y_test"],  # noqa: E731
                           lr=0.1, steps=[0, steps], seeds=seeds, execution=nf.QUIET)
    run()  # compile
    _, seconds = timed(run)
    params = (2 * 256 + 1) * width + (depth - 1) * (width + 1) * width + width + 1
    flops = 6.0 * params * n * steps * seeds
    return {"width": width, "depth": depth, "points": n, "seeds": seeds, "steps": steps, "parameters": params,
            "seconds": seconds, "gflops": flops / seconds / 1e9}


def scaling_model(f_entry: float, rate: float, eff: float, tile: int = TILE, block: int = BLOCK,
                  passes: int = PASSES, link_gbs: float = 25.0) -> list[dict]:
    """Time and memory of the top-100 eigenpairs (``passes`` passes) for 10^5..10^7 points on 1..64 devices."""
    rows = []
    for n in (10**5, 10**6, 10**7):
        for p in (1, 8, 64):
            compute = (n * (n + tile) / 2 * f_entry + 2.0 * n * n * block) / (p * rate * eff)
            reduce = 0.0 if p == 1 else 2.0 * 8 * n * block / (link_gbs * 1e9)  # ring all-reduce of (n, b)
            rows.append({"n": n, "devices": p, "pass_s": compute + reduce, "top100_s": passes * (compute + reduce),
                         "allreduce_s": reduce, "device_gb": 8.0 * n * (2 + 2 * block) / 1e9 + 10 * 8 * tile**2 / 1e9,
                         "host_basis_gb": 8.0 * n * block * passes / 1e9})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks/scale.json"))
    parser.add_argument("--n", type=int, default=8192, help="points of the measured pass (default 8192)")
    parser.add_argument("--gpu-tflops", type=float, default=34.0, help="a GPU's float64 rate, TFLOP/s (H100 SXM, "
                        "vector units: 34)")
    parser.add_argument("--eff", type=float, default=0.3, help="fraction of that rate the engine reaches (assumed)")
    args = parser.parse_args()
    f_entry = flops_per_entry(MODEL)
    single = one_pass(args.n, None)
    sharded = [_pass_in_process(args.n, count) for count in (1, 2, 4)]
    train = training_rate()
    result = {"machine": machine(), "model": "raw 2D inputs, 4 hidden ReLU layers (ntk), NTK", "tile": TILE,
              "block": BLOCK, "flops_per_entry": f_entry, "one_device": single,
              "achieved_gflops": single["entries_per_s"] * f_entry / 1e9,
              "devices": sharded,
              "ratio_pass_s_vs_one_device": [s["pass_s"] / single["pass_s"] for s in sharded],
              "checksums_equal": bool(np.allclose([s["checksum"] for s in sharded], single["checksum"],
                                                  rtol=1e-12, atol=0)),
              "training": train,
              "model_assumptions": {"gpu_tflops": args.gpu_tflops, "efficiency": args.eff, "passes": PASSES,
                                    "link_gb_per_s": 25.0},
              "scaling_model": scaling_model(f_entry, args.gpu_tflops * 1e12, args.eff)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"flops per kernel entry (XLA cost analysis): {f_entry:.0f}")
    print(f"one device: {single['entries_per_s']:.3g} entries/s, {result['achieved_gflops']:.2f} GFLOP/s, "
          f"pass {single['pass_s']:.2f} s at n = {args.n}")
    for s, r in zip(sharded, result["ratio_pass_s_vs_one_device"]):
        print(f"{s['devices']} device(s): pass {s['pass_s']:.2f} s (x{r:.2f} of one device)")
    print(f"training: {train['gflops']:.1f} GFLOP/s; checksums equal: {result['checksums_equal']}")
    for row in result["scaling_model"]:
        print(f"n = {row['n']:.0e} on {row['devices']:>2} GPU(s): pass {row['pass_s']:.3g} s, top-100 "
              f"{row['top100_s']:.3g} s, device {row['device_gb']:.2g} GB, host basis {row['host_basis_gb']:.2g} GB")


if __name__ == "__main__":
    main()
