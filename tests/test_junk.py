"""Junk words read from ink that is not text (ocr.detect.junk): fragments from stamps, seals and
pencil marks are dropped from every output and kept in the step; legible words, numbers and
garbled real typing stay."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from bench.learn_junk import Page, dropped_by, fit_logistic, legible_looking
from ocr.detect.junk import (
    FEATURES,
    JunkModel,
    drop_junk,
    fragments_near,
    junk_indices,
    junk_model,
    junk_scores,
    marked_boxes,
    marked_words,
    never_junk,
    word_shape,
)
from ocr.detect.regions import Region
from ocr.detect.specks import dropped_words, restored
from ocr.geometry import PageGeometry
from ocr.records import Box
from ocr.tesseract import Word, read_words
from tests.test_specks import _outputs

pytestmark = pytest.mark.unit

H = 32  # px: the typed word height


def _word(n: int, text: str, left: int, conf: float, line: int, height: int = H) -> Word:
    return Word(1, 1, line, n, Box(left, 60 * line, 20 * max(1, len(text)), height), conf, text)


BODY = [
    "The Minister has the honor to report that the Government has received",
    "the note of the Legation concerning the refugees and their passports",
    "which will be forwarded to the Department of State without delay",
]


def _page(extra: list[list[tuple[str, float, int]]]) -> list[Word]:
    """Three lines of confidently typed English, then lines of (text, confidence, height)."""
    words = []
    for n, line in enumerate(BODY, start=1):
        words += [_word(i + 1, t, 30 + 25 * i * 8, 93.0, n) for i, t in enumerate(line.split())]
    for n, line in enumerate(extra, start=len(BODY) + 1):
        words += [_word(i + 1, t, 30 + 200 * i, c, n, h) for i, (t, c, h) in enumerate(line)]
    return words


def test_legible_words_numbers_and_unsure_boxes_are_never_junk() -> None:
    assert never_junk(_word(1, "RECEIVED", 0, 20.0, 1), True)
    assert never_junk(_word(1, "1939", 0, 10.0, 1), None)
    assert never_junk(_word(1, "No.12", 0, 10.0, 1), False)
    assert never_junk(_word(1, "~", 0, -1.0, 1), None)
    assert not never_junk(_word(1, "yw", 0, 30.0, 1), False)
    assert not never_junk(_word(1, "4", 0, 30.0, 1), None)
    assert not never_junk(_word(1, "_INaHUVyS", 0, 30.0, 1), False)  # long, unknown: judged


def test_a_words_shape_tells_garbage_from_a_misread_word() -> None:
    """Case switches inside the word (a capital first letter is none), switches between
    letters, digits and marks, and vowels: "INaHUVyS" switches case four times, "Goverument"
    and "McKinley"'s first capital none and two."""
    long, alnum, switches, case_switches, vowels = word_shape("INaHUVyS")
    assert long == 1.0 and alnum == 8 / 15 and switches == 0.0
    assert case_switches == 4 / 7 and vowels == 4 / 8
    assert word_shape("Goverument")[3] == 0.0 and word_shape("RECEIVED")[3] == 0.0
    assert word_shape("McKinley")[3] == 2 / 7
    assert word_shape("d'Alembert")[3] == 0.0  # a capital after an apostrophe starts a run
    assert word_shape("4~c0)")[2] == 1.0  # every character switches kind
    assert word_shape("yw")[0] == 0.0 and word_shape("yw")[4] == 0.5


