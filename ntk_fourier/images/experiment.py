"""One image, several mappings: fit a network per mapping, optionally the infinite-width NTK regression of the whole
image, super-resolution PSNR against the image at 2x and 4x the size, and the files ``ntk-fourier image`` writes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ntk_fourier import results
from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.files import UNREADABLE
from ntk_fourier.images import fitting, panels
from ntk_fourier.images.grid_regression import regress


class ImageExperiment(NamedTuple):
    """The image, one `fitting.ImageFit` per mapping, the ground truth at each super-resolution factor
    (``references``: factor -> image), and ``table``: mapping -> numbers (PSNR train/test, per seed, super-resolution,
    NTK regression when asked, timings), as written to ``results.json``."""

    image: np.ndarray
    fits: list
    references: dict
    table: dict
    models: dict


def _part_arrays(f: fitting.ImageFit) -> dict:
    return {"psnr_train": f.psnr_train, "psnr_test": f.psnr_test, "reconstruction": f.reconstruction,
            **{f"superres_x{k}": v for k, v in f.superres.items()},
            **{f"derivative_{k}": v for k, v in f.derivatives.items()}}


def save_part(path: Path, f: fitting.ImageFit, row: dict, config: dict) -> None:
    """One mapping's finished fit (arrays, its table row, the settings it was made with), so a later run can resume."""
    results.save(path, _part_arrays(f), provenance=config.get("provenance"), mapping=f.mapping, seconds=f.seconds,
                 row=row, config={k: v for k, v in config.items() if k != "provenance"})


def load_part(path: Path, config: dict) -> tuple[fitting.ImageFit, dict] | None:
    """The fit saved by `save_part` at ``path`` if it is complete (sidecar present); refused (`InputError`) when it
    was made with other settings than ``config``; None when absent."""
    if not (path.is_file() and path.with_suffix(".json").is_file()):
        return None
    try:
        arrays, meta = results.load(path)
    except UNREADABLE as err:
        raise InputError(f"cannot read the saved part {path} ({err}); delete it, or run without --resume")
    want = results._jsonable({k: v for k, v in config.items() if k != "provenance"})
    diff = sorted(k for k in set(want) | set(meta.get("config", {})) if meta.get("config", {}).get(k) != want.get(k))
    if diff:
        raise InputError(f"{path} was made with other settings ({', '.join(diff)} differ); use the same options, or "
                         "another --out, or run without --resume")
    fit = fitting.ImageFit(
        mapping=meta["mapping"], psnr_train=arrays["psnr_train"], psnr_test=arrays["psnr_test"],
        reconstruction=arrays["reconstruction"], seconds=float(meta["seconds"]),
        superres={int(k[len("superres_x"):]): v for k, v in arrays.items() if k.startswith("superres_x")},
        derivatives={k[len("derivative_"):]: v for k, v in arrays.items() if k.startswith("derivative_")})
    return fit, meta["row"]


def fit_all(image: np.ndarray, mappings, *, steps: int, seeds: int = 1, seed: int = 0, text: bool = False,
            ntk: bool = False, references: dict | None = None, parts: Path | None = None, resume: bool = False,
            config: dict | None = None, options: dict | None = None,
            execution: Execution = DEFAULT) -> ImageExperiment:
    """Fit ``image`` ``(size, size, channels)`` with each mapping of ``mappings`` (`fitting.MAPPINGS`).

    ``references``: factor -> the same image at factor x the size, for super-resolution PSNR (factors
    `fitting.SUPERRES`). ``ntk``: also the infinite-width NTK regression of the whole image (`regress`): gradient
    descent for ``steps`` steps at half the stable rate, and converged. ``parts``: a folder where each mapping's fit
    is saved as it finishes (`save_part`, with ``config``: the settings that identify it); ``resume``: take the
    fits already saved there (checked against ``config``) instead of fitting them again. ``options``: the models'
    overrides of `fitting.model_for` (width, depth, sigma, features, omega0, lr). ``execution``: the NTK
    regression's engine, progress, and the mesh (`devices.mesh`) whose devices networks and NTK regression are
    spread over.
    """
    import sys
    size = image.shape[0]
    fits, table = [], {}
    config, options = config or {}, options or {}
    for name in mappings:
        part = None if parts is None else Path(parts) / f"{name}.npz"
        saved = load_part(part, {**config, "mapping": name}) if resume and part is not None else None
        if saved is not None:
            f, row = saved
            fits.append(f)
            table[name] = row
            if execution.progress:
                print(f"{name}: test PSNR {f.psnr_test.mean():.2f} dB (saved in {part})", file=sys.stderr, flush=True)
            continue
        f = fitting.fit(image, name, steps=steps, seeds=seeds, seed=seed, text=text, execution=execution, **options)
        fits.append(f)
        if execution.progress:
            print(f"{name}: test PSNR {f.psnr_test.mean():.2f} dB", file=sys.stderr, flush=True)
        row = {"psnr_train": float(f.psnr_train.mean()), "psnr_test": float(f.psnr_test.mean()),
               "psnr_train_std": float(f.psnr_train.std()), "psnr_test_std": float(f.psnr_test.std()),
               "psnr_test_per_seed": f.psnr_test.tolist(), "train_seconds": f.seconds}
        if references:
            row.update({f"psnr_superres_x{k}": v for k, v in fitting.superres_psnr(f, references).items()})
        if ntk:
            r = regress(fitting.model_for(name, size, text, **options)[0], image, steps=[steps, np.inf],
                        execution=execution)
            row.update(ntk_method=r.method, ntk_lr=r.lr, ntk_psnr_train=float(r.psnr_train[0]),
                       ntk_psnr_test=float(r.psnr_test[0]), ntk_psnr_test_converged=float(r.psnr_test[1]))
        table[name] = row
        if part is not None:
            save_part(part, f, row, {**config, "mapping": name})
    return ImageExperiment(image=image, fits=fits, references=references or {}, table=table,
                           models={m: fitting.model_for(m, size, text, **options)[0] for m in mappings})


def write_fits(e: ImageExperiment, out: Path | str, **meta) -> Path:
    """Write ``results.json`` (the table), ``reconstructions.npz`` (+ .json: every reconstruction, super-resolved
    image and SIREN derivative, with ``meta``) and the PNG panels (`panels.write_panels`) into the folder ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"image": e.image}
    for f in e.fits:
        arrays[f.mapping] = f.reconstruction
        arrays.update({f"{f.mapping}_x{factor}": fine for factor, fine in f.superres.items()})
        arrays.update({f"{f.mapping}_{k}": v for k, v in f.derivatives.items()})
    results.write_text(out / "results.json", json.dumps(e.table, indent=2) + "\n")
    results.save(out / "reconstructions.npz", arrays, **{
        "command": "image", "size": e.image.shape[0], "superres_factors": list(fitting.SUPERRES), "models": e.models,
        "results": e.table, **meta})
    if e.references:
        panels.write_panels(e.image, e.fits, e.table, e.references, out)
    return out
