"""Word lists the demo seed draws from: countries, cities, organisations, titles, cars, name syllables.

Countries and organisations are real (the consular-notification rule reads real nationality names);
people are not: their names are built from syllables and every surname starts with "Demo-".
"""

from app.immunity.codes import Category

# UN member states except the United States, spelt as the consular-notification list spells them.
COUNTRIES = (
    "Afghanistan", "Albania", "Algeria", "Andorra", "Angola", "Antigua and Barbuda", "Argentina", "Armenia",
    "Australia", "Austria", "Azerbaijan", "Bahamas", "Bahrain", "Bangladesh", "Barbados", "Belarus", "Belgium",
    "Belize", "Benin", "Bhutan", "Bolivia", "Bosnia and Herzegovina", "Botswana", "Brazil", "Brunei", "Bulgaria",
    "Burkina Faso", "Burundi", "Cabo Verde", "Cambodia", "Cameroon", "Canada", "Central African Republic", "Chad",
    "Chile", "China", "Colombia", "Comoros", "Republic of the Congo", "Democratic Republic of the Congo",
    "Costa Rica", "Côte d'Ivoire", "Croatia", "Cuba", "Cyprus", "Czech Republic", "Denmark", "Djibouti",
    "Dominica", "Dominican Republic", "Ecuador", "Egypt", "El Salvador", "Equatorial Guinea", "Eritrea",
    "Estonia", "Eswatini", "Ethiopia", "Fiji", "Finland", "France", "Gabon", "Gambia", "Georgia", "Germany",
    "Ghana", "Greece", "Grenada", "Guatemala", "Guinea", "Guinea-Bissau", "Guyana", "Haiti", "Honduras",
    "Hungary", "Iceland", "India", "Indonesia", "Iran", "Iraq", "Ireland", "Israel", "Italy", "Jamaica", "Japan",
    "Jordan", "Kazakhstan", "Kenya", "Kiribati", "Kuwait", "Kyrgyzstan", "Laos", "Latvia", "Lebanon", "Lesotho",
    "Liberia", "Libya", "Liechtenstein", "Lithuania", "Luxembourg", "Madagascar", "Malawi", "Malaysia",
    "Maldives", "Mali", "Malta", "Marshall Islands", "Mauritania", "Mauritius", "Mexico", "Micronesia",
    "Moldova", "Monaco", "Mongolia", "Montenegro", "Morocco", "Mozambique", "Myanmar", "Namibia", "Nauru",
    "Nepal", "Netherlands", "New Zealand", "Nicaragua", "Niger", "Nigeria", "North Korea", "North Macedonia",
    "Norway", "Oman", "Pakistan", "Palau", "Panama", "Papua New Guinea", "Paraguay", "Peru", "Philippines",
    "Poland", "Portugal", "Qatar", "Romania", "Russia", "Rwanda", "Saint Kitts and Nevis", "Saint Lucia",
    "Saint Vincent and the Grenadines", "Samoa", "San Marino", "Sao Tome and Principe", "Saudi Arabia",
    "Senegal", "Serbia", "Seychelles", "Sierra Leone", "Singapore", "Slovakia", "Slovenia", "Solomon Islands",
    "Somalia", "South Africa", "South Korea", "South Sudan", "Spain", "Sri Lanka", "Sudan", "Suriname",
    "Sweden", "Switzerland", "Syria", "Tajikistan", "Tanzania", "Thailand", "Timor-Leste", "Togo", "Tonga",
    "Trinidad and Tobago", "Tunisia", "Turkey", "Turkmenistan", "Tuvalu", "Uganda", "Ukraine",
    "United Arab Emirates", "United Kingdom", "Uruguay", "Uzbekistan", "Vanuatu", "Venezuela", "Vietnam",
    "Yemen", "Zambia", "Zimbabwe",
)  # fmt: skip
# Countries with no embassy or consulates in the US (relations broken or never opened); they keep a UN mission.
NO_BILATERAL_MISSIONS = frozenset({"Bhutan", "Iran", "North Korea", "Syria"})
# Names read with "the" after "Embassy of".
WITH_THE = frozenset(
    {
        "Bahamas", "Central African Republic", "Comoros", "Czech Republic", "Democratic Republic of the Congo",
        "Dominican Republic", "Gambia", "Maldives", "Marshall Islands", "Netherlands", "Philippines",
        "Republic of the Congo", "Solomon Islands", "United Arab Emirates", "United Kingdom",
    }
)  # fmt: skip
TAIWAN = "Taiwan"
US_NATIONALITY = "United States"

