"""Tests for plate normalising, decoding and near-match variants."""

import ast
import string
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import plates
from app.plates import PlateError, decode, near_matches, normalise, rank_near_matches, variants

ALNUM = string.ascii_uppercase + string.digits
SEPARATORS = list(" \t\u00a0\u3000-\u2010\u2013\u2014\uff0d\u2212.\uff0e")
MISREAD_PAIRS = [("O", "0"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2")]


def is_separator(char: str) -> bool:
    return char.isspace() or char in ".\u2212" or unicodedata.category(char) == "Pd"


def is_refused(char: str) -> bool:
    return not (char in string.ascii_letters + string.digits or is_separator(char))


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: Levenshtein plus swapping two neighbours."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            substitute = d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, substitute)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


valid_plates = st.text(alphabet=ALNUM, min_size=1, max_size=10)
plate_ish = st.sampled_from(ALNUM + string.ascii_lowercase + " .-")
messy_text = st.text(alphabet=st.one_of(plate_ish, st.characters()))
refused_chars = st.characters().filter(lambda c: any(map(is_refused, unicodedata.normalize("NFKC", c))))


# normalise: examples


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DJN123", "DJN123"),
        ("djn123", "DJN123"),
        (" d j-1.2 3 ", "DJ123"),
        ("ＤＪ１２３", "DJ123"),
        ("D\u2013J\u00a0123", "DJ123"),
        ("1234 XZ D", "1234XZD"),
        ("ABCDEFGHIJ", "ABCDEFGHIJ"),
    ],
)
def test_plate_input_is_written_in_one_canonical_form(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "-.-", "\t\n"])
def test_empty_plate_asks_the_user_to_enter_one(raw):
    with pytest.raises(PlateError, match="Enter a plate"):
        normalise(raw)


@pytest.mark.parametrize("raw", ["DJ-12€", "DJ_123", "DJ/123", "DJ·123", "straße", "DÉ123", "D\u200bJ1"])
def test_a_character_that_is_not_a_letter_digit_or_separator_is_refused(raw):
    with pytest.raises(PlateError, match="only letters and digits"):
        normalise(raw)


def test_a_plate_longer_than_ten_characters_is_refused():
    with pytest.raises(PlateError, match="at most 10"):
        normalise("ABCDE-FGHIJK")


def test_plate_error_is_a_value_error():
    assert issubclass(PlateError, ValueError)


# normalise: properties


@given(messy_text)
def test_normalise_gives_a_short_plate_of_letters_and_digits_or_a_plate_error(raw):
    try:
        plate = normalise(raw)
    except PlateError:
        return
    assert 1 <= len(plate) <= 10
    assert set(plate) <= set(ALNUM)


@given(messy_text)
def test_normalise_refuses_exactly_what_the_spec_refuses(raw):
    nfkc = unicodedata.normalize("NFKC", raw)
    kept = [c for c in nfkc if not is_separator(c)]
    if any(map(is_refused, nfkc)) or not 1 <= len(kept) <= 10:
        with pytest.raises(PlateError):
            normalise(raw)
    else:
        assert normalise(raw) == "".join(kept).upper()


@given(valid_plates, refused_chars, st.data())
def test_one_refused_character_anywhere_makes_the_plate_an_error(plate, char, data):
    at = data.draw(st.integers(0, len(plate)))
    with pytest.raises(PlateError):
        normalise(plate[:at] + char + plate[at:])


@given(messy_text)
def test_normalise_is_idempotent(raw):
    try:
        plate = normalise(raw)
    except PlateError:
        return
    assert normalise(plate) == plate


@given(valid_plates, st.lists(st.tuples(st.integers(0, 10), st.sampled_from(SEPARATORS))))
def test_separators_anywhere_do_not_change_the_plate(plate, inserts):
    raw = plate
    for at, separator in inserts:
        raw = raw[:at] + separator + raw[at:]
    assert normalise(raw) == plate


@given(st.text(alphabet=ALNUM + string.ascii_lowercase, min_size=1, max_size=10))
def test_lower_and_upper_case_give_the_same_plate(raw):
    assert normalise(raw.lower()) == normalise(raw.upper()) == normalise(raw) == raw.upper()


# decode


@pytest.mark.parametrize(
    ("plate", "layout", "status", "code", "number"),
    [
        ("DXZ1234", "washington", "D", "XZ", "1234"),
        ("CDJ12", "washington", "C", "DJ", "12"),
        ("SYR7", "washington", "S", "YR", "7"),
        ("ABW0042", "washington", "A", "BW", "0042"),
        ("1234XZD", "new_york", "D", "XZ", "1234"),
        ("5DLC", "new_york", "C", "DL", "5"),
        ("77MFS", "new_york", "S", "MF", "77"),
        ("123LKA", "new_york", "A", "LK", "123"),
    ],
)
def test_decode_reads_status_code_and_number_of_both_layouts(plate, layout, status, code, number):
    hint = decode(plate)
    assert hint.layout == layout
    assert (hint.status_letter, hint.code, hint.number) == (status, code, number)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("D", "Diplomat"),
        ("C", "Consular"),
        ("S", "administrative and technical"),
        ("A", "not confirmed"),
    ],
)
def test_decode_explains_each_status_letter(status, words):
    assert words in decode(f"{status}XZ1").status_meaning


