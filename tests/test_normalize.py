"""Normalisation tables: numbers by value, dates by calendar, folding of typography."""

from __future__ import annotations

import pytest

from bench.text.normalize import (
    APPROX,
    GT,
    LT,
    Date,
    find_dates,
    find_numbers,
    fold,
    format_date,
    parse_date_answer,
    parse_number_answer,
    phrase_key,
    tokens,
)

Unit = tuple[str, str] | None


def numbers(text: str) -> list[float]:
    return [m.value for m in find_numbers(tokens(fold(text)))]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("2", [2]),
        ("0.5", [0.5]),
        ("1,200", [1200]),
        ("1,200.5", [1200.5]),
        ("6.5", [6.5]),
        ("5000", [5000]),
        ("two", [2]),
        ("twenty-one", [21]),
        ("one hundred", [100]),
        ("twelve hundred", [1200]),
        ("sixty-five hundred", [6500]),
        ("sixty five hundred", [6500]),
        ("6.5 thousand", [6500]),
        ("one thousand two hundred", [1200]),
        ("two hundred and fifty", [250]),
        ("1.5 million", [1_500_000]),
        ("two million", [2_000_000]),
        ("about a thousand", [1000]),
        ("seven 8", [7, 8]),
        ("two or three", [2, 3]),
        ("between 10 and 20", [10, 20]),
        ("Two Russian soldiers were killed and one was wounded.", [2, 1]),
        ("hundred", []),
        ("none", []),
        ("", []),
    ],
)
def test_find_numbers_values(text: str, values: list[float]) -> None:
    assert numbers(text) == values


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("1,200", None),
        ("more than 1,200", GT),
        ("over 1,200", GT),
        ("at least 1,200", GT),
        ("well over 1,200", GT),
        ("no fewer than 1,200", GT),
        ("1,200 or more", GT),
        ("1,200-plus", GT),
        ("1,200+", GT),
        ("fewer than 1,200", LT),
        ("less than 1,200", LT),
        ("under 1,200", LT),
        ("up to 1,200", LT),
        ("no more than 1,200", LT),
        ("1,200 or fewer", LT),
        ("1,200 or less", LT),
        ("about 1,200", APPROX),
        ("nearly 1,200", APPROX),
        ("an estimated 1,200", APPROX),
        ("roughly about 1,200", APPROX),
        ("45 miles or more", GT),
    ],
)
def test_find_numbers_qualifiers(text: str, qualifier: str | None) -> None:
    [m] = find_numbers(tokens(fold(text)))
    assert m.qualifier == qualifier


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("45 miles", ("length", "mile")),
        ("45 mi", ("length", "mile")),
        ("45 km", ("length", "km")),
        ("45 kilometres", ("length", "km")),
        ("45 feet", ("length", "ft")),
        ("6 weeks", ("time", "week")),
        ("12 years", ("time", "year")),
        ("45 people", None),
    ],
)
def test_find_numbers_units(text: str, unit: Unit) -> None:
    [m] = find_numbers(tokens(fold(text)))
    assert m.unit == unit


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("in 2020", [True]),
        ("1994", [True]),
        ("1800", [True]),
        ("2100", [True]),
        ("1799", [False]),
        ("2101", [False]),
        ("2,020", [False]),
        ("20.20", [False]),
        ("the 6,500 dead of 2020", [False, True]),
        ("two thousand twenty", [False]),
    ],
)
def test_find_numbers_years_flagged(text: str, flags: list[bool]) -> None:
    assert [m.is_year for m in find_numbers(tokens(fold(text)))] == flags


def test_find_numbers_spans_partitive_and_skip() -> None:
    toks = tokens(fold("More than sixty-five hundred of them, 3 km away"))
    first, second = find_numbers(toks)
    assert toks[first.start:first.end] == ["sixty", "five", "hundred"]
    assert (first.value, first.qualifier, first.partitive) == (6500, GT, True)
    assert (second.value, second.unit, second.partitive) == (3, ("length", "km"), False)
    assert [m.value for m in find_numbers(toks, frozenset({2, 3, 4}))] == [3]


