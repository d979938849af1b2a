"""Clauses about the voice and what is under it: the speech/background layer edits and cutting pauses.

| request | steps |
|---|---|
| "remove / reduce the background noise", "denoise", "clean up the voice / audio", "make it sound better / professional" | remove the background layer |
| "keep only the speech / voice", "isolate the voice" | remove the background layer |
| "make the speaker / voice / speech louder (by N dB)", "boost the voice" | loudness of the speech layer (+6 dB default) |
| "turn the music / background under the voice down", "make the background quieter" | loudness of the background layer (-6 dB default) |
| "remove the speech / voices / talking" | remove the speech layer |
| "replace the background with rain" | replace the background layer with a bank sound |
| "remove the silences", "cut the dead air" | pauses cut to ``REMOVE_PAUSE_S`` |
| "shorten the pauses (to half a second)" | pauses cut to the amount asked (``SHORTEN_PAUSE_S`` when none) |

Layer targets carry ``EventRef.scope`` ``speech`` / ``background``; the executor's
``speech.layers`` backend splits the recording with DeepFilterNet3. The layer clauses apply to a
plain recording (a scene with no events or only detected ones): with an annotation or stems the event parsers read the same words against the labels.
"""

from __future__ import annotations

import re

from audioedit.scene import EventsFrom
from audioedit.steps import EventRef, PausesStep
from audioedit.planner.amounts import loudness_gain_db, number_value
from audioedit.planner.builder import StepBuilder

REMOVE_PAUSE_S = 0.25   # "remove the silences": a natural gap between phrases is kept
SHORTEN_PAUSE_S = 0.5   # "shorten the pauses" with no amount

_THE = r"(?:the |all the |all |any |some |that |this |my |our )?"
SPEECH = r"(?:voices?|speech|speakers?|talking|talker|dialogue|narration|narrator|vocals? track|speaking|people talking|person talking)"
NOISE = (r"(?:background noises?|background sounds?|background music|background|noises?|hiss|ambience|ambiance|"
         r"ambient (?:noise|sound)s?|static|room noise|everything (?:else )?(?:but|except) the " + SPEECH + r")")
MUSIC = r"(?:music|background music|soundtrack|backing track|background|noise|ambience)"
MUSIC_WORD_RE = re.compile(r"music|soundtrack|backing track")  # the layer is then labelled music: not a noise floor
UNDER = rf"(?:\s+(?:under|behind|beneath|below|in the back of|over|around|from)\s+(?:the |my |his |her )?{SPEECH})"
WHERE = r"(?:\s+(?:from|in|of|on)\s+(?:the |this |my )?(?:recording|audio|clip|track|file|podcast|interview|video|voice|speech|call))?"

DENOISE_RE = re.compile(rf"^(?:please\s+)?(?:de-?noise|noise[- ]reduce)(?:\s+(?:it|this|the \w+))?{WHERE}$")
REMOVE_NOISE_RE = re.compile(
    rf"^(?:remove|reduce|cut|kill|get rid of|eliminate|suppress|take out|drop|strip|filter out|clean)\s+(?:out\s+)?{_THE}"
    rf"(?P<x>{NOISE}){UNDER}?{WHERE}$")
CLEAN_RE = re.compile(
    r"^(?:clean up|clean|enhance|fix|improve|clear up|tidy up|polish|sweeten)\s+(?:the |my |this )?(?:voices?|speech|audio|"
    r"recording|sound|dialogue|vocals?|speaker|podcast|interview|call)(?:\s+quality)?(?:\s+up)?$"
    r"|^(?:clean|tidy|clear) (?:it|this) up$|^(?:enhance|polish|improve|fix) (?:it|this)(?: up)?$"
    r"|^make (?:it|this|the (?:audio|recording|voice|speech|podcast)) sound (?:a (?:bit|lot|little) )?(?:better|cleaner|clearer|"
    r"(?:more )?professional|(?:more )?polished|(?:like a )?(?:pro|studio recording))$")
KEEP_SPEECH_RE = re.compile(
    rf"^(?:(?:keep|leave) (?:only|just) {_THE}{SPEECH}|(?:isolate|extract|single out|pull out) {_THE}{SPEECH}|"
    rf"(?:keep|leave) {_THE}{SPEECH} only|(?:i )?(?:only|just) want (?:to hear )?{_THE}{SPEECH}|"
    rf"(?:remove|drop|mute|cut) everything (?:but|except) {_THE}{SPEECH})$")
