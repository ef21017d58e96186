"""One letter a page's typeface makes tesseract misread throughout: learned from the page itself.

A worn or bold typewriter face can make tesseract read one letter as another all over a page
(a bold "н" whose crossbar fills in reads "и": "соревиовании", "сахариого", "тоин"). Word by
word nothing tells the misreading from a rare word; over the page it is plain: many words the
lexicon does not know become words it knows by the same one swap of a letter, and no other swap
explains nearly as many. Such a swap (it explains at least ``min_words`` distinct unknown words
and at least ``min_share`` of the page's unknown words that hold its letter) is undone in every
unknown word that it turns into a known word; a word the lexicon knows is never changed, nor a
word that another swap would explain as well. Any pair of letters of the page's alphabet may
be the page's swap: nothing about a particular letter is written here. The two thresholds are
learned on the tuning pages (``bench/learn_reletter.py``); the words changed are recorded as a
processing step.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ocr.quality import lexicon_knows
from ocr.records import ProcessingStep

RULE_FILE = Path(__file__).parent / "data" / "reletter.json"
MIN_LETTERS = 4  # shorter words are one swap from too many words to count as evidence
MAX_WORDS = 400  # unknown words examined on a page at most (a page of noise is not a typeface)
MAX_SWAPS = 2  # places one word may have its letter swapped
_WORD = re.compile(r"^(\W*)([^\W\d_]+)(\W*)$")


@dataclass(frozen=True)
class SwapRule:
    """When a page's swap is undone (learned; ocr/data/reletter.json)."""

    min_words: int = 4
    min_share: float = 0.3
    on: bool = True


@dataclass(frozen=True)
class Swap:
    """One word's letters put back: its index among the page's words (TSV order)."""

    index: int
    before: str
    after: str


@lru_cache(maxsize=4)
def load_rule(path: Path = RULE_FILE) -> SwapRule:
    if not path.is_file():
        return SwapRule(on=False)
    data = json.loads(path.read_text(encoding="utf-8"))
    return SwapRule(
        min_words=int(data["min_words"]),
        min_share=float(data["min_share"]),
        on=bool(data.get("on", True)),
    )


def _alphabet(words: Sequence[str]) -> str:
    """The small letters the page's words are written in."""
    return "".join(sorted({c for w in words for c in w.lower() if c.isalpha()}))


def _listed(language: str) -> Mapping[str, float]:
    """The words the lexicon of ``language`` lists (wordfreq's own table: a set lookup, where
    :func:`ocr.quality.lexicon_knows` tokenises each word first)."""
    from wordfreq import get_frequency_dict

    return get_frequency_dict(language, "best")  # the very table wordfreq caches for itself


def _maybe_known(word: str, languages: tuple[str, ...]) -> bool:
    low = word.lower()
    return any(low in _listed(lang) for lang in languages) and bool(lexicon_knows(word, languages))


def _fixes(core: str, letters: str, languages: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """(letter read, letter meant): the known word, for each swap of one letter for another (in
    one place, else in up to MAX_SWAPS places, case kept) that makes ``core`` a known word."""
    out: dict[tuple[str, str], str] = {}
    low = core.lower()
    for read in sorted(set(low)):
        places = [i for i, c in enumerate(low) if c == read]
        tries = [
            list(chosen)
            for n in range(1, min(MAX_SWAPS, len(places)) + 1)
            for chosen in itertools.combinations(places, n)
        ]
        for meant in letters:
            if meant == read:
                continue
            for chosen in tries:
                word = _swapped(core, chosen, meant)
                if _maybe_known(word, languages):
                    out[(read, meant)] = word
                    break
    return out


def _swapped(core: str, places: Sequence[int], meant: str) -> str:
    chars = list(core)
    for i in places:
        chars[i] = meant.upper() if chars[i].isupper() else meant
    return "".join(chars)


def page_swaps(
    words: Sequence[str], languages: tuple[str, ...], rule: SwapRule | None = None
) -> tuple[list[Swap], dict[str, object]]:
    """The words of a page (TSV order) whose letter the page's swap puts back, and what was
    found (the swap, the words it explains, the page's unknown words holding its letter)."""
    rule = rule or load_rule()
    if not rule.on or not languages:
        return [], {}
    parts = [_WORD.match(w) for w in words]
    unknown = [
        (i, m)
        for i, m in enumerate(parts)
        if m and len(m.group(2)) >= MIN_LETTERS and not lexicon_knows(m.group(2), languages)
    ][:MAX_WORDS]
    if len(unknown) < rule.min_words:
        return [], {}
    letters = _alphabet([m.group(2) for m in parts if m])
    found = {i: _fixes(m.group(2), letters, languages) for i, m in unknown}
    counts = Counter(pair for fixes in found.values() for pair in fixes)
    if not counts:
        return [], {}
    (read, meant), explained = counts.most_common(1)[0]
    holding = sum(1 for _, m in unknown if read in m.group(2).lower())
    share = explained / max(holding, 1)
    seen = {"swap": [read, meant], "explains": explained, "unknown_with_letter": holding}
    if explained < rule.min_words or share < rule.min_share:
        return [], seen
    # The runner-up must explain clearly fewer words: a page whose unknown words many swaps
    # explain alike is noise, not a typeface.
    runner = max((n for pair, n in counts.items() if pair != (read, meant)), default=0)
    if runner * 2 > explained:
        return [], seen
    swaps = []
    for i, fixes in found.items():
        if (read, meant) not in fixes or len(fixes) > 1 and _ambiguous(fixes, (read, meant)):
            continue
        m = parts[i]
        assert m is not None
        swaps.append(Swap(i, words[i], m.group(1) + fixes[(read, meant)] + m.group(3)))
    return swaps, seen


def _ambiguous(fixes: Mapping[tuple[str, str], str], chosen: tuple[str, str]) -> bool:
    """Another swap makes a different known word of it: the word is left as read."""
    return any(word != fixes[chosen] for pair, word in fixes.items() if pair != chosen)


def reletter_step(swaps: Sequence[Swap], seen: Mapping[str, object]) -> ProcessingStep:
    return ProcessingStep(
        id="reletter",
        category="ocr",
        description=(
            "a letter the page's typeface made tesseract misread throughout put back in the "
            "words the lexicon does not know and the swap makes known"
        ),
        settings={**seen, "words": [[s.before, s.after] for s in swaps]},
    )
