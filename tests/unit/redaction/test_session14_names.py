"""Names a user would still read after masking, session 14: a name's two spellings in a correction, any capitalised
word -- an everyday word or a place too -- in a frame only a person fits, a name said of a person noun ("the client
is ..."), a kin word heading a quoted nickname. Every name here is invented. Each test shows the text a user sees
after masking, and the words of the same shape that stay readable."""

from __future__ import annotations

import pytest

from redaction import Redactor


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # both spellings, whichever the lexicon knows
        ("Brandt, not Brant. sorry", "[PERSON], not [PERSON]. sorry"),
        ("sorry *Ogunwale not Ogunwole", "sorry *[PERSON] not [PERSON]"),
        ("typo above: Pruett not Prewett, fixing the referral", "typo above: [PERSON] not [PERSON], fixing the referral"),
        # a surname that is also an everyday word or a town, beside its other spelling
        ("Dodge not Dudge — auto-correct", "[PERSON] not [PERSON] — auto-correct"),
    ],
)
def test_both_spellings_of_a_corrected_name_are_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "Poplar, not Popular. autocorrect",  # two everyday words
        "she lives in Moldavia, not Moldova the country",  # two places
        "sorry, *Ruth's Place not Grace House for the 2 adults",  # words of longer names
        "Flint, not Flint Hills. the Genesee County one",  # the same word
        "Jackson County here is MO not MS",  # state codes
        "interpreter: Farsi not Dari, she was clear",  # languages
        "the hearing is Tuesday not Thursday",  # weekdays
    ],
)
def test_corrections_of_places_and_words_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # the pronouns someone goes by, a person noun in brackets
        ("Wren (they/them, 19) got the bed at the host home", "[PERSON] (they/them, [AGE]) got the bed at the host home"),
        ("Canyon (the client) moved to the youth housing", "[PERSON] (the client) moved to the youth housing"),
        (
            "Halcyon (the quiet girl from the drop-in) asked about court",
            "[PERSON] (the quiet girl from the drop-in) asked about court",
        ),
        # what is done only to a person
        ("Thunder was forced to dance at the club", "[PERSON] was forced to dance at the club"),
        ("Copper was picked up by probation at the mall", "[PERSON] was picked up by probation at the mall"),
        # the possessive of a person's name, kin or cell
        ("Granite's deadname is not to be used", "[PERSON]'s deadname is not to be used"),
        ("Velvet's cell is off, try the shelter", "[PERSON]'s cell is off, try the shelter"),
        # the subject of a sentence said to go by a person's pronouns
        ("Meadow is a good fit for the program, she/her, 20", "[PERSON] is a good fit for the program, she/her, [AGE]"),
        # two words said to be twins or siblings
        ("Flint and Ember are twins, both 13", "[PERSON] and [PERSON] are twins, both [AGE]"),
    ],
)
def test_any_word_in_a_frame_only_a_person_fits_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "Entry was forced at the rear door",  # a door is forced, not a person "forced to"
        "Intake notes: the youth uses they/them pronouns",  # no word said to go by them
        "the Harbor (the old shelter) closed in May",  # after an article
        "Grace House (the shelter) has two beds",  # a word of a longer name
        "Housing and Legal are closed on Friday",  # no siblings said
    ],
)
def test_words_outside_a_person_frame_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a name word said of a person noun, ending the clause
        ("night clerk is Tsegaye, willing to talk", "night clerk is [PERSON], willing to talk"),
        ("crew boss is Qodirjon, last name unknown", "crew boss is [PERSON], last name unknown"),
        # an everyday word or a place, with an age or pronouns after it
        ("the client is Harbor, nonbinary, 19, from Tacoma", "the client is [PERSON], nonbinary, [AGE], from Tacoma"),
        ("V2 in the Tulsa case is Memphis, 16, ran from a placement", "V2 in the Tulsa case is [PERSON], [AGE], ran from a placement"),
    ],
)
def test_a_name_said_of_a_person_noun_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "the suspect is Hispanic, 30s, driving a white van",  # a nationality
        "the client is Spanish-speaking",
        "the meeting is Tuesday, 10am",
        "the client is Harbor-bound tomorrow",  # an everyday word with no age or pronouns
        "the victim was Safe Harbor's referral",
    ],
)
def test_descriptions_said_of_a_person_noun_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


def test_a_description_with_an_age_is_no_name(redactor: Redactor) -> None:
    assert "White" in redactor.redact("the driver is White, 45, heavy set").text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a kin word heading a quoted nickname is part of it: the name a contact is saved or known under
        ('the driver who brought her was "Uncle Ray", white pickup', 'the driver who brought her was "[PERSON]", white pickup'),
        ('save the number as "Auntie Lan" she said', 'save the number as "[PERSON]" she said'),
    ],
)
def test_a_kin_word_heading_a_quoted_nickname_is_masked_with_it(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


def test_a_kin_word_in_brackets_stays_readable(redactor: Redactor) -> None:
    assert (
        redactor.redact("the uncle Tran Van Minh (Uncle Minh) called twice").text
        == "the uncle [PERSON] (Uncle [PERSON]) called twice"
    )


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # the speakers of a chat log or a transcript pasted line by line
        (
            "[04/02/2024 8:10 PM] Marlon T: you alone?\n[04/02/2024 8:12 PM] Marlon T: send the address",
            "[04/02/2024 8:10 PM] [PERSON]: you alone?\n[04/02/2024 8:12 PM] [PERSON]: send the address",
        ),
        ("call #3:\n[Okafor]: tell her to drop it\n[MV-2]: no", "call #3:\n[[PERSON]]: tell her to drop it\n[MV-2]: no"),
    ],
)
def test_the_speakers_of_a_pasted_log_are_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "[10:02] System: message deleted\n[10:03] System: user left",  # an everyday word
        "[INMATE]: yes\n[OFFICER]: ok",  # roles in capitals
        "[MV-1]: I'm not supposed to talk to you",  # a code
    ],
)
def test_log_labels_that_are_no_names_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a pasted form's name fields on one line, labels in capitals
        ("REGISTRATION CARD\nLAST DIOUF FIRST MARIAMA\nCITY Dakar", "REGISTRATION CARD\nLAST [PERSON] FIRST [PERSON]\nCITY Dakar"),
        ("FIRST NAME: TEODORA LAST NAME: VASILE", "FIRST NAME: [PERSON] LAST NAME: [PERSON]"),
    ],
)
def test_name_fields_of_a_pasted_form_are_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    ["LAST SEEN NEAR THE BUS STATION", "FAMILY CONTACT. CALL THE ON-CALL LINE", "LAST WEEK FIRST TIME"],
)
def test_capital_words_after_form_labels_that_are_no_names_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # one word opening a line, set equal to a whole name: an alias, even an everyday word
        ("Comet = Yesenia Paredes, missing since June", "[PERSON] = [PERSON], missing since June"),
        ("Sugar = Dominic Ashby, 27, Newark", "[PERSON] = [PERSON], [AGE], Newark"),
    ],
)
def test_an_alias_set_equal_to_a_whole_name_is_masked(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Driver = Yesenia Paredes, 31", "Driver = [PERSON], [AGE]"),  # a role
        ("Contact = Yesenia Paredes", "Contact = [PERSON]"),  # a form label
        ("Uncle = Dominic Ashby", "Uncle = [PERSON]"),  # kin
    ],
)
def test_roles_and_labels_set_equal_to_a_name_stay_readable(redactor: Redactor, text: str, masked: str) -> None:
    assert redactor.redact(text).text == masked
