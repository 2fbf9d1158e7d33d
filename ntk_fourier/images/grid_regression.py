"""NTK regression of a whole image, using the grid: the infinite-width network's prediction at any step and at
convergence, trained on the pixels [::2, ::2] (the paper's split), evaluated on every pixel.

The training pixels form a regular (size/2 x size/2) grid of [0, 1)^2, and every pixel offset by (a, b) in {0, 1}^2
from them forms the same grid shifted. For a stationary kernel k(x - x') the Gram matrix on the training grid is
block-circulant with eigenvalues lambda_f = FFT of one row, and the prediction f(x) = sum_j k(x - X_j) alpha_j with
alpha = V diag(g(lambda)) V^T y is, on each shifted grid, a circular convolution: everything costs O(N log N) and
needs the kernel at the size^2 offsets only (one row). g is the `dynamics.decay` gain: (1 - (1 - eta lambda / n)^t)
/ lambda for gradient descent from f(0) = 0 (the infinite-ensemble mean), 1 / lambda at convergence (t = inf;
eigenvalues below 1e-12 lambda_max dropped). Exact for kernels periodic on the grid (integer frequencies); for
others (Gaussian features) it is the circulant approximation of `spectra.grid_spectrum`. Non-stationary kernels (raw
coordinates, SIREN) have no such structure: they use dense kernels, limited to 128 x 128 images.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ntk_fourier.model import points
from ntk_fourier.kernel.engine import kernels
from ntk_fourier.kernel.dynamics import decay, predict
from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.images.data import psnr, split
from ntk_fourier.model.mappings import is_periodic
from ntk_fourier.model import Model
from ntk_fourier.kernel.spectra import is_stationary

DENSE_MAX_SIZE = 128


class GridRegression(NamedTuple):
    """Predictions ``(T, size, size, channels)`` at ``steps`` (``inf`` = converged), PSNR on train and test pixels,
    the learning rate used, and ``method``: ``fft`` (exact), ``fft-circulant`` (approximation) or ``dense``."""

    steps: np.ndarray
    images: np.ndarray
    psnr_train: np.ndarray
    psnr_test: np.ndarray
    lr: float
    method: str


def _gains(lam: np.ndarray, lr: float, t: float, n: int, flow: bool) -> np.ndarray:
    if np.isinf(t):
        keep = lam > 1e-12 * lam.max()
        return np.where(keep, 1.0 / np.where(keep, lam, 1.0), 0.0)
    return decay(lam, lr, t, n, flow)[1]


def regress(model: Model, image: np.ndarray, steps=(0, 10, 100, 1000, np.inf), *, lr: float | None = None,
            flow: bool = False, which: str = "ntk", execution: Execution = DEFAULT) -> GridRegression:
    """Infinite-width NTK (or NNGP, ``which``) regression of ``image`` ``(size, size, channels)`` from its
    [::2, ::2] pixels, at gradient-descent ``steps`` (``inf``: converged). ``lr`` defaults to half the largest
    stable rate 2n / lambda_max (n = number of training values). ``execution``: how the kernels are computed
    (engine, tile, progress; ``execution.mesh``: over its devices)."""
    size, channels = image.shape[0], image.shape[2]
    if size % 2 or size < 4 or image.shape[1] != size:
        raise InputError(f"need a square image with an even side of at least 4 pixels, got {image.shape[:2]}")
    steps = np.asarray(steps, dtype=np.float64)
    m, n = size // 2, (size // 2) ** 2 * channels
    y = image[::2, ::2]  # (m, m, channels)
    if not is_stationary(model):
        return _dense(model, image, steps, lr, flow, which, execution)
    offsets = points.wrapped_offsets((size, size))  # k(0, d) at every fine-grid offset d
    row = getattr(kernels(model, np.zeros((1, 2)), offsets, execution=execution), which)[0].reshape(size, size)
    lam = np.real(np.fft.fft2(row[::2, ::2]))  # (m, m): eigenvalue of each Fourier mode of the training grid
    lr = 0.5 * 2.0 * n / lam.max() if lr is None else lr
    y_hat = np.fft.fft2(y, axes=(0, 1))  # (m, m, channels)
    shifted = {(a, b): np.fft.fft2(np.roll(row, (-a, -b), axis=(0, 1))[::2, ::2]) for a in (0, 1) for b in (0, 1)}
    out = np.zeros((len(steps), size, size, channels))
    for i, t in enumerate(steps):
        alpha_hat = _gains(lam, lr, t, n, flow)[..., None] * y_hat
        for (a, b), k_hat in shifted.items():
            # value at fine pixel (2i + a, 2j + b) = sum_j k(((2i + a) - 2j') / size) alpha_j': a circular convolution
            out[i, a::2, b::2] = np.real(np.fft.ifft2(k_hat[..., None] * alpha_hat, axes=(0, 1)))
    method = "fft" if is_periodic(model.mapping, 2) else "fft-circulant"
    return _result(steps, out, image, lr, method)


def _dense(model, image, steps, lr, flow, which, execution: Execution) -> GridRegression:
    size, channels = image.shape[0], image.shape[2]
    if size > DENSE_MAX_SIZE:
        raise InputError(f"this kernel is not stationary, so whole-image regression needs dense kernels, limited to "
                         f"{DENSE_MAX_SIZE} x {DENSE_MAX_SIZE} images (got {size}); use a Fourier-feature mapping")
    d = split(image)
    k_train = getattr(kernels(model, d["x_train"], execution=execution), which)
    k_all = getattr(kernels(model, d["x"], d["x_train"], execution=execution), which)
    n = d["y_train"].size
    lam = np.linalg.eigvalsh(k_train)
    lr = 0.5 * 2.0 * n / lam.max() if lr is None else lr
    finite = steps[np.isfinite(steps)]
    out = np.zeros((len(steps), size * size, channels))
    if len(finite):
        p = predict(k_train, d["y_train"], lr=lr, steps=finite, ntk_test=k_all, flow=flow)
        out[np.isfinite(steps)] = p.f_test
    if np.any(np.isinf(steps)):
        out[np.isinf(steps)] = k_all @ np.linalg.lstsq(k_train, d["y_train"], rcond=1e-12)[0]
    return _result(steps, out.reshape(len(steps), size, size, channels), image, lr, "dense")


def _result(steps, out, image, lr, method) -> GridRegression:
    return GridRegression(steps=steps, images=out, lr=float(lr), method=method,
                          psnr_train=np.array([psnr(np.clip(o[::2, ::2], 0, 1), image[::2, ::2]) for o in out]),
                          psnr_test=np.array([psnr(np.clip(o[1::2, 1::2], 0, 1), image[1::2, 1::2]) for o in out]))
