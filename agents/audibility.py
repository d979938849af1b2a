"""An added sound the verifier cannot hear is retried louder, within the level range its plan allows.

A goal plan ("make it sound like a race car competition") adds sounds at the knowledge base's levels
(``planner/assets/scenes.yaml``: a car horn 12 dB below the mixture). Where the recording masks the sound
(a horn among engines, wind over a broadband bed) the step's audibility checks fail: the CLAP hears no
rise of the sound (``clap_added_rise``) or the span's level barely moves (``added_energy_rise_db``). A
new clip at the same level is masked the same way, so the next attempt raises the level by ``RAISE_DB``
(the new clip too, as every retry), up to the step's ``max_snr_db`` (the top of its range; by default
0 dB: never louder than the recording it joins). The thresholds are not touched: the louder sound
passes only if the verifier hears it, and a step still unheard at the top of its range fails.

Only steps that carry a range are raised: ``max_snr_db`` is None when the level is the user's
("add a dog bark at -20 dB"), and such a step is retried as before (another clip, same level). A
failure of any other check (the count, the audio outside the span, another class rising more than
the sound: ``clap_added_margin``) is not a matter of level: that retry keeps the level.
"""

from __future__ import annotations

from audioedit.report import Verdict
from audioedit.steps import AddStep, EditStep

UNHEARD_CHECKS = frozenset({"clap_added_rise", "added_energy_rise_db"})
RAISE_DB = 6.0  # per retry: twice the amplitude; two retries span the 12 dB the verifier's "wrong amount" cases are off by


def unheard(verdict: Verdict | None) -> list[str]:
    """The failed checks of ``verdict`` when every one of them says the sound was not heard, else []."""
    failed = [] if verdict is None else verdict.failed()
    names = sorted({c.name for c in failed})
    return names if names and all(n in UNHEARD_CHECKS for n in names) else []


def louder(step: EditStep, verdict: Verdict | None) -> tuple[AddStep, str] | None:
    """``(the step RAISE_DB louder, capped at its max_snr_db; why)`` when ``step`` is an add with a level
    range, ``verdict`` failed only on audibility and the level can still go up; else None."""
    if not isinstance(step, AddStep) or step.max_snr_db is None:
        return None
    why = unheard(verdict)
    level_db = min(step.snr_db + RAISE_DB, step.max_snr_db)
    if not why or level_db <= step.snr_db:
        return None
    note = (f"louder: {step.snr_db:+g} -> {level_db:+g} dB relative to the mixture (the top of its range: "
            f"{step.max_snr_db:+g} dB) because the verifier did not hear it ({', '.join(why)})")
    return step.model_copy(update={"snr_db": level_db}), note