def test_the_shipped_model_ranks_seal_fragments_over_fragments_of_typing() -> None:
    """Fragments read unsurely from a seal ("—", "©", "~", "0)", boxes of odd heights) are more
    likely junk than the one- and two-character words of a badly read typed line ("a", "1",
    ","); legible stamp wording ("RECEIVED", a year) is never judged, a rare short word ("MAR")
    is judged and kept, and no typed word is dropped."""
    seal = [("—", 22.0, 50), ("©", 18.0, 70), ("~", 15.0, 20), ("0)", 20.0, 48)]
    typed = [("tbe", 41.0, H), ("a", 38.0, H), ("lias", 45.0, H), ("1", 40.0, H)]
    typed += [("tlie", 35.0, H), (",", 39.0, H), ("uote", 39.0, H)]
    stamp = [("RECEIVED", 61.0, 40), ("MAR", 55.0, 40), ("1939", 58.0, 40)]
    words = _page([seal, typed, stamp])
    scores = junk_scores(words, "eng")
    by_line = {n: [s for w, s in zip(words, scores, strict=True) if w.line == n] for n in (4, 5, 6)}
    assert None not in by_line[4]
    assert min(s for s in by_line[4] if s is not None) > max(s for s in by_line[5] if s)
    received, mar, year = by_line[6]
    assert received is None and year is None  # a legible word and a year are never judged
    assert mar is not None and mar < junk_model().threshold  # a rare short word is, and stays
    body = sum(len(line.split()) for line in BODY)
    assert all(words[i].line == 4 for i in junk_indices(words, "eng"))
    assert all(s is None for s in scores[:body])  # the typed body is legible: never judged


def test_the_shipped_model_keeps_garbled_real_typing() -> None:
    """A typed line read badly (unknown words, low confidence, at the typed height) is real
    text: the model must not drop it."""
    garbled = [("tbe", 41.0, H), ("Goverument", 38.0, H), ("lias", 45.0, H), ("recelved", 40.0, H)]
    garbled += [("tlie", 35.0, H), ("uote", 39.0, H)]
    words = _page([garbled])
    assert junk_indices(words, "eng") == []


def test_nothing_is_judged_without_a_typed_height_or_a_lexicon() -> None:
    few = [_word(1, "~", 0, 10.0, 1), _word(2, "yw", 40, 10.0, 1)]
    assert junk_scores(few, "eng") == [None, None]
    words = _page([[("—", 5.0, 50), ("©", 5.0, 70)]])
    assert junk_scores(words, "xyz") == [None] * len(words)


def test_junk_leaves_every_output_and_its_step_keeps_it(tmp_path: Path) -> None:
    model = JunkModel(tuple([0.0] * len(FEATURES)), 5.0, 0.5, "test")  # everything judged is junk
    words = _page([[("—", 20.0, 50), ("©", 20.0, 70)]])
    words[1] = _word(2, "Minister", 230, 93.0, 1)
    paths = _outputs(tmp_path, words)

    steps = drop_junk(words, paths, "eng", model)

    left = read_words(paths["tsv"])
    judged = [w for w, p in zip(words, junk_scores(words, "eng", model), strict=True) if p]
    assert {"—", "©"} <= {w.text for w in judged}
    assert [w.text for w in left] == [w.text for w in words if w not in judged]
    alto = paths["alto"].read_text(encoding="utf-8")
    assert re.findall(r'CONTENT="([^"]*)"', alto) == [w.text for w in left]
    assert "©" not in paths["txt"].read_text(encoding="utf-8")
    (step,) = steps
    assert step.id == "junk"
    assert len(step.settings["p_junk"]) == len(judged)
    back = restored(left, dropped_words(step.settings))
    assert [w.text for w in back] == [w.text for w in words]


def test_a_model_that_judges_nothing_junk_leaves_the_outputs(tmp_path: Path) -> None:
    model = JunkModel(tuple([0.0] * len(FEATURES)), -5.0, 0.5, "test")
    words = _page([[("—", 20.0, 50)]])
    paths = _outputs(tmp_path, words)
    before = {k: p.read_bytes() for k, p in paths.items()}
    assert drop_junk(words, paths, "eng", model) == []
    assert {k: p.read_bytes() for k, p in paths.items()} == before


def test_the_shipped_model_has_a_threshold_and_its_provenance() -> None:
    model = junk_model()
    assert len(model.weights) == len(FEATURES)
    assert 0.0 < model.threshold < 1.0
    assert "bench/learn_junk.py" in model.source