WASHINGTON = ("Washington", "DC")
NEW_YORK = ("New York", "NY")
# Career consulates: (city, state, how many countries keep a post there, relatively).
CONSULAR_CITIES = (
    ("New York", "NY", 3.0),
    ("Los Angeles", "CA", 2.0),
    ("Chicago", "IL", 2.0),
    ("Houston", "TX", 1.5),
    ("Miami", "FL", 1.5),
    ("San Francisco", "CA", 1.5),
    ("Atlanta", "GA", 1.0),
    ("Boston", "MA", 1.0),
)
# Honorary consulates also sit in these cities.
HONORARY_CITIES = (
    ("Seattle", "WA"), ("Denver", "CO"), ("Detroit", "MI"), ("New Orleans", "LA"), ("Philadelphia", "PA"),
    ("Dallas", "TX"), ("Honolulu", "HI"), ("Phoenix", "AZ"), ("Minneapolis", "MN"), ("St. Louis", "MO"),
    ("Cleveland", "OH"), ("Kansas City", "MO"), ("Salt Lake City", "UT"), ("Portland", "OR"),
    ("San Diego", "CA"), ("Charlotte", "NC"), ("Nashville", "TN"), ("Baltimore", "MD"), ("Pittsburgh", "PA"),
    ("Anchorage", "AK"),
)  # fmt: skip
# The Taipei Economic and Cultural Offices outside Washington.
TECO_CITIES = (
    ("Atlanta", "GA"), ("Boston", "MA"), ("Chicago", "IL"), ("Denver", "CO"), ("Tamuning", "GU"),
    ("Honolulu", "HI"), ("Houston", "TX"), ("Los Angeles", "CA"), ("Miami", "FL"), ("New York", "NY"),
    ("San Francisco", "CA"), ("Seattle", "WA"),
)  # fmt: skip
TECRO_NAME = "Taipei Economic and Cultural Representative Office in the United States"

# International organisations: (name, the body whose plate code it uses, city, state).
ORGANISATIONS = (
    ("International Bank for Reconstruction and Development", "World Bank Group", *WASHINGTON),
    ("International Finance Corporation", "World Bank Group", *WASHINGTON),
    ("Multilateral Investment Guarantee Agency", "World Bank Group", *WASHINGTON),
    ("International Monetary Fund", "International Monetary Fund", *WASHINGTON),
    ("Organization of American States", "Organization of American States", *WASHINGTON),
    ("Inter-American Development Bank", "Inter-American Development Bank", *WASHINGTON),
    ("Pan American Health Organization", "Pan American Health Organization", *WASHINGTON),
    ("Inter-American Institute for Cooperation on Agriculture", "Inter-American Institute", *WASHINGTON),
    ("Inter-American Defense Board", "Inter-American Defense Board", *WASHINGTON),
    ("United Nations Secretariat", "United Nations", *NEW_YORK),
    ("United Nations Children's Fund", "United Nations", *NEW_YORK),
    ("United Nations Development Programme", "United Nations", *NEW_YORK),
    ("United Nations Population Fund", "United Nations", *NEW_YORK),
    ("UN Women", "United Nations", *NEW_YORK),
    ("United Nations Office for Project Services", "United Nations", *NEW_YORK),
    ("United Nations Joint Staff Pension Fund", "United Nations", *NEW_YORK),
    ("International Organization for Migration, Office to the United Nations", "IOM", *NEW_YORK),
)

