"""The main job: regenerate every gallery figure from scratch on built-in data, with an index.

    python -m analysis.gallery [--quick] [--out figures/gallery] [--only NAME,...] [--resume]

Each analysis saves its results (OUT/data/NAME.npz + .json: arrays, config, seeds, versions, timings); each figure is
then drawn from those saved files (OUT/FIGURE.png, .pdf and .md caption), as a later redraw would be
(``--redraw`` draws from the saved data without recomputing; ``--resume`` computes only the analyses an interrupted
run did not save). OUT/index.md shows every figure with its caption and
the time it took.
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import ntk_fourier as nf
from ntk_fourier.results import write_text
from analysis import harmonic, image_sigma, kernel_1d, kernel_2d, power_sweep, sigma_sweep, spectral_bias, width_sweep
from figures import deviation_width, eigenmode_decay, harmonic as fig_harmonic, image_sigma as fig_image_sigma
from figures import kernel_1d as fig_kernel_1d
from figures import kernel_2d as fig_kernel_2d, ntk_drift, power_sweep as fig_power_sweep
from figures import sigma_sweep as fig_sigma_sweep, spectral_bias as fig_spectral_bias, style
from analysis import eigenfunctions, spectra_depth_activation, steps_to_learn
from figures import eigenfunctions as fig_eigenfunctions, spectra_depth_activation as fig_spectra_depth_activation
from figures import steps_to_learn as fig_steps_to_learn
from analysis import image_steps, training_animation
from analysis import generalization, kernel_spreading, mapping_design, occupancy, rotation, samplers, stationarity
from figures import generalization as fig_generalization, kernel_spreading as fig_kernel_spreading
from figures import mapping_design as fig_mapping_design, occupancy as fig_occupancy, rotation as fig_rotation
from figures import samplers as fig_samplers, stationarity as fig_stationarity
from figures import image_steps as fig_image_steps, training_animation as fig_training_animation

# analysis name -> run(quick) returning (arrays, meta)
ANALYSES = {
    "kernel_1d": lambda quick: kernel_1d.run(n=256 if quick else 1024, features=64 if quick else 256,
                                             show_progress=False),
    "kernel_2d": lambda quick: kernel_2d.run(n=16 if quick else 64),
    "spectral_bias": lambda quick: spectral_bias.run(quick, n=32 if quick else 64),
    "eigenfunctions": eigenfunctions.run,
    "spectra_depth_activation": spectra_depth_activation.run,
    "steps_to_learn": steps_to_learn.run,
    "training_animation": training_animation.run,
    "image_steps": image_steps.run,
    "width_sweep": width_sweep.run,
    "power_sweep": power_sweep.run,
    "harmonic": harmonic.run,
    "sigma_sweep": sigma_sweep.run,
    "image_sigma": image_sigma.run,
    "mapping_design": mapping_design.run,
    "generalization": generalization.run,
    "samplers": samplers.run,
    "stationarity": stationarity.run,
    "rotation": rotation.run,
    "kernel_spreading": kernel_spreading.run,
    "occupancy": occupancy.run,
}
# figure name -> (analysis it is drawn from, module with draw(arrays, meta) and caption(meta)), in gallery order
FIGURES = {
    "kernel_1d": ("kernel_1d", fig_kernel_1d),
    "kernel_2d": ("kernel_2d", fig_kernel_2d),
    "spectral_bias": ("spectral_bias", fig_spectral_bias),
    "eigenfunctions": ("eigenfunctions", fig_eigenfunctions),
    "spectra_depth_activation": ("spectra_depth_activation", fig_spectra_depth_activation),
    "steps_to_learn": ("steps_to_learn", fig_steps_to_learn),
    "training_animation": ("training_animation", fig_training_animation),
    "image_steps": ("image_steps", fig_image_steps),
    "eigenmode_decay": ("width_sweep", eigenmode_decay),
    "power_sweep": ("power_sweep", fig_power_sweep),
    "deviation_width": ("width_sweep", deviation_width),
    "harmonic": ("harmonic", fig_harmonic),
    "sigma_sweep": ("sigma_sweep", fig_sigma_sweep),
    "ntk_drift": ("width_sweep", ntk_drift),
    "image_sigma": ("image_sigma", fig_image_sigma),
    "mapping_design": ("mapping_design", fig_mapping_design),
    "generalization": ("generalization", fig_generalization),
    "samplers": ("samplers", fig_samplers),
    "stationarity": ("stationarity", fig_stationarity),
    "rotation": ("rotation", fig_rotation),
    "kernel_spreading": ("kernel_spreading", fig_kernel_spreading),
    "occupancy": ("occupancy", fig_occupancy),
}


def _saved(path: Path, name: str, quick: bool) -> bool:
    """True when ``path`` holds a complete result (sidecar written last) of analysis ``name`` made with the same
    ``quick`` setting by this package version; such an analysis is skipped by ``--resume``."""
    if not (path.is_file() and path.with_suffix(".json").is_file()):
        return False
    meta = nf.load(path)[1]
    same = (meta.get("analysis") == f"analysis.{name}" and meta.get("quick") == quick
            and meta.get("versions", {}).get("ntk-fourier") == nf.__version__)
    print(f"[{name}] {'saved in ' + str(path) + ', skipped' if same else 'saved data made otherwise: recomputing'}",
          flush=True)
    return same


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI and smoke tests")
    parser.add_argument("--out", type=Path, default=Path("figures/gallery"))
    parser.add_argument("--only", help="comma list of figure names (default: all)")
    parser.add_argument("--redraw", action="store_true", help="draw from saved data without recomputing")
    parser.add_argument("--resume", action="store_true", help="skip the analyses whose data OUT/data already holds "
                        "from a run of the same kind (--quick or not) and package version; compute the rest")
    parser.add_argument("--docs", type=Path, default=Path("docs/gallery"),
                        help="full runs also copy the PNGs and index here, for the documentation")
    args = parser.parse_args(argv)
    figures = FIGURES if not args.only else {k: FIGURES[k] for k in args.only.split(",")}
    seconds = {}
    total = time.perf_counter()
    for name in dict.fromkeys(analysis for analysis, _ in figures.values()):
        if args.redraw or (args.resume and _saved(args.out / "data" / f"{name}.npz", name, args.quick)):
            continue
        start = time.perf_counter()
        print(f"[{name}] computing...", flush=True)
        arrays, meta = ANALYSES[name](args.quick)
        seconds[name] = time.perf_counter() - start
        nf.save(args.out / "data" / f"{name}.npz", arrays, analysis=f"analysis.{name}", quick=args.quick,
                timings={"analysis_s": seconds[name]}, **meta)
        print(f"[{name}] {seconds[name]:.1f} s", flush=True)
    index = ["# ntk_fourier figure gallery", "",
             f"Regenerated by `python -m analysis.gallery{' --quick' if args.quick else ''}`. Each figure is drawn "
             "from `data/<analysis>.npz` (+ `.json` with its configuration, seeds, versions and timings); PDF "
             "versions sit beside the PNGs.", ""]
    for name, (analysis, figure) in figures.items():
        start = time.perf_counter()
        arrays, meta = nf.load(args.out / "data" / f"{analysis}.npz")
        caption = figure.caption(meta)
        style.save(figure.draw(arrays, meta), args.out / name, caption)
        if hasattr(figure, "write_animation"):  # a moving figure: its animation (GIF) beside the still
            figure.write_animation(arrays, meta, args.out / f"{name}.gif")
        drawn = time.perf_counter() - start
        analysed = meta.get("timings", {}).get("analysis_s", float("nan"))
        print(f"[{name}] drawn in {drawn:.1f} s -> {args.out / name}.png", flush=True)
        index += [f"## {name}", "", f"![{name}]({name}.png)", "", caption, "",
                  f"Data: `data/{analysis}.npz` (computed in {analysed:.1f} s, shared by every figure drawn from "
                  f"it); drawn in {drawn:.1f} s.", ""]
    write_text(args.out / "index.md", "\n".join(index))
    print(f"wrote {args.out / 'index.md'} ({time.perf_counter() - total:.0f} s in all)")
    if not args.quick and not args.only and args.docs:
        args.docs.mkdir(parents=True, exist_ok=True)
        for name in figures:
            shutil.copyfile(args.out / f"{name}.png", args.docs / f"{name}.png")
            if (args.out / f"{name}.gif").is_file():
                shutil.copyfile(args.out / f"{name}.gif", args.docs / f"{name}.gif")
        (args.docs / "index.md").write_text("\n".join(index).replace("`data/", "`figures/gallery/data/"))
        print(f"copied the figures and index to {args.docs}")


if __name__ == "__main__":
    main()