LOUDER_RE = re.compile(
    rf"^(?:make|turn|bring|boost|raise|amplify|increase|pump up|push up)\s+(?:up\s+)?(?:the volume of )?{_THE}{SPEECH}\b"
    r"(?P<rest>.*)$")
LOUDER_WORDS_RE = re.compile(r"\b(?:louder|up|boost|more audible|clearer)\b|^(?:boost|raise|amplify|increase|pump|push)\b")
BACKGROUND_DOWN_RE = re.compile(
    rf"^(?:turn|bring|make|lower|reduce|duck|soften|tone)\s+(?:down\s+)?{_THE}(?P<x>{MUSIC}){UNDER}?\s*(?P<rest>.*)$")
DOWN_WORDS_RE = re.compile(r"\b(?:down|quieter|softer|lower|less loud)\b|^(?:lower|reduce|duck|soften)\b")
REMOVE_SPEECH_RE = re.compile(
    rf"^(?:remove|mute|cut|drop|get rid of|take out|delete|erase|silence|strip)\s+(?:out\s+)?{_THE}{SPEECH}{WHERE}$")
REPLACE_BG_RE = re.compile(
    rf"^(?:replace|swap|substitute)\s+{_THE}(?:{NOISE}){UNDER}?\s+(?:with|for|by)\s+(?:some |a |an |the )?(?P<s>.+)$"
    rf"|^(?:change|switch|turn)\s+{_THE}(?:{NOISE})\s+(?:to|into)\s+(?:some |a |an |the )?(?P<t>.+)$")
PAUSE_WORDS = r"(?:long |longer |awkward |the long |dead |empty )?(?:silences?|pauses?|gaps?|dead air|quiet (?:parts|bits|gaps)|breaks)"
PAUSES_RE = re.compile(
    rf"^(?!.*\b(?:start|beginning|end|ends|leading|trailing|initial)\b)(?!trim (?:the )?silence$)"
    rf"(?P<verb>remove|cut|delete|trim|drop|get rid of|strip|eliminate|skip|cut out|shorten|tighten|reduce|shrink|limit)"
    rf"\s+(?:out\s+)?{_THE}(?:long |longer )?{PAUSE_WORDS}(?:\s+(?:between|in)\s+.+?)?"
    r"(?:\s+(?:to|down to|at)\s+(?:at most |no more than |max(?:imum)? )?(?P<amt>.+))?$")
SECONDS_RE = re.compile(r"^(?P<n>\S+?|a|half a|a half|one and a half)\s*(?P<u>s|sec|secs|seconds?|ms|milliseconds?)$")


def parse_speech_layers(text: str, source: str, builder: StepBuilder) -> bool:
    """The layer clauses of the module table (False when ``text`` is none of them)."""
    g = builder.g
    text = text.strip().rstrip(".!").strip()
    if not _plain(builder):  # annotated sounds: the event parsers read these words
        return False
    if DENOISE_RE.match(text) or CLEAN_RE.match(text) or KEEP_SPEECH_RE.match(text):
        builder.remove(_background(source), source)
        g.note(f"'{source}' read as: remove the background layer (everything but the speech)")
        return True
    m = REMOVE_NOISE_RE.match(text)
    if m:
        builder.remove(_background(source), source)
        return True
    m = REPLACE_BG_RE.match(text)
    if m:
        from audioedit.planner.vocab import canonical_label

        phrase = (m["s"] or m["t"]).strip()
        sound = canonical_label(phrase) or phrase.replace(" ", "_")
        if g.sounds and sound not in g.sounds:
            g.fail(source, f"no {phrase!r} in the sound bank; it has {', '.join(sorted(g.sounds)[:12])}")
            return True
        builder.replace(_background(source), sound, source)
        return True
    m = LOUDER_RE.match(text)
    if m and LOUDER_WORDS_RE.search(m["rest"] or text) and not DOWN_WORDS_RE.search(m["rest"]):
        gain, how = loudness_gain_db(m["rest"], +1)
        builder.loudness(_speech(source), gain, source)
        g.note(f"'{source}': speech layer {gain:+g} dB ({how})")
        return True
    m = BACKGROUND_DOWN_RE.match(text)
    if m and (DOWN_WORDS_RE.search(m["rest"]) or DOWN_WORDS_RE.search(text.split()[0])):
        gain, how = loudness_gain_db(m["rest"], -1)
        builder.loudness(_background(source, "music" if MUSIC_WORD_RE.search(m["x"]) else "background"), gain, source)
        g.note(f"'{source}': background layer {gain:+g} dB ({how})")
        return True
    if REMOVE_SPEECH_RE.match(text):
        builder.remove(_speech(source), source)
        return True
    return False


