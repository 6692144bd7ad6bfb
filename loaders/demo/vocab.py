"""Fixed vocabulary of the synthetic world: countries, languages, sockets, shops, cameras.

Every shop, brand, logo, agency and handle here is invented for the demo. Camera makes
and models are ordinary consumer cameras, as they appear in EXIF.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Clue labels of national socket types (clue type ``fixture``). They are common on
#: purpose: several countries share each one, so they point to a region, not a series.
SOCKET_LABELS: dict[str, str] = {
    "AB": "socket type A/B (NEMA)",
    "E": "socket type E (French earth pin)",
    "F": "socket type F (Schuko)",
    "G": "socket type G (BS 1363)",
    "I": "socket type I (AS/NZS 3112)",
    "L": "socket type L (Italian)",
    "N": "socket type N (NBR 14136)",
}

#: The common clue present in many series (decoy: must not link series by itself).
WHITE_WALL = "white wall"


@dataclass(frozen=True, slots=True)
class CountryInfo:
    code: str
    name: str
    language: str
    socket: str  # key of SOCKET_LABELS
    headlines: tuple[str, ...]
    products: tuple[str, ...]
    shops: tuple[str, ...]
    units: tuple[str, ...]
    months: tuple[str, ...]


COUNTRIES: tuple[CountryInfo, ...] = (
    CountryInfo(
        "AU",
        "Australia",
        "English",
        "I",
        ("Sausage Sizzle", "Footy Finals", "G'day!", "Summer Sale", "Surf Carnival"),
        ("Lamingtons", "Meat Pie", "Iced Coffee", "Damper Mix"),
        ("Wattle Grocers", "Koala Corner", "Saltbush Pharmacy", "Red Gum Mart", "Emu Flat Foods"),
        ("Child Protection Squad", "Victim ID Team"),
        ("January", "March", "June", "October"),
    ),
    CountryInfo(
        "BR",
        "Brazil",
        "Portuguese",
        "N",
        ("Festa Junina", "Promoção", "Bem-vindo", "Carnaval", "Liquidação"),
        ("Leite", "Café", "Biscoito", "Suco de laranja"),
        ("Mercado Ipê", "Padaria Sabiá", "Farmácia Aroeira", "Loja Jabuti", "Empório Buriti"),
        ("Delegacia de Proteção", "Núcleo de Identificação"),
        ("janeiro", "março", "junho", "outubro"),
    ),
    CountryInfo(
        "CA",
        "Canada",
        "English",
        "AB",
        ("Canada Day", "Winter Carnival", "Welcome / Bienvenue", "Maple Festival", "Hockey Night"),
        ("Maple Syrup", "Butter Tarts", "Milk / Lait", "Poutine Mix"),
        ("Northern Pine Market", "Caribou Corner", "Huron Pharmacy", "Loon Lake Foods"),
        ("Child Exploitation Unit", "Victim Identification Unit"),
        ("January", "March", "June", "October"),
    ),
    CountryInfo(
        "DE",
        "Germany",
        "German",
        "F",
        ("Sommerfest", "Konzert", "Flohmarkt", "Willkommen", "Angebot der Woche"),
        ("Milch", "Kekse", "Apfelsaft", "Vollkornbrot"),
        ("Mühlbach Markt", "Bäckerei Sonnenhof", "Drogerie Elstner", "Kaufhaus Brenner"),
        ("Kriminalpolizei Kinderschutz", "Zentralstelle Opferidentifizierung"),
        ("Januar", "März", "Juni", "Oktober"),
    ),
    CountryInfo(
        "ES",
        "Spain",
        "Spanish",
        "F",
        ("Fiesta Mayor", "Rebajas", "Bienvenidos", "Concierto", "Verbena"),
        ("Leche", "Galletas", "Zumo de naranja", "Aceite de oliva"),
        ("Mercado Alborán", "Panadería Olivo", "Farmacia Ribera", "Tienda Azahar"),
        ("Unidad de Menores", "Grupo de Identificación"),
        ("enero", "marzo", "junio", "octubre"),
    ),
    CountryInfo(
        "FR",
        "France",
        "French",
        "E",
        ("Fête de la musique", "Concert d'été", "Marché de Noël", "Soldes", "Bienvenue"),
        ("Lait", "Biscuits", "Confiture", "Jus d'orange"),
        ("Maison Pivert", "Épicerie Lumière", "Boulangerie Caldor", "Primeur Vasseur"),
        ("Brigade des mineurs", "Office central démo"),
        ("janvier", "mars", "juin", "octobre"),
    ),
    CountryInfo(
        "GB",
        "United Kingdom",
        "English",
        "G",
        ("Summer Fete", "Jumble Sale", "Bonfire Night", "Welcome", "Car Boot Sale"),
        ("Digestives", "Baked Beans", "Crisps", "Semi-skimmed Milk"),
        ("Hartley's Corner Shop", "Bramble & Co", "Thistle Chemist", "Kingfisher Stores"),
        ("Child Protection Command", "Victim Identification Team"),
        ("January", "March", "June", "October"),
    ),
    CountryInfo(
        "IE",
        "Ireland",
        "English",
        "G",
        ("Fáilte", "Summer Festival", "Céilí Night", "Sale Now On", "Feis"),
        ("Brown Bread", "Tea", "Red Lemonade", "Soda Bread"),
        ("Ó Briain Stores", "Shamrock Mart", "Corrib Pharmacy", "Liffey Foods"),
        ("Child Protection Bureau", "Online Child Exploitation Unit"),
        ("Eanáir", "Márta", "Meitheamh", "Deireadh Fómhair"),
    ),
    CountryInfo(
        "IT",
        "Italy",
        "Italian",
        "L",
        ("Sagra", "Saldi", "Benvenuti", "Festa d'estate", "Concerto"),
        ("Latte", "Biscotti", "Pasta", "Succo di frutta"),
        ("Alimentari Girasole", "Forno Bellavista", "Farmacia Dolomiti", "Bottega Lucciola"),
        ("Squadra Tutela Minori", "Nucleo Identificazione"),
        ("gennaio", "marzo", "giugno", "ottobre"),
    ),
    CountryInfo(
        "NL",
        "Netherlands",
        "Dutch",
        "F",
        ("Zomerfeest", "Koningsdag", "Welkom", "Uitverkoop", "Braderie"),
        ("Melk", "Hagelslag", "Stroopwafels", "Kaas"),
        ("Tulpenhof", "Bakkerij de Molen", "Winkel Verhoeven", "Drogist Brink"),
        ("Eenheid Kinderbescherming", "Eenheid Slachtofferidentificatie"),
        ("januari", "maart", "juni", "oktober"),
    ),
    CountryInfo(
        "NZ",
        "New Zealand",
        "English",
        "I",
        ("Kia ora", "Summer Fair", "Rugby Final", "Sale", "Matariki"),
        ("Pavlova", "Hokey Pokey", "Kumara Chips", "Feijoa Juice"),
        ("Kowhai Stores", "Ruru Bakery", "Pohutukawa Pharmacy", "Kea Mart"),
        ("Online Child Exploitation Team", "Victim ID Unit"),
        ("January", "March", "June", "October"),
    ),
    CountryInfo(
        "PH",
        "Philippines",
        "Filipino",
        "AB",
        ("Maligayang Pagdating", "Pista sa Nayon", "Salamat po", "Sale!", "Fiesta"),
        ("Gatas", "Kape", "Pandesal", "Pancit Canton"),
        ("Sari-sari Mabuhay", "Tindahan ni Aling Rosa", "Panaderia Bituin", "Botika Sampaguita"),
        ("Women and Children Protection Center", "Anti-Child Exploitation Unit"),
        ("Enero", "Marso", "Hunyo", "Oktubre"),
    ),
    CountryInfo(
        "PL",
        "Poland",
        "Polish",
        "E",
        ("Dożynki", "Wyprzedaż", "Witamy", "Koncert", "Jarmark"),
        ("Mleko", "Pierogi", "Ciastka", "Sok jabłkowy"),
        ("Sklep Żurawina", "Piekarnia Łąka", "Apteka Bursztyn", "Delikatesy Wisła"),
        ("Wydział Ochrony Dzieci", "Zespół Identyfikacji"),
        ("stycznia", "marca", "czerwca", "października"),
    ),
    CountryInfo(
        "PT",
        "Portugal",
        "Portuguese",
        "F",
        ("Santos Populares", "Promoção", "Bem-vindos", "Festa da Aldeia", "Arraial"),
        ("Pastéis", "Bolachas", "Sumo", "Broa"),
        ("Mercearia Gaivota", "Pastelaria Alfama", "Farmácia Tejo", "Loja Sardinha"),
        ("Secção de Proteção de Menores", "Núcleo de Identificação de Vítimas"),
        ("janeiro", "março", "junho", "outubro"),
    ),
    CountryInfo(
        "US",
        "United States",
        "English",
        "AB",
        ("Summer Fair", "Back to School", "Grand Opening", "Yard Sale", "Homecoming"),
        ("Cereal", "Peanut Butter", "Root Beer", "Mac & Cheese"),
        ("Maple & Pine Grocers", "Big Sky Mart", "Redwood Pharmacy", "Lakeside Foods"),
        ("Crimes Against Children Unit", "Victim Identification Lab"),
        ("January", "March", "June", "October"),
    ),
)

COUNTRY_BY_CODE: dict[str, CountryInfo] = {c.code: c for c in COUNTRIES}

#: Rare poster logos: each one is planted in the rooms of exactly three countries.
RARE_LOGOS: tuple[str, ...] = (
    "Kestrel Kites",
    "Orca Surf Club",
    "Lumen Climbing Gym",
    "Polaris Skate Co",
    "Tigerlily Tea House",
    "Quokka Quest Games",
    "Halcyon Harmonicas",
    "Vireo Velo Club",
    "Zephyr Zine",
    "Marlin Model Trains",
    "Basilisk Board Games",
    "Nimbus Noodle Bar",
    "Ocelot Optics",
    "Juniper Jazz Trio",
    "Heron Hill Hostel",
    "Cobalt Comets FC",
)

#: (make, model) of ordinary consumer cameras as they appear in EXIF.
CAMERA_MODELS: tuple[tuple[str, str], ...] = (
    ("Canon", "Canon EOS 2000D"),
    ("NIKON CORPORATION", "NIKON D3500"),
    ("SONY", "ILCE-6000"),
    ("FUJIFILM", "X-T20"),
    ("OLYMPUS CORPORATION", "E-M10MarkIII"),
    ("Panasonic", "DMC-TZ70"),
    ("Canon", "Canon PowerShot SX620 HS"),
    ("NIKON CORPORATION", "COOLPIX A10"),
)

#: Phones, which write make and model but no serial: the decoy "same model without serial".
PHONE_MODELS: tuple[tuple[str, str], ...] = (
    ("Apple", "iPhone 12"),
    ("samsung", "SM-A515F"),
    ("Xiaomi", "Redmi Note 8"),
    ("Google", "Pixel 6"),
)

RESOLUTIONS: tuple[tuple[int, int], ...] = (
    (640, 480),
    (800, 600),
    (1024, 768),
    (1280, 960),
    (1440, 1080),
    (1600, 1200),
)

#: Invented platform names for accounts (``platform:handle``).
PLATFORMS: tuple[str, ...] = ("picboard", "chatnest", "vidloop", "forumhub", "p2pshare")

HANDLE_WORDS_A: tuple[str, ...] = (
    "quiet",
    "amber",
    "swift",
    "lunar",
    "rusty",
    "misty",
    "solar",
    "frozen",
    "velvet",
    "hollow",
    "silver",
    "paper",
)
HANDLE_WORDS_B: tuple[str, ...] = (
    "otter",
    "falcon",
    "lantern",
    "harbor",
    "meadow",
    "comet",
    "pebble",
    "willow",
    "badger",
    "cinder",
    "marble",
    "sparrow",
)

SERIES_ADJ: tuple[str, ...] = (
    "Blue",
    "Amber",
    "Quiet",
    "Green",
    "Crimson",
    "Silver",
    "Hollow",
    "Northern",
    "Paper",
    "Velvet",
    "Copper",
    "Misty",
    "Golden",
    "Linen",
    "Cedar",
    "Ivory",
)
SERIES_NOUN: tuple[str, ...] = (
    "Curtain",
    "Lantern",
    "Harbour",
    "Kite",
    "Window",
    "Staircase",
    "Garden",
    "Clock",
    "Meadow",
    "Bridge",
    "Compass",
    "Orchard",
    "Lighthouse",
    "Canal",
    "Pillow",
    "Teapot",
    "Rooftop",
    "Shelf",
)

AGE_BANDS: tuple[str, ...] = ("0-5", "6-9", "10-13", "14-17")
SEXES: tuple[str, ...] = ("F", "M", "U")
