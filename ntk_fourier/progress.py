"""Progress bars on standard error for long loops (tqdm), switched off for short work."""
from __future__ import annotations

from typing import Iterable, TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], desc: str, enabled: bool = True) -> Iterable[T]:
    """Iterate ``items`` with a tqdm bar on stderr when ``enabled``."""
    if not enabled:
        return items
    from tqdm.auto import tqdm
    return tqdm(items, desc=desc, leave=False, dynamic_ncols=True)
