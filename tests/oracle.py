"""Independent NumPy implementations used as oracles: the infinite-width kernel recursion of a Dense MLP.

Written from the formulas (Jacot et al. 2018; Lee et al. 2019, appendix; Cho & Saul 2009 for ReLU, Williams 1997
for erf), not from neural-tangents' code.
"""
import numpy as np


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


EXPECTATIONS = {"relu": relu_expectations, "erf": erf_expectations}
DIAGONAL = {"relu": lambda q: q / 2.0, "erf": lambda q: 2.0 / np.pi * np.arcsin(2.0 * q / (1.0 + 2.0 * q))}


def mlp_kernels(cov12, cov1, cov2, *, depth, activation, w_std, b_std, parameterization, width, d_in):
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
        value, deriv = EXPECTATIONS[activation](s12, q1, q2)
        ntk12 = ntk12 * deriv
        s12, q1, q2 = value, DIAGONAL[activation](q1), DIAGONAL[activation](q2)
        fan_in = width
