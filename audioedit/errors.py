"""The one exception tree of audioedit.

- ``UserInputError``: the caller gave something we cannot use (bad file, bad request, limits).
- ``PlanError``: planning failed in a way a retry may fix (e.g. malformed LLM output).
- ``ExecutionError``: an edit step could not be carried out.

A failed *verification* is data (a ``Verdict``), never an exception.
Every message names the offending value and says what would be accepted.
"""


class AudioEditError(Exception):
    """Base class of every error audioedit raises on purpose."""


class UserInputError(AudioEditError, ValueError):
    """Input the caller can fix: unreadable audio, limits exceeded, an impossible request."""


class PlanError(AudioEditError):
    """Planning failed; retrying (or another planner) may succeed."""


class ExecutionError(AudioEditError):
    """A step could not be executed with the chosen backend."""
