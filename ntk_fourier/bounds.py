"""The ranges of every number a user can give: command-line options, config-file keys and environment variables,
each parsed in one place with its range (finite; whole where it counts; bounded above), and the checks that a model
and its points stay inside float64: the Fourier features' phases and the kernel's magnitude.

`OPTIONS` lists each numeric option with its `Bound`; the CLI parses with `parse` and docs/cli.md shows `table()`.
`check_environment` reads the environment variables before any work; `check_scale` refuses a model whose kernel on
the given points would overflow, naming the option (or the points) that makes it overflow.
"""
from __future__ import annotations

import dataclasses
import math
import os

from ntk_fourier.errors import InputError

MAX_SEED = 2**63 - 1  # numpy's default_rng and JAX's PRNGKey both take it
MAX_TRAINING_STEP = 2**31 - 1  # a training loop counts its steps in 32-bit integers
MAX_PHASE = 1e15  # |2 pi b . x| beyond this: float64 spacing near 0.1 rad, cos and sin no longer resolve a period
MAX_KERNEL = 1e300  # kernel values (and the squared norms they start from) must stay below this


@dataclasses.dataclass(frozen=True)
class Bound:
    """A number's kind (int or float) and range ``low .. high``; ``open_low``: ``low`` itself excluded."""

    kind: type
    low: float
    high: float
    open_low: bool = False

    def check(self, value, name: str):
        """``value`` (a number) if inside the range, else a one-line `InputError` naming ``name`` and the range."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{name} must be {self.describe()}, got {value!r}")
        if self.kind is int and not (isinstance(value, int) or (math.isfinite(value) and value == int(value))):
            raise InputError(f"{name} must be {self.describe()}, got {value!r}")
        inside = (value > self.low if self.open_low else value >= self.low) and value <= self.high
        if not inside or (isinstance(value, float) and math.isnan(value)):
            raise InputError(f"{name} must be {self.describe()}, got {value!r}")
        return self.kind(value)

    def parse(self, text: str, name: str):
        """The number written in ``text``, checked (`check`)."""
        try:
            value = int(text, 10) if self.kind is int else float(text)
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"{name} must be {self.describe()}, got {text!r}")
        return self.check(value, name)

    def describe(self) -> str:
        kind = "an integer" if self.kind is int else "a number"
        low = f"> {_fmt(self.low)}" if self.open_low else f">= {_fmt(self.low)}"
        high = "" if self.high == math.inf else f" and <= {_fmt(self.high)}"
        return f"{kind} {low}{high}"


def _fmt(value: float) -> str:
    if value == math.inf:
        return "inf"
    if float(value).is_integer() and abs(value) < 1e7:
        return f"{int(value):,}"
    if float(value).is_integer() and math.log2(abs(value) + 1).is_integer():
        return f"2^{int(math.log2(value + 1))} - 1"
    return f"{value:g}"


def _int(low, high):
    return Bound(int, low, high)


def _positive(high):
    return Bound(float, 0.0, high, open_low=True)


# option (as written on the command line; "COMMAND --option" where a command gives it another range) -> its range
OPTIONS: dict[str, Bound] = {
    "--sigma": _positive(1e12),
    "--features": _int(1, 2**20),
    "--p": Bound(float, 0.0, math.inf),
    "--seed": _int(0, MAX_SEED),
    "--levels": _int(1, 64),
    "--base": _int(1, 2**20),
    "--finest": _int(1, 2**20),
    "--table-size": _int(1, 2**28),
    "--depth": _int(1, 1000),
    "--width": _int(1, 2**24),
    "--omega0": _positive(1e6),
    "--s0": _positive(1e6),
    "--w-std": _positive(1e6),
    "--b-std": Bound(float, 0.0, 1e6),
    "--lr": _positive(1e12),
    "--devices": _int(1, 65536),
    "--num-processes": _int(1, 65536),
    "--process-id": _int(0, 65535),
    "--harmonic": _int(2, 3),
    "--max-degree": _int(1, 10000),
    "--tile": _int(1, 2**20),
    "--top": _int(1, 2**20),
    "--f0-seed": _int(0, 2**20),
    "--ridge": Bound(float, 0.0, 1e300),
    "--precondition": _int(1, 2**20),
    "--tol": Bound(float, 0.0, 1.0, open_low=True),
    "--max-iter": _int(1, 10**6),
    "--seeds": _int(1, 2**20),
    "--stride": _int(1, 2**20),
    "--alpha": Bound(float, -10.0, 10.0),
    "design --alpha": Bound(float, 0.0, 10.0),
    "--data-seed": _int(0, MAX_SEED),
    "--iterations": _int(1, 10**6),
    "--rate": _positive(1e3),
    "--validation": _int(1, 10**5),
    "--test": _int(1, 10**5),
    "--train-seeds": _int(0, 1000),
    "--train-width": _int(1, 2**24),
    "--size": _int(1, 2**20),
    "--steps": _int(1, MAX_TRAINING_STEP),
    "--image-seed": _int(0, MAX_SEED),
    "--frames": _int(1, 10000),
    "--fps": _int(1, 240),
    "--port": _int(1, 65535),
}
STEP_LIST = "steps to record (--steps of predict, train, compare): whole numbers from 0; at most 2^31 - 1 where " \
            "networks are trained, 1e15 for predictions"


def bound(option: str, command: str | None = None) -> Bound:
    return OPTIONS.get(f"{command} {option}", OPTIONS[option])


def parser(option: str, command: str | None = None):
    """An argparse ``type`` for ``option``: parses and checks its range (one-line error otherwise)."""
    import argparse
    b = bound(option, command)

    def parse(text):
        try:
            return b.parse(text, option)
        except InputError as err:  # argparse prefixes "argument --option: "
            raise argparse.ArgumentTypeError(str(err).removeprefix(f"{option} "))
    parse.__name__ = option
    return parse


def check(option: str, value, command: str | None = None):
    """``value`` of ``option`` checked against its range (for values from a config file or from Python)."""
    return bound(option, command).check(value, option)


def table() -> str:
    """The markdown table of every numeric option and its range (docs/cli.md)."""
    rows = ["| option | range |", "|---|---|"]
    rows += [f"| `{name}` | {b.describe()} |" for name, b in OPTIONS.items()]
    return "\n".join(rows)


def check_environment() -> None:
    """Read the environment variables the toolkit uses now, so that a malformed one is refused before any work."""
    from ntk_fourier import memory
    if os.environ.get(memory.ENV):
        memory.parse_size(os.environ[memory.ENV])


def _log10(value: float) -> float:
    return math.log10(value) if value > 0 else -math.inf


def kernel_log10(model, x_norm2: float) -> float:
    """An upper bound on log10 of the model's NTK (and NNGP) values on points of squared norm at most ``x_norm2``,
    from the layer recursion with each activation's expectations bounded: E phi(z)^2 <= A + B q and
    E phi'(z)^2 <= D (ReLU: B = D = 1/2; erf: A = 1, D = 4/pi; sin: A = 1, D = omega0^2; GELU: B = 1, D = 1.3;
    gauss, gabor, finer: A = 1, D the square of the largest |phi'|, for finer at the layer's variance q).
    Computed in logarithms, so it never overflows itself."""
    def add(*logs):  # log10 of a sum of positive terms given by their log10
        top = max(logs)
        return top if top in (-math.inf, math.inf) else top + math.log10(sum(10 ** (v - top) for v in logs))
    w, s0 = model.omega0, model.s0
    a, b, d = {"relu": (0.0, 0.5, 0.5), "erf": (1.0, 0.0, 4 / math.pi), "gelu": (0.0, 1.0, 1.3),
               "sin": (1.0, 0.0, w ** 2), "gauss": (1.0, 0.0, 2 * s0 ** 2 / math.e),
               "gabor": (1.0, 0.0, (w + s0 * math.sqrt(2 / math.e)) ** 2),
               "finer": (1.0, 0.0, None)}[model.activation]
    lw2, lb2 = 2 * _log10(model.w_std), 2 * _log10(model.b_std)
    from ntk_fourier.model import GRID_KINDS
    grid = model.mapping.kind in GRID_KINDS
    if model.mapping.kind == "none":
        lq_in = _log10(x_norm2)  # |x|^2 / fan_in <= |x|^2
    elif grid:  # each entry of e(x) interpolates table entries, all within [-sigma, sigma]
        lq_in = 2 * _log10(model.mapping.sigma)
    else:  # gamma(x) has squared norm equal to its dimension: 1 per input feature
        lq_in = 0.0
    if model.init == "siren":  # first layer uniform on [-1/d, 1/d], bias on [-1/sqrt(d), 1/sqrt(d)]
        lq = add(lq_in, 0.0)
    else:
        lq = add(lw2 + lq_in, lb2)
    standard = model.parameterization == "standard"
    # the first layer's Theta: Sigma (ntk), or fan_in Sigma_in + 1 = |gamma(x)|^2 + 1 (standard)
    fan_in = lq_in if model.mapping.kind == "none" else math.log10(2 * model.mapping.features * 3 + 3)
    if grid:  # fan_in Sigma_0 <= levels features sigma^2
        fan_in = lq_in + math.log10(model.mapping.levels * model.mapping.features)
    ltheta = add(fan_in, 0.0) if standard else lq
    if grid:  # the tables' input NTK, Theta_0 = sum_l S_l / L <= 1, enters times w_std^2
        ltheta = add(ltheta, lw2)
    for _ in range(model.depth):
        if model.activation == "finer":  # phi' = omega0 (2|z| + 1) cos(...): E phi'^2 <= omega0^2 (2 sqrt(q) + 1)^2
            d = (w * (2 * math.sqrt(10 ** min(lq, 300.0)) + 1)) ** 2
        lphi = add(_log10(a), _log10(b) + lq)
        lq_next = add(lw2 + lphi, lb2)
        new = add(math.log10(model.width) + lphi, 0.0) if standard else lq_next  # fan_in Sigma (+ 1) or Sigma
        ltheta = add(new, lw2 + _log10(d) + ltheta)
        lq = lq_next
    return max(ltheta, lq)


def check_quadrature(model, points=None, where: str = "the points") -> None:
    """Refuse (one line) a model whose activation's kernel is computed by quadrature
    (`ntk_fourier.core.quadrature`) in a layer where the activation varies faster than the rule resolves: the
    pre-activation variances of each layer, from the variance recursion on the input variances of ``points``
    (None: points in the unit cube), against `quadrature.LIMIT`."""
    import numpy as np
    from ntk_fourier.core import activations, quadrature
    from ntk_fourier.precision import float64
    if model.activation not in activations.QUADRATURE:
        return
    from ntk_fourier.model import GRID_KINDS
    if model.mapping.kind in GRID_KINDS:
        variances = np.linspace(0.0, model.mapping.sigma ** 2, 33)  # |e(x)|^2 / d_in <= sigma^2
    elif model.mapping.kind != "none":
        variances = np.ones(1)  # Fourier features (and gaussian_inf): cov = 1 exactly
    elif points is None:
        variances = np.linspace(0.0, 1.0, 33)
    else:
        x = np.atleast_2d(np.asarray(points, dtype=np.float64))
        variances = np.quantile(np.sum(x * x, axis=1) / x.shape[1], np.linspace(0.0, 1.0, 129))
    f = activations.function(model.activation)
    w2, b2 = model.w_std ** 2, model.b_std ** 2
    with float64():
        q = w2 * variances + b2
        for layer in range(1, model.depth + 1):
            reach = float(np.max(activations.bandwidth(model.activation, q, model.omega0, model.s0)))
            if not reach <= quadrature.LIMIT:
                knobs = [f"--{name}" for name in activations.PARAMETERS[model.activation]] + ["--w-std"]
                knobs = f"{', '.join(knobs[:-1])} or {knobs[-1]}"
                raise InputError(f"the {model.activation} activation varies too fast for its kernel's quadrature in "
                                 f"layer {layer} on {where} (bandwidth {reach:.3g} > {quadrature.LIMIT:g}, from the "
                                 f"pre-activation's spread); lower {knobs}")
            q = w2 * np.asarray(quadrature.expectation(f, f, q, q, q, True, (model.omega0, model.s0))) + b2


def check_scale(model, points=None, where: str = "the points") -> None:
    """Refuse (one line, naming the option) a model whose Fourier features or kernel would not stay finite and
    meaningful in float64 on ``points`` (an (n, d) array; None: points in the unit cube [0, 1]^3 or a sphere)."""
    import numpy as np
    from ntk_fourier.model import GRID_KINDS, grids, mappings
    x = np.ones((1, 3)) if points is None else np.atleast_2d(np.asarray(points, dtype=np.float64))  # unit cube
    dim = x.shape[1]
    with np.errstate(over="ignore"):  # squares beyond float64 are inf: refused below
        x_abs = float(np.max(np.abs(x), initial=0.0))
        norm2 = float(np.max(np.sum(np.square(x), axis=-1), initial=0.0))
    if model.mapping.kind in GRID_KINDS:
        grids.check(model.mapping, None if points is None else x, dim)
    elif model.mapping.kind not in ("none", "gaussian_inf"):
        m = model.mapping
        if m.kind in ("basic", "power", "amplitudes", "positional"):  # the largest |b|_1 in closed form
            largest = {"basic": 1.0, "positional": m.sigma * dim}.get(m.kind, float(m.features) * dim)
        else:  # random frequencies: drawn (features x dim numbers)
            with np.errstate(all="ignore"):
                largest = float(np.max(np.sum(np.abs(mappings.frequencies(m, dim)[0]), axis=1)))
        reach = 2 * math.pi * largest * x_abs
        if not reach <= MAX_PHASE:
            culprit = "--sigma" if model.mapping.sigma > 1 and x_abs <= 1e3 else where
            raise InputError(f"the Fourier features' phases 2 pi b.x reach {reach:.3g} with --sigma "
                             f"{model.mapping.sigma:g} and {where} up to {x_abs:.3g} in magnitude: beyond {MAX_PHASE:g} "
                             f"float64 cannot resolve a period; lower {culprit}")
    if model.mapping.kind == "gaussian_inf" and not x_abs * model.mapping.sigma <= 1e150:
        raise InputError(f"--sigma {model.mapping.sigma:g} with {where} up to {x_abs:.3g} overflows the kernel; "
                         "lower --sigma")
    limit = math.log10(MAX_KERNEL)
    if kernel_log10(model, norm2) <= limit:
        return check_quadrature(model, points, where)
    default = type(model)()
    suspects = {where: (model, 1.0), "--w-std": (model.replace(w_std=min(model.w_std, default.w_std)), norm2),
                "--b-std": (model.replace(b_std=min(model.b_std, default.b_std)), norm2),
                "--omega0": (model.replace(omega0=min(model.omega0, default.omega0)), norm2),
                "--depth": (model.replace(depth=1), norm2),
                "--width": (model.replace(width=min(model.width, default.width)), norm2)}
    named = [k for k, (m, n2) in suspects.items() if kernel_log10(m, n2) <= limit] or ["--w-std", "--depth", where]
    reach = kernel_log10(model, norm2)
    size = f"values up to about 1e{reach:.0f}" if math.isfinite(reach) else "values beyond any float64"
    raise InputError(f"the kernel would overflow float64 ({size}) with these settings; lower {' or '.join(named)}")
