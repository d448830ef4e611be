"""Card numbers: the printed format, what a lookup and a token accept, and compaction."""

import pytest

from app.cards import numbers


@pytest.mark.parametrize(
    ("raw", "compacted"),
    [
        ("DA100001", "DA100001"),
        ("da 100 001", "DA100001"),
        ("DA-100-001", "DA100001"),
        (" da\t100001\n", "DA100001"),
        ("ＤＡ１００００１", "DA100001"),  # fullwidth, as some phone keyboards type it
    ],
)
def test_a_card_number_as_printed_or_read_out_compacts_to_the_stored_form(raw, compacted):
    assert numbers.compact(raw) == compacted


@pytest.mark.parametrize(
    ("text", "printed"),
    [("DA100001", True), ("CO123456", True), ("DA10001", False), ("D1000001", False), ("da100001", False)],
)
def test_only_two_letters_and_six_digits_read_as_a_printed_card_number(text, printed):
    assert bool(numbers.PRINTED.fullmatch(text)) is printed


def test_a_token_carries_a_stored_number_with_inner_hyphens_that_a_lookup_reads_compacted():
    assert numbers.IN_TOKEN.fullmatch("AB-1234")
    assert not numbers.TYPED.fullmatch("AB-1234")
    assert numbers.TYPED.fullmatch(numbers.compact("AB-1234"))


@pytest.mark.parametrize("text", ["-AB1234", "AB1234-", "AB 1234", "A" * 21])
def test_a_token_refuses_what_the_card_number_column_cannot_hold(text):
    assert not numbers.IN_TOKEN.fullmatch(text)


@pytest.mark.parametrize(("text", "typed"), [("ABC", False), ("ABCD", True), ("A" * 20, True), ("A" * 21, False)])
def test_a_typed_card_number_has_four_to_twenty_letters_and_digits(text, typed):
    assert bool(numbers.TYPED.fullmatch(text)) is typed
