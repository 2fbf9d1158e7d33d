"""Latency of the explorer's update: `ntk_fourier.explore.model.compute` over a sequence of control changes, as a
user moves them, after a warm-up that compiles the kernel once per activation (the compiled programs are kept
across updates: only a new depth, activation or grid size compiles again).

Prints the milliseconds of each update, then the median and maximum; also the one-off cost of the first update
(compilation included).

    python -m benchmarks.explorer_latency [--grid 256] [--repeats 1]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import machine
from ntk_fourier.explore import model

# (control, value): twenty changes, each applied to the settings left by the previous ones
CHANGES = [
    ("sigma", 4.0), ("sigma", 12.5), ("features", 128), ("lr_fraction", 0.9), ("frequencies", "1,3,7"),
    ("x0", 0.25), ("mapping", "positional"), ("sigma", 32.0), ("mapping", "power"), ("p", 2.0),
    ("activation", "sin"), ("omega0", 5.0), ("omega0", 12.0), ("activation", "erf"), ("mapping", "basic"),
    ("activation", "gelu"), ("mapping", "none"), ("steps", 10000), ("activation", "relu"), ("mapping", "gaussian"),
]


def run(grid: int = 256, repeats: int = 1) -> dict:
    """Milliseconds of the first update and median / max of the updates after warm-up."""
    settings = model.Settings(grid=grid, frequencies=(2, 8, 16) if grid >= 256 else (2, 5))
    start = time.perf_counter()
    model.compute(settings)
    first = time.perf_counter() - start
    for activation in model.ACTIVATIONS:  # warm-up: one compilation per activation
        model.compute(settings.replace(activation=activation))
    times = []
    for _ in range(repeats):
        s = settings
        for key, value in CHANGES:
            s = s.replace(**{key: value})
            start = time.perf_counter()
            model.compute(s)
            times.append(time.perf_counter() - start)
            print(f"  {key} = {value!s:<10} {1e3 * times[-1]:7.1f} ms")
    ms = 1e3 * np.array(times)
    return {"first_ms": 1e3 * first, "median_ms": float(np.median(ms)), "max_ms": float(ms.max()),
            "updates": len(ms)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=256, help="grid points (the explorer offers 64, 128, 256)")
    parser.add_argument("--repeats", type=int, default=1, help="times through the twenty changes")
    args = parser.parse_args(argv)
    print(f"explorer update latency, grid {args.grid}, on {machine()}")
    out = run(args.grid, args.repeats)
    print(f"first update (compiling): {out['first_ms']:.0f} ms")
    print(f"{out['updates']} updates after warm-up: median {out['median_ms']:.1f} ms, max {out['max_ms']:.1f} ms")


if __name__ == "__main__":
    main()
