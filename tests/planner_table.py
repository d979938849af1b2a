"""The rules planner's table of cases (``tests/test_planner_rules.py`` runs it).

Each case is (scene, request, expected steps, number of unresolved entries). Steps are compared
as compact strings (``summarize``): ``remove dog_bark/n2{f3}`` = remove, label dog_bark, select
nth n=2, resolved to event ``foreground3_dog_bark``; ``@2-9`` is a time window; ``{}`` = no scene.
Scenes: ``S`` the 10 s street fixture below, ``V`` a Scaper-style scene with ``human_voice``,
``N`` no scene (and no sound bank), ``M`` overlapping voices, a helicopter and a dog.
"""

from __future__ import annotations

import re

from audioedit.evals.request_table import selection_text
from audioedit.scene import Event, SceneDescription
from audioedit.steps import EditStep, EventRef

BANK = ["bird", "speech", "dog_bark", "cat", "car_horn", "siren", "door_knock", "footsteps", "bell", "phone_ring",
        "traffic", "rain", "wind", "running_water", "dishes"]


def _ev(i: int, label: str, onset_s: float, offset_s: float, role: str = "foreground") -> Event:
    return Event(id=f"{role}{i}_{label}", label=label, onset_s=onset_s, offset_s=offset_s, role=role)


def _scene(events: list[Event]) -> SceneDescription:
    return SceneDescription(duration_s=10.0, sample_rate_hz=16000, num_channels=1, events=events, has_stems=True,
                            events_from="annotation")


STREET = _scene([
    _ev(0, "street", 0, 10, "background"), _ev(0, "siren", 2, 7), _ev(1, "car_horn", 5, 5.7),
    _ev(2, "dog_bark", 1, 1.5), _ev(3, "dog_bark", 6, 6.4), _ev(4, "dog_bark", 8, 8.5), _ev(5, "speech", 3, 4.5),
])
VOICE = _scene([_ev(0, "park", 0, 10, "background"), _ev(0, "siren", 2, 7), _ev(1, "car_horn", 5, 5.687),
                _ev(2, "human_voice", 7, 7.97)])
# a mixture of sources with none marked background (as LCR's remix items come)
MIX = _scene([_ev(0, "speech", 0, 5), _ev(1, "speech", 0, 5), _ev(2, "helicopter", 0, 5), _ev(3, "dog_bark", 0, 5)])
SETUPS = {"S": (STREET, BANK), "V": (VOICE, BANK), "N": (None, ()), "M": (MIX, BANK)}


def _short_id(event_id: str) -> str:
    m = re.match(r"^(foreground|background)(\d+)_", event_id)
    return m.group(1)[0] + m.group(2) if m else event_id


def _ref(r: EventRef) -> str:
    return selection_text(r) + "{" + ",".join(_short_id(i) for i in r.event_ids) + "}"


def summarize(step: EditStep) -> str:
    if step.op == "remove":
        return f"remove {_ref(step.target)}"
    if step.op == "loudness":
        return f"loudness {_ref(step.target)} {step.gain_db:+g}"
    if step.op == "speed":
        return f"speed {_ref(step.target)} x{step.factor:g}" + ("" if step.keep_pitch else " pitch")
    if step.op == "replace":
        return f"replace {_ref(step.target)} -> {step.sound}"
    if step.op == "reorder":
        return "reorder " + " < ".join(_ref(t) for t in step.targets)
    if step.op in ("reverb", "eq"):
        return f"{step.op} {_ref(step.target)} {getattr(step, 'room', None) or getattr(step, 'preset', '')}"
    at = "-" if step.at_s is None else format(step.at_s, "g")
    return f"add {step.sound} at={at} n={step.count} snr={step.snr_db:+g} {step.role}"


