"""The main job: regenerate every gallery figure from scratch on built-in data, with an index.

    python -m analysis.gallery [--quick | --paper] [--out figures/gallery] [--only NAME,...] [--redraw] [--force]

The figures are the modules of `figures` that declare an analysis (`figures.registry`). Each analysis saves its
results (OUT/data/NAME.npz + .json: arrays, settings, seeds, versions, timings, content key); each figure is then
drawn from those saved files (OUT/FIGURE.png, .pdf, .md caption and OUT/findings/FIGURE.json), as a later redraw
would be. A rerun recomputes only the analyses whose content key changed (SHA-256 of the analysis module and the
analysis modules it imports, the package's sources, the settings and the versions of jax and numpy) and redraws
only the figures whose own key changed (their module, the drawing helpers, their analysis's key). OUT/index.md shows
every figure with its caption, its findings and the time it took. A full run (not --quick, not --only) also writes
docs/gallery (PNGs, GIFs, index.md, findings/NAME.json).
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import importlib
import json
import shutil
import time
from pathlib import Path

import numpy as np

import ntk_fourier as nf
import figures
from figures import findings as found, style

ROOT = Path(__file__).resolve().parent.parent
MODES = ("quick", "full", "paper")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file beside it, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text)
    temp.replace(path)


def settings(module, mode: str) -> dict:
    """The analysis module's settings for ``mode`` (paper falls back to full where an analysis has no paper scale)."""
    table = module.SETTINGS
    return table.get(mode) or table["full"]


def _sources(module) -> list[Path]:
    """The analysis module's file and those of the analysis modules it imports, recursively."""
    seen, todo = [], [Path(module.__file__)]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "analysis":
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.split(".")[0] == "analysis"]
            for name in names:
                candidate = ROOT / (name.replace(".", "/") + ".py")
                if candidate.is_file():
                    todo.append(candidate)
    return sorted(seen)


def _digest(paths, *texts) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(str(Path(path).relative_to(ROOT)).encode() + b"\0" + Path(path).read_bytes() + b"\0")
    for text in texts:
        h.update(text.encode() + b"\0")
    return h.hexdigest()


def analysis_key(module, chosen: dict) -> str:
    """Content key of an analysis: its sources, the package's, the settings, and jax's and numpy's versions."""
    import jax
    package = sorted((ROOT / "ntk_fourier").rglob("*.py"))
    return _digest(_sources(module) + package, json.dumps(chosen, sort_keys=True, default=str),
                   f"jax {jax.__version__} numpy {np.__version__}")


def figure_key(module, data_key: str) -> str:
    """Content key of a drawn figure: its module, the drawing and findings helpers, and its data's key."""
    return _digest([Path(module.__file__), Path(style.__file__), Path(found.__file__)], data_key)


