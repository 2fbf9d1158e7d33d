"""The reference implementation: the same NTK and NNGP with neural-tangents' ``stax`` (Novak et al. 2020), float64.

Used by ``Execution(engine="neural-tangents")`` and by the tests that check the native engine against it.
neural-tangents 0.6.5 (its last release) imports only with JAX < 0.6, so this runs in the reference environment
(``.venv-ref/``, see the README); elsewhere it raises a one-line `InputError`.

The MLP's layers are ``stax`` layers; their input enters as a covariance: a `neural_tangents.Kernel` whose entries
are set to the model's input covariance (`covariance.from_points`, the same function the engine uses), because there
is no finite feature vector for ``gaussian_inf`` or for SIREN's uniform first layer.

XLA on CPU fuses ``cov1 * cov2 - nngp**2`` into a multiply-add, which costs ReLU kernels at correlation +-1 half their
digits in neural-tangents' formulas; starting Python with ``XLA_FLAGS=--xla_cpu_max_isa=AVX`` avoids it (the
reference tests do). ntk_fourier never sets it for you; `kernels` warns once when the fusion is on.
"""
from __future__ import annotations

import functools
import os
import sys
import warnings

import numpy as np

from ntk_fourier.errors import InputError
from ntk_fourier.core import activations, covariance
from ntk_fourier.model import Model
from ntk_fourier.model.value import plain
from ntk_fourier.precision import float64


def _quiet_import():
    """Import neural-tangents with C-level stderr silenced: it imports tensorflow, whose logging ignores
    TF_CPP_MIN_LOG_LEVEL for its first messages. Python exceptions still propagate."""
    if "neural_tangents" in sys.modules and sys.modules["neural_tangents"] is not None:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import neural_tangents  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def available() -> bool:
    """True when neural-tangents can be imported here."""
    try:
        _quiet_import()
        return True
    except ImportError:
        return False


@functools.lru_cache(maxsize=1)
def _stax():
    try:
        _quiet_import()
        from neural_tangents import stax
    except ImportError as err:  # e.g. a current JAX, which neural-tangents 0.6.5 does not support
        raise InputError(f"engine 'neural-tangents' needs neural-tangents, which cannot be imported here ({err}); "
                         "use the default engine 'native', or the reference environment .venv-ref/ (README)") from None
    if not fma_free():
        warnings.warn("XLA fuses multiply-adds on this CPU, so neural-tangents' ReLU kernels at correlation +-1 are "
                      "accurate to ~1e-8 only; start Python with XLA_FLAGS=--xla_cpu_max_isa=AVX to avoid it",
                      RuntimeWarning, stacklevel=3)
    return stax


@functools.lru_cache(maxsize=1)
def fma_free() -> bool:
    """True when jitted ``c*c - n*n`` with ``n == c`` is exactly 0 (no fused multiply-add contraction)."""
    import jax
    with float64():
        c = np.linspace(0.5, 1.5, 7)
        return bool(np.all(np.asarray(jax.jit(lambda c, n: c * c - n * n)(c, c.copy())) == 0.0))


@functools.lru_cache(maxsize=32)
def stax_kernel_fn(model: Model):
    """neural-tangents' ``kernel_fn`` of the model's layers after the input (after SIREN's first layer for SIREN)."""
    if model.activation not in activations.CLOSED_FORM:
        raise InputError(f"activation {model.activation!r} has no neural-tangents counterpart; use the engine "
                         "'native'")
    stax = _stax()
    activation = {"relu": stax.Relu, "erf": stax.Erf, "gelu": stax.Gelu,
                  "sin": functools.partial(stax.Sin, b=model.omega0)}[model.activation]
    b_std = model.b_std if model.b_std > 0 else None

    def dense(n):
        return stax.Dense(n, W_std=model.w_std, b_std=b_std, parameterization=model.parameterization)

    layers = []
    for layer in range(model.depth):
        if layer == 0 and model.init == "siren":
            continue  # the injected kernel is SIREN's first layer, post-activation
        layers += [dense(model.width), activation()]
    layers.append(dense(1))
    return stax.serial(*layers)[2]


@functools.lru_cache(maxsize=32)
def _jitted(model: Model):
    import jax
    kernel_fn, identity = stax_kernel_fn(model), _stax().Identity()[2]

    def from_covariance(nngp, ntk, cov1, cov2, dummy1, dummy2):
        # The Identity kernel carries the shapes (dummy feature width = the injected layer's width, which the
        # standard parameterization's NTK uses); its entries are replaced by the given covariances.
        k = identity(dummy1, dummy2).replace(nngp=nngp, ntk=ntk, cov1=cov1, cov2=cov2, is_input=False)
        return tuple(kernel_fn(k, get=("ntk", "nngp")))

    return jax.jit(from_covariance)


def block(model: Model, x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NTK and NNGP ``(n1, n2)`` float64 between two validated point sets, with neural-tangents."""
    _stax()
    with float64():
        nngp, ntk, cov1, cov2 = covariance.from_points(model, x1, x2)
        width = covariance.fan_in(model, x1.shape[1])
        out = _jitted(plain(model))(nngp, ntk, cov1, cov2, np.zeros((len(x1), width)), np.zeros((len(x2), width)))
        ntk, nngp = (np.asarray(a, dtype=np.float64).reshape(len(x1), len(x2)) for a in out)
    return ntk, nngp
