"""Which card family a category's holder carries: the one table card issuing and the demo registry use."""

from app.immunity.codes import CardType, Category

# By the holder's category, or the sponsor's for a family member (facts §2.1). Categories absent
# here (none) get no State Department identity card.
CARD_TYPE: dict[Category, CardType] = {
    Category.DIPLOMATIC_AGENT: CardType.DIPLOMATIC,
    Category.IO_MISSION_DIPLOMATIC: CardType.DIPLOMATIC,
    Category.IO_SENIOR_OFFICIAL: CardType.DIPLOMATIC,
    Category.ADMIN_TECHNICAL_STAFF: CardType.OFFICIAL,
    Category.SERVICE_STAFF: CardType.OFFICIAL,
    Category.IO_STAFF: CardType.OFFICIAL,
    Category.IO_MISSION_SUPPORT_STAFF: CardType.OFFICIAL,
    Category.TECRO_DESIGNATED: CardType.OFFICIAL,
    Category.CAREER_CONSULAR_OFFICER: CardType.CONSULAR,
    Category.HONORARY_CONSULAR_OFFICER: CardType.CONSULAR,
    Category.CONSULAR_EMPLOYEE: CardType.CONSULAR,
    Category.CONSULAR_SERVICE_STAFF: CardType.CONSULAR,
    Category.TECO_HEAD: CardType.CONSULAR,
    Category.TECO_DESIGNATED: CardType.CONSULAR,
}