def _compact(value) -> str:
    """A finding on one line, floats to 4 significant digits."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _index_entry(name: str, caption: str, f: dict, analysis: str, analysed: float, drawn: float) -> list[str]:
    return [f"## {name}", "", f"![{name}]({name}.png)", "", caption, "",
            f"<details><summary>Findings (<code>findings/{name}.json</code>)</summary>", "", "```",
            *(f"{k}: {_compact(v)}" for k, v in f.items()), "```", "", "</details>", "",
            f"Data: `data/{analysis}.npz` (computed in {analysed:.1f} s, shared by every figure drawn from it); "
            f"drawn in {drawn:.1f} s.", ""]


def captions_in(index_text: str) -> dict[str, str]:
    """The caption of each figure in an index.md written by this module (the paragraph after its image)."""
    out = {}
    for block in index_text.split("\n## ")[1:]:
        lines = block.split("\n")
        out[lines[0].strip()] = lines[4]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument("--quick", action="store_true", help="toy sizes, for tests and smoke runs (about 3 min)")
    scale.add_argument("--paper", action="store_true", help="paper-scale settings where an analysis has them "
                       "(wider networks, more seeds and steps; several times longer); full settings elsewhere")
    parser.add_argument("--out", type=Path, default=Path("figures/gallery"))
    parser.add_argument("--only", help="comma list of figure names (default: all)")
    parser.add_argument("--redraw", action="store_true", help="draw from saved data without recomputing")
    parser.add_argument("--force", action="store_true", help="recompute and redraw even what is unchanged")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "gallery",
                        help="full runs (no --only) also write the PNGs, findings and index here")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "paper" if args.paper else "full"
    registry = figures.registry()
    if args.only:
        unknown = sorted(set(args.only.split(",")) - set(registry))
        if unknown:
            parser.error(f"no figure named {', '.join(unknown)}; the figures are: {', '.join(registry)}")
        registry = {k: v for k, v in registry.items() if k in args.only.split(",")}
    total = time.perf_counter()
    keys = {}
    for name in dict.fromkeys(module.ANALYSIS for module in registry.values()):
        module = importlib.import_module(f"analysis.{name}")
        chosen = settings(module, mode)
        keys[name] = key = analysis_key(module, chosen)
        path = args.out / "data" / f"{name}.npz"
        saved = nf.load(path)[1] if path.is_file() and path.with_suffix(".json").is_file() else {}
        if args.redraw or (saved.get("key") == key and not args.force):
            print(f"[{name}] {'unchanged' if saved.get('key') == key else 'redraw'}: saved data used", flush=True)
            keys[name] = saved.get("key", key)
            continue
        print(f"[{name}] computing ({mode} settings)...", flush=True)
        start = time.perf_counter()
        arrays, meta = module.run(**chosen)
        seconds = time.perf_counter() - start
        nf.save(path, arrays, analysis=f"analysis.{name}", mode=mode, quick=mode == "quick", settings=chosen,
                key=key, timings={"analysis_s": seconds}, **meta)
        print(f"[{name}] {seconds:.1f} s", flush=True)
    index = ["# ntk_fourier figure gallery", "",
             f"Regenerated by `python -m analysis.gallery{' --' + mode if mode != 'full' else ''}`. Each figure is "
             "drawn from `data/<analysis>.npz` (+ `.json` with its settings, seeds, versions and timings); its "
             "caption is assembled from its findings (`findings/<figure>.json`, computed from the same data); PDF "
             "versions sit beside the PNGs.", ""]
    drawn_keys_path = args.out / "findings" / "keys.json"
    drawn_keys = json.loads(drawn_keys_path.read_text()) if drawn_keys_path.is_file() else {}
    for name, module in registry.items():
        start = time.perf_counter()
        arrays, meta = nf.load(args.out / "data" / f"{module.ANALYSIS}.npz")
        f = found.jsonable(module.findings(arrays, meta))
        caption = module.caption(f).strip()
        key = figure_key(module, keys[module.ANALYSIS])
        outputs = [args.out / f"{name}{suffix}" for suffix in (".png", ".pdf", ".md")]
        saved = drawn_keys.get(name) if isinstance(drawn_keys.get(name), dict) else {}
        if saved.get("key") != key or args.force or args.redraw or not all(p.is_file() for p in outputs):
            style.save(module.draw(arrays, meta, f), args.out / name, caption)
            if hasattr(module, "write_animation"):  # a moving figure: its animation (GIF) beside the still
                module.write_animation(arrays, meta, args.out / f"{name}.gif")
            drawn_keys[name] = saved = {"key": key, "seconds": time.perf_counter() - start}
            print(f"[{name}] drawn in {saved['seconds']:.1f} s -> {args.out / name}.png", flush=True)
        drawn = saved["seconds"]
        write_text(args.out / "findings" / f"{name}.json", json.dumps(f, indent=1) + "\n")
        analysed = meta.get("timings", {}).get("analysis_s", float("nan"))
        index += _index_entry(name, caption, f, module.ANALYSIS, analysed, drawn)
    write_text(drawn_keys_path, json.dumps(drawn_keys, indent=1) + "\n")
    write_text(args.out / "index.md", "\n".join(index))
    print(f"wrote {args.out / 'index.md'} ({time.perf_counter() - total:.0f} s in all)", flush=True)
    if mode != "quick" and not args.only and args.docs:
        (args.docs / "findings").mkdir(parents=True, exist_ok=True)
        for old in list(args.docs.glob("*.png")) + list(args.docs.glob("*.gif")) + list(
                (args.docs / "findings").glob("*.json")):
            old.unlink()
        for name in registry:
            for suffix in (".png", ".gif"):
                if (args.out / f"{name}{suffix}").is_file():
                    shutil.copyfile(args.out / f"{name}{suffix}", args.docs / f"{name}{suffix}")
            shutil.copyfile(args.out / "findings" / f"{name}.json", args.docs / "findings" / f"{name}.json")
        write_text(args.docs / "index.md", "\n".join(index).replace("`data/", "`figures/gallery/data/"))
        print(f"wrote the figures, findings and index to {args.docs}", flush=True)


if __name__ == "__main__":
    main()
