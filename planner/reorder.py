"""The reorder parser: swaps, "move X before/after Y", "play X first/last", "X first, then Y",
"push it later" / "make X come earlier".

Targets are listed in the order they should play after the edit (``ReorderStep``); a sound an
earlier replace step brings in is referred to by its label, and stands where the replaced event
was (``Grounding.replaced``) when its position matters.
"""

from __future__ import annotations

import re

from audioedit.steps import EventRef
from audioedit.planner.amounts import NUM
from audioedit.planner.builder import StepBuilder
from audioedit.planner.refs import UNIT, Grounding, addable_label, clean_phrase, names_scene_sound

SWAP_RE = re.compile(
    r"^(?:swap|switch|exchange|interchange|trade|flip|reverse(?: the order of)?)\s+(?:the\s+(?:order|positions?|places?)"
    r"\s+of\s+)?(?P<a>.+?)\s+(?P<sep>and|with|&)\s+(?P<b>.+?)(?:\s+(?:around|round|over|places|positions|in time))?$"
)
SWAP_DECL_RE = re.compile(r"^(?P<a>.+?)\s+and\s+(?P<b>.+?)\s+(?:should\s+)?(?:swap|switch|trade|exchange)"
                          r"(?:\s+(?:places|positions|order))?$")
MOVE_RE = re.compile(
    r"^(?:put|move|place|play|have|shift|reorder|schedule|bring|let|make)\s+(?P<a>.+?)\s+"
    r"(?:so (?:that )?it (?:comes|plays)\s+|(?:come|go|play|happen|occur|start|sound)\s+)?"
    r"(?P<rel>before|after|ahead of|in front of|behind|following|prior to|earlier than|later than)\s+(?P<b>.+)$"
)
ORDER_DECL_RE = re.compile(
    r"^(?P<a>.+?)\s+(?:should\s+|must\s+|needs? to\s+|has to\s+|to\s+)?(?:come|go|play|happen|occur|start|sound|"
    r"be heard|be|appear)?\s*(?P<rel>before|after|ahead of|prior to|earlier than|later than)\s+(?P<b>.+)$"
)
FIRST_LAST_RES = (
    re.compile(r"^(?:play|put|move|place|have|shift)\s+(?P<a>.+?)\s+(?P<pos>first|last|at the (?:very )?(?:start|beginning|end)"
               r"|to the (?:very )?(?:start|beginning|end|front|back))$"),
    re.compile(r"^(?P<a>.+?)\s+(?:should\s+)?(?:come|go|play|be)\s+(?P<pos>first|last)$"),
    re.compile(r"^(?P<pos>start|begin|open|end|finish|close)\s+with\s+(?P<a>.+)$"),
)
FIRST_THEN_RE = re.compile(r"^(?:play|put|have|let|hear)\s+(?P<a>.+?)\s+first\s*,?\s*(?:and\s+)?(?P<rel>then)\s+(?P<b>.+)$")
LATER_RE = re.compile(
    r"^(?:(?:push|move|shift|put|make|have|play|let|bring|place)\s+)?(?:(?P<a>.+?)\s+)?(?:(?:come|happen|play|start|go)\s+)?"
    r"(?P<dir>later|earlier|sooner)(?:\s+(?:on|in time|in the (?:clip|recording|mix)|than (?:now|before|it is)))?$"
)
PRONOUN_RE = re.compile(r"^(?:it|them|that|this|that one|this one|the new (?:one|sound))$")
BEFORE_WORDS = frozenset({"before", "then", "ahead of", "in front of", "prior to", "earlier than"})
INDEFINITE_RE = re.compile(rf"^(?:a|an|some|several|a few|a couple of|{NUM})\b")


def _swap_targets(builder: StepBuilder, a: list[EventRef], b: list[EventRef]) -> list[EventRef]:
    """Targets for a swap: the current order reversed (as written when there is no scene)."""
    if builder.g.scene is None:
        return [*b, *a]
    onset = {e.id: e.onset_s for e in builder.g.events}

    def first_onset(refs: list[EventRef]) -> float:
        return min((onset[i] for r in refs for i in r.event_ids), default=0.0)

    return [*b, *a] if first_onset(a) <= first_onset(b) else [*a, *b]


