"""``ntk-fourier``: the command line, a thin layer over the public API.

Every command takes the model options (defaults: `ntk_fourier.Model`), or ``--config FILE.toml`` with the same keys
(``w-std`` or ``w_std``); explicit options override the file, which overrides ``--preset``. Results are ``.npz`` files
with a ``.json`` sidecar (command, model, versions, timings). Bad input gives one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import time
import tomllib
import warnings
from pathlib import Path

import numpy as np

from ntk_fourier import bounds, devices, files, memory, provenance, results
from ntk_fourier.core import activations
from ntk_fourier.errors import InputError
from ntk_fourier.execution import Execution
from ntk_fourier.steps import parse_steps
from ntk_fourier.kernel.engine import ENGINES
from ntk_fourier.model import ACTIVATIONS, GRID_KINDS, INITS, MAPPING_KINDS, PARAMETERIZATIONS, Model, grids, siren_model

MODEL_KEYS = {  # option name -> (type, help)
    "mapping": (str, f"input mapping: {', '.join(MAPPING_KINDS)} (default gaussian)"),
    "sigma": (float, "mapping scale sigma; the tables' initial scale for grid and hash (default 10; grid, hash 1e-4)"),
    "features": (int, "number of mapping frequencies m; largest integer frequency for power; features per level for "
                      "grid and hash (default 256; grid, hash 2)"),
    "p": (float, "power-law exponent of the power mapping; inf means basic (default 1)"),
    "seed": (int, "seed of random mappings and of initialisation (default 0)"),
    "levels": (int, "levels of the grid and hash encodings (default 8)"),
    "base": (int, "cells per axis of their coarsest level (default 4)"),
    "finest": (int, "cells per axis of their finest level (default 256)"),
    "table-size": (int, "rows of each hash table (default 4096)"),
    "depth": (int, "number of hidden layers (default 4)"),
    "width": (int, "hidden width; enters the analytic NTK only in the standard parameterization (default 256)"),
    "activation": (str, f"{', '.join(ACTIVATIONS)} (default relu)"),
    "omega0": (float, "frequency of the sin, finer and gabor activations: sin(omega0 z), "
                      "sin(omega0 (|z| + 1) z), cos(omega0 z) exp(-(s0 z)^2) (default 30)"),
    "s0": (float, "envelope of the gauss and gabor activations, exp(-(s0 z)^2) (default 1)"),
    "w-std": (float, "weight scale w_std (default sqrt(2); SIREN preset sqrt(2)/omega0)"),
    "b-std": (float, "bias scale b_std; 0 means no biases (default 0.1)"),
    "parameterization": (str, f"{', '.join(PARAMETERIZATIONS)} (default ntk)"),
    "init": (str, f"first-layer initialisation: {', '.join(INITS)} (default gaussian)"),
    "preset": (str, "start from a preset: default or siren (sin, omega0 30, SIREN init, no mapping)"),
}
MAPPING_FIELDS = ("sigma", "features", "p", "seed", "levels", "base", "finest", "table_size")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block
        raise InputError(f"{message} (see {self.prog} --help)")


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model options")
    for key, (kind, help_text) in MODEL_KEYS.items():
        group.add_argument(f"--{key}", dest=key.replace("-", "_"), default=None,
                           type=kind if kind is str else bounds.parser(f"--{key}"), help=help_text)
    group.add_argument("--config", type=Path, help="TOML file with any of the model option keys")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _add_device_options(parser: argparse.ArgumentParser, hosts: bool = True) -> None:
    group = parser.add_argument_group("devices (docs/scale.md)")
    group.add_argument("--devices", type=bounds.parser("--devices"), help="local devices to spread the work over (default: all)")
    if not hosts:
        return
    group.add_argument("--coordinator", help="HOST:PORT of process 0, to run as one of several processes (hosts)")
    group.add_argument("--num-processes", type=bounds.parser("--num-processes"), help="with --coordinator: how many processes in all")
    group.add_argument("--process-id", type=bounds.parser("--process-id"), help="with --coordinator: this process, 0..P-1")


def _cache_size(text: str) -> int:
    """--cache: a size (16GB, 512MB, bytes) or 0."""
    try:
        return memory.parse_size(text, zero=True)
    except InputError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; write e.g. 16GB, 512MB or 0")


def _join_devices(args) -> None:
    """Join the other processes (--coordinator) and build the mesh (--devices) before any computation; processes
    other than 0 compute the same, silently, and write their copy to a folder that is deleted. Then the command's
    one `Execution` (``args.execution``): --engine, the mesh, --tile, --cache and --quiet."""
    args.mesh, args.write_to = None, getattr(args, "out", None)  # noqa: the folder commands write their files to
    if hasattr(args, "devices"):
        _join(args)
    args.execution = Execution(engine=getattr(args, "engine", "native"), mesh=args.mesh,
                               tile=getattr(args, "tile", None), progress=not getattr(args, "quiet", False),
                               cache=getattr(args, "cache", None))


def _join(args) -> None:
    multi = tuple(getattr(args, k, None) for k in ("coordinator", "num_processes", "process_id"))
    if any(v is not None for v in multi):
        if any(v is None for v in multi):
            raise InputError("several processes need all of --coordinator HOST:PORT, --num-processes P and "
                             "--process-id I")
        if getattr(args, "resume", False):
            raise InputError("--resume continues in one process: run it without --coordinator (or start afresh)")
        devices.initialize(args.coordinator, args.num_processes, args.process_id)
    args.mesh = devices.mesh(args.devices)
    if not devices.is_main_process():
        import tempfile
        args.quiet = True
        args.write_to = Path(tempfile.mkdtemp(prefix="ntk-fourier-process-"))


@contextlib.contextmanager
def _stdout_to_stderr(enabled: bool):
    """Standard output (file descriptor 1) sent to standard error, e.g. the collectives library's connection logs
    during a multi-process run, so that standard output holds only the command's result line."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _read_config(path: Path) -> dict:
    if files.regular_file(path, "--config").stat().st_size > 2**20:
        raise InputError(f"--config {path} is larger than 1 MiB: not a config file of model options")
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except OSError as err:
        raise InputError(f"cannot read config {path}: {err.strerror or err}")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"config {path} is not valid TOML (UTF-8): {err}")
    config = {}
    for key, value in raw.items():
        name = key.replace("_", "-")
        if name not in MODEL_KEYS:
            raise InputError(f"unknown key {key!r} in config {path}; known keys: {', '.join(MODEL_KEYS)}")
        kind = MODEL_KEYS[name][0]
        if kind is str and not isinstance(value, str):
            raise InputError(f"config key {key!r} in {path} must be a string, got {value!r}")
        try:
            config[name.replace("-", "_")] = value if kind is str else bounds.check(f"--{name}", value)
        except InputError as err:
            raise InputError(f"config key {key!r} in {path}: {err}")
    return config