# Every officially assigned ISO 3166-1 alpha-2 code: OFM's plate codes deliberately follow no
# standard (facts §3), so the demo never hands one out.
ISO_3166_ALPHA2 = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
    BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
    FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
    IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
    MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
    YT ZA ZM ZW
    """.split()
)
# Also never used: the user-assigned ISO ranges and the real (old) plate codes quoted in facts §3.
NOT_PLATE_CODES = (
    ISO_3166_ALPHA2
    | {"AA", "ZZ"}
    | {f"Q{c}" for c in "MNOPQRSTUVWXYZ"}
    | {f"X{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    | {"DJ", "XZ", "DL", "YR", "FC", "YZ", "AW", "BW", "LK", "MF"}
)

# Titles by category; the first title of a mission's first principal is the head of mission.
HEAD_TITLES = {
    Category.DIPLOMATIC_AGENT: "Ambassador",
    Category.CAREER_CONSULAR_OFFICER: "Consul General",
    Category.IO_MISSION_DIPLOMATIC: "Permanent Representative",
    Category.TECRO_DESIGNATED: "Representative",
    Category.TECO_HEAD: "Director-General",
}
TITLES: dict[Category, tuple[str, ...]] = {
    Category.DIPLOMATIC_AGENT: (
        "Minister-Counselor", "Counselor", "First Secretary", "Second Secretary", "Third Secretary", "Attaché",
        "Defense Attaché", "Deputy Chief of Mission",
    ),
    Category.ADMIN_TECHNICAL_STAFF: (
        "Administrative Officer", "Communications Officer", "Security Officer", "Secretary", "Accountant",
        "IT Specialist", "Archivist",
    ),
    Category.SERVICE_STAFF: ("Driver", "Cook", "Groundskeeper", "Maintenance Worker", "Receptionist"),
    Category.CAREER_CONSULAR_OFFICER: ("Consul", "Deputy Consul General", "Vice Consul", "Consul (Economic)"),
    Category.CONSULAR_EMPLOYEE: ("Consular Assistant", "Administrative Assistant", "Passport Clerk", "Accountant"),
    Category.CONSULAR_SERVICE_STAFF: ("Driver", "Custodian", "Receptionist"),
    Category.HONORARY_CONSULAR_OFFICER: ("Honorary Consul", "Honorary Consul General", "Honorary Vice Consul"),
    Category.IO_MISSION_DIPLOMATIC: (
        "Deputy Permanent Representative", "Minister Counsellor", "Counsellor", "First Secretary",
        "Second Secretary", "Attaché", "Military Adviser",
    ),
    Category.IO_MISSION_SUPPORT_STAFF: ("Administrative Assistant", "Driver", "Archivist", "Clerk"),
    Category.IO_STAFF: (
        "Programme Officer", "Economist", "Translator", "Security Officer", "Statistician", "Legal Officer",
        "Procurement Specialist", "Information Analyst",
    ),
    Category.IO_SENIOR_OFFICIAL: ("Under-Secretary-General", "Assistant Secretary-General", "Executive Director",
                                  "Vice President"),
    Category.TECRO_DESIGNATED: ("Deputy Representative", "Director", "Secretary", "Economic Officer"),
    Category.TECO_HEAD: ("Deputy Director-General",),
    Category.TECO_DESIGNATED: ("Secretary", "Economic Officer", "Consular Officer", "Administrative Assistant"),
    Category.NONE: ("Private domestic employee", "Temporary duty officer"),
}  # fmt: skip

# (make, model, relative share); official cars come from the first few.
OFFICIAL_CARS = (
    ("Cadillac", "Escalade"), ("Chevrolet", "Suburban"), ("Mercedes-Benz", "S-Class"), ("BMW", "7 Series"),
    ("Lincoln", "Navigator"), ("Ford", "Expedition"), ("Toyota", "Land Cruiser"), ("Audi", "A8"),
)  # fmt: skip
PRIVATE_CARS = (
    ("Toyota", "Camry"), ("Honda", "Accord"), ("Toyota", "RAV4"), ("Honda", "CR-V"), ("Mercedes-Benz", "E-Class"),
    ("BMW", "5 Series"), ("Lexus", "RX"), ("Audi", "A6"), ("Volvo", "XC90"), ("Nissan", "Altima"),
    ("Hyundai", "Sonata"), ("Subaru", "Outback"), ("Volkswagen", "Passat"), ("Jeep", "Grand Cherokee"),
    ("Tesla", "Model 3"), ("Toyota", "Highlander"), ("Kia", "Telluride"), ("Ford", "Explorer"),
    ("Chevrolet", "Tahoe"), ("Mazda", "CX-5"), ("Volkswagen", "Atlas"), ("Honda", "Odyssey"),
)  # fmt: skip
COLOURS = ("Black", "Black", "White", "Silver", "Silver", "Grey", "Dark Blue", "Red", "Beige", "Dark Green")

# Made-up syllables: pronounceable, not taken from any one language's list of names.
GIVEN_SYLLABLES = (
    "ka", "lo", "mi", "ra", "ten", "vi", "sa", "do", "ne", "ri", "ta", "be", "lu", "zo", "ma", "il", "an", "es",
    "or", "ya", "ki", "fe", "ro", "da", "ni", "sel", "mar", "tov", "len", "dri", "quo", "ae",
)  # fmt: skip
SURNAME_SYLLABLES = (
    "vald", "ren", "kor", "ath", "mo", "lin", "bre", "ska", "tor", "el", "quin", "dar", "vo", "sten", "rik",
    "ul", "fen", "gra", "holt", "ne", "zar", "pel", "wyn", "tash", "ber", "lo", "mir", "ost", "ev", "kal",
)  # fmt: skip
SURNAME_MARKER = "Demo-"
