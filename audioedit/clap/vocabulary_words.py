"""The planner's part of the label vocabulary, read by ``audioedit.clap.vocabulary_build`` only.

``EXTRA`` rows (same format as the generator's CORE / BROAD) are labels the planner and the
annotations use that are no CLAP training class (Scaper's test labels, a few common sounds): set
"extra". ``WORDS`` are the short, informal words people type for an entry ("the pooch", "the
mooing", "the chopper"), matched before the entries' names and synonyms, in this order (the first
entry to claim a phrase keeps it). ``RELATED``: entries that may stand in for each other when a
scene lacks one ("traffic" for ``street``); ``BROADER``: the entries an entry is a kind of, which
may stand in for it ("the violin" in a scene labelled ``music``); ``LABELS``: older labels of an entry. ``BACKGROUND``: entries grounded as background
(ambiences, beds). Lists are split on ``;``.
"""

from __future__ import annotations

EXTRA = """
human_voice | human voice | a human voice; a voice; vocals; someone singing | a person sings | a vocalist
park | park | a park; park ambience; people in a park | people stroll in a park | an urban green space
street | street | a street; street noise; street ambience; a city street | people and cars on a city street | urban street sounds
noise | noise | noise; hiss; static; white noise | a steady hiss of noise | broadband static
boat | boat | a boat; a motorboat; an outboard motor | a motorboat passes | a speedboat engine
explosion | explosion | an explosion; a blast; a loud boom | something explodes | a detonation
"""

