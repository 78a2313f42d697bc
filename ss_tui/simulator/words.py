"""Word lists for the generated catalogue (invented names, some deliberately non-ASCII)."""

# ruff: noqa: RUF001 - Cyrillic and Greek letters are the point of these names.

from __future__ import annotations

FIRST_NAMES = (
    "Ava",
    "Noah",
    "Lena",
    "Malik",
    "Sofia",
    "Jonas",
    "Amara",
    "Theo",
    "Inès",
    "Kai",
    "Zoë",
    "Mateo",
    "Freya",
    "Rui",
    "Nadia",
    "Oskar",
    "Yuki",
    "Chloé",
    "Emeka",
    "Saoirse",
    "Lior",
    "Björn",
    "Ana",
    "Dev",
    "Marisol",
    "Felix",
    "Aiko",
    "Tomás",
    "Elif",
    "Ravi",
)
LAST_NAMES = (
    "Hart",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Castillo",
    "Nakamura",
    "Brennan",
    "Sørensen",
    "Ferreira",
    "Kowalski",
    "Haddad",
    "Ó Briain",
    "Delacroix",
    "Mensah",
    "Varga",
    "Ibáñez",
    "Quinn",
    "Takahashi",
    "Novak",
    "Reyes",
    "Abara",
    "Whitfield",
    "Gauthier",
    "Petrov",
)
ARTIST_WORDS = (
    "Nova",
    "Velvet",
    "Harbor",
    "Echo",
    "Lumen",
    "Saffron",
    "Glass",
    "Orchid",
    "Atlas",
    "Mirage",
    "Cobalt",
    "Ember",
    "Tidal",
    "Juniper",
    "Static",
    "Halcyon",
    "Marigold",
    "Onyx",
)
ARTIST_TEMPLATES = ("{w} {w2}", "The {w} {w2}s", "{first} {last}", "{w}", "{first} & the {w2}s")
# Templates that name a band (the simulator says "group" for them).
GROUP_TEMPLATES = ("{w} {w2}", "The {w} {w2}s", "{w}", "{first} & the {w2}s")
UNICODE_ARTISTS = (
    "Sigrún Ásta",
    "Café Noir",
    "東京ドリフト",
    "Mø Lys",
    "Ñusta",
    "Łucja",
    "Ελένη Μαρή",
    "Хор Ветра",
    "Déjà Vu Club",
    "Aurélie ✦",
)
UNICODE_GROUPS = ("Café Noir", "東京ドリフト", "Хор Ветра", "Déjà Vu Club")
TITLE_ADJ = (
    "Golden",
    "Broken",
    "Silent",
    "Electric",
    "Midnight",
    "Paper",
    "Neon",
    "Hollow",
    "Wild",
    "Faded",
    "Crimson",
    "Weightless",
    "Restless",
    "Borrowed",
    "Endless",
    "Quiet",
    "Burning",
)
TITLE_NOUN = (
    "Hearts",
    "Summer",
    "Highway",
    "Letters",
    "Satellites",
    "River",
    "Window",
    "Ghosts",
    "Horizon",
    "Dreams",
    "Shadows",
    "Garden",
    "Signal",
    "Tide",
    "Skyline",
    "Embers",
    "Rain",
)
UNICODE_TITLES = (
    "Café del Mar",
    "東京の夜",
    "Ça ira",
    "Mörkret",
    "Сердце",
    "Naïve Melody",
    "Señorita Azul",
    "Ímpeto",
    "💔 Heartbreak Hotel",
    "Über Alles Blau",
    "L'été indien",
    "Søvnløs",
    "Ĝojo",
    "Niño Perdido",
    "Fjärilar",
    "Zürich Nights",
    "Coração",
    "Ōkami",
)
VERSIONS = ("Radio Edit", "Acoustic", "Remix", "Instrumental", "Live", "Extended Mix")
GENRES = ("Pop", "Indie", "Hip-Hop", "R&B", "Electronic", "Rock", "Folk", "Jazz", "Latin", "Soul")
KEYS = tuple(
    f"{n} {m}"
    for n in ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
    for m in ("major", "minor")
)
INSTRUMENTS = ("guitar", "bass", "drums", "piano", "synthesizer", "violin", "saxophone", "vocals")
STEM_NAMES = {
    "vocals": "Lead Vocals",
    "drums": "Drums",
    "bass": "Bass",
    "melody": "Keys",
    "other": "FX",
}
ISRC_COUNTRIES = ("US", "GB", "SE", "DE", "FR", "NL", "JP", "CA", "AU", "BR")
