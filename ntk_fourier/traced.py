"""NumPy conveniences refuse JAX tracers in one line that names their pure counterpart (`ntk_fourier.core`)."""
from __future__ import annotations

import functools

from ntk_fourier.errors import InputError


def has_tracer(*values) -> bool:
    """True when any value (an array, a model, a tuple of them) holds a JAX tracer: it is inside jit, vmap or grad."""
    import sys
    if "jax" not in sys.modules:  # no JAX loaded: nothing can be traced
        return False
    import jax
    return any(isinstance(leaf, jax.core.Tracer) for value in values for leaf in jax.tree_util.tree_leaves(value))


def numpy_only(counterpart: str):
    """Decorator: the function computes with NumPy; given traced arguments it raises one line naming
    ``counterpart``, the pure function to call inside jax.jit, vmap or grad."""
    def wrap(fn):
        @functools.wraps(fn)
        def checked(*args, **kwargs):
            if has_tracer(args, kwargs):
                raise InputError(f"{fn.__module__.replace('ntk_fourier', 'nf')}.{fn.__name__} computes with NumPy "
                                 f"and cannot run inside jax.jit, vmap or grad; use {counterpart} there")
            return fn(*args, **kwargs)
        return checked
    return wrap
