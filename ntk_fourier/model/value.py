"""The model value: an input mapping followed by an MLP.

One immutable value describes a model; the kernel view (infinite width, `analytic.py`) and the network view
(finite width) are both derived from it. Variants come from `dataclasses.replace` / `.replace(...)`.

Conventions (see docs/conventions.md):
- ``depth`` is the number of hidden layers; the readout is one more Dense layer with one output per target column.
- Dense layers follow neural-tangents: in the ``ntk`` parameterization a layer computes
  ``w_std / sqrt(fan_in) * W h + b_std * b`` with ``W, b ~ N(0, 1)``; in ``standard`` it computes ``W h + b`` with
  ``W ~ N(0, w_std**2 / fan_in)``, ``b ~ N(0, b_std**2)``. ``b_std = 0`` means no bias parameters.
- The ``sin`` activation is ``sin(omega0 * z)``; ``finer`` is ``sin(omega0 (|z| + 1) z)``, ``gauss``
  ``exp(-(s0 z)^2)`` and ``gabor`` ``cos(omega0 z) exp(-(s0 z)^2)`` (`ntk_fourier.core.activations`); an activation
  ignores the parameters it does not name.
- ``init = "siren"`` replaces the first layer by SIREN's (Sitzmann et al. 2020, arXiv:2006.09661): weights uniform on
  ``[-1/d, 1/d]`` and bias uniform on ``[-1/sqrt(d), 1/sqrt(d)]`` (d = input dimension), followed by
  ``sin(omega0 * z)``; its kernel is computed in closed form for the uniform distribution (`siren.py`).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from ntk_fourier.errors import InputError

MAPPING_KINDS = ("none", "basic", "positional", "power", "gaussian", "uniform", "uniform_log", "laplacian",
                 "gaussian_inf", "amplitudes", "grid", "hash")
GRID_KINDS = ("grid", "hash")  # multiresolution grid encodings (`ntk_fourier.model.grids`), not Fourier features
ACTIVATIONS = ("relu", "erf", "gelu", "sin", "finer", "gauss", "gabor")
PARAMETERIZATIONS = ("ntk", "standard")
INITS = ("gaussian", "siren")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InputError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")


def concrete(value) -> np.ndarray | None:
    """``value`` as a float64 NumPy array when it holds numbers; None for JAX tracers (inside jit, vmap, grad)."""
    if value is None:
        return None
    try:
        return np.asarray(value, dtype=np.float64)
    except Exception:  # a tracer: its value is not known while the function is traced
        return None


def _check_positive(name: str, value, allow_zero: bool = False) -> None:
    """One line when a concrete ``value`` (a number, or an array of them for a batch of models) is not positive;
    traced values are not checked."""
    array = concrete(value)
    if array is None:
        return
    bad = ~np.isfinite(array) if name != "p" else np.isnan(array)
    if np.any(bad | (array < 0) | ((array == 0) & (not allow_zero))):
        need = "non-negative" if allow_zero else "positive"
        shown = array.item() if array.size == 1 else array
        raise InputError(f"{name} must be a {need} number, got {shown}")


def _tree(cls, leaves: tuple[str, ...], static: tuple[str, ...]):
    """Register ``cls`` as a JAX pytree: ``leaves`` are its numeric hyperparameters (traced by jit, vmap, grad),
    ``static`` its structure. Unflattening bypasses the constructor's checks, so JAX may fill the leaves with tracers,
    axis numbers or None."""
    try:
        import jax.tree_util as tree_util
    except ImportError:  # the model value works without JAX; only its transformations need it
        return cls

    def flatten_with_keys(value):
        return tuple((tree_util.GetAttrKey(k), getattr(value, k)) for k in leaves), tuple(
            getattr(value, k) for k in static)

    def unflatten(aux, children):
        value = object.__new__(cls)
        for k, v in zip(static + leaves, tuple(aux) + tuple(children)):
            object.__setattr__(value, k, v)
        return value

    tree_util.register_pytree_with_keys(cls, flatten_with_keys, unflatten,
                                        lambda value: (tuple(getattr(value, k) for k in leaves),
                                                       tuple(getattr(value, k) for k in static)))
    return cls


@dataclasses.dataclass(frozen=True)
class Mapping:
    """Input mapping gamma(x) = sqrt(d_in) [a_j cos(2 pi b_j . x), a_j sin(2 pi b_j . x)]_j, sum_j a_j^2 = 1, or a
    multiresolution grid encoding (kinds ``grid`` and ``hash``, `ntk_fourier.model.grids`; `grid_mapping`).

    Fields:
      kind: one of ``MAPPING_KINDS`` (see `mappings.frequencies` for each definition).
      sigma: scale. Standard deviation of each frequency coordinate for the random samplers (gaussian, uniform,
        laplacian, gaussian_inf); largest frequency for ``positional`` and ``uniform_log``.
      features: number of frequency rows m (so d_in = 2m). For ``power`` the largest integer frequency.
      p: power-law exponent of ``power`` (amplitude a_j proportional to |b_j|^-p; ``inf`` is ``basic``).
      seed: seed of the random samplers (numpy ``default_rng``).
      amplitudes: for ``amplitudes`` only: one amplitude per frequency of the ``power`` mapping's set (``features``
        of them in 1D), normalised to unit sum of squares, e.g. designed by `kernel.design`.
    """

    kind: str = "gaussian"
    sigma: float = 10.0
    features: int = 256
    p: float = 1.0
    seed: int = 0
    amplitudes: tuple = ()
    levels: int = 8
    base: int = 4
    finest: int = 256
    table_size: int = 2 ** 12

    def __post_init__(self):
        _check_choice("mapping", self.kind, MAPPING_KINDS)
        amplitudes = concrete(self.amplitudes) if isinstance(self.amplitudes, (tuple, list)) else None
        if amplitudes is not None and amplitudes.ndim == 1:  # numbers: one tuple of floats (hashable)
            object.__setattr__(self, "amplitudes", tuple(float(a) for a in amplitudes))
            if self.kind == "amplitudes" and (not len(amplitudes) or not np.all(np.isfinite(amplitudes))
                                              or not np.any(amplitudes != 0)):
                raise InputError("mapping 'amplitudes' needs finite amplitudes, not all zero (from ntk-fourier design)")
        if self.kind != "amplitudes" and len(self.amplitudes):
            raise InputError(f"amplitudes are for mapping 'amplitudes', not {self.kind!r}")
        _check_positive("sigma", self.sigma)
        _check_positive("p", self.p, allow_zero=True)
        if int(self.features) != self.features or self.features < 1:
            raise InputError(f"features must be a positive integer, got {self.features}")
        if int(self.seed) != self.seed or self.seed < 0:
            raise InputError(f"seed must be a non-negative integer, got {self.seed}")
        for name in ("levels", "base", "finest", "table_size"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise InputError(f"{name.replace('_', '-')} must be a positive integer, got {value}")
        if self.finest < self.base:
            raise InputError(f"the finest resolution ({self.finest}) is below the base resolution ({self.base}); "
                             "raise --finest or lower --base")

    replace = dataclasses.replace


@dataclasses.dataclass(frozen=True)
class Model:
    """A coordinate MLP: ``mapping`` then ``depth`` hidden Dense+activation layers of ``width``, then a Dense readout.

    ``width`` only matters for finite networks and for the ``standard`` parameterization's analytic NTK.
    """

    mapping: Mapping = Mapping()
    depth: int = 4
    width: int = 256
    activation: str = "relu"
    omega0: float = 30.0
    s0: float = 1.0
    w_std: float = math.sqrt(2.0)
    b_std: float = 0.1
    parameterization: str = "ntk"
    init: str = "gaussian"

    def __post_init__(self):
        _check_choice("activation", self.activation, ACTIVATIONS)
        _check_choice("parameterization", self.parameterization, PARAMETERIZATIONS)
        _check_choice("init", self.init, INITS)
        for name in ("depth", "width"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise InputError(f"{name} must be a positive integer, got {value}")
        _check_positive("omega0", self.omega0)
        _check_positive("s0", self.s0)
        _check_positive("w-std", self.w_std)
        _check_positive("b-std", self.b_std, allow_zero=True)
        if self.init == "siren" and (self.mapping.kind != "none" or self.activation != "sin"):
            raise InputError("init 'siren' needs mapping 'none' and activation 'sin' (use ntk_fourier.siren_model())")
        if self.mapping.kind == "gaussian_inf" and self.parameterization != "ntk":
            raise InputError("mapping 'gaussian_inf' has infinitely many input features: use parameterization 'ntk'")

    replace = dataclasses.replace


_tree(Mapping, leaves=("sigma", "p", "amplitudes"),
      static=("kind", "features", "seed", "levels", "base", "finest", "table_size"))
_tree(Model, leaves=("mapping", "omega0", "s0", "w_std", "b_std"),
      static=("depth", "width", "activation", "parameterization", "init"))


def plain(model):
    """The model (or mapping) with concrete leaves as Python floats (amplitudes a tuple): hashable, as the caches of
    compiled programs keyed on a model need. Traced leaves are left as they are."""
    import jax.tree_util as tree_util

    def number(v):
        array = concrete(v)
        if array is None:
            return v
        return float(array) if array.ndim == 0 else tuple(array.tolist())

    return tree_util.tree_map(number, model)


def stack(models) -> Model:
    """One model whose numeric leaves are arrays with a leading axis, one entry per model in ``models`` (all of one
    structure: depth, activation, mapping kind, features, ...): the input of ``jax.vmap`` over models, e.g.
    ``jax.vmap(lambda m: nf.kernel_fn(m)(x).ntk)(nf.model.stack(models))``."""
    import jax.tree_util as tree_util
    models = list(models)
    if not models:
        raise InputError("stack needs at least one model")
    first = tree_util.tree_structure(models[0])
    for i, m in enumerate(models[1:], 1):
        if tree_util.tree_structure(m) != first:
            raise InputError(f"model {i} differs in structure from model 0 (depth, width, activation, mapping kind, "
                             "features, seed, parameterization, init, or the number of amplitudes): vmap needs one")
    return tree_util.tree_map(lambda *leaves: np.stack([np.asarray(v, dtype=np.float64) for v in leaves]), *models)


def grid_mapping(kind: str = "hash", levels: int = 8, base: int = 4, finest: int = 256, features: int = 2,
                 table_size: int = 2 ** 12, scale: float = 1e-4, seed: int = 0) -> Mapping:
    """A multiresolution grid encoding (`ntk_fourier.model.grids`) with Instant-NGP's defaults at CPU scale: 8 levels
    of 2 features from 4 to 256 cells per axis, hash tables of 2^12 rows (kind ``hash``; ``grid``: dense tables),
    entries initialised uniform on [-scale, scale]."""
    return Mapping(kind=kind, sigma=scale, features=features, seed=seed, levels=levels, base=base, finest=finest,
                   table_size=table_size)


def siren_model(depth: int = 4, width: int = 256, omega0: float = 30.0, parameterization: str = "ntk") -> Model:
    """SIREN preset (Sitzmann et al. 2020): sine activations sin(omega0 z), omega0 = 30, SIREN's initialisation.

    Hidden and readout weights are uniform on ``[-sqrt(6/fan_in)/omega0, +sqrt(6/fan_in)/omega0]``, i.e. variance
    ``2 / (fan_in omega0^2)``: in this package's terms ``w_std = sqrt(2) / omega0``. SIREN's hidden biases have
    variance ``1/(3 fan_in)`` and so vanish at infinite width; the preset has no hidden biases (``b_std = 0``).
    """
    return Model(mapping=Mapping(kind="none"), depth=depth, width=width, activation="sin", omega0=omega0,
                 w_std=math.sqrt(2.0) / omega0, b_std=0.0, parameterization=parameterization, init="siren")
