"""The elementwise activations, one formula each, shared by the finite network (`ntk_fourier.network`) and the
infinite-width kernels (`ntk_fourier.core.layers`).

``relu``, ``erf``, ``gelu`` and ``sin`` (sin(omega0 z)) have closed-form kernels. The others are computed by
quadrature (`ntk_fourier.core.quadrature`), any elementwise function being possible:

- ``finer``: sin(omega0 (|z| + 1) z), FINER's variable-periodic sine (Liu et al., CVPR 2024);
- ``gauss``: exp(-(s0 z)^2), the Gaussian activation (Ramasinghe & Lucey, ECCV 2022, with sigma = 1 / (sqrt(2) s0));
- ``gabor``: cos(omega0 z) exp(-(s0 z)^2), WIRE's real Gabor wavelet (Saragadam et al., CVPR 2023).
"""
from __future__ import annotations

CLOSED_FORM = ("relu", "erf", "gelu", "sin")
QUADRATURE = ("finer", "gauss", "gabor")
PARAMETERS = {"sin": ("omega0",), "finer": ("omega0",), "gauss": ("s0",), "gabor": ("omega0", "s0")}  # the rest: none


def function(name: str):
    """The activation ``name`` as ``f(z, omega0, s0)``, elementwise in jax.numpy."""
    import jax
    import jax.numpy as jnp
    return {
        "relu": lambda z, omega0, s0: jax.nn.relu(z),
        "erf": lambda z, omega0, s0: jax.scipy.special.erf(z),
        "gelu": lambda z, omega0, s0: jax.nn.gelu(z, approximate=False),
        "sin": lambda z, omega0, s0: jnp.sin(omega0 * z),
        "finer": lambda z, omega0, s0: jnp.sin(omega0 * (jnp.abs(z) + 1.0) * z),
        "gauss": lambda z, omega0, s0: jnp.exp(-(s0 * z) ** 2),
        "gabor": lambda z, omega0, s0: jnp.cos(omega0 * z) * jnp.exp(-(s0 * z) ** 2),
    }[name]


def bandwidth(name: str, variance, omega0, s0):
    """How fast the activation varies over its pre-activation's spread (standard deviation sqrt(variance)), in the
    units of `ntk_fourier.core.quadrature.LIMIT`: sigma omega0 for gabor's carrier plus sigma s0 for its envelope;
    1.5 sigma s0 for gauss; sigma omega0 (8 sigma + 1) for finer, whose local frequency omega0 (2|z| + 1) grows
    with |z| (taken at |z| = 4 sigma). Elementwise in NumPy."""
    import numpy as np
    sigma = np.sqrt(variance)
    return {"finer": sigma * omega0 * (8 * sigma + 1), "gauss": 1.5 * s0 * sigma,
            "gabor": sigma * (omega0 + s0)}[name]
