"""Goal-only requests, decomposed offline into atomic steps with the scene knowledge base.

    >>> plan = plan_goal_request("make it sound like a mountain cabin", sounds=("crackling_fire", "wind", "footsteps"))
    >>> [s.op for s in plan.steps]
    ['add', 'add', 'add', 'reverb']

"make it sound like a beach", "make this a busy office", "busier", "more cinematic", "less cluttered":
the goal names a scene or a mood of ``planner/assets/scenes.yaml`` (``audioedit.planner.scene_kb``). The plan

1. grounds what is present (the scene description's labels; without an annotation the pipeline detects
   the goal's sounds and clashes with CLAP, ``grounding_labels``);
2. removes the present sounds that clash with the goal, lowers the ones it says to lower (when the
   events are annotated or come from stems; a sound only detected by CLAP is left, and said so);
3. adds what belongs and is missing, the most characteristic first, at most ``max_adds`` of them
   (the rest is left for a follow-up, said in an assumption), each placed and levelled as the
   knowledge base says, using a stand-in the bank has when it lacks the label, only as a sound the bank has
   in that role (else in the role the bank has it in, said in an assumption); each add carries the top of
   its level range (``max_snr_db``), to which the loop may raise a sound the verifier cannot hear;
4. applies the room (reverb on the whole recording; none outdoors) and the timbre (EQ).

Every inference is an assumption of the plan: which scene was read, what was present, what the bank
lacks. A goal naming no known scene is unresolved, with the scenes known.
"""

from __future__ import annotations

import re

from audioedit.ops import eq, reverb
from audioedit.steps import whole_recording
from audioedit.planner.builder import StepBuilder
from audioedit.planner.scene_kb import KnowledgeBase, SceneEntry, SceneSound, load_kb
from audioedit.clap import vocabulary
from audioedit.planner.vocab import RELATED, canonical_label, display_name

MAX_STEPS = 8
ROLE_WORDS = {"foreground": "foreground events", "background": "a background bed"}
WHOLE = whole_recording("the whole recording")
_SUBJECT = r"(?:this|it|that|everything|the (?:whole |entire )?(?:recording|clip|audio|scene|mix|track|sound|thing|room))"
GOAL_RES = (
    re.compile(rf"^(?:please\s+)?(?:can you\s+|could you\s+)?(?:make|let|have|get)\s+{_SUBJECT}\s+"
               r"(?:sounds?|feels?|seem)\s+(?:more\s+)?(?:like|as if|as though|as in|as)\s+(?P<x>.+)$"),
    re.compile(rf"^(?:please\s+)?(?:make|turn|transform|change)\s+{_SUBJECT}\s+(?:into|to)\s+(?P<x>.+)$"),
    re.compile(rf"^(?:please\s+)?(?:put|place|move|set)\s+{_SUBJECT}\s+(?:in|at|on|inside|into)\s+(?P<x>.+)$"),
    re.compile(rf"^(?:please\s+)?(?:make|let)\s+{_SUBJECT}\s+(?:sounds?|feels?)\s+(?P<x>(?:under ?water|muffled|"
               r"cinematic|busier|livelier|calmer|less \w+|more \w+).*)$"),
    re.compile(rf"^(?:please\s+)?(?:make|let)\s+{_SUBJECT}\s+(?P<x>(?:a |an )?(?:\w+ ){{0,3}}(?:atmosphere|ambience|ambiance|"
               r"vibe|feel|mood|scene|soundscape))$"),
    re.compile(rf"^(?:please\s+)?(?:make|let)\s+{_SUBJECT}\s+(?P<x>(?:busier|livelier|more \w+|less \w+)(?: \w+)?)$"),
    re.compile(rf"^(?:please\s+)?(?:make|turn)\s+{_SUBJECT}\s+(?:into\s+)?(?P<x>(?:a|an)\s+.+)$"),
    re.compile(r"^(?P<x>busier|livelier|more cinematic|less cluttered|cinematic|liven (?:it|this) up|declutter(?: it| this)?)$"),
)
RESTYLE_RE = re.compile(rf"^(?:make|let|have)\s+{_SUBJECT}\s+(?:sounds?|feel)\s+(?:like|as if|as though|more like)\b")


def goal_phrase(text: str) -> str | None:
    """The goal a request names ("a beach", "busier"), or None when ``text`` is not a goal request."""
    for pattern in GOAL_RES:
        m = pattern.match(text.strip().rstrip(".!"))
        if m is not None:
            return m["x"]
    return None


