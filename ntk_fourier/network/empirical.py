"""Empirical (finite-width) NTK of a `network.Network`, layer by layer, and its drift during training.

For Dense layer l with input h_{l-1} and pre-activation z_l = w_scale W h_{l-1} + b_scale b, the gradients of an
output f are d f / d W = w_scale h_{l-1} delta_l^T and d f / d b = b_scale delta_l, with delta_l = d f / d z_l, so

    Theta(x, x') = sum_l (w_scale^2 h_{l-1}(x).h_{l-1}(x') + b_scale^2) (delta_l(x).delta_l(x')),

an exact identity (equal to J J^T with J the parameter Jacobian) that costs one backward pass instead of a Jacobian of
size n x (number of parameters). A grid encoding's tables add sum_l S_l(x, x') (delta_0l(x).delta_0l(x')), with
delta_0l = d f / d e_l(x) the gradient in level l's features and S_l the level's spread (`ntk_fourier.model.grids`). With several outputs the kernel is averaged over the outputs' diagonal blocks (the
analytic kernel is the same for every output and zero across outputs).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from ntk_fourier.model import grids
from ntk_fourier.network.mlp import Network


def _features(net: Network, params: list, x: jax.Array, output: int):
    """Per layer: (h_{l-1} (n, fan_in), delta_l (n, fan_out)) for output column ``output``; with a grid encoding the
    deltas end with d f / d e(x) (n, d_in)."""
    zeros = [jnp.zeros((x.shape[0], layer.fan_out), x.dtype) for layer in net.layers]
    if net.tables is not None:
        zeros.append(jnp.zeros((x.shape[0], net.layers[0].fan_in), x.dtype))

    def total(perturbations):
        out, inputs = net.forward(params, x, perturbations)
        return jnp.sum(out[:, output]), inputs  # z_l at one point only reaches f at that point

    deltas, inputs = jax.grad(total, has_aux=True)(zeros)
    return inputs, deltas


def empirical_ntk(net: Network, params: list, x1: jax.Array, x2: jax.Array | None = None) -> jax.Array:
    """Empirical NTK between ``x1`` ``(n1, dim)`` and ``x2`` ``(n2, dim)`` (default ``x1``): ``(n1, n2)``, in the
    parameters' precision (points are cast to it)."""
    dtype = jax.tree_util.tree_leaves(params)[0].dtype
    same = x2 is None
    x1 = jnp.asarray(x1, dtype)
    x2 = x1 if same else jnp.asarray(x2, dtype)
    total = 0.0
    for o in range(net.outputs):
        f1 = _features(net, params, x1, o)
        f2 = f1 if same else _features(net, params, x2, o)
        for layer, h1, h2, d1, d2 in zip(net.layers, f1[0], f2[0], f1[1], f2[1]):
            gram = layer.w_scale**2 * (h1 @ h2.T)
            if layer.b_scale > 0:
                gram = gram + layer.b_scale**2
            total = total + gram * (d1 @ d2.T)
        if net.tables is not None:
            spread = grids.overlap(net.model.mapping, x1, x2, xp=jnp)  # (levels, n1, n2)
            e1, e2 = (d[-1].reshape(len(d[-1]), spread.shape[0], -1) for d in (f1[1], f2[1]))
            total = total + jnp.einsum("lab,alf,blf->ab", spread, e1, e2)
    return total / net.outputs


def jacobian_ntk(net: Network, params: list, x1: jax.Array, x2: jax.Array | None = None) -> jax.Array:
    """The same kernel as J(x1) J(x2)^T with the full parameter Jacobian: a reference for small networks."""
    x2 = x1 if x2 is None else x2

    def flat_jacobian(x):
        jac = jax.jacrev(lambda p: net.apply(p, x))(params)  # leaves (n, outputs, *param shape)
        leaves = [leaf.reshape(x.shape[0], net.outputs, -1) for leaf in jax.tree_util.tree_leaves(jac)]
        return jnp.concatenate(leaves, axis=-1)  # (n, outputs, P)

    j1, j2 = flat_jacobian(x1), flat_jacobian(x2)
    return jnp.einsum("aop,bop->ab", j1, j2) / net.outputs


def relative_drift(k_t: jax.Array, k_0: jax.Array) -> jax.Array:
    """||K_t - K_0||_F / ||K_0||_F."""
    return jnp.linalg.norm(k_t - k_0) / jnp.linalg.norm(k_0)
