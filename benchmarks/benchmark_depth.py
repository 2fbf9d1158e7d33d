"""Benchmark: kernel time by depth, compilation included. The layers after the first are one ``lax.scan``, so the
compiled program is the same size at any depth.

Each depth runs in a fresh process (no compilation cache shared): the seconds from the first call of `nf.kernels`
(NTK and NNGP of a ReLU MLP with 64 Gaussian Fourier features on 4 points) to its result, which includes tracing
and compiling, then the seconds of a second call (run only). Printed as a table, with the ratio of depth 256 to
depth 8.

    python -m benchmarks.benchmark_depth [--depths 1 2 4 8 16 32 64 128 256] [--out docs/benchmarks/depth.json]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.common import machine

CHILD = """
import json, sys, time
import numpy as np
import ntk_fourier as nf
model = nf.Model(nf.Mapping("gaussian", sigma=10.0, features=64), depth=int(sys.argv[1]))
x = np.linspace(0.0, 1.0, 4)[:, None]
start = time.perf_counter()
first = nf.kernels(model, x, execution=nf.QUIET)
middle = time.perf_counter()
nf.kernels(model, x, execution=nf.QUIET)
end = time.perf_counter()
print(json.dumps({"first_s": middle - start, "run_s": end - middle, "finite": bool(np.all(np.isfinite(first.ntk)))}))
"""


def measure(depth: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(depth)], capture_output=True, text=True, check=True)
    return {"depth": depth, **json.loads(done.stdout.strip().splitlines()[-1])}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64, 128, 256])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rows = [measure(d) for d in args.depths]
    print(f"{'depth':>6} {'compile + run (s)':>18} {'run (s)':>9}")
    for row in rows:
        print(f"{row['depth']:>6} {row['first_s']:>18.3f} {row['run_s']:>9.4f}")
    by_depth = {row["depth"]: row for row in rows}
    result = {"machine": machine(), "rows": rows}
    if 8 in by_depth and 256 in by_depth:
        result["ratio_256_to_8"] = by_depth[256]["first_s"] / by_depth[8]["first_s"]
        print(f"depth 256 / depth 8, compile + run: {result['ratio_256_to_8']:.2f}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