def test_the_learner_finds_the_direction_that_separates_the_labels() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] - 2 * x[:, 2] + 0.3 * rng.normal(size=400) > 0).astype(float)
    weights, bias = fit_logistic(x, y)
    assert weights[0] > 1.0 and weights[2] < -2.0
    assert abs(weights[1]) < 0.5 * abs(weights[0])
    p = 1 / (1 + np.exp(-(x @ np.array(weights) + bias)))
    assert ((p > 0.5) == (y > 0.5)).mean() > 0.9


def test_rare_short_words_are_judged_and_long_words_only_inside_a_mark() -> None:
    """The lexicon knows nearly every pair of letters: a rare short word ("yw", "oe") is judged,
    a common one ("of") never. A word of more than three letters or digits is judged only when
    it lies in a stamp, handwriting or a signature found on the page: garbled typing elsewhere
    is never dropped."""
    yw, of, garbage = _word(1, "yw", 0, 30.0, 1), _word(2, "of", 0, 30.0, 1), "_INaHUVyS"
    assert not never_junk(yw, True, 2.1) and never_junk(of, True, 7.4)
    assert never_junk(yw, True)  # without its frequency a known word stays legible
    assert never_junk(_word(3, garbage, 0, 0.0, 1), None, None, marked=False)
    assert not never_junk(_word(3, garbage, 0, 0.0, 1), None, None, marked=True)
    assert not never_junk(_word(3, "okt", 0, 28.0, 1), True, 1.6, marked=False)


def test_marks_are_the_stamps_handwriting_and_signatures_in_the_words_frame() -> None:
    def region(kind: str, box: Box) -> Region:
        return Region(kind, box, (), 0.9, "test")

    stamp, hand, flag = Box(10, 20, 100, 100), Box(300, 20, 80, 40), Box(0, 0, 50, 50)
    regions = [region("stamp", stamp), region("handwriting", hand), region("garbage", flag)]
    assert marked_boxes(regions) == [stamp, hand]
    same = PageGeometry.identity(1000, 800)
    assert marked_boxes(regions, same) == [stamp, hand]
    cropped = PageGeometry(1000, 800, 0.0, 1000, 800, Box(5, 10, 700, 900))
    assert marked_boxes(regions, cropped)[0] == Box(5, 10, 100, 100)
    inside, outside = _word(1, "yw", 20, 30.0, 1), _word(2, "yw", 500, 30.0, 1)
    assert marked_words([inside, outside], [stamp]) == [True, False]


def test_the_shipped_model_finds_seal_fragments_likelier_junk_inside_a_stamp() -> None:
    """The same fragments read on a seal line are likelier junk when a stamp was found there,
    and a garbled long token is judged there only; the typed body is never judged."""
    seal = [("—", 22.0, 50), ("ne", 30.0, 110), ("yw", 40.0, 90), ("_INaHUVyS", 0.0, 240)]
    words = _page([seal])
    stamp = Box(0, 230, 1000, 300)  # the seal line (line 4 lies at 240)
    plain = junk_scores(words, "eng")
    marked = junk_scores(words, "eng", marks=[stamp])
    body = sum(len(line.split()) for line in BODY)
    assert all(s is None for s in marked[:body])
    assert plain[-1] is None and marked[-1] is not None
    for a, b in zip(plain[body:-1], marked[body:-1], strict=True):
        assert a is not None and b is not None and b > a


def test_the_learner_leaves_legible_looking_words_off_the_reference_unlabelled() -> None:
    """A longer word off the reference that looks like a word (one case or a capital first
    letter, a vowel, letters only) may be legible text: no junk sample; garbage is."""
    assert legible_looking("RECEIVED") and legible_looking("Kantardjieff,")
    assert legible_looking("(Ииита")
    assert not legible_looking("_INaHUVyS") and not legible_looking("NIStOg-")
    assert not legible_looking("BHT") and not legible_looking("4~c0)")
    assert not legible_looking("yw")  # a fragment: the fragments' labels apply


