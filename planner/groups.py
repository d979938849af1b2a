"""References to groups of sounds rather than one sound: the whole recording, the background,
"every noise", "everything but the speech", "the rest", "the foreground".

``special_refs(g, phrase, source)`` returns their ``EventRef``s, or None when the phrase is not a
group. How a group resolves depends on whether the scene's events are *complete* (an annotation or
stems: every sound is known) or not (detected events, or none):

| phrase | complete events | plain recording |
|---|---|---|
| "it", "the whole thing", "the recording" | the whole recording | the whole recording |
| "the background", "the ambience" | events marked background (else the ones not named) | the background layer |
| "every noise", "the noises" | every event that is not speech | the background layer |
| "everything but the speech" | every other event, event by event | the background layer |
| "everything except the dog" | every other event | everything except the dog (one complement ref) |
| "everything else", "the rest" | the events not named so far | the complement of what was named |
| "the foreground" | events marked foreground | unresolved |
| "the first 5 seconds", "0:03 to 0:05", "the second half" | that stretch of the whole recording | the same |
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from audioedit.ops.trim import DURATION, TIME, seconds
from audioedit.steps import EventRef, whole_recording
from audioedit.planner.attributes import SPEECH_LABELS

if TYPE_CHECKING:
    from audioedit.planner.refs import Grounding

_WHOLE_NOUNS = (r"thing|mix|mixture|recording|clip|audio|track|scene|file|song|podcast|video|sound|piece|episode|memo|"
                r"voice memo|take|session")
WHOLE_RE = re.compile(
    rf"^(?:it|this|that|everything|all|all of it|all (?:the )?(?:sounds?|events?)|every sound|(?:the )?whole thing|"
    rf"(?:the )?(?:whole|entire|full|complete) (?:{_WHOLE_NOUNS})|(?:(?:the|this|my|our) )?(?:{_WHOLE_NOUNS})|"
    rf"(?:the |this |my )?(?:overall )?(?:volume|level|loudness)|overall|the overall (?:mix|level|volume|sound))$"
)
BACKGROUND_RE = re.compile(r"\b(?:background|ambience|ambient|backdrop|environment)\b")
NOISE_RE = re.compile(r"^(?:(?:all|every|any|each)(?: of)?(?: the)? )?(?:the )?(?:other )?noises?$|^(?:the )?"
                      r"(?:distracting|annoying|unwanted|extra) (?:noises?|sounds?)$")
FOREGROUND_RE = re.compile(r"^(?:the )?foreground(?: sounds?| events?)?$")
OTHERS_RE = re.compile(r"^(?:everything else|the rest|all (?:the )?others?|(?:all )?(?:the )?other (?:sounds?|noises?|events?)|"
                       r"all (?:the )?rest|anything else)$")
EXCEPT_RE = re.compile(
    r"^(?:everything|anything|all(?: the)?(?: other)?(?: sounds?| events?| noises?)?|(?:every|each|any) (?:other )?"
    r"(?:sound|noise|event))\s+(?:but|except(?: for)?|other than|apart from|besides|aside from)\s+(?P<x>.+)$"
    r"|^(?:all (?:the )?|every |any )?non[- ](?P<y>.+?)(?: sounds?| noises?| events?)?$"
)


def complete(g: Grounding) -> bool:
    """Whether every sound of the scene is known (annotation or stems)."""
    return g.scene is not None and g.scene.events_from in ("annotation", "stems")


def is_speech(ref: EventRef) -> bool:
    return ref.scope == "speech" or (ref.scope == "events" and not ref.complement and ref.label in SPEECH_LABELS)


def background_layer(text: str) -> EventRef:
    return EventRef(label="background", text=text, scope="background")


def special_refs(g: Grounding, phrase: str, source: str) -> list[EventRef] | None:
    """The refs of a group phrase (see the module docstring); None if ``phrase`` is not one, ``[]``
    when it is one that matches nothing (an unresolved entry says why)."""
    if WHOLE_RE.match(phrase):
        return [whole_recording(phrase)]
    if (span := time_span(phrase, g.duration_s)) is not None:
        if isinstance(span, str):
            g.fail(source, span)
            return []
        return [whole_recording(phrase).model_copy(update={"start_s": span[0], "end_s": span[1]})]
    if FOREGROUND_RE.match(phrase):
        return _events(g, phrase, source, [e for e in g.events if e.role == "foreground"], "every foreground event")
    if OTHERS_RE.match(phrase):
        named = {i for r in g.last_refs for i in r.event_ids} if complete(g) else set()
        if not complete(g):
            return _complement_of(g, g.last_refs, phrase, source)
        others = [e for e in g.events if e.id not in named and e.label not in g.mentioned]
        return _events(g, phrase, source, others, "every event not already named")
    if (m := EXCEPT_RE.match(phrase)) is not None:
        kept = g.refs(m["x"] or m["y"], source)
        if kept is None:
            return []
        if not complete(g):
            return _complement_of(g, kept, phrase, source)
        ids = {i for r in kept for i in r.event_ids}
        return _events(g, phrase, source, [e for e in g.events if e.id not in ids],
                       f"every event but {', '.join(r.describe() for r in kept)}")
    if NOISE_RE.match(phrase):
        if not complete(g):
            return [background_layer(phrase)]
        return _events(g, phrase, source, [e for e in g.events if e.label not in SPEECH_LABELS], "every non-speech event")
    if BACKGROUND_RE.search(phrase) and not _names_a_sound(g, BACKGROUND_RE.sub("", phrase)):
        if not complete(g):
            return [background_layer(phrase)]
        marked = [e for e in g.events if e.role == "background"]
        if marked:
            return _events(g, phrase, source, marked, "the background events")
        if g.mentioned:  # none marked background: those not in focus
            return _events(g, phrase, source, [e for e in g.events if e.label not in g.mentioned],
                           "the sounds the request does not name (no event is marked background)")
        return _events(g, phrase, source, [], "the background events")
    return None


def _names_a_sound(g: Grounding, text: str) -> bool:
    from audioedit.planner.refs import names_scene_sound

    return bool(text.strip()) and names_scene_sound(g, text)


def _complement_of(g: Grounding, kept: list[EventRef], phrase: str, source: str) -> list[EventRef]:
    """Without complete events, 'everything but X' is one ref: the background layer when X is speech,
    else the complement of X."""
    if kept and all(is_speech(r) for r in kept):
        return [background_layer(phrase)]
    if len(kept) == 1 and kept[0].scope == "events":
        return [kept[0].model_copy(update={"complement": True, "text": phrase})]
    g.fail(source, f"'{phrase}': without an annotation, 'everything except' can name one sound or the speech; "
                   f"here it names {len(kept)}")
    return []


def _events(g: Grounding, phrase: str, source: str, events: list, what: str) -> list[EventRef]:
    """One ref per label (in onset order) over exactly ``events``."""
    if g.scene is None:
        g.fail(source, f"'{phrase}' needs the recording's events; plan with a scene (annotation, stems or detection)")
        return []
    if not events:
        g.fail(source, f"'{phrase}' matches nothing: this recording has {g.has_text()}")
        return []
    events = sorted(events, key=lambda e: e.onset_s)
    labels = list(dict.fromkeys(e.label for e in events))
    g.note(f"'{phrase}' read as {what}: {', '.join(labels)}")
    return [EventRef(label=lab, text=phrase, event_ids=[e.id for e in events if e.label == lab]) for lab in labels]


def named_refs(g: Grounding, phrase: str, source: str) -> list[EventRef] | None:
    """Refs for the sounds ``phrase`` names when the scene is not complete and they need not have been
    detected ('isolate the dog' on a plain recording: the learned editor looks for the dog itself)."""
    from audioedit.planner.refs import clean_phrase, split_refs
    from audioedit.planner.vocab import canonical_label, content_tokens, match_label

    out = []
    for part in split_refs(clean_phrase(phrase)):
        special = special_refs(g, clean_phrase(part), source)
        if special is not None:
            out += special
            continue
        name = " ".join(content_tokens(part))
        if not name:
            continue
        label = match_label(name, g.scene_labels()) or canonical_label(name) or name.replace(" ", "_")
        if label in SPEECH_LABELS:
            out.append(EventRef(label="speech", text=part, scope="speech"))
            continue
        ids = [e.id for e in g.events if e.label == label]
        out.append(EventRef(label=label, text=part, event_ids=ids, unlocated=not ids and g.scene is not None))
    if not out:
        g.fail(source, f"which sound is '{phrase}'?")
    return out or None


def undetected_ref(g: Grounding, name: str, text: str, select: str, start_s: float | None,
                   end_s: float | None) -> EventRef | None:
    """On a plain recording, a sound that detection looked for and did not find: an ``unlocated`` ref (the
    learned editor looks for it over the whole recording, or the time window given); None otherwise
    (not looked for, an annotation, or a selector such as 'the second' that needs the events)."""
    from audioedit.planner.vocab import canonical_label

    label = canonical_label(name) or name.replace(" ", "_")
    if complete(g) or g.scene is None or label not in g.scene.searched or select != "all":
        return None
    if label not in g.mentioned:
        g.mentioned.append(label)
    return EventRef(label=label, text=text, start_s=start_s, end_s=end_s, unlocated=True)


def undetected_note(ref: EventRef, searched: list[str]) -> str:
    """The assumption a step on an unlocated sound states ('rooster' was not detected ...); ``searched``: what
    detection looked for."""
    from audioedit.clap import detectable
    from audioedit.clap.captions import CORE_KEYS

    known = ref.label in CORE_KEYS or ref.label in detectable()
    why = "the sound detector knows it but found none" if known else "the sound detector does not know it"
    if ref.label not in searched:
        why = "it was not looked for: no detection ran"
    where = "over the whole recording" if ref.start_s is None and ref.end_s is None else "in the time window given"
    return f"'{ref.label.replace('_', ' ')}' was not detected ({why}); the learned editor looks for it {where}"


_IN = r"(?:(?:in|during|for|over|throughout|within) )?"
_PIECE = r"(?:the )?(?:(?:part|bit|section|stretch|segment|portion|audio|recording) )?"
SPAN_RES = (
    re.compile(rf"^{_IN}(?:the )?(?P<edge>first|opening|last|final|closing) (?P<t>{DURATION})$"),
    re.compile(rf"^{_IN}{_PIECE}(?:from |between )?(?P<a>{TIME}) ?(?:to|and|until|till|through|-|–) ?(?P<b>{TIME})$"),
    re.compile(rf"^{_IN}(?:the )?(?P<half>first|second|last) half(?: of (?:it|this|the \w+))?$"),
)


def time_span(phrase: str, duration_s: float | None) -> tuple[float, float | None] | str | None:
    """A stretch of the recording named by time ('the first 5 seconds', '0:03 to 0:05', 'the second half'):
    ``(start_s, end_s)`` (end None: to the end), a reason string when it cannot be placed, None when the
    phrase names no stretch of time."""
    for pattern in SPAN_RES:
        m = pattern.match(phrase)
        if m is None:
            continue
        groups = m.groupdict()
        if groups.get("a"):
            a, b = seconds(m["a"]), seconds(m["b"])
            return (a, b) if b > a else f"'{phrase}': the stretch ends before it starts"
        if groups.get("edge") in ("first", "opening"):
            return 0.0, seconds(m["t"])
        if duration_s is None:
            return f"'{phrase}' needs the recording's duration (no recording was given)"
        if groups.get("edge"):
            return round(max(0.0, duration_s - seconds(m["t"])), 2), None
        half = round(duration_s / 2, 2)
        return (0.0, half) if m["half"] == "first" else (half, None)
    return None
