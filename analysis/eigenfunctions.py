"""The top NTK eigenfunctions in x-space on a 1D grid on [-1, 1): raw inputs (a non-stationary kernel: the origin
is special and the eigenfunctions are not sinusoids) beside Gaussian Fourier features (a stationary kernel: nearly
sinusoids, in cos/sin pairs)."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf

SIGMA = 1.0  # cycles per unit: low enough that the top eigenvalues are distinct, so eigh does not mix frequencies
SETTINGS = {"quick": {"size": 128, "top": 6, "depth": 2, "features": 256},
            "full": {"size": 256, "top": 6, "depth": 2, "features": 256}}


def run(size: int, top: int, depth: int, features: int) -> tuple[dict, dict]:
    """Per model: all eigenvalues of the Gram matrix on ``size`` points (they scale with ``size``) and the ``top``
    eigenvectors (unit RMS over the grid), with each one's dominant frequency and the share of its power there."""
    x = 2.0 * nf.grid((size,)) - 1.0  # [-1, 1): the origin inside the interval
    models = {"none": nf.Model(mapping=nf.Mapping("none"), depth=depth),
              f"gaussian sigma={SIGMA:g}": nf.Model(mapping=nf.Mapping("gaussian", sigma=SIGMA, features=features),
                                                    depth=depth)}
    arrays = {"x": x[:, 0]}
    meta = {"labels": list(models), "size": size, "top": top, "model": models[f"gaussian sigma={SIGMA:g}"],
            "frequencies": {}, "purity": {}}
    for i, model in enumerate(models.values()):
        lam, vectors = nf.dense_spectrum(nf.kernels(model, x, execution=nf.QUIET).ntk)
        vectors = vectors[:, :top] * np.sqrt(size)  # unit RMS over the grid
        arrays[f"eigenvalues_{i}"], arrays[f"vectors_{i}"] = lam, vectors
        power = np.abs(np.fft.rfft(vectors, axis=0)) ** 2  # index j: j periods on [-1, 1), i.e. j / 2 cycles per unit
        meta["frequencies"][meta["labels"][i]] = [float(j) / 2.0 for j in np.argmax(power, axis=0)]
        meta["purity"][meta["labels"][i]] = [float(p) for p in power.max(0) / power.sum(0)]
    return arrays, meta
