"""Cross-check: finite networks trained by gradient descent vs the infinite-width NTK prediction, across widths.

Same data, same loss (1/(2n) sum (f - y)^2), same time axis (GD steps at the same rate). Each network is compared
with the prediction started from *its own* outputs at initialisation f_s(0) (never restarted later):

    dev_s(t) = ||f_s(X, t) - f_pred(X, t; f_s(0))||_2 / ||y - f_s(X, 0)||_2          (training points X)
    deviation(width) = mean over seeds s of max over recorded steps t of dev_s(t)

i.e. the largest gap between a network and its linearised infinite-width twin, as a fraction of the distance the
network had to travel. The gap is split, with the same definition, by the *linearised network* f_lin (the network's
first-order Taylor expansion around its own initial parameters, trained by the same GD; exactly the kernel dynamics of
its empirical NTK K_0):

    deviation_kernel:        f_lin vs f_pred   -- the finite-width fluctuation of the kernel at initialisation
    deviation_linearization: f_net vs f_lin    -- the kernel's drift during training and the network's nonlinearity

Per recorded step, ``deviation_curve`` and the slope of log deviation against log width at that step
(``slope_per_step``) say until when the NTK prediction holds at a given width; the *validity horizon* is the first
recorded step where the deviation passes 5% / 10%, and its estimate is the first step (resolved at every step) where
the gap predicted from the empirical K_0 alone passes it: ||((I - eta K_0 / n)^t - (I - eta K / n)^t) r(0)|| /
||r(0)|| (`kernel_gap_curve`), the kernel part without the drift. The same is reported on test points (``deviation_test``), and the seed-average of the
networks is compared with the infinite-ensemble mean (prediction from f(0) = 0). The deviation of a width-N network
is expected to shrink like N^-1/2 (Lee et al. 2019); ``slope`` is the least-squares slope of log deviation vs log
width.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ntk_fourier import devices
from ntk_fourier.kernel import kernel_diagonal, kernels
from ntk_fourier.kernel.dynamics import Prediction, max_stable_lr, predict
from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.model import Model, points
from ntk_fourier.network import TrainResult, require_memory, train
from ntk_fourier.steps import check_steps

DEFINITION = ("deviation = mean over seeds of max over recorded steps of ||f_net(X,t) - f_pred(X,t)||_2 / "
              "||y - f_net(X,0)||_2 on the training points X, f_pred the NTK gradient-descent prediction started "
              "from that network's own f_net(0)")


class WidthCheck(NamedTuple):
    """One width: the training run, the per-seed predictions (from each network's f(0)), and the deviations."""

    width: int
    run: TrainResult
    predictions: list[Prediction]
    deviation: float
    deviation_test: float
    deviation_per_seed: np.ndarray  # (S,)
    deviation_curve: np.ndarray  # (T, S): dev_s(t)
    measured_modes: np.ndarray  # (T, S, n, k): V^T (f_net(X, t) - y)
    ensemble_z: float  # max over t of ||seed-mean f_net - ensemble mean|| / (its predicted std), test points
    ensemble_mean: Prediction  # infinite-ensemble mean prediction (from zero), with its variance
    linear_run: TrainResult | None = None  # the linearised networks (same seeds), when trained
    kernel_curve: np.ndarray | None = None  # (T, S): ||f_lin - f_pred|| / ||y - f0||
    linearization_curve: np.ndarray | None = None  # (T, S): ||f_net - f_lin|| / ||y - f0||
    k0: np.ndarray | None = None  # (S, n, n): each network's empirical NTK at initialisation, when recorded
    ntk: np.ndarray | None = None  # (n, n): the analytic NTK on the training points, which the predictions use

    @property
    def deviation_kernel(self) -> float | None:
        return None if self.kernel_curve is None else float(self.kernel_curve.max(0).mean())

    @property
    def deviation_linearization(self) -> float | None:
        return None if self.linearization_curve is None else float(self.linearization_curve.max(0).mean())


class Comparison(NamedTuple):
    widths: list[int]
    checks: list[WidthCheck]
    eigenvalues: np.ndarray  # (n,) analytic NTK on the training points (of the widest model)
    ensemble_mean: Prediction  # infinite-ensemble mean prediction (from zero) of the widest model
    slope: float
    slope_test: float
    lr: float = float("nan")  # the GD rate of networks and predictions
    data: dict | None = None  # the data set compared on


def fit_slope(widths, values) -> float:
    """Least-squares slope of log(values) against log(widths); NaN with fewer than two positive values."""
    w, v = np.asarray(widths, float), np.asarray(values, float)
    ok = v > 0
    return float(np.polyfit(np.log(w[ok]), np.log(v[ok]), 1)[0]) if ok.sum() >= 2 else float("nan")


def _relative(a: np.ndarray, b: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """||a - b|| / ||scale|| over all axes after the first: shape (T,)."""
    axes = tuple(range(1, a.ndim))
    return np.sqrt(np.sum((a - b) ** 2, axis=axes)) / np.sqrt(np.sum(scale**2))


def stable_lr(model: Model, x_train: np.ndarray, n_values: int, widths, *,
              execution: Execution = DEFAULT) -> float:
    """The largest stable gradient-descent rate, 2n / lambda_max, of the analytic NTK on ``x_train`` (of the widest
    model: only the standard parameterization's NTK depends on width); n = number of target values."""
    ntk = kernels(model.replace(width=max(widths)), x_train, execution=execution.replace(progress=False)).ntk
    return max_stable_lr(np.linalg.eigvalsh(ntk), n_values)


def auto_lr(model: Model, x_train: np.ndarray, n_values: int, widths, *,
            execution: Execution = DEFAULT) -> float:
    """Half the largest stable gradient-descent rate (`stable_lr`)."""
    return 0.5 * stable_lr(model, x_train, n_values, widths, execution=execution)


def mode_residuals(ntk_train: np.ndarray, f_train: np.ndarray, y_train: np.ndarray):
    """(residuals along the NTK's eigenvectors, eigenvalues descending) of recorded training outputs.

    ``ntk_train`` ``(n, n)``; ``f_train`` ``(T, S, n, k)`` as `TrainResult.f_train`; ``y_train`` ``(n,)`` or
    ``(n, k)``. Returns ``V^T (f - y)`` of shape ``(T, S, n, k)`` and the eigenvalues ``(n,)``."""
    lam, V = np.linalg.eigh(np.asarray(ntk_train, dtype=np.float64))
    y = np.asarray(y_train, dtype=np.float64).reshape(len(ntk_train), -1)
    return np.einsum("ij,tsjk->tsik", V[:, ::-1].T, f_train - y), lam[::-1]


def horizon(steps: np.ndarray, curve: np.ndarray, threshold: float) -> float | None:
    """The first recorded step at which the seed-mean of ``curve`` ``(T, S)`` exceeds ``threshold`` (None: never)."""
    above = np.flatnonzero(curve.mean(1) > threshold)
    return float(steps[above[0]]) if len(above) else None


def kernel_gap_curve(k0s: np.ndarray, ntk: np.ndarray, f0s: np.ndarray, y: np.ndarray, lr: float,
                     steps: np.ndarray) -> np.ndarray:
    """The kernel part of the gap predicted from the empirical K_0 alone, at any ``steps`` ``(T,)``: for each network
    s, ||(P_{K_0,s}(t) - P_K(t)) r_s(0)|| / ||r_s(0)|| with P_K(t) = (I - eta K / n)^t the GD residual propagator and
    r_s(0) = f_s(0) - y. ``k0s`` ``(S, n, n)``, ``f0s`` ``(S, n, k)``. Returns ``(T, S)``."""
    n_values = y.size
    lam, V = np.linalg.eigh(ntk)

    def propagate(lam, V, r0):  # (T, n, k)
        factors = np.power(1.0 - lr * lam / n_values, steps[:, None])  # (T, n)
        return np.einsum("ij,tj,jk->tik", V, factors, V.T @ r0)

    curves = []
    for k0, f0 in zip(k0s, f0s):
        r0 = f0 - y
        l0, V0 = np.linalg.eigh(k0)
        gap = propagate(l0, V0, r0) - propagate(lam, V, r0)
        curves.append(np.sqrt(np.sum(gap**2, axis=(1, 2))) / np.linalg.norm(r0))
    return np.stack(curves, 1)


def check_width(model: Model, data: dict, run: TrainResult, lr: float, kern: dict,
                linear: TrainResult | None = None) -> WidthCheck:
    """Compare one width's trained networks (``run``) with their from-init NTK predictions, and, given the
    linearised networks of the same seeds (``linear``), split the gap into its kernel and linearisation parts."""
    y, y_test = data["y_train"].reshape(len(data["y_train"]), -1), data["y_test"].reshape(len(data["y_test"]), -1)
    preds, curves, curves_test, modes = [], [], [], []
    for s in range(run.f_train.shape[1]):
        f0, f0_test = run.f_train[0, s], run.f_test[0, s]
        p = predict(kern["ntk"], y, lr=lr, steps=run.steps, ntk_test=kern["ntk_test"], y_test=y_test, f0_train=f0,
                    f0_test=f0_test)
        preds.append(p)
        curves.append(_relative(run.f_train[:, s], p.f_train, y - f0))
        curves_test.append(_relative(run.f_test[:, s], p.f_test, y_test - f0_test))
        modes.append(np.einsum("ij,tjk->tik", p.eigenvectors.T, run.f_train[:, s] - y))
    curve = np.stack(curves, 1)
    # The seed average of S networks vs the infinite-ensemble mean (from f(0) = 0) on the test points, in units of
    # the predicted standard deviation of an S-network average (NNGP-distributed f(0)): ~1 means consistent. (On
    # training points that variance vanishes as the networks converge, so the ratio would be meaningless there.)
    mean = predict(kern["ntk"], y, lr=lr, steps=run.steps, ntk_test=kern["ntk_test"], y_test=y_test,
                   nngp_train=kern["nngp"], nngp_test=kern["nngp_test"], nngp_test_diag=kern["nngp_test_diag"])
    seeds = run.f_test.shape[1]
    spread = np.sqrt(np.maximum(np.sum(mean.var_test, axis=1), 0.0) * y.shape[1] / seeds)  # (T,)
    gap = np.sqrt(np.sum((run.f_test.mean(1) - mean.f_test) ** 2, axis=(1, 2)))
    kernel_curve = linearization_curve = None
    if linear is not None:
        kernel_curve = np.stack([_relative(linear.f_train[:, s], p.f_train, y - run.f_train[0, s])
                                 for s, p in enumerate(preds)], 1)
        linearization_curve = np.stack([_relative(run.f_train[:, s], linear.f_train[:, s], y - run.f_train[0, s])
                                        for s in range(len(preds))], 1)
    return WidthCheck(width=model.width, run=run, predictions=preds, deviation=float(curve.max(0).mean()),
                      deviation_test=float(np.stack(curves_test, 1).max(0).mean()),
                      deviation_per_seed=curve.max(0), deviation_curve=curve,
                      measured_modes=np.stack(modes, 1), ensemble_z=float(np.max(gap / np.maximum(spread, 1e-300))),
                      ensemble_mean=mean, linear_run=linear, kernel_curve=kernel_curve,
                      linearization_curve=linearization_curve,
                      k0=None if run.ntk is None else run.ntk[0], ntk=kern["ntk"])


def cross_check(model: Model, data: dict, widths, *, seeds: int, lr: float, steps, runs: dict | None = None,
                linear_runs: dict | None = None, seed: int = 0, dtype=np.float32, decompose: bool = True,
                on_width=None, execution: Execution = DEFAULT) -> Comparison:
    """Train (or take from ``runs``: width -> `TrainResult`, e.g. trained on a GPU) ``seeds`` networks at each
    width and compare them with the analytic NTK's predictions. ``data``: x_train, y_train, x_test, y_test.

    ``decompose``: also train the linearised networks of the same seeds (or take them from ``linear_runs``) and split
    the deviation into its kernel and linearisation parts. ``dtype``: the networks' precision (float64 for gaps
    below float32 round-off, ~1e-6). ``on_width(width, run, linear_run)``: called after each width's networks are
    trained here (not for ``runs`` given), e.g. to save them as they finish.

    ``execution``: the kernels' engine and tile, the networks' progress bars, and the mesh (`devices.mesh`): each
    width's networks are split over its devices and the kernels computed over them; with several processes, the
    widths are dealt to the processes in turn (each trains its widths on its own devices) and every process then
    gets every width's runs."""
    mesh = execution.mesh
    widths = sorted(int(w) for w in widths)
    if not widths or widths[0] < 1:
        raise InputError(f"widths must be positive integers, got {widths}")
    runs, linear_runs = runs or {}, linear_runs or {}
    todo = [w for w in widths if w not in runs]
    if todo:  # the widest network still to train must fit, before any kernel is computed or network trained
        y = np.asarray(data["y_train"])
        require_memory(model.replace(width=max(todo)), data["x_train"].shape[1], 1 if y.ndim == 1 else y.shape[1],
                       len(data["x_train"]), len(data["x_test"]), seeds, np.dtype(dtype).itemsize, record_ntk=True,
                       records=len(check_steps(steps)), devices=devices.size(devices.local_mesh(mesh)))
    if devices.is_multiprocess() and devices.spread(mesh):  # widths dealt to the processes, then exchanged
        runs, linear_runs = _train_shared(model, data, todo, runs, linear_runs, execution, on_width,
                                          seeds=seeds, lr=lr, steps=steps, seed=seed, dtype=dtype,
                                          decompose=decompose)
    checks, cache = [], {}
    for width in widths:
        wide = model.replace(width=width)
        key = width if model.parameterization == "standard" else None  # only the standard NTK depends on width
        if key not in cache:
            quiet = execution.replace(progress=False)
            k_train = kernels(wide, data["x_train"], execution=quiet)
            k_test = kernels(wide, data["x_test"], data["x_train"], execution=quiet)
            cache[key] = {"ntk": k_train.ntk, "nngp": k_train.nngp, "ntk_test": k_test.ntk, "nngp_test": k_test.nngp,
                          "nngp_test_diag": kernel_diagonal(wide, data["x_test"], execution=quiet).nngp}

        def fit(linearize):
            return _fit(wide, data, linearize, execution, seeds=seeds, lr=lr, steps=steps, seed=seed, dtype=dtype)
        run = runs.get(width) or fit(False)
        linear = linear_runs.get(width) or (fit(True) if decompose and width not in runs else None)
        if on_width is not None and width not in runs:
            on_width(width, run, linear)
        checks.append(check_width(wide, data, run, lr, cache[key], linear))
    mean = checks[-1].ensemble_mean
    return Comparison(widths=widths, checks=checks, eigenvalues=mean.eigenvalues, ensemble_mean=mean,
                      slope=fit_slope(widths, [c.deviation for c in checks]),
                      slope_test=fit_slope(widths, [c.deviation_test for c in checks]), lr=float(lr), data=data)


def _fit(model: Model, data: dict, linearize: bool, execution: Execution, **options):
    """The networks (or linearised networks) of ``model`` on ``data``, split over ``execution.mesh``."""
    return train(model, data["x_train"], data["y_train"], data["x_test"], data["y_test"], record_ntk=not linearize,
                 linearize=linearize, execution=execution, **options)


def _train_shared(model: Model, data: dict, todo: list, runs: dict, linear_runs: dict, execution: Execution,
                  on_width, *, decompose: bool, **options) -> tuple[dict, dict]:
    """Several processes: process p trains widths todo[p], todo[p + P], ... on its own devices; then every run is
    sent to every process (`devices.from_process`) and ``on_width`` called for each width, in order."""
    import jax
    local, count = execution.replace(mesh=devices.local_mesh(execution.mesh)), jax.process_count()
    mine = {}
    for i, width in enumerate(todo):
        if i % count == jax.process_index():
            wide = model.replace(width=width)
            mine[width] = (_fit(wide, data, False, local, **options),
                           _fit(wide, data, True, local, **options) if decompose else None)
    runs, linear_runs = dict(runs), dict(linear_runs)
    for i, width in enumerate(todo):
        run = _exchange(mine.get(width, (None, None))[0], i % count, data, options, True)
        linear = _exchange(mine.get(width, (None, None))[1], i % count, data, options, False) if decompose else None
        runs[width], linear_runs[width] = run, linear
        if on_width is not None:
            on_width(width, run, linear)
    return runs, {w: r for w, r in linear_runs.items() if r is not None}


def _exchange(run, owner: int, data: dict, options: dict, record_ntk: bool) -> TrainResult:
    """The `TrainResult` process ``owner`` trained (the others pass None), in every process."""
    steps = check_steps(options["steps"])
    T, S, n, m = len(steps), options["seeds"], len(data["x_train"]), len(data["x_test"])
    k = 1 if np.ndim(data["y_train"]) == 1 else np.shape(data["y_train"])[1]
    shapes = {"f_train": (T, S, n, k), "f_test": (T, S, m, k), "mse_train": (T, S), "mse_test": (T, S),
              "ntk": (T, S, n, n) if record_ntk else None, "drift": (T, S) if record_ntk else None,
              "seconds": (), "compile_seconds": ()}
    fields = {name: None if shape is None else devices.from_process(
        None if run is None else np.asarray(getattr(run, name), np.float64), owner, np.zeros(shape))
        for name, shape in shapes.items()}
    return TrainResult(steps=steps, **{**fields, "seconds": float(fields["seconds"]),
                                       "compile_seconds": float(fields["compile_seconds"])})


def _per_step_slopes(widths, curves) -> list:
    """Slope of log (seed-mean deviation) against log width at each recorded step (NaN where undefined)."""
    means = np.stack([c.mean(1) for c in curves], 0)  # (W, T)
    return [fit_slope(widths, means[:, t]) for t in range(means.shape[1])]


def decomposition_summary(c: Comparison) -> dict:
    """Per-step curves and slopes, the decomposition and the validity horizons, for ``comparison.json``."""
    lr = c.lr
    steps = c.checks[-1].run.steps
    out = {"deviation_curve": [k.deviation_curve.tolist() for k in c.checks],
           "deviation_curve_mean": [k.deviation_curve.mean(1).tolist() for k in c.checks],
           "slope_per_step": _per_step_slopes(c.widths, [k.deviation_curve for k in c.checks])}
    if all(k.kernel_curve is not None for k in c.checks):
        out.update({
            "deviation_kernel": [k.deviation_kernel for k in c.checks],
            "deviation_linearization": [k.deviation_linearization for k in c.checks],
            "deviation_kernel_curve_mean": [k.kernel_curve.mean(1).tolist() for k in c.checks],
            "deviation_linearization_curve_mean": [k.linearization_curve.mean(1).tolist() for k in c.checks],
            "slope_kernel_per_step": _per_step_slopes(c.widths, [k.kernel_curve for k in c.checks]),
            "slope_linearization_per_step": _per_step_slopes(c.widths, [k.linearization_curve for k in c.checks]),
        })
    horizons = []
    y = np.asarray(c.data["y_train"], dtype=np.float64).reshape(len(c.data["y_train"]), -1) if c.data else None
    every = np.arange(0, int(steps[-1]) + 1, dtype=np.float64)  # the estimate is resolved at every step
    for k in c.checks:
        h = {f"measured_{d}": horizon(steps, k.deviation_curve, d) for d in (0.05, 0.1)}
        if k.k0 is not None and y is not None:
            estimate = kernel_gap_curve(k.k0, k.ntk, k.run.f_train[0], y, lr, every)
            fluct = float(np.mean([np.linalg.norm(k0 - k.ntk, 2) for k0 in k.k0]))
            h.update({f"estimate_{d}": horizon(every, estimate, d) for d in (0.05, 0.1)},
                     k0_fluctuation=fluct, k0_fluctuation_relative=fluct / float(c.eigenvalues[0]))
        horizons.append(h)
    out["validity_horizon"] = horizons
    return out


def frequency_summary(c: Comparison) -> dict:
    """When the training points are a whole regular grid: per width, the residual at each frequency over training,
    |FFT(f - y)|_f / |FFT(y)|_f, measured (networks) and predicted (NTK, from each network's f(0)), means over seeds
    and outputs: ``residual_freq_measured`` and ``residual_freq_predicted`` (W, T, F), with ``frequencies`` (F, d)
    and ``target_freq`` |y_f| (F,). Empty when the points are not a grid."""
    x, y = c.data["x_train"], np.asarray(c.data["y_train"], dtype=np.float64)
    y = y.reshape(len(y), -1)
    target = points.fourier_residuals(x, y)
    if target is None:
        return {}
    freqs, y_f = target[0], target[1].mean(-1)  # (F,)
    scale = np.where(y_f > 1e-12 * y_f.max(), y_f, np.nan)
    measured, predicted = [], []
    for k in c.checks:
        m = points.fourier_residuals(x, np.moveaxis(k.run.f_train, 1, 0) - y)[1].mean(-1).mean(0)  # (T, F)
        p = np.mean([points.fourier_residuals(x, pr.f_train - y)[1].mean(-1) for pr in k.predictions], 0)
        measured.append(m / scale)
        predicted.append(p / scale)
    return {"frequencies": freqs, "target_freq": y_f, "residual_freq_measured": np.array(measured),
            "residual_freq_predicted": np.array(predicted)}


def laws_summary(c: Comparison) -> dict:
    """The parts of the deviation per seed, and how each falls with width (`fits.width_laws`: slopes with seed
    intervals against the perturbative exponents, the fits a w^-1/2 + b w^-1, which part dominates, which widths are
    perturbative, the seed mean vs infinite-ensemble z), for ``comparison.json``."""
    from ntk_fourier.compare.fits import width_laws
    parts = {"total": [k.deviation_per_seed for k in c.checks]}
    out = {}
    if all(k.kernel_curve is not None for k in c.checks):
        out["deviation_kernel_per_seed"] = [k.kernel_curve.max(0).tolist() for k in c.checks]
        out["deviation_linearization_per_seed"] = [k.linearization_curve.max(0).tolist() for k in c.checks]
        parts.update(kernel=out["deviation_kernel_per_seed"], linearization=out["deviation_linearization_per_seed"])
    drift = [None if k.run.drift is None else float(k.run.drift.max()) for k in c.checks]
    out["width_laws"] = width_laws(c.widths, parts, drift=drift, z=[k.ensemble_z for k in c.checks])
    return out


def summary(c: Comparison) -> dict:
    """The numbers of a comparison, for ``comparison.json``."""
    return {
        "widths": c.widths,
        "deviation": [c_.deviation for c_ in c.checks],
        "slope": c.slope,
        "definition": DEFINITION,
        "deviation_test": [c_.deviation_test for c_ in c.checks],
        "slope_test": c.slope_test,
        "deviation_per_seed": [c_.deviation_per_seed.tolist() for c_ in c.checks],
        "ensemble_mean_z": [c_.ensemble_z for c_ in c.checks],
        "max_ntk_drift": [None if c_.run.drift is None else float(c_.run.drift.max()) for c_ in c.checks],
        "final_mse_train": [c_.run.mse_train[-1].mean() for c_ in c.checks],
        "final_mse_test": [c_.run.mse_test[-1].mean() for c_ in c.checks],
        "predicted_final_mse_test": [np.mean([p.mse_test[-1] for p in c_.predictions]) for c_ in c.checks],
        "train_seconds": [c_.run.seconds for c_ in c.checks],
        "steps": c.checks[-1].run.steps.tolist(),
        **decomposition_summary(c),
        **laws_summary(c),
        **(frequency_summary(c) if c.data is not None else {}),
    }
