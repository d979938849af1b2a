"""Splitting a request into clauses, each meant to become one or more atomic steps.

    >>> split_request("make this street recording calmer: drop the siren, bring the traffic "
    ...               "down a bit and add birds near the end")
    ('make this street recording calmer', ['drop the siren', 'bring the traffic down a bit', 'add birds near the end'])
    >>> split_request("swap the siren and the horn, then remove the dog between 2 and 4 seconds")
    (None, ['swap the siren and the horn', 'remove the dog between 2 and 4 seconds'])
    >>> split_request("remove the siren and the horn")
    (None, ['remove the siren and the horn'])

Strong separators (``;``, a sentence end, "then", "after that", "also", "next", "finally") always
split. Weak ones ("," "and" "plus" "as well as" "while" "but") split only when the text on both
sides says what to do (``CUE_RE``; the right side may also just start with a verb), so "remove the siren and the horn" stays one clause with
two targets while "remove the siren and make the horn louder" becomes two. A leading goal
before ":" ("make it calmer: ...") is returned separately.
"""

from __future__ import annotations

import re

from audioedit.planner.amounts import NUM
from audioedit.planner.attributes import is_attribute_tail

CUE_RE = re.compile(
    r"\b(?:removing|dropping|deleting|muting|adding|lowering|raising|reducing|increasing|boosting|getting rid|"
    r"remove|drop|get rid|delete|mute|cut|take (?:out|away)|eliminate|silence|erase|kill|lose|strip|"
    r"filter out|turn off|switch off|stop|without|no more|gone|replace|substitute|swap|switch|exchange|"
    r"change|turn|transform|convert|instead|reorder|move|shift|delay|put|place|play|before|after|louder|"
    r"quieter|softer|loud|quiet|boost|raise|lower|reduce|increase|decrease|amplify|attenuate|emphasi[sz]e|"
    r"accentuate|enhance|quieten|tone down|dampen|soften|bring|pump|crank|volume|level|faster|slower|speed|later|earlier|rather|"
    r"slow|quicker|accelerate|tempo|add|insert|include|layer|mix in|introduce|calmer|peaceful|focus|isolate|"
    r"extract|keep only|only keep|leave only|half as|twice as|times as|stand out|prominent|"
    r"db|decibels?|fade|pan|normali[sz]e|lufs|reverb|echo|muffled|brighter|centre|center)\b|[+-]\d"
)
VERB_START_RE = re.compile(r"^(?:make|let|give|have|get|turn|bring|put|keep|render|set|do|leave|don'?t|do not|"
                           r"nothing else|everything else (?:should|stays?|remains?|unchanged|as))\b", re.IGNORECASE)
ADD_START_RE = re.compile(r"^(?:add|insert|include|mix in|speed|slow)\b", re.IGNORECASE)
OPEN_PHRASAL_RE = re.compile(r"^(?:turn|bring|crank|dial|tone|pump|knock)\s+(?!.*\b(?:up|down|off|out|louder|quieter|"
                             r"softer|db|%|percent)\b)", re.IGNORECASE)  # "turn the guitar": its particle comes later
_STRONG = (
    r"(?:[;!?]|\.(?=\s|$)|(?:,\s*|\band\s+)?\b(?:and then|then|after that|afterwards|also|next|finally|lastly)\b,?)"
)
_WEAK = r"(?:,|&|\band\b|\bplus\b|\bas well as\b|\bwhile\b|\bwhilst\b|\bbut\b)"
SEPARATOR_RE = re.compile(rf"\s*(?:(?P<strong>{_STRONG})|(?P<weak>{_WEAK}))\s*", re.IGNORECASE)
GOAL_RE = re.compile(r"^(?P<goal>[^:]*?[^\d\s]):(?!\d)\s*(?P<rest>.*)$", re.DOTALL)
SINGLE_VERB_RE = re.compile(r"^(?:remove|drop|delete|add|insert|replace|swap|reorder|mute|cut)$", re.IGNORECASE)
_PROTECTED_AND = "\x00"
_NEXT_VERB = (r"(?!\s+(?:then\s+)?(?:push|pull|move|shift|make|let|put|play|turn|bring|remove|add|drop|replace|mute|"
              r"delete|slow|speed|raise|lower|boost|have)\b)")  # "... and turn the guitar down": a new clause
