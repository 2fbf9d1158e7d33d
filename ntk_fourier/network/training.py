"""Full-batch training of an ensemble of finite networks, one jit-compiled program vmapped over seeds.

Loss and time are the kernel view's (`dynamics`): L = 1/(2n) sum (f - y)^2 with n = y_train.size; one step of
gradient descent is params <- params - lr * grad L, so the linearised network follows exactly
`dynamics.predict(..., lr=lr)`. Adam (optax) is offered too, as practitioners train; the NTK prediction is for GD.

Recorded at the requested steps (seeds x steps): outputs on train and test points, train/test MSE, and optionally the
empirical NTK on the training points and its drift ||K_t - K_0||_F / ||K_0||_F. Runs on any current JAX without
neural-tangents (a GPU machine's), so results are plain arrays, saved with `results.save`.

On a mesh (`devices.mesh`, several devices or processes) the ensemble's networks are split over the devices (the seed
axis sharded; padded with copies of the last network to a multiple of the device count, dropped afterwards); network
s is the same network as on one device (its key is the s-th of the same split), and every process gets all results.
"""
from __future__ import annotations

import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ntk_fourier import devices, memory
from ntk_fourier.steps import check_steps
from ntk_fourier.network.empirical import empirical_ntk
from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.model import Model
from ntk_fourier.model import grids
from ntk_fourier.network import mlp
from ntk_fourier.precision import dtype_scope
from ntk_fourier.progress import progress
from ntk_fourier.results import load, save

OPTIMIZERS = ("gd", "adam")
OVERHEAD = 256e6  # bytes of device memory beyond the arrays (compiled programs, XLA's workspace): measured on a GPU


class TrainResult(NamedTuple):
    """Arrays indexed (step, seed, ...): ``f_train (T, S, n, k)``, ``f_test (T, S, m, k)``, ``mse_train (T, S)``,
    ``mse_test (T, S)``; ``ntk (T, S, n, n)`` and ``drift (T, S)`` when recorded (else None); ``seconds``: wall time
    of training (compilation included) and ``compile_seconds`` of the first segment."""

    steps: np.ndarray
    f_train: np.ndarray
    f_test: np.ndarray
    mse_train: np.ndarray
    mse_test: np.ndarray
    ntk: np.ndarray | None
    drift: np.ndarray | None
    seconds: float
    compile_seconds: float
    params: list | None = None  # final parameters, leading axis = seed (not saved by `save_run`)


def _optimizer(name: str, lr: float):
    if name == "gd":
        def init(params):
            return ()

        def update(grads, state, params):
            return jax.tree_util.tree_map(lambda g: -lr * g, grads), state
        return init, update
    import optax
    opt = optax.adam(lr)
    return opt.init, opt.update


def memory_needed(model: Model, dim: int, outputs: int, n: int, m: int, seeds: int, itemsize: int, *,
                  optimizer: str = "gd", record_ntk: bool = False, linearize: bool = False,
                  records: int = 1, devices: int = 1) -> tuple[float, float]:
    """Estimated bytes of (device, host) memory to train: on the device, ``seeds`` copies of the parameters (current,
    initial, gradient, Adam's two moments) and the activations of ``n`` + ``m`` points kept for the backward
    pass (twice for the linearised network's jvp), the empirical NTK when recorded; on the host, the recorded outputs
    and kernels. Known before anything is built (`mlp.shapes`). Split over ``devices``: each holds its share of
    the networks."""
    layers = mlp.shapes(model, dim, outputs)
    size = sum(fan_in * fan_out + fan_out for fan_in, fan_out in layers) + grids.entries(model.mapping, dim)
    units = sum(fan_in + fan_out for fan_in, fan_out in layers)  # activations per point, all layers
    copies = 3 + (2 if optimizer == "adam" else 0) + (1 if linearize else 0)
    device = OVERHEAD + itemsize * -(-seeds // devices) * (copies * size + (2 if linearize else 1) * 2 * (n + m) * units
                                            + (2 * n * n + 2 * n * units if record_ntk else 0))
    host = 8.0 * records * seeds * ((n + m) * outputs + (n * n if record_ntk else 0))
    return float(device), host


def require_memory(model: Model, dim: int, outputs: int, n: int, m: int, seeds: int, itemsize: int,
                   **options) -> None:
    """Refuse (one line) training that cannot fit (`memory_needed`), before anything is built or drawn."""
    device, host = memory_needed(model, dim, outputs, n, m, seeds, itemsize, **options)
    size = sum(fan_in * fan_out + fan_out for fan_in, fan_out in mlp.shapes(model, dim, outputs))
    size += grids.entries(model.mapping, dim)
    memory.require(device, f"training {seeds} network(s) of width {model.width} ({size:,} parameters each) on "
                   f"{n + m:,} points", "use a smaller --width, fewer --seeds or fewer --features, or fewer points",
                   where="device")
    memory.require(host, f"the recorded outputs of {seeds} network(s) at {options.get('records', 1)} steps",
                   "record fewer --steps or fewer --seeds")


