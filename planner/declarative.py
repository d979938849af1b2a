"""A few high-level declarative requests mapped onto atomic steps, each mapping recorded as an assumption.

| request | steps |
|---|---|
| "make it calmer", "more peaceful", "less stressful" (no sound named) | every alarm-like event present (``ALARMING``) ``CALM_GAIN_DB`` |
| "make the X calmer" | X ``CALM_GAIN_DB`` |
| "focus on the speaker", "so I can hear X", "make X stand out" | every other label ``FOCUS_GAIN_DB`` |
| "keep only X", "isolate X", "extract X" | remove every other label |
| "make this sound like a beach", "busier" | goals: ``audioedit.planner.goals`` (the scene knowledge base) |
| "keep everything else", "leave the rest as is", "don't change anything else" | no step: an assumption (every step leaves the rest unchanged) |
| "keep the pitch", "pitch unchanged" after a speed step | no step: an assumption (speed changes keep the pitch by default) |
| "make it busier / livelier", "liven it up" | goals (mood 'busier'); other wordings: unresolved, name the sounds |

They need the scene's events; without a scene they are reported as unresolved.
"""

from __future__ import annotations

import re

from audioedit.steps import EventRef
from audioedit.planner import templates
from audioedit.planner.attributes import SPEECH_LABELS
from audioedit.planner.groups import complete, named_refs
from audioedit.planner.builder import StepBuilder
from audioedit.planner.refs import clean_phrase
from audioedit.planner.vocab import canonical_label

CALM_GAIN_DB = -6.0
FOCUS_GAIN_DB = -10.0
ALARMING = ("siren", "car_horn", "gun_shot", "jackhammer", "drilling", "dog_bark", "clock_alarm")

