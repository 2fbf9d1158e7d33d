"""NTK-guided mapping design: a Fourier-feature mapping's parameters chosen by gradient descent on the predicted test
error of the infinite-width network (as Tancik et al. 2020 did for the power-law mapping, their Sec. 5 and 1D NTK
optimisation notebook), differentiated through the pure kernel (`nf.kernel_fn`, the mapping's parameters its traced
leaves) and the pure dynamics (`nf.core.dynamics`).

The mapping's input covariance C(x, x') = sum_j a_j^2 cos(2 pi b_j.(x - x')) / sum_j a_j^2, parameterised as:

- ``power``: the integer frequencies b of `mappings.lattice`, a_j = |b_j|^-p; theta = p (`Mapping("power")`);
- ``amplitudes``: the same frequencies, every amplitude free, a_j = exp(theta_j) (`Mapping("amplitudes")`);
- ``sigma``: Gaussian frequencies b_j = sigma z_j with z fixed by the mapping's seed; theta = log sigma
  (`Mapping("gaussian")`, the same z as `mappings.frequencies`).

Objective: the mean squared error on held-out points of the NTK prediction after ``steps`` steps of gradient descent
at rate ``lr`` on L = 1/(2n) sum (f - y)^2 from f(0) = 0 (the mean of infinitely many networks, and the limit of
centred networks f(x; p) - f(x; p0)),
f_* = K_*X (lr / n) sum_{k<t} (I - lr K / n)^k y = K_*X K^-1 (I - (I - lr K / n)^t) y = A y; with ``network=True``,
one plain network's expected error: that plus the variance its initial function f0 ~ GP(0, NNGP) leaves,
E |f0_* - A f0_X|^2. The
geometric sum is formed by repeated squaring (`nf.core.dynamics.propagators`) (no inverse, no eigendecomposition: eigh has no derivative at the
repeated eigenvalues of kernels on grids); at convergence (``steps=None``) A = K_*X K^-1 by a solve. Averaged over
several signals (columns of Y), so a mapping is designed for a class of signals; a second set of signals
(validation) picks the iterate returned, and a third (test) measures it.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from ntk_fourier import datasets
from ntk_fourier.core import dynamics, kernel_fn
from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, QUIET, Execution
from ntk_fourier.model import Mapping, Model, mappings, plain
from ntk_fourier.precision import float64
from ntk_fourier.progress import progress

KINDS = ("power", "amplitudes", "sigma")


class Signals(NamedTuple):
    """Signals on shared points: ``x_train (n, d)``, ``y_train (n, S)``, ``x_test (m, d)``, ``y_test (m, S)``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def one_over_f_signals(alpha: float, seeds, n: int = 256, stride: int = 8) -> Signals:
    """1/f^alpha signals (`datasets.one_over_f`, one per seed) on the 1D grid of ``n`` points, every ``stride``-th
    point to train."""
    sets = [datasets.one_over_f(n=n, stride=stride, alpha=alpha, seed=int(s)) for s in seeds]
    return Signals(sets[0]["x_train"], np.stack([d["y_train"] for d in sets], 1), sets[0]["x_test"],
                   np.stack([d["y_test"] for d in sets], 1))


