"""NTK grid spectra of Gaussian Fourier feature MLPs across depth and activation: how the network behind the
mapping reshapes the kernel's eigenvalues frequency by frequency."""
from __future__ import annotations

import jax
import numpy as np

import ntk_fourier as nf
from analysis.steps_to_learn import by_frequency, dense_grid_spectrum

ACTIVATIONS = ("relu", "erf", "gelu", "sin")
DEPTHS = (1, 2, 3, 4, 5, 6)
SIN_OMEGA0 = 1.0  # sin(omega0 z): at the SIREN value 30 the kernel behind Gaussian features is almost white
SIREN_OMEGA0 = 30.0  # the control: sin at SIREN's omega0, one hidden layer

SETTINGS = {
    "quick": {"size": 128, "depths": (1, 3), "activations": ("relu", "sin"), "sigma": 10.0, "features": 256},
    "full": {"size": 256, "depths": DEPTHS, "activations": ACTIVATIONS, "sigma": 10.0, "features": 256},
}


def _eigenvalues(model: nf.Model, size: int) -> np.ndarray:
    # exact eigenvalues (the features are not periodic on the grid, so FFT would be an approximation)
    return by_frequency(dense_grid_spectrum(model, size), size // 2)


def run(*, size: int, depths, activations, sigma: float, features: int) -> tuple[dict, dict]:
    """Eigenvalue at each frequency k = 0..size/2 (cycles per unit interval) of the NTK on a ``size``-point grid of
    [0, 1), for MLPs of each depth in ``depths`` and activation in ``activations`` after the same Gaussian features
    (``features`` of scale ``sigma``); and, as a control, sin at SIREN's omega0 with one hidden layer."""
    mapping = nf.Mapping("gaussian", sigma=sigma, features=features)
    arrays = {"k": np.arange(size // 2 + 1), "depths": np.array(depths)}
    meta = {"activations": list(activations), "size": size, "sin_omega0": SIN_OMEGA0, "siren_omega0": SIREN_OMEGA0,
            "sigma": sigma, "features": features, "model": nf.Model(mapping=mapping)}
    # each depth and activation is its own jitted kernel function: run op by op, which costs less than compiling
    # every one of them (same values to round-off)
    with jax.disable_jit():
        for activation in activations:
            arrays[f"eigenvalues_{activation}"] = np.array([  # (depths, frequencies)
                _eigenvalues(nf.Model(mapping=mapping, depth=depth, activation=activation, omega0=SIN_OMEGA0), size)
                for depth in depths])
        arrays["eigenvalues_siren_omega0"] = _eigenvalues(
            nf.Model(mapping=mapping, depth=1, activation="sin", omega0=SIREN_OMEGA0), size)
    return arrays, meta