PROTECT_RES = (
    re.compile(rf"\b(between\s+{NUM}\s*(?:s|sec|secs|seconds?)?\s+)and(?=\s+{NUM})", re.IGNORECASE),
    re.compile(r"\b((?:swap|switch|exchange|interchange|trade|reverse(?: the order of)?)\b[^,;.]*?\s)and(?=\s)" + _NEXT_VERB,
               re.IGNORECASE),
    re.compile(r"\b((?:both)\b[^,;.]*?\s)and(?=\s)" + _NEXT_VERB, re.IGNORECASE),
    re.compile(r"\b(pots\s+)and(?=\s+pans)", re.IGNORECASE),
    re.compile(r"\b((?:quiet|soft|low)\s+(?:parts|bits|passages|moments)\s+louder\s+)and(?=\s+the\s+(?:loud|peak))", re.IGNORECASE),
)
LEAD_RE = re.compile(
    r"^(?:(?:please|kindly|could you|can you|would you|will you|(?:i'?d|i would|i) (?:like|want|need) (?:you )?to|"
    r"i want you to|we need to|let'?s|let us|why not|is it possible to|try to|go ahead and|just|and|also|then|"
    r"i (?:think|guess|feel like|suppose)(?: (?:that|you should|we should|it should))?|honestly|maybe|perhaps|"
    r"hmm+|um+|uh+|well|hey|hi|ugh|oh|actually|basically|"
    r"first(?:ly)?(?=,|\s|$)|second(?:ly)?(?=,|$)|third(?:ly)?(?=,|$)|fourth(?=,|$)|next|finally|lastly|now|ok|okay|so)\b[,:]?\s*)+",
    re.IGNORECASE,
)
TRAIL_RE = re.compile(
    r"(?:[,\s]*\b(?:please|thanks|thank you|for me|if you can|if possible|can you|could you|i appreciate it|"
    r"as well|too)\b)+[\s.!?]*$|[\s.!?,]+$",
    re.IGNORECASE,
)
# clauses that comment on the request instead of asking for an edit: noted, never a reason to refuse
COMMENT_RE = re.compile(
    r"^(?:(?:(?:honestly|frankly|seriously|ugh|man|wow),?\s+)?(?:it|this|that|he|she|they|(?P<subject>the \w+))"
    r"(?:'s|'re| is| are| was| were| sounds?| gets?| keeps? being| can be)\s+"
    r"(?:so |really |very |super |quite |a bit |a little |kind of |kinda |pretty |just |too |way too |extremely |honestly )*"
    r"(?:annoying|distracting|terrible|awful|horrible|bad|irritating|unbearable|painful|weird|strange|great|nice|good|"
    r"fine|ok|okay|perfect|important|urgent|ruining (?:it|everything|the \w+)|driving me (?:crazy|nuts|mad)|"
    r"for (?:a|an|my|the|our) [^,;]+)|"
    r"i (?:hate|love|like|dislike|can'?t stand) (?:it|that|this|them)|(?:it|this|that) drives me (?:crazy|nuts|mad)|"
    r"thanks?(?: you)?(?: (?:so|very) much| a lot| in advance)?|thank you.*|cheers|great|awesome|perfect|cool|"
    r"sorry|hi|hello|hey|i (?:think|guess|suppose|hope|believe|mean)(?: so)?|if (?:you can|possible)|"
    r"(?:this|it) is (?:a|an|my|the) (?:recording|clip|file|podcast|video|track) (?:of|from|for) [^,;]+)$"
)
WHITESPACE_RE = re.compile(r"\s+")
# "At 3 s, add a bird" / "Towards the end, remove the dog": a leading position moves behind the clause
FRONT_POSITION_RE = re.compile(
    r"^(?P<pos>(?:at|around|about|near|towards?|in|during|after|before|from|between|by|within|over)\b[^,;]{1,40}?),\s*"
    r"(?P<rest>\S.*)$", re.IGNORECASE)
# "play the speech first, then the bird" -> "play the speech before the bird" (one reorder, not two clauses)
FIRST_THEN_RE = re.compile(
    r"\b(?P<head>(?:play|put|have|let|hear)\s+[^,;.]+?\s+first)(?P<sep>\s*,?\s*(?:and\s+)?then\s+)(?=[^,;.\s])",
    re.IGNORECASE)
