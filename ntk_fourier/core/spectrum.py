"""Grid spectra of stationary kernels by FFT, as a pure JAX function of the model (traceable in its leaves: vmap over
a batch of models gives all their spectra in one compiled call; grad differentiates an eigenvalue in sigma or p).

On the grid ``shape`` on [0, 1)^d the Gram matrix of a stationary kernel is (block-)circulant when the kernel is
periodic (integer frequencies), so its eigenvalues are the FFT of the kernel row k(0, offset): lambda_f for the Fourier
mode exp(2 pi i f.x); otherwise they are those of the circulant approximation (`nf.grid_spectrum` measures its error).
"""
from __future__ import annotations

import numpy as np

from ntk_fourier.core.kernel import kernels_of
from ntk_fourier.errors import InputError
from ntk_fourier.model import Model, points


def stationary(model: Model) -> bool:
    """True when the model's kernels depend on x - x' only (Fourier-feature mappings; not raw or SIREN inputs)."""
    return model.mapping.kind != "none" and model.init != "siren"


def grid_spectrum(model: Model, shape, which: str = "ntk"):
    """Eigenvalues ``(N,)`` of the kernel's Gram matrix on the grid ``shape``, in FFT order: entry i belongs to the
    integer frequency ``points.grid_frequencies(shape)[i]`` (NumPy, not traced). Stationary kernels only."""
    import jax.numpy as jnp
    shape = points.parse_grid(shape)
    if not stationary(model):
        raise InputError("a grid spectrum by FFT needs a stationary kernel (a Fourier-feature mapping); use "
                         "nf.grid_spectrum for raw inputs or SIREN")
    if which not in ("ntk", "nngp"):
        raise InputError(f"unknown kernel {which!r}; choose ntk or nngp")
    offsets = jnp.asarray(points.wrapped_offsets(shape))
    row = getattr(kernels_of(model, jnp.zeros((1, len(shape)), offsets.dtype), offsets), which)[0]
    return jnp.real(jnp.fft.fftn(row.reshape(shape))).ravel()


def frequencies(shape) -> np.ndarray:
    """The integer frequency of each entry of `grid_spectrum`, ``(N, d)``."""
    return points.grid_frequencies(points.parse_grid(shape))