GOAL_MIN_SIMILARITY = 0.70  # a goal in other words is read as the nearest scene from this cosine up


def parse_goal(text: str, source: str, builder: StepBuilder) -> bool:
    """The ``audioedit.planner.rules`` parser: a goal request -> its steps (see the module docstring)."""
    phrase = goal_phrase(text)
    if phrase is None:
        if RESTYLE_RE.match(text) is None:
            return False
        phrase = RESTYLE_RE.sub("", text)
    kb = load_kb()
    entry = kb.find(phrase) or _nearest_entry(kb, phrase, builder)
    if entry is None:
        if RESTYLE_RE.match(text) is None and goal_phrase(text) is not None and not _is_goal_word(phrase):
            return False  # "make it 3 dB quieter" and the like: not a goal, let the op parsers have it
        names = ", ".join(e.name for e in kb.entries())
        builder.g.fail(source, f"no known scene or mood in '{phrase}' (nor one close in meaning); known: {names}")
        return True
    plan_entry(entry, source, builder, kb.max_adds, kb.lower_gain_db, kb.max_snr_db)
    return True


def _nearest_entry(kb: KnowledgeBase, phrase: str, builder: StepBuilder) -> SceneEntry | None:
    """The scene or mood ``phrase`` means when no alias is in it ("the open sea" -> beach), by the sentence
    encoder (``planner/similar.py``) with a stricter bar than for sound names: shared words alone ("a space
    station" ~ "train station", 0.65) must not choose a scene. None when nothing is close."""
    from audioedit.planner.similar import MIN_MARGIN, closest_label

    by_name = {e.name: e for e in kb.entries()}
    name, sim = closest_label(phrase, {e.name: [e.name, *e.aliases] for e in kb.entries()}, GOAL_MIN_SIMILARITY, MIN_MARGIN)
    if name is not None:
        builder.g.note(f"'{phrase}' is no scene the knowledge base names; read as the nearest one, '{name}' "
                       f"(sentence similarity {sim:.2f})")
    return by_name.get(name)


def _is_goal_word(phrase: str) -> bool:
    return bool(re.search(r"\b(?:atmosphere|ambience|ambiance|vibe|mood|scene|soundscape|like|cinematic)\b", phrase))


def plan_entry(entry: SceneEntry, source: str, builder: StepBuilder, max_adds: int, lower_gain_db: float,
               max_snr_db: float = 0.0) -> None:
    g = builder.g
    g.note(f"'{source}' read as the goal '{entry.name}' (scene knowledge base): it has "
           + (", ".join(display_name(s.label) for s in entry.sounds) or "no sounds of its own")
           + (f"; {display_name(entry.room)}" if entry.room else "") + (f"; {entry.timbre} timbre" if entry.timbre else ""))
    present = {canonical_label(lab) or lab: lab for lab in g.scene_labels()}
    if g.scene is None or not present:
        g.note("the recording's sounds are unknown (no annotation, stems or detected events): nothing removed or lowered")
    fx = int(entry.room not in (None, "outdoor")) + int(entry.timbre is not None)
    adds = _adds(entry, present, g, max_adds)
    budget = MAX_STEPS - fx - len(adds)
    detected = g.scene is not None and g.scene.events_from == "detected"
    done: set[str] = set()
    clashes = {_concept(c) for c in entry.clashes}
    for kb_label, gain in [(c, None) for c in entry.clashes] + [(c, lower_gain_db) for c in entry.lower]:
        concept = _concept(kb_label)
        if concept not in present:
            concept = next((r for r in RELATED.get(concept, ()) if r in present and r not in clashes), "")
            if not concept or any(_concept(s.label) == concept for s in entry.sounds):
                continue
        if concept in done:
            continue
        done.add(concept)
        label = present[concept]
        if detected:
            g.note(f"{display_name(label)} was detected (CLAP, no annotation or stems) and "
                   + ("clashes with" if gain is None else "is too prominent for") + f" {entry.name}; a detected sound "
                   f"is not separable exactly, so it is left; say 'remove the {display_name(label)}' to try anyway")
            continue
        if budget <= 0:
            g.note(f"'{display_name(label)}' clashes with {entry.name} but the plan is at {MAX_STEPS} steps: left")
            continue
        for ref in g.refs(label, source) or ():
            if gain is None:
                builder.remove(ref, source)
            else:
                builder.loudness(ref, gain, source)
            budget -= 1
        g.note(f"{display_name(label)} is present and " + ("clashes with" if gain is None else "is too prominent for")
               + f" {entry.name}: " + ("removed" if gain is None else f"lowered by {-gain:g} dB"))
    for sound, kb_sound in adds:
        builder.add(sound, source, None, 1 if kb_sound.role == "background" else kb_sound.count, kb_sound.snr_db,
                    kb_sound.role, max_snr_db=kb_sound.max_level_db(max_snr_db))
    if entry.room == "outdoor":
        g.note(f"{entry.name} is outdoors: no room reverb")
    elif entry.room is not None:
        builder.add_step(reverb.ReverbStep, source, instruction=reverb.instruction(WHOLE, entry.room), target=WHOLE,
                      room=entry.room)
    if entry.timbre is not None:
        builder.add_step(eq.EqStep, source, instruction=eq.instruction(WHOLE, entry.timbre), target=WHOLE,
                      preset=entry.timbre)


