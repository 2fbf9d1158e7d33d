"""Kernel spreading: the MLP on top of a Fourier-feature mapping spreads the mapping's few frequencies over many. The
input covariance of the basic mapping (frequency 1 only) or of a sparse set of frequencies has its spectrum on those
frequencies alone; the NTK of the network above it has energy at their harmonics and sums, more of it the deeper
the network. Analytic NTK spectra on a 1D grid by FFT (exact: the kernels are periodic), against the empirical NTK of
finite networks at initialisation (mean over seeds), depth by depth.
"""
from __future__ import annotations

import jax
import numpy as np

import ntk_fourier as nf
from ntk_fourier.network import mlp
from ntk_fourier.network.empirical import empirical_ntk

FREQUENCIES = (1, 4)  # the sparse mapping: amplitudes only at these integer frequencies
DEPTHS = (1, 2, 4, 8)


def sparse_mapping(size: int) -> nf.Mapping:
    amplitudes = np.zeros(size // 2)
    amplitudes[np.array(FREQUENCIES) - 1] = 1.0
    return nf.Mapping("amplitudes", features=size // 2, amplitudes=tuple(amplitudes))


def row_spectrum(row: np.ndarray) -> np.ndarray:
    """Eigenvalues by frequency 0..N/2 of a circulant kernel with first row ``row`` (N,)."""
    return np.real(np.fft.rfft(row))


def run(quick: bool = False) -> tuple[dict, dict]:
    size = 64 if quick else 128
    width, seeds = (256, 2) if quick else (2048, 4)
    x = nf.grid((size,))
    mapping = sparse_mapping(size)
    covariance = nf.input_covariance(mapping, x[:1], x)[0]
    arrays = {"frequency": np.arange(size // 2 + 1), "input": row_spectrum(covariance) * size}
    meta = {"depths": list(DEPTHS), "frequencies": list(FREQUENCIES), "size": size, "width": width, "seeds": seeds}
    for depth in DEPTHS:
        model = nf.Model(mapping=mapping, depth=depth, width=width)
        arrays[f"analytic_{depth}"] = row_spectrum(nf.kernels(model, x[:1], x, show_progress=False).ntk[0])
        net = mlp.build(model, 1, 1)
        rows = []
        for s in range(seeds):
            params = net.init(jax.random.PRNGKey(s), jax.numpy.float32)
            rows.append(np.asarray(empirical_ntk(net, params, jax.numpy.asarray(x[:1], jax.numpy.float32),
                                                 jax.numpy.asarray(x, jax.numpy.float32)))[0])
        arrays[f"empirical_{depth}"] = row_spectrum(np.mean(rows, 0))
        total = arrays[f"analytic_{depth}"].sum()
        meta.setdefault("outside", {})[str(depth)] = float(
            1.0 - sum(arrays[f"analytic_{depth}"][[0, *FREQUENCIES]]) / total)  # energy off f = 0 and the mapping's
    return arrays, meta
