"""One look for every figure: fonts, a colour per mapping, and saving as PNG + PDF + caption."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ntk_fourier.results import atomic, write_text  # noqa: E402

RC = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 7.5, "axes.spines.top": False,
      "axes.spines.right": False, "figure.dpi": 150, "savefig.bbox": "tight", "axes.grid": True, "grid.alpha": 0.25}


def colour(label: str, index: int = 0, count: int = 1) -> tuple:
    """Colour of a mapping family (sequential within a family: power-law p, Gaussian sigma)."""
    if label.startswith("none"):
        return (0.2, 0.2, 0.2, 1.0)
    if label.startswith("basic"):
        return plt.get_cmap("tab10")(1)
    if label.startswith("power"):
        return plt.get_cmap("viridis")(0.1 + 0.8 * index / max(count - 1, 1))
    if label.startswith("gaussian"):
        return plt.get_cmap("autumn")(0.1 + 0.7 * index / max(count - 1, 1))
    if label.startswith("siren"):
        return plt.get_cmap("tab10")(4)
    return plt.get_cmap("tab10")(index % 10)


def save(fig, path: str | Path, caption: str) -> list[Path]:
    """Write ``path``.png, ``path``.pdf and ``path``.md (the caption)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = [path.with_suffix(".png"), path.with_suffix(".pdf"), path.with_suffix(".md")]
    for target, options in ((written[0], {"dpi": 150}), (written[1], {})):
        with atomic(target) as temp:
            fig.savefig(temp, bbox_inches="tight", **options)
    write_text(written[2], caption.strip() + "\n")
    plt.close(fig)
    return written


def predicted_and_trained(x, curves: list, *, xlabel: str, width: int, xscale: str = "linear",
                          figsize=(8.6, 3.5)):
    """Two panels sharing the y axis: test MSE of the NTK prediction (left) and of trained networks of ``width``
    (right) against ``x``; ``curves``: (label, colour, predicted values, trained values) per line."""
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, 2, figsize=figsize, sharey=True)
        for ax, column, title in zip(axes, (2, 3), ("NTK prediction", f"trained networks (width {width})")):
            for curve in curves:
                ax.plot(x, curve[column], "o-", ms=3, color=curve[1], label=curve[0])
            ax.set(xscale=xscale, yscale="log", xlabel=xlabel, title=title)
        axes[0].set_ylabel("test MSE")
        axes[0].legend(frameon=False)
        fig.tight_layout()
    return fig