def _concept(label: str) -> str:
    """The vocabulary entry a knowledge-base ``label`` is ('thunder' -> 'thunderstorm'), else ``label``."""
    return vocabulary.key_of_label(label) or label


def _adds(entry: SceneEntry, present: dict[str, str], g, max_adds: int) -> list[tuple[str, SceneSound]]:
    """(bank label, knowledge-base sound in the role it is added in) for the missing sounds to add, most
    characteristic first. Only (sound, role) pairs the bank can furnish (``_furnished``)."""
    chosen: list[tuple[str, SceneSound]] = []
    later, lacking = [], []
    for s in entry.sounds:
        options = [s.label, *s.alts]
        if any(_concept(o) in present or set(RELATED.get(_concept(o), ())) & set(present) for o in options):
            g.note(f"{display_name(s.label)} is already there: not added")
            continue
        pick = _furnished(options, s.role, g)
        if pick is None:
            lacking.append(s.label)
            continue
        label, role = pick
        if any(label == c for c, _ in chosen):
            continue
        if len(chosen) >= max_adds:
            later.append(label)
            continue
        if role != s.role:
            g.note(f"the sound bank has {display_name(label)} only as {ROLE_WORDS[role]}, not as {ROLE_WORDS[s.role]}: "
                   + (f"it stands in for {display_name(s.label)}, " if label != s.label else "") + f"added as {ROLE_WORDS[role]}")
        elif label != s.label:
            g.note(f"the sound bank has no {display_name(s.label)}: {display_name(label)} stands in for it")
        chosen.append((label, s if role == s.role else s.model_copy(update={"role": role})))
    if lacking:
        g.note(f"the sound bank has no {', '.join(display_name(x) for x in lacking)} (nor a stand-in): not added")
    if later:
        g.note(f"not all at once: {', '.join(display_name(x) for x in later)} would also fit {entry.name}; ask to add them")
    return chosen


def _furnished(options: list[str], role: str, g) -> tuple[str, str] | None:
    """(label, role) to add for a knowledge-base sound: the first of ``options`` (its label, then its stand-ins)
    the bank has in ``role``; else the first it has in another role, in that role; else None. A bank that
    names no sounds has any; one that names no roles (``g.roles`` empty) has its sounds in any role."""
    if not g.sounds:
        return options[0], role
    have = [o for o in options if o in g.sounds]
    for label in have:
        if not g.roles or role in g.roles.get(label, ()):
            return label, role
    for label in have:
        if g.roles.get(label):
            return label, g.roles[label][0]
    return None


def plan_goal_request(request: str, scene=None, sounds=()):
    """``audioedit.planner.rules.plan_rules`` on a goal request (a convenience for the doctest and the eval)."""
    from audioedit.planner.rules import plan_rules

    return plan_rules(request, scene, sounds)


def grounding_labels(request: str) -> list[str]:
    """The labels worth looking for in a recording before planning a goal request: the goal's own
    sounds (already there?) and the ones that clash with it or should be lowered; [] for other requests."""
    phrase = goal_phrase(request.lower())
    if phrase is None and RESTYLE_RE.match(request.lower()) is None:
        return []
    entry = load_kb().find(phrase or request)
    if entry is None:
        return []
    return list(dict.fromkeys([s.label for s in entry.sounds] + entry.clashes + entry.lower))
