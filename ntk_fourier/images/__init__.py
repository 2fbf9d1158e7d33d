"""Images for coordinate networks: built-in images, loading, the paper's split and PSNR (`data`), fitting networks
per mapping (`fitting`), the infinite-width NTK regression of a whole image (`grid_regression`), and montages.

Used as a namespace: ``nf.images.builtin("hopper", 64)``, ``nf.images.fit(...)``, ``nf.images.regress(...)``.
"""
from ntk_fourier.images.data import builtin, load, psnr, require_size, split
from ntk_fourier.images.fitting import MAPPINGS, PAPER_PSNR, SUPERRES, ImageFit, fit, model_for, superres_psnr, tiles
from ntk_fourier.images.panels import montage, write_panels
from ntk_fourier.images.grid_regression import GridRegression, regress
from ntk_fourier.images.experiment import ImageExperiment, fit_all, write_fits

__all__ = ["GridRegression", "ImageExperiment", "ImageFit", "MAPPINGS", "PAPER_PSNR", "SUPERRES", "builtin", "fit", "load", "model_for",
           "montage", "psnr", "regress", "require_size", "split", "superres_psnr", "tiles", "write_fits",
           "write_panels", "fit_all"]