CASES = [
    ('S', 'remove the siren', ['remove siren{f0}'], 0),
    ('S', 'drop the siren', ['remove siren{f0}'], 0),
    ('S', 'get rid of the pup', ['remove dog_bark{f2,f3,f4}'], 0),
    ('S', 'delete the first siren', ['remove siren/first{f0}'], 0),
    ('S', 'mute the speech', ['remove speech{f5}'], 0),
    ('S', 'cut the car horn', ['remove car_horn{f1}'], 0),
    ('S', 'take out the dog barks after 5 s', ['remove dog_bark@5-{f3,f4}'], 0),
    ('S', 'eliminate the dogs in the first 3 seconds', ['remove dog_bark@0-3{f2}'], 0),
    ('S', 'silence the siren', ['remove siren{f0}'], 0),
    ('S', 'without the siren', ['remove siren{f0}'], 0),
    ('S', 'I want the siren gone', ['remove siren{f0}'], 0),
    ('S', 'the siren should be removed', ['remove siren{f0}'], 0),
    ('S', 'remove the second bark', ['remove dog_bark/n2{f3}'], 0),
    ('S', 'remove the last dog bark and the first one', ['remove dog_bark/last{f4}', 'remove dog_bark/first{f2}'], 0),
    ('S', 'remove the siren, the horn and the second dog bark', ['remove siren{f0}', 'remove car_horn{f1}', 'remove dog_bark/n2{f3}'], 0),
    ('S', 'remove the dog barks between 2 and 9 seconds', ['remove dog_bark@2-9{f3,f4}'], 0),
    ('S', 'remove the dog at 6 s', ['remove dog_bark@5.5-6.5{f3}'], 0),
    ('S', 'remove the dog barks at the end', ['remove dog_bark@7.5-{f4}'], 0),
    ('S', 'remove the second to last bark', ['remove dog_bark/n2{f3}'], 0),
    ('S', 'please remove the siren, thanks', ['remove siren{f0}'], 0),
    ('S', 'Could you kindly eliminate the sound of the siren? I appreciate it.', ['remove siren{f0}'], 0),
    ('S', 'remove the sirne', ['remove siren{f0}'], 0),
    ('S', 'remove the engine', ['remove street{b0}'], 0),
    ('S', 'remove all non-speech sounds', ['remove street{b0}', 'remove dog_bark{f2,f3,f4}', 'remove siren{f0}', 'remove car_horn{f1}'], 0),
    ('S', 'keep only the speech', ['remove street{b0}', 'remove dog_bark{f2,f3,f4}', 'remove siren{f0}', 'remove car_horn{f1}'], 0),
    ('S', 'replace the dog bark with a cat', ['replace dog_bark{f2,f3,f4} -> cat'], 0),
    ('S', 'swap the dog bark for a cat', ['replace dog_bark{f2,f3,f4} -> cat'], 0),
    ('S', 'turn the siren into a bell', ['replace siren{f0} -> bell'], 0),
    ('S', 'change the horn to a bell', ['replace car_horn{f1} -> bell'], 0),
    ('S', 'use a bird instead of the dog bark', ['replace dog_bark{f2,f3,f4} -> bird'], 0),
    ('S', 'substitute a cat for the dog bark', ['replace dog_bark{f2,f3,f4} -> cat'], 0),
    ('S', 'instead of the dog, a cat', ['replace dog_bark{f2,f3,f4} -> cat'], 0),
    ('S', 'replace the second bark with a door knock', ['replace dog_bark/n2{f3} -> door_knock'], 0),
    ('S', 'swap the siren and the horn', ['reorder car_horn{f1} < siren{f0}'], 0),
    ('S', 'switch the speech and the siren around', ['reorder speech{f5} < siren{f0}'], 0),
    ('S', 'put the horn before the siren', ['reorder car_horn{f1} < siren{f0}'], 0),
    ('S', 'move the horn after the siren', ['reorder siren{f0} < car_horn{f1}'], 0),
    ('S', 'play the horn first', ['reorder car_horn{f1} < dog_bark/n1{f2}'], 0),
    ('S', 'play the speech last', ['reorder dog_bark/n3{f4} < speech{f5}'], 0),
    ('S', 'the horn should come before the siren', ['reorder car_horn{f1} < siren{f0}'], 0),
    ('S', 'swap the speech with the horn', ['reorder car_horn{f1} < speech{f5}'], 0),
    ('S', 'make the horn 6 dB louder', ['loudness car_horn{f1} +6'], 0),
    ('S', 'turn down the siren by 6 dB', ['loudness siren{f0} -6'], 0),
    ('S', 'bring the siren down', ['loudness siren{f0} -6'], 0),
    ('S', 'bring the traffic down a bit', ['loudness street{b0} -3'], 0),
    ('S', 'boost the speech', ['loudness speech{f5} +6'], 0),
    ('S', 'emphasize the speech a little', ['loudness speech{f5} +3'], 0),
    ('S', 'reduce the siren a lot', ['loudness siren{f0} -12'], 0),
    ('S', 'make the dog way louder', ['loudness dog_bark{f2,f3,f4} +12'], 0),
    ('S', 'raise the horn by 4 dB', ['loudness car_horn{f1} +4'], 0),
    ('S', 'lower the volume of the second dog bark by 3 dB', ['loudness dog_bark/n2{f3} -3'], 0),
    ('S', 'turn the speech up a bit', ['loudness speech{f5} +3'], 0),
    ('S', 'make the siren half as loud', ['loudness siren{f0} -10'], 0),
    ('S', 'make the siren twice as loud', ['loudness siren{f0} +10'], 0),
    ('S', 'make the horn 50% louder', ['loudness car_horn{f1} +3.52'], 0),
    ('S', 'make the horn 50% quieter', ['loudness car_horn{f1} -6.02'], 0),
    ('S', 'make all dogs quieter', ['loudness dog_bark{f2,f3,f4} -6'], 0),
    ('S', 'turn the last horn up by 3 dB', ['loudness car_horn/last{f1} +3'], 0),
    ('S', 'the dog is too loud', ['loudness dog_bark{f2,f3,f4} -6'], 0),
    ('S', "i can't hear the speech", ['loudness speech{f5} +6'], 0),
    ('S', 'change the horn by -4 dB', ['loudness car_horn{f1} -4'], 0),
    ('S', 'make the horn quieter by 3 decibels', ['loudness car_horn{f1} -3'], 0),
    ('S', 'double the volume of the horn', ['loudness car_horn{f1} +6'], 0),
    ('S', 'make the bark around 8 seconds louder', ['loudness dog_bark@7.5-8.5{f4} +6'], 0),
    ('S', 'make it quieter overall', ['loudness recording{} -6'], 0),
    ('S', 'make everything except the speech quieter', ['loudness street{b0} -6', 'loudness dog_bark{f2,f3,f4} -6', 'loudness siren{f0} -6', 'loudness car_horn{f1} -6'], 0),
    ('S', 'decrease the volume of the background', ['loudness street{b0} -6'], 0),
    ('S', 'speed up the speech by 1.5x', ['speed speech{f5} x1.5'], 0),
    ('S', 'slow the speech down', ['speed speech{f5} x0.8'], 0),
    ('S', 'make the horn much faster', ['speed car_horn{f1} x1.5'], 0),
    ('S', 'speed the siren up', ['speed siren{f0} x1.25'], 0),
    ('S', 'make the siren 20% slower', ['speed siren{f0} x0.8'], 0),
    ('S', 'speed up the speech by 20%', ['speed speech{f5} x1.2'], 0),
    ('S', 'play the speech at 80% speed', ['speed speech{f5} x0.8'], 0),
    ('S', 'make the dog bark twice as fast', ['speed dog_bark{f2,f3,f4} x2'], 0),
    ('S', 'play the speech at half speed', ['speed speech{f5} x0.5'], 0),
    ('S', 'make the speech 1.5 times faster', ['speed speech{f5} x1.5'], 0),
    ('S', 'slow down the dog barks by half', ['speed dog_bark{f2,f3,f4} x0.5'], 0),
    ('S', 'make the speech play at double speed, like a tape', ['speed speech{f5} x2 pitch'], 0),
    ('S', 'make the speech a bit faster', ['speed speech{f5} x1.1'], 0),
    ('S', 'make the siren much slower', ['speed siren{f0} x0.67'], 0),
    ('S', 'add a bird at 3 s', ['add bird at=3 n=1 snr=+6 foreground'], 0),
    ('S', 'insert a phone ring at 2.5 seconds', ['add phone_ring at=2.5 n=1 snr=+6 foreground'], 0),
    ('S', 'put a dog bark at the end', ['add dog_bark at=8 n=1 snr=+6 foreground'], 0),
    ('S', 'add a bell at the start', ['add bell at=0.5 n=1 snr=+6 foreground'], 0),
    ('S', 'add a cat in the middle', ['add cat at=5 n=1 snr=+6 foreground'], 0),
    ('S', 'add footsteps after the siren', ['add footsteps at=7 n=1 snr=+6 foreground'], 0),
    ('S', 'add a couple of knocks before the horn', ['add door_knock at=4 n=2 snr=+6 foreground'], 0),
    ('S', 'add a few birds', ['add bird at=- n=3 snr=+6 foreground'], 0),
    ('S', 'add a dog barking twice at 4 s', ['add dog_bark at=4 n=2 snr=+6 foreground'], 0),
    ('S', 'add wind throughout', ['add wind at=- n=1 snr=-6 background'], 0),
    ('S', 'add some rain in the background', ['add rain at=- n=1 snr=-6 background'], 0),
    ('S', 'add a quiet bell at 6 s', ['add bell at=6 n=1 snr=+0 foreground'], 0),
    ('S', 'add three knocks at the end', ['add door_knock at=8 n=3 snr=+6 foreground'], 0),
    ('S', 'add a bird and some rain', ['add bird at=- n=1 snr=+6 foreground', 'add rain at=- n=1 snr=+6 foreground'], 0),
    ('S', 'add bird at 0:03', ['add bird at=3 n=1 snr=+6 foreground'], 0),
    ('S', 'add a loud siren at 1 s', ['add siren at=1 n=1 snr=+12 foreground'], 0),
    ('S', 'make this street recording calmer: drop the siren, bring the traffic down a bit and add birds near the end', ['remove siren{f0}', 'loudness street{b0} -3', 'add bird at=8 n=1 snr=+6 foreground'], 0),
    ('S', 'remove the siren and make the horn 6 dB louder', ['remove siren{f0}', 'loudness car_horn{f1} +6'], 0),
    ('S', 'remove the siren; add a bird at 9 s; then swap the horn and the speech', ['remove siren{f0}', 'add bird at=9 n=1 snr=+6 foreground', 'reorder car_horn{f1} < speech{f5}'], 0),
    ('S', 'turn down the siren by 6 dB and the dog by 3 dB', ['loudness siren{f0} -6', 'loudness dog_bark{f2,f3,f4} -3'], 0),
    ('S', 'make the speech louder and faster', ['loudness speech{f5} +6', 'speed speech{f5} x1.25'], 0),
    ('S', 'speed the speech up to 1.2x and make it louder', ['speed speech{f5} x1.2', 'loudness speech{f5} +6'], 0),
    ('S', 'Pump up the volume on the talks and reduce other noises.', ['loudness speech{f5} +6', 'loudness street{b0} -6', 'loudness dog_bark{f2,f3,f4} -6', 'loudness siren{f0} -6', 'loudness car_horn{f1} -6'], 0),
    ('S', 'Increase the volume of the speeches and decrease the volume of the background sounds.', ['loudness speech{f5} +6', 'loudness street{b0} -6'], 0),
    ('S', 'make it calmer', ['loudness dog_bark{f2,f3,f4} -6', 'loudness siren{f0} -6', 'loudness car_horn{f1} -6'], 0),
    ('S', 'make it more peaceful', ['loudness dog_bark{f2,f3,f4} -6', 'loudness siren{f0} -6', 'loudness car_horn{f1} -6'], 0),
    ('S', 'make the siren calmer', ['loudness siren{f0} -6'], 0),
    ('S', 'focus on the speaker', ['loudness street{b0} -10', 'loudness dog_bark{f2,f3,f4} -10', 'loudness siren{f0} -10', 'loudness car_horn{f1} -10'], 0),
    ('S', 'remove the helicopter', [], 1),
    ('S', 'add a helicopter at 3 s', [], 1),
    ('S', 'make it pop', [], 1),
    ('S', 'add a bird at 12 s', [], 1),
    ('S', 'remove the fourth bark', [], 1),
    ('S', 'remove the siren between 7 and 4 s', [], 1),
    ('S', 'Make this sound like a busy office', ['remove dog_bark{f2,f3,f4}', 'remove siren{f0}',
                                                 'add phone_ring at=- n=1 snr=-6 foreground',
                                                 'add footsteps at=- n=2 snr=-10 foreground',
                                                 'add door_knock at=- n=1 snr=-10 foreground',
                                                 'reverb recording{} medium_room'], 0),
    ('S', 'remove the siren and make it pop', ['remove siren{f0}'], 1),
    ('V', 'make the voice louder', ['loudness human_voice{f2} +6'], 0),
    ('V', 'remove the speaker', ['remove human_voice{f2}'], 0),
    ('V', 'remove the traffic', [], 1),
    ('V', 'make it calmer', ['loudness siren{f0} -6', 'loudness car_horn{f1} -6'], 0),
    ('N', 'remove the siren and make the horn 6 dB louder', ['remove siren{}', 'loudness car_horn{} +6'], 0),
    ('N', 'remove all dogs', ['remove dog_bark{}'], 0),
    ('N', 'make the second bark 3 dB louder', ['loudness dog_bark/n2{} +3'], 0),
    ('N', 'add rain near the end', ['add rain at=- n=1 snr=+6 foreground'], 0),
    ('N', 'add a bird at 3 s and a cat at 5 s', ['add bird at=3 n=1 snr=+6 foreground', 'add cat at=5 n=1 snr=+6 foreground'], 0),
    ('N', 'swap the dog and the cat', ['reorder cat{} < dog_bark{}'], 0),
    ('N', 'replace the dog with a helicopter', ['replace dog_bark{} -> helicopter'], 0),
    ('N', 'remove the gurgling tap', ['remove running_water{}'], 0),
    ('N', 'focus on the speaker', ['loudness background{} -10'], 0),
    ('N', 'play the horn first', [], 1),
    ('N', 'make the background quieter', ['loudness background{} -6'], 0),
    # nothing marked background: "the background sounds" are the sounds the request does not name
    ('M', 'Increase the volume of the speeches and decrease the volume of the background sounds.',
     ['loudness speech{f0,f1} +6', 'loudness helicopter{f2} -6', 'loudness dog_bark{f3} -6'], 0),
    ('M', 'remove the background', [], 1),  # with no sound in focus it would be everything: asks instead
    ('N', 'delete the barks in the last 2 seconds', ['remove dog_bark{}'], 0),
    ('N', 'slow the speech down', ['speed speech{} x0.8'], 0),
    # backgrounds can be added: 'in the background', 'a background of', 'ambience', 'behind everything', 'underneath'
    ('S', 'add rain in the background', ['add rain at=- n=1 snr=-6 background'], 0),
    ('S', 'give it a traffic ambience', ['add traffic at=- n=1 snr=-6 background'], 0),
    ('S', 'Can you give it a wind ambience in the background please', ['add wind at=- n=1 snr=-6 background'], 0),
    ('S', 'add a background of rain', ['add rain at=- n=1 snr=-6 background'], 0),
    ('S', 'put rain behind everything', ['add rain at=- n=1 snr=-6 background'], 0),
    ('S', 'lay wind underneath the scene, thanks', ['add wind at=- n=1 snr=-6 background'], 0),
    ('S', 'place the sound of running water in the background', ['add running_water at=- n=1 snr=-6 background'], 0),
    ('S', 'put the siren behind the horn', ['reorder car_horn{f1} < siren{f0}'], 0),
    # add: 'I want to hear a X', 'put in', a leading position moved behind the clause, 'X honking'
    ('S', 'I want to hear a cat at 4.7 s', ['add cat at=4.7 n=1 snr=+6 foreground'], 0),
    ('S', 'At 6.8 s, put in a bell for me', ['add bell at=6.8 n=1 snr=+6 foreground'], 0),
    ('S', 'around 1 second, insert a door knock, thanks', ['add door_knock at=1 n=1 snr=+6 foreground'], 0),
    ('S', 'Towards the middle, add a cat meowing', ['add cat at=5 n=1 snr=+6 foreground'], 0),
    ('S', 'After the siren, add a bird', ['add bird at=7 n=1 snr=+6 foreground'], 0),
    ('S', 'add a car honking at 2 s', ['add car_horn at=2 n=1 snr=+6 foreground'], 0),
    ('S', 'add the sound of a bell to the recording at 3 s', ['add bell at=3 n=1 snr=+6 foreground'], 0),
    # trailing courtesy / constraint clauses are assumptions, not unresolved
    ('S', 'Remove the third bark, keep everything else', ['remove dog_bark/n3{f4}'], 0),
    ('S', 'remove the siren and leave the rest as is', ['remove siren{f0}'], 0),
    ('S', "drop the horn, don't change anything else", ['remove car_horn{f1}'], 0),
    ('S', 'make the speech louder please, nothing else should change', ['loudness speech{f5} +6'], 0),
    # remove: "I don't want to hear X"
    ('S', "I don't want to hear the first dog bark", ['remove dog_bark/first{f2}'], 0),
    ('S', "we don't need the siren any more", ['remove siren{f0}'], 0),
    # a vague position on a reference widens from a quarter to a third when the quarter is empty
    ('S', 'make the speech towards the beginning a bit louder', ['loudness speech@0-3.33333{f5} +3'], 0),
    ('S', 'remove the speech at the start', ['remove speech@0-3.33333{f5}'], 0),
    # speed: by a factor of, time-stretch to N times its length, pitch phrases
    ('S', 'change the speed of the speech by a factor of 0.64', ['speed speech{f5} x0.64'], 0),
    ('S', 'time-stretch the speech to 0.80 times its length', ['speed speech{f5} x1.25'], 0),
    ('S', 'stretch the siren to twice its length', ['speed siren{f0} x0.5'], 0),
    ('S', 'play the horn at 1.5x speed, pitch unchanged', ['speed car_horn{f1} x1.5'], 0),
    ('S', 'play the horn 1.9 times slower but keep the pitch', ['speed car_horn{f1} x0.526'], 0),
    ('S', 'slow the speech down without changing its pitch', ['speed speech{f5} x0.8'], 0),
    ("S", "speed up the speech, don't change the pitch", ['speed speech{f5} x1.25'], 0),
    ('S', 'speed up the speech and let the pitch change', ['speed speech{f5} x1.25 pitch'], 0),
    ('S', 'keep the pitch', [], 1),
    # reorder: 'X first, then Y', 'let it come after', 'push it later'
    ('S', 'play the horn first, then the siren', ['reorder car_horn{f1} < siren{f0}'], 0),
    ('S', 'replace the horn with a bell and let it come after the speech', ['replace car_horn{f1} -> bell', 'reorder speech{f5} < bell{}'], 0),
    ('S', 'swap the speech for a bell and push it later', ['replace speech{f5} -> bell', 'reorder car_horn{f1} < bell{}'], 0),
    ('S', 'make the horn come earlier', ['reorder car_horn{f1} < speech{f5}'], 0),
    ("S", "I'd rather have a cat than the speech, and later on", ['replace speech{f5} -> cat', 'reorder car_horn{f1} < cat{}'], 0),
    # declarative: focus / keep-only phrasings, 'busier' names no sound (unresolved with what to say)
    ('V', 'bring the voice to the front and push everything else back', ['loudness park{b0} -10', 'loudness siren{f0} -10', 'loudness car_horn{f1} -10'], 0),
    ('V', 'I mainly want to hear the voice', ['loudness park{b0} -10', 'loudness siren{f0} -10', 'loudness car_horn{f1} -10'], 0),
    ('V', 'I just want the siren over the ambience', ['remove car_horn{f1}', 'remove human_voice{f2}'], 0),
    ('V', 'keep only the siren and the background', ['remove car_horn{f1}', 'remove human_voice{f2}'], 0),
    ('V', 'calm this recording down', ['loudness siren{f0} -6', 'loudness car_horn{f1} -6'], 0),
    ('S', 'make it livelier', ['add footsteps at=- n=3 snr=-8 foreground', 'add door_knock at=- n=1 snr=-10 foreground'], 0),
]