def _cluster_page() -> list[Word]:
    """The typed body, then a seal's fragments (lines 4-6, off the typing, close together),
    then a typed line with one misread short word ("ев" among legible words, line 7) and one
    fragment alone far below (line 12)."""
    seal = [[("ne", 30.0, 40), ("yw", 30.0, 40)], [("—", 20.0, 40), ("~", 20.0, 40)]]
    seal += [[("oe", 25.0, 40), ("0)", 25.0, 40)]]
    typed = [("the", 90.0, H), ("ев", 40.0, H), ("Legation", 90.0, H)]
    words = _page([*seal, typed])
    return [*words, _word(1, "ib", 30, 30.0, 12)]


def test_fragments_near_counts_a_seals_cluster_not_a_typed_lines_misread_word() -> None:
    """Fragments within a few typed heights of each other off the typed lines are a cluster;
    a misread short word on a typed line and a fragment standing alone are not."""
    words = _cluster_page()
    near = fragments_near(words, "eng")
    at = {w.text: n for w, n in zip(words, near, strict=True)}
    assert at["ne"] >= 3 and at["~"] >= 3 and at["0)"] >= 3  # the seal's fragments
    assert at["ев"] == 0  # on a typed line: never part of a cluster
    assert at["ib"] == 0  # alone
    body = sum(len(line.split()) for line in BODY)
    assert near[:body] == [0] * body


def test_a_page_mostly_of_fragments_has_no_clusters() -> None:
    """Garbled typing throughout (more fragments than other words): no cluster is special."""
    words = [_word(i + 1, t, 30 + 60 * i, 80.0, 1) for i, t in enumerate(["Minister"] * 6)]
    words += [_word(i + 1, t, 30 + 60 * i, 30.0, 2) for i, t in enumerate(["ne", "yw", "oe"] * 3)]
    assert fragments_near(words, "eng") == [0] * len(words)


def test_the_cluster_threshold_drops_a_clusters_fragment_not_a_lone_one() -> None:
    """The same probability: dropped among a seal's fragments (the cluster threshold), kept on
    a typed line or alone (the model's threshold)."""
    words = _cluster_page()
    model = JunkModel(tuple([0.0] * len(FEATURES)), 0.0, 0.9, "test", 0.4, 3)  # P = 0.5
    assert model.threshold_for(2) == 0.9 and model.threshold_for(3) == 0.4
    dropped = {words[i].text for i in junk_indices(words, "eng", model)}
    assert dropped == {"ne", "yw", "—", "~", "oe", "0)"}
    without = JunkModel(model.weights, model.bias, 0.9, "test")
    assert junk_indices(words, "eng", without) == []


def test_the_learner_drops_by_the_same_two_thresholds() -> None:
    words = _cluster_page()
    near = fragments_near(words, "eng")
    model = JunkModel(tuple([0.0] * len(FEATURES)), 0.0, 0.9, "test", 0.4, 3)
    probs = [0.5] * len(words)
    page = Page("p", "ehri", "eng", words, "", [""] * len(words), [""] * len(words), [], near)
    assert dropped_by(page, probs, model) == set(junk_indices(words, "eng", model))


def test_the_shipped_model_has_a_cluster_threshold_under_its_threshold() -> None:
    model = junk_model()
    assert model.cluster_size >= 2
    assert 0.0 < model.cluster_threshold < model.threshold


def test_the_shipped_model_drops_a_seals_cluster_and_keeps_the_typing() -> None:
    """On the page with a seal's fragments: the seal goes, the typed body and the typed line's
    words stay."""
    words = _cluster_page()
    dropped = {words[i].text for i in junk_indices(words, "eng")}
    assert dropped and dropped <= {"ne", "yw", "—", "~", "oe", "0)"}


