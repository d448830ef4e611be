"""Mandatory consular notification: is this nationality on State's list (facts §4.5)?"""

import re
import unicodedata
from functools import cache
from importlib.resources import files

_LIST_FILE = "mandatory_notification.txt"

# Other names a registry or an officer may use for a listed country, keyed to the name on the list.
ALIASES: dict[str, tuple[str, ...]] = {
    "Brunei": ("Brunei Darussalam",),
    "China": (
        "People's Republic of China",
        "PRC",
        "Mainland China",
        "Hong Kong",
        "Hong Kong SAR",
        "Hong Kong SAR, China",
        "Macao",
        "Macau",
        "Macao SAR",
        "Macao SAR, China",
    ),
    "Czech Republic": ("Czechia",),
    "Kyrgyzstan": ("Kyrgyz Republic",),
    "Moldova": ("Republic of Moldova",),
    "Russia": ("Russian Federation",),
    "Saint Kitts and Nevis": ("Saint Christopher and Nevis",),
    "Slovakia": ("Slovak Republic",),
    "Tanzania": ("United Republic of Tanzania",),
    "United Kingdom": (
        "UK",
        "Great Britain",
        "Britain",
        "United Kingdom of Great Britain and Northern Ireland",
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
        # Crown dependencies.
        "Jersey",
        "Guernsey",
        "Isle of Man",
        # Overseas territories.
        "Anguilla",
        "Bermuda",
        "British Virgin Islands",
        "Cayman Islands",
        "Falkland Islands",
        "Gibraltar",
        "Montserrat",
        "Pitcairn Islands",
        "Saint Helena",
        "Turks and Caicos Islands",
    ),
}


def normalise_country(name: str) -> str:
    """Fold case, punctuation, '&', 'St.' and a leading or trailing 'the' so spellings compare equal."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = re.sub(r"[.'’]", "", text).replace("&", " and ")
    words = re.sub(r"[^\w]+", " ", text).split()
    if words[:1] == ["the"]:
        words = words[1:]
    if words[-1:] == ["the"]:  # "Bahamas, The"
        words = words[:-1]
    return " ".join("saint" if word == "st" else word for word in words)


@cache
def mandatory_countries() -> tuple[str, ...]:
    """The list as shipped in data/mandatory_notification.txt, in file order."""
    text = files("app.immunity").joinpath("data", _LIST_FILE).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


@cache
def _lookup() -> dict[str, str]:
    """Normalised name or alias → the name on the list."""
    names = {normalise_country(name): name for name in mandatory_countries()}
    for name, aliases in ALIASES.items():
        names.update({normalise_country(alias): name for alias in aliases})
    return names


def mandatory_country(nationality: str | None) -> str | None:
    """The listed country this nationality falls under, or None."""
    if not nationality or not nationality.strip():
        return None
    return _lookup().get(normalise_country(nationality))


def needs_consular_notification(nationality: str | None) -> bool:
    """True when an arrest or detention must be notified to the consulate whatever the person wants.

    Taiwan ("Republic of China") passports are deliberately not matched (facts §4.5).
    """
    return mandatory_country(nationality) is not None
