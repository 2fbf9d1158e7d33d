"""Writes snapshot.npz: kernels, spectra, predicted dynamics and learnability computed by ntk_fourier 0.2.0
(commit 1e1dbd8, the NumPy engine before the pure JAX core). tests/test_pure.py compares the pure core with it.
Run once, at that commit: ``python tests/data/make_snapshot.py``; rerunning it on later code would not test anything."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

import ntk_fourier as nf

ACTIVATIONS = ("relu", "erf", "gelu", "sin")
KINDS = ("none", "basic", "positional", "power", "gaussian", "uniform", "uniform_log", "laplacian", "gaussian_inf",
         "amplitudes")


def models():
    """(name, model) for every activation x mapping x parameterization, and SIREN."""
    for act in ACTIVATIONS:
        for kind in KINDS:
            for par in ("ntk", "standard"):
                if kind == "gaussian_inf" and par == "standard":
                    continue
                features = 3 if kind in ("power", "amplitudes") else 8
                amps = tuple(np.linspace(1.0, 0.2, 24)) if kind == "amplitudes" else ()
                mapping = nf.Mapping(kind, sigma=3.0, features=features, p=1.5, seed=4, amplitudes=amps)
                yield (f"{act}-{kind}-{par}",
                       nf.Model(mapping=mapping, depth=3, width=64, activation=act, omega0=2.0,
                                w_std=1.3 if act != "sin" else 0.9, b_std=0.2, parameterization=par))
    for par in ("ntk", "standard"):
        yield f"siren-{par}", nf.siren_model(depth=3, width=64, omega0=5.0, parameterization=par)


def main() -> None:
    rng = np.random.default_rng(0)
    x1, x2 = rng.uniform(-0.5, 1.0, (5, 2)), rng.uniform(-0.5, 1.0, (3, 2))
    x2[0] = x1[1]  # a coincident pair
    out = {"x1": x1, "x2": x2}
    for name, model in models():
        k = nf.kernels(model, x1, x2, show_progress=False)
        out[f"kernel/{name}/ntk"], out[f"kernel/{name}/nngp"] = k.ntk, k.nngp
        square = nf.kernels(model, x1, show_progress=False)
        out[f"kernel/{name}/ntk_square"], out[f"kernel/{name}/nngp_square"] = square.ntk, square.nngp
    for name, model, shape in (("gaussian", nf.Model(nf.Mapping("gaussian", sigma=4.0, features=32), depth=2), (64,)),
                               ("power", nf.Model(nf.Mapping("power", features=4, p=1.0), depth=2), (8, 8)),
                               ("positional", nf.Model(nf.Mapping("positional", sigma=8.0, features=6)), (32,))):
        spec = nf.grid_spectrum(model, shape, show_progress=False)
        out[f"spectrum/{name}/eigenvalues"], out[f"spectrum/{name}/frequencies"] = spec.eigenvalues, spec.frequencies
    model = nf.Model(nf.Mapping("gaussian", sigma=5.0, features=32), depth=3)
    xt, xs = np.linspace(0, 1, 16, endpoint=False)[:, None], np.linspace(0, 1, 40, endpoint=False)[:, None]
    yt, ys = np.sin(2 * np.pi * 3 * xt[:, 0]), np.sin(2 * np.pi * 3 * xs[:, 0])
    kt, ks = nf.kernels(model, xt, show_progress=False), nf.kernels(model, xs, xt, show_progress=False)
    diag = nf.kernel_diagonal(model, xs).nngp
    steps = [0, 1, 10, 100, 1000]
    for flow in (False, True):
        lr = 0.5 * nf.max_stable_lr(np.linalg.eigvalsh(kt.ntk), yt.size)
        p = nf.predict(kt.ntk, yt, lr=lr, steps=steps, ntk_test=ks.ntk, y_test=ys, flow=flow, nngp_train=kt.nngp,
                       nngp_test=ks.nngp, nngp_test_diag=diag)
        for key in ("f_train", "f_test", "mse_train", "mse_test", "mode_residuals", "eigenvalues", "var_train",
                    "var_test"):
            out[f"dynamics/{'flow' if flow else 'gd'}/{key}"] = getattr(p, key)
        out[f"dynamics/{'flow' if flow else 'gd'}/lr"] = np.array(lr)
    out["dynamics/steps"] = np.array(steps)
    grid = nf.grid((64,))
    pop = nf.kernel.learnability.population(nf.kernels(model, grid, show_progress=False).ntk,
                                            np.sin(2 * np.pi * 5 * grid[:, 0]) + 0.3 * np.cos(2 * np.pi * 11 * grid[:, 0]))
    for ridge in (0.0, 1e-3):
        lp = nf.kernel.learnability.predict(pop, [4, 8, 16, 32], ridge=ridge)
        for key in ("kappa", "test_mse", "train_mse", "learnability"):
            out[f"learnability/{ridge:g}/{key}"] = getattr(lp, key)
    design = nf.kernel.design
    base = nf.Model(nf.Mapping("power"), depth=2)
    signals = design.one_over_f_signals(1.0, [0, 1], n=64, stride=4)
    for kind, theta in (("power", [1.2]), ("sigma", [np.log(6.0)]), ("amplitudes", -1.0 * np.log(np.arange(1, 9)))):
        for steps in (100, None):
            for network in (False, True):
                key = f"design/{kind}/{steps}/{network}"
                out[f"{key}/errors"] = design.predicted_errors(base, kind, theta, [signals], lr=0.5, steps=steps,
                                                               features=8, seed=2, network=network)
                value, grad = design.gradient(base, kind, theta, signals, lr=0.5, steps=steps, features=8, seed=2,
                                              network=network)
                out[f"{key}/value"], out[f"{key}/gradient"] = np.array(value), grad
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    out["commit"] = np.array(commit)
    np.savez_compressed(Path(__file__).with_name("snapshot.npz"), **out)
    print(f"{len(out)} arrays from commit {commit}")


if __name__ == "__main__":
    main()