def parse_reorder(text: str, source: str, builder: StepBuilder) -> bool:
    g = builder.g
    m = SWAP_RE.match(text) or SWAP_DECL_RE.match(text)
    if m is not None:
        new_sound = INDEFINITE_RE.match(m["b"]) or not names_scene_sound(g, m["b"])
        if "sep" in m.re.groupindex and m["sep"] == "with" and new_sound:
            a, b = g.refs(m["a"], source), addable_label(g, m["b"], source)
            if a and b:
                for ref in a:
                    builder.replace(ref, b, source)
            return True
        a, b = g.refs(m["a"], source), g.refs(m["b"], source)
        if a and b:
            builder.reorder(_swap_targets(builder, a, b), source, swap=True)
        return True
    m = MOVE_RE.match(text) or FIRST_THEN_RE.match(text)
    if m is None and (m2 := ORDER_DECL_RE.match(text)) is not None:
        if names_scene_sound(g, m2["a"]) and names_scene_sound(g, m2["b"]) and not _is_time(m2["b"]):
            m = m2
    if m is not None and not _is_time(m["b"]) and not INDEFINITE_RE.match(m["a"]) and not _is_whole(m["b"]):
        a, b = pronoun_refs(g, m["a"]) or g.refs(m["a"], source), g.refs(m["b"], source)
        if a and b:
            targets = [*a, *b] if m["rel"] in BEFORE_WORDS else [*b, *a]
            builder.reorder(targets, source, swap=False)
        return True
    m = LATER_RE.match(text)
    if m is not None and (m["a"] is None or PRONOUN_RE.match(clean_phrase(m["a"])) or names_scene_sound(g, m["a"])):
        _reorder_later(builder, m["a"], source, later=m["dir"] == "later")
        return True
    for pattern in FIRST_LAST_RES:
        m = pattern.match(text)
        if m is None or INDEFINITE_RE.match(m["a"]):
            continue
        if pattern is not FIRST_LAST_RES[0] or names_scene_sound(g, m["a"]):
            first = re.search(r"first|start|begin|open|front", m["pos"]) is not None
            _reorder_to_edge(builder, m["a"], source, first)
            return True
    return False


def _is_whole(text: str) -> bool:
    return re.match(r"^(?:everything|it all|all|the (?:whole )?(?:scene|mix|recording))$", clean_phrase(text)) is not None


def pronoun_refs(g: Grounding, phrase: str | None) -> list[EventRef] | None:
    """'it' / 'them' / nothing: the previous clause's targets (None when there are none)."""
    if (phrase is None or PRONOUN_RE.match(clean_phrase(phrase))) and g.last_refs:
        g.note(f"'{phrase or ''}' read as the previous target(s): {', '.join(r.label for r in g.last_refs)}")
        return list(g.last_refs)
    return None


def _ref_ids(g: Grounding, ref: EventRef) -> list[str]:
    """The scene ids a ref stands for (a sound created by a replace stands where the replaced events were)."""
    return list(ref.event_ids) or list(g.replaced.get(ref.label, []))


def _reorder_later(builder: StepBuilder, phrase: str | None, source: str, later: bool) -> None:
    """'push it later' / 'make the dog come earlier': swap places with the next / previous foreground event."""
    g = builder.g
    if g.scene is None:
        g.fail(source, f"'{source}' needs the recording's events to know what to move past")
        return
    refs = pronoun_refs(g, phrase)
    if refs is None:
        if phrase is None:
            g.fail(source, f"what should come {'later' if later else 'earlier'} in '{source}'? name the sound")
            return
        refs = g.refs(phrase, source)
    if not refs:
        return
    ref, ids = refs[0], _ref_ids(g, refs[0])
    mine = [e for e in g.events if e.id in ids]
    if not mine:
        g.fail(source, f"'{source}': cannot tell where {ref.label} is in the recording")
        return
    start = min(e.onset_s for e in mine)
    others = sorted((e for e in g.events if e.role == "foreground" and e.id not in ids), key=lambda e: e.onset_s)
    others = [e for e in others if e.onset_s > start] if later else [e for e in others if e.onset_s < start][::-1]
    if not others:
        g.note(f"'{source}': {ref.label} already plays {'last' if later else 'first'}; nothing to do")
        return
    edge = others[0]
    same = sorted((e for e in g.events if e.label == edge.label), key=lambda e: e.onset_s)
    n = same.index(edge) + 1
    other = EventRef(label=edge.label, text=edge.id, select="all" if len(same) == 1 else "nth",
                     n=None if len(same) == 1 else n, event_ids=[edge.id])
    builder.reorder([other, ref] if later else [ref, other], source, swap=False)
    g.last_refs = [ref]


def _is_time(text: str) -> bool:
    return re.match(rf"^\s*(?:{NUM})\s*{UNIT}|^\s*\d+:\d", text) is not None


def _reorder_to_edge(builder: StepBuilder, phrase: str, source: str, first: bool) -> None:
    """'play X first' / 'X last': swap X with the foreground event now playing first / last."""
    g = builder.g
    if g.scene is None:
        g.fail(source, f"'{source}' needs the recording's events to know what {phrase!r} should move past")
        return
    refs = g.refs(phrase, source)
    if not refs:
        return
    ref = refs[0]
    mine = [e for e in g.events if e.id in ref.event_ids]
    others = [e for e in g.events if e.role == "foreground" and e.id not in ref.event_ids]
    others.sort(key=lambda e: e.onset_s)
    if not others:
        g.note(f"'{source}': nothing else in the foreground to move {ref.label} past; nothing to do")
        return
    edge = others[0] if first else others[-1]
    already = min(e.onset_s for e in mine) <= edge.onset_s if first else max(e.onset_s for e in mine) >= edge.onset_s
    if already:
        g.note(f"'{source}': {ref.label} already plays {'first' if first else 'last'}; nothing to do")
        return
    same = sorted((e for e in g.events if e.label == edge.label), key=lambda e: e.onset_s)
    n = same.index(edge) + 1
    other = EventRef(label=edge.label, text=edge.id, select="nth", n=n, event_ids=[edge.id])
    builder.reorder([ref, other] if first else [other, ref], source, swap=False)
