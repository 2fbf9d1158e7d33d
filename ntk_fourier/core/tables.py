"""The NTK and NNGP of an MLP on a grid encoding in expectation over the tables' draw, to second order.

The kernel of `ntk_fourier.core.kernel` is conditional on one draw of the tables (`ntk_fourier.model.grids`). The
draw enters only through Sigma_0 = e(x).e(x') / d_in, d_in = L F, and for each pair of points only through
z = (Sigma_0(x, x), Sigma_0(x', x'), Sigma_0(x, x')); Theta_0, the tables' own gradient term, does not depend on it.
With i.i.d. table entries of variance v = sigma^2 / 3 and fourth cumulant k4 = -2 sigma^4 / 15 (uniform on
[-sigma, sigma]) and A(x, r) a point's total interpolation weight on row r of a level,

    E Sigma_0(x, x') = v sum_l S_l(x, x') / L = v Theta_0(x, x'),
    Cov(Sigma_0(a, b), Sigma_0(c, d)) = F / d_in^2 sum_l [v^2 (S_l(a, c) S_l(b, d) + S_l(a, d) S_l(b, c))
                                                           + k4 sum_r A(a, r) A(b, r) A(c, r) A(d, r)]

(the fourth moments of a quadratic form in independent entries), and the expectation of the kernel is taken by the
delta method: E K(z) = K(E z) + 1/2 sum_ij d^2 K / dz_i dz_j Cov(z_i, z_j) + O(E |z - E z|^3), the second
derivatives by forward-over-forward differentiation of the layer recursion. The neglected terms are small where the
kernel is close to quadratic over the spread of z: always at Instant-NGP's small table scales, where z barely varies,
but not for every activation at scale 1 (a sin network with omega0 3 doubles its off-diagonal entries there). Where the
second-order term exceeds `LIMIT` of the kernel's largest entry the expansion is refused, in one line.
"""
from __future__ import annotations

from ntk_fourier.core import covariance, layers
from ntk_fourier.core.kernel import Kernels, points
from ntk_fourier.errors import InputError
from ntk_fourier.model import GRID_KINDS, Model, grids

LIMIT = 0.05  # the largest second-order term accepted, relative to the kernel's largest entry


def moments(mapping, x1, x2):
    """(mean, covariance) of z = (Sigma_0(a, a), Sigma_0(b, b), Sigma_0(a, b)) over table draws, for every pair
    (a in x1, b in x2): mean a tuple of arrays of shapes (n1,), (n2,), (n1, n2); covariance a dict keyed by the
    pairs of indices (0 1 2) of z, each an array broadcasting to (n1, n2). Traceable (JAX)."""
    import jax.numpy as jnp
    v = mapping.sigma ** 2 / 3.0
    k4 = -2.0 * mapping.sigma ** 4 / 15.0
    levels, d_in = mapping.levels, grids.width(mapping)
    saa, sbb = grids.power_sum(mapping, x1, 2, jnp), grids.power_sum(mapping, x2, 2, jnp)  # (L, n)
    sab = grids.overlap(mapping, x1, x2, xp=jnp)  # (L, n1, n2)
    qa, qb = grids.power_sum(mapping, x1, 4, jnp), grids.power_sum(mapping, x2, 4, jnp)
    qaabb = grids.overlap(mapping, x1, x2, 2, 2, jnp)
    qaaab, qabbb = grids.overlap(mapping, x1, x2, 3, 1, jnp), grids.overlap(mapping, x1, x2, 1, 3, jnp)
    a, b = saa[:, :, None], sbb[:, None, :]
    scale = mapping.features / d_in ** 2
    cov = {(0, 0): 2 * v ** 2 * a ** 2 + k4 * qa[:, :, None], (1, 1): 2 * v ** 2 * b ** 2 + k4 * qb[:, None, :],
           (0, 1): 2 * v ** 2 * sab ** 2 + k4 * qaabb, (0, 2): 2 * v ** 2 * a * sab + k4 * qaaab,
           (1, 2): 2 * v ** 2 * b * sab + k4 * qabbb, (2, 2): v ** 2 * (a * b + sab ** 2) + k4 * qaabb}
    cov = {k: scale * jnp.sum(c, axis=0) for k, c in cov.items()}
    mean = (v * jnp.sum(saa, 0) / levels, v * jnp.sum(sbb, 0) / levels, v * jnp.sum(sab, 0) / levels)
    return mean, cov


def expected_kernels(model: Model, x1, x2=None, order: int = 2) -> Kernels:
    """E over table draws of the (NTK, NNGP) ``(n1, n2)`` of ``model`` (a grid or hash mapping) between points in
    [0, 1]^d: the delta method to ``order`` 2 (module docstring), or 0 (the kernel at the mean covariance). A pure JAX
    function of the points and the model's leaves."""
    import jax
    import jax.numpy as jnp
    if model.mapping.kind not in GRID_KINDS:
        raise InputError(f"an expectation over table draws needs a grid encoding (mapping grid or hash), not "
                         f"{model.mapping.kind!r}")
    if order not in (0, 2):
        raise InputError(f"order must be 0 or 2, got {order}")
    x1 = points(x1)
    x2 = x1 if x2 is None else points(x2)
    same = jnp.all(x1[:, None, :] == x2[None, :, :], axis=-1)
    theta0 = covariance.table_ntk(model.mapping, x1, x2, jnp)
    d_in = grids.width(model.mapping)
    (c1, c2, nngp), cov = moments(model.mapping, x1, x2)

    def kernel(z):
        return jnp.stack(layers.layers(model, z[2], theta0, z[0], z[1], d_in, same))

    z = (c1, c2, nngp)
    value = kernel(z)
    if order == 0:
        return Kernels(ntk=value[0], nngp=value[1])
    units = [tuple(jnp.ones_like(t) if i == j else jnp.zeros_like(t) for j, t in enumerate(z)) for i in range(3)]

    def second(i, j):  # d^2 K / dz_i dz_j, entry by entry (each entry depends on its own three z's only)
        return jax.jvp(lambda w: jax.jvp(kernel, (w,), (units[i],))[1], (z,), (units[j],))[1]

    correction = sum((1.0 if i == j else 2.0) * second(i, j) * cov[(i, j)] for (i, j) in cov) / 2
    _check_small(correction, value)
    value = value + correction
    return Kernels(ntk=value[0], nngp=value[1])


def _check_small(correction, value) -> None:
    """Refuse (one line) a second-order term above `LIMIT` of the kernel's scale; traced values are not checked."""
    import numpy as np
    from ntk_fourier.model.value import concrete
    c, v = concrete(correction), concrete(value)
    if c is None or v is None:
        return
    ratio = float(np.max(np.abs(c)) / np.max(np.abs(v)))
    if not ratio <= LIMIT:
        raise InputError(f"the tables' draw moves this kernel too far for a second-order expectation (second-order "
                         f"term {ratio:.3g} of the kernel, above {LIMIT:g}); lower the table scale --sigma, or average "
                         "kernels over several --seed values")