def model_from_args(args: argparse.Namespace) -> Model:
    """The model described by the parsed options (preset < config file < explicit options)."""
    settings = _read_config(args.config) if args.config else {}
    for key in MODEL_KEYS:
        value = getattr(args, key.replace("-", "_"))
        if value is not None:
            settings[key.replace("-", "_")] = value
    preset = settings.pop("preset", "default")
    if preset not in ("default", "siren"):
        raise InputError(f"unknown preset {preset!r}; choose default or siren")
    base = siren_model() if preset == "siren" else Model()
    if "omega0" in settings and not (settings["omega0"] > 0 and math.isfinite(settings["omega0"])):
        raise InputError(f"omega0 must be a positive number, got {settings['omega0']}")
    if preset == "siren" and "omega0" in settings and "w_std" not in settings:
        settings["w_std"] = math.sqrt(2.0) / settings["omega0"]
    kind = settings.pop("mapping", base.mapping.kind)
    fields = {k: settings.pop(k) for k in MAPPING_FIELDS if k in settings}
    if kind in GRID_KINDS:  # a grid encoding's own defaults (Instant-NGP's, at CPU scale)
        fields = {**grids.DEFAULTS, **fields}
    mapping = base.mapping.replace(kind=kind, **fields)
    return base.replace(mapping=mapping, **settings)


def _out_path(path: Path) -> Path:
    if path.suffix != ".npz":
        raise InputError(f"output file {path} must end in .npz")
    return path


def _load_data(args, model: Model) -> dict:
    """--data, read (`files.load_data`) and checked against the model's float64 range (`bounds.check_scale`)."""
    data = files.load_data(args.data)
    bounds.check_scale(model, np.concatenate([data["x_train"], data["x_test"]]), "the points of --data")
    return data


def _squeeze(y: np.ndarray):
    """Drop the output axis of results for 1D targets (as the data had it)."""
    return (lambda a: a[..., 0]) if y.ndim == 1 else (lambda a: a)


def _per_frequency(data: dict, f_train: np.ndarray) -> dict:
    """``frequencies`` and ``residual_freq`` (|FFT of f - y| per frequency, trailing output axis as f_train's) when
    the training points are a whole regular grid; nothing otherwise."""
    from ntk_fourier.model.points import fourier_residuals
    y = data["y_train"].reshape(len(data["y_train"]), -1)
    found = fourier_residuals(data["x_train"], f_train - y)  # f_train (..., n, k)
    if found is None:
        return {}
    freqs, magnitude = found
    return {"frequencies": freqs, "residual_freq": _squeeze(data["y_train"])(magnitude),
            "target_freq": _squeeze(data["y_train"])(fourier_residuals(data["x_train"], y)[1])}


def _cmd_kernel(args, model):
    from ntk_fourier.kernel import kernels
    x1 = files.points(files.load_array(args.x, "--x"), "--x")
    x2 = None if args.x2 is None else files.points(files.load_array(args.x2, "--x2"), "--x2")
    if x2 is not None and x2.shape[1] != x1.shape[1]:
        raise InputError(f"--x has {x1.shape[1]} coordinates per point but --x2 has {x2.shape[1]}")
    bounds.check_scale(model, x1 if x2 is None else np.concatenate([x1, x2]), "the points of --x/--x2")
    k = kernels(model, x1, x2, execution=args.execution)
    return {"ntk": k.ntk, "nngp": k.nngp}, f"ntk and nngp of shape {k.ntk.shape}", {
        "engine": args.engine, "x_sha256": files.array_sha256(x1),
        "x2_sha256": files.array_sha256(x1 if x2 is None else x2)}


def _cmd_spectrum(args, model):
    from ntk_fourier.kernel import spectra
    sources = [s for s in (args.grid, args.x, args.harmonic) if s is not None]
    if len(sources) != 1:
        raise InputError("give exactly one of --grid N[xN[xN]], --x X.npy or --harmonic 2|3")
    if args.harmonic is not None and args.top is not None:
        raise InputError("--top works with --grid or --x, not --harmonic")
    execution, engine = args.execution, args.engine
    if args.x is None:  # points in the unit cube, of the grid's dimension
        from ntk_fourier.model.points import parse_grid
        bounds.check_scale(model, None if args.grid is None else np.ones((1, len(parse_grid(args.grid)))), "the grid")
    if args.grid is not None and args.top is not None:  # exact top-K, matrix-free
        lam, _, freqs = spectra.top_eigenpairs(model, args.grid, args.top, which=args.kernel, execution=execution)
        return ({"eigenvalues": lam, "frequencies": freqs},
                f"exact top {args.top} eigenvalues (matrix-free Lanczos, Toeplitz products by FFT)",
                {"method": "lanczos-toeplitz", "grid": args.grid, "top": args.top, "engine": engine})
    if args.grid is not None:
        s = spectra.grid_spectrum(model, args.grid, which=args.kernel, execution=execution)
        return ({"eigenvalues": s.eigenvalues, "frequencies": s.frequencies}, s.describe(),
                {"method": s.method, "approx_error": s.approx_error, "grid": args.grid, "engine": engine})
    if args.harmonic is not None:
        if args.harmonic not in (2, 3):
            raise InputError(f"--harmonic must be 2 (circle) or 3 (sphere), got {args.harmonic}")
        deg, lam, mult = spectra.harmonic_spectrum(model, args.harmonic, args.max_degree, which=args.kernel,
                                                   execution=execution)
        return ({"degrees": deg, "eigenvalues": lam, "multiplicities": mult},
                "eigenvalues per harmonic degree (uniform probability measure)",
                {"method": "funk-hecke", "engine": engine})
    x = files.points(files.load_array(args.x, "--x"), "--x")
    bounds.check_scale(model, x, "the points of --x")
    if args.top is not None:  # top-K on arbitrary points: block Lanczos, kernel computed in tiles
        e = spectra.top_eigenpairs_points(model, x, args.top, which=args.kernel, execution=execution)
        worst = float(np.max(e.residuals / e.values))
        arrays = {"eigenvalues": e.values, "residuals": e.residuals, **({"eigenvectors": e.vectors}
                                                                        if args.vectors else {})}
        return (arrays, f"top {args.top} eigenvalues of {len(x)} points (matrix-free block Lanczos, {e.passes} "
                f"passes over the kernel; largest residual / eigenvalue {worst:.1e})",
                {"method": "block-lanczos-tiled", "top": args.top, "passes": e.passes,
                 "pass_seconds": list(e.pass_seconds), "max_relative_residual": worst, "engine": engine})
    lam, vecs = spectra.points_spectrum(model, x, which=args.kernel, execution=execution)
    arrays = {"eigenvalues": lam, **({"eigenvectors": vecs} if args.vectors else {})}
    return arrays, f"dense eigendecomposition of {len(x)} points", {"method": "dense", "engine": engine}


