"""NTK grid spectra of Gaussian Fourier feature MLPs across depth and activation: how the network behind the
mapping reshapes the kernel's eigenvalues frequency by frequency."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf
from analysis.steps_to_learn import by_frequency, dense_grid_spectrum

ACTIVATIONS = ("relu", "erf", "gelu", "sin")
DEPTHS = (1, 2, 3, 4, 5, 6)
SIN_OMEGA0 = 1.0  # sin(omega0 z): at the SIREN value 30 the kernel behind Gaussian features is almost white


def run(quick: bool = False) -> tuple[dict, dict]:
    size, depths, activations = (64, (1, 3), ("relu", "sin")) if quick else (256, DEPTHS, ACTIVATIONS)
    mapping = nf.Mapping("gaussian", sigma=10.0, features=256)
    arrays = {"k": np.arange(size // 2 + 1), "depths": np.array(depths)}
    meta = {"activations": list(activations), "size": size, "sin_omega0": SIN_OMEGA0,
            "model": nf.Model(mapping=mapping)}
    for activation in activations:
        lam = []
        for depth in depths:
            model = nf.Model(mapping=mapping, depth=depth, activation=activation, omega0=SIN_OMEGA0)
            # exact eigenvalues (the features are not periodic on the grid, so FFT would be an approximation)
            lam.append(by_frequency(dense_grid_spectrum(model, size), size // 2))
        arrays[f"eigenvalues_{activation}"] = np.array(lam)  # (depths, frequencies)
    return arrays, meta