KEEP_REST_RE = re.compile(
    r"^(?:and\s+|but\s+)?(?:(?:keep|leave|preserve|retain)\s+(?:everything|all|anything)\s+else(?:\s+(?:as (?:it )?is|as it was|"
    r"unchanged|untouched|intact|the same|alone))?|(?:keep|leave|preserve)\s+the\s+rest(?:\s+of\s+(?:it|the \w+))?"
    r"(?:\s+(?:as (?:it )?is|as it was|unchanged|untouched|intact|the same|alone))?|"
    r"(?:don'?t|do not)\s+(?:change|touch|alter|modify)\s+(?:anything|everything|the rest)(?:\s+else)?|"
    r"(?:nothing|everything)\s+else\s+(?:should\s+)?(?:stays?|remains?|unchanged|the same|as (?:it )?is)(?:\s+(?:the same|unchanged|as (?:it )?is))?|"
    r"(?:leave|keep)\s+(?:everything|all)\s+(?:else\s+)?(?:as (?:it )?is|untouched|unchanged|alone)|that'?s (?:it|all)|"
    r"nothing\s+else\s+(?:should|must|may|will|needs? to)\s+(?:change|be (?:changed|touched|different)))$"
)
PITCH_NOTE_RE = re.compile(
    r"^(?:and\s+|but\s+)?(?:(?:keep|preserve|maintain|retain)\s+(?:the\s+|its\s+|their\s+)?(?:original\s+)?pitch"
    r"(?:\s+(?:unchanged|intact|the same|as (?:it )?is))?|(?:with\s+)?(?:the\s+|its\s+)?pitch\s+(?:unchanged|intact|preserved|"
    r"kept|the same)|without\s+(?:changing|altering|affecting|shifting)\s+(?:the|its|their)\s+pitch|"
    r"(?:don'?t|do not|never)\s+(?:change|alter|affect|shift)\s+(?:the|its|their)\s+pitch|(?:and\s+)?"
    r"(?:let|allow)\s+(?:the\s+|its\s+)?pitch\s+(?:to\s+)?(?:change|shift|move))$"
)
BUSIER_RE = re.compile(
    r"\b(?:busier|livelier|more (?:lively|alive|busy|vibrant)|liven (?:it |this |the \w+ )?up|add (?:some )?life|"
    r"feels? (?:empty|dead|bare|sparse))\b"
)
CALM_RE = re.compile(
    r"\b(?:calmer|calm(?: (?:it|this|this \w+|the \w+))? down|too (?:hectic|chaotic|stressful|frantic)|more (?:peaceful|relaxing|relaxed|tranquil|serene|soothing|calm)|less (?:stressful|"
    r"chaotic|hectic|busy|harsh|aggressive|jarring|alarming)|peaceful|relaxing|soothing|tranquil|serene)\b"
)
WHOLE_WORDS_RE = re.compile(
    r"\b(?:make|let|get|render|this|it|the|a|an|whole|entire|(?:\w+\s+)?(?:recording|clip|audio|scene|mix|track|thing)|"
    r"feel|sound|bit|little|lot|much|overall|please|i|we|want|to|it's|is|too|tone|down)\b"
)
FOCUS_RES = (
    re.compile(r"^(?:focus on|concentrate on|spotlight|put the focus on|center on|centre on)\s+(?P<x>.+)$"),
    re.compile(r"\bso (?:that )?(?:i|we|you|one|people) can (?:hear|understand|follow)\s+(?P<x>.+?)"
               r"(?:\s+(?:better|more clearly|clearly|properly))?$"),
    re.compile(r"^(?:make|let)\s+(?P<x>.+?)\s+(?:stand out|the (?:focus|star)|clearer|more intelligible|"
               r"easier to (?:hear|understand))$"),
    re.compile(r"^(?:i |we )?(?:mainly|mostly|primarily|really) (?:want|need|care) (?:to hear|about)\s+(?P<x>.+?)"
               r"(?:\s+(?:clearly|better|more clearly))?$"),
    re.compile(r"^(?:bring|move|put|pull|push)\s+(?P<x>.+?)\s+(?:to the (?:front|fore(?:ground)?)|forward|up front)"
               r"(?:\s+and\s+(?:push|pull|move|put|bring|turn|tuck)\s+(?:everything|all|the rest|all the rest|the others)"
               r"(?:\s+else)?\s+(?:back|down|away))$"),
    re.compile(r"^bring\s+(?P<x>.+?)\s+to the (?:front|fore(?:ground)?)$"),
)
CLEAN_RE = re.compile(
    r"^(?:make|get|keep|leave)\s+(?P<x>(?:the |my |this )?(?:conversation|speech|dialogue|dialog|voices?|talking|talk|"
    r"speakers?|narration|interview|podcast|vocals?))\s+(?:as\s+)?(?:clean|clear|cleaner|clearer|crisp|pristine)"
    r"(?:\s+as (?:possible|you can|can be))?$"
)
ISOLATE_RE = re.compile(
    r"^(?:isolate|extract|pull out|separate|single out|keep only|only keep|leave only|keep just|just keep|leave just|"
    r"only)\s+(?P<x>.+?)(?:\s+from (?:the )?(?:mixture|mix|recording|audio|clip))?$"
    r"|^(?:keep|leave)\s+(?P<y>.+?)\s+only$|^(?:i )?(?:just|only) want\s+(?P<w>.+?)\s+(?:over|on top of|above|and)\s+"
    r"the (?:ambience|ambiance|background|backdrop|ambient sound)$|^(?:keep|leave)\s+(?P<z>.+?)\s+and (?:remove|drop|mute) "
    r"(?:everything|all) else$"
    r"|^(?:i |we )?(?:only|just) (?:want|need|care about) (?:to hear |to keep )?(?P<v>(?:the|a|an|my|that|this) .+?)"
    r"(?:,? (?:and )?nothing else| only| alone)?$"
)


def parse_constraint(text: str, source: str, builder: StepBuilder) -> bool:
    """Trailing courtesy / constraint clauses: no step, an assumption."""
    if KEEP_REST_RE.match(text) is not None:
        builder.g.note(f"'{source}': every step leaves the rest of the recording unchanged; no step needed")
        return True
    if PITCH_NOTE_RE.match(text) is None:
        return False
    speed = [s for s in builder.steps if s.op == "speed"]
    if not speed:
        builder.g.fail(source, f"'{source}' is about pitch, but no speed change comes before it; "
                               "say which sound to speed up or slow down")
        return True
    if re.search(r"\b(?:let|allow)\b", text):
        step = speed[-1]
        builder.steps[builder.steps.index(step)] = step.model_copy(update={
            "keep_pitch": False, "instruction": templates.speed_instruction(step.target, step.factor, False)})
        builder.g.note(f"'{source}': the speed change lets the pitch change (playback-rate change)")
    else:
        builder.g.note(f"'{source}': the speed change keeps the pitch (the default)")
    return True


