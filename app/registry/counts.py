"""How many rows of each kind a registry load, seed or export holds."""

from dataclasses import dataclass


@dataclass(frozen=True)
class LoadCounts:
    missions: int
    persons: int
    cards: int
    vehicles: int

    def __str__(self) -> str:
        def counted(n: int, noun: str) -> str:
            return f"{n:,} {noun}{'' if n == 1 else 's'}"

        return ", ".join(
            (
                counted(self.missions, "mission"),
                counted(self.persons, "person"),
                counted(self.cards, "card"),
                counted(self.vehicles, "vehicle"),
            )
        )
