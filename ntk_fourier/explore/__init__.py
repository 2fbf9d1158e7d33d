"""The interactive explorer: a Panel app (`app.serve`) over a pure computation (`model.compute`).

Panel and Bokeh (the ``explore`` extra) are imported only by `app`; `model` needs NumPy and JAX alone.
"""
