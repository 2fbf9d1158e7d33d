"""Eigenvalues per harmonic degree of ReLU NTK and NNGP on the circle and sphere, with and without bias."""
from __future__ import annotations

import ntk_fourier as nf

SETTINGS = {"quick": {"max_degree_circle": 32, "max_degree_sphere": 16},
            "full": {"max_degree_circle": 128, "max_degree_sphere": 48}}
B_STDS = (0.0, 0.5)


def run(max_degree_circle: int, max_degree_sphere: int) -> tuple[dict, dict]:
    """Per (dimension d of the ambient space: 2 the circle, 3 the sphere; bias; kernel): the integral operator's
    eigenvalue mu_k at each degree k (`nf.harmonic_spectrum`) of a one-hidden-layer ReLU network on raw inputs."""
    max_degree = {2: max_degree_circle, 3: max_degree_sphere}
    arrays, meta = {}, {"cases": []}
    for dim in (2, 3):
        for b_std in B_STDS:
            model = nf.Model(mapping=nf.Mapping("none"), depth=1, b_std=b_std)
            for which in ("ntk", "nngp"):
                degrees, mu, _ = nf.harmonic_spectrum(model, dim, max_degree[dim], which=which)
                key = f"d{dim}_b{b_std:g}_{which}"
                arrays[key], arrays[f"degrees_d{dim}"] = mu, degrees
                meta["cases"].append({"key": key, "dim": dim, "b_std": b_std, "kernel": which})
    meta["model"] = nf.Model(mapping=nf.Mapping("none"), depth=1)
    return arrays, meta
