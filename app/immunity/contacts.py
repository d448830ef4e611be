"""Whom an officer can call about a person, as data (facts §2.3, §6 item 6)."""

from dataclasses import dataclass

from app.immunity.affiliation import international_organisation, taiwan
from app.immunity.consular import needs_consular_notification
from app.immunity.facts import PersonFacts

NUMBER_NOT_CONFIRMED = "number not confirmed — call the DS Command Center"


@dataclass(frozen=True)
class Contact:
    """A number to call; `number` is empty when the facts could not confirm one."""

    name: str
    number: str
    note: str

    @property
    def tel(self) -> str | None:
        """A `tel:` URI for tap-to-call, or None when there is no confirmed number."""
        digits = "".join(ch for ch in self.number if ch.isdigit())
        if not digits:
            return None
        return f"tel:+1{digits}"

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "number": self.number, "note": self.note, "tel": self.tel}


# SPEC §3: both DS Command Center numbers are offered whatever the verdict, and first.
DS_COMMAND_CENTER = (
    Contact(
        "DS Command Center (toll-free)",
        "866-217-2089",
        "Verify status here, even when a card is shown; urgent calls outside business hours",
    ),
    Contact("DS Command Center (direct)", "571-345-3146", "Same desk as the toll-free number"),
)
PROTOCOL = Contact(
    "Office of the Chief of Protocol", "202-647-1985", "Business hours; keeps the official status records"
)
OFM = Contact("Office of Foreign Missions", "202-895-3500", "Business hours; driving records, plates, incident reports")
# Facts §8: the booklet's "Useful Telephone Numbers" page was not retrieved, so no number is invented.
USUN = Contact("US Mission to the UN, Host Country Affairs", "", f"For UN-accredited people; {NUMBER_NOT_CONFIRMED}")
AIT = Contact("American Institute in Taiwan (AIT)", "", f"For TECRO and TECO people; {NUMBER_NOT_CONFIRMED}")
CONSULAR_NOTIFICATION = (
    Contact(
        "Consular notification (State Dept CA/P)", "202-647-4415", "Business hours; consular-notification questions"
    ),
    Contact("State Dept Operations Center", "202-647-1512", "After hours; consular-notification questions"),
)
# Every number the facts give, in the order a "who to call" page lists them.
CONTACTS: tuple[Contact, ...] = (*DS_COMMAND_CENTER, PROTOCOL, OFM, USUN, AIT, *CONSULAR_NOTIFICATION)


def contacts_for(facts: PersonFacts) -> tuple[Contact, ...]:
    """DS first, then Protocol and OFM; USUN, AIT and consular notification when they apply to this person."""
    categories = {facts.category, facts.sponsor_category}
    contacts = [*DS_COMMAND_CENTER, PROTOCOL, OFM]
    if international_organisation(categories, facts.mission_kind):
        contacts.append(USUN)
    if taiwan(categories, facts.mission_kind):
        contacts.append(AIT)
    if needs_consular_notification(facts.nationality):
        contacts.extend(CONSULAR_NOTIFICATION)
    return tuple(contacts)
