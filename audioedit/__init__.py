"""audioedit: declarative, text-guided audio editing.

    >>> import audioedit
    >>> outcome = audioedit.edit("street.wav", "remove the siren and make the horn 6 dB louder",
    ...                          annotation="street.jams")             # doctest: +SKIP
    >>> outcome.report.status                                            # doctest: +SKIP
    'ok'

This package holds the shared vocabulary (audio, scenes, steps, reports, errors) and the public
API; the planner, executor and agent packages are imported lazily by ``edit`` and ``plan``.
"""

from audioedit.api import edit, plan

__all__ = ["edit", "plan"]
__version__ = "0.1.0"
