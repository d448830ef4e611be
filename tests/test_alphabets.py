"""Letters from another alphabet in a plate or card number: found, named and placed, never read as Latin."""

import pytest

from app.alphabets import ForeignLetter, foreign_letters, retype_message
from app.lookup.services import LookupInputError, normalise

GREEK_ZETA, CYRILLIC_O, CYRILLIC_SMALL_O = "\u0396", "\u041e", "\u043e"


def test_greek_look_alike_letters_are_named_with_their_positions():
    assert foreign_letters(f"{GREEK_ZETA}{GREEK_ZETA}000001") == (ForeignLetter(GREEK_ZETA, "Greek", "Zeta", (1, 2)),)


def test_cyrillic_look_alike_letters_are_named_with_their_positions():
    assert foreign_letters(f"ZZ{CYRILLIC_O * 3}001") == (ForeignLetter(CYRILLIC_O, "Cyrillic", "O", (3, 4, 5)),)


def test_a_cyrillic_letter_in_a_plate_is_found_where_a_digit_belongs():
    assert foreign_letters(f"DWJ12{CYRILLIC_O}4") == (ForeignLetter(CYRILLIC_O, "Cyrillic", "O", (6,)),)


def test_mixed_alphabets_are_listed_in_order_of_first_appearance():
    letters = foreign_letters(f"{GREEK_ZETA}Z{CYRILLIC_O}0{CYRILLIC_SMALL_O}{GREEK_ZETA}1")
    assert [(f.char, f.script, f.positions) for f in letters] == [
        (GREEK_ZETA, "Greek", (1, 6)),
        (CYRILLIC_O, "Cyrillic", (3,)),
        (CYRILLIC_SMALL_O, "Cyrillic", (5,)),
    ]


@pytest.mark.parametrize(
    "raw", ["ＺＺ１００００１", "ｄｗｊ１２０４", "DWJ1204", "zz000001", "DÉ123", "straße", "DJ/123", ""]
)
def test_latin_letters_in_any_form_and_other_characters_are_not_foreign(raw):
    assert foreign_letters(raw) == ()


def test_positions_count_letters_and_digits_not_separators():
    assert foreign_letters(f" DWJ-12 {CYRILLIC_O}4")[0].positions == (6,)


def test_a_letter_without_a_letter_name_is_named_by_its_code_point():
    assert foreign_letters("A\u4e00")[0] == ForeignLetter("\u4e00", None, "U+4E00", (2,))


def test_the_message_names_each_letter_its_alphabet_and_its_positions():
    message = retype_message(foreign_letters(f"{GREEK_ZETA}{GREEK_ZETA}{CYRILLIC_O * 3}0{GREEK_ZETA}1"))
    assert message == (
        "The field holds letters from another alphabet that may look Latin: "
        f"Greek {GREEK_ZETA} (Zeta) at positions 1–2, 7; Cyrillic {CYRILLIC_O} (O) at positions 3–5. "
        "Retype them on a Latin (English) keyboard."
    )


def test_the_message_for_one_letter_speaks_of_one_letter():
    assert retype_message(foreign_letters(f"DWJ12{CYRILLIC_O}4")) == (
        f"The field holds a letter from another alphabet that may look Latin: Cyrillic {CYRILLIC_O} (O) at position 6. "
        "Retype it on a Latin (English) keyboard."
    )


@pytest.mark.parametrize("kind", ["auto", "plate", "card"])
@pytest.mark.parametrize("raw", [f"{GREEK_ZETA}{GREEK_ZETA}000001", f"ZZ{CYRILLIC_O * 3}001", f"DWJ12{CYRILLIC_O}4"])
def test_a_lookup_refuses_foreign_letters_of_every_kind_and_names_them(raw, kind):
    with pytest.raises(LookupInputError, match="another alphabet") as refused:
        normalise(raw, kind)
    assert "Retype" in str(refused.value)


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("ｄｗｊ１２０４", "plate", ("plate", "DWJ1204")),
        ("ＺＺ１００００１", "card", ("card", "ZZ100001")),
        ("ＺＺ１００００１", "auto", ("card", "ZZ100001")),
    ],
)
def test_fullwidth_latin_still_reads_as_latin(raw, kind, expected):
    assert normalise(raw, kind) == expected
