"""The network view: the model's finite-width MLP in plain JAX (no neural-tangents: runs on any current JAX).

Same conventions as the kernel view (docs/conventions.md). Dense layer l maps h (n, fan_in) to

    ntk:       z = w_scale * h @ W + b_scale * b,   w_scale = w_std / sqrt(fan_in),  b_scale = b_std,  W, b ~ N(0, 1)
    standard:  z = h @ W + b,                       W ~ N(0, w_std^2 / fan_in),      b ~ N(0, b_std^2)

which is neural-tangents' ``stax.Dense`` (same parameter shapes, so ``apply`` equals ``stax``'s ``apply_fn`` for
equal parameters). With ``init = "siren"`` every weight is uniform with the same variance (SIREN, Sitzmann et al.
2020), and the first layer is SIREN's: weights uniform on [-1/d, 1/d] and bias on [-1/sqrt(d), 1/sqrt(d)], i.e.
w_scale = 1 / (sqrt(3) d), b_scale = 1 / sqrt(3 d) on unit-variance uniform parameters (ntk), or those ranges
themselves (standard).

Parameters are a list, one ``(W, b)`` per Dense layer (``b`` is None without biases); with a grid encoding
(`ntk_fourier.model.grids`) one more entry, the tuple of its tables (trained like the weights), initialised to the
mapping's draw: the draw the kernel is conditional on, the same for every seed.
"""
from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np

from ntk_fourier.core import activations
from ntk_fourier.model import GRID_KINDS, grids, mappings
from ntk_fourier.errors import InputError
from ntk_fourier.model import Model



@dataclasses.dataclass(frozen=True)
class Layer:
    """One Dense layer: shapes, the forward multipliers, and how its parameters are drawn."""

    fan_in: int
    fan_out: int
    w_scale: float  # forward multiplier of h @ W
    b_scale: float  # forward multiplier of b (0: no bias)
    w_init: float  # standard deviation of the drawn W
    b_init: float  # standard deviation of the drawn b
    uniform: bool  # uniform (SIREN) or Gaussian draws


@dataclasses.dataclass(frozen=True, eq=False)
class Network:
    """The finite MLP of ``model`` for inputs of dimension ``dim`` and ``outputs`` output columns.

    ``build(model, dim, outputs)`` makes it; ``init(key)`` draws parameters and ``apply(params, x)`` maps points
    ``(n, dim)`` to outputs ``(n, outputs)``. Hashable by identity, so it can be a static argument of ``jax.jit``.
    """

    model: Model
    dim: int
    outputs: int
    layers: tuple[Layer, ...]
    frequencies: np.ndarray | None  # (m, dim) mapping frequencies B
    amplitudes: np.ndarray | None  # (m,) sqrt(2m) a_j
    tables: tuple | None = None  # a grid encoding's tables at initialisation, one (rows, features) array per level

    def init(self, key: jax.Array, dtype=jnp.float32) -> list:
        params = []
        for layer, k in zip(self.layers, jax.random.split(key, len(self.layers))):
            kw, kb = jax.random.split(k)
            draw = _uniform_unit if layer.uniform else jax.random.normal
            W = layer.w_init * draw(kw, (layer.fan_in, layer.fan_out), dtype)
            b = layer.b_init * draw(kb, (layer.fan_out,), dtype) if layer.b_scale > 0 else None
            params.append((W, b))
        if self.tables is not None:
            params.append(tuple(jnp.asarray(t, dtype) for t in self.tables))
        return params

    def encode(self, x: jax.Array, params: list | None = None) -> jax.Array:
        """gamma(x): ``(n, dim)`` -> ``(n, d_in)``, as `ntk_fourier.encode` (module mappings); a grid encoding with the
        tables of ``params``."""
        if self.tables is not None:
            return grids.encode(self.model.mapping, x, jnp, params[len(self.layers)])
        if self.frequencies is None:
            return x
        phase = 2.0 * jnp.pi * x @ jnp.asarray(self.frequencies, x.dtype).T  # (n, m)
        amp = jnp.asarray(self.amplitudes, x.dtype)
        return jnp.concatenate([amp * jnp.cos(phase), amp * jnp.sin(phase)], axis=1)

    def apply(self, params: list, x: jax.Array) -> jax.Array:
        """Outputs ``(n, outputs)`` for points ``(n, dim)``."""
        return self.forward(params, x)[0]

    def forward(self, params: list, x: jax.Array, perturbations: list | None = None) -> tuple[jax.Array, list]:
        """(outputs ``(n, outputs)``, the input h_l ``(n, fan_in)`` of every Dense layer). ``perturbations``:
        optional additive terms on each pre-activation z_l, to take d f / d z_l (`empirical.empirical_ntk`), and
        for a grid encoding one more, on the encoding e(x)."""
        h = self.encode(x, params)
        if perturbations is not None and len(perturbations) > len(self.layers):
            h = h + perturbations[len(self.layers)]
        activation = activations.function(self.model.activation)
        last = len(self.layers) - 1
        inputs = []
        for i, (layer, (W, b)) in enumerate(zip(self.layers, params)):
            inputs.append(h)
            z = layer.w_scale * (h @ W)
            if b is not None:
                z = z + layer.b_scale * b
            if perturbations is not None:
                z = z + perturbations[i]
            h = z if i == last else activation(z, self.model.omega0, self.model.s0)
        return h, inputs


def _uniform_unit(key, shape, dtype):
    """Uniform with variance 1: U(-sqrt(3), sqrt(3))."""
    return jax.random.uniform(key, shape, dtype, -math.sqrt(3.0), math.sqrt(3.0))


def shapes(model: Model, dim: int, outputs: int = 1) -> list[tuple[int, int]]:
    """(fan_in, fan_out) of each Dense layer of the network, known without drawing or building anything."""
    d_in = mappings.width(model.mapping, dim)
    widths = [d_in] + [model.width] * model.depth + [outputs]
    return list(zip(widths[:-1], widths[1:]))


def build(model: Model, dim: int, outputs: int = 1) -> Network:
    """The finite network of ``model`` for ``dim``-dimensional inputs and ``outputs`` output columns."""
    if model.mapping.kind == "gaussian_inf":
        raise InputError("mapping 'gaussian_inf' has infinitely many features and no finite network; "
                         "use 'gaussian' with many features")
    if outputs < 1:
        raise InputError(f"outputs must be at least 1, got {outputs}")
    B = amp = tables = None
    if model.mapping.kind in GRID_KINDS:
        grids.check(model.mapping, None, dim)
        tables = grids.tables(model.mapping, dim)
    elif model.mapping.kind != "none":
        B, a = mappings.frequencies(model.mapping, dim)
        amp = np.sqrt(2.0 * len(a)) * a
    ntk = model.parameterization == "ntk"
    siren = model.init == "siren"
    layers = []
    for i, (fan_in, fan_out) in enumerate(shapes(model, dim, outputs)):
        if i == 0 and siren:
            w_std, b_std = math.sqrt(1.0 / (3.0 * dim)), math.sqrt(1.0 / (3.0 * dim))  # U[-1/d, 1/d], U[+-1/sqrt d]
        else:
            w_std, b_std = model.w_std, model.b_std
        if ntk:
            layers.append(Layer(fan_in, fan_out, w_std / math.sqrt(fan_in), b_std, 1.0, 1.0, siren))
        else:
            layers.append(Layer(fan_in, fan_out, 1.0, 1.0 if b_std > 0 else 0.0, w_std / math.sqrt(fan_in), b_std,
                                siren))
    return Network(model, dim, outputs, tuple(layers), B, amp, None if tables is None else tuple(tables))
