"""Labelled image montages (PNG, Pillow imported when called): the reconstructions, super-resolution and SIREN
derivative panels that ``ntk-fourier image`` writes."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ntk_fourier.results import atomic


def montage(tiles: list[tuple[str, np.ndarray]], path) -> None:
    """Labelled images ``(label, (h, w, 1 or 3) in [0, 1])`` side by side in one PNG (Pillow), nearest-neighbour
    upscaled to about 256 pixels. Skipped, with a note on stderr, where Pillow is missing (a bare GPU machine)."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        import sys
        print(f"ntk-fourier: Pillow is not installed: {path} not drawn (the arrays are saved)", file=sys.stderr)
        return
    size = max(a.shape[0] for _, a in tiles)
    scale = max(1, 256 // size)
    tile, label_h = size * scale, 24
    canvas = Image.new("RGB", (len(tiles) * (tile + 8), tile + label_h), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=14)
    for i, (label, array) in enumerate(tiles):
        array = array[..., None] if array.ndim == 2 else array
        rgb = np.repeat(array, 3, axis=2) if array.shape[2] == 1 else array
        rgb = np.nan_to_num(rgb, nan=0.0)  # a diverged fit: black (the command warns about it)
        im = Image.fromarray((np.clip(rgb, 0, 1) * 255).round().astype(np.uint8)).resize(
            (tile, tile), Image.Resampling.NEAREST)
        canvas.paste(im, (i * (tile + 8), label_h))
        draw.text((i * (tile + 8) + 2, 4), label, fill=(0, 0, 0), font=font)
    with atomic(path) as temp:
        canvas.save(temp)


def write_panels(image: np.ndarray, fits: list, table: dict, references: dict, out: Path) -> None:
    """``reconstructions.png`` (ground truth and each fit), ``superres.png`` (the largest factor against the larger
    image) and ``MAPPING_derivatives.png`` for fits that carry derivatives (SIREN), into the folder ``out``."""
    montage([("ground truth", image)] + [(f"{f.mapping}: {f.psnr_test.mean():.2f} dB", f.reconstruction)
                                         for f in fits], out / "reconstructions.png")
    top = max(references)
    montage([(f"ground truth x{top}", references[top])] + [
        (f"{f.mapping} x{top}: {table[f.mapping][f'psnr_superres_x{top}']:.2f} dB", f.superres[top]) for f in fits],
        out / "superres.png")
    for f in fits:
        if f.derivatives:
            grad, lap = f.derivatives["gradient"], f.derivatives["laplacian"]
            montage([("fit", f.reconstruction), ("|gradient|", grad / max(grad.max(), 1e-12)),
                     ("laplacian", 0.5 + lap / (2 * max(np.abs(lap).max(), 1e-12)))],
                    out / f"{f.mapping}_derivatives.png")
