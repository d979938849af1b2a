"""What the LLM planner sends: the output schema (``LLMPlanOutput``) and the chat messages.

The system message explains the operations (the six, move, reverb and eq), the scene knowledge base for
goal requests (``audioedit.planner.scene_kb``), the default amounts for vague words, the scene
(one line per event: id, label, role, onset-offset in seconds, level in dBFS) and the sounds that
can be added; the user message is the request. In JSON mode (no schema enforcement by the server)
the JSON schema itself is appended to the system message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel, Field

from audioedit.scene import SceneDescription
from audioedit.steps import EditStep, Unresolved


class LLMPlanOutput(BaseModel):
    """What the model must return: the steps, its assumptions and what it could not map."""

    steps: list[EditStep] = Field(default_factory=list, description="atomic edit steps, in execution order")
    assumptions: list[str] = Field(default_factory=list, description="choices made for vague parts of the request")
    unresolved: list[Unresolved] = Field(
        default_factory=list, description="parts of the request that no step can express, with the reason"
    )


def output_schema() -> dict:
    """The JSON schema of ``LLMPlanOutput`` (pydantic's, with ``$defs``)."""
    return LLMPlanOutput.model_json_schema()


INSTRUCTIONS = """\
You are the planner of an audio editor. Turn the user's request into a short list of atomic edit
steps on the recording described below. Reply with one JSON object only: {"steps": [...],
"assumptions": [...], "unresolved": [...]}.

Step operations (field "op"), each with "id" ("s1", "s2", ...), "instruction" (one sentence
describing only this step) and "source_text" (the words of the request it comes from):
- add: "sound" (one of the addable sounds), "at_s" (onset in seconds, or null to let the editor
  choose), "count" (1-16), "snr_db" (level relative to the mix: foreground 6, background -6,
  loud 12, quiet 0), "role" ("foreground" | "background").
- remove: "target".
- replace: "target", "sound" (an addable sound), "snr_db" (null keeps the old level).
- reorder: "targets" (two or more references, in the order they must occur afterwards).
- loudness: "target", "gain_db" (-60..40).
- speed: "target", "factor" (>1 faster, <1 slower), "keep_pitch" (true unless asked otherwise).
- move: "target" and exactly one of "to_s" (its new start in seconds: "move the siren to 5 s", "make
  the birds start at 3 s"), "to" ("start" | "middle" | "end" of the recording: "put the applause at
  the beginning") or "by_s" (seconds later, negative earlier: "move the horn 2 s later"). To put a
  sound before or after another sound use reorder.
- reverb: "target", "room" ("small_room" | "medium_room" | "large_hall" | "church"), optional
  "room_size" and "wet_level" (0-1).
- eq: "target", "preset" ("muffled" | "darker" | "underwater" | "brighter" | "more_bass" | "less_bass" |
  "telephone" | "radio").
- normalize: "target" (the recording), "lufs" (integrated loudness: podcast -16, streaming -14, broadcast -23).
- fade: "target", "direction" ("in" | "out"), "duration_s", optional "start_s".
- pan: "target", "position" (-1 hard left, 0 centre, +1 hard right: "move the bird to the left").
- pauses: "max_pause_s" (every pause between phrases shortened to it: "remove the silences" 0.25).
- trim: time cut out of the whole recording, which gets shorter: exactly one of "start_s" with
  "end_s" (null: to the end), "last_s" (the last seconds) or "silence" ("start" | "end" | "both":
  the silence at the ends); "keep": true keeps only that stretch ("keep only the first 10 s").
- pitch: "target", "semitones" (+ up, - down, 12 an octave; duration unchanged: "make the voice deeper").
- channels: "to" ("mono" | "stereo" | "swap": left and right exchanged).
- dehum: "mains_hz" (50, 60, or null to find it): mains hum removed from the whole recording.
- declick: no fields: clicks, pops and crackle found and filled in over the whole recording ("remove the clicks").
- deess: "target": harsh "s" sounds tamed (the band above 4.5 kHz turned down where it flares up: "de-ess the voice").
- level: "target", "ratio" (2 gentle, 3 default, 5 strong): the volume evened out, quiet passages raised and loud
  ones lowered towards the typical level ("even out the volume", "compress the voice"); not normalize.
For the whole recording use the target {"label": "recording", "scope": "recording"}; for a stretch of it ("the first
5 seconds", "0:03 to 0:05", "the second half") add "start_s" and "end_s" (null: to the end) to that target: loudness,
remove (mutes the stretch), eq, reverb and pitch run on a stretch; to cut time out use trim.
A goal that names only a scene or a mood ("make it sound like a beach", "busier") is decomposed
with the scene knowledge base below: remove the present sounds that clash, add at most three
missing sounds that belong (the addable ones only; say which are lacking in "assumptions"), then
the room (reverb) and timbre (eq) on the whole recording; 2-8 steps.
A target is {"label": a label from the scene, "text": the user's words, "select": "all" | "first" |
"last" | "nth", "n": 1-based index for "nth", "start_s"/"end_s": optional time window,
"event_ids": the ids of the scene events meant}.

Defaults for vague amounts: "a bit" louder/quieter +3/-3 dB, louder/quieter +6/-6 dB, "much"
+12/-12 dB, "twice as loud" +10 dB, "half as loud" -10 dB; faster/slower x1.25/x0.8, "a bit"
x1.1/x0.9, "much" x1.5/x0.67, "twice as fast" x2, "half speed" x0.5. "near the end" means the
last quarter of the recording, "at the start" the first seconds. State such choices in
"assumptions". Use only labels and ids that are in the scene for targets, and only addable sounds
for "sound". A part of the request that refers to a sound not in the scene, or that no operation
expresses, goes to "unresolved" with the reason; never drop it silently and never invent events.
"""


def describe_scene(scene: SceneDescription | None) -> str:
    """The scene as prompt text: duration, then one line per event."""
    if scene is None:
        return "Recording: not analyzed (no event list); use the labels the user names."
    head = (f"Recording: {scene.duration_s:.2f} s, {scene.sample_rate_hz} Hz, {scene.num_channels} channel(s); "
            f"events from {scene.events_from}.")
    if not scene.events:
        return head + "\nEvents: none known (nothing in the recording can be targeted)."
    lines = [head, "Events (id | label | role | onset_s-offset_s | level_dbfs):"]
    for ev in sorted(scene.events, key=lambda e: (e.onset_s, e.id)):
        level = "?" if ev.level_db is None else f"{ev.level_db:.1f}"
        lines.append(f"- {ev.id} | {ev.label} | {ev.role} | {ev.onset_s:.2f}-{ev.offset_s:.2f} | {level}")
    return "\n".join(lines)


def describe_sounds(sounds: Sequence[str]) -> str:
    if not sounds:
        return "Addable sounds: none listed (use plain labels such as 'bird' or 'rain')."
    return "Addable sounds: " + ", ".join(sorted(set(sounds)))


def build_messages(request: str, scene: SceneDescription | None, sounds: Sequence[str],
                   *, with_schema: bool = False) -> list[dict]:
    """The chat messages for one planning call (OpenAI format: role + content)."""
    from audioedit.planner.scene_kb import load_kb

    goals = "Scene knowledge base (add [label(role,count,snr_db)]; remove; lower; room; timbre):\n" + load_kb().summary()
    system = "\n\n".join([INSTRUCTIONS, describe_scene(scene), describe_sounds(sounds), goals])
    if with_schema:
        system += "\n\nThe reply must validate against this JSON schema:\n" + json.dumps(output_schema())
    return [{"role": "system", "content": system}, {"role": "user", "content": f"Request: {request}"}]


def repair_message(error: str) -> dict:
    """The user turn that shows the model why its last reply was rejected."""
    return {
        "role": "user",
        "content": (f"Your reply was not a valid plan:\n{error}\n"
                    "Reply again with only the corrected JSON object, following the schema."),
    }