def train(model: Model, x_train, y_train, x_test, y_test, *, lr: float, steps, seeds: int = 1, seed: int = 0,
          optimizer: str = "gd", record_ntk: bool = False, dtype=jnp.float32, output: str = "linear",
          linearize: bool = False, center: bool = False, label: str | None = None,
          execution: Execution = DEFAULT) -> TrainResult:
    """Train ``seeds`` networks of ``model`` (parameters drawn from keys split from ``PRNGKey(seed)``).

    Args:
      model: the model; its ``width`` is the networks' width.
      x_train: training points ``(n, d)``.
      y_train: training targets ``(n,)`` or ``(n, k)``.
      x_test: test points ``(m, d)``.
      y_test: test targets ``(m,)`` or ``(m, k)``.
      lr: learning rate.
      steps: increasing step counts at which to record (0 = initialisation).
      seeds: number of networks, trained together (vmapped).
      seed: base seed; network s uses the s-th key split from ``PRNGKey(seed)``.
      optimizer: ``gd`` (full-batch gradient descent, the NTK theory's) or ``adam``.
      record_ntk: also record the empirical NTK on the training points and its drift from step 0.
      dtype: float32 (default, fast) or float64 (computed in float64 inside a scoped 64-bit switch,
        `precision.float64`; no global JAX flag needed).
      output: ``linear`` (the network's outputs, as the NTK theory) or ``sigmoid`` (outputs squashed to (0, 1), as
        Tancik et al. fit images); the loss and the recorded outputs use it.
      linearize: train the linearised network instead, the first-order Taylor expansion around each network's
        initial parameters p0: f_lin(x; p) = f(x; p0) + J(x; p0) (p - p0) (one jvp; Lee et al. 2019). Under GD its
        outputs follow exactly the kernel dynamics of its own empirical NTK K_0 (`ntk` is then K_0 at every step).
      center: train the centred networks f(x; p) - f(x; p0), zero at initialisation: at infinite width they follow
        the NTK prediction from f(0) = 0, the ensemble mean's (Hu et al. 2020), without averaging networks.
      label: the progress bar's label (default: "training width W").
      execution: ``execution.mesh``: split the networks over this mesh's devices (`devices.mesh`; None: one device);
        ``execution.progress``: a progress bar over the recorded steps. (Engine and tile are the kernels'.)
    """
    with dtype_scope(dtype):  # float64 networks really train in float64, whatever the process-wide JAX setting
        return _train(model, x_train, y_train, x_test, y_test, lr=lr, steps=steps, seeds=seeds, seed=seed,
                      optimizer=optimizer, record_ntk=record_ntk, dtype=dtype, output=output,
                      linearize=linearize, center=center, mesh=execution.mesh, show_progress=execution.progress,
                      label=label)