# the planner's words (its table before the vocabulary was one; "the pooch" is left to its meaning match), then
# informal words for the broad entries
WORDS: dict[str, str] = {
    "air_conditioner": "air conditioner; air conditioning; aircon; air con; ac unit; ac; hvac",
    "car_horn": "car horn; horn; honk; honking; hooter; beep; beeping; klaxon; horn honk; car honking; car honk; "
                "honking car; car horn honking; honking horn",
    "children_playing": "children playing; children; child; kid; kids playing; playground; children voices; kids",
    "dog_bark": "dog bark; dog; dogbark; bark; barking; dog barking; barking dog; pup; puppy; woof; hound; doggy; "
                "doggo; yap; yapping; howl; howling",
    "drilling": "drilling; drill; power drill; electric drill",
    "engine_idling": "engine idling; engine; idling; idling engine; idle; motor; running engine; idling car",
    "gun_shot": "gun shot; gun; gunshot; shot; gunfire; firing; shooting; pistol; rifle",
    "jackhammer": "jackhammer; jack hammer; pneumatic drill; pneumatic hammer",
    "siren": "siren; ambulance; police siren; fire engine; fire truck; police car; emergency vehicle; wail; wailing",
    "street_music": "street music; busker; busking; street musician; street band; street performer",
    "human_voice": "human voice; voice; human; vocal; singing; singer",
    "park": "park; parkland; park ambience",
    "cafe": "restaurant; cafe; café; diner; bistro; canteen; cafeteria; restaurant ambience",
    "street": "street; street noise; street ambience; road; city; city noise; urban",
    "noise": "noise; hiss; static; white noise; pink noise",
    "bird": "bird; birdsong; bird song; birdcall; bird call; chirp; chirping; tweet; tweeting; robin; sparrow; songbird; "
            "cuckoo; warble; warbling; twitter; twittering; birds chirping; pigeon; seagull; gull",
    "speech": "speech; speaker; speaking; talking; talk; talker; spoken; conversation; person talking; man speaking; "
              "woman speaking; people talking; narration; narrator; dialogue; announcer; lecture; voiceover; man; "
              "woman; person; people",
    "cat": "cat; meow; miaow; meowing; miaowing; kitten; kitty; purr; purring",
    "door_knock": "door knock; knock; knocking; knock on the door; knocking on the door; door",
    "footsteps": "footsteps; footstep; step; walking; feet; footfall; stomping",
    "bell": "bell; chime; chiming; ding; church bell; doorbell; bell ringing; ringing bell",
    "phone_ring": "phone ring; phone; telephone; phone ringing; ringtone; ring tone; cellphone; cell phone; "
                  "mobile phone; ringing phone; ring; ringing",
    "street_traffic": "traffic; car; vehicle; road noise; passing car; highway; motorway; freeway; traffic noise; "
                      "rush hour",
    "rain": "rain; raining; rainfall; drizzle; downpour; rainstorm; raindrop; rain shower",
    "wind": "wind; windy; breeze; gust; gusting; howling wind",
    "running_water": "running water; water; tap; faucet; stream; brook; creek; flowing water; trickle; gurgle; "
                     "gurgling; tap water; running tap; fountain",
    "dishes": "dishes; dish; crockery; washing up; doing the dishes; pots and pans; pot; clatter; clattering; clinking",
    "music": "music; song; melody; tune; soundtrack; instrumental; oboe; radio; tunes",
    "crying_baby": "baby cry; baby; baby crying; crying baby; crying; cry; infant; newborn",
    "clapping": "applause; clapping; clap; handclap",
    "crowd": "crowd; crowd noise; cheering; cheer; chatter; babble; murmur; audience",
    "laughing": "laughter; laugh; laughing; giggle; giggling",
    "thunderstorm": "thunder; thunderclap; thunderstorm",
    "clock_tick": "clock tick; clock; ticking; tick; clock ticking; tick tock",
    "keyboard_typing": "keyboard typing; typing; keyboard; keystroke",
    "glass_breaking": "glass breaking; breaking glass; shatter; shattering; broken glass",
    "helicopter": "helicopter; chopper",
    "airplane": "airplane; aeroplane; plane; jet; aircraft",
    "train": "train; railway; locomotive; tram",
    "sea_waves": "ocean; sea; wave; surf; seaside",
    "insects": "insect; bee; cicada; mosquito; buzzing insect",
    "chickens": "chicken; hen; clucking",
    "sheep": "sheep; bleat; bleating; baa",
    "whale": "whale; whale song; humpback",
    "coughing": "cough; coughing",
    "clock_alarm": "alarm; alarm clock; smoke alarm; fire alarm",
    "horse": "horse; hoof; hooves; clip clop; galloping; neigh; neighing",
    "duck": "duck; quack; quacking",
    "boat": "boat; motorboat; speedboat; outboard motor",
    "explosion": "explosion; blast; boom",
    "toilet_flush": "toilet flush; toilet; toilet flushing; flush; flushing",
    # informal words for the broad entries (their names and synonyms are matched after all of these)
    "rooster": "rooster; cockerel; cock; crowing; cock a doodle doo",
    "pig": "pig; oink; oinking; hog; swine; piglet",
    "cow": "cow; moo; mooing; cattle; calf; bull; lowing",
    "frog": "frog; toad; croak; croaking; ribbit",
    "crow": "crow; raven; caw; cawing",
    "crackling_fire": "fire; campfire; fireplace; bonfire; crackling; crackle",
    "crickets": "cricket; chirping cricket",
    "water_drops": "drip; dripping; water drop; leaky tap; leaky faucet",
    "pouring_water": "pouring water",
    "sneezing": "sneeze; sneezing; achoo",
    "breathing": "breathing; panting",
    "snoring": "snoring; snore",
    "drinking_sipping": "drinking; sipping; slurping; gulping",
    "mouse_click": "mouse click; mouse clicking",
    "door_wood_creaks": "door creak; creak; creaking; squeak; squeaking; creaky door; squeaky door",
    "can_opening": "can opening; soda can",
    "washing_machine": "washing machine; washer; laundry",
    "vacuum_cleaner": "vacuum cleaner; vacuum; hoover; hoovering; vacuuming",
    "chainsaw": "chainsaw; chain saw",
    "fireworks": "fireworks; firework; firecracker; firecrackers",
    "hand_saw": "hand saw; sawing",
    "owl": "owl; hoot; hooting",
    "wolf": "wolf; wolves",
    "accordion": "accordion; squeezebox",
    "bongo": "bongo; bongos",
    "cymbal": "cymbal; hi hat; hihat",
    "drums": "drums; drum; drumming; drummer; drum kit",
    "electric_guitar": "electric guitar",
    "guitar": "guitar; acoustic guitar",
    "harmonica": "harmonica; mouth organ",
    "piano": "piano; pianist",
    "saxophone": "saxophone; sax",
    "violin": "violin; fiddle",
    "xylophone": "xylophone; glockenspiel",
    "heartbeat": "heartbeat; heart beat",
    "car_passing": "car passing; car driving by; passing vehicle",
    "factory": "factory; machinery",
    "harbour": "harbour; harbor; ship horn",
    "door_close": "door slam; door slamming",
    "body_fall": "thud",
    "pain_cry": "groan; groaning; moan; moaning",
    "scream": "scream; screaming; shriek; shrieking",
    "steam": "steam; hissing steam",
    "splash": "splash; splashing",
    "bubbles": "bubble; bubbles; bubbling",
    "river": "river; waterfall",
    "paper": "paper; rustling paper; page turning",
    "typewriter": "typewriter",
    "blender": "blender; food processor",
    "boiling_water": "kettle; boiling water; whistling kettle",
    "chopping": "chopping",
    "cutlery": "cutlery; silverware",
    "eating": "eating; chewing; munching",
    "fridge": "fridge; refrigerator",
    "frying": "frying; sizzling; sizzle",
    "microwave": "microwave",
    "extractor_fan": "extractor fan; extractor; cooker hood",
    "sweeping": "sweeping; broom",
    "finger_snap": "finger snap; snapping fingers",
    "burp": "burp; burping; belch; belching",
    "cash_register": "cash register",
    "vinyl": "vinyl; record crackle; record scratch",
}

