"""The fixed sentences a verdict shows: headlines, always-allowed actions, caveats (SPEC §3, facts §6)."""

from app.immunity.codes import Level

HEADLINES: dict[Level, str] = {
    Level.FULL: "FULL IMMUNITY — do not arrest or detain",
    Level.FELONY_WARRANT: "FELONY WARRANT ONLY — no arrest except for a felony, on a warrant",
    Level.OFFICIAL_ACTS: "OFFICIAL-ACTS IMMUNITY ONLY — normal enforcement, a court decides",
    Level.NONE: "NO IMMUNITY — normal enforcement",
    Level.UNVERIFIED: "NOT VERIFIED — call DS Command Center",
}

# What the record says, for "the record says …, but it is not current".
SUMMARIES: dict[Level, str] = {
    Level.FULL: "full immunity",
    Level.FELONY_WARRANT: "arrest only for a felony, on a warrant",
    Level.OFFICIAL_ACTS: "official-acts immunity only",
    Level.NONE: "no immunity",
    Level.UNVERIFIED: "not verified",
}

# SPEC §3 "Always shown" and facts §4.1–4.3, §6 item 4: true at every level, even full immunity, so no line
# may promise what a level's table answer withholds (issue 8 item 5): whether to write the citation is the table's
# "Traffic citation" row (Yes at every level but `unverified`, whose every row is "Call DS first").
ALWAYS_ALLOWED: tuple[str, ...] = (
    "Act to stop imminent danger to the public or a serious crime about to happen, as far as needed",
    "Defend yourself and others",
    "Stop the vehicle: a traffic citation is never an arrest",
    "Never let an impaired driver keep driving: call a friend, relative or taxi, or with consent take them "
    "to the station",
    "Tow a vehicle as far as needed to clear a traffic obstruction or a safety hazard",
)

# SPEC §3 and facts §2.2, §4.1, §6 item 7.
CAVEATS: tuple[str, ...] = (
    "A licence plate, visa, diplomatic passport, tax-exemption card or OFM driver's licence is not proof of immunity",
    "The driver may not be the vehicle's registered person: verify the driver, not the plate",
    "Special bilateral agreements can raise immunity: the registry and the State Department's answer win",
    "Official-acts immunity is for a court to decide, not the officer: write a full report",
    "Verify by phone with the DS Command Center even when a card is shown",
    "Immunity is not a pardon: document everything and report the incident to the State Department",
)

# Facts §2.3: the booklet's procedure when status cannot be confirmed on the spot.
UNVERIFIED_CAVEAT = (
    "If the person cannot show satisfactory ID and the situation would normally justify arrest, tell them "
    "they will be held until DS confirms their status"
)


def consular_caveat(country: str) -> str:
    """Facts §4.5: the duty to notify is separate from immunity."""
    return (
        f"Mandatory consular notification ({country}): if you arrest or detain this person, notify the "
        "nearest consulate without delay, whatever they want, and tell them you did"
    )
