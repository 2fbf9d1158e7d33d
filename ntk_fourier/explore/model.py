"""The explorer's pure computation: settings in, arrays out (no widgets, no plotting).

`compute` takes one `Settings` value (the explorer's controls) and returns every array the explorer draws: the
target (a sum of sines on a periodic 1D grid of [0, 1), trained on every ``stride``-th point), the NTK row
k(x0, x), its spectrum by grid frequency, the predicted residual at each target frequency against the
gradient-descent step, and the predicted fit f_t(x) on the whole grid at each recorded step.

Speed: the explorer recomputes on every control change, so the kernel is computed in one piece on the whole grid by
the pure layer recursion (`nf.core.layers`) jit-compiled once per network *structure* (depth, activation, grid
size): the model is a pytree whose numeric leaves (omega0, w_std, b_std) are traced. The input covariance C(x, x')
of the mapping is computed in NumPy (it is where sigma, p and features enter), so moving sigma, p, features, omega0,
x0, the learning rate, the steps or the target frequencies reuses the compiled kernel. The result equals
`ntk_fourier.kernels` (the tests check it).
"""
from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import glob
import os
import warnings

import numpy as np

from ntk_fourier import (QUIET, Execution, InputError, Mapping, Model, StabilityWarning, float64, max_stable_lr,
                         predict)
from ntk_fourier.core import covariance, layers
from ntk_fourier.model import GRID_KINDS, grid_mapping, mappings, points

MAPPINGS = ("none", "basic", "positional", "power", "gaussian", "grid", "hash")
ACTIVATIONS = ("relu", "erf", "gelu", "sin")
RESIDUAL_FLOOR = 1e-16  # residuals are drawn on a log axis: smaller values are shown at this floor


def parse_frequencies(text) -> tuple[int, ...]:
    """``"2,8,16"`` (or a sequence of integers) -> ``(2, 8, 16)``: distinct positive integer frequencies, sorted."""
    if isinstance(text, str):
        parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    else:
        parts = list(text)
    try:
        values = [float(p) for p in parts]
    except (TypeError, ValueError):
        raise InputError(f"malformed frequencies {text!r}: write positive integers separated by commas, e.g. 2,8,16")
    if not values or any(v != int(v) or v < 1 for v in values):
        raise InputError(f"malformed frequencies {text!r}: write positive integers separated by commas, e.g. 2,8,16")
    return tuple(sorted({int(v) for v in values}))