def parse_busier(text: str, source: str, builder: StepBuilder) -> bool:
    """'make it busier' names no sound to add: unresolved, with what would be accepted."""
    if BUSIER_RE.search(text) is None:
        return False
    sounds = ", ".join(sorted(builder.g.sounds)) if builder.g.sounds else "any sound"
    builder.g.fail(source, f"'{source}' does not say which sounds to add; name them, e.g. 'add a bird at 3 s and "
                           f"some rain in the background' (available: {sounds})")
    return True


def parse_calm(text: str, source: str, builder: StepBuilder) -> bool:
    m = CALM_RE.search(text)
    if m is None:
        return False
    g = builder.g
    rest = clean_phrase(WHOLE_WORDS_RE.sub(" ", CALM_RE.sub(" ", text)))
    if rest:
        refs = g.refs(rest, source)
        for ref in refs or ():
            builder.loudness(ref, CALM_GAIN_DB, source)
        if refs:
            g.note(f"'{source}' read as: make {', '.join(r.label for r in refs)} {-CALM_GAIN_DB:g} dB quieter")
        return True
    if g.scene is None:
        g.fail(source, f"'{source}' needs the recording's events to know what to calm down; plan with a scene")
        return True
    loud = [lab for lab in g.scene_labels() if (canonical_label(lab) or lab) in ALARMING]
    if not loud:
        g.note(f"'{source}': no alarm-like sounds ({', '.join(ALARMING)}) in this recording; nothing to lower")
        return True
    g.note(f"'{source}' read as: lower the alarm-like sounds ({', '.join(loud)}) by {-CALM_GAIN_DB:g} dB")
    for label in loud:
        refs = g.refs(label, source)
        for ref in refs or ():
            builder.loudness(ref, CALM_GAIN_DB, source)
    return True


def parse_focus(text: str, source: str, builder: StepBuilder) -> bool:
    for pattern in FOCUS_RES:
        m = pattern.search(text)
        if m is not None:
            _lower_or_remove_others(m["x"], source, builder, FOCUS_GAIN_DB)
            return True
    return False


def parse_isolate(text: str, source: str, builder: StepBuilder) -> bool:
    """'keep only X', 'isolate X', 'make the conversation as clean as possible': remove all but X."""
    if (clean := CLEAN_RE.match(text)) is not None:
        builder.g.note(f"'{source}' read as: keep {clean['x']} and remove every other sound")
        _lower_or_remove_others(clean["x"], source, builder, None)
        return True
    m = ISOLATE_RE.match(text)
    if m is None:
        return False
    if m["w"]:
        _lower_or_remove_others(f"{m['w']} and the background", source, builder, None)
        return True
    _lower_or_remove_others(m["x"] or m["y"] or m["z"] or m["v"], source, builder, None)
    return True


def _lower_or_remove_others(phrase: str, source: str, builder: StepBuilder, gain_db: float | None) -> None:
    """Lower (``gain_db``) or remove (None) every scene event that ``phrase`` does not name.

    With complete events (annotation, stems) the others are listed event by event; with detected
    events (or none) the others are unknown, so the step acts on the complement of the kept sounds."""
    g = builder.g
    keep = g.refs(phrase, source) if complete(g) else named_refs(g, phrase, source)
    if not keep:
        return
    if not complete(g):
        for ref in keep:
            speech = ref.scope == "speech" or (ref.scope == "events" and ref.label in SPEECH_LABELS)
            other = (EventRef(label="background", text=f"everything but {ref.describe()}", scope="background") if speech
                     else ref.model_copy(update={"complement": True}))
            g.note(f"'{source}' read as: {'remove' if gain_db is None else 'lower'} everything except "
                   f"{ref.describe()} (the recording's other sounds are not annotated)")
            builder.remove(other, source) if gain_db is None else builder.loudness(other, gain_db, source)
        return
    kept = {i for r in keep for i in r.event_ids} | {r.label for r in keep if r.scope != "events"}
    others = [e for e in sorted(g.events, key=lambda e: e.onset_s) if e.id not in kept]
    what = f"lower every other sound by {-gain_db:g} dB" if gain_db is not None else "remove every other sound"
    if not others:
        g.note(f"'{source}': the recording has nothing but {', '.join(sorted({r.label for r in keep}))}; nothing to do")
        return
    g.note(f"'{source}' read as: {what} ({', '.join(e.id for e in others)})")
    for label in dict.fromkeys(e.label for e in others):
        ref = EventRef(label=label, text=label.replace("_", " "), event_ids=[e.id for e in others if e.label == label])
        if gain_db is None:
            builder.remove(ref, source)
        else:
            builder.loudness(ref, gain_db, source)
