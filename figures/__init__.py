"""Scripts that turn saved results into figures (PNG + PDF + caption): each module has ``draw(arrays, meta)`` and
``caption(meta)``; `analysis.gallery` runs them (``--redraw --only NAME`` redraws one from its saved data)."""
