"""Grammatical fit of a candidate word with its neighbours: preposition government, agreement."""

from __future__ import annotations

from typing import Any

from ocr.correct.lexicon import Lexicon

# Cases each preposition governs (OpenCorpora case names as pymorphy3 reports them).
PREPOSITION_CASES: dict[str, frozenset[str]] = {
    **dict.fromkeys(["в", "во", "на"], frozenset({"accs", "loct", "loc2"})),
    **dict.fromkeys(["о", "об", "обо"], frozenset({"accs", "loct"})),
    "с": frozenset({"gent", "ablt", "gen2"}), "со": frozenset({"gent", "ablt", "gen2"}),
    "к": frozenset({"datv"}), "ко": frozenset({"datv"}),
    "по": frozenset({"datv", "loct", "accs"}), "при": frozenset({"loct"}),
    **dict.fromkeys(["за", "под", "подо"], frozenset({"accs", "ablt"})),
    **dict.fromkeys(["над", "перед", "между"], frozenset({"ablt"})),
    **dict.fromkeys(["через", "про", "сквозь"], frozenset({"accs"})),
    **dict.fromkeys(["от", "до", "из", "без", "для", "у", "около", "после", "против", "среди",
                     "вокруг", "кроме", "из-за", "из-под", "вследствие", "ввиду"],
                    frozenset({"gent", "gen2"})),
    "согласно": frozenset({"datv"}),
}
_NOMINAL = frozenset({"NOUN", "ADJF", "PRTF", "NPRO", "NUMR"})
_ATTRIBUTE = frozenset({"ADJF", "PRTF"})


def parses(word: str, lexicon: Lexicon) -> tuple[Any, ...]:
    """pymorphy3's dictionary parses of a lower-case word (guesses left out), memoised."""
    memo = lexicon.memo("parse")
    if word not in memo:
        memo[word] = tuple(p for p in lexicon.morph.parse(word) if p.is_known)
    return memo[word]  # type: ignore[no-any-return]


def fit(candidate: str, *, before: str | None, after: str | None, lexicon: Lexicon) -> int:
    """+1 when the candidate fits a known neighbour's grammar, -1 when it cannot, else 0."""
    own = parses(candidate.lower(), lexicon)
    if not own or " " in candidate:
        return 0
    scores = [s for s in (_government(own, before), _agreement(own, after, lexicon),
                          _noun_after_attribute(own, before, lexicon)) if s]
    return max(-1, min(1, sum(scores)))


def _government(own: tuple[Any, ...], before: str | None) -> int:
    cases = PREPOSITION_CASES.get((before or "").lower())
    nominal = [p for p in own if p.tag.POS in _NOMINAL]
    if cases is None or not nominal:
        return 0
    return 1 if any(p.tag.case in cases for p in nominal) else -1


def _agreement(own: tuple[Any, ...], after: str | None, lexicon: Lexicon) -> int:
    """An adjective or participle before a noun agrees with it in case, number and gender."""
    attributes = [p for p in own if p.tag.POS in _ATTRIBUTE]
    nouns = [p for p in parses((after or "").lower(), lexicon) if p.tag.POS == "NOUN"]
    if not attributes or not nouns or len(attributes) < len(own):
        return 0
    return 1 if any(_agrees(a.tag, n.tag) for a in attributes for n in nouns) else -1


def _noun_after_attribute(own: tuple[Any, ...], before: str | None, lexicon: Lexicon) -> int:
    """A noun after a word that can only be an adjective or participle agrees with it."""
    nouns = [p for p in own if p.tag.POS == "NOUN"]
    attributes = parses((before or "").lower(), lexicon)
    if (not nouns or len(nouns) < len(own) or not attributes
            or any(p.tag.POS not in _ATTRIBUTE for p in attributes)):
        return 0
    return 1 if any(_agrees(a.tag, n.tag) for a in attributes for n in nouns) else -1


def _agrees(adj: Any, noun: Any) -> bool:
    if adj.case != noun.case or adj.number != noun.number:
        return False
    return adj.number == "plur" or noun.gender is None or adj.gender == noun.gender
