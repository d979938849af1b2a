"""Clause parsers for replace, add, speed and loudness (reorder: ``audioedit.planner.reorder``; remove: ``audioedit.planner.remove``).

Each parser takes the tidied lower-case clause, the clause as written (``source``) and the
``StepBuilder``; it returns False when the clause is not of its kind, True once it has emitted
steps or recorded why it could not (an unresolved entry). ``audioedit.planner.rules.PARSERS`` tries them in
order, so a parser may rely on the earlier ones having declined.
"""

from __future__ import annotations

import re

from audioedit.steps import EventRef
from audioedit.planner.amounts import (
    ADD_SNR_DB,
    DB_RE,
    DOUBLE_SPEED_RE,
    FACTOR_OF_RE,
    HALF_SPEED_RE,
    LENGTH_RE,
    IN_HALF_RE,
    LARGE_RE,
    MAX_COUNT,
    NUM,
    NUMBER_WORDS,
    PERCENT_RE,
    SMALL_RE,
    TIMES_AS_RE,
    TIMES_RE,
    loudness_gain_db,
    number_value,
    speed_factor,
)
from audioedit.ops.trim import TIME
from audioedit.planner.builder import StepBuilder
from audioedit.planner.refs import (
    AT_START_S,
    BEFORE_MARGIN_S,
    END_MARGIN_S,
    UNIT,
    WINDOW_RES,
    WRAPPER_RE,
    split_refs,
    addable_label,
    clean_phrase,
    names_scene_sound,
    time_value,
)

# ------------------------------------------------------------------------------------- replace
REPLACE_RES = (
    re.compile(r"^(?P<verb>replace|substitute)\s+(?P<a>.+?)\s+(?P<sep>with|by|for|to|into)\s+(?P<b>.+)$"),
    re.compile(r"^(?:swap|switch|exchange|trade)\s+(?:out\s+)?(?P<a>.+?)\s+for\s+(?P<b>.+)$"),
    re.compile(r"^(?:turn|change|transform|convert|make)\s+(?P<a>.+?)\s+into\s+(?P<b>.+)$"),
    re.compile(r"^(?:change|switch)\s+(?P<a>.+?)\s+to\s+(?P<b>.+)$"),
    re.compile(r"^(?:make|let)\s+(?P<a>.+?)\s+(?:sound like|become)\s+(?P<b>.+)$"),
    re.compile(r"^instead\s+of\s+(?P<a>.+?),?\s+(?:(?:use|put|have|play|add)\s+)?(?P<b>(?:a|an|some)\b.+)$"),
    re.compile(r"^(?:use|put|have|play|add)?\s*(?P<b>.+?)\s+instead\s+of\s+(?P<a>.+)$"),
    re.compile(r"^(?P<a>.+?)\s+(?:should|must|needs? to|has to)\s+(?:be\s+)?(?:replaced|swapped|substituted)\s+"
               r"(?:with|by|for)\s+(?P<b>.+)$"),
    re.compile(r"^(?:i'?d|i would|we'?d|we would)\s+(?:rather|prefer(?: to)?)\s+(?:have|hear|use|get)\s+(?P<b>.+?)\s+"
               r"(?:than|instead of|rather than|over)\s+(?P<a>.+)$"),
)
NOT_A_SOUND_RE = re.compile(rf"\b(?:{NUM})\s*(?:db|%|x\b|times|percent)|\b(?:volume|level|speed|tempo|left|right)\b")

def parse_replace(text: str, source: str, builder: StepBuilder) -> bool:
    g = builder.g
    for pattern in REPLACE_RES:
        m = pattern.match(text)
        if m is None or NOT_A_SOUND_RE.search(m["b"]):
            continue
        a, b = m["a"], m["b"]
        if "verb" in pattern.groupindex and m["verb"] == "substitute" and m["sep"] == "for":
            a, b = b, a
        if re.match(r"^(?:this|it|the (?:recording|clip|audio|scene|mix|whole thing))$", clean_phrase(a)):
            g.fail(source, f"restyling the whole recording ('{source}') is not one of the six operations (add, remove, "
                           "replace, reorder, loudness, speed); say which sounds to add, remove or change")
            return True
        if not names_scene_sound(g, a) and names_scene_sound(g, b) and "instead" in text:
            a, b = b, a
        refs = g.refs(a, source)
        sound = addable_label(g, b, source)
        if refs and sound:
            for ref in refs:
                builder.replace(ref, sound, source)
            g.replaced[sound] = [i for ref in refs for i in ref.event_ids]
            g.last_refs = [EventRef(label=sound, text=f"the {sound} that replaces {refs[0].label}")]
        builder.last_verb = None
        return True
    return False


