"""Grounding words in the scene: event references, time windows and positions for added sounds.

``Grounding`` carries the scene, the addable sounds and the plan's assumptions/unresolved lists
while a request is planned. ``Grounding.refs(phrase)`` turns "the second bark", "all dogs
between 2 and 4 seconds", "the horn and the siren", "everything but the speech" into
``EventRef`` objects with ``event_ids`` filled from the scene (or, with no scene, the vocabulary
label and no ids). ``Grounding.position(text)`` reads where an added sound goes.

Time windows on references (need the scene's duration where marked *):
"between A and B s" / "from A to B s" -> [A, B]; "in the first N s" -> [0, N]; "in the last N s"* ->
[d-N, end]; "after N s" -> [N, end]; "before N s" -> [0, N]; "at/around N s" -> [N-0.5, N+0.5];
"at the start"* -> [0, d/4]; "in the middle"* -> [d/4, 3d/4]; "at the end"* -> [3d/4, end]; when the start
or end quarter holds no event of the label, the first / last third is tried (noted as an assumption).
Without a scene, "at the start"/"at the end" select the first/last event instead.

Positions for added sounds (``AT_START_S``, ``END_MARGIN_S``, ``BEFORE_MARGIN_S``): "at N s" -> N;
"at the start" -> 0.5 s; "in the middle"* -> d/2; "near/at the end"* -> max(0, d - 2); "after the
X" -> X's offset; "before the X" -> max(0, X's onset - 1); "with/during the X" -> X's onset; "in the
background" -> role background, whole clip. Positions needing the duration are left to the
executor (``at_s=None``) without a scene, and that is recorded as an assumption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audioedit.scene import Event, SceneDescription
from audioedit.steps import EventRef, Unresolved, select_events
from audioedit.planner.nouns import plural
from audioedit.planner.amounts import NUM, ORDINAL_WORDS, number_value
from audioedit.planner.attributes import SPEECH_LABELS, described_events, description_of, is_attribute_tail, phrase_attributes
from audioedit.planner.groups import complete, special_refs, undetected_ref
from audioedit.planner.vocab import PHRASE_INDEX, STOPWORDS, canonical_label, content_tokens, display_name, match_label, singular

AT_START_S = 0.5
END_MARGIN_S = 2.0
BEFORE_MARGIN_S = 1.0
AT_HALF_WINDOW_S = 0.5

UNIT = r"(?:s|sec|secs|seconds?)\b"
TIME = rf"(?:\d+:\d{{2}}(?:\.\d+)?|{NUM}\s*{UNIT})"
_T = r"(?P<{0}>\d+:\d{{2}}(?:\.\d+)?|" + NUM + r")"
WINDOW_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("between", re.compile(rf"\b(?:between|from)\s+{_T.format('a')}\s*(?:{UNIT})?\s*(?:and|to|until|till|-)\s*"
                           rf"{_T.format('b')}\s*(?:{UNIT})?")),
    ("first_n", re.compile(rf"\b(?:in|during|within|over|for)\s+the\s+first\s+{_T.format('a')}\s*{UNIT}")),
    ("last_n", re.compile(rf"\b(?:in|during|within|over|for)\s+the\s+(?:last|final)\s+{_T.format('a')}\s*{UNIT}")),
    ("after", re.compile(rf"\b(?:after|from|past|later than)\s+{_T.format('a')}\s*{UNIT}")),
    ("before", re.compile(rf"\b(?:before|until|till|earlier than)\s+{_T.format('a')}\s*{UNIT}")),
    ("at", re.compile(rf"\b(?:at|around|near|about)\s+(?:second\s+)?{_T.format('a')}\s*(?:{UNIT})?(?!\s*(?:db|%|x\b))")),
    ("start", re.compile(r"\b(?:at|near|towards?|in|during)\s+the\s+(?:very\s+)?(?:start|beginning|opening)\b")),
    ("middle", re.compile(r"\b(?:in|at|around|near|towards?)\s+the\s+middle\b|\bhalfway(?: through)?\b|\bmidway\b")),
    ("end", re.compile(r"\b(?:at|near|towards?|in|by|around)\s+the\s+(?:very\s+)?end\b")),
)
SELECT_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("second_last", re.compile(r"\b(?:second[- ]to[- ]last|penultimate|next[- ]to[- ]last)\b")),
    ("first", re.compile(r"\b(?:very\s+)?(?:first|1st|earliest|opening)\b")),
    ("last", re.compile(r"\b(?:very\s+)?(?:last|final|latest|closing)\b")),
    ("nth", re.compile(r"\b(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|(\d+)(?:st|nd|rd|th))\b")),
    ("all", re.compile(r"\b(?:all(?: of)?(?: the)?|every|each|both(?: of)?(?: the)?|any)\b")),
)
WRAPPER_RE = re.compile(
    r"\b(?:the\s+)?(?:(?:sound|audio|noise)\s+level|volume|level|loudness|gain|sound|noise|speed|tempo|pace|"
    r"playback)\s+(?:of|on|for)\s+"
)
ROOM_SOUND_RE = re.compile(r"^(?:(?:all|some|any) )?(?:the )?(?:echo(?:es)?|reverb(?:eration)?|room (?:sound|echo|reverb)|"
                           r"reverberation)(?: in the room)?$")
FILLER_RE = re.compile(r"^(?:(?:all|some|any) )?(?:the |my |his |her |their )?(?:ums?|uhs?|umms?|uhms?|ahs?|ers?|erms?|"
                       r"ums and (?:ahs|uhs|ers)|filler(?: words| sounds)?|fillers|hesitations|stutters?|stammer(?:s|ing)?|"
                       r"verbal tics)$")
SPLIT_REFS_RE = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s&\s|\band\b|\bplus\b|\bas well as\b|\bor\b)\s*")
EDGE_JUNK_RE = re.compile(r"^(?:(?:the|by|to|of|on|for|with|and|a|an)\s+)+|(?:\s+(?:by|to|of|on|for|with|and|please|'s))+$")
def time_value(text: str) -> float | None:
    """'3', '3.5', 'three', '0:03' -> seconds."""
    text = text.strip()
    if ":" in text:
        minutes, seconds = text.split(":", 1)
        return int(minutes) * 60 + float(seconds)
    return number_value(text)


@dataclass
class Grounding:
    """Planning state shared by the clause parsers: scene, addable sounds, notes, what came before."""

    scene: SceneDescription | None
    sounds: tuple[str, ...] = ()
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # sound -> roles the bank has it in; {}: unknown
    assumptions: list[str] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    last_refs: list[EventRef] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)
    replaced: dict[str, list[str]] = field(default_factory=dict)  # new sound label -> ids of the events it replaces

    # ---------------------------------------------------------------- scene facts
    @property
    def events(self) -> list[Event]:
        return list(self.scene.events) if self.scene is not None else []

    @property
    def duration_s(self) -> float | None:
        return self.scene.duration_s if self.scene is not None else None

    def scene_labels(self) -> list[str]:
        return list(dict.fromkeys(e.label for e in sorted(self.events, key=lambda e: e.onset_s)))

    def has_text(self) -> str:
        labels = self.scene_labels()
        if self.scene is not None and self.scene.events_from == "detected":
            looked = ", ".join(self.scene.searched) or "nothing"
            found = f"detected: {', '.join(labels)}" if labels else "nothing was detected"
            return f"{found} (no annotation was given; looked for: {looked})"
        return ", ".join(labels) if labels else "no labelled events (give an annotation or stems)"

    def note(self, text: str) -> None:
        if text not in self.assumptions:
            self.assumptions.append(text)

    def fail(self, text: str, reason: str) -> None:
        self.unresolved.append(Unresolved(text=text, reason=reason))

    # ---------------------------------------------------------------- references
    def refs(self, phrase: str, source: str) -> list[EventRef] | None:
        """EventRefs for a phrase naming one or more sounds; None (and an unresolved entry) on failure."""
        phrase = clean_phrase(phrase)
        if not phrase:
            return None
        if FILLER_RE.match(phrase):  # words, not sounds: finding them needs speech recognition
            self.fail(source, "removing filler words (um, uh) needs speech recognition, which audioedit does not have; "
                              "'shorten the pauses' tightens the gaps between phrases")
            return None
        if ROOM_SOUND_RE.match(phrase):  # not a sound in the recording but how the room sounds
            self.fail(source, "removing or reducing echo / reverberation (dereverberation) is not supported; 'remove the "
                              "background noise' keeps only the voice")
            return None
        special = special_refs(self, phrase, source)
        if special is not None:
            return special or None
        out: list[EventRef] = []
        parts = [phrase] if canonical_label(phrase) and _is_one_name(phrase) else split_refs(phrase)
        parts = join_attribute_tails(parts)
        for part in parts:
            special = special_refs(self, clean_phrase(part), source) if len(parts) > 1 else None
            if special is not None:
                if not special:
                    return None
                out.extend(special)
                continue
            ref = self.ref(part, source, previous=out[-1].label if out else None)
            if ref is None:
                return None
            out.append(ref)
        return out or None

    def ref(self, part: str, source: str, previous: str | None = None) -> EventRef | None:
        """One EventRef for 'the second dog bark between 2 and 4 s'; None (+ unresolved) on failure.

        ``previous``: the label of the reference before this one in a list, for 'the first one'.
        """
        part = text = clean_phrase(part)
        start_s, end_s, part = self.window(part)
        select, n, part = self._selector(part)
        if self.scene is not None and phrase_attributes(part):
            return self._described_ref(part, text, source, select, n)
        name = " ".join(content_tokens(part))
        if not name and previous is not None and (select != "all" or start_s is not None or end_s is not None):
            name = previous.replace("_", " ")
        if not name:
            self.fail(source, f"which sound is '{text}'? this recording has {self.has_text()}")
            return None
        if not complete(self) and canonical_label(name) in SPEECH_LABELS and select == "all" and start_s is end_s is None:
            return EventRef(label="speech", text=text, scope="speech")  # no annotation: the speech layer
        if self.scene is not None:
            label = match_label(name, self.scene_labels()) or self._meaning_match(name)
            if label is None and (undetected := undetected_ref(self, name, text, select, start_s, end_s)):
                return undetected
            if label is None:
                known = canonical_label(name)
                said = f"'{name}'" + (f" ({known})" if known and known != name.replace(" ", "_") else "")
                hint = ("; if it is noise under a voice, 'remove the background noise' removes everything but "
                        "the speech" if self.scene.events_from == "detected" else "")
                self.fail(source, f"no {said} in this recording; it has: {self.has_text()}{hint}")
                return None
        else:
            label = canonical_label(name) or name.replace(" ", "_")
            if canonical_label(name) is None:
                self.note(f"'{name}' is not in the label vocabulary; kept as the label '{label}'")
        if select == "second_last":
            same = [e for e in self.events if e.label == label]
            if len(same) < 2:
                self.fail(source, f"'{text}': needs at least two {label} events; this recording has {len(same)}")
                return None
            select, n = "nth", len(same) - 1
        if start_s is not None and end_s is not None and end_s <= start_s:
            self.fail(source, f"time window {start_s:g}-{end_s:g} s in '{text}' is empty; give start < end")
            return None
        ref = self._resolve(EventRef(label=label, text=text, select=select, n=n, start_s=start_s, end_s=end_s))
        if not ref.event_ids and self.scene is not None and (wider := self._wider_window(text, start_s, end_s)):
            widened = self._resolve(ref.model_copy(update={"start_s": wider[0], "end_s": wider[1]}))
            if widened.event_ids:
                self.note(f"'{text}': no {label} in {start_s or 0:g}-{end_s or self.duration_s:g} s; read the position "
                          f"as {wider[0] or 0:g}-{wider[1] or self.duration_s:g} s (a third of the recording)")
                ref = widened
        if label not in self.mentioned:
            self.mentioned.append(label)
        return self._check_found(ref, source, plural_said=_said_plural(part))

    def _meaning_match(self, name: str) -> str | None:
        """The scene label ``name`` means when no rule matched ('pooch' -> dog_bark), or None."""
        from audioedit.planner.similar import closest_label, label_texts

        texts = {lab: label_texts(lab, [e.extra.get("description", "") for e in self.events if e.label == lab])
                 for lab in self.scene_labels()}
        label, cosine = closest_label(name, texts)
        if label is not None:
            self.note(f"'{name}' read as {label} (closest in meaning among this recording's sounds, cosine {cosine:.2f})")
        return label

    def _described_ref(self, part: str, text: str, source: str, select: str, n: int | None) -> EventRef | None:
        """A reference by what a source sounds like ('the man with the low voice'), matched on descriptions."""
        hits, why = described_events(self.events, part)
        if not hits:
            self.fail(source, why)
            return None
        hits.sort(key=lambda e: e.onset_s)
        chosen = {"first": hits[:1], "last": hits[-1:], "nth": hits[(n or 1) - 1 : n]}.get(select, hits)
        self.note(f"'{text}' read as {', '.join(e.id for e in chosen)} ({'; '.join(description_of(e) for e in chosen)})")
        if hits[0].label not in self.mentioned:
            self.mentioned.append(hits[0].label)
        return EventRef(label=hits[0].label, text=text, event_ids=[e.id for e in chosen])

    def _wider_window(self, text: str, start_s: float | None, end_s: float | None) -> tuple[float | None, float | None] | None:
        """'towards the beginning' / 'near the end' read as the first / last third, when the quarter finds nothing."""
        d = self.duration_s
        if d is None:
            return None
        if WINDOW_RES[6][1].search(text) and (start_s, end_s) == (0.0, d / 4):
            return 0.0, d / 3
        if WINDOW_RES[8][1].search(text) and (start_s, end_s) == (3 * d / 4, None):
            return 2 * d / 3, None
        return None

    def _resolve(self, ref: EventRef) -> EventRef:
        if self.scene is None:
            return ref
        ids = [e.id for e in select_events(self.events, ref)]
        return ref.model_copy(update={"event_ids": ids})

    def _check_found(self, ref: EventRef, source: str, plural_said: bool) -> EventRef | None:
        if self.scene is None:
            return ref
        if not ref.event_ids:
            same = sorted((e for e in self.events if e.label == ref.label), key=lambda e: e.onset_s)
            at = ", ".join(f"{e.onset_s:g}-{e.offset_s:g} s" for e in same)
            self.fail(source, f"'{ref.text}' matches no event: this recording has {len(same)} {ref.label} "
                              f"event(s) ({at})")
            return None
        if ref.select == "all" and len(ref.event_ids) > 1 and not plural_said and not SELECT_RES[-1][1].search(ref.text):
            self.note(f"'{ref.text}' matches {len(ref.event_ids)} {ref.label} events; acting on all of them")
        return ref

    def window(self, text: str) -> tuple[float | None, float | None, str]:
        """``(start_s, end_s, text without the window words)`` for a reference phrase."""
        d = self.duration_s
        for kind, pattern in WINDOW_RES:
            m = pattern.search(text)
            if m is None:
                continue
            rest = (text[: m.start()] + " " + text[m.end() :]).strip()
            a = time_value(m["a"]) if "a" in pattern.groupindex else None
            if kind == "between":
                return a, time_value(m["b"]), rest
            if kind == "first_n":
                return 0.0, a, rest
            if kind == "after":
                return a, None, rest
            if kind == "before":
                return None, a, rest
            if kind == "at":
                return max(0.0, a - AT_HALF_WINDOW_S), a + AT_HALF_WINDOW_S, rest
            if d is None:
                if kind in {"start", "end"}:
                    self.note(f"no scene: '{m.group(0)}' read as the {'first' if kind == 'start' else 'last'} event")
                    return None, None, f"{'first' if kind == 'start' else 'last'} {rest}"
                self.note(f"no scene: the time window '{m.group(0)}' needs the duration and was ignored")
                return None, None, rest
            spans = {"last_n": (max(0.0, d - (a or 0.0)), None), "start": (0.0, d / 4),
                     "middle": (d / 4, 3 * d / 4), "end": (3 * d / 4, None)}
            start_s, end_s = spans[kind]
            return start_s, end_s, rest
        return None, None, text

    @staticmethod
    def _selector(text: str) -> tuple[str, int | None, str]:
        for kind, pattern in SELECT_RES:
            m = pattern.search(text)
            if m is None:
                continue
            rest = (text[: m.start()] + " " + text[m.end() :]).strip()
            if kind == "nth":
                n = int(m.group(1)) if m.group(1) else ORDINAL_WORDS[m.group(0)]
                return ("nth", n, rest) if n >= 1 else ("all", None, rest)
            return kind, None, rest
        return "all", None, text


def clean_phrase(phrase: str) -> str:
    """Lower-case, drop 'the volume of'-style wrappers and dangling prepositions."""
    phrase = re.sub(r"\s+", " ", WRAPPER_RE.sub(" ", phrase.lower())).strip(" ,.;:!?")
    previous = None
    while previous != phrase:
        previous, phrase = phrase, EDGE_JUNK_RE.sub("", phrase).strip(" ,.;:!?'")
    return phrase


def _said_plural(part: str) -> bool:
    words = [w for w in re.findall(r"[a-z]+", part.lower()) if w not in STOPWORDS]
    return bool(words) and singular(words[-1]) != words[-1]


def _says_many(text: str) -> bool:
    """'all dogs', 'both barks', 'the horns' (no scene to count events in)."""
    if re.search(r"\b(?:all|every|each|both)\b", text):
        return True
    return any(singular(w) != w and singular(w) in PHRASE_INDEX for w in re.findall(r"[a-z]+", text))


def _is_one_name(phrase: str) -> bool:
    return not re.search(r",|\band\b|&|\bplus\b|\bor\b", phrase) or "pots and pans" in phrase


def join_attribute_tails(parts: list[str]) -> list[str]:
    """'the speaker with a deep tone' + 'low enthusiasm' -> one reference (the 'and' joined attributes)."""
    out: list[str] = []
    for part in parts:
        if out and is_attribute_tail(part) and phrase_attributes(out[-1]):
            out[-1] = f"{out[-1]} and {part}"
        else:
            out.append(part)
    return out


def split_refs(phrase: str) -> list[str]:
    protected = re.sub(rf"\b(between\s+{NUM}\s*(?:{UNIT})?\s+)and\b", "\\1\x00", phrase)
    return [p.replace("\x00", "and").strip() for p in SPLIT_REFS_RE.split(protected) if p and p.strip()]


def describe_ref(ref: EventRef, scene_has_many: bool = False) -> str:
    """'the siren', 'the second dog bark', 'all dog barks', 'the car horn between 2 and 4 s'."""
    if ref.scope != "events":
        return ref.describe()
    if ref.complement:
        return f"everything except {describe_ref(ref.model_copy(update={'complement': False}), scene_has_many)}"
    name = display_name(ref.label)
    if ref.select == "first":
        words = f"the first {name}"
    elif ref.select == "last":
        words = f"the last {name}"
    elif ref.select == "nth":
        ordinal = {v: k for k, v in ORDINAL_WORDS.items()}.get(ref.n or 0, f"#{ref.n}")
        words = f"the {ordinal} {name}"
    elif scene_has_many or len(ref.event_ids) > 1 or (not ref.event_ids and _says_many(ref.text)):
        words = f"all {plural(name)}"
    else:
        words = f"the {name}"
    if ref.start_s is not None and ref.end_s is not None:
        words += f" between {ref.start_s:g} and {ref.end_s:g} s"
    elif ref.start_s is not None:
        words += f" after {ref.start_s:g} s"
    elif ref.end_s is not None:
        words += f" before {ref.end_s:g} s"
    return words


def addable_label(g: Grounding, phrase: str, source: str) -> str | None:
    """The sound-bank label for a sound to add ('some birds' -> 'bird'); None (+ unresolved) if absent."""
    name = " ".join(content_tokens(clean_phrase(phrase)))
    if not name:
        g.fail(source, f"which sound should be added in '{source}'?"
                       + (f" available sounds: {', '.join(sorted(g.sounds))}" if g.sounds else ""))
        return None
    if g.sounds:
        label = match_label(name, g.sounds)
        if label is None:
            g.fail(source, f"no '{name}' in the sound bank; available sounds: {', '.join(sorted(g.sounds))}")
        return label
    label = canonical_label(name)
    if label is None:
        label = name.replace(" ", "_")
        g.note(f"'{name}' is not in the label vocabulary; kept as the sound '{label}'")
    return label


def names_scene_sound(g: Grounding, phrase: str) -> bool:
    """Whether ``phrase`` names a sound in the scene (with no scene: a vocabulary sound), without side effects."""
    name = " ".join(content_tokens(clean_phrase(phrase)))
    if not name:
        return False
    if g.scene is None:
        return canonical_label(name) is not None
    return match_label(name, g.scene_labels()) is not None