def test_new_york_layout_carries_the_unconfirmed_after_2007_caveat():
    assert "not confirmed" in decode("1234XZD").caveat


def test_washington_layout_has_no_caveat():
    assert decode("DXZ1234").caveat is None


def test_decode_keeps_the_plate_code_as_printed_and_names_no_country():
    hint = decode("DDJ123")
    assert hint.code == "DJ"
    assert not any("country" in field for field in hint.__dataclass_fields__)


@pytest.mark.parametrize("plate", ["DJ123", "XXZ123", "DXZ12345", "DXZ", "12345XZD", "1234XZE", "ABC", "DX1234", "1"])
def test_decode_returns_none_for_a_plate_in_neither_layout(plate):
    assert decode(plate) is None


# variants


def test_a_seven_character_plate_has_a_few_hundred_variants():
    assert 300 < len(variants("DXZ1234")) < 700


def test_misread_variants_come_first_in_plate_order():
    assert variants("DSO1")[:4] == ["D5O1", "DS01", "DSOI", "ASO1"]


def test_variants_of_a_ten_character_plate_never_exceed_ten_characters():
    assert max(map(len, variants("ABCDEFGHIJ"))) == 10


def test_variants_of_a_one_character_plate_never_include_the_empty_plate():
    assert "" not in variants("A")


@given(valid_plates)
def test_variants_are_unique_and_never_the_plate_itself(plate):
    found = variants(plate)
    assert plate not in found
    assert len(found) == len(set(found))


@given(valid_plates)
def test_every_variant_is_one_edit_away_and_a_possible_plate(plate):
    for variant in variants(plate):
        assert edit_distance(plate, variant) == 1
        assert 1 <= len(variant) <= 10 and set(variant) <= set(ALNUM)


@given(valid_plates, st.data())
def test_every_single_edit_is_among_the_variants(plate, data):
    at = data.draw(st.integers(0, len(plate) - 1))
    char = data.draw(st.sampled_from(ALNUM))
    edits = [
        plate[:at] + char + plate[at + 1 :],
        plate[:at] + plate[at + 1 :],
        plate[:at] + char + plate[at:],
    ]
    if at + 1 < len(plate):
        edits.append(plate[:at] + plate[at + 1] + plate[at] + plate[at + 2 :])
    for edit in edits:
        assert edit in variants(plate) or edit == plate or not 1 <= len(edit) <= 10


@given(valid_plates)
def test_misread_variants_come_before_all_other_variants(plate):
    misreads = [
        plate[:i] + other + plate[i + 1 :]
        for i, c in enumerate(plate)
        for a, b in MISREAD_PAIRS
        for other in ((b,) if c == a else (a,) if c == b else ())
    ]
    assert variants(plate)[: len(misreads)] == misreads


@given(valid_plates)
def test_variants_go_substitution_then_deletion_then_insertion_then_swap(plate):
    def kind(variant):
        if len(variant) != len(plate):
            return 2 if len(variant) < len(plate) else 3
        return 1 if sum(a != b for a, b in zip(plate, variant, strict=True)) == 1 else 4

    kinds = [kind(v) for v in variants(plate)]
    assert kinds == sorted(kinds)


# ranking and lookup


def test_rank_near_matches_orders_by_likelihood_and_keeps_five():
    found = ["DXZ123", "XDZ1234", "DXZ1235", "DX21234", "AXZ1234", "DXZ12345", "DXZI234"]
    expected = ["DX21234", "DXZI234", "AXZ1234", "DXZ1235", "DXZ123"]
    assert rank_near_matches("DXZ1234", found) == expected


def test_rank_near_matches_ignores_the_plate_itself_far_plates_and_repeats():
    assert rank_near_matches("DXZ1234", ["DXZ1234", "QQQ999", "DX21234", "DX21234"]) == ["DX21234"]


@given(valid_plates, st.data())
def test_rank_near_matches_follows_variant_order_whatever_order_they_are_found_in(plate, data):
    chosen = data.draw(st.lists(st.sampled_from(variants(plate)), unique=True, max_size=8))
    shuffled = data.draw(st.permutations(chosen))
    expected = [v for v in variants(plate) if v in chosen][:5]
    assert rank_near_matches(plate, shuffled) == expected


def test_near_matches_asks_in_chunks_and_stops_once_it_has_enough():
    existing = {"DX21234", "AXZ1234", "BXZ1234", "CXZ1234", "EXZ1234", "FXZ1234", "DXZ12345"}
    asked = []

    def lookup(chunk):
        asked.append(len(chunk))
        return [plate for plate in chunk if plate in existing]

    expected = ["DX21234", "AXZ1234", "BXZ1234", "CXZ1234", "EXZ1234"]
    assert near_matches("DXZ1234", lookup, chunk_size=100) == expected
    assert asked == [100]


def test_near_matches_asks_every_chunk_when_few_plates_exist():
    asked = []

    def lookup(chunk):
        asked.append(chunk)
        return [plate for plate in chunk if plate == "DXZ12345"]

    assert near_matches("DXZ1234", lookup) == ["DXZ12345"]
    assert [v for chunk in asked for v in chunk] == variants("DXZ1234")


def test_plates_module_imports_only_the_standard_library():
    tree = ast.parse(Path(plates.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert {name.split(".")[0] for name in imported} <= sys.stdlib_module_names
