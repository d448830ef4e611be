"""PURE: OFM's offices, and which one an incident goes to, by the state where it happened (SPEC §5; facts §5).

OFM works through its headquarters in Washington and regional offices in New York, Chicago, San Francisco,
Los Angeles, Houston and Miami. Which states each regional office covers is not published in the sources we
have (not confirmed): the table below is Envoy's default, by nearness, and configuration overrides it
(`OFM_OFFICE_BY_STATE`, e.g. "NJ=new_york,PA=headquarters"). A state the table does not name goes to
headquarters, which also sees every incident.
"""

from collections.abc import Mapping
from enum import StrEnum


class Office(StrEnum):
    HEADQUARTERS = "headquarters"
    NEW_YORK = "new_york"
    CHICAGO = "chicago"
    SAN_FRANCISCO = "san_francisco"
    LOS_ANGELES = "los_angeles"
    HOUSTON = "houston"
    MIAMI = "miami"


OFFICE_NAMES = {
    Office.HEADQUARTERS: "Headquarters (Washington, DC)",
    Office.NEW_YORK: "New York",
    Office.CHICAGO: "Chicago",
    Office.SAN_FRANCISCO: "San Francisco",
    Office.LOS_ANGELES: "Los Angeles",
    Office.HOUSTON: "Houston",
    Office.MIAMI: "Miami",
}

# The 50 states, DC and the inhabited territories, by USPS code.
STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "AS": "American Samoa", "GU": "Guam",
    "MP": "Northern Mariana Islands", "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
}  # fmt: skip

_REGIONS: dict[Office, str] = {
    Office.NEW_YORK: "NY NJ CT MA RI VT NH ME PA",
    Office.CHICAGO: "IL IN MI OH WI MN IA MO KS NE SD ND KY",
    Office.SAN_FRANCISCO: "CA-NORTH WA OR ID MT WY UT CO AK",
    Office.LOS_ANGELES: "AZ NV HI GU AS MP",
    Office.HOUSTON: "TX OK LA AR NM MS TN AL",
    Office.MIAMI: "FL GA SC PR VI",
}
# California has two offices; with no county in the report, the state goes to Los Angeles (most consulates).
DEFAULT_OFFICE_BY_STATE: dict[str, Office] = {
    state: office for office, states in _REGIONS.items() for state in states.split() if state in STATES
} | {"CA": Office.LOS_ANGELES}


class OfficeTableError(ValueError):
    """The configured state → office table names a state or office that does not exist."""


def parse_overrides(text: str) -> dict[str, Office]:
    """'NJ=new_york, PA=headquarters' → {'NJ': Office.NEW_YORK, ...}; OfficeTableError names a bad entry."""
    table: dict[str, Office] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        state, _, office = (s.strip() for s in entry.partition("="))
        if state.upper() not in STATES:
            raise OfficeTableError(f"OFM_OFFICE_BY_STATE: {state!r} is not a US state code")
        try:
            table[state.upper()] = Office(office)
        except ValueError:
            names = ", ".join(Office)
            raise OfficeTableError(f"OFM_OFFICE_BY_STATE: {office!r} is not an office ({names})") from None
    return table


def office_for(state: str, overrides: Mapping[str, Office] | None = None) -> Office:
    """The office an incident in this state goes to: the configured table, then the default, then headquarters."""
    state = state.upper()
    if overrides and state in overrides:
        return overrides[state]
    return DEFAULT_OFFICE_BY_STATE.get(state, Office.HEADQUARTERS)