def _cmd_predict(args, model):
    from ntk_fourier.kernel.dynamics import predict_model
    data = _load_data(args, model)
    steps = parse_steps(args.steps, args.flow)
    if args.f0 is None and args.f0_seed is not None:
        raise InputError("--f0-seed picks a network of the training result given with --f0; give --f0 too")
    f0 = {} if args.f0 is None else files.load_f0(args.f0, data, args.f0_seed, model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = predict_model(model, data, lr=args.lr, steps=steps, flow=args.flow, f0_train=f0.get("f_train"),
                          f0_test=f0.get("f_test"), execution=args.execution)
    for w in caught:
        print(f"ntk-fourier: warning: {w.message}", file=sys.stderr)
    squeeze = _squeeze(data["y_train"])
    arrays = {"steps": p.steps, "mse_train": p.mse_train, "mse_test": p.mse_test, "f_train": squeeze(p.f_train),
              "f_test": squeeze(p.f_test), "mode_residuals": squeeze(p.mode_residuals),
              "eigenvalues": p.eigenvalues, "max_stable_lr": np.float64(p.max_stable_lr)}
    if not f0:
        arrays.update(var_train=p.var_train, var_test=p.var_test)
    arrays.update(_per_frequency(data, p.f_train))
    summary = (f"train MSE {p.mse_train[0]:.4g} -> {p.mse_train[-1]:.4g}, test MSE {p.mse_test[0]:.4g} -> "
               f"{p.mse_test[-1]:.4g} over steps {steps[0]:g}..{steps[-1]:g} (max stable lr {p.max_stable_lr:.4g})")
    return arrays, summary, {"lr": args.lr, "flow": args.flow, "start": "zero (ensemble mean)" if not f0
                             else f"f0 from {args.f0}", "f0_seed": args.f0_seed, "data": str(args.data),
                             "data_sha256": files.data_sha256(data), "engine": args.engine}


def _cmd_regress(args, model):
    from ntk_fourier.kernel.regression import regress_points
    from ntk_fourier.kernel.spectra import top_eigenpairs_points
    data = _load_data(args, model)
    if not (args.ridge >= 0 and np.isfinite(args.ridge)):
        raise InputError(f"--ridge must be a non-negative number, got {args.ridge}")
    eig = None
    if args.precondition is not None:
        e = top_eigenpairs_points(model, data["x_train"], args.precondition, which=args.kernel,
                                  execution=args.execution)
        eig = (e.values, e.vectors)
    r = regress_points(model, data["x_train"], data["y_train"], x_test=data["x_test"], y_test=data["y_test"],
                       ridge=args.ridge, which=args.kernel, eigenpairs=eig, tol=args.tol,
                       max_iter=args.max_iter, execution=args.execution)
    squeeze = _squeeze(data["y_train"])
    arrays = {"alpha": squeeze(r.alpha), "f_train": squeeze(r.f_train), "f_test": squeeze(r.f_test),
              "mse_test": np.float64(r.mse_test), "relative_residuals": r.relative_residuals}
    growing = r.relative_residuals.max() > 1 or not np.all(np.isfinite(r.relative_residuals))
    state = "converged" if r.converged else (
        f"NOT converged (tolerance {args.tol:g}; raise --max-iter)" if not growing else
        "DIVERGED: the kernel matrix is singular or too ill-conditioned for conjugate gradients; give --ridge > 0")
    summary = (f"test MSE {r.mse_test:.4g}; conjugate gradients {state} in {r.iterations} iterations, largest "
               f"relative residual {np.max(r.relative_residuals):.1e}")
    return arrays, summary, {"ridge": args.ridge, "iterations": r.iterations, "converged": r.converged,
                             "precondition_top_k": args.precondition, "data": str(args.data), "engine": args.engine,
                             "pass_seconds": list(r.pass_seconds), "test_seconds": r.test_seconds,
                             "precondition_pass_seconds": None if eig is None else list(e.pass_seconds)}


def _int_vectors(text: str | None, name: str) -> list | None:
    """``2,6,12`` -> [2, 6, 12]; ``3x0,0x5`` -> [[3, 0], [0, 5]] (vectors for 2D grids)."""
    if text is None:
        return None
    try:
        parts = [p.strip().lower().split("x") for p in text.split(",")]
        values = [[int(c) for c in p] for p in parts]
    except ValueError:
        raise InputError(f"malformed {name} {text!r}: write integers, e.g. 2,6,12 (1D) or 3x0,0x5 (2D)")
    return [v[0] for v in values] if all(len(v) == 1 for v in values) else values


def _cmd_data(args, model):
    from ntk_fourier import datasets
    from ntk_fourier.model.points import parse_grid
    grid, stride = parse_grid(args.grid), args.stride
    if args.freqs is None:
        if args.amps is not None:
            raise InputError("--amps gives the amplitudes of --freqs; give --freqs too")
        data = datasets.one_over_f(n=grid, stride=stride, alpha=args.alpha, seed=args.data_seed)
        meta = {"signal": "1/f", "alpha": args.alpha, "seed": args.data_seed}
    else:
        try:
            amps = None if args.amps is None else [float(a) for a in args.amps.split(",")]
        except ValueError:
            raise InputError(f"malformed --amps {args.amps!r}: write numbers, e.g. 1,0.5,0.25")
        data = datasets.sines(_int_vectors(args.freqs, "--freqs"), amps, grid=grid, stride=stride)
        meta = {"signal": "sines", "freqs": _int_vectors(args.freqs, "--freqs"), "amps": amps}
    kind = "1/f signal" if args.freqs is None else "sum of sines"
    return data, f"{kind} on a {'x'.join(map(str, grid))} grid: {len(data['x_train'])} training and " \
                 f"{len(data['x_test'])} test points", {**meta, "grid": list(grid), "stride": stride}


def _cmd_train(args, model):
    from ntk_fourier.compare import mode_residuals
    from ntk_fourier.network import train
    data = _load_data(args, model)
    lr = args.lr
    steps = parse_steps(args.steps, limit=bounds.MAX_TRAINING_STEP)
    ntk = None if args.kernel is None else files.load_kernel(args.kernel, data["x_train"], model)
    run = train(model, data["x_train"], data["y_train"], data["x_test"], data["y_test"], lr=lr, steps=steps,
                seeds=args.seeds, seed=model.mapping.seed, optimizer=args.optimizer,
                record_ntk=args.record_ntk, dtype={"float32": np.float32, "float64": np.float64}[args.dtype],
                linearize=args.linearize, execution=args.execution)
    arrays = {k: v for k, v in run._asdict().items() if isinstance(v, np.ndarray)}  # as `save_run`
    if ntk is not None:  # analytic NTK on the training points (e.g. computed on another machine)
        arrays["mode_residuals"], arrays["eigenvalues"] = mode_residuals(ntk, run.f_train, data["y_train"])
    arrays.update(_per_frequency(data, run.f_train))
    diverged = ~np.isfinite(run.f_train).reshape(len(steps), -1).all(axis=1)
    hint = None if not diverged.any() else (
        f"the networks diverged at --lr {lr:g} (non-finite outputs from step {steps[np.argmax(diverged)]:g}): lower "
        "--lr ('predict' reports the largest stable rate of the NTK)")
    summary = (f"{args.seeds} seed(s), width {model.width}, {args.dtype}{', linearised' if args.linearize else ''}: "
               f"train MSE {run.mse_train[0].mean():.4g} -> {run.mse_train[-1].mean():.4g}, test MSE "
               f"{run.mse_test[0].mean():.4g} -> {run.mse_test[-1].mean():.4g} ({run.seconds:.1f} s training)")
    return arrays, summary, {"lr": lr, "optimizer": args.optimizer, "seeds": args.seeds, "data": str(args.data),
                             "data_sha256": files.data_sha256(data), "dtype": args.dtype,
                             "linearize": args.linearize, "timings_train": {"train_s": run.seconds,
                                                                   "first_segment_s": run.compile_seconds},
                             "non_finite_hint": hint}


def _cmd_compare(args, model):
    from ntk_fourier.compare import cross_check, report
    from ntk_fourier.compare.crosscheck import stable_lr
    data = _load_data(args, model)
    widths = files.parse_widths(args.widths)
    steps = parse_steps(args.steps, limit=bounds.MAX_TRAINING_STEP)
    if steps[0] != 0 or len(steps) < 2:
        raise InputError(f"compare needs step 0 (the networks' initial outputs) and at least one later step in --steps, "
                         f"got {args.steps!r}: write e.g. 0,10,100 or log:1:1000:20")
    if args.lr != "auto":
        lr_bound = bounds.bound("--lr")
        try:
            lr = lr_bound.parse(args.lr, "--lr")
        except InputError:
            raise InputError(f"--lr must be {lr_bound.describe()} or auto, got {args.lr!r}")
    limit = stable_lr(model, data["x_train"], data["y_train"].size, widths, execution=args.execution)
    if args.lr == "auto":
        lr = 0.5 * limit
    elif lr >= limit:  # the prediction diverges: nothing to compare the networks with
        raise InputError(f"--lr {lr:g} is at or above the NTK's largest stable rate 2n/lambda_max = {limit:.4g}: "
                         f"gradient descent diverges; use --lr auto ({0.5 * limit:.4g}) or a smaller rate")
    if args.resume and args.runs is not None:
        raise InputError("--resume continues a compare in --out; --runs takes runs from elsewhere: give one of them")
    seeds = args.seeds
    config = {"model": model, "lr": lr, "seeds": seeds, "data": str(args.data), "widths": widths,
              "runs": None if args.runs is None else str(args.runs), "engine": args.engine, "dtype": args.dtype,
              "data_sha256": files.data_sha256(data), "provenance": args.provenance}
    runs, linear = (None, None) if args.runs is None else files.load_runs(args.runs, widths, steps, model, lr,
                                                                          data)
    if args.no_decompose:  # no linearised runs, even where --runs holds them
        linear = None
    if args.resume:  # the widths whose runs a previous compare into --out saved completely, checked
        runs, linear = files.load_runs(args.out / "runs", widths, steps, model, lr, data, required=False,
                                       seeds=seeds, dtype=args.dtype)
        if not args.no_decompose:
            runs = {w: r for w, r in runs.items() if w in linear}
        if runs:
            print(f"ntk-fourier: resuming: widths {', '.join(map(str, sorted(runs)))} already trained in "
                  f"{args.out / 'runs'}", file=sys.stderr)
    comparison = cross_check(model, data, widths, seeds=seeds, lr=lr, steps=steps,
                             runs=runs, linear_runs=linear, seed=model.mapping.seed,
                             dtype={"float32": np.float32, "float64": np.float64}[args.dtype],
                             decompose=not args.no_decompose, execution=args.execution,
                             on_width=lambda w, run, lin: report.save_width(args.write_to, config, w, run, lin))
    numbers = report.write(comparison, args.write_to, config, save_runs=args.runs is not None)
    table = ", ".join(f"{w}: {d:.4f}" for w, d in zip(numbers["widths"], numbers["deviation"]))
    return None, f"deviation by width {table}; slope {numbers['slope']:.3f}", {}


def _cmd_design(args, model):
    from ntk_fourier.compare import design_check
    from ntk_fourier.kernel import design
    from ntk_fourier.model.points import parse_grid
    if args.kind not in design.KINDS:
        raise InputError(f"unknown --kind {args.kind!r}; choose one of {', '.join(design.KINDS)}")
    (size,) = parse_grid(args.grid) if "x" not in str(args.grid) else (None,)
    if size is None:
        raise InputError("design works on the 1D signal class: give --grid N, not a 2D grid")
    stride = args.stride
    if size % stride or size // stride < 2:
        raise InputError(f"--stride {stride} must divide --grid {size} and leave at least 2 training points")
    steps = None if args.steps in ("inf", "converged") else bounds.check("--steps", _int_text(args.steps, "--steps"))
    iterations = args.iterations
    validation, test = args.validation, args.test
    rate = args.rate
    lr = args.lr
    if args.train_seeds and steps is None:
        raise InputError("--train-seeds needs a number of --steps (trained networks cannot run to convergence)")
    features = model.mapping.features if args.features_given else size // 2
    sets = (design.one_over_f_class(args.alpha, size, stride),
            design.one_over_f_signals(args.alpha, range(2000, 2000 + validation), size, stride),
            design.one_over_f_signals(args.alpha, range(test), size, stride))
    e = design_check.experiment(model, args.kind, sets, features=features, steps=steps, lr=lr,
                                iterations=iterations, rate=rate, seed=model.mapping.seed,
                                train_seeds=args.train_seeds, train_width=args.train_width,
                                network=args.objective == "network", execution=args.execution)
    arrays = {"grid": e.grid, "grid_errors": e.grid_errors, "history": e.design.history, "theta": e.design.theta,
              "predicted_test": np.array([e.predicted["grid"], e.predicted["designed"]])}
    mapping = e.design.mapping
    if mapping.kind in ("power", "amplitudes"):
        arrays["amplitudes"] = design.mappings.frequencies(mapping, 1)[1]
    if e.trained is not None:
        arrays["trained_test"] = np.stack([e.trained["grid"][0], e.trained["designed"][0]])
        arrays["trained_test_mean"] = np.stack([e.trained["grid"][1], e.trained["designed"][1]])
    family = "sigma" if args.kind == "sigma" else "p"
    summary = (f"best {family} of the grid {e.best:g}: predicted test MSE {e.predicted['grid']:.4g}; designed "
               f"({args.kind}): {e.predicted['designed']:.4g}"
               + ("" if e.trained is None else f"; trained networks {e.trained['grid'][0].mean():.4g} vs "
                  f"{e.trained['designed'][0].mean():.4g}"))
    return arrays, summary, {"kind": args.kind, "alpha": args.alpha, "grid_points": size, "stride": stride,
                             "steps": "inf" if steps is None else steps, "lr": e.lr, "best_grid_value": e.best,
                             "designed_mapping": mapping, "best_iteration": e.design.best,
                             "signals": {"design": "the whole class (f^-alpha cos, sin)",
                                         "validation_seeds": [2000, 2000 + validation], "test_seeds": [0, test]},
                             "train_seeds": args.train_seeds, "train_width": args.train_width,
                             "objective": args.objective,
                             "trained_networks": "centred" if args.objective == "mean" else "plain"}


def _int_text(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{name} must be a whole number or inf, got {text!r}")


def _cmd_image(args, model):
    from ntk_fourier import images
    if (args.image is None) == (args.builtin is None):
        raise InputError("give exactly one of --image PATH or --builtin NAME")
    size, steps = args.size, args.steps
    images.require_size(size, images.SUPERRES)
    mappings = [m.strip() for m in args.mappings.split(",") if m.strip()]
    unknown = [m for m in mappings if m not in images.MAPPINGS]
    if not mappings or unknown:
        raise InputError(f"unknown mapping(s) {', '.join(unknown) or '(none given)'} in --mappings; choose from "
                         f"{', '.join(images.MAPPINGS)}")

    def load(side):  # the image at side x side pixels (the larger ones: ground truth for super-resolution)
        return images.load(args.image, side) if args.image is not None else images.builtin(args.builtin, side)

    text = args.builtin is not None and args.builtin.startswith("text")
    seeds = args.seeds
    image = load(size)
    source = str(args.image) if args.image is not None else f"builtin:{args.builtin}"
    options = {k: v for k, v in (("width", args.width), ("depth", args.depth), ("sigma", args.sigma),
                                 ("features", args.features), ("omega0", args.omega0), ("lr", args.lr))
               if v is not None}
    config = {"source": source, "image_sha256": files.array_sha256(image), "size": size, "steps": steps,
              "seeds": seeds, "seed": args.image_seed, "text": text, "ntk": args.ntk, "engine": args.engine,
              "options": options}
    result = images.fit_all(image, mappings, steps=steps, seeds=seeds, seed=args.image_seed, text=text, ntk=args.ntk,
                            references={f: load(size * f) for f in images.SUPERRES},
                            parts=args.out / "parts", resume=args.resume, options=options,
                            config={**config, "provenance": args.provenance}, execution=args.execution)
    images.write_fits(result, args.out, provenance=args.provenance, **config)
    diverged = [m for m, row in result.table.items() if not np.isfinite(row["psnr_test"])]
    if diverged:
        print(f"ntk-fourier: warning: the fits of {', '.join(diverged)} hold NaN or infinite values (test PSNR "
              f"{result.table[diverged[0]]['psnr_test']}): training diverged; lower --lr", file=sys.stderr)
    line = ", ".join(f"{m} {t['psnr_test']:.2f}" for m, t in result.table.items())
    return None, f"test PSNR (dB) at {size} px: {line}", {}


def _cmd_plot(args, model):
    from ntk_fourier import plot
    try:
        written = plot.plot_file(args.result, args.out)
    except InputError:
        raise
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as err:  # a hand-made or altered sidecar
        raise InputError(f"cannot draw {args.result}: its arrays or sidecar are not as ntk-fourier writes them "
                         f"({type(err).__name__}: {err})")
    return None, f"figure of {args.result}", {"written": written}


def _cmd_animate(args, model):
    from ntk_fourier.animate import animate
    freqs = _int_vectors(args.freqs, "--freqs")
    animate(args.out, freqs=freqs, steps=args.steps, frames=args.frames,
            width=args.width, seed=args.seed, fps=args.fps,
            execution=args.execution)
    return None, "fits over training: raw inputs, Gaussian features and SIREN; networks and NTK predictions", {}


def _cmd_explore(args, model):
    if not 0 < args.port < 65536:
        raise InputError(f"--port must be between 1 and 65535, got {args.port}")
    from ntk_fourier.explore.app import serve  # prints the address (and a warning for a --host not loopback)
    serve(port=args.port, open_browser=not args.no_browser, host=args.host)
    return None, "explorer stopped", {}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ntk-fourier", description="NTK and spectral bias of coordinate MLPs with Fourier features.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("kernel", help="analytic NTK and NNGP between point sets")
    p.add_argument("--x", type=Path, required=True, help="points, .npy of shape (n,) or (n, d)")
    p.add_argument("--x2", type=Path, help="second point set (default: --x)")
    p.add_argument("--out", type=Path, required=True, help="output .npz with ntk and nngp")
    p.set_defaults(run=_cmd_kernel)
    p = sub.add_parser("spectrum", help="kernel eigenvalues on a grid, a point set, or the circle/sphere")
    p.add_argument("--grid", help="N, NxN or NxNxN points per axis on [0, 1), endpoint excluded")
    p.add_argument("--x", type=Path, help="points, .npy of shape (n,) or (n, d): dense eigendecomposition")
    p.add_argument("--harmonic", type=bounds.parser("--harmonic"), help="2 (circle) or 3 (sphere): eigenvalues per degree")
    p.add_argument("--max-degree", type=bounds.parser("--max-degree"), default=64, help="largest harmonic degree (default 64)")
    p.add_argument("--kernel", default="ntk", choices=("ntk", "nngp"), help="which kernel (default ntk)")
    p.add_argument("--vectors", action="store_true", help="with --x, also save eigenvectors (columns)")
    p.add_argument("--tile", type=bounds.parser("--tile"), help="tile side of the kernel computations (default 4096 for "
                   "the products of --x with --top; smaller tiles need less device memory)")
    p.add_argument("--cache", type=_cache_size, help="memory for kernel tiles kept between passes, e.g. 16GB (default: "
                   "half the free memory; 0: none, each pass computes the kernel again)")
    p.add_argument("--top", type=bounds.parser("--top"), help="the top K eigenvalues, matrix-free: with --grid exact by "
                   "Toeplitz products (stationary kernels; frequencies = each eigenvector's dominant one); with --x "
                   "by block Lanczos over a kernel computed in tiles (any model but GELU; up to 65,536+ points)")
    p.add_argument("--out", type=Path, required=True, help="output .npz")
    p.set_defaults(run=_cmd_spectrum)
    p = sub.add_parser("predict", help="predicted train/test outputs and errors under gradient descent")
    p.add_argument("--data", type=Path, required=True, help=".npz with x_train, y_train, x_test, y_test")
    p.add_argument("--lr", type=bounds.parser("--lr"), required=True, help="learning rate eta (loss 1/(2n) sum (f-y)^2)")
    p.add_argument("--steps", required=True, help="steps to record: 0,10,100 or log:1:1000:20")
    p.add_argument("--flow", action="store_true", help="gradient flow exp(-eta lambda t/n) instead of discrete GD")
    p.add_argument("--f0", type=Path, help=".npz with f_train, f_test: start from these outputs (default zero); "
                   "a training result from 'train' gives its step 0")
    p.add_argument("--f0-seed", type=bounds.parser("--f0-seed"), help="with a training result as --f0: which of its networks "
                   "(0 .. seeds - 1, default 0)")
    p.add_argument("--out", type=Path, required=True, help="output .npz")
    p.set_defaults(run=_cmd_predict)
    p = sub.add_parser("regress", help="kernel regression on arbitrary points, matrix-free (conjugate gradients)")
    p.add_argument("--data", type=Path, required=True, help=".npz with x_train, y_train, x_test, y_test")
    p.add_argument("--ridge", type=bounds.parser("--ridge"), default=0.0, help="added to the kernel's diagonal (default 0: "
                   "the t -> infinity limit of gradient descent)")
    p.add_argument("--kernel", default="ntk", choices=("ntk", "nngp"), help="which kernel (default ntk)")
    p.add_argument("--precondition", type=bounds.parser("--precondition"), help="deflate the top K eigenpairs (block Lanczos first)")
    p.add_argument("--tol", type=bounds.parser("--tol"), default=1e-6, help="relative residual to stop at (default 1e-6)")
    p.add_argument("--max-iter", type=bounds.parser("--max-iter"), default=200, help="iterations at most (default 200)")
    p.add_argument("--tile", type=bounds.parser("--tile"), help="tile side of the kernel products (default "
                   "4096; smaller tiles need less device memory)")
    p.add_argument("--cache", type=_cache_size, help="memory for kernel tiles kept between passes, e.g. 16GB (default: "
                   "half the free memory; 0: none, each pass computes the kernel again)")
    p.add_argument("--out", type=Path, required=True, help="output .npz")
    p.set_defaults(run=_cmd_regress)
    p = sub.add_parser("train", help="train an ensemble of finite networks (no neural-tangents needed)")
    p.add_argument("--data", type=Path, required=True, help=".npz with x_train, y_train, x_test, y_test")
    p.add_argument("--seeds", type=bounds.parser("--seeds"), default=1, help="number of networks (default 1)")
    p.add_argument("--lr", type=bounds.parser("--lr"), required=True, help="learning rate (loss 1/(2n) sum (f-y)^2)")
    p.add_argument("--steps", required=True, help="steps to record: 0,10,100 or log:1:1000:20")
    p.add_argument("--optimizer", default="gd", choices=("gd", "adam"), help="gd (default) or adam")
    p.add_argument("--record-ntk", action="store_true", help="record the empirical NTK and its drift")
    p.add_argument("--dtype", default="float32", choices=("float32", "float64"), help="default float32")
    p.add_argument("--linearize", action="store_true", help="train the linearised networks (first-order Taylor "
                   "expansion around the initial parameters) instead")
    p.add_argument("--kernel", type=Path, help="analytic NTK on x_train (.npz with ntk): add per-mode residuals")
    p.add_argument("--out", type=Path, required=True, help="output .npz")
    p.set_defaults(run=_cmd_train)
    p = sub.add_parser("compare", help="networks of several widths vs the NTK prediction: report in --out DIR")
    p.add_argument("--data", type=Path, required=True, help=".npz with x_train, y_train, x_test, y_test")
    p.add_argument("--widths", required=True, help="comma list of widths, e.g. 256,1024,4096")
    p.add_argument("--seeds", type=bounds.parser("--seeds"), default=2, help="networks per width (default 2)")
    p.add_argument("--lr", default="auto", help="learning rate, or auto: half of 2n / lambda_max (default)")
    p.add_argument("--steps", required=True, help="steps to record: 0,10,100 or log:1:1000:20")
    p.add_argument("--runs", type=Path, help="folder of width_W.npz from 'train' (e.g. run on a GPU), and "
                   "width_W_linear.npz from 'train --linearize' for the decomposition; checked against model, lr, data")
    p.add_argument("--dtype", default="float32", choices=("float32", "float64"), help="networks' precision "
                   "(default float32; float64 resolves gaps below 1e-6)")
    p.add_argument("--no-decompose", action="store_true", help="skip the linearised networks (the decomposition "
                   "of the deviation into kernel fluctuation and drift / nonlinearity)")
    p.add_argument("--out", type=Path, required=True, help="output folder: comparison.json, report.md, figures, "
                   "runs/ (each width's networks, saved as they finish)")
    p.add_argument("--resume", action="store_true", help="skip the widths whose runs --out/runs already holds "
                   "(checked against model, lr, data, steps, seeds, dtype)")
    p.set_defaults(run=_cmd_compare, writes_folder=True, writes=(
        "comparison.json", "report.md", "runs/", *(f"{name}.png" for name in (
            "modes", "mse", "deviation", "deviation_steps", "decomposition", "frequencies"))))
    p = sub.add_parser("data", help="write a built-in data set: the 1/f signal (Tancik et al. 2020) or a sum of sines")
    p.add_argument("--grid", default="256", help="grid points on [0, 1): N (1D) or NxN (2D) (default 256)")
    p.add_argument("--stride", type=bounds.parser("--stride"), default=8, help="train on every stride-th point along each axis "
                   "(default 8)")
    p.add_argument("--freqs", help="a sum of sines instead: integer frequencies, e.g. 2,6,12 (1D) or 3x0,0x5 (2D "
                   "plane waves)")
    p.add_argument("--amps", help="amplitudes of --freqs, e.g. 1,0.5,0.25 (default all 1)")
    p.add_argument("--alpha", type=bounds.parser("--alpha"), default=1.0, help="spectrum 1/f^alpha (default 1)")
    p.add_argument("--data-seed", type=bounds.parser("--data-seed"), default=0, help="seed of the phases (default 0)")
    p.add_argument("--out", type=Path, required=True, help="output .npz")
    p.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(run=_cmd_data, no_model=True)
    p = sub.add_parser("design", help="design a Fourier-feature mapping by gradient descent on the NTK's predicted "
                       "test error (1D 1/f signals), against the best of a grid search")
    p.add_argument("--kind", default="amplitudes", help="amplitudes (one per frequency, default), power (exponent p) "
                   "or sigma (Gaussian scale)")
    p.add_argument("--alpha", type=bounds.parser("--alpha", "design"), default=1.0, help="the signals' spectrum 1/f^alpha (default 1)")
    p.add_argument("--grid", default="256", help="grid points on [0, 1) (default 256)")
    p.add_argument("--stride", type=bounds.parser("--stride"), default=8, help="train on every stride-th point (default 8)")
    p.add_argument("--steps", default="100", help="gradient-descent steps the error is predicted after, or inf: "
                   "converged (default 100)")
    p.add_argument("--lr", type=bounds.parser("--lr"), help="gradient-descent rate (default: half the smallest stable rate "
                   "of the grid's mappings)")
    p.add_argument("--iterations", type=bounds.parser("--iterations"), default=200, help="design iterations (default 200)")
    p.add_argument("--rate", type=bounds.parser("--rate"), default=0.1, help="Adam step of the design (default 0.1)")
    p.add_argument("--validation", type=bounds.parser("--validation"), default=8, help="validation signals (default 8)")
    p.add_argument("--test", type=bounds.parser("--test"), default=16, help="test signals (default 16)")
    p.add_argument("--train-seeds", type=bounds.parser("--train-seeds"), default=0, help="also train this many networks per test "
                   "signal with each mapping (default 0: predictions only)")
    p.add_argument("--train-width", type=bounds.parser("--train-width"), default=1024, help="their width (default 1024)")
    p.add_argument("--objective", default="mean", choices=("mean", "network"), help="mean: the NTK prediction from "
                   "f(0) = 0, which centred networks follow (default); network: one plain network's expected error, "
                   "its initial function's variance included")
    p.add_argument("--out", type=Path, required=True, help="output .npz")
    p.set_defaults(run=_cmd_design)

    p = sub.add_parser("image", help="fit an image with coordinate MLPs (Tancik et al. protocol); PSNR table")
    p.add_argument("--image", type=Path, help="an image file (PNG, JPEG, TIFF, ...; see docs/images.md), or an .npy array")
    p.add_argument("--builtin", help="hopper, present, mri, terrain, text, text1, ..., text-large (no download)")
    p.add_argument("--size", type=bounds.parser("--size"), default=64, help="image side in pixels (default 64 on CPU; paper 512)")
    p.add_argument("--steps", type=bounds.parser("--steps"), default=1000, help="Adam steps (default 1000)")
    p.add_argument("--mappings", default=",".join(("none", "basic", "positional", "gaussian", "siren")),
                   help="comma list from none, basic, positional, gaussian, siren, grid, hash (default all but grid "
                   "and hash)")
    p.add_argument("--seeds", type=bounds.parser("--seeds"), default=1, help="networks per mapping (default 1)")
    p.add_argument("--image-seed", type=bounds.parser("--image-seed"), default=0, help="seed of initialisation and features")
    group = p.add_argument_group("model options (override each mapping's defaults, docs/images.md)")
    group.add_argument("--width", type=bounds.parser("--width"), help="hidden width (default 256; grid, hash 64)")
    group.add_argument("--depth", type=bounds.parser("--depth"), help="hidden layers (default 4; grid, hash 2)")
    group.add_argument("--sigma", type=bounds.parser("--sigma"), help="Gaussian scale, or the positional encoding's largest "
                       "frequency, in cycles per unit (default: the paper's, scaled to the image size)")
    group.add_argument("--features", type=bounds.parser("--features"), help="number of Gaussian / positional frequencies (default "
                       "256 / 64)")
    group.add_argument("--omega0", type=bounds.parser("--omega0"), help="SIREN's frequency (default 30)")
    group.add_argument("--lr", type=bounds.parser("--lr"), help="Adam learning rate (default 1e-3; SIREN 1e-4)")
    p.add_argument("--ntk", action="store_true", help="also the infinite-width NTK regression of the whole image "
                   "(GD at half the stable rate for --steps steps, and converged): ntk_psnr_* in results.json")
    p.add_argument("--out", type=Path, required=True, help="output folder: results.json, reconstructions.png/.npz, "
                   "parts/ (each mapping's fit, saved as it finishes)")
    p.add_argument("--resume", action="store_true", help="skip the mappings whose fits --out/parts already holds "
                   "(checked against the image and settings)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(run=_cmd_image, writes_folder=True, no_model=True, writes=(
        "results.json", "reconstructions.png", "reconstructions.npz", "reconstructions.json", "superres.png",
        "parts/", *(f"{m}_derivatives.png" for m in ("none", "basic", "positional", "gaussian", "siren"))))
    p = sub.add_parser("plot", help="draw the figure of any result file the other commands write")
    p.add_argument("result", type=Path, help="a result: .npz of kernel, spectrum, predict, train, regress, data or "
                   "design; the folder (or comparison.json / reconstructions.npz) of compare or image; an animation "
                   ".gif or .mp4 (a contact sheet of its frames)")
    p.add_argument("--out", type=Path, help="figure file .png, .pdf or .svg (default: RESULT with .png)")
    p.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(run=_cmd_plot, out_kind="figure", no_model=True)
    p = sub.add_parser("animate", help="animation of fits over training (GIF or MP4): raw inputs, Gaussian features "
                       "and SIREN; networks and NTK predictions, the residual per frequency beneath")
    p.add_argument("--out", type=Path, required=True, help="output .gif or .mp4")
    p.add_argument("--freqs", help="target: integer frequencies of a sum of sines y = sum_f sin(2 pi f x), as data "
                   "--freqs writes it, e.g. 2,6,12: each below 64, none a multiple of 16 (its sine is 0 at every "
                   "training point, every 4th of 128) (default: the 1/f signal)")
    p.add_argument("--steps", type=bounds.parser("--steps"), default=1000, help="gradient-descent steps (default 1000)")
    p.add_argument("--frames", type=bounds.parser("--frames"), default=40, help="frames, log-spaced in steps (default 40)")
    p.add_argument("--width", type=bounds.parser("--width"), default=256, help="networks' width (default 256)")
    p.add_argument("--seed", type=bounds.parser("--seed"), default=0, help="seed of features and initialisation (default 0)")
    p.add_argument("--fps", type=bounds.parser("--fps"), default=8, help="frames per second (default 8)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(run=_cmd_animate, out_kind="animation", no_model=True)
    p = sub.add_parser("explore", help="interactive explorer in the browser (kernel, spectrum, predicted and "
                       "trained fits)")
    p.add_argument("--port", type=bounds.parser("--port"), default=8765, help="port (default 8765)")
    p.add_argument("--host", default=None, help="address to listen on instead of 127.0.0.1 (this machine only), "
                   "e.g. 0.0.0.0 for every interface: anyone who can reach it can use the explorer (no "
                   "authentication)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    p.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(run=_cmd_explore, out_kind="none", no_model=True)
    for name in ("kernel", "spectrum", "predict", "regress", "train", "compare", "design"):
        _add_model_options(sub.choices[name])
    for name in ("kernel", "spectrum", "predict", "regress", "train", "compare"):
        _add_device_options(sub.choices[name])
    _add_device_options(sub.choices["image"], hosts=False)
    for name in ("kernel", "spectrum", "predict", "regress", "compare", "image"):
        sub.choices[name].add_argument("--engine", default="native", choices=ENGINES,
                                       help="kernel engine: native (plain JAX, default) or neural-tangents (the "
                                       "reference; needs neural-tangents, i.e. JAX < 0.6)")
    return parser


FIGURE_SUFFIXES = {"figure": (".png", ".pdf", ".svg"), "animation": (".gif", ".mp4")}


def _output(args) -> Path | None:
    """Where the command writes, checked (`files.check_output`): an .npz (most commands), a folder (compare, image),
    a figure or an animation file (plot, animate), or nothing (explore)."""
    kind = getattr(args, "out_kind", "folder" if getattr(args, "writes_folder", False) else "npz")
    if kind == "none":
        return None
    if kind == "npz":
        return files.check_output(_out_path(args.out))
    if kind == "folder":
        return files.check_output(args.out, folder=True, writes=getattr(args, "writes", ()))
    if kind == "figure" and args.out is None:
        from ntk_fourier.plot import default_out
        args.out = default_out(args.result)
    if args.out.suffix.lower() not in FIGURE_SUFFIXES[kind]:
        raise InputError(f"output file {args.out} must end in {', '.join(FIGURE_SUFFIXES[kind])}")
    return files.check_output(args.out)


def _not_an_input(args, out: Path | None) -> None:
    """Refuse an output that is one of the command's inputs (or its sidecar), or a folder output that holds one."""
    if out is None:
        return
    written = {out.resolve()} | ({out.with_suffix(".json").resolve()} if out.suffix == ".npz" else set())
    folder = out.is_dir() or getattr(args, "writes_folder", False)
    for path in _inputs(args):
        real = path.resolve()
        if real in written or (folder and real.is_relative_to(out.resolve())):
            raise InputError(f"--out {out} would overwrite the input {path}: an output may not be an input; choose "
                             "another --out")


def _warn_non_finite(arrays: dict, hint: str | None) -> None:
    """One warning line naming the arrays about to be written that hold NaN or infinite values: none is written
    silently."""
    bad = [k for k, v in arrays.items() if np.asarray(v).dtype.kind == "f" and not np.all(np.isfinite(v))]
    if bad:
        print(f"ntk-fourier: warning: {', '.join(bad)} hold NaN or infinite values"
              + (f": {hint}" if hint else ""), file=sys.stderr)


def describe_model(model: Model) -> str:
    """The model in words, for summary lines: its mapping, activation, depth and width."""
    m = model.mapping
    if model.init == "siren":
        first = f"SIREN (omega0 {model.omega0:g})"
    elif m.kind == "none":
        first = "plain MLP on raw coordinates"
    elif m.kind == "basic":
        first = "basic Fourier features"
    elif m.kind in ("power", "amplitudes"):
        first = f"{m.kind} Fourier features (frequencies 1..{m.features}" + (f", p {m.p:g})" if m.kind == "power"
                                                                               else ")")
    elif m.kind in GRID_KINDS:
        tables = f"hash tables of {m.table_size} rows" if m.kind == "hash" else "dense tables"
        first = (f"{m.kind} encoding ({m.levels} levels of {m.features} features, {m.base} to {m.finest} cells per "
                 f"axis, {tables}, scale {m.sigma:g})")
    else:
        first = f"{m.kind} Fourier features (sigma {m.sigma:g}, {m.features} frequencies)"
    values = ", ".join(f"{k} {getattr(model, k):g}" for k in activations.PARAMETERS.get(model.activation, ()))
    act = "" if model.init == "siren" else f", {model.activation}" + (f" ({values})" if values else "")
    return f"{first}{act}, depth {model.depth}, width {model.width}"


def _one_line(text: str) -> str:
    """``text`` with its line breaks (a file name can hold one) shown as escapes: the message stays one line."""
    return "".join(repr(c)[1:-1] if c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" else c for c in text)


def _input_options(args) -> dict[str, Path]:
    """The files (and folders) a command reads: every path option but --out, by option name."""
    return {("" if k == "result" else "--") + k.replace("_", "-"): v for k, v in vars(args).items()
            if isinstance(v, Path) and k != "out"}


def _inputs(args) -> list[Path]:
    return list(_input_options(args).values())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
        for key, value in vars(args).items():  # argparse gives [] for "--opt=--" instead of calling the type
            if isinstance(value, list):
                raise InputError(f"--{key.replace('_', '-')} needs a value (see ntk-fourier {args.command} --help)")
        bounds.check_environment()
        for option, path in _input_options(args).items():  # regular files and folders: a FIFO would block
            if path.exists() and not path.is_dir():
                files.regular_file(path, option or "the result")
        model = None if getattr(args, "no_model", False) else model_from_args(args)
        args.features_given = getattr(args, "features", None) is not None
        out = _output(args)  # checked before any computation
        _not_an_input(args, out)
        _join_devices(args)
        args.provenance = provenance.collect(argv, _inputs(args), program="ntk-fourier")
        if args.mesh is not None:
            args.provenance["devices"] = devices.describe(args.mesh)
        start = time.perf_counter()
        try:
            with _stdout_to_stderr(args.mesh is not None and devices.is_multiprocess()):
                arrays, summary, extra = args.run(args, model)
        finally:
            if args.write_to is not None and args.write_to != getattr(args, "out", None):
                import shutil
                shutil.rmtree(args.write_to, ignore_errors=True)
        seconds = time.perf_counter() - start
        if args.mesh is not None and not devices.is_main_process():  # process 0 writes and reports
            return 0
        if arrays is None:  # the command wrote its own files
            if out is not None:
                print(f"wrote {extra.get('written', out)}{'/' if out.is_dir() else ''} in {seconds:.1f} s: {summary}")
            return 0
        _warn_non_finite(arrays, extra.pop("non_finite_hint", None))
        results.save(out, arrays, provenance=args.provenance, command=args.command, model=model,
                     timings={"total_s": seconds}, **extra)
        print(f"wrote {out} ({', '.join(arrays)}) in {seconds:.1f} s: {summary}"
              + ("" if model is None else f" [{describe_model(model)}]"))
        return 0
    except InputError as err:
        print(f"ntk-fourier: error: {_one_line(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ntk-fourier: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - one line for users; NTK_FOURIER_DEBUG=1 shows the traceback
        if os.environ.get("NTK_FOURIER_DEBUG"):
            raise
        oom = memory.describe_oom(err)
        if oom:
            print(f"ntk-fourier: error: {oom}", file=sys.stderr)
            return 2
        print(f"ntk-fourier: internal error: {type(err).__name__}: {err} (set NTK_FOURIER_DEBUG=1 for a traceback)",
              file=sys.stderr)
        return 1
