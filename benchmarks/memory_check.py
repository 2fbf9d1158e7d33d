"""Memory estimates against what training really takes on the device (an accelerator's allocator statistics).

    python -m benchmarks.memory_check [--widths 4096,16384,30000] [--out memory_check.json]

For each width: `training.memory_needed`'s device estimate, then one float32 GD network trained for a few steps on
the 1D 1/f data (256-point grid, 32 training points), and JAX's peak_bytes_in_use of the device (accelerators only;
on CPU the peak is not reported). The estimate is meant as an upper bound within a small factor.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import jax
import numpy as np

import ntk_fourier as nf
from ntk_fourier.network.training import memory_needed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="4096,16384,30000")
    parser.add_argument("--out", type=Path, default=Path("memory_check.json"))
    args = parser.parse_args(argv)
    data = nf.one_over_f(n=256, stride=8)
    device = jax.devices()[0]
    rows = []
    for width in (int(w) for w in args.widths.split(",")):
        model = nf.Model(width=width)
        estimate, _ = memory_needed(model, 1, 1, len(data["x_train"]), len(data["x_test"]), 1, 4, records=2)
        before = (device.memory_stats() or {}).get("peak_bytes_in_use")
        nf.train(model, data["x_train"], data["y_train"], data["x_test"], data["y_test"], lr=0.1, steps=[0, 5],
                 execution=nf.QUIET)
        stats = device.memory_stats() or {}
        peak = stats.get("peak_bytes_in_use")
        rows.append({"width": width, "estimate_bytes": estimate, "peak_bytes_in_use": peak,
                     "peak_before": before, "ratio": None if not peak else estimate / peak})
        print(json.dumps(rows[-1]), flush=True)
        jax.clear_caches()
    args.out.write_text(json.dumps({"device": str(device), "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
