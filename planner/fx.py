"""Explicit room and timbre requests -> reverb / eq steps (the registry ops of ``audioedit/ops``).

    >>> from audioedit.planner.rules import plan_rules
    >>> [(s.op, s.target.scope, s.preset) for s in plan_rules("make it sound muffled").steps]
    [('eq', 'recording', 'muffled')]
    >>> s = plan_rules("reverb the speech with reverb level 5", sounds=()).steps[0]
    >>> (s.op, s.target.label, s.wet_level)
    ('reverb', 'speech', 0.5)

"add reverb", "add a church reverb to the voice", "reverb X with reverb level N" (1-10 -> wet N/10),
"make X (sound) more muffled / brighter / darker / like a telephone / like an old radio / underwater",
"change the timbre of X to be more muffled", "boost the bass", "less treble on the music", "turn the bass
down". X = "it", "this", "the recording", ... (the whole file) or
a sound in the scene.
"""

from __future__ import annotations

import re

from audioedit.ops import eq, reverb
from audioedit.planner.builder import StepBuilder
from audioedit.planner.refs import names_scene_sound

ROOM_WORDS = {"small room": "small_room", "room": "small_room", "medium room": "medium_room", "hall": "large_hall",
              "large hall": "large_hall", "concert hall": "large_hall", "church": "church", "cathedral": "church"}
PRESET_WORDS = {"muffled": "muffled", "darker": "darker", "dull": "muffled", "brighter": "brighter",
                "warmer": "darker", "mellower": "darker", "less harsh": "darker", "less shrill": "darker",
                "crisper": "brighter", "like a telephone": "telephone", "like a phone": "telephone",
                "like a phone call": "telephone", "telephone": "telephone", "like an old radio": "radio",
                "like a radio": "radio", "radio": "radio", "underwater": "underwater", "under water": "underwater"}
_PRESET = "|".join(sorted(map(re.escape, PRESET_WORDS), key=len, reverse=True))
_ROOM = "|".join(sorted(map(re.escape, ROOM_WORDS), key=len, reverse=True))
REVERB_RES = (
    re.compile(rf"^(?:add|apply|put)\s+(?:some\s+|a\s+(?:bit of\s+|little\s+)?|more\s+)?(?:(?P<room>{_ROOM})\s+)?"
               r"(?:reverb|reverberation|echo)(?:\s+(?:to|on)\s+(?P<x>.+?))?$"),
    re.compile(r"^reverb\s+(?P<x>.+?)(?:\s+with\s+(?:a\s+)?reverb\s+level\s+(?P<level>\d+(?:\.\d+)?))?$"),
    re.compile(rf"^(?:make|let)\s+(?P<x>.+?)\s+sound\s+(?:like (?:it is |it's )?in\s+)(?:a|an|the)\s+(?P<room>{_ROOM})$"),
)
EQ_RES = (
    re.compile(rf"^(?:make|let)\s+(?P<x>.+?)\s+(?:sound\s+)?(?:a (?:bit|little)\s+)?(?:more\s+)?(?P<p>{_PRESET})$"),
    re.compile(rf"^change\s+the\s+timbre\s+of\s+(?P<x>.+?)\s+to\s+(?:be\s+|sound\s+)?(?:more\s+)?(?P<p>{_PRESET})$"),
)


_UP = r"boost|increase|raise|turn up|bring up|pump up|add(?: more| some)?|more|lift|emphasi[sz]e|enhance"
_DOWN = r"cut|reduce|lower|remove|turn down|bring down|decrease|tame|roll off|less|get rid of|take out|drop"
_BASS, _TREBLE = r"bass|low end|lows|low frequencies|rumble|boominess", r"treble|highs|high end|high frequencies"
_OF = r"(?:\s+(?:on|of|in|for|to)\s+(?P<x>.+?))?"
_HOW_MUCH = r"(?:\s+(?:a (?:little|bit|touch)(?: more)?|slightly|a lot|a little more|much more))?"  # one preset size
TONE_RES = (  # "boost the bass", "turn the treble down", "less bass on the music", "make it bassier"
    re.compile(rf"^(?P<v>{_UP}|{_DOWN})\s+(?:the\s+|some\s+|a bit of\s+|a little\s+)?(?P<band>{_BASS}|{_TREBLE}){_OF}{_HOW_MUCH}$"),
    re.compile(rf"^(?:turn|bring)\s+(?:the\s+)?(?P<band>{_BASS}|{_TREBLE})\s+(?P<v>up|down){_OF}{_HOW_MUCH}$"),
    re.compile(r"^(?:make|let)\s+(?P<x>.+?)\s+(?:sound\s+)?(?:a (?:bit|little)\s+)?(?P<v>bassier|boomier|more bassy|thinner)$"),
)


def parse_tone(text: str, builder: StepBuilder, source: str) -> bool:
    """Bass and treble requests -> eq presets (more_bass, less_bass, brighter, darker). A bass that is an
    annotated sound of the scene (a bass guitar stem) is left to the loudness parser."""
    for pattern in TONE_RES:
        m = pattern.match(text)
        if m is None:
            continue
        g = builder.g
        if g.scene is not None and g.scene.events_from in ("annotation", "stems") and names_scene_sound(g, "bass"):
            return False
        band = m.groupdict().get("band") or "bass"
        up = re.fullmatch(rf"{_UP}|up|bassier|boomier|more bassy", m["v"]) is not None
        bass = re.fullmatch(_BASS, band) is not None
        preset = ("more_bass" if up else "less_bass") if bass else ("brighter" if up else "darker")
        return _emit(builder, m["x"], source, eq.EqStep,
                     lambda ref, preset=preset: {"instruction": eq.instruction(ref, preset), "preset": preset})
    return False


def parse_fx(text: str, source: str, builder: StepBuilder) -> bool:
    text = re.sub(r"^(?:the sound of|sound of)\s+", "", text.strip().rstrip(".!"))
    if parse_tone(text, builder, source):
        return True
    for pattern in REVERB_RES:
        m = pattern.match(text)
        if m is not None:
            groups = m.groupdict()
            room = ROOM_WORDS.get(groups.get("room") or "", "medium_room")
            wet = None
            if groups.get("level"):
                wet = min(float(groups["level"]), 10.0) / 10.0
                builder.g.note(f"'{source}': reverb level {groups['level']} read as wet level {wet:g} (of 0-1)")
            return _emit(builder, groups.get("x"), source, reverb.ReverbStep,
                         lambda ref, room=room, wet=wet: {"instruction": reverb.instruction(ref, room), "room": room,
                                                                  "wet_level": wet})
    for pattern in EQ_RES:
        m = pattern.match(text)
        if m is not None:
            preset = PRESET_WORDS[m["p"]]
            return _emit(builder, m["x"], source, eq.EqStep,
                         lambda ref, preset=preset: {"instruction": eq.instruction(ref, preset), "preset": preset})
    return False


def _emit(builder: StepBuilder, phrase: str | None, source: str, cls, fields) -> bool:
    phrase = re.sub(r"\s+(?:at|on|to) the (?:left|right|front|back)$", "", (phrase or "it").strip())
    phrase = re.sub(r"^(?:the )?sound of\s+", "", phrase)
    refs = builder.g.refs(phrase, source)  # "it", "the recording": the whole file (planner.groups)
    if not refs:
        return True  # the reference's own unresolved entry says why
    for ref in refs:
        builder.add_step(cls, source, target=ref, **fields(ref))
    return True
