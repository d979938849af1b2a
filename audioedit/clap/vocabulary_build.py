"""Generates ``audioedit/clap/vocabulary.json``, the one label vocabulary of the small CLAP:

    python -m audioedit.clap.vocabulary_build            # rewrites the table (deterministic)
    python -m audioedit.clap.vocabulary_build --check    # exit 1 if the table is stale

Each entry: ``key``, plain ``name`` (the zero-shot prompt), ``synonyms`` (noun phrases) and
``captions`` (short sentences) used as training text, ``eval_paraphrases`` that training never
sees, and ``sets`` ("core": the 30 classes of the shipped CLAP, whose names stay the default
grounding references; "broad": classes of the broad corpus; "extra": labels the planner and the
annotations use that no CLAP trains on). For the planner and grounding (``vocabulary_words``):
``words`` (short informal names matched first: "pooch", "mooing"), ``related`` (entries that may
stand in when a scene lacks this one), ``broader`` (the entries it is a kind of: violin -> music)
``labels`` (its older labels: ``applause`` for ``clapping``) and ``role`` (background or foreground when detected). ``sources`` maps every label of the
dev corpus folders with a ``metadata.csv`` to an entry key (null: not trained on: UI sounds,
ambiguous or synthesised labels). Rows: ``key | name | synonyms | captions | eval paraphrases``,
lists split on ``;``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from audioedit.clap.vocabulary_words import BACKGROUND, BROADER, EXTRA, LABELS, RELATED, WORDS

TABLE = Path(__file__).with_name("vocabulary.json")

CORE = """
air_conditioner | air conditioner | air conditioner; an air conditioner humming; the hum of an air conditioner; air conditioning noise; a ventilation unit | an air conditioner hums; an air conditioning unit is running | the whir of an AC unit; an aircon running; a cooling unit droning
car_horn | car horn | car horn; a car horn honking; the honk of a car horn; honking | a car honks; a driver honks the horn | a vehicle horn beeping; an automobile hooting; somebody honks their car horn
children_playing | children playing | children playing; kids playing; children shouting and laughing; the voices of playing children | children are playing; kids shout and laugh | a playground full of kids; young children yelling at play; boys and girls having fun outside
dog_bark | dog bark | dog barking; a barking dog; barking of a dog; dog barks; a dog | a dog barks; a dog is barking | a canine barking; woofing of a dog; a hound yapping
drilling | drilling | drilling; a power drill; an electric drill whirring; the sound of drilling | someone drills into a wall; a drill is running | a cordless drill boring a hole; a drilling machine; a drill spinning
engine_idling | engine idling | engine idling; an idling engine; a car engine running; the rumble of an engine; an engine; a motor | an engine idles; a motor is running | a truck motor ticking over; a vehicle engine running in place; a parked car with its motor on
gun_shot | gun shot | gunshot; gunshots; a gun firing; a pistol shot | a gun is fired; someone fires a gun | a firearm discharging; the bang of a rifle; shots being fired
jackhammer | jackhammer | a jackhammer; a jackhammer pounding; a pneumatic hammer; road works with a jackhammer | a jackhammer breaks concrete; a jackhammer is hammering | a pneumatic drill breaking pavement; construction hammering on the road; a demolition hammer
siren | siren | a siren; a siren wailing; an ambulance siren; a police siren; an emergency siren | a siren wails; a police car passes with its siren on | a fire truck siren; an emergency vehicle with its siren blaring; the wailing alarm of an ambulance
street_music | street music | street music; music playing on the street; street musicians; a busker playing | musicians play in the street; music is playing outdoors | buskers performing outside; an outdoor street band; music from a street performer
crying_baby | crying baby | a baby crying; an infant crying; baby cries; a crying infant | a baby cries; an infant is wailing | a newborn weeping; a toddler bawling; the cry of a little baby
speech | speech | a person speaking; a man talking; a woman talking; someone talking; a voice; spoken words; a word spoken aloud | a person speaks; someone is talking; a man says something; a woman reads a sentence; someone says a word | a human voice saying words; a speaker reading aloud; somebody giving a talk
music | music | a piece of music; musical instruments playing; a song; a melody; an orchestra playing | music is playing; a band plays a tune | an instrumental tune; a musical performance; a recording of a song with instruments
bird | bird | a bird chirping; birdsong; a bird singing; a robin whistling; birds; chirping birds; birds tweeting | a bird chirps; a bird sings; birds chirp in the trees | a songbird tweeting; chirping of a small bird; a bird's call
dog_howling | dog howling | a dog howling; a dog whining; a dog whimpering | a dog howls; a dog whimpers | a canine whining softly; a puppy whimpering; a hound howling
cat | cat | a cat meowing; a cat miaowing; meowing; a cat | a cat meows; a cat is miaowing | a kitten mewing; a feline crying out; a kitty meowing loudly
running_water | running water | a running tap; water flowing from a tap; a faucet running; flowing water; a fountain | water runs from a tap; the tap is running; water splashes in a fountain | a sink faucet turned on; water pouring into a sink; water streaming from a spout
dishes | dishes | doing the dishes; clattering dishes; plates and cutlery clinking; washing dishes | someone washes the dishes; dishes clatter in a sink | washing up pots and pans; crockery clinking in the kitchen; kitchen dishwashing sounds
exercise_bike | exercise bike | an exercise bike whirring; a stationary bicycle; a squeaky exercise machine | someone pedals an exercise bike | a gym bicycle spinning; pedalling on a home trainer; a fitness bike in use
whale | whale | whale song; a humpback whale singing; whale calls underwater | a whale sings underwater | underwater calls of a whale; the moaning song of a humpback; marine mammal vocalisations
chickens | chickens | hens; chickens clucking; a hen clucking; poultry; a hen | chickens cluck; a hen clucks in the yard | a flock of hens cackling; farmyard chickens; clucking poultry
sheep | sheep | sheep bleating; a sheep baaing; a flock of sheep | a sheep bleats | lambs bleating; a flock of sheep calling; baa of a sheep
street_traffic | traffic | city street ambience; traffic noise; cars passing on a street; road traffic; a busy street | cars drive by on a busy street | urban road noise; vehicles passing in a city; a busy road
cafe | cafe | cafe chatter; a busy restaurant; people chatting in a cafe; a crowded cafe; a restaurant | people chat in a cafe | the murmur of a coffee shop; diners talking in a restaurant; background chatter in a bistro
bell | bell | a bell ringing; a church bell; chimes; a ringing bell; church bells | a bell rings; a bell chimes; church bells ring | the toll of a bell; a handbell dinging; bells clanging
door_knock | door knock | knocking on a door; a knock at the door; door knocking; knocks; a wooden door knock | someone knocks on the door; a person knocks | rapping on a wooden door; a visitor knocking; tapping on a door
footsteps | footsteps | footsteps; someone walking; steps on the floor; people walking; footsteps on gravel; footsteps in snow; walking on a wooden floor | a person walks by; someone is walking; someone walks on gravel | the tread of feet; a person pacing; shoes stepping on the ground
phone_ring | phone ring | a phone ringing; a telephone ringing; a ringtone; a ringing telephone | a phone rings; the telephone is ringing | an incoming call ringing; a mobile ringing; the trill of a telephone
rain | rain | rain; rainfall; rain falling; a rainstorm; raindrops; light rain; rain on leaves | it is raining; rain pours down | a downpour; drizzle pattering; heavy showers
wind | wind | wind; wind blowing; gusts of wind; a breeze; howling wind; wind in the trees | the wind blows; wind howls | a gusty gale; air rushing past; a strong breeze whooshing
"""

BROAD = """
rooster | rooster | a rooster crowing; a cockerel; cock-a-doodle-doo | a rooster crows at dawn | a cock crowing on a farm
pig | pig | a pig oinking; pigs grunting; a grunting hog | a pig oinks; a pig grunts in the mud | a hog snorting
cow | cow | a cow mooing; cattle lowing; cows; a moo | a cow moos in a field; a cow is mooing | cattle calling in a pasture
frog | frog | a frog croaking; frogs; toads croaking | a frog croaks by the pond | ribbiting of a toad
insects | insects | insects buzzing; a buzzing fly; a mosquito; bees buzzing | a fly buzzes around | the drone of a bee
crow | crow | a crow cawing; crows; ravens calling | a crow caws | the caw of a raven
sea_waves | sea waves | waves crashing; ocean waves; the sea; surf on a beach | waves break on the shore | surf rolling onto the sand
crackling_fire | crackling fire | a crackling fire; a campfire; fire burning; flames crackling; a fireplace | a fire crackles; wood burns in a fireplace | logs popping in a hearth
crickets | crickets | crickets chirping; a cricket; chirping crickets at night | crickets chirp at night | the trill of a cricket
water_drops | water drops | water dripping; drops of water; a dripping tap | water drips into a sink | a leaky faucet drip
pouring_water | pouring water | water being poured; pouring water into a glass; filling a glass with water | someone pours water into a glass | liquid poured into a cup
toilet_flush | toilet flush | a toilet flushing; a flushing toilet | someone flushes the toilet | a lavatory being flushed
thunderstorm | thunderstorm | thunder; a thunderstorm; a clap of thunder; rolling thunder | thunder rumbles in the distance | a storm with thunderclaps
sneezing | sneezing | a sneeze; someone sneezing | a person sneezes | an achoo
clapping | clapping | clapping; applause; hands clapping; an audience applauding | people clap their hands; the audience applauds | a round of applause
breathing | breathing | heavy breathing; someone breathing; a person panting | a person breathes in and out | inhaling and exhaling
coughing | coughing | a cough; someone coughing | a person coughs | a hacking cough
laughing | laughing | laughter; someone laughing; people laughing | a person laughs | giggling and chuckling
brushing_teeth | brushing teeth | brushing teeth; a toothbrush scrubbing | someone brushes their teeth | scrubbing with a toothbrush
snoring | snoring | snoring; someone snoring | a person snores in their sleep | a sleeper snoring loudly
drinking_sipping | drinking | drinking; sipping; someone gulping a drink | a person sips a drink | slurping a beverage
mouse_click | mouse click | a mouse click; clicking a computer mouse | someone clicks the mouse | the click of a computer mouse
keyboard_typing | keyboard typing | typing on a keyboard; keyboard clicks; a computer keyboard | someone types on a keyboard | tapping keys on a laptop
door_wood_creaks | door creak | a creaking door; a squeaky door hinge; a door creaks open | a door creaks open slowly | a squeaking hinge
can_opening | can opening | opening a can; a soda can popping; a can being opened | someone opens a can of soda | the pop and fizz of a drink can
washing_machine | washing machine | a washing machine; a laundry machine spinning | a washing machine spins | a clothes washer running
vacuum_cleaner | vacuum cleaner | a vacuum cleaner; hoovering; vacuuming | someone vacuums the carpet | the whine of a hoover
clock_alarm | alarm clock | an alarm clock ringing; an alarm beeping; an alarm | an alarm clock goes off | a beeping wake-up alarm
clock_tick | clock ticking | a clock ticking; tick tock; a ticking clock | a clock ticks | the ticking of a wall clock
glass_breaking | glass breaking | breaking glass; glass shattering; a window smashing | a glass shatters on the floor | a bottle smashing to pieces
helicopter | helicopter | a helicopter; helicopter rotor blades; a chopper flying | a helicopter flies overhead | the thump of rotor blades
chainsaw | chainsaw | a chainsaw; a chainsaw cutting wood | a chainsaw cuts a tree | a power saw buzzing
train | train | a train; a train passing; a railway; inside a train | a train rolls past on the tracks | a locomotive on the rails
airplane | airplane | an airplane; a plane flying; a jet passing overhead; an aircraft | a plane flies overhead | a jet engine roaring in the sky
fireworks | fireworks | fireworks; firecrackers; fireworks exploding | fireworks explode in the sky | bangs of firecrackers
hand_saw | hand saw | a hand saw; sawing wood | someone saws a plank by hand | a carpenter sawing timber
duck | duck | a duck quacking; ducks | a duck quacks on the pond | the quack of a mallard
horse | horse | a horse neighing; a horse whinnying; horse hooves | a horse neighs | the whinny of a pony
owl | owl | an owl hooting; owls | an owl hoots at night | the hoot of a barn owl
wolf | wolf | a wolf howling; wolves | a wolf howls | the howl of a wolf pack
accordion | accordion | an accordion; accordion music | someone plays the accordion | a squeezebox tune
banjo | banjo | a banjo; banjo plucking | someone plays the banjo | a twangy banjo tune
bongo | bongos | bongo drums; bongos | someone plays the bongos | hand drums being tapped
castanets | castanets | castanets clicking | castanets click | clacking of castanets
cello | cello | a cello; a cello playing | someone plays the cello | a bowed cello melody
clarinet | clarinet | a clarinet; clarinet music | someone plays the clarinet | a woodwind melody
coins | coins | coins jingling; coins dropping; loose change | coins clink on a table | the jingle of change
cymbal | cymbal | a cymbal crash; a hi-hat; cymbals | a cymbal crashes | the shimmer of a cymbal
drums | drums | drums; a drum kit; a snare drum; a kick drum; a drum roll; a drum beat | a drummer plays a beat | percussion being played
electric_guitar | electric guitar | an electric guitar; a distorted guitar | someone plays an electric guitar | a rock guitar riff
flute | flute | a flute; flute music | someone plays the flute | a breathy flute melody
guitar | guitar | a guitar; an acoustic guitar; guitar strumming | someone strums a guitar | plucked guitar strings
harmonica | harmonica | a harmonica; a mouth organ | someone plays the harmonica | a bluesy mouth organ
harp | harp | a harp; harp strings | someone plays the harp | a plucked harp melody
organ | organ | an organ; a church organ | an organ plays a chord | the drone of a pipe organ
piano | piano | a piano; piano music; piano keys | someone plays the piano | a pianist playing a tune
saxophone | saxophone | a saxophone; a sax | someone plays the saxophone | a jazzy saxophone
tambourine | tambourine | a tambourine; a jingling tambourine | someone shakes a tambourine | the jingle of a tambourine
triangle | triangle | a triangle ringing; a triangle instrument | someone strikes a triangle | a metal triangle tinkling
trombone | trombone | a trombone | someone plays the trombone | a sliding trombone note
trumpet | trumpet | a trumpet; a trumpet fanfare | someone plays the trumpet | a brass trumpet call
tuba | tuba | a tuba | someone plays the tuba | a low brass tuba
violin | violin | a violin; a fiddle | someone plays the violin | a bowed violin melody
xylophone | xylophone | a xylophone; a glockenspiel | someone plays the xylophone | mallets on a xylophone
maracas | maracas | maracas shaking; a shaker | someone shakes maracas | rattling maracas
gong | gong | a gong; a gong being struck | someone strikes a gong | the crash of a gong
tabla | tabla | tabla drums; a tabla | someone plays the tabla | Indian hand drums
cowbell | cowbell | a cowbell | someone hits a cowbell | a clanking cowbell
heartbeat | heartbeat | a heartbeat; a heart beating | a heart beats | the thump of a pulse
car_passing | car passing | a car passing; a car driving by; a car | a car drives past | a vehicle going by
factory | factory | factory noise; machinery; industrial machines | machines run in a factory | a noisy workshop
harbour | harbour | a harbour; boats in a port; a ship's horn | boats move in the harbour | a busy port by the sea
door_open | door opening | a door opening; a door opens | someone opens a door | a door swinging open
door_close | door closing | a door closing; a door slamming shut; a door slam | someone shuts the door | a door banging shut
body_fall | body falling | a body falling; someone falling to the ground; a thud | a person falls to the floor | a heavy thud on the ground
pain_cry | cry of pain | a cry of pain; someone groaning; a person yelling in pain; a death cry | a man cries out in pain | a wounded groan
scream | scream | a scream; someone screaming; a shriek | a woman screams | a terrified shriek
metal_crash | metal crash | metal crashing; metal breaking; a clang of metal | metal crashes to the ground | a sheet of metal clattering
wood_breaking | wood breaking | wood breaking; a plank snapping; splintering wood | a wooden plank snaps | timber cracking apart
steam | steam hiss | steam hissing; a hiss of steam | steam hisses from a pipe | a hissing valve
underwater | underwater | underwater; bubbling underwater; a diver underwater | sounds muffled underwater | submerged in water
splash | splash | a water splash; splashing; something falling into water | something splashes into water | a splash in a pool
bubbles | bubbles | bubbles; bubbling water; an aquarium | water bubbles | gurgling bubbles
church | church ambience | inside a church; a church interior | people murmur in a church | a quiet cathedral
crowd | crowd | a crowd; people chattering; a crowded bar; a supermarket | a crowd chatters | many people talking at once
river | river | a river; a stream; a flowing river; a waterfall | a river flows over rocks | a babbling brook
paper | paper rustling | paper rustling; turning pages; crumpling paper; a book | someone turns the pages of a book | the rustle of paper
typewriter | typewriter | a typewriter; typewriter keys | someone types on a typewriter | the clack of a typewriter
blender | blender | a blender; a food processor | a blender whirs | a kitchen mixer running
boiling_water | boiling water | boiling water; a kettle boiling; a kettle | water boils in a pot | a bubbling kettle
chopping | chopping | chopping vegetables; a knife on a cutting board | someone chops onions | a knife chopping
cupboard | cupboard | a cupboard door; a cabinet opening | someone opens a cupboard | a cabinet door closing
cutlery | cutlery | cutlery clinking; forks and knives | cutlery clinks on a plate | silverware rattling
dishwasher | dishwasher | a dishwasher running | a dishwasher runs | a dish washing machine
drawer | drawer | a drawer opening; a drawer sliding | someone slides a drawer shut | a kitchen drawer
eating | eating | eating; chewing; someone munching | someone chews their food | crunching food
fridge | fridge | a fridge; a refrigerator humming; a fridge door | the fridge hums | a refrigerator compressor
frying | frying | frying; sizzling in a pan; a frying pan | food sizzles in a pan | bacon sizzling
juicer | juicer | a juicer; a juice extractor | a juicer whirs | squeezing juice with a machine
microwave | microwave | a microwave oven; a microwave beeping | the microwave hums and beeps | a microwave running
peeling | peeling | peeling vegetables; a peeler | someone peels a potato | scraping skin off a carrot
plates | plates | plates clattering; stacking plates | plates clatter together | crockery being stacked
stove_burner | gas stove | a gas stove burner; a stove igniting | a gas burner is lit | a hob clicking on
extractor_fan | extractor fan | an extractor fan; a cooker hood fan | the kitchen fan hums | a range hood running
sweeping | sweeping | sweeping with a broom; a broom on the floor | someone sweeps the floor | brushing the floor
finger_snap | finger snap | finger snapping; a snap of the fingers | someone snaps their fingers | a click of fingers
burp | burp | a burp; belching | someone burps | a loud belch
cash_register | cash register | a cash register; a till ringing | the till rings up a sale | a register drawer opening
vinyl | vinyl record | vinyl crackle; a record scratching; a turntable | a record crackles on a turntable | a DJ scratching a record
"""

SOURCES: dict[str, dict[str, str | None]] = {
    "esc50_16k": {"dog": "dog_bark", "hen": "chickens", "chirping_birds": "bird", "door_wood_knock": "door_knock",
                  "engine": "engine_idling", "church_bells": "bell"},
    "gcompris": {"applause": "clapping", "arrow": None, "bongo": "bongo", "brush": None, "car": "car_passing",
                 "car_engine_start_stop": "engine_idling", "card_flip": None, "chicken": "chickens",
                 "dog": "dog_bark", "drum_kit": "drums", "eraser": None, "factory_noise": "factory",
                 "fireballs": None, "footsteps_ice": "footsteps", "frogs": "frog", "harbor": "harbour",
                 "hits": None, "horn": None, "knock": "door_knock", "lock": None, "metal_hit": None,
                 "object_falling": None, "pickaxe": None, "ring": None, "snare_drum": "drums", "timpani": "drums",
                 "water_fill": "pouring_water"},
    "ufoai_foley": {"creak": "door_wood_creaks", "door_creak": "door_wood_creaks", "door_open_close": None,
                    "female_death_cry": "pain_cry", "male_death_cry": "pain_cry", "female_pain": "pain_cry",
                    "male_pain": "pain_cry", "female_scream": "scream", "fire": "crackling_fire",
                    "fountain": "running_water", "glass_break": "glass_breaking", "metal_break": "metal_crash",
                    "thunder": "thunderstorm", "water": "running_water", "water_splash": "splash",
                    "wood_break": "wood_breaking", **{f"footsteps_{s}": "footsteps" for s in (
                        "carpet", "dirt", "grass", "gravel", "linoleum", "metal", "sand", "snow", "stone", "tile",
                        "water", "wood")}},
    "moodist_ambience": {"alarm": "clock_alarm", "birds": "bird", "busy_street": "street_traffic",
                         "campfire": "crackling_fire", "clock": "clock_tick", "cows": "cow", "crowded_bar": "crowd",
                         "crows": "crow", "howling_wind": "wind", "inside_a_train": "train",
                         "keyboard": "keyboard_typing", "laundry_room": "washing_machine", "light_rain": "rain",
                         "night_village": None, "rain_on_leaves": "rain", "rain_on_umbrella": "rain",
                         "restaurant": "cafe", "road": "street_traffic", "sailboat": None, "slide_projector": None,
                         "supermarket": "crowd", "thunder": "thunderstorm", "walk_on_gravel": "footsteps",
                         "waterfall": "river", "wind_in_trees": "wind", "windshield_wipers": None},
    "kitchen20": {"book": "paper", "clean_dishes": "dishes", "eat": "eating", "frying_pan": "frying",
                  "peel": "peeling", "stove_fan": "extractor_fan", "sweep": "sweeping",
                  "water_flowing": "running_water"},
    "sonicpi": {"3d_printer": None, "bass": None, "door": None, "drum_loop": "drums", "drum_roll": "drums",
                "glass_rub": None, "hi_hat": "cymbal", "kick_drum": "drums", "snare_drum": "drums",
                "tom_drum": "drums", "vinyl_crackle": "vinyl", "vinyl_scratch": "vinyl"},
    "ovos_animals_cc0": {"dog": "dog_bark"},
    "ktuberling_speech": {"*": "speech"},  # every spoken word is speech
}


def _rows(text: str, tag: str) -> list[dict]:
    out = []
    for line in text.strip().splitlines():
        key, name, syn, caps, evals = (part.strip() for part in line.split("|"))
        split = lambda s: [x.strip() for x in s.split(";") if x.strip()]  # noqa: E731
        out.append({"key": key, "name": name, "synonyms": split(syn), "captions": split(caps),
                    "eval_paraphrases": split(evals), "sets": [tag]})
    return out


def _with_planner_fields(entry: dict) -> dict:
    """``entry`` with the planner's ``words``, its ``related`` and ``broader`` entries and its grounding ``role``."""
    words = [w.strip() for w in WORDS.get(entry["key"], "").split(";") if w.strip()]
    role = "background" if entry["key"] in BACKGROUND else "foreground"
    return {**entry, "words": words, "related": list(RELATED.get(entry["key"], ())),
            "broader": list(BROADER.get(entry["key"], ())), "labels": list(LABELS.get(entry["key"], ())), "role": role}


