"""Benchmark: structured spectra (FFT, matrix-free Lanczos) vs dense (neural-tangents kernel + LAPACK eigh), measured
side by side in one run, and the image-scale targets. Prints a table and writes OUT.json.

    python -m benchmarks.benchmark_spectra [--out docs/benchmarks/spectra.json] [--dense 64] [--large 512] [--top 100]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import ntk_fourier as nf
from benchmarks.common import machine, timed



def run(dense: int = 64, large: int = 512, top: int = 100) -> dict:
    model = nf.Model(mapping=nf.Mapping("gaussian", sigma=10.0, features=256), depth=4)
    shape = (dense, dense)
    nf.kernels(model, nf.grid((4, 4)), execution=nf.QUIET)  # compile outside the timings
    K, t_kernel = timed(lambda: nf.kernels(model, nf.grid(shape), execution=nf.QUIET).ntk)
    exact, t_eigh = timed(lambda: np.linalg.eigvalsh(K)[::-1])
    fft, t_fft = timed(lambda: nf.grid_spectrum(model, shape, execution=nf.QUIET))  # includes its dense check
    (lam, _, _), t_top = timed(lambda: nf.top_eigenpairs(model, shape, top, execution=nf.QUIET))
    big_fft, t_big_fft = timed(lambda: nf.grid_spectrum(model, (large, large), execution=nf.QUIET))
    (big_top, _, _), t_big_top = timed(lambda: nf.top_eigenpairs(model, (large, large), top, execution=nf.QUIET))
    result = {
        "machine": machine(),
        "model": "gaussian sigma 10, 256 features, 4 hidden ReLU layers (ntk)",
        "dense_grid": dense, "dense_kernel_s": t_kernel, "dense_eigh_s": t_eigh,
        "fft_full_spectrum_s_incl_dense_check": t_fft, "fft_circulant_error": fft.approx_error,
        "top_k": top, "lanczos_top_k_s": t_top,
        "lanczos_top_k_max_rel_error_vs_eigvalsh": float(np.max(np.abs(lam - exact[:top]) / exact[:top])),
        "ratio_dense_over_lanczos": (t_kernel + t_eigh) / t_top,
        "large_grid": large, "large_fft_full_spectrum_s": t_big_fft, "large_lanczos_top_k_s": t_big_top,
        "targets": {"full spectrum 512x512 <= 20 s": t_big_fft <= 20, "top-100 512x512 <= 90 s": t_big_top <= 90},
    }
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks/spectra.json"))
    parser.add_argument("--dense", type=int, default=64)
    parser.add_argument("--large", type=int, default=512)
    parser.add_argument("--top", type=int, default=100)
    args = parser.parse_args(argv)
    r = run(args.dense, args.large, args.top)
    print(f"dense {args.dense}x{args.dense}: kernel {r['dense_kernel_s']:.2f} s + eigh {r['dense_eigh_s']:.2f} s; "
          f"Lanczos top-{args.top} {r['lanczos_top_k_s']:.2f} s (ratio {r['ratio_dense_over_lanczos']:.1f}x, max rel "
          f"error {r['lanczos_top_k_max_rel_error_vs_eigvalsh']:.1e}); FFT full spectrum "
          f"{r['fft_full_spectrum_s_incl_dense_check']:.2f} s incl. its dense check (circulant error "
          f"{r['fft_circulant_error']:.2g})")
    print(f"large {args.large}x{args.large}: FFT full spectrum {r['large_fft_full_spectrum_s']:.2f} s, Lanczos "
          f"top-{args.top} {r['large_lanczos_top_k_s']:.2f} s; targets {r['targets']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(r, indent=2) + "\n")


if __name__ == "__main__":
    main()
