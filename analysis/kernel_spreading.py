"""Kernel spreading: the MLP on top of a Fourier-feature mapping spreads the mapping's few frequencies over many. The
input covariance of the basic mapping (frequency 1 only) or of a sparse set of frequencies has its spectrum on those
frequencies alone; the NTK of the network above it has energy at their harmonics and sums, more of it the deeper
the network. Analytic NTK spectra on a 1D grid by FFT (exact: the kernels are periodic), against the empirical NTK of
finite networks at initialisation (one network per seed), depth by depth.
"""
from __future__ import annotations

import jax
import numpy as np

import ntk_fourier as nf

FREQUENCIES = (1, 4)  # the sparse mapping: amplitudes only at these integer frequencies
SETTINGS = {"quick": {"size": 64, "width": 256, "seeds": 3, "depths": [1, 2, 4, 8]},
            "full": {"size": 128, "width": 1024, "seeds": 4, "depths": [1, 2, 4, 8]}}


def sparse_mapping(size: int) -> nf.Mapping:
    amplitudes = np.zeros(size // 2)
    amplitudes[np.array(FREQUENCIES) - 1] = 1.0
    return nf.Mapping("amplitudes", features=size // 2, amplitudes=tuple(amplitudes))


def row_spectrum(row: np.ndarray) -> np.ndarray:
    """Eigenvalues by frequency 0..N/2 of a circulant kernel with first row ``row`` (N,)."""
    return np.real(np.fft.rfft(row))


def circulant_row(K: np.ndarray) -> np.ndarray:
    """The first row of the circulant matrix nearest to ``K`` (N, N): the mean of K[i, i + d] over i, per offset d."""
    N = len(K)
    return np.array([np.mean(K[np.arange(N), (np.arange(N) + d) % N]) for d in range(N)])


def outside(spectrum: np.ndarray) -> float:
    """The share of a spectrum (frequencies 0..N/2, each non-zero one counted twice) off frequency 0 and the
    mapping's frequencies."""
    weights = np.full(len(spectrum), 2.0)
    weights[0] = 1.0
    if len(spectrum) % 2 == 1:
        weights[-1] = 1.0  # the Nyquist frequency, counted once
    energy = weights * np.abs(spectrum)
    return float(1.0 - energy[[0, *FREQUENCIES]].sum() / energy.sum())


def run(size: int, width: int, seeds: int, depths) -> tuple[dict, dict]:
    x = nf.grid((size,))
    mapping = sparse_mapping(size)
    covariance = nf.input_covariance(mapping, x[:1], x)[0]
    arrays = {"frequency": np.arange(size // 2 + 1), "input": row_spectrum(covariance) * size}
    meta = {"depths": list(depths), "frequencies": list(FREQUENCIES), "size": size, "width": width, "seeds": seeds,
            "model": nf.Model(mapping=mapping, depth=depths[0], width=width)}
    xj = jax.numpy.asarray(x, jax.numpy.float32)
    for depth in depths:
        model = nf.Model(mapping=mapping, depth=depth, width=width)
        arrays[f"analytic_{depth}"] = row_spectrum(nf.kernels(model, x[:1], x, execution=nf.QUIET).ntk[0])
        net = nf.network.build(model, 1, 1)
        spectra = []
        for s in range(seeds):  # the circulant part of each network's empirical NTK on the grid
            params = net.init(jax.random.PRNGKey(s), jax.numpy.float32)
            K = np.asarray(nf.empirical_ntk(net, params, xj), dtype=np.float64)
            spectra.append(row_spectrum(circulant_row(K)))
        arrays[f"empirical_{depth}"] = np.array(spectra)  # (seeds, frequencies)
    return arrays, meta
