"""Independent NumPy implementations used as oracles: the infinite-width kernel recursion of a Dense MLP.

Written from the formulas (Jacot et al. 2018; Lee et al. 2019, appendix; Cho & Saul 2009 for ReLU, Williams 1997
for erf), not from neural-tangents' code; GELU by Gauss-Hermite quadrature (the engine uses a closed form), sin in
closed form.
"""
import numpy as np
from scipy import special


def relu_expectations(s12, q1, q2):
    """E[relu(u) relu(v)] and E[step(u) step(v)] for (u, v) ~ N(0, [[q1, s12], [s12, q2]])."""
    norm = np.sqrt(np.outer(q1, q2))
    theta = np.arccos(np.clip(s12 / norm, -1.0, 1.0))
    return norm * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / (2 * np.pi), (np.pi - theta) / (2 * np.pi)


def erf_expectations(s12, q1, q2):
    """E[erf(u) erf(v)] and E[erf'(u) erf'(v)]."""
    a1, a2 = 1.0 + 2.0 * q1, 1.0 + 2.0 * q2
    prod = np.outer(a1, a2)
    return 2.0 / np.pi * np.arcsin(2.0 * s12 / np.sqrt(prod)), 4.0 / np.pi / np.sqrt(prod - 4.0 * s12**2)


def quadrature_expectations(f, df, s12, q1, q2, nodes=120):
    """E[f(u) f(v)] and E[f'(u) f'(v)] by 2D Gauss-Hermite quadrature (probabilists'), entry by entry: u = sqrt(q1) z1,
    v = (s12 z1 + sqrt(q1 q2 - s12^2) z2) / sqrt(q1). For smooth f (GELU) it converges to round-off."""
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / np.sqrt(2.0 * np.pi)
    Z1, Z2, W = z[:, None], z[None, :], np.outer(w, w)
    value, deriv = np.empty(np.shape(s12)), np.empty(np.shape(s12))
    for i, j in np.ndindex(value.shape):
        a, b, c = q1[i], q2[j], s12[i, j]
        u = np.sqrt(a) * Z1
        v = (c * Z1 + np.sqrt(max(a * b - c * c, 0.0)) * Z2) / np.sqrt(a)
        value[i, j], deriv[i, j] = np.sum(W * f(u) * f(v)), np.sum(W * df(u) * df(v))
    return value, deriv


def _gelu(x):
    return x * special.ndtr(x)


def _gelu_prime(x):
    return special.ndtr(x) + x * np.exp(-x * x / 2.0) / np.sqrt(2.0 * np.pi)


def sin_expectations(omega0):
    """E[sin(w u) sin(w v)] and w^2 E[cos(w u) cos(w v)] in closed form (Gaussian characteristic function)."""
    def expectations(s12, q1, q2):
        a, b = q1[:, None], q2[None, :]
        minus, plus = np.exp(-omega0**2 * (a + b - 2 * s12) / 2), np.exp(-omega0**2 * (a + b + 2 * s12) / 2)
        return (minus - plus) / 2, omega0**2 * (minus + plus) / 2
    return expectations


EXPECTATIONS = {"relu": relu_expectations, "erf": erf_expectations,
                "gelu": lambda s12, q1, q2: quadrature_expectations(_gelu, _gelu_prime, s12, q1, q2)}
DIAGONAL = {"relu": lambda q: q / 2.0, "erf": lambda q: 2.0 / np.pi * np.arcsin(2.0 * q / (1.0 + 2.0 * q)),
            "gelu": lambda q: np.diag(quadrature_expectations(_gelu, _gelu_prime, np.diag(q), q, q)[0])}


def mlp_kernels(cov12, cov1, cov2, *, depth, activation, w_std, b_std, parameterization, width, d_in, omega0=1.0):
    """(NTK, NNGP) of ``depth`` hidden layers + readout, from the input covariance C = gamma.gamma' / d_in."""
    s12, q1, q2 = cov12, cov1, cov2
    ntk12 = np.zeros_like(s12)
    fan_in = d_in
    for layer in range(depth + 1):
        if parameterization == "ntk":
            s12, q1, q2 = (w_std**2 * s + b_std**2 for s in (s12, q1, q2))
            ntk12 = s12 + w_std**2 * ntk12
        else:
            ntk12 = fan_in * s12 + w_std**2 * ntk12 + (1.0 if b_std > 0 else 0.0)
            s12, q1, q2 = (w_std**2 * s + b_std**2 for s in (s12, q1, q2))
        if layer == depth:
            return ntk12, s12
        if activation == "sin":
            value, deriv = sin_expectations(omega0)(s12, q1, q2)
            diag = lambda q: (1 - np.exp(-2 * omega0**2 * q)) / 2  # noqa: E731
        else:
            value, deriv = EXPECTATIONS[activation](s12, q1, q2)
            diag = DIAGONAL[activation]
        ntk12 = ntk12 * deriv
        s12, q1, q2 = value, diag(q1), diag(q2)
        fan_in = width
