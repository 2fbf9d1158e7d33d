"""Settings shared by the analyses: the gallery's 1D data, step grid, learning rate and network sizes; the
benchmarks' timer and machine description."""
from __future__ import annotations

import platform
import time

import numpy as np

import ntk_fourier as nf

STEPS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
QUICK_STEPS = [0, 1, 5, 20, 50]


def tancik_1d() -> dict:
    """The 1D setting of Tancik et al.: 256-point grid, every 8th point to train, a 1/f signal (seed 0)."""
    return nf.one_over_f(n=256, stride=8, seed=0)


def half_stable_lr(model: nf.Model, x_train: np.ndarray, n_values: int) -> float:
    """Half the largest stable gradient-descent rate 2n / lambda_max of the model's analytic NTK."""
    ntk = nf.kernels(model, x_train, show_progress=False).ntk
    return 0.5 * nf.max_stable_lr(np.linalg.eigvalsh(ntk), n_values)


def steps(quick: bool) -> list[int]:
    return QUICK_STEPS if quick else STEPS


def width(quick: bool) -> int:
    return 64 if quick else 1024


def timed(fn):
    """(fn(), seconds it took)."""
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def machine() -> str:
    """Host, processor, Python, and the JAX device the benchmarks ran on."""
    import jax
    device = jax.devices()[0]
    return (f"{platform.node()} ({platform.processor() or platform.machine()}), {platform.python_version()}, "
            f"jax {jax.__version__} on {device.platform}: {device.device_kind}")


def predicted_and_trained(model: nf.Model, data: dict, *, steps: int, seeds: int, lr: float | None = None,
                          seed: int = 0) -> dict:
    """Test MSE after ``steps`` gradient-descent steps of the NTK prediction from f(0) = 0 and of ``seeds`` centred
    networks (f(x) - f(x; initial parameters), which follow that prediction at infinite width) of ``model``'s width,
    at ``lr`` (default: half the largest stable rate of the NTK)."""
    if lr is None:
        lr = half_stable_lr(model, data["x_train"], np.asarray(data["y_train"]).size)
    predicted = nf.kernel.dynamics.predict_model(model, data, lr=lr, steps=[steps], show_progress=False)
    run = nf.train(model, data["x_train"], data["y_train"], data["x_test"], data["y_test"], lr=lr,
                   steps=[0, steps], seeds=seeds, seed=seed, center=True, show_progress=False)
    return {"predicted": float(predicted.mse_test[-1]), "trained": float(run.mse_test[-1].mean()),
            "trained_per_seed": run.mse_test[-1].tolist(), "lr": float(lr)}
