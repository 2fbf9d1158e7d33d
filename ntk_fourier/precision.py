"""Precision is explicit: kernels and spectra are computed in float64 inside `float64()`, a scoped switch of JAX's
64-bit mode, never by flipping the process-wide ``jax_enable_x64`` flag. Outside the scope JAX keeps whatever the
user chose (float32 by default), so importing or calling ntk_fourier changes no global state."""
from __future__ import annotations

import contextlib
import functools


def float64():
    """Context manager: JAX computes in 64-bit inside it (``jax.enable_x64(True)``; ``jax.experimental.enable_x64()``
    on JAX < 0.6). Arrays made inside stay float64 after it."""
    import jax
    scoped = getattr(jax, "enable_x64", None)
    if scoped is not None:
        return scoped(True)
    from jax.experimental import enable_x64  # JAX 0.5 (the neural-tangents reference environment)
    return enable_x64()


def in_float64(fn):
    """Decorator: run ``fn`` inside `float64()`."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with float64():
            return fn(*args, **kwargs)
    return wrapped


def dtype_scope(dtype):
    """`float64()` for float64, a no-op context otherwise (float32 networks)."""
    import numpy as np
    return float64() if np.dtype(dtype) == np.float64 else contextlib.nullcontext()