def parse_pauses(text: str, source: str, builder: StepBuilder) -> bool:
    """"remove the silences", "shorten the pauses to half a second", "cut the dead air"."""
    m = PAUSES_RE.match(text.strip().rstrip(".!").strip())
    if m is None:
        return False
    shorten = m["verb"] in ("shorten", "tighten", "reduce", "shrink", "limit", "trim")
    pause_s = SHORTEN_PAUSE_S if shorten else REMOVE_PAUSE_S
    if m["amt"]:
        pause_s = seconds(m["amt"])
        if pause_s is None:
            builder.g.fail(source, f"could not read {m['amt']!r} as a duration; say e.g. 'to half a second' or 'to 0.3 s'")
            return True
    elif not shorten:
        builder.g.note(f"'{source}': pauses cut to {REMOVE_PAUSE_S:g} s (a natural gap is kept between phrases)")
    pause_s = min(max(pause_s, 0.05), 10.0)
    builder.add_step(PausesStep, source, instruction=f"Shorten every pause to at most {pause_s:g} s.", max_pause_s=pause_s)
    return True


PARSERS = (parse_pauses, parse_speech_layers)
UNDER_RE = re.compile(UNDER)


def parse_layers(text: str, source: str, builder: StepBuilder) -> bool:
    """``parse_pauses`` or ``parse_speech_layers`` (the one entry ``audioedit.planner.rules.PARSERS`` lists)."""
    return any(parser(text, source, builder) for parser in PARSERS)


def is_layer_clause(text: str) -> bool:
    """Whether ``text`` is one of the module table's clauses (they need no detected events)."""
    t = text.lower().strip().rstrip(".!").strip()
    louder, down = LOUDER_RE.match(t), BACKGROUND_DOWN_RE.match(t)
    return (any(r.match(t) for r in (DENOISE_RE, CLEAN_RE, KEEP_SPEECH_RE, REMOVE_NOISE_RE, REPLACE_BG_RE, REMOVE_SPEECH_RE,
                                     PAUSES_RE))
            or bool(louder and LOUDER_WORDS_RE.search(louder["rest"] or t) and not DOWN_WORDS_RE.search(louder["rest"]))
            or bool(down and (DOWN_WORDS_RE.search(down["rest"]) or DOWN_WORDS_RE.search(t.split()[0]))))


def seconds(text: str) -> float | None:
    """'half a second' -> 0.5, '300 ms' -> 0.3, '1.5 s' -> 1.5, 'a second' -> 1.0, '2' -> 2.0."""
    t = text.strip().lower().removesuffix(" long")
    if t in ("half a second", "a half second", "half second"):
        return 0.5
    if t in ("a second", "one second", "a sec"):
        return 1.0
    if t in ("a quarter second", "a quarter of a second", "quarter of a second"):
        return 0.25
    m = SECONDS_RE.match(t)
    if m is None:
        value = number_value(t)
        return value
    n = {"a": 1.0, "half a": 0.5, "a half": 0.5, "one and a half": 1.5}.get(m["n"]) or number_value(m["n"])
    if n is None:
        return None
    return n / 1000 if m["u"].startswith("m") else n


def _speech(source: str) -> EventRef:
    return EventRef(label="speech", text=source, scope="speech")


def _background(source: str, label: str = "background") -> EventRef:
    return EventRef(label=label, text=source, scope="background")


def _plain(builder: StepBuilder) -> bool:
    """A plain recording: a scene with no events or only detected ones (no annotation, no stems)."""
    scene = builder.g.scene
    return scene is not None and scene.events_from in (EventsFrom.NONE, EventsFrom.DETECTED)
