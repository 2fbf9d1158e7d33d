"""The 2D image regression table (Tancik et al. 2020, Table 1 protocol) on built-in images, beside the paper's.

    python -m analysis.image_table --out docs/images [--size 64] [--steps 1000] [--seeds 1]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import ntk_fourier as nf

NATURAL, TEXT = ("hopper", "present"), ("text", "text1")


def run(out: Path, size: int, steps: int, seeds: int, natural=NATURAL, text=TEXT) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    table = {}
    for group, names in (("natural", natural), ("text", text)):
        for name in names:
            image = nf.images.builtin(name, size)
            fits = [nf.images.fit(image, m, steps=steps, seeds=seeds, text=group == "text", execution=nf.QUIET)
                    for m in nf.images.MAPPINGS]
            nf.images.montage(nf.images.tiles(image, fits), out / f"{name}.png")
            table[name] = {"group": group, **{f.mapping: f.psnr_test.tolist() for f in fits}}
            print(name, {f.mapping: round(float(f.psnr_test.mean()), 2) for f in fits}, flush=True)
    lines = [f"# Image regression: test PSNR (dB), {size} x {size} images, {steps} Adam steps, {seeds} seed(s)", "",
             "Train on pixels [::2, ::2], test on [1::2, 1::2]. Ours: mean +- std over images and seeds; "
             "paper: Tancik et al. 2020, Table 1 (512 x 512 images).", "",
             "| images | " + " | ".join(nf.images.MAPPINGS) + " |", "|---|" + "---|" * len(nf.images.MAPPINGS)]
    for group in ("natural", "text"):
        cells = []
        for m in nf.images.MAPPINGS:
            values = np.concatenate([table[n][m] for n in table if table[n]["group"] == group])
            cells.append(f"{values.mean():.2f} +- {values.std():.2f}")
        lines.append(f"| {group} (ours, {size} px) | " + " | ".join(cells) + " |")
        paper = nf.images.PAPER_PSNR[group]
        lines.append(f"| {group} (paper, 512 px) | " + " | ".join(
            f"{paper[m]:.2f}" if m in paper else "-" for m in nf.images.MAPPINGS) + " |")
    lines += ["", *[f"![{n}]({n}.png)" for n in table]]
    (out / "table.md").write_text("\n".join(lines) + "\n")
    (out / "table.json").write_text(json.dumps({"size": size, "steps": steps, "seeds": seeds, "psnr_test": table},
                                               indent=2) + "\n")
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=1)
    args = parser.parse_args(argv)
    run(args.out, args.size, args.steps, args.seeds)


if __name__ == "__main__":
    main()