# ------------------------------------------------------------------------------------- add
ADD_RE = re.compile(
    r"^(?:add|insert|include|layer(?: in)?|mix in|bring in|introduce|throw in|drop in|put in|overlay|append|"
    r"sprinkle(?: in)?|lay(?: in| down)?|give (?:it|this|the (?:recording|scene|clip|mix|track|audio)))\s+(?P<obj>.+)$"
)
ADD_SOFT_RE = re.compile(
    r"^(?:put|place|have|i want|i'd like|i would like|give me|there should be|let there be|i need|we need|"
    r"there's|there is|can we have|can i have|hear|let me hear|i want to hear|i'd like to hear)\s+"
    r"(?P<obj>(?:a|an|some|several|a few|a couple of|the sounds? of (?!the\b)|"
    rf"{NUM})\b.+)$"
)
BACKGROUND_POS_RE = re.compile(
    r"\b(?:in|into|to) the background\b|\bas (?:a |the )?background(?: sound| layer| ambience)?\b|\bthroughout\b|"
    r"\b(?:behind|underneath|under|beneath) (?:everything|it all|the (?:whole )?(?:scene|mix|recording|clip|track))\b|"
    r"\bunderneath\b|\ball the way through\b|\bthe whole time\b|\bfor the whole (?:clip|recording)\b|"
    r"\b(?:a|the|some) background (?:of|with)\b|\b(?:ambience|ambiance|ambient|atmosphere|backdrop|bed)\b"
)
BG_ADD_RE = re.compile(r"^(?:put|place|lay|set|have|bring in|bring|slip)\s+(?P<obj>.+)$")
AT_TIME_RE = re.compile(
    rf"\b(?:at|around|starting at|from|after|about)\s+(?:second\s+)?(?P<a>\d+:\d{{2}}(?:\.\d+)?|{NUM})\s*(?:{UNIT})?"
    rf"(?!\s*(?:db|%|x\b|times))|\b(?P<b>{NUM})\s*{UNIT}\s+in\b"
)
REF_POS_RES = (
    ("after", re.compile(r"\b(?:right |just |immediately |shortly )?(?:after|following|once)\s+(?P<ref>.+?)"
                         r"(?:\s+(?:ends|finishes|stops|is over))?$")),
    ("before", re.compile(r"\b(?:right |just )?before\s+(?P<ref>.+)$")),
    ("with", re.compile(r"\b(?:together with|at the same time as|alongside|during|when|while|over|with)\s+"
                        r"(?P<ref>the .+?)(?:\s+(?:starts|begins|plays))?$")),
)
SNR_RE = re.compile(rf"\b(?:at|with|@)?\s*(?P<sign>[+-]|minus )?(?P<n>{NUM})\s*(?:db|decibels?)\b(?:\s*snr)?")
LOUD_ADD_RE = re.compile(r"\b(?:loud|loudly|prominent|prominently|clearly)\b")
QUIET_ADD_RE = re.compile(
    r"\b(?:quiet|quietly|soft|softly|faint|faintly|subtle|subtly|gentle|gently|distant|far away)\b"
)
PAN_RE = re.compile(r"\b(?:at|on|to) the (?:left|right|front|back)\b|\b(?:left|right) (?:side|channel)\b")
TRAIL_COUNT_RE = re.compile(
    rf"\b(?P<n>{NUM})\s+times\b|\b(?P<w>twice|thrice)\b|\b(?P<s>several|repeated)(?:ly| times)\b"
)
LEAD_COUNT_RE = re.compile(rf"^(?P<n>a couple of|a pair of|a few|several|{NUM})\s+(?:of\s+)?")


