"""2D NTK spectra of positional vs Gaussian Fourier features on a periodic grid: (an)isotropy in frequency.

For each mapping, the eigenvalue of each 2D Fourier mode f = (f1, f2) on an N x N grid of [0, 1)^2 (FFT of the kernel
row; circulant approximation with its measured error, since these frequencies are not integers).

    python -m analysis.kernel_2d --out figures/gallery/data/kernel_2d.npz [--grid 64]
"""
from __future__ import annotations

import argparse

import numpy as np

import ntk_fourier as nf


def mappings(sigma: float, features: int) -> dict[str, nf.Mapping]:
    return {"positional": nf.Mapping("positional", sigma=sigma, features=features // 2),
            # the infinite-features limit: the isotropic kernel itself, free of one draw's sampling noise
            "gaussian (infinite features)": nf.Mapping("gaussian_inf", sigma=sigma / 2.5)}


SETTINGS = {"quick": {"n": 16}, "full": {"n": 48}, "paper": {"n": 64}}


def run(n: int = 64, sigma: float = 10.0, features: int = 64, depth: int = 4) -> tuple[dict, dict]:
    arrays, meta = {}, {"grid": n, "labels": [], "methods": {}, "approx_error": {}, "sigma": sigma,
                        "features": features}
    for i, (label, mapping) in enumerate(mappings(sigma, features).items()):
        s = nf.grid_spectrum(nf.Model(mapping=mapping, depth=depth), (n, n), execution=nf.QUIET)
        image = np.zeros((n, n))
        image[s.frequencies[:, 0] % n, s.frequencies[:, 1] % n] = s.eigenvalues
        arrays[f"image_{i}"] = np.fft.fftshift(image)  # (f1, f2) from -n/2 to n/2 - 1
        meta["labels"].append(label)
        meta["methods"][label] = s.method
        meta["approx_error"][label] = s.approx_error
        meta[f"mapping_{i}"] = mapping
    arrays["freq"] = np.arange(-n // 2, n // 2)
    meta["model"] = nf.Model(depth=depth)
    return arrays, meta


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures/gallery/data/kernel_2d.npz")
    parser.add_argument("--grid", type=int, default=64)
    args = parser.parse_args(argv)
    arrays, meta = run(args.grid)
    nf.save(args.out, arrays, script="analysis.kernel_2d", **meta)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
