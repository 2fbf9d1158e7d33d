"""Two kernels in space and frequency: the point-spread function of a grid encoding against its number of levels, and
the bandwidth of a sine network's NTK against omega0.

Point-spread function: the NTK row k(x0, x) on ``points`` points of [0, 1), the change of the function after one
gradient step on a point at x0, for grid encodings of ``levels`` levels from ``base`` to ``finest`` cells (dense
tables, and hash tables of ``table_size`` rows), behind a ReLU MLP of ``depth`` hidden layers, above its far-field
value (the MLP's part, nearly constant at the tables' small scale) and relative to its peak; its full width at half
maximum (FWHM) beside the finest and the mean (geometric) resolutions. Bandwidth: SIREN's NTK spectrum on the same points for
each omega0 in ``omegas``, and the frequency where it falls below half its largest value.
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis.steps_to_learn import by_frequency, dense_grid_spectrum

SETTINGS = {
    "quick": {"points": 256, "levels": (1, 2, 4, 8), "base": 4, "finest": 128, "table_size": 32, "depth": 2,
              "omegas": (5.0, 10.0, 20.0)},
    "full": {"points": 1024, "levels": (1, 2, 4, 8, 16), "base": 4, "finest": 256, "table_size": 64, "depth": 2,
             "omegas": (5.0, 10.0, 20.0, 40.0, 80.0)},
}


def fwhm(x: np.ndarray, row: np.ndarray) -> float:
    """Full width at half maximum of a peak sampled at ``x`` (sorted): the distance between the points where it
    crosses half its largest value, linearly interpolated, on either side of the largest."""
    i0 = int(np.argmax(row))
    half = row[i0] / 2.0
    right = i0 + int(np.argmax(row[i0:] < half))
    left = i0 - int(np.argmax(row[i0::-1] < half))
    xr = np.interp(half, [row[right], row[right - 1]], [x[right], x[right - 1]])
    xl = np.interp(half, [row[left], row[left + 1]], [x[left], x[left + 1]])
    return float(xr - xl)


def half_power(lam: np.ndarray) -> float:
    """The frequency where a spectrum by frequency (k = 0, 1, ...) first falls below half its largest value, log-linearly
    interpolated between the integer frequencies; NaN where it never does."""
    below = np.nonzero(lam < np.nanmax(lam) / 2.0)[0]
    if not len(below) or below[0] == 0:
        return float("nan")
    k = int(below[0])
    a, b = np.log(lam[k - 1]), np.log(lam[k])
    return float(k - 1 + (a - np.log(np.nanmax(lam) / 2.0)) / (a - b))


def run(*, points: int, levels, base: int, finest: int, table_size: int, depth: int, omegas) -> tuple[dict, dict]:
    x = nf.grid((points,))
    i0 = points // 2 + points // 8 + 1  # x0 inside a cell of every level, not on a vertex
    arrays = {"x": x[:, 0], "levels": np.asarray(levels), "omegas": np.asarray(omegas)}
    for kind in ("grid", "hash"):
        rows, widths, finest_cells, mean_cells = [], [], [], []
        for count in levels:
            mapping = nf.model.grid_mapping(kind, levels=count, base=base, finest=finest, table_size=table_size)
            model = nf.Model(mapping, depth=depth)
            row = nf.kernels(model, x[i0:i0 + 1], x, execution=nf.QUIET).ntk[0]
            psf = (row - row.min()) / (row.max() - row.min())  # above the far field: the MLP's constant part
            rows.append(psf)
            widths.append(fwhm(x[:, 0], psf))
            cells = np.array(nf.model.grids.resolutions(mapping), dtype=np.float64)
            finest_cells.append(cells[-1])
            mean_cells.append(np.exp(np.mean(np.log(cells))))
        arrays.update({f"psf_{kind}": np.stack(rows), f"fwhm_{kind}": np.array(widths),
                       "finest_cells": np.array(finest_cells), "mean_cells": np.array(mean_cells)})
    spectra, bandwidth = [], []
    half = points // 2
    for omega0 in omegas:
        lam = by_frequency(dense_grid_spectrum(nf.siren_model(depth=depth + 1, omega0=omega0), points), half)
        spectra.append(lam)
        bandwidth.append(half_power(lam))
    arrays.update({"siren_spectra": np.stack(spectra), "bandwidth": np.array(bandwidth), "k": np.arange(half + 1)})
    meta = {"points": points, "x0": float(x[i0, 0]), "base": base, "finest": finest, "table_size": table_size,
            "depth": depth, "siren_depth": depth + 1, "model": nf.Model(nf.model.grid_mapping("hash"), depth=depth)}
    return arrays, meta