def parse_add_background(text: str, source: str, builder: StepBuilder) -> bool:
    """'put traffic behind everything', 'lay rain underneath the scene': a new background layer
    (only when the sound is not already in the scene; 'put the siren in the background' is not an add)."""
    m = BG_ADD_RE.match(text)
    if m is None or BACKGROUND_POS_RE.search(m["obj"]) is None:
        return False
    sound = BACKGROUND_POS_RE.sub(" ", re.sub(r"\bthe sounds? of\b", " ", m["obj"]))
    if builder.g.scene is not None and names_scene_sound(builder.g, sound):
        return False
    _add_item(m["obj"], source, builder)
    builder.last_verb = "add"
    return True


def parse_add(text: str, source: str, builder: StepBuilder) -> bool:
    m = ADD_RE.match(text) or ADD_SOFT_RE.match(text)
    if m is None:
        return False
    for item in split_refs(m["obj"]):
        _add_item(item, source, builder)
    builder.last_verb = "add"
    return True


def _add_item(item: str, source: str, builder: StepBuilder) -> None:
    """One added sound: '3 knocks near the end', 'rain in the background', 'a bird after the siren'."""
    g = builder.g
    role, snr_db, word_db, positioned = "foreground", None, None, False  # snr_db: dB asked; word_db: 'loud' / 'quiet'
    if (pm := PAN_RE.search(item)) is not None:
        g.note(f"'{pm.group(0)}': stereo placement is not supported; ignored")
        item = item.replace(pm.group(0), " ")
    if (sm := SNR_RE.search(item)) is not None:
        snr_db = (number_value(sm["n"]) or 0.0) * (-1 if (sm["sign"] or "").strip() in {"-", "minus"} else 1)
        item = item.replace(sm.group(0), " ")
    elif LOUD_ADD_RE.search(item):
        word_db = ADD_SNR_DB["loud"]
    elif QUIET_ADD_RE.search(item):
        word_db = ADD_SNR_DB["quiet"]
    item = QUIET_ADD_RE.sub(" ", LOUD_ADD_RE.sub(" ", item))
    at_s: float | None = None
    if BACKGROUND_POS_RE.search(item) is not None:
        role = "background"
        item = BACKGROUND_POS_RE.sub(" ", item)
    else:
        notes_before = len(g.assumptions)
        at_s, item, ok = _add_position(item, source, builder)
        if not ok:
            return
        positioned = len(g.assumptions) > notes_before
    count, item = _count(item)
    item = re.sub(r"^\s*(?:(?:a|an|some|the)\s+)?sounds?\s+of\s+|\s+to (?:the|this) (?:recording|scene|clip|mix|track)\b",
                  " ", item)
    sound = addable_label(g, item, source)
    if sound is None:
        return
    bank_role = builder.bank_role(sound, role)
    if snr_db is None:  # 'loud' / 'quiet' set an event's level; a bed, or an event asked as a bed, keeps the bed's
        events = role == bank_role == "foreground"
        snr_db = (ADD_SNR_DB["foreground"] if word_db is None else word_db) if events else ADD_SNR_DB["background"]
    role = bank_role
    if role == "foreground" and at_s is None and not positioned:
        g.note(f"no time given for the added {sound}; the executor picks one")
    builder.add(sound, source, at_s, count, snr_db, role)


def _add_position(item: str, source: str, builder: StepBuilder) -> tuple[float | None, str, bool]:
    """``(at_s, item without the position words, ok)``; ok is False when an unresolved was recorded."""
    g, d = builder.g, builder.g.duration_s
    if (m := AT_TIME_RE.search(item)) is not None:
        at = time_value(m["a"] or m["b"])
        if d is not None and at is not None and at >= d:
            g.fail(source, f"{at:g} s is past the end of the {d:g} s recording; give a time between 0 and {d:g} s")
            return None, item, False
        return at, item.replace(m.group(0), " "), True
    for kind, pattern in WINDOW_RES[-3:]:
        if (m := pattern.search(item)) is None:
            continue
        rest = item.replace(m.group(0), " ")
        if kind == "start":
            return (min(AT_START_S, d / 2) if d else AT_START_S), rest, True
        if d is None:
            g.note(f"no scene: '{m.group(0)}' needs the recording's duration; the executor picks the time")
            return None, rest, True
        return (d / 2 if kind == "middle" else max(0.0, d - END_MARGIN_S)), rest, True
    for kind, pattern in REF_POS_RES:
        m = pattern.search(item)
        if m is None or not names_scene_sound(g, m["ref"]):
            continue
        rest = item[: m.start()]
        if g.scene is None:
            g.note(f"no scene: '{m.group(0).strip()}' needs the recording's events; the executor picks the time")
            return None, rest, True
        refs = g.refs(m["ref"], source)
        if not refs:
            return None, rest, False
        events = [e for e in g.events if e.id in refs[0].event_ids]
        first = min(events, key=lambda e: e.onset_s)
        at = {"after": first.offset_s, "before": max(0.0, first.onset_s - BEFORE_MARGIN_S), "with": first.onset_s}[kind]
        return at, rest, True
    return None, item, True