_HIDDEN = {",": "\x02", "then": "\x03", "and": "\x04"}  # separators inside "play X first, then Y", hidden while splitting


def tidy(clause: str) -> str:
    """Strip politeness, enumeration words and trailing punctuation from a clause."""
    clause = WHITESPACE_RE.sub(" ", clause).strip()
    for _ in range(2):
        clause = LEAD_RE.sub("", clause)
        clause = TRAIL_RE.sub("", clause).strip()
    return clause


def front_position(clause: str) -> str:
    """'at 3 s, add a bird' -> 'add a bird at 3 s' (a leading position moves behind the clause)."""
    m = FRONT_POSITION_RE.match(clause)
    if m is not None and has_cue(m["rest"]) and not has_cue(m["pos"].split(" ", 1)[-1]):
        return f"{m['rest']} {m['pos']}"
    return clause


def _hide(separator: str) -> str:
    return re.sub(r",|\bthen\b|\band\b", lambda m: _HIDDEN[m.group(0).lower()], separator, flags=re.IGNORECASE)


def _unhide(text: str) -> str:
    for word, mark in _HIDDEN.items():
        text = text.replace(mark, word)
    return text


def _is_position(text: str) -> bool:
    m = FRONT_POSITION_RE.match(text + ", x")
    return m is not None and not has_cue(m["pos"].split(" ", 1)[-1])


def has_cue(text: str) -> bool:
    """Whether ``text`` says what to do (an operation word or an amount), not only which sound."""
    return CUE_RE.search(text.lower()) is not None


def split_request(request: str) -> tuple[str | None, list[str]]:
    """``(goal, clauses)``: a leading goal before ':' (or None) and the non-empty tidied clauses."""
    text = WHITESPACE_RE.sub(" ", request).strip()
    goal = None
    m = GOAL_RE.match(text)
    if m and m["rest"].strip():
        if SINGLE_VERB_RE.match(m["goal"].strip()):
            text = f"{m['goal'].strip()} {m['rest']}"
        else:
            goal, text = tidy(m["goal"]), m["rest"]
    text = FIRST_THEN_RE.sub(lambda mm: mm["head"] + _hide(mm["sep"]), text)
    for pattern in PROTECT_RES:
        text = pattern.sub(lambda mm: mm.group(1) + _PROTECTED_AND, text)
    clauses: list[str] = []
    pos, kind = 0, "strong"
    pieces: list[tuple[str, str, str]] = []  # (segment, kind of separator before it, separator text)
    sep_text = ""
    for sep in SEPARATOR_RE.finditer(text):
        pieces.append((text[pos : sep.start()], kind, sep_text))
        kind = "strong" if sep["strong"] else "weak"
        sep_text = sep.group(0)
        pos = sep.end()
    pieces.append((text[pos:], kind, sep_text))
    for segment, kind, sep_text in pieces:
        segment = tidy(segment)
        if not segment:
            continue
        both_say_what = has_cue(clauses[-1]) and (has_cue(segment) or VERB_START_RE.match(segment)) if clauses else True
        if clauses and kind == "weak" and sep_text.strip() == "," and _is_position(clauses[-1]):
            both_say_what = False  # "After the siren, add a bird": the position belongs to the clause after it
        if clauses and kind == "weak" and OPEN_PHRASAL_RE.match(clauses[-1]) and not VERB_START_RE.match(segment) \
                and not (CUE_RE.match(segment.lower()) or ADD_START_RE.match(segment)):
            both_say_what = False  # "turn the guitar and the dog down by 6 dB": the particle comes after the list
        if clauses and kind == "weak" and is_attribute_tail(segment):
            both_say_what = False  # "the speaker without emotion and speaking in a normal volume": one reference
        elif COMMENT_RE.match(segment.lower()) or (clauses and COMMENT_RE.match(clauses[-1].lower())):
            both_say_what = True  # a comment is its own clause: "remove the siren, it's annoying"
        if clauses and kind == "weak" and not both_say_what:
            joint = ", " if sep_text.strip() == "," else f" {sep_text.strip()} "
            clauses[-1] = WHITESPACE_RE.sub(" ", f"{clauses[-1]}{joint}{segment}")
        else:
            clauses.append(segment)
    restored = (tidy(_unhide(c.replace(_PROTECTED_AND, "and"))) for c in clauses)
    return goal, [c for c in restored if c]
