"""Coordinate encodings compared on one set of 2D points: the NTK's smallest eigenvalue and its spectrum by
frequency for a plain MLP, Gaussian Fourier features, SIREN, sine-type activations by quadrature, and dense and hash
grid encodings (tables trained), with the predicted and trained convergence of each frequency of one target.

    python -m analysis.encodings   (the gallery runs it: figures/encodings.py)

Points: the ``size`` x ``size`` grid of [0, 1)^2. Every model but SIREN is the same ReLU MLP (``depth`` hidden layers,
NTK parameterization) behind its encoding. The target is a sum of cosines along the first axis at ``frequencies``;
gradient descent at half the largest stable rate (the kernel prediction: (I - lr K / n)^t y; the networks: width
``width``, centred so that they start from f = 0 as the prediction does, ``seeds`` of them, with the relative drift
of their empirical NTK).
"""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf

SETTINGS = {
    "quick": {"size": 8, "depth": 4, "frequencies": (1, 2, 3), "steps": (0, 10, 100, 1000), "width": 128,
              "seeds": 1, "quadrature": ()},
    "full": {"size": 16, "depth": 4, "frequencies": (1, 3, 5, 7), "steps": (0, 10, 30, 100, 300, 1000),
             "width": 256, "seeds": 1, "quadrature": ("finer", "gauss", "gabor")},
}
QUADRATURE = {"gauss": {"s0": 1.0}, "gabor": {"omega0": 2.0, "s0": 1.0}, "finer": {"omega0": 0.3}}  # within the rule's bandwidth
TRAINED = ("plain MLP", "Fourier features", "dense grid", "hash grid")
TILED = nf.Execution(tile=64, progress=False)  # symmetric tiles computed once: 10 of 16 on 256 points


def models(depth: int, quadrature=()) -> dict[str, nf.Model]:
    """The encodings compared, by name: the same ReLU MLP behind each (SIREN and the quadrature activations apart)."""
    mlp = nf.Model(nf.Mapping("none"), depth=depth)
    out = {"plain MLP": mlp,
           "Fourier features": mlp.replace(mapping=nf.Mapping("gaussian", sigma=10.0, features=256)),
           "SIREN": nf.siren_model(depth=depth)}
    for name in quadrature:
        out[f"{name} activation"] = mlp.replace(activation=name, w_std=1.0, **QUADRATURE[name])
    out["dense grid"] = mlp.replace(mapping=nf.model.grid_mapping("grid"))
    out["hash grid"] = mlp.replace(mapping=nf.model.grid_mapping("hash"))
    return out


def fourier_energy(kernel: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(|k| per radial bin, mean Rayleigh quotient phi_k^H K phi_k / n of the 2D Fourier modes in that bin): the
    kernel's eigenvalue at frequency k where it is stationary and periodic on the grid, its energy there otherwise."""
    n = size * size
    modes = np.fft.fft2(np.eye(n).reshape(n, size, size), axes=(1, 2)).reshape(n, n)  # column (k1, k2): the mode
    quotients = np.real(np.einsum("ik,ij,jk->k", modes.conj(), kernel, modes)) / n
    k = nf.grid_frequencies((size, size))
    radius = np.rint(np.sqrt(np.sum(k ** 2, axis=1))).astype(int)
    bins = np.arange(radius.max() + 1)
    return bins, np.array([quotients[radius == r].mean() for r in bins])


def residual_by_frequency(residuals: np.ndarray, x: np.ndarray, frequencies) -> np.ndarray:
    """|<r, cos(2 pi k x_1)>| per frequency k, for residuals ``(..., n)``."""
    basis = np.stack([np.cos(2 * np.pi * k * x[:, 0]) for k in frequencies])  # (K, n)
    return np.abs(residuals @ basis.T) / np.sum(basis ** 2, axis=1)


def run(*, size: int, depth: int, frequencies, steps, width: int, seeds: int, quadrature) -> tuple[dict, dict]:
    x = nf.grid((size, size))
    n = len(x)
    y = np.sum([np.cos(2 * np.pi * k * x[:, 0]) for k in frequencies], axis=0)
    steps = np.asarray(steps)
    arrays = {"steps": steps, "frequencies": np.asarray(frequencies)}
    chosen = models(depth, quadrature)
    names = list(chosen)
    for i, (name, model) in enumerate(chosen.items()):
        kernel = nf.kernels(model, x, execution=TILED).ntk
        lam, v = np.linalg.eigh(kernel)
        bins, energy = fourier_energy(kernel, size)
        lr = 0.5 * nf.max_stable_lr(lam, n)
        predicted = np.stack([v @ ((1.0 - lr * lam / n) ** t * (v.T @ -y)) for t in steps])  # residual f - y
        arrays.update({f"eigenvalues_{i}": lam, f"energy_{i}": energy, f"lr_{i}": np.float64(lr),
                       f"predicted_{i}": residual_by_frequency(predicted, x, frequencies)})
        if name in TRAINED:
            run_ = nf.train(model.replace(width=width), x, y, x[:1], y[:1], lr=lr, steps=steps, seeds=seeds,
                            center=True, record_ntk=True, execution=nf.QUIET)
            arrays[f"trained_{i}"] = residual_by_frequency(run_.f_train[..., 0] - y, x, frequencies)  # (T, S, K)
            arrays[f"drift_{i}"] = run_.drift  # (T, S): |K_t - K_0| / |K_0|
        print(f"{name}: lambda_min / lambda_max = {lam[0] / lam[-1]:.3g}", flush=True)
    arrays["radius"] = bins
    meta = {"size": size, "points": n, "depth": depth, "width": width, "seeds": seeds, "names": names,
            "trained": [name for name in names if name in TRAINED], "target": "sum of cos(2 pi k x_1)",
            "models": chosen}
    return arrays, meta


if __name__ == "__main__":
    arrays, meta = run(**SETTINGS["full"])