def _count(item: str) -> tuple[int, str]:
    count = 1
    if (m := TRAIL_COUNT_RE.search(item)) is not None:
        count = int(NUMBER_WORDS.get(m["w"] or "", number_value(m["n"]) if m["n"] else 3) or 1)
        item = item.replace(m.group(0), " ")
    lead = LEAD_COUNT_RE.match(item.strip())
    if lead is not None:
        value = number_value(lead["n"])
        if count == 1 and value is not None and value >= 1:
            count = int(value)
        item = item.strip()[lead.end() :]
    return max(1, min(MAX_COUNT, count)), item


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    """One regex matching any of ``patterns`` (their named groups made anonymous)."""
    return re.compile("|".join(f"(?:{re.sub(r'[(][?]P<[a-z_]+>', '(?:', p)})" for p in patterns))


# ------------------------------------------------------------------------------------- speed
SPEED_TRIGGER_RE = re.compile(
    r"\b(?:faster|slower|quicker|speed|sped|accelerate|quicken|hurry|decelerate|slow(?:ed)?\b.*\bdown|"
    r"slow down|as fast|as quick|as slow|times faster|times slower|playback rate|time[- ]?stretch|stretch|"
    r"(?:its|their) (?:original )?(?:length|duration))\b|\d(?:\.\d+)?\s*x\b|(?:speed|tempo|rate).*\bby a factor of\b"
)
FASTER_RE = re.compile(r"\b(?:faster|quicker|speed(?:\s+\S+){0,6}?\s+up|sped up|accelerate|quicken|hurry|double)\b")
SLOWER_RE = re.compile(r"\b(?:slower|slow(?:\s+\S+){0,6}?\s+down|slow|decelerate|half[- ]speed|half as fast)\b")
NO_PITCH_RE = re.compile(
    r"\b(?:pitch (?:too|as well|changes?|shift)|(?:change|shift|raise|lower)s? (?:the )?pitch|like (?:a )?tape|"
    r"chipmunk|playback rate|vinyl|(?:don't|do not) (?:keep|preserve) (?:the )?pitch|without (?:keeping|preserving) "
    r"(?:the )?pitch)\b"
)
KEEP_PITCH_SAID_RE = re.compile(
    r"\b(?:without|not|no|(?:don'?t|do not|never))\s+(?:chang|alter|affect|shift|rais|lower)(?:e|es|ed|ing)?\s+"
    r"(?:the\s+|its\s+|their\s+)?pitch\b|\b(?:keep(?:ing)?|preserv(?:e|ing)|maintain(?:ing)?|retain(?:ing)?|same)\s+"
    r"(?:the\s+|its\s+|their\s+)?(?:original\s+)?pitch(?:\s+(?:unchanged|intact|the same))?\b|"
    r"\b(?:the\s+|its\s+|their\s+)?pitch\s+(?:unchanged|intact|preserved|kept|the same|constant)\b"
)
KEEP_PITCH_RE = re.compile(KEEP_PITCH_SAID_RE.pattern + r"|\bpitch\b")  # for stripping: the bare word too
SPEED_STRIP_RE = _alternation(
    [LENGTH_RE.pattern, FACTOR_OF_RE.pattern, IN_HALF_RE.pattern, TIMES_AS_RE.pattern, HALF_SPEED_RE.pattern,
              DOUBLE_SPEED_RE.pattern, PERCENT_RE.pattern, TIMES_RE.pattern,
              SMALL_RE.pattern, LARGE_RE.pattern, KEEP_PITCH_RE.pattern, NO_PITCH_RE.pattern,
              r"\b(?:time[- ]?stretch|stretch|compress)\b",
              r"\b(?:make|play|speed|sped|slow|accelerate|quicken|hurry|decelerate|render|set|have|run|change|"
              r"faster|slower|quicker|fast|slow|quick|up|down|speed|tempo|pace|rate|playback|original|by|at|to|than|"
              r"before|normal|while|and|without|with|x)\b"]
)


