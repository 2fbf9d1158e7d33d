"""Progress bars on standard error for long loops (tqdm), switched off for short work."""
from __future__ import annotations

from typing import Iterable, TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], desc: str, enabled: bool = True) -> Iterable[T]:
    """Iterate ``items`` with a tqdm bar on stderr when ``enabled``."""
    if not enabled:
        return items
    try:
        from tqdm.auto import tqdm
    except ImportError:  # e.g. a GPU machine's Python without tqdm: one line per item
        return _plain(list(items), desc)
    return tqdm(items, desc=desc, leave=False, dynamic_ncols=True)


def _plain(items: list, desc: str):
    import sys
    for i, item in enumerate(items):
        print(f"{desc}: {i}/{len(items)}", file=sys.stderr, flush=True)
        yield item


def status(message: str, enabled: bool = True) -> None:
    """One line on stderr for a long step that has no loop to count (e.g. a dense eigendecomposition)."""
    if enabled:
        import sys
        print(f"ntk-fourier: {message}...", file=sys.stderr, flush=True)
