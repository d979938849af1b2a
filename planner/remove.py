"""The remove clause parser: "remove the siren", "I don't want the dogs", "the horn should go".

Pronouns ("remove it") take the previous clause's targets; the whole recording is never removed
(that would leave silence: the clause is unresolved with a reason).
"""

from __future__ import annotations

import re

from audioedit.planner.builder import StepBuilder
from audioedit.planner.refs import clean_phrase

REMOVE_VERB = (r"(?:removing|deleting|dropping|muting|eliminating|getting rid of|remove|drop|get rid of|delete|mute|"
               r"cut(?: out)?|take (?:out|away)|eliminate|silence|erase|kill|lose|"
               r"strip(?: out)?|filter out|turn off|switch off|stop|cancel|suppress|exclude|clear(?: out)?|"
               r"without|no more|no)")
REMOVE_RES = (
    re.compile(r"^(?:i |we )?(?:don'?t|do not|no longer) (?:want|need|like)(?: to (?:hear|have|keep))? (?P<obj>.+?)"
               r"(?:\s+(?:any ?more|at all|in (?:the|this) (?:recording|mix|clip)))*$"),
    re.compile(rf"^{REMOVE_VERB}\s+(?P<obj>.+?)(?:\s+(?:out|off|away|completely|entirely|altogether|from (?:the|this) "
               r"(?:recording|mix|clip|audio|track|scene)))*$"),
    re.compile(r"^(?:take|cut|filter|strip|turn|switch|clear|get)\s+(?P<obj>.+?)\s+(?:out|off|away|rid of)$"),
    re.compile(r"^(?:i want|i'd like|i would like|let's get|get|have)?\s*(?P<obj>.+?)\s+(?:to be\s+|should be\s+|must be\s+|"
               r"needs to be\s+|be\s+)?(?:gone|removed|deleted|muted|silenced|taken out|eliminated|cut out)$"),
    re.compile(r"^(?P<obj>.+?)\s+(?:should|must|has to|needs to)\s+(?:go|disappear|vanish|stop)(?: away)?$"),
)


def parse_remove(text: str, source: str, builder: StepBuilder) -> bool:
    for pattern in REMOVE_RES:
        m = pattern.match(text)
        if m is None:
            continue
        g = builder.g
        pronoun = clean_phrase(m["obj"]) in {"it", "them", "that", "those", "this", "these"}
        refs = g.last_refs if pronoun and g.last_refs else g.refs(m["obj"], source)
        if refs and any(ref.scope == "recording" and ref.start_s is None and ref.end_s is None for ref in refs):
            g.fail(source, f"'{source}' would remove the whole recording and leave silence; say which sound to remove")
            refs = None
        if refs:
            for ref in refs:
                builder.remove(ref, source)
            g.last_refs = refs
        builder.last_verb = "remove"
        return True
    return False
