"""The 1D NTK in space and in frequency for each input mapping (Tancik et al. 2020, Fig. 2).

For each mapping: the NTK row k(x0 = 1/2, x) on a grid of N points on [0, 1), and the kernel's eigenvalues on that
grid labelled by frequency (exact FFT for the integer-frequency mappings; circulant approximation, with its measured
error, for Gaussian features; dense eigendecomposition for raw coordinates).

    python -m analysis.kernel_1d --out figures/gallery/data/kernel_1d.npz [--grid 1024]
"""
from __future__ import annotations

import argparse
import time


import ntk_fourier as nf

POWERS = (0.0, 0.5, 1.0, 1.5, 2.0, float("inf"))
SIGMAS = (1.0, 10.0, 100.0)
SETTINGS = {"quick": {"n": 256, "features": 64, "depth": 4}, "full": {"n": 1024, "features": 256, "depth": 4}}


def mappings(features: int) -> dict[str, nf.Mapping]:
    """Label -> mapping, in the order they are drawn."""
    out = {"none": nf.Mapping("none")}
    out.update({f"power p={p:g}": nf.Mapping("power", features=features // 2, p=p) for p in POWERS})
    out.update({f"gaussian sigma={s:g}": nf.Mapping("gaussian", sigma=s, features=features) for s in SIGMAS})
    return out


def run(n: int = 1024, features: int = 256, depth: int = 4, execution: nf.Execution = nf.QUIET) -> tuple[dict, dict]:
    """Per mapping: ``row_i`` k(1/2, x), ``eig_i`` the Gram matrix's eigenvalues on the grid of ``n`` points (they
    scale with n; divided by n they are the integral operator's), ``freq_i`` the frequency of each."""
    x = nf.grid((n,))
    centre = x[n // 2: n // 2 + 1]
    arrays, meta = {"x": x[:, 0]}, {"grid": n, "features": features, "labels": [], "methods": {}, "approx_error": {},
                                    "seconds": {}}
    for i, (label, mapping) in enumerate(mappings(features).items()):
        start = time.perf_counter()
        model = nf.Model(mapping=mapping, depth=depth)
        row = nf.kernels(model, centre, x, execution=nf.QUIET).ntk[0]
        spectrum = nf.grid_spectrum(model, (n,), execution=nf.QUIET)
        arrays[f"row_{i}"], arrays[f"eig_{i}"] = row, spectrum.eigenvalues
        arrays[f"freq_{i}"] = spectrum.frequencies[:, 0]
        meta["labels"].append(label)
        meta["methods"][label] = spectrum.method
        meta["approx_error"][label] = spectrum.approx_error
        meta["seconds"][label] = time.perf_counter() - start
        if execution.progress:
            print(f"  {label:22s} {spectrum.method:14s} {meta['seconds'][label]:.1f} s")
    meta["model"] = nf.Model(depth=depth)  # mapping varies; the MLP is this one
    return arrays, meta


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures/gallery/data/kernel_1d.npz")
    parser.add_argument("--grid", type=int, default=1024)
    parser.add_argument("--features", type=int, default=256)
    args = parser.parse_args(argv)
    arrays, meta = run(args.grid, args.features, execution=nf.Execution())
    nf.save(args.out, arrays, script="analysis.kernel_1d", **meta)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
