"""Scripts that turn saved results into figures (PNG + PDF + caption)."""