RELATED: dict[str, tuple[str, ...]] = {
    "street_traffic": ("street", "engine_idling"),
    "street": ("street_traffic", "engine_idling"),
    "engine_idling": ("street_traffic", "street"),
    "speech": ("human_voice",),
    "human_voice": ("speech",),
    "music": ("street_music",),
    "street_music": ("music",),
    "jackhammer": ("drilling",),
    "drilling": ("jackhammer",),
    "crowd": ("cafe", "human_voice", "speech"),
    "cafe": ("crowd",),
    "siren": ("clock_alarm",),
    "clock_alarm": ("siren",),
}

# entry -> the broader entries it is a kind of, which may stand in for it ("the violin" in a scene labelled ``music``)
BROADER: dict[str, tuple[str, ...]] = {
    "dog_howling": ("dog_bark",),
    "car_passing": ("street_traffic",),
    "owl": ("bird",),
    "crow": ("bird",),
    "rooster": ("chickens",),
    "crickets": ("insects",),
    "river": ("running_water",),
    "gong": ("bell",),
    "typewriter": ("keyboard_typing",),
    "cutlery": ("dishes",),
    "plates": ("dishes",),
    "fireworks": ("explosion", "gun_shot"),
    **{key: ("music",) for key in (
        "accordion", "banjo", "bongo", "castanets", "cello", "clarinet", "cymbal", "drums", "electric_guitar", "flute",
        "guitar", "harmonica", "harp", "organ", "piano", "saxophone", "tambourine", "triangle", "trombone", "trumpet",
        "tuba", "violin", "xylophone", "maracas", "tabla", "cowbell")},
}

# entry -> the labels it had in the planner's own table before the vocabulary was one (scene knowledge bases
# and older plans still use them)
LABELS: dict[str, tuple[str, ...]] = {
    "street_traffic": ("traffic",), "cafe": ("restaurant",), "crying_baby": ("baby_cry",), "clapping": ("applause",),
    "laughing": ("laughter",), "thunderstorm": ("thunder",), "sea_waves": ("ocean",), "chickens": ("chicken",),
    "coughing": ("cough",), "clock_alarm": ("alarm",),
}

BACKGROUND = ("street_traffic", "rain", "wind", "running_water", "dishes", "street", "park", "cafe", "air_conditioner",
              "engine_idling", "noise", "music")
