"""Small compatibility shims for third-party packages, in one place.

scaper 1.6.5 still uses ``np.Inf``, which NumPy 2 removed; ``import_scaper`` restores the alias
(the same float) before importing it. Everything in audioedit imports scaper through here.
"""

from __future__ import annotations

import warnings


def import_scaper():
    """``import scaper`` working under NumPy 2 (and without the SoX binary's warning noise)."""
    import numpy as np

    if not hasattr(np, "Inf"):
        np.Inf = np.inf  # removed alias in NumPy 2; scaper 1.6.5 uses it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import scaper
    return scaper