def _stamp_page(first: tuple[str, float]) -> tuple[list[Word], list[Box]]:
    """The typed body, then a seal's fragments inside a stamp found on the page (lines 4-6),
    the first of its lines led by the word ``first`` (text, confidence), and the stamp's box."""
    seal = [[(*first, 40), ("ne", 30.0, 40), ("yw", 30.0, 40)]]
    seal += [[("—", 20.0, 40), ("~", 20.0, 40), ("_", 20.0, 40)]]
    seal += [[("oe", 25.0, 40), ("0)", 25.0, 40)]]
    return _page(seal), [Box(0, 230, 1000, 200)]


def test_a_stamps_garbled_word_makes_no_typing_for_the_mark_count() -> None:
    """A garbled word read from a stamp ("PROPLAN") makes its line typing for the cluster guard
    without the marks, not with them; a legible word in the stamp ("DEPARTMENT") still does."""
    words, marks = _stamp_page(("PROPLAN", 30.0))
    body = sum(len(line.split()) for line in BODY)
    near, in_marks = fragments_near(words, "eng"), fragments_near(words, "eng", marks)
    plain = {w.text: n for w, n in zip(words[body:], near[body:], strict=True)}
    marked = {w.text: n for w, n in zip(words[body:], in_marks[body:], strict=True)}
    assert plain["ne"] == 0 and plain["yw"] == 0 and plain["~"] >= 3
    assert marked["ne"] >= 3 and marked["yw"] >= 3 and marked["~"] == plain["~"]
    assert near[:body] == in_marks[:body] == [0] * body
    legible, marks = _stamp_page(("DEPARTMENT", 90.0))
    near = fragments_near(legible, "eng", marks)
    assert near[body + 1] == 0 and near[body + 2] == 0  # "ne" and "yw" on its line


def test_the_mark_threshold_acts_only_among_fragments_counted_with_marks() -> None:
    model = JunkModel(tuple([0.0] * len(FEATURES)), 0.0, 0.9, "test", 0.4, 3, 0.6)
    assert model.threshold_for(3, 3) == 0.4 and model.threshold_for(0, 3) == 0.6
    assert model.threshold_for(2, 2) == 0.9 and model.threshold_for(0, 0) == 0.9
    assert JunkModel(model.weights, 0.0, 0.9, "test", 0.4, 0, 0.6).threshold_for(0, 9) == 0.9


def test_the_mark_threshold_drops_a_stamps_cluster_only_with_the_stamp_found() -> None:
    """P = 0.5 everywhere, a mark threshold only: with the stamp found, its garbled word and the
    seal's fragments go; without it, the fragments on its line stay (its garbled word is never
    junk outside a mark and makes the line typing); the learner drops the same words."""
    words, marks = _stamp_page(("PROPLAN", 30.0))
    model = JunkModel(tuple([0.0] * len(FEATURES)), 0.0, 0.9, "test", 1.01, 3, 0.4)
    dropped = {words[i].text for i in junk_indices(words, "eng", model, marks)}
    assert dropped == {"PROPLAN", "ne", "yw", "—", "~", "_", "oe", "0)"}
    without = {words[i].text for i in junk_indices(words, "eng", model)}
    assert without == {"—", "~", "_", "oe", "0)"}
    near, in_marks = fragments_near(words, "eng"), fragments_near(words, "eng", marks)
    blank = [""] * len(words)
    page = Page("p", "ehri", "eng", words, "", blank, blank, [], near, in_marks)
    assert dropped_by(page, [0.5] * len(words), model) == set(
        junk_indices(words, "eng", model, marks)
    )


def test_the_shipped_model_has_a_mark_threshold_between_its_two_thresholds() -> None:
    """Learned (bench/learn_junk.py --mark-only): under the model's threshold, not under the
    cluster threshold (it was chosen so that no tuning page reads worse than without it)."""
    model = junk_model()
    assert model.cluster_threshold <= model.mark_threshold < model.threshold