def _keeps_pitch(text: str) -> bool:
    """False when the text asks for a pitch change ('like a tape', "don't keep the pitch"); the
    longer of a keep / change phrase wins ("don't change the pitch" keeps it)."""
    change, keep = NO_PITCH_RE.search(text), KEEP_PITCH_SAID_RE.search(text)
    if change is None:
        return True
    return keep is not None and keep.end() - keep.start() > change.end() - change.start()


def parse_speed(text: str, source: str, builder: StepBuilder) -> bool:
    if SPEED_TRIGGER_RE.search(text) is None:
        return False
    direction = 1 if FASTER_RE.search(text) else -1 if SLOWER_RE.search(text) else 0
    factor, how = speed_factor(text, direction)
    keep_pitch = _keeps_pitch(text)
    refs = _target_refs(SPEED_STRIP_RE.sub(" ", WRAPPER_RE.sub(" ", text)), text, source, builder, "change the speed of")
    if refs is None:
        return True
    if not 0.1 < factor <= 10:
        builder.g.fail(source, f"speed factor {factor:g} is out of range; give a factor in (0.1, 10]")
        return True
    for ref in refs:
        builder.speed(ref, factor, keep_pitch, source)
    builder.last_verb = "speed up" if factor >= 1 else "slow down"
    return True


# ------------------------------------------------------------------------------------- loudness
UP_RE = re.compile(
    r"\b(?:louder|boost|turn(?:\s+\S+){0,6}?\s+up|crank|pump|bring(?:\s+\S+){0,6}?\s+(?:up|out|forward)|raise|"
    r"increase|amplify|emphasi[sz]e|accentuate|enhance|strengthen|volume up|more prominent|more audible|louden|"
    r"too (?:quiet|soft)|can'?t hear|barely audible|hard to hear|push(?:\s+\S+){0,6}?\s+forward|double|up)\b"
)
DOWN_RE = re.compile(
    r"\b(?:quieter|softer|less loud|turn(?:\s+\S+){0,6}?\s+down|bring(?:\s+\S+){0,6}?\s+down|lower|reduce|decrease|"
    r"attenuate|quieten|tone(?:\s+\S+){0,6}?\s+down|dampen|soften|volume down|less prominent|less audible|"
    r"too loud|push(?:\s+\S+){0,6}?\s+back|back off|tame|duck|dim|halve|down|cut|drop)\b"
)
VOLUME_RE = re.compile(r"\b(?:volume|level|gain|loudness|as loud|as quiet|as soft|louder|quieter|softer|db|decibels?)\b|%|"
                       r"\b(?:in|by) half\b|\bhalve")
ABSOLUTE_DB_RE = re.compile(rf"\b(?:to|at)\s+(?P<sign>[+-]|minus )?(?P<n>{NUM})\s*(?:db|decibels?)(?:fs)?\b"
                            r"(?!\s*(?:louder|quieter|softer|more|less|up|down|higher|lower))")
LOUD_STRIP_RE = _alternation(
    [TIMES_AS_RE.pattern, DB_RE.pattern, PERCENT_RE.pattern, IN_HALF_RE.pattern, SMALL_RE.pattern,
              LARGE_RE.pattern,
              r"\b(?:make|set|adjust|change|get|have|render|keep|bring|turn|crank|pump|push|boost|raise|lower|reduce|"
              r"decrease|increase|amplify|attenuate|emphasi[sz]e|accentuate|enhance|strengthen|quieten|tone|dampen|"
              r"soften|duck|dim|cut|drop|louden|tame|double|halve|up|down|out|forward|back|off|louder|quieter|softer|loud|quiet|"
              r"soft|less|more|prominent|audible|volume|level|gain|loudness|than (?:before|now|it is|the rest)|by|to|"
              r"is|are|should|be|too|can'?t|cannot|hear|barely|hard|i|than|as|times|x)\b"]
)


