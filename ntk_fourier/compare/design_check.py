"""A designed mapping against the best of a grid search, predicted by the NTK and measured on trained networks.

`experiment` runs the whole protocol on a class of signals (three disjoint sets of signals on the same points):
the one-parameter family (power: p; sigma) is searched on a grid by the predicted error on the validation signals
(of the NTK prediction from f(0) = 0, which centred networks follow; with ``network``, of one plain network from its
random initialisation, whose initial function adds its variance),
the mapping is then designed by gradient descent (`kernel.design.design`) from the grid's best, and both are
measured on the test signals: predicted by the NTK and, with ``train_seeds``, by networks of width ``train_width``
trained with gradient descent at the same rate for the same number of steps (one network per seed and signal;
centred, f(x; p) - f(x; p0), unless ``network``).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.kernel import design as nd
from ntk_fourier.model import Mapping, Model
from ntk_fourier.network import train
from ntk_fourier.progress import progress

GRIDS = {"power": np.arange(0.0, 6.01, 0.25), "sigma": 2.0 ** np.arange(-2.0, 7.01, 0.5)}


class DesignExperiment(NamedTuple):
    """``grid`` values of the family and ``grid_errors`` (values, 3): predicted MSE on the design, validation and
    test signals; ``best`` the grid value chosen on validation; ``design`` (`kernel.design.Design`);
    ``predicted`` {"grid": MSE, "designed": MSE} on the test signals; ``trained`` the same measured on networks
    ({"grid": ((seeds, signals) per network, (signals,) of the seeds' mean output), ...}) or None; ``lr``,
    ``steps``."""

    grid: np.ndarray
    grid_errors: np.ndarray
    best: float
    design: nd.Design
    predicted: dict
    trained: dict | None
    lr: float
    steps: int | None


def trained_errors(model: Model, mapping: Mapping, signals: nd.Signals, *, lr: float, steps: int, width: int,
                   seeds: int, seed: int = 0, center: bool = True, name: str = "the",
                   execution: Execution = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Test MSE of networks with ``mapping`` trained by gradient descent on each signal: (seeds, signals) one
    network at a time, and (signals,) of the seeds' mean output. ``center``: centred networks (zero at
    initialisation), whose infinite-width limit is the NTK's prediction from f(0) = 0. ``name``: the mapping's, in
    the progress bar."""
    each, mean = [], []
    for s in progress(range(signals.y_train.shape[1]), f"training networks with {name} mapping on each test signal",
                      execution.progress):
        run = train(model.replace(mapping=mapping, width=width), signals.x_train, signals.y_train[:, s],
                    signals.x_test, signals.y_test[:, s], lr=lr, steps=[0, steps], seeds=seeds, seed=seed,
                    center=center, execution=execution.replace(progress=False))
        each.append(run.mse_test[-1])
        mean.append(np.mean((run.f_test[-1].mean(0)[:, 0] - signals.y_test[:, s]) ** 2))
    return np.array(each).T, np.array(mean)


def experiment(model: Model, kind: str, sets: tuple, *, features: int, steps: int | None, lr: float | None = None,
               grid=None, iterations: int = 200, rate: float = 0.05, seed: int = 0, train_seeds: int = 0,
               train_width: int = 512, network: bool = False, execution: Execution = DEFAULT) -> DesignExperiment:
    """The protocol of the module docstring on ``sets`` = (design, validation, test) `kernel.design.Signals`.
    ``execution.progress``: progress bars."""
    family = "sigma" if kind == "sigma" else "power"
    grid = GRIDS[family] if grid is None else np.asarray(grid, dtype=np.float64)
    design_set, validation_set, test_set = sets
    if train_seeds and steps is None:
        raise InputError("trained networks need a number of steps: give --steps, not inf")
    if lr is None:  # half the stable rate of every mapping of the grid, so each is stable
        lr = float(np.min(nd.stable_lrs(model, family, [[g if family == "power" else np.log(g)] for g in grid],
                                        design_set.x_train, features=features, seed=seed,
                                        execution=execution)))
    errors = nd.grid_search(model, family, grid, sets, lr=lr, steps=steps, features=features, seed=seed,
                            network=network, execution=execution)
    best = float(grid[int(np.argmin(errors[:, 1]))])
    start = np.log(best) if family == "sigma" else best
    theta0 = (nd.initial_theta("amplitudes", features, design_set.x_train.shape[1], p=best) if kind == "amplitudes"
              else [start])
    designed = nd.design(model, kind, design_set, validation_set, features=features, steps=steps, lr=lr,
                         theta0=theta0, iterations=iterations, rate=rate, seed=seed, network=network,
                         execution=execution)
    grid_mapping = nd.mapping_of(family, [start], features, seed)
    predicted = {"grid": float(errors[int(np.argmin(errors[:, 1])), 2]),
                 "designed": float(nd.predicted_errors(model, kind, designed.theta, [test_set], lr=lr, steps=steps,
                                                       features=features, seed=seed, network=network)[0])}
    trained = None
    if train_seeds:
        trained = {name: trained_errors(model, m, test_set, lr=lr, steps=steps, width=train_width, seeds=train_seeds,
                                        seed=seed, center=not network, name=words, execution=execution)
                   for name, m, words in (("grid", grid_mapping, "the grid's best"),
                                          ("designed", designed.mapping, "the designed"))}
    return DesignExperiment(grid=grid, grid_errors=errors, best=best, design=designed, predicted=predicted,
                            trained=trained, lr=float(lr), steps=steps)
