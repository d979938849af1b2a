"""Sound classes the small CLAP is trained on, their paraphrases, and caption templates.

Each ``SoundClass`` has a plain ``name`` (the zero-shot prompt "class name"), noun-phrase and
sentence paraphrases used for training captions, and ``eval_paraphrases`` that training never
sees (the zero-shot "paraphrased class names" prompts).

    >>> rng = np.random.default_rng(0)
    >>> isinstance(single_caption(CLASSES["dog_bark"], rng), str)
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class SoundClass:
    key: str
    name: str
    noun_phrases: tuple[str, ...]
    sentences: tuple[str, ...]
    eval_paraphrases: tuple[str, ...] = field(default_factory=tuple)


def _c(key: str, name: str, nps: list[str], sents: list[str], evals: list[str]) -> SoundClass:
    return SoundClass(key, name, tuple(nps), tuple(sents), tuple(evals))


CLASSES: dict[str, SoundClass] = {c.key: c for c in [
    _c("air_conditioner", "air conditioner",
       ["air conditioner", "an air conditioner humming", "the hum of an air conditioner",
        "air conditioning noise", "a ventilation unit"],
       ["an air conditioner hums", "an air conditioning unit is running"],
       ["the whir of an AC unit", "an aircon running", "a cooling unit droning"]),
    _c("car_horn", "car horn",
       ["car horn", "a car horn honking", "the honk of a car horn", "honking"],
       ["a car honks", "a driver honks the horn"],
       ["a vehicle horn beeping", "an automobile hooting", "somebody honks their car horn"]),
    _c("children_playing", "children playing",
       ["children playing", "kids playing", "children shouting and laughing", "the voices of playing children"],
       ["children are playing", "kids shout and laugh"],
       ["a playground full of kids", "young children yelling at play", "boys and girls having fun outside"]),
    _c("dog_bark", "dog bark",
       ["dog barking", "a barking dog", "barking of a dog", "dog barks"],
       ["a dog barks", "a dog is barking"],
       ["a canine barking", "woofing of a dog", "a hound yapping"]),
    _c("drilling", "drilling",
       ["drilling", "a power drill", "an electric drill whirring", "the sound of drilling"],
       ["someone drills into a wall", "a drill is running"],
       ["a cordless drill boring a hole", "a drilling machine", "a drill spinning"]),
    _c("engine_idling", "engine idling",
       ["engine idling", "an idling engine", "a car engine running", "the rumble of an engine"],
       ["an engine idles", "a motor is running"],
       ["a truck motor ticking over", "a vehicle engine running in place", "a parked car with its motor on"]),
    _c("gun_shot", "gun shot",
       ["gunshot", "gunshots", "a gun firing", "a pistol shot"],
       ["a gun is fired", "someone fires a gun"],
       ["a firearm discharging", "the bang of a rifle", "shots being fired"]),
    _c("jackhammer", "jackhammer",
       ["a jackhammer", "a jackhammer pounding", "a pneumatic hammer", "road works with a jackhammer"],
       ["a jackhammer breaks concrete", "a jackhammer is hammering"],
       ["a pneumatic drill breaking pavement", "construction hammering on the road", "a demolition hammer"]),
    _c("siren", "siren",
       ["a siren", "a siren wailing", "an ambulance siren", "a police siren", "an emergency siren"],
       ["a siren wails", "a police car passes with its siren on"],
       ["a fire truck siren", "an emergency vehicle with its siren blaring", "the wailing alarm of an ambulance"]),
    _c("street_music", "street music",
       ["street music", "music playing on the street", "street musicians", "a busker playing"],
       ["musicians play in the street", "music is playing outdoors"],
       ["buskers performing outside", "an outdoor street band", "music from a street performer"]),
    _c("crying_baby", "crying baby",
       ["a baby crying", "an infant crying", "baby cries", "a crying infant"],
       ["a baby cries", "an infant is wailing"],
       ["a newborn weeping", "a toddler bawling", "the cry of a little baby"]),
    _c("speech", "speech",
       ["a person speaking", "a man talking", "a woman talking", "someone talking", "a voice", "spoken words"],
       ["a person speaks", "someone is talking", "a man says something", "a woman reads a sentence"],
       ["a human voice saying words", "a speaker reading aloud", "somebody giving a talk"]),
    _c("music", "music",
       ["a piece of music", "musical instruments playing", "a song", "a melody", "an orchestra playing"],
       ["music is playing", "a band plays a tune"],
       ["an instrumental tune", "a musical performance", "a recording of a song with instruments"]),
    _c("bird", "bird",
       ["a bird chirping", "birdsong", "a bird singing", "a robin whistling", "birds"],
       ["a bird chirps", "a bird sings"],
       ["a songbird tweeting", "chirping of a small bird", "a bird's call"]),
    _c("dog_howling", "dog howling",
       ["a dog howling", "a dog whining", "a dog whimpering"],
       ["a dog howls", "a dog whimpers"],
       ["a canine whining softly", "a puppy whimpering", "a hound howling"]),
    _c("cat", "cat",
       ["a cat meowing", "a cat miaowing", "meowing", "a cat"],
       ["a cat meows", "a cat is miaowing"],
       ["a kitten mewing", "a feline crying out", "a kitty meowing loudly"]),
    _c("running_water", "running water",
       ["a running tap", "water flowing from a tap", "a faucet running", "flowing water"],
       ["water runs from a tap", "the tap is running"],
       ["a sink faucet turned on", "water pouring into a sink", "water streaming from a spout"]),
    _c("dishes", "dishes",
       ["doing the dishes", "clattering dishes", "plates and cutlery clinking", "washing dishes"],
       ["someone washes the dishes", "dishes clatter in a sink"],
       ["washing up pots and pans", "crockery clinking in the kitchen", "kitchen dishwashing sounds"]),
    _c("exercise_bike", "exercise bike",
       ["an exercise bike whirring", "a stationary bicycle", "a squeaky exercise machine"],
       ["someone pedals an exercise bike"],
       ["a gym bicycle spinning", "pedalling on a home trainer", "a fitness bike in use"]),
    _c("whale", "whale",
       ["whale song", "a humpback whale singing", "whale calls underwater"],
       ["a whale sings underwater"],
       ["underwater calls of a whale", "the moaning song of a humpback", "marine mammal vocalisations"]),
    _c("chickens", "chickens",
       ["hens", "chickens clucking", "a hen clucking", "poultry"],
       ["chickens cluck"],
       ["a flock of hens cackling", "farmyard chickens", "clucking poultry"]),
    _c("sheep", "sheep",
       ["sheep bleating", "a sheep baaing", "a flock of sheep"],
       ["a sheep bleats"],
       ["lambs bleating", "a flock of sheep calling", "baa of a sheep"]),
    _c("street_traffic", "traffic",
       ["city street ambience", "traffic noise", "cars passing on a street", "road traffic"],
       ["cars drive by on a busy street"],
       ["urban road noise", "vehicles passing in a city", "a busy road"]),
    _c("cafe", "cafe",
       ["cafe chatter", "a busy restaurant", "people chatting in a cafe", "a crowded cafe"],
       ["people chat in a cafe"],
       ["the murmur of a coffee shop", "diners talking in a restaurant", "background chatter in a bistro"]),
    _c("bell", "bell",
       ["a bell ringing", "a church bell", "chimes", "a ringing bell"],
       ["a bell rings", "a bell chimes"],
       ["the toll of a bell", "a handbell dinging", "bells clanging"]),
    _c("door_knock", "door knock",
       ["knocking on a door", "a knock at the door", "door knocking", "knocks"],
       ["someone knocks on the door", "a person knocks"],
       ["rapping on a wooden door", "a visitor knocking", "tapping on a door"]),
    _c("footsteps", "footsteps",
       ["footsteps", "someone walking", "steps on the floor", "people walking"],
       ["a person walks by", "someone is walking"],
       ["the tread of feet", "a person pacing", "shoes stepping on the ground"]),
    _c("phone_ring", "phone ring",
       ["a phone ringing", "a telephone ringing", "a ringtone", "a ringing telephone"],
       ["a phone rings", "the telephone is ringing"],
       ["an incoming call ringing", "a mobile ringing", "the trill of a telephone"]),
    _c("rain", "rain",
       ["rain", "rainfall", "rain falling", "a rainstorm", "raindrops"],
       ["it is raining", "rain pours down"],
       ["a downpour", "drizzle pattering", "heavy showers"]),
    _c("wind", "wind",
       ["wind", "wind blowing", "gusts of wind", "a breeze"],
       ["the wind blows", "wind howls"],
       ["a gusty gale", "air rushing past", "a strong breeze whooshing"]),
]}

ALIASES = {"traffic": "street_traffic"}

NP_TEMPLATES = ("{}", "{}", "the sound of {}", "{} can be heard", "a recording of {}", "{} nearby")
PAIR_TEMPLATES = ("{a_s} and {b_s}", "{a_np} and {b_np}", "{a_s} while {b_s}", "{a_np} together with {b_np}",
                  "{a_np}, {b_np}")
SEQUENCE_TEMPLATES = ("{a_s}, then {b_s}", "{a_np} followed by {b_np}", "first {a_np}, then {b_np}")
BACKGROUND_TEMPLATES = ("{a_s} with {b_np} in the background", "{a_np} over {b_np}",
                        "{a_np} with {b_np} in the background")


def sound_class(label: str) -> SoundClass:
    """The known class for ``label``, or a generic one built from the label's words."""
    label = ALIASES.get(label, label)
    if label in CLASSES:
        return CLASSES[label]
    words = label.replace("_", " ").replace("-", " ").strip()
    return SoundClass(label, words, (words, f"the sound of {words}", f"{words} sounds"), (), ())


