"""Shared by the analyses: the gallery's 1D data, step grids and learning rate; the NTK prediction for many targets
on the same points (`ntk_prediction`, one kernel for all targets: `ntk`) and many centred networks on many problems
trained together in vmapped programs (`train_centred`)."""
from __future__ import annotations

import numpy as np

import ntk_fourier as nf

STEPS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
QUICK_STEPS = [0, 1, 5, 20, 50]


def tancik_1d() -> dict:
    """The 1D setting of Tancik et al.: 256-point grid, every 8th point to train, a 1/f signal (seed 0)."""
    return nf.one_over_f(n=256, stride=8, seed=0)


def half_stable_lr(model: nf.Model, x_train: np.ndarray, n_values: int) -> float:
    """Half the largest stable gradient-descent rate 2n / lambda_max of the model's analytic NTK."""
    ntk = nf.kernels(model, x_train, execution=nf.QUIET).ntk
    return 0.5 * nf.max_stable_lr(np.linalg.eigvalsh(ntk), n_values)





MAX_PARAMETERS = 2 ** 26  # network parameters trained in one program (float32: 256 MB per copy)


def ntk(model: nf.Model, x1, x2) -> np.ndarray:
    """The analytic NTK between ``x1`` and ``x2`` (`nf.kernels`): one compiled kernel per model structure, reused for
    every value of the mapping's scale (the model's numbers are arguments of the compiled function)."""
    return nf.kernels(model, x1, x2, execution=nf.QUIET).ntk


def ntk_prediction(model: nf.Model, x_train, x_test, y_train, y_test, *, steps: int, lr: float | None = None):
    """(test MSE of the NTK prediction from f(0) = 0 after ``steps`` gradient-descent steps for each target column of
    ``y_train (n, S)`` / ``y_test (m, S)``, the rate): one kernel for all targets, each target its own regression
    (loss 1/(2n) sum (f - y)^2 as `nf.train`); ``lr`` defaults to half the largest stable rate 2n / lambda_max."""
    n = len(x_train)
    k = ntk(model, np.concatenate([x_train, x_test]), x_train)
    k_train, k_test = k[:n], k[n:]
    if lr is None:
        lr = 0.5 * nf.max_stable_lr(np.linalg.eigvalsh(k_train), n)
    y_train, y_test = np.asarray(y_train, float).reshape(n, -1), np.asarray(y_test, float).reshape(len(x_test), -1)
    mse = [nf.predict(k_train, y_train[:, s], lr=lr, steps=[steps], ntk_test=k_test, y_test=y_test[:, s]).mse_test[-1]
           for s in range(y_train.shape[1])]
    return np.array(mse), float(lr)


def train_centred(model: nf.Model, x_train, y_train, x_test, *, lr, steps: int, seeds: int,
                  seed: int = 0) -> np.ndarray:
    """Centred networks f(x; p) - f(x; p0) of ``model``'s width and depth, ``seeds`` per problem, every problem and
    network trained together in vmapped, jit-compiled programs (float32; one compilation; as many problems per
    program as fit `MAX_PARAMETERS`). Not for SIREN's initialisation (its first layer is not a plain Dense layer on
    mapped inputs). Problem i: inputs ``x_train[i] (n, d)``
    already mapped (``nf.encode(mapping, x)``: the mapping is fixed, so a network on mapped inputs is the mapped
    network), targets ``y_train[i] (n,)``, test inputs ``x_test[i] (m, d)``, rate ``lr[i]``. Network s of every
    problem is network s of ``nf.train(..., seeds=seeds, seed=seed, center=True)``: same keys, same loss
    1/(2n) sum (f - y)^2, full-batch gradient descent. Returns the test outputs ``(problems, seeds, m)``."""
    import jax
    import jax.numpy as jnp
    x_train, x_test = jnp.asarray(x_train, jnp.float32), jnp.asarray(x_test, jnp.float32)
    y_train = jnp.asarray(y_train, jnp.float32)
    net = nf.network.build(model.replace(mapping=nf.Mapping("none")), x_train.shape[-1], 1)
    params0 = jax.vmap(lambda key: net.init(key, jnp.float32))(jax.random.split(jax.random.PRNGKey(seed), seeds))

    def fit(p0, x, y, xt, rate):
        offset = net.apply(p0, x)[:, 0]  # the initial function, removed: the network starts at zero

        def loss(p):
            return 0.5 * jnp.mean((net.apply(p, x)[:, 0] - offset - y) ** 2)

        def step(_, p):
            return jax.tree_util.tree_map(lambda a, g: a - rate * g, p, jax.grad(loss)(p))
        p = jax.lax.fori_loop(0, int(steps), step, p0)
        return net.apply(p, xt)[:, 0] - net.apply(p0, xt)[:, 0]

    over_seeds = jax.vmap(fit, (0, None, None, None, None))
    run = jax.jit(jax.vmap(over_seeds, (None, 0, 0, 0, 0)))
    problems = x_train.shape[0]
    rates = jnp.asarray(np.broadcast_to(np.asarray(lr, float), (problems,)), jnp.float32)
    size = sum(a.size for a in jax.tree_util.tree_leaves(params0))  # parameters of all the seeds' networks
    chunk = max(1, min(problems, MAX_PARAMETERS // size))  # problems per program, equal chunks (one compilation)
    pad = np.concatenate([np.arange(problems), np.full(-problems % chunk, problems - 1)])
    out = [np.asarray(run(params0, *(a[pad[i:i + chunk]] for a in (x_train, y_train, x_test, rates))))
           for i in range(0, len(pad), chunk)]
    return np.concatenate(out)[:problems].astype(np.float64)