@dataclasses.dataclass(frozen=True)
class Settings:
    """The explorer's controls.

    Fields:
      mapping, sigma, p, features: the Fourier feature mapping (`ntk_fourier.Mapping`; seed 0). The default, no
        mapping (a plain ReLU MLP on raw x), shows spectral bias: the lowest target frequency is learnt first.
        ``grid`` and ``hash``: Instant-NGP's grid encodings with their defaults (`ntk_fourier.model.grid_mapping`;
        sigma, p and features do not apply).
      depth, activation, omega0: the MLP (`ntk_fourier.Model`; ntk parameterization, w_std sqrt(2), b_std 0.1).
      lr_fraction: the learning rate as a fraction of the largest stable one, 2n / lambda_max of the training NTK.
      frequencies: the target y(x) = sum_f sin(2 pi f x) / (number of frequencies); text ``"2,8,16"`` accepted.
      grid: points of the periodic grid on [0, 1) (64 to 256 in the explorer; any even number from 8 here).
      stride: train on every ``stride``-th grid point (a periodic grid of grid / stride points).
      steps: the last gradient-descent step; the dynamics are recorded at ``records`` log-spaced steps from 1 (and 0).
      x0: the point whose kernel row k(x0, x) is shown (moved to the nearest grid point).
      records: number of recorded steps besides 0.
    """

    mapping: str = "none"
    sigma: float = 10.0
    p: float = 1.0
    features: int = 256
    depth: int = 4
    activation: str = "relu"
    omega0: float = 30.0
    lr_fraction: float = 0.5
    frequencies: tuple = (2, 8, 16)
    grid: int = 256
    stride: int = 4
    steps: int = 2000
    x0: float = 0.5
    records: int = 60

    def __post_init__(self):
        object.__setattr__(self, "frequencies", parse_frequencies(self.frequencies))
        if self.mapping not in MAPPINGS:
            raise InputError(f"unknown mapping {self.mapping!r}; choose one of {', '.join(MAPPINGS)}")
        if not 0.0 < self.lr_fraction < 1.0:
            raise InputError(f"lr_fraction must be between 0 and 1 (exclusive), got {self.lr_fraction}")
        for name in ("grid", "stride", "steps", "records"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise InputError(f"{name} must be a positive integer, got {value}")
        if self.grid < 8 or self.grid % 2 or self.grid % self.stride or self.stride < 2:
            raise InputError(f"need an even grid of at least 8 points divisible by a stride >= 2, got grid={self.grid},"
                             f" stride={self.stride}")
        nyquist = self.grid // self.stride // 2
        if max(self.frequencies) >= nyquist:
            raise InputError(f"target frequency {max(self.frequencies)} is not below the training grid's Nyquist "
                             f"frequency {nyquist} (grid {self.grid} / stride {self.stride} / 2): use lower "
                             "frequencies, a finer grid or a smaller stride")
        self.model()  # validates sigma, p, features, depth, activation, omega0

    def model(self) -> Model:
        """The `ntk_fourier.Model` these settings describe."""
        mapping = (grid_mapping(self.mapping) if self.mapping in GRID_KINDS else
                   Mapping(kind=self.mapping, sigma=float(self.sigma), features=int(self.features), p=float(self.p)))
        return Model(mapping=mapping,
                     depth=int(self.depth), activation=self.activation, omega0=float(self.omega0))

    replace = dataclasses.replace


@functools.lru_cache(maxsize=1)
def _layers_fn():
    """The pure layer recursion under jit, the model an argument: (model, nngp, ntk, cov1, cov2, same, fan_in) -> (ntk,
    nngp), compiled once per network structure and fan-in; omega0, w_std and b_std are traced leaves; ``ntk``: the
    input NTK (a grid encoding's tables; else 0); ``same``: where the points are identical (`layers.layers`)."""
    import jax
    return jax.jit(lambda model, nngp, ntk, c1, c2, same, fan_in: layers.layers(model, nngp, ntk, c1, c2, fan_in,
                                                                                 same), static_argnums=6)


def input_covariance(model: Model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(nngp (n, n), input ntk (n, n), cov (n,), cov (n,)) entering the first Dense layer, as
    `covariance.from_points` computes them. For Fourier mappings on 1D points it is evaluated once per distinct
    difference x_i - x_j (a Toeplitz matrix on a grid: 2n - 1 values instead of n^2):
    C(x, x') = sum_j a_j^2 cos(2 pi b_j (x - x')), exactly 1 at x = x'."""
    if not mappings.is_fourier(model.mapping) or x.shape[1] != 1:
        g = covariance.features(model, x)
        return covariance.from_points(model, x, x, g, g, xp=np)
    B, a = mappings.frequencies(model.mapping, 1)
    diff = x[:, 0][:, None] - x[:, 0][None, :]
    values, index = np.unique(diff, return_inverse=True)
    c = np.cos(2.0 * np.pi * np.outer(values, B[:, 0])) @ (a * a)
    c[values == 0.0] = 1.0
    nngp = np.clip(c, -1.0, 1.0)[index.reshape(diff.shape)]
    ones = np.ones(len(x))
    return nngp, np.zeros_like(nngp), ones, ones


def kernel_matrix(model: Model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ntk, nngp) ``(n, n)`` float64 of ``model`` on the points ``x`` ``(n, d)`` (equal to `ntk_fourier.kernels`
    to round-off), reusing one compiled program for every mapping and omega0 (see the module docstring).
    Gaussian-initialised models with finite mappings (not SIREN, not gaussian_inf)."""
    if not covariance.has_features(model):
        raise InputError("the explorer's kernel needs a finite mapping and the gaussian initialisation")
    import jax.numpy as jnp
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    nngp, ntk, c1, c2 = input_covariance(model, x)
    fan_in = covariance.fan_in(model, x.shape[1]) if model.parameterization == "standard" else 0
    structure = model.replace(mapping=Mapping("none"))  # the mapping is in nngp: not part of the compiled program
    with float64():
        same = np.all(x[:, None, :] == x[None, :, :], axis=-1)
        out = _layers_fn()(structure, jnp.asarray(nngp), jnp.asarray(ntk), jnp.asarray(c1), jnp.asarray(c2), same,
                           fan_in)
        return np.asarray(out[0], dtype=np.float64), np.asarray(out[1], dtype=np.float64)


def frequency_spectrum(K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies 0..n/2, lambda_f): the Gram matrix ``K`` ``(n, n)`` of a periodic 1D grid in the unit Fourier
    basis, lambda_f = e_f^H K e_f with e_f(x_j) = exp(2 pi i f x_j) / sqrt(n). These are K's eigenvalues when the
    kernel is stationary and periodic on the grid (K circulant; then they equal `ntk_fourier.grid_spectrum`), and
    otherwise the kernel's energy at each frequency."""
    n = len(K)
    lam = np.real(np.diagonal(np.fft.fft(np.fft.ifft(K, axis=1), axis=0)))  # e^{-2 pi i f x_i} K_ij e^{2 pi i f x_j}/n
    return np.arange(n // 2 + 1), lam[: n // 2 + 1]


@functools.lru_cache(maxsize=1)
def _numpy_openblas():
    """(get, set) of the thread count of the OpenBLAS bundled in NumPy's wheel, or None (another BLAS)."""
    folder = os.path.dirname(os.path.dirname(np.__file__))
    for path in glob.glob(os.path.join(folder, "numpy.libs", "*openblas*")):
        try:
            lib = ctypes.CDLL(path)  # already loaded by NumPy: the same library, not a second copy
        except OSError:
            continue
        for suffix in ("scipy_openblas_{}_num_threads64_", "openblas_{}_num_threads64_", "openblas_{}_num_threads"):
            get, set_ = (getattr(lib, suffix.format(v), None) for v in ("get", "set"))
            if get is not None and set_ is not None:
                return get, set_
    return None


@contextlib.contextmanager
def single_threaded_blas():
    """NumPy's BLAS on one thread inside the block, restored after (best effort: OpenBLAS wheels only).

    The explorer's matrices are at most 256 x 256, too small for threads to help; on a busy machine OpenBLAS's
    waiting threads made each small ``eigh`` take ~100 ms instead of ~0.3 ms (measured: `benchmarks.explorer_latency`).
    """
    found = _numpy_openblas()
    if found is None:
        yield
        return
    get, set_ = found
    before = int(get())
    set_(1)
    try:
        yield
    finally:
        set_(before)


def target(settings: Settings, x: np.ndarray) -> np.ndarray:
    """y(x) = sum_f sin(2 pi f x) / (number of frequencies) at points ``x`` ``(n,)``."""
    f = np.asarray(settings.frequencies, dtype=np.float64)
    return np.sin(2.0 * np.pi * np.outer(x, f)).sum(axis=1) / len(f)


def record_steps(last: int, records: int) -> np.ndarray:
    """Step 0 and ``records`` log-spaced integer steps from 1 to ``last`` (duplicates removed)."""
    return np.concatenate([[0.0], np.unique(np.rint(np.geomspace(1, last, records)))])


def compute(settings: Settings) -> dict[str, np.ndarray]:
    """Everything the explorer draws for ``settings`` (see the module docstring). Returns a dict of arrays:

    ``x (n,)`` grid, ``y (n,)`` target, ``train (n_tr,)`` indices of the training points, ``x_train``, ``y_train``;
    ``x0`` (the grid point used) and ``kernel (n,)`` = k(x0, x) (NTK), ``kernel_nngp (n,)``;
    ``spectrum_freqs (n/2+1,)``, ``spectrum (n/2+1,)`` (`frequency_spectrum` of the NTK on the whole grid);
    ``steps (T,)``, ``fit (T, n)`` predicted f_t on the whole grid (mean of the infinite ensemble, f_0 = 0),
    ``residual_freqs (F,)`` = the target frequencies, ``residuals (T, F)`` = |FFT| (orthonormal) of the predicted
    training residual f_t - y on the training grid at those frequencies, ``mse_train (T,)``, ``mse_test (T,)``
    (on the points not trained on); scalars ``lr``, ``lr_max`` (= 2 n_tr / lambda_max of the training NTK),
    ``stationary`` and ``periodic`` (1.0 or 0.0).
    """
    with single_threaded_blas():  # small matrices: BLAS threads only cost time here
        return _compute(settings)


def _compute(settings: Settings) -> dict[str, np.ndarray]:
    model = settings.model()
    n = settings.grid
    x = points.grid((n,))
    y = target(settings, x[:, 0])
    train = np.arange(0, n, settings.stride)
    held = np.setdiff1d(np.arange(n), train)
    K, G = kernel_matrix(model, x)
    i0 = int(round(settings.x0 * n)) % n
    freqs, lam = frequency_spectrum(K)
    K_train = K[np.ix_(train, train)]
    lr_max = max_stable_lr(np.linalg.eigvalsh(K_train), len(train))
    lr = settings.lr_fraction * lr_max
    steps = record_steps(settings.steps, settings.records)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StabilityWarning)
        pred = predict(K_train, y[train], lr=lr, steps=steps, ntk_test=K[:, train])
    fit = pred.f_test[:, :, 0]
    found = points.fourier_residuals(x[train], pred.f_train - y[train][None, :, None])
    res_freqs, res = found
    pick = [int(np.flatnonzero(res_freqs[:, 0] == f)[0]) for f in settings.frequencies]
    periodic = mappings.is_periodic(model.mapping, 1)
    return {
        "x": x[:, 0], "y": y, "train": train, "x_train": x[train, 0], "y_train": y[train],
        "x0": np.float64(x[i0, 0]), "kernel": K[i0], "kernel_nngp": G[i0],
        "spectrum_freqs": freqs.astype(np.float64), "spectrum": lam,
        "steps": steps, "fit": fit, "residual_freqs": np.asarray(settings.frequencies, dtype=np.float64),
        "residuals": res[:, pick, 0], "mse_train": pred.mse_train,
        "mse_test": np.mean((fit[:, held] - y[held]) ** 2, axis=1),
        "lr": np.float64(lr), "lr_max": np.float64(lr_max),
        "stationary": np.float64(mappings.is_fourier(model.mapping)), "periodic": np.float64(periodic),
    }


def train_networks(settings: Settings, width: int = 256, seeds: int = 2, steps: np.ndarray | None = None,
                   execution: Execution = QUIET) -> dict[str, np.ndarray]:
    """Train ``seeds`` finite networks of ``width`` on the settings' training points with the same learning rate
    and steps as `compute` (full-batch gradient descent, `ntk_fourier.train`, float32).

    Returns ``steps (T,)``, ``fit (T, seeds, n)`` the networks' outputs on the whole grid, ``mse_test (T, seeds)``
    on the points not trained on, and ``seconds`` (wall time of training).
    """
    from ntk_fourier import train
    if int(width) != width or width < 1 or int(seeds) != seeds or seeds < 1:
        raise InputError(f"width and seeds must be positive integers, got width={width}, seeds={seeds}")
    result = compute(settings)
    steps = result["steps"] if steps is None else np.asarray(steps, dtype=np.float64)
    model = settings.model().replace(width=int(width))
    x, y, train_idx = result["x"][:, None], result["y"], result["train"]
    run = train(model, x[train_idx], y[train_idx], x, y, lr=float(result["lr"]), steps=steps, seeds=int(seeds),
                execution=execution)
    held = np.setdiff1d(np.arange(len(y)), train_idx)
    fit = run.f_test[..., 0]
    return {"steps": run.steps, "fit": fit, "mse_test": np.mean((fit[:, :, held] - y[held]) ** 2, axis=2),
            "seconds": np.float64(run.seconds)}