def _train(model: Model, x_train, y_train, x_test, y_test, *, lr, steps, seeds, seed, optimizer, record_ntk, dtype,
           output, linearize, center, mesh, show_progress, label) -> TrainResult:
    if optimizer not in OPTIMIZERS:
        raise InputError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    if not (lr > 0 and np.isfinite(lr)):
        raise InputError(f"learning rate must be a positive number, got {lr}")
    if int(seeds) != seeds or seeds < 1:
        raise InputError(f"seeds must be a positive integer, got {seeds}")
    steps = check_steps(steps)
    if np.any(steps != np.rint(steps)) or np.any(np.diff(steps) < 0):
        raise InputError("training steps must be increasing whole numbers")
    xtr, xte = jnp.asarray(x_train, dtype), jnp.asarray(x_test, dtype)
    ytr, yte = (jnp.asarray(y, dtype).reshape(len(y), -1) for y in (y_train, y_test))
    spread, parts = devices.spread(mesh), devices.size(mesh)
    require_memory(model, xtr.shape[1], ytr.shape[1], len(xtr), len(xte), seeds, np.dtype(dtype).itemsize,
                   optimizer=optimizer, record_ntk=record_ntk, linearize=linearize, records=len(steps),
                   devices=parts)
    if spread:  # the data on every device of the mesh, so the programs below run over the whole mesh
        xtr, xte, ytr, yte = (devices.replicate(mesh, np.asarray(a)) for a in (xtr, xte, ytr, yte))
    net = mlp.build(model, xtr.shape[1], ytr.shape[1])
    if output not in ("linear", "sigmoid"):
        raise InputError(f"unknown output {output!r}; choose linear or sigmoid")
    squash = jax.nn.sigmoid if output == "sigmoid" else (lambda z: z)

    def outputs(params, x, params0):
        offset = net.apply(params0, x) if center else 0.0  # centred: f(x; p) - f(x; p0), zero at initialisation
        if not linearize:
            return squash(net.apply(params, x) - offset)
        # first-order Taylor expansion around params0: f(x; p0) + J(x; p0) (p - p0), by one jvp
        delta = jax.tree_util.tree_map(jnp.subtract, params, params0)
        value, tangent = jax.jvp(lambda p: net.apply(p, x), (params0,), (delta,))
        return squash(value + tangent - offset)

    opt_init, opt_update = _optimizer(optimizer, float(lr))  # a Python float stays weakly typed (no upcast)

    def loss(params, params0):
        return 0.5 * jnp.mean((outputs(params, xtr, params0) - ytr) ** 2)  # = 1/(2n) sum, n = y_train.size

    def step(params0):
        def one(_, carry):
            params, state = carry
            updates, state = opt_update(jax.grad(loss)(params, params0), state, params)
            return jax.tree_util.tree_map(jnp.add, params, updates), state
        return one

    @jax.jit
    def advance(params, state, params0, count):  # count is traced: one compilation for every segment length
        return jax.vmap(lambda p, s, p0: jax.lax.fori_loop(0, count, step(p0), (p, s)))(params, state, params0)

    @jax.jit
    def observe(params, params0):
        f_tr = jax.vmap(outputs, (0, None, 0))(params, xtr, params0)
        f_te = jax.vmap(outputs, (0, None, 0))(params, xte, params0)
        at = params0 if linearize else params  # the linearised network's NTK is its K_0 throughout
        kernel = jax.vmap(lambda p: empirical_ntk(net, p, xtr))(at) if record_ntk else None
        return f_tr, f_te, kernel

    # drawn in float32 whatever dtype is, so a float64 run trains the same networks, differing only by round-off
    keys = jax.random.split(jax.random.PRNGKey(seed), seeds)
    if spread:  # pad with copies of the last network to fill every device, then split the networks over the mesh
        keys = jnp.concatenate([keys, jnp.repeat(keys[-1:], -seeds % parts, axis=0)])
    params = jax.vmap(lambda k: net.init(k, jnp.float32))(keys)
    params = jax.tree_util.tree_map(lambda a: a.astype(dtype), params)
    if spread:
        params = jax.tree_util.tree_map(lambda a: devices.shard(mesh, np.asarray(a)), params)
    params0 = params
    state = jax.vmap(opt_init)(params)
    records, done, compile_seconds = [], 0, 0.0
    start = time.perf_counter()
    label = label or f"training {'linearised ' if linearize else ''}width {model.width}"
    for target in progress([int(s) for s in steps], label, show_progress):
        if target > done:
            t0 = time.perf_counter()
            params, state = advance(params, state, params0, target - done)
            jax.block_until_ready(params)
            compile_seconds = compile_seconds or time.perf_counter() - t0
            done = target
        records.append(_fetch(observe(params, params0), seeds, spread))
    seconds = time.perf_counter() - start
    f_train = np.stack([r[0] for r in records]).astype(np.float64)
    f_test = np.stack([r[1] for r in records]).astype(np.float64)
    ytr_np, yte_np = np.asarray(ytr, np.float64), np.asarray(yte, np.float64)
    ntk = drift = None
    if record_ntk:
        ntk = np.stack([r[2] for r in records]).astype(np.float64)
        drift = np.linalg.norm(ntk - ntk[:1], axis=(2, 3)) / np.linalg.norm(ntk[:1], axis=(2, 3))
    return TrainResult(steps=steps, f_train=f_train, f_test=f_test,
                       mse_train=np.mean((f_train - ytr_np) ** 2, axis=(2, 3)),
                       mse_test=np.mean((f_test - yte_np) ** 2, axis=(2, 3)), ntk=ntk, drift=drift,
                       seconds=seconds, compile_seconds=compile_seconds,
                       params=_fetch(params, seeds, spread) if spread else params)


def _fetch(tree, seeds: int, spread: bool):
    """A pytree of per-network arrays (leading axis: networks) on the host, without the padding networks."""
    if not spread:
        return jax.device_get(tree)
    return jax.tree_util.tree_map(lambda a: devices.gather(a)[:seeds], tree)


def save_run(path, run: TrainResult, **meta) -> None:
    """Write a `TrainResult` as ``path`` (.npz, the arrays) + .json (``meta`` and the timings)."""
    arrays = {k: v for k, v in run._asdict().items() if isinstance(v, np.ndarray)}
    save(path, arrays, **meta, timings_train={"train_s": run.seconds, "first_segment_s": run.compile_seconds})


def load_run(path) -> TrainResult:
    """Read a `TrainResult` written by `save_run` or by ``ntk-fourier train``."""
    return read_run(path)[0]


def read_run(path) -> tuple[TrainResult, dict]:
    """A `TrainResult` and its sidecar metadata (model, lr, data hash, ...), from one read of the files."""
    arrays, meta = load(path)
    missing = [k for k in ("steps", "f_train", "f_test", "mse_train", "mse_test") if k not in arrays]
    if missing:
        raise InputError(f"{path} is not a training result: it lacks {', '.join(missing)}")
    timings = meta.get("timings_train", {})
    return TrainResult(steps=arrays["steps"], f_train=arrays["f_train"], f_test=arrays["f_test"],
                       mse_train=arrays["mse_train"], mse_test=arrays["mse_test"], ntk=arrays.get("ntk"),
                       drift=arrays.get("drift"), seconds=timings.get("train_s", float("nan")),
                       compile_seconds=timings.get("first_segment_s", float("nan"))), meta
