"""The one label vocabulary (audioedit/clap/vocabulary.json) read by every consumer: requests naming
any entry by any of its names plan to the entry's label on a plain recording, and are grounded with
the entry's synonyms and captions."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from audioedit.agents.detect import ground_request
from audioedit.audio import Audio
from audioedit.clap import vocabulary
from audioedit.clap.base import ClapModel
from audioedit.planner.rules import plan_rules, sound_queries
from audioedit.planner.vocab import VOCAB, canonical_label, match_label
from audioedit.procedural import PROCEDURAL_LABELS
from audioedit.scene import EventsFrom, Scene
from audioedit.steps import step_targets

# (request as a person would type it, the entry it names)
PLAIN_REQUESTS = [
    ("remove the cow", "cow"),
    ("get rid of the mooing", "cow"),
    ("can you get rid of the cows in the background", "cow"),
    ("turn down the kettle", "boiling_water"),
    ("remove the helicopter", "helicopter"),
    ("turn the chopper down a bit", "helicopter"),
    ("mute the applause", "clapping"),
    ("make the rooster quieter", "rooster"),
    ("cut the chainsaw", "chainsaw"),
    ("lower the vacuum cleaner by 6 dB", "vacuum_cleaner"),
    ("remove the hoovering", "vacuum_cleaner"),
    ("get rid of the crackling fire", "crackling_fire"),
    ("remove the accordion", "accordion"),
    ("make the waves quieter", "sea_waves"),
    ("remove the snoring", "snoring"),
    ("remove the frogs croaking", "frog"),
]


def _event_labels(plan) -> list[str]:
    return [ref.label for step in plan.steps for ref in step_targets(step) if ref.scope == "events"]


@pytest.mark.parametrize(("request_text", "key"), PLAIN_REQUESTS)
def test_requests_naming_an_entry_plan_to_its_label(request_text: str, key: str) -> None:
    plan = plan_rules(request_text)
    assert not plan.unresolved, plan.unresolved
    assert _event_labels(plan) == [key]
    assert not any("not in the label vocabulary" in a for a in plan.assumptions)
    assert sound_queries(request_text) == [key]


def test_every_entry_is_found_by_its_name_and_synonyms() -> None:
    for entry in vocabulary.entries(vocabulary.ALL_SETS):
        assert canonical_label(entry["name"]) == entry["key"], entry["name"]
        assert canonical_label(entry["key"]) == entry["key"], entry["key"]
        found = [canonical_label(s) for s in entry["synonyms"]]
        assert sum(f == entry["key"] for f in found) >= len(found) / 2, (entry["key"], found)


def test_the_planner_table_is_the_vocabulary() -> None:
    keys = {e["key"] for e in vocabulary.entries(vocabulary.ALL_SETS)}
    assert set(VOCAB) == keys
    assert {e["key"] for e in vocabulary.entries()} == keys - {e["key"] for e in vocabulary.entries(("extra",))}
    for label in PROCEDURAL_LABELS:  # the procedural generators' labels are vocabulary labels
        assert canonical_label(label) is not None, label


def test_older_labels_and_broader_entries_still_match_a_scene() -> None:
    assert match_label("the violin", ["music", "speech"]) == "music"
    assert match_label("the applause", ["applause", "speech"]) == "applause"
    assert match_label("the thunderstorm", ["thunder", "speech"]) == "thunder"
    assert match_label("the cow", ["dog_bark", "siren", "car_horn"]) is None
    assert vocabulary.key_of_label("thunder") == "thunderstorm" and vocabulary.key_of_label("door") is None


class _KeywordClap(ClapModel):
    """Hears one sound (``hears``, a vocabulary entry; None: nothing): loud windows embed as it; texts the
    vocabulary gives for it embed as it, every other text as a random direction of its own. Records the
    texts it was asked about."""

    sample_rate_hz, name, grounding = 16_000, "keyword", None
    dim = 32

    def __init__(self, hears: str | None = "cow") -> None:
        self.asked: list[str] = []
        self.cow = np.eye(self.dim, dtype=np.float32)[0]
        self.its_texts = set(vocabulary.grounding_texts(hears)) if hears else set()

    def embed_audio(self, audios: list[Audio]) -> np.ndarray:
        quiet = np.eye(self.dim, dtype=np.float32)[1]
        return np.stack([self.cow if float(np.abs(a.samples).max()) > 0.1 else quiet for a in audios])

    def embed_text(self, texts: list[str]) -> np.ndarray:
        self.asked += texts
        out = []
        for text in texts:
            if text in self.its_texts:
                out.append(self.cow)
                continue
            vec = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(self.dim).astype(np.float32)
            vec[:2] = 0.0
            out.append(vec / np.linalg.norm(vec))
        return np.stack(out)


def test_a_plain_recording_is_grounded_with_the_entrys_texts_and_planned_to_its_label() -> None:
    sr = 16_000
    samples = np.full((1, 10 * sr), 0.01, np.float32)
    samples[0, 3 * sr : 6 * sr] = 0.5  # the "cow", 3-6 s
    scene = Scene(audio=Audio(samples, sr))
    clap = _KeywordClap()
    grounded = ground_request(scene, "get rid of the mooing", clap=clap)
    assert {"a cow mooing", "cattle lowing", "a cow moos in a field"} <= set(clap.asked)
    assert grounded.events_from == EventsFrom.DETECTED
    cows = [e for e in grounded.events if e.label == "cow"]
    assert cows and all(2.0 <= e.onset_s and e.offset_s <= 7.0 for e in cows)
    plan = plan_rules("get rid of the mooing", grounded)
    assert not plan.unresolved and [s.op for s in plan.steps] == ["remove"]
    assert plan.steps[0].target.label == "cow" and plan.steps[0].target.event_ids == [e.id for e in cows]


@pytest.mark.parametrize("shipped_hears", ["siren", None])
def test_detection_asks_the_broad_tower_about_sounds_the_shipped_clap_never_heard(monkeypatch, shipped_hears) -> None:
    """reports/clap-broad amendments 7-9: the shipped CLAP answers for its trained classes, the broad tower
    for the rest, and for a trained class too when the shipped CLAP finds none of it."""
    import audioedit.clap as clap_pkg

    shipped, broad = _KeywordClap(shipped_hears), _KeywordClap("cow")
    monkeypatch.setattr(clap_pkg, "_default", [shipped])
    monkeypatch.setattr(clap_pkg, "_broad", [broad])
    sr = 16_000
    samples = np.full((1, 10 * sr), 0.01, np.float32)
    samples[0, 3 * sr : 6 * sr] = 0.5
    grounded = ground_request(Scene(audio=Audio(samples, sr)), "remove the cow and the siren")
    assert "siren" in clap_pkg.trained_classes() and "cow" not in clap_pkg.trained_classes()
    from audioedit.clap.grounding import default_references

    references = set(default_references())  # every model is also asked about these, to score against
    cow_texts, siren_texts = (set(vocabulary.grounding_texts(k)) - references for k in ("cow", "siren"))
    assert cow_texts <= set(broad.asked) and not cow_texts & set(shipped.asked)
    assert siren_texts <= set(shipped.asked)
    if shipped_hears == "siren":  # found by the shipped CLAP: the broad tower is not asked about it
        assert not siren_texts & set(broad.asked)
        assert sorted(e.label for e in grounded.events) == ["cow", "siren"]
    else:  # the shipped CLAP found none: the broad tower is asked too (and hears no siren either)
        assert siren_texts <= set(broad.asked)
        assert [e.label for e in grounded.events] == ["cow"]
    monkeypatch.setattr(clap_pkg, "_broad", [None])  # not shipped: the shipped CLAP is asked about everything
    shipped.asked.clear()
    ground_request(Scene(audio=Audio(samples, sr)), "remove the cow and the siren")
    assert cow_texts | siren_texts <= set(shipped.asked)


def test_the_broad_tower_is_not_loaded_when_the_shipped_clap_finds_the_sound(monkeypatch) -> None:
    import audioedit.clap as clap_pkg

    assert clap_pkg.broad_shipped()  # assets/clap_broad is in the repo
    monkeypatch.setattr(clap_pkg, "_default", [_KeywordClap("siren")])
    monkeypatch.setattr(clap_pkg, "_broad", [])  # not loaded yet
    sr = 16_000
    samples = np.full((1, 10 * sr), 0.01, np.float32)
    samples[0, 3 * sr : 6 * sr] = 0.5
    grounded = ground_request(Scene(audio=Audio(samples, sr)), "remove the siren")
    assert [e.label for e in grounded.events] == ["siren"] and clap_pkg._broad == []
