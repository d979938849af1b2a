"""The backends' names, as the router chooses them and the report records them.

A ``StrEnum``: each member is its string (``Backend.DSP_STEMS == "dsp.stems"``), so reports and
JSON read exactly as before. A registry op runs as ``dsp.<op>`` (``registry_backend``), some with the
mode it ran in (``dsp.eq.layer``).
"""

from __future__ import annotations

from enum import StrEnum


class Backend(StrEnum):
    DSP_WHOLE = "dsp.whole"  # the whole recording: one exact edit of the file
    DSP_STEMS = "dsp.stems"  # exact edit of the target's stems
    DSP_MIXTURE = "dsp.mixture"  # region edit on the mixture, the target isolated in time
    DSP_REGION = "dsp.region"  # region edit forced over overlapping events (the naive baseline)
    LDM = "ldm"  # the learned editor
    DSP_DENOISE = "dsp.denoise"  # the steady noise floor of a recording without speech, reduced
    DSP_SUPPRESS = "dsp.suppress"  # a detected sound taken down to the bed around it, inside its spans
    SPEECH_LAYERS = "speech.layers"  # the speech/rest layer split, the edit on one layer, re-mixed
    SPEECH_REST = "speech.rest"  # the rest layer inside a detected sound's spans, over speech
    SPEECH_PAUSES = "speech.pauses"  # cut the pauses between speech segments
    NONE = "none"  # no backend could take the step (the report says why)


SPEECH_FAMILY = "speech."


def registry_backend(op: str, mode: str | None = None) -> str:
    """The backend name of registry op ``op``: ``dsp.<op>``, or ``dsp.<op>.<mode>``."""
    return f"dsp.{op}" if mode is None else f"dsp.{op}.{mode}"


def is_speech(backend: str) -> bool:
    """Whether ``backend`` is one of the speech models' (checked by the speech verifier)."""
    return backend.startswith(SPEECH_FAMILY)
