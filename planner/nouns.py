"""English nouns for the planner's wording: mass nouns and plurals ("2 dog barks", "2 sheep", "all rain")."""

from __future__ import annotations

MASS_NOUNS = frozenset({"speech", "music", "rain", "traffic", "wind", "running water", "noise", "dishes", "footsteps",
                        "applause", "laughter", "thunder", "street music", "park", "street", "restaurant", "crowd"})


IRREGULAR_PLURALS = {"sheep": "sheep", "fish": "fish", "deer": "deer", "goose": "geese", "mouse": "mice", "wolf": "wolves",
                     "calf": "calves", "child": "children", "person": "people", "man": "men", "woman": "women"}


def plural(name: str) -> str:
    last = name.rsplit(" ", 1)[-1]
    if last in IRREGULAR_PLURALS:  # "2 sheep", "3 geese", "two barking wolves"
        return name[: len(name) - len(last)] + IRREGULAR_PLURALS[last]
    if name in MASS_NOUNS or (name.endswith("s") and not name.endswith("ss")):
        return name
    if name.endswith(("s", "x", "ch", "sh")):
        return name + "es"
    return name[:-1] + "ies" if name.endswith("y") and name[-2:-1] not in "aeiou" else name + "s"