def _np(cls: SoundClass, rng: np.random.Generator) -> str:
    return str(rng.choice(cls.noun_phrases + (cls.name,)))


def _sentence(cls: SoundClass, rng: np.random.Generator) -> str:
    return str(rng.choice(cls.sentences)) if cls.sentences and rng.random() < 0.5 else _np(cls, rng)


def single_caption(cls: SoundClass, rng: np.random.Generator) -> str:
    """A training caption for one sound class."""
    if cls.sentences and rng.random() < 0.3:
        return str(rng.choice(cls.sentences))
    return str(rng.choice(NP_TEMPLATES)).format(_np(cls, rng))


def pair_caption(a: SoundClass, b: SoundClass, rng: np.random.Generator, kind: str) -> str:
    """A caption for two classes; ``kind`` is ``overlap``, ``sequence`` (a before b) or ``background``."""
    templates = {"overlap": PAIR_TEMPLATES, "sequence": SEQUENCE_TEMPLATES, "background": BACKGROUND_TEMPLATES}[kind]
    template = str(rng.choice(templates))
    return template.format(a_s=_sentence(a, rng), b_s=_sentence(b, rng), a_np=_np(a, rng), b_np=_np(b, rng))


def class_prompts(keys: list[str], paraphrase_index: int | None = None) -> list[str]:
    """Zero-shot prompts: the plain names (``None``) or each class's n-th eval paraphrase."""
    out = []
    for key in keys:
        cls = sound_class(key)
        if paraphrase_index is None or not cls.eval_paraphrases:
            out.append(cls.name)
        else:
            out.append(cls.eval_paraphrases[paraphrase_index % len(cls.eval_paraphrases)])
    return out