def build() -> dict:
    """The table as a JSON-ready dict; identity-mapped source labels must name an entry."""
    entries = [_with_planner_fields(e) for e in _rows(CORE, "core") + _rows(BROAD, "broad") + _rows(EXTRA, "extra")]
    keys = [e["key"] for e in entries]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate vocabulary keys")
    links = {**RELATED, **BROADER, **{key: () for key in LABELS}}
    named = set(WORDS) | set(links) | set(BACKGROUND) | {k for linked in links.values() for k in linked}
    if named - set(keys):
        raise ValueError(f"planner words name unknown keys {sorted(named - set(keys))}")
    for source, table in SOURCES.items():
        for label, key in table.items():
            if key is not None and key not in keys:
                raise ValueError(f"{source}/{label} maps to unknown key {key!r}")
    return {"generated_by": "python -m audioedit.clap.vocabulary_build", "entries": entries,
            "aliases": {"traffic": "street_traffic"}, "sources": SOURCES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if vocabulary.json differs from a rebuild")
    args = parser.parse_args(argv)
    text = json.dumps(build(), indent=1, ensure_ascii=False) + "\n"
    if args.check:
        return 0 if TABLE.is_file() and TABLE.read_text(encoding="utf-8") == text else 1
    TABLE.write_text(text, encoding="utf-8")
    print(f"wrote {TABLE.name}")  # noqa: T201 - command-line entry point
    return 0


if __name__ == "__main__":
    sys.exit(main())
