"""Benchmark: ensemble training as one vmapped, jit-compiled program vs a per-model PyTorch loop written the usual
way, and the achieved FLOP/s as a fraction of this machine's matrix-multiply FLOP/s — all measured in one run.

    python -m benchmarks.benchmark_training [--out docs/benchmarks/training.json] [--seeds 8] [--width 512] [--steps 200]

FLOPs per step are counted analytically for the dense layers (forward 2 n fan_in fan_out per layer, backward twice
that): the mapping, activations and optimizer are not counted, so the fraction is a lower bound. PyTorch is optional
(`pip install torch==2.13.0`); without it that column is skipped.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import ntk_fourier as nf
from benchmarks.common import machine


def matmul_flops(size: int = 2048, repeats: int = 10) -> float:
    """Measured float32 matrix-multiply FLOP/s of this machine through JAX (jitted, compiled before timing)."""
    a = jnp.ones((size, size), jnp.float32)
    f = jax.jit(lambda a: a @ a)
    f(a).block_until_ready()
    start = time.perf_counter()
    for _ in range(repeats):
        f(a).block_until_ready()
    return 2.0 * size**3 * repeats / (time.perf_counter() - start)


def step_flops(model: nf.Model, n: int, d_in: int) -> float:
    """Dense-layer FLOPs of one gradient step on n points: 3 x (2 n sum fan_in fan_out)."""
    sizes = [d_in] + [model.width] * model.depth + [1]
    return 3.0 * 2.0 * n * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def torch_loop(model: nf.Model, x: np.ndarray, y: np.ndarray, seeds: int, steps: int, lr: float) -> float | None:
    """Seconds for ``seeds`` models trained one after another by a plain PyTorch loop (the usual tutorial way)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(max(1, torch.get_num_threads()))
    features = torch.tensor(nf.encode(model.mapping, x), dtype=torch.float32)
    target = torch.tensor(y.reshape(len(y), -1), dtype=torch.float32)
    start = time.perf_counter()
    for seed in range(seeds):
        torch.manual_seed(seed)
        layers, width_in = [], features.shape[1]
        for _ in range(model.depth):
            layers += [torch.nn.Linear(width_in, model.width), torch.nn.ReLU()]
            width_in = model.width
        net = torch.nn.Sequential(*layers, torch.nn.Linear(width_in, 1))
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            loss = 0.5 * ((net(features) - target) ** 2).mean()
            loss.backward()
            opt.step()
    return time.perf_counter() - start


def run(seeds: int = 8, width: int = 512, steps: int = 200, n: int = 256) -> dict:
    model = nf.Model(mapping=nf.Mapping("gaussian", sigma=10.0, features=256), depth=3, width=width,
                     parameterization="standard")
    x = nf.grid((n,))
    y = np.sin(2 * np.pi * 5 * x[:, 0])
    lr = 1e-3
    peak = matmul_flops()
    nf.train(model, x, y, x[:2], y[:2], lr=lr, steps=[0, 1], seeds=seeds, execution=nf.QUIET)  # compile
    run_ = nf.train(model, x, y, x[:2], y[:2], lr=lr, steps=[0, steps], seeds=seeds, execution=nf.QUIET)
    total_flops = step_flops(model, n, 2 * 256) * steps * seeds
    torch_s = torch_loop(model, x, y, seeds, steps, lr)
    return {"machine": machine(), "seeds": seeds, "width": width, "depth": model.depth, "points": n, "steps": steps,
            "matmul_gflops": peak / 1e9, "ensemble_seconds": run_.seconds,
            "ensemble_gflops": total_flops / run_.seconds / 1e9, "fraction_of_matmul": total_flops / run_.seconds / peak,
            "torch_loop_seconds": torch_s,
            "speedup_vs_torch_loop": None if torch_s is None else torch_s / run_.seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks/training.json"))
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args(argv)
    r = run(args.seeds, args.width, args.steps)
    torch_part = ("torch not installed" if r["torch_loop_seconds"] is None else
                  f"PyTorch loop {r['torch_loop_seconds']:.2f} s (ensemble {r['speedup_vs_torch_loop']:.2f}x faster)")
    print(f"{args.seeds} networks x {args.steps} steps, width {args.width}: ensemble {r['ensemble_seconds']:.2f} s, "
          f"{r['ensemble_gflops']:.1f} GFLOP/s = {r['fraction_of_matmul']:.2f} of measured matmul "
          f"{r['matmul_gflops']:.1f} GFLOP/s; {torch_part}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(r, indent=2) + "\n")


if __name__ == "__main__":
    main()