def one_over_f_class(alpha: float, n: int = 256, stride: int = 8) -> Signals:
    """The whole class of 1/f^alpha signals with random phases as ``n`` signals: f^-alpha cos(2 pi f x) and
    f^-alpha sin(2 pi f x), f = 1..n/2. For any linear predictor the mean squared error over these columns is, up to a
    constant factor, the expected error over the random phases (E[cos(phi)^2] = 1/2, E[cos sin] = 0): designing on
    them designs for the class, with no sampling noise (each drawn signal is also scaled to max |y| = 1, which this
    leaves out)."""
    x = np.arange(n) / n
    f = np.arange(1, n // 2 + 1)
    amplitude = f ** -float(alpha)
    Y = np.concatenate([amplitude * np.cos(2 * np.pi * np.outer(x, f)), amplitude * np.sin(2 * np.pi * np.outer(x, f))],
                       axis=1)
    train = np.arange(n) % stride == 0
    return Signals(x[train][:, None], Y[train], x[~train][:, None], Y[~train])


def mapping_of(kind: str, theta, features: int, seed: int = 0) -> Mapping:
    """The `Mapping` that parameters ``theta`` of ``kind`` describe."""
    theta = np.asarray(theta, dtype=np.float64)
    if kind == "power":
        return Mapping("power", features=features, p=float(theta.reshape(-1)[0]))
    if kind == "amplitudes":
        return Mapping("amplitudes", features=features, amplitudes=tuple(np.exp(theta - theta.max())))
    if kind == "sigma":
        return Mapping("gaussian", features=features, sigma=float(np.exp(theta.reshape(-1)[0])), seed=seed)
    raise InputError(f"unknown design kind {kind!r}; choose one of {', '.join(KINDS)}")


def initial_theta(kind: str, features: int, dim: int, p: float = 1.0, sigma: float = 10.0) -> np.ndarray:
    """Starting parameters: the power law |b|^-p (power, amplitudes) or the scale sigma."""
    if kind == "power":
        return np.array([float(p)])
    if kind == "amplitudes":
        return -float(p) * np.log(np.linalg.norm(mappings.lattice(features, dim), axis=1))
    if kind == "sigma":
        return np.array([np.log(float(sigma))])
    raise InputError(f"unknown design kind {kind!r}; choose one of {', '.join(KINDS)}")


def traced_mapping(kind: str, theta, features: int, seed: int = 0) -> Mapping:
    """`mapping_of` for traced parameters: the mapping's leaves are functions of ``theta`` (a JAX array)."""
    import jax.numpy as jnp
    if kind == "power":
        return Mapping("power", features=features, p=theta[0])
    if kind == "amplitudes":
        return Mapping("amplitudes", features=features, amplitudes=jnp.exp(theta - jnp.max(theta)))
    return Mapping("gaussian", features=features, sigma=jnp.exp(theta[0]), seed=seed)


def _kernels(model: Model, kind: str, theta, x1, x2, features: int, seed: int):
    """(NTK, NNGP) (n1, n2) of ``model`` with the mapping of ``theta`` (`nf.kernel_fn`, traceable in theta)."""
    return kernel_fn(model.replace(mapping=traced_mapping(kind, theta, features, seed)))(x1, x2)


def _kernel(model: Model, kind: str, theta, x1, x2, features: int, seed: int):
    """The NTK of `_kernels`."""
    return _kernels(model, kind, theta, x1, x2, features, seed).ntk


@functools.lru_cache(maxsize=32)
def _objective(model: Model, kind: str, features: int, seed: int, steps: int | None, network: bool):
    """jitted (theta, x_train, x_test, lr, [(Y_train, Y_test), ...]) -> the predicted test MSE of each set, and its
    value and gradient for the first set. ``network``: one plain network's error from its random initialisation (the
    mean's error plus the variance its initial function f0 ~ GP(0, NNGP) leaves), else the mean prediction's."""
    import jax
    import jax.numpy as jnp

    def errors(theta, x_train, x_test, lr, ys):
        K, S = _kernels(model, kind, theta, x_train, x_train, features, seed)
        K_test, S_test = _kernels(model, kind, theta, x_test, x_train, features, seed)
        n = len(x_train)
        if steps is None:
            jitter = 1e-10 * jnp.trace(K) / n
            A = jnp.linalg.solve(K + jitter * jnp.eye(n), K_test.T).T  # (m, n): f_* = A y
        else:
            A = K_test @ dynamics.propagators(K, lr, int(steps), n)[1]
        variance = 0.0
        if network:  # E |f0_* - A f0_X|^2 / m with f0 ~ GP(0, NNGP); diag NNGP(x, x) of the test points
            S_diag = jnp.diag(_kernels(model, kind, theta, x_test, x_test, features, seed).nngp)
            variance = (jnp.sum(S_diag) - 2.0 * jnp.sum(A * S_test) + jnp.sum((A @ S) * A)) / len(x_test)
        return jnp.stack([jnp.mean((A @ y_tr - y_te) ** 2) + variance for y_tr, y_te in ys])

    return jax.jit(errors), jax.jit(jax.value_and_grad(lambda *a: errors(*a)[0]))


def predicted_errors(model: Model, kind: str, theta, sets, *, lr: float, steps: int | None, features: int,
                     seed: int = 0, network: bool = False) -> np.ndarray:
    """Predicted test MSE (mean over each set's signals) for every `Signals` of ``sets`` (all on the same points):
    of one network trained from its random initialisation (``network``), or of the ensemble mean."""
    errors, _ = _objective(plain(model), kind, features, seed, steps, network)
    with float64():
        import jax.numpy as jnp
        ys = [(jnp.asarray(s.y_train), jnp.asarray(s.y_test)) for s in sets]
        return np.asarray(errors(jnp.asarray(theta, jnp.float64), jnp.asarray(sets[0].x_train),
                                 jnp.asarray(sets[0].x_test), lr, ys))


def gradient(model: Model, kind: str, theta, signals: Signals, *, lr: float, steps: int | None, features: int,
             seed: int = 0, network: bool = False) -> tuple[float, np.ndarray]:
    """(predicted test MSE on ``signals``, its gradient in theta), by reverse-mode differentiation."""
    _, value_and_grad = _objective(plain(model), kind, features, seed, steps, network)
    with float64():
        import jax.numpy as jnp
        value, grad = value_and_grad(jnp.asarray(theta, jnp.float64), jnp.asarray(signals.x_train),
                                     jnp.asarray(signals.x_test), lr,
                                     [(jnp.asarray(signals.y_train), jnp.asarray(signals.y_test))])
        return float(value), np.asarray(grad)


def stable_lr(model: Model, mapping: Mapping, x_train: np.ndarray) -> float:
    """Half the largest stable gradient-descent rate 2n / lambda_max of the model's NTK with ``mapping``."""
    from ntk_fourier.kernel import kernels
    K = kernels(model.replace(mapping=mapping), x_train, execution=QUIET).ntk
    return 0.5 * 2.0 * len(x_train) / float(np.linalg.eigvalsh(K)[-1])


@functools.lru_cache(maxsize=32)
def _largest_eigenvalue(model: Model, kind: str, features: int, seed: int):
    """jitted (theta, x) -> the largest eigenvalue of the NTK (`_kernel`) on the points x."""
    import jax
    import jax.numpy as jnp
    return jax.jit(lambda theta, x: jnp.linalg.eigvalsh(_kernel(model, kind, theta, x, x, features, seed))[-1])


def stable_lrs(model: Model, kind: str, thetas, x_train: np.ndarray, *, features: int, seed: int = 0,
               execution: Execution = QUIET) -> np.ndarray:
    """`stable_lr` of each mapping of ``kind`` with parameters ``thetas``, from this module's NTK (equal to the
    engine's, `check_covariance`): one compiled program for all of them."""
    largest = _largest_eigenvalue(plain(model), kind, features, seed)
    with float64():
        import jax.numpy as jnp
        x = jnp.asarray(x_train)
        lam = [float(largest(jnp.asarray(theta, jnp.float64), x)) for theta in
               progress(list(thetas), "computing the NTK of each grid mapping for the stable rate",
                        execution.progress)]
    return len(x_train) / np.array(lam)


class Design(NamedTuple):
    """``mapping``: the designed mapping (the iterate best on the validation signals); ``theta``: its parameters;
    ``history``: (iterations + 1, 2) design and validation MSE at each iterate; ``best``: its index; ``lr``, ``steps``:
    the gradient-descent rate and step count the errors are predicted for (steps None: converged)."""

    kind: str
    mapping: Mapping
    theta: np.ndarray
    history: np.ndarray
    best: int
    lr: float
    steps: int | None


def design(model: Model, kind: str, design_set: Signals, validation_set: Signals, *, features: int,
           steps: int | None = None, lr: float | None = None, theta0=None, iterations: int = 200,
           rate: float = 0.05, seed: int = 0, network: bool = False, execution: Execution = DEFAULT) -> Design:
    """Optimise the mapping's parameters (``kind``) by Adam (optax, step ``rate``) on the predicted test MSE of
    ``model``'s NTK on ``design_set``; returns the iterate with the lowest MSE on ``validation_set``.

    ``lr``: the networks' gradient-descent rate, held fixed (default: half the stable rate of the starting mapping);
    ``theta0``: starting parameters (default `initial_theta`: p = 1, sigma = 10); ``network``: minimise one plain
    network's predicted error (with its initial function's variance) instead of the mean prediction's (default).
    """
    import jax.numpy as jnp
    import optax
    if kind not in KINDS:
        raise InputError(f"unknown design kind {kind!r}; choose one of {', '.join(KINDS)}")
    if steps is not None and (int(steps) != steps or steps < 1):
        raise InputError(f"steps must be a positive integer (or None: converged), got {steps}")
    if int(iterations) != iterations or iterations < 0:
        raise InputError(f"iterations must be a non-negative integer, got {iterations}")
    dim = design_set.x_train.shape[1]
    theta = np.asarray(initial_theta(kind, features, dim) if theta0 is None else theta0, dtype=np.float64)
    if lr is None:
        lr = stable_lr(model, mapping_of(kind, theta, features, seed), design_set.x_train)
    errors, value_and_grad = _objective(plain(model), kind, features, seed, steps, network)
    optimizer = optax.adam(rate)
    with float64():
        xs = (jnp.asarray(design_set.x_train), jnp.asarray(design_set.x_test))
        ys_design = (jnp.asarray(design_set.y_train), jnp.asarray(design_set.y_test))
        ys_valid = (jnp.asarray(validation_set.y_train), jnp.asarray(validation_set.y_test))
        theta = jnp.asarray(theta)
        state = optimizer.init(theta)
        history, thetas = [], []
        for _ in progress(range(iterations + 1), f"designing the {kind} mapping", enabled=execution.progress):
            history.append(np.asarray(errors(theta, *xs, lr, [ys_design, ys_valid])))
            thetas.append(np.asarray(theta))
            if len(thetas) > iterations:
                break
            _, grad = value_and_grad(theta, *xs, lr, [ys_design])
            updates, state = optimizer.update(grad, state)
            theta = optax.apply_updates(theta, updates)
    history = np.array(history)
    finite = np.where(np.isfinite(history[:, 1]), history[:, 1], np.inf)
    best = int(np.argmin(finite))
    if not np.isfinite(finite[best]):
        raise InputError("the predicted error is not finite for any iterate: lower --lr or --rate")
    return Design(kind=kind, mapping=mapping_of(kind, thetas[best], features, seed), theta=thetas[best],
                  history=history, best=best, lr=float(lr), steps=steps)


def grid_search(model: Model, kind: str, values, sets, *, lr: float, steps: int | None, features: int,
                seed: int = 0, network: bool = False, execution: Execution = QUIET) -> np.ndarray:
    """Predicted test MSE (values x sets) of the one-parameter mappings (power: p; sigma: sigma) at ``values``."""
    if kind not in ("power", "sigma"):
        raise InputError("a grid search is over power (p) or sigma")
    return np.array([predicted_errors(model, kind, [v] if kind == "power" else [np.log(v)], sets, lr=lr,
                                      steps=steps, features=features, seed=seed, network=network)
                     for v in progress(list(values), "grid search: predicting each grid mapping's errors",
                                       execution.progress)])


def check_covariance(model: Model, kind: str, theta, x: np.ndarray, features: int, seed: int = 0) -> float:
    """Largest |difference| between this module's NTK and the engine's (`kernels`) for the same mapping."""
    import jax.numpy as jnp
    from ntk_fourier.kernel import kernels
    with float64():
        mine = np.asarray(_kernel(model, kind, jnp.asarray(theta, jnp.float64), jnp.asarray(x), jnp.asarray(x),
                                  features, seed))
    ref = kernels(model.replace(mapping=mapping_of(kind, theta, features, seed)), x, execution=QUIET).ntk
    return float(np.max(np.abs(mine - ref)) / np.max(np.abs(ref)))


__all__ = ["KINDS", "Design", "Signals", "check_covariance", "design", "gradient", "grid_search",
           "initial_theta", "mapping_of", "one_over_f_class", "one_over_f_signals", "predicted_errors", "stable_lr",
           "stable_lrs", "traced_mapping"]