@pytest.mark.parametrize(
    ("text", "value"),
    [("2", 2), ("more than 1,200", 1200), ("about 45 miles", 45), ("6,500", 6500),
     ("two or three", None), ("many", None), ("", None)],
)
def test_parse_number_answer(text: str, value: float | None) -> None:
    m = parse_number_answer(text)
    assert (m.value if m else None) == value


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("2020-11-09", [(2020, 11, 9)]),
        ("2020-1-9", [(2020, 1, 9)]),
        ("9 November 2020", [(2020, 11, 9)]),
        ("November 9, 2020", [(2020, 11, 9)]),
        ("November 9 2020", [(2020, 11, 9)]),
        ("Nov. 9, 2020", [(2020, 11, 9)]),
        ("nov 9, 2020", [(2020, 11, 9)]),
        ("9th of November 2020", [(2020, 11, 9)]),
        ("the 1st of May, 2021", [(2021, 5, 1)]),
        ("Sept. 30, 2023", [(2023, 9, 30)]),
        ("September 2023", [(2023, 9, None)]),
        ("Sept 2023", [(2023, 9, None)]),
        ("March of 2021", [(2021, 3, None)]),
        ("2023-09", [(2023, 9, None)]),
        ("1994", [(1994, None, None)]),
        ("13/11/2020", [(2020, 11, 13)]),
        ("11/13/2020", [(2020, 11, 13)]),
        ("11/11/2020", [(2020, 11, 11)]),
        ("on 9 November 2020, and again in 1994", [(2020, 11, 9), (1994, None, None)]),
        ("The war ended in 1994; a truce followed in May 1994.", [(1994, None, None),
                                                                  (1994, 5, None)]),
        ("2020-13-01", [(2020, None, None)]),
        ("1492", [(1492, None, None)]),  # any year from 1000 on, as golds may be
        ("999", []),
        ("in the 12th of the month", []),
        ("", []),
    ],
)
def test_find_dates(text: str, dates: list[Date]) -> None:
    assert [d.date for d in find_dates(fold(text))] == dates


def test_ambiguous_numeric_date_keeps_both_readings() -> None:
    [d] = find_dates(fold("09/11/2020"))
    assert (d.date, d.alt) == ((2020, 11, 9), (2020, 9, 11))  # day first, then month first
    [d] = find_dates(fold("9.11.2020"))
    assert (d.date, d.alt) == ((2020, 11, 9), None)  # dots: always day first
    [d] = find_dates(fold("13/11/2020"))
    assert d.alt is None


def test_find_dates_spans() -> None:
    text = fold("Shot down on Nov. 9, 2020 near Yeraskh.")
    [d] = find_dates(text)
    assert text[d.start:d.end] == "nov. 9, 2020"


@pytest.mark.parametrize(
    ("text", "date", "shown"),
    [("2020-11-09", (2020, 11, 9), "2020-11-09"), ("9 November 2020", (2020, 11, 9), "2020-11-09"),
     ("2023-09", (2023, 9, None), "2023-09"), ("1994", (1994, None, None), "1994"),
     ("soon", None, None), ("1994 or 1995", None, None)],
)
def test_parse_date_answer(text: str, date: Date | None, shown: str | None) -> None:
    assert parse_date_answer(text) == date
    if date is not None:
        assert format_date(date) == shown


