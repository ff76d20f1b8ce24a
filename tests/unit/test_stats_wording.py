"""Stats read like a person wrote them: the balance leaders said once, with names."""

from __future__ import annotations

from kontakt.services.stats import BalanceStats, PersonBalance, balance_sentences, names


def person(who: str, given: int, received: int) -> PersonBalance:
    return PersonBalance(len(who), f"{who} Surname", given, received, "(per person)", who)


def balance(given=(), received=()) -> BalanceStats:
    return BalanceStats(months=(), circles=(), given_most=tuple(given), received_most=tuple(received))


def test_names_are_joined_as_in_a_sentence():
    assert [names([]), names(["Ada"]), names(["Ada", "Grace"]), names(["Ada", "Grace", "Olga"])] == [
        "", "Ada", "Ada and Grace", "Ada, Grace and Olga"]


def test_five_people_helped_are_one_sentence_not_five_lines():
    given = [person(n, 2, 0) for n in ("Ada", "Grace", "Olga", "Sam", "Jürgen")]
    assert balance_sentences(balance(given)) == ["You've helped Ada, Grace, Olga, Sam and Jürgen lately."]


def test_a_lot_and_a_little_each_way():
    given = [person("Olga", 4, 0), person("Ada", 1, 0), person("Dora", 2, 1)]
    received = [person("Sam", 0, 3), person("Ivana", 0, 5), person("Eleni", 0, 1)]
    assert balance_sentences(balance(given, received)) == [
        "You've helped Olga a lot lately, and Ada and Dora too.",
        "Sam and Ivana have done a lot for you, and Eleni something too — a good moment to give back.",
    ]
    assert balance_sentences(balance(received=[person("Sam", 0, 1)])) == [
        "Sam has done something for you — a good moment to give back."]
    assert balance_sentences(balance(given=[person("Olga", 3, 0)])) == [
        "You've helped Olga a lot lately."]
    assert balance_sentences(balance()) == []
