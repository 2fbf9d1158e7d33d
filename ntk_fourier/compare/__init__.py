"""The cross-check: finite networks against the NTK prediction, width by width, and its report. Reads both views."""
from ntk_fourier.compare import design_check, fits, report  # noqa: F401  (namespaces)
from ntk_fourier.compare.crosscheck import Comparison, auto_lr, cross_check, fit_slope, mode_residuals

__all__ = ["Comparison", "auto_lr", "cross_check", "design_check", "fit_slope", "fits", "mode_residuals", "report"]