# ------------------------------------------------------------------ folding


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Shusha", "shusha"),
        ("Shushá", "shusha"),
        ("Ağdam", "agdam"),
        ("İlham Əliyev", "ilham eliyev"),
        ("Füzuli", "fuzuli"),
        ("Straße", "strasse"),
        ("łódź", "lodz"),
        ("Łódź", "lodz"),
        ("\u201cquoted\u201d", '"quoted"'),
        ("Moscow\u2019s", "moscow"),
        ("1\u20132", "1-2"),
        ("a\u00a0b", "a b"),
        ("didn't", "did not"),
        ("didn\u2019t", "did not"),
        ("Didn't", "did not"),
        ("isn't", "is not"),
        ("wasn't", "was not"),
        ("can't", "can not"),
        ("cannot", "can not"),
        ("won't", "will not"),
        ("don't know", "do not know"),
        ("it's", "it is"),
        ("I'm afraid", "i am afraid"),
        ("they're", "they are"),
        ("I dont know", "i do not know"),
        ("soldiers' deaths", "soldiers deaths"),
        ("Шуша", "shusha"),
        ("6 500 dead", "6,500 dead"),
        ("12\u202f000", "12,000"),
        ("in 2020 150 died", "in 2020 150 died"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("a", "b"),
    [("The Shusha!", "shusha"), ("Ilham  Aliyev.", "ilham aliyev"), ("1,200", " 1,200 "),
     ("Łódź", "lodz")],
)
def test_phrase_key_equal(a: str, b: str) -> None:
    assert phrase_key(a) == phrase_key(b)


def test_tokens() -> None:
    assert tokens(fold("The 1,200 troops, 6.5 km away (approx.)")) == [
        "the", "1,200", "troops", "6.5", "km", "away", "approx",
    ]


# ------------------------------------------------------------------ other languages and forms


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("два", [2]), ("двое", [2]), ("тридцать тысяч", [30_000]), ("5 тысяч", [5_000]),
        ("deux mille", [2_000]), ("zwanzig", [20]), ("cinco", [5]), ("10k", [10_000]),
        ("3.2k", [3_200]), ("6 500", [6_500]), ("10\u202f000", [10_000]),
        ("In 2020 150 people", [2020, 150]),
    ],
)
def test_numbers_in_other_languages_and_forms(text: str, values: list[float]) -> None:
    assert numbers(text) == values


@pytest.mark.parametrize(
    ("text", "qualifier", "unit"),
    [
        ("более 1200", GT, None), ("около 2000", APPROX, None), ("≈145 km", APPROX,
                                                                ("length", "km")),
        ("~2000", APPROX, None), ("plus de 1 200", GT, None), ("шесть недель", None,
                                                               ("time", "week")),
        ("44 días", None, ("time", "day")), ("1,760 yards", None, ("length", "yard")),
    ],
)
def test_qualifiers_and_units_in_other_languages(text: str, qualifier: str | None,
                                                 unit: Unit) -> None:
    [m] = find_numbers(tokens(fold(text)))
    assert (m.qualifier, m.unit) == (qualifier, unit)


def test_a_compound_quantity_is_one_number() -> None:
    [m] = find_numbers(tokens(fold("26 miles 385 yards")))
    assert m.unit == ("length", "mile") and m.value == pytest.approx(26 + 385 / 1760)
    assert len(find_numbers(tokens(fold("45 miles (72 km)")))) == 2  # a conversion


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("8 ноября 2020 года", (2020, 11, 8)), ("9 de noviembre de 2020", (2020, 11, 9)),
        ("9. November 2020", (2020, 11, 9)), ("11/2020", (2020, 11, None)),
        ("09.2020", (2020, 9, None)), ("9 listopada 2020", (2020, 11, 9)),
    ],
)
def test_dates_in_other_languages_and_forms(text: str, date: Date) -> None:
    assert [d.date for d in find_dates(fold(text))] == [date]


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Şuşa", "shusha"), ("Naxçıvan", "nakhchivan"), ("Xankəndi", "khankendi"),
     ("Пашинян", "pashinyan"), ("Ми-24", "mi-24"), ("exclave", "exclave")],
)
def test_fold_transliterates(text: str, folded: str) -> None:
    assert fold(text) == folded
