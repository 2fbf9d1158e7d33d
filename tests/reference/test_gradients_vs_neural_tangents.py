"""The pure kernel's input gradients against neural-tangents' own: ``jax.grad`` of a weighted sum of the NTK (and the
NNGP) in the first set of points, through `nf.kernel_fn` and through neural-tangents' ``kernel_fn`` applied to the
same features gamma(x) (raw points, or Gaussian Fourier features computed by `nf.model.mappings.features`). Points
are distinct (neural-tangents has no derivative rule at correlation +-1); float64, 1e-10 relative to the largest
entry."""
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier.kernel import reference

RNG = np.random.default_rng(3)
X1, X2 = RNG.uniform(-1, 1, (5, 2)), RNG.uniform(-1, 1, (4, 2))
WEIGHTS = RNG.standard_normal((5, 4))
CASES = list(itertools.product(["relu", "erf", "gelu", "sin"], ["none", "gaussian"], ["ntk", "standard"]))


@pytest.mark.parametrize("act, kind, par", CASES, ids=lambda v: str(v))
def test_input_gradients_equal_neural_tangents(act, kind, par):
    model = nf.Model(mapping=nf.Mapping(kind, sigma=1.5, features=16), depth=3, width=64, activation=act,
                     parameterization=par, b_std=0.1, omega0=1.5)
    theirs_fn = reference.stax_kernel_fn(model)

    def features(x):
        return x if kind == "none" else nf.model.mappings.features(model.mapping, x, jnp)

    with nf.float64():
        x1, x2, w = (jnp.asarray(a) for a in (X1, X2, WEIGHTS))
        for which in ("ntk", "nngp"):
            ours = jax.grad(lambda x: jnp.sum(getattr(nf.kernel_fn(model)(x, x2), which) * w))(x1)
            theirs = jax.grad(lambda x: jnp.sum(theirs_fn(features(x), features(x2), which) * w))(x1)
            ours, theirs = np.asarray(ours), np.asarray(theirs)
            assert np.all(np.isfinite(ours))
            err = np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs))
            assert err < 1e-10, (which, err)