# '3 to 5 s' -> '3-5 s' (a stretch of time survives the stripping of the word 'to'); '3 to 6 dB' is left alone
_RANGE_RE = re.compile(rf"\b(?P<a>{TIME}) ?(?:to|until|till|through) ?(?P<b>{TIME})")
_TIME_UNIT_RE = re.compile(r":|\b(?:ms|s|secs?|seconds?|mins?|minutes?)\b")


def parse_loudness(text: str, source: str, builder: StepBuilder) -> bool:
    text = _RANGE_RE.sub(lambda m: f"{m['a']}-{m['b']}" if _TIME_UNIT_RE.search(m.group(0)) else m.group(0), text)
    if (am := ABSOLUTE_DB_RE.search(text)) is not None:
        return _absolute_level(text, am, source, builder)
    up, down = UP_RE.search(text), DOWN_RE.search(text)
    weak_down = down is not None and down.group(0) in {"cut", "drop", "down"}
    if up is None and (down is None or (weak_down and not VOLUME_RE.search(text))) and not VOLUME_RE.search(text):
        return False
    direction = -1 if down is not None and (up is None or down.start() < up.start() or "too loud" in text) else 1
    explicit_sign = (dbm := DB_RE.search(text)) is not None and bool(dbm["sign"])
    if up is None and down is None and not TIMES_AS_RE.search(text) and not explicit_sign:
        direction = -1 if builder.last_verb == "turn down" else 1
        builder.g.note(f"'{source}' does not say louder or quieter; read as {'quieter' if direction < 0 else 'louder'}"
                       + (" like the previous clause" if builder.last_verb in {"turn up", "turn down"} else ""))
    gain_db, how = loudness_gain_db(text, direction)
    rest = LOUD_STRIP_RE.sub(" ", WRAPPER_RE.sub(" ", text))
    refs = _target_refs(rest, text, source, builder, "change the loudness of")
    if refs is None:
        return True
    for ref in refs:
        builder.loudness(ref, gain_db, source)
    builder.last_verb = "turn up" if gain_db >= 0 else "turn down"
    return True


def _absolute_level(text: str, m: re.Match[str], source: str, builder: StepBuilder) -> bool:
    """'set the horn to -20 dB': gain = target level - the event's measured level (needs level_db)."""
    g = builder.g
    target_db = (number_value(m["n"]) or 0.0) * (-1 if (m["sign"] or "").strip() in {"-", "minus"} else 1)
    refs = _target_refs(LOUD_STRIP_RE.sub(" ", text.replace(m.group(0), " ")), text, source, builder,
                        "set the level of")
    for ref in refs or ():
        levels = [e.level_db for e in g.events if e.id in ref.event_ids and e.level_db is not None]
        if g.scene is None or not levels or len(levels) < len(ref.event_ids):
            g.fail(source, f"setting {ref.label} to {target_db:g} dB needs its measured level (level_db), which the "
                           "scene does not give; ask for a change instead, e.g. '6 dB quieter'")
            continue
        builder.loudness(ref, max(-60.0, min(40.0, target_db - sum(levels) / len(levels))), source)
    builder.last_verb = None
    return True


def _target_refs(rest: str, text: str, source: str, builder: StepBuilder, what: str) -> list[EventRef] | None:
    """The refs left after stripping op words; 'it' and nothing reuse the previous clause's targets."""
    g = builder.g
    phrase = clean_phrase(rest)
    overall = re.search(r"\b(?:overall|everything(?! else)|whole|entire|all sounds|the mix)\b", text) is not None
    if overall and not names_scene_sound(g, phrase):
        phrase = "everything"
    elif phrase in {"", "it", "them", "they", "this", "that", "those", "these", "its", "the"}:
        if g.last_refs:
            g.note(f"'{source}' applies to the previous target(s): {', '.join(r.label for r in g.last_refs)}")
            return g.last_refs
        if phrase == "":
            g.fail(source, f"which sound should I {what} in '{source}'? this recording has {g.has_text()}")
            return None
        phrase = "everything"
    refs = g.refs(phrase, source)
    if refs:
        g.last_refs = refs
    return refs
