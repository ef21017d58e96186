"""Correction's benchmark helpers: the threshold rule bounds each level's wrong share, and a
refit of the posterior's calibration alone keeps saying where the other model came from."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("pymorphy3", reason="pymorphy3 + pymorphy3-dicts-ru are needed for ocr.correct")
pytest.importorskip("wordfreq", reason="wordfreq is needed for ocr.correct")

from bench import train_correct  # noqa: E402
from bench.bench_correct import SEALED_SETS, Tally, score, wrong_share  # noqa: E402
from bench.correct_data import own_corpus  # noqa: E402
from bench.correct_split import (  # noqa: E402
    CALIBRATE_SETS,
    DEV_WIDE,
    DEV_WIDE_2,
    FIT_SETS,
    SEALED_C,
    SEALED_D,
    SEALED_E,
    SEALED_F,
    SEALED_G,
    SEALED_H,
    SEALED_I,
)

pytestmark = pytest.mark.unit


def _tally(before: int, after: int, changes: int, wrong: int) -> Tally:
    return Tally(
        pages=1,
        before=before,
        after=after,
        chars=1000,
        changes=changes,
        verdicts=Counter(right=changes - wrong, wrong=wrong),
    )


def test_the_rule_bounds_each_level_s_wrong_share_not_their_pool() -> None:
    tallies = {
        "clean": _tally(10, 10, 0, 0),
        "light": _tally(20, 15, 10, 0),
        "medium": _tally(100, 70, 100, 0),
        "heavy": _tally(100, 80, 100, 5),
    }
    reduction, wrong, harmful = score(tallies)
    assert reduction == pytest.approx(0.25) and harmful == 0
    assert wrong == pytest.approx(0.05)  # heavy's own share; pooled it would be 2.5%
    assert wrong_share(_tally(1, 1, 0, 0)) == 0.0


def test_sealed_c_is_a_set_the_benchmark_can_read() -> None:
    assert SEALED_SETS["c"] is SEALED_C and SEALED_C.seed == 10505


def test_sealed_d_shares_no_text_face_scan_or_seed_with_tuning() -> None:
    tuning = (*FIT_SETS, *CALIBRATE_SETS)
    assert SEALED_SETS["d"] is SEALED_D
    assert not {f for s in tuning for f in s.fonts} & set(SEALED_D.fonts)
    assert not {t for s in tuning for t in s.sources} & set(SEALED_D.sources)
    assert SEALED_D.dpi not in {s.dpi for s in tuning}
    assert {c for s in tuning for c in s.conditions} == {"plain"}
    assert set(SEALED_D.conditions) - {"plain"}
    others = (*tuning, *SEALED_SETS.values())
    assert SEALED_D.seed not in {s.seed for s in others if s is not SEALED_D}


def test_sealed_d_pages_are_typed_from_its_own_text_only() -> None:
    from ocr_synth.generate import build_page
    from ocr_synth.texts import corpus_documents

    assert SEALED_D.corpus is not None
    assert not any(d.source == SEALED_D.corpus.name for d in corpus_documents())
    with own_corpus(SEALED_D.corpus):
        sources = {build_page(plan)[3].source for plan in SEALED_D.plans()[:6]}
    assert sources == {SEALED_D.corpus.name}
    with pytest.raises(ValueError, match="no corpus document"):
        build_page(SEALED_D.plans()[0])  # ocr_synth's own corpus has none of its texts


def test_sealed_e_is_new_in_text_faces_scans_and_seed() -> None:
    """E, kept for the next round: nothing of it was rendered or read by any other set."""
    from ocr_synth.fonts import available_typewriter_fonts

    tuning = (*FIT_SETS, *CALIBRATE_SETS)
    others = [s for s in (*tuning, *SEALED_SETS.values()) if s is not SEALED_E]
    assert SEALED_SETS["e"] is SEALED_E
    assert not {f for s in others for f in s.fonts} & set(SEALED_E.fonts)
    # a default (seeded) choice of face never draws E's faces: no synthetic page had them
    assert not set(available_typewriter_fonts(extra=True)) & set(SEALED_E.fonts)
    assert not {t for s in others for t in s.sources} & set(SEALED_E.sources)
    assert SEALED_E.dpi not in {s.dpi for s in others}
    assert SEALED_E.seed not in {s.seed for s in others}
    assert set(SEALED_E.conditions) - {c for s in others for c in s.conditions}


def test_sealed_e_pages_are_typed_from_its_own_text_only() -> None:
    from ocr_synth.generate import build_page
    from ocr_synth.texts import corpus_documents

    assert SEALED_E.corpus is not None
    assert not any(d.source == SEALED_E.corpus.name for d in corpus_documents())
    with own_corpus(SEALED_E.corpus):
        built = [build_page(plan) for plan in SEALED_E.plans()[:4]]
    assert {b[3].source for b in built} == {SEALED_E.corpus.name}
    assert {b[1].font for b in built} <= set(SEALED_E.fonts)


def test_sealed_f_shares_no_text_face_scan_or_seed_with_tuning() -> None:
    """F, kept for the next round: its text, faces, seed and resolution are its own; its
    damage was never rendered by a tuning set."""
    from ocr_synth.fonts import available_typewriter_fonts

    tuning = (*FIT_SETS, *CALIBRATE_SETS)
    others = [s for s in (*tuning, *SEALED_SETS.values()) if s is not SEALED_F]
    assert SEALED_SETS["f"] is SEALED_F and SEALED_F.seed == 13808
    assert not {f for s in others for f in s.fonts} & set(SEALED_F.fonts)
    # a default (seeded) choice of face never draws F's faces: no synthetic page had them
    assert not set(available_typewriter_fonts(extra=True)) & set(SEALED_F.fonts)
    assert not {v for s in tuning for v in s.variants} >= set(SEALED_F.variants)
    assert not {t for s in others for t in s.sources} & set(SEALED_F.sources)
    assert SEALED_F.dpi not in {s.dpi for s in others}
    assert SEALED_F.seed not in {s.seed for s in others}
    assert not set(SEALED_F.conditions) & {c for s in tuning for c in s.conditions}


def test_sealed_f_pages_are_typed_from_its_own_text_only() -> None:
    from ocr_synth.generate import build_page
    from ocr_synth.texts import corpus_documents, parse_documents

    assert SEALED_F.corpus is not None
    text = SEALED_F.corpus.read_text(encoding="utf-8")
    assert len(list(parse_documents(text, source=SEALED_F.corpus.name))) == 6
    assert 900 <= len(text.split()) <= 1200
    assert not any(d.source == SEALED_F.corpus.name for d in corpus_documents())
    with own_corpus(SEALED_F.corpus):
        built = [build_page(plan) for plan in SEALED_F.plans()[:4]]
    assert {b[3].source for b in built} == {SEALED_F.corpus.name}
    assert {b[1].font for b in built} <= set(SEALED_F.fonts)


def test_sealed_g_shares_no_text_face_scan_or_seed_with_any_set() -> None:
    """G, kept for the round after F: its text, faces, seed and resolution are its own; its
    damage was never rendered by a tuning set."""
    from ocr_synth.fonts import available_typewriter_fonts

    tuning = (*FIT_SETS, *CALIBRATE_SETS)
    others = [s for s in (*tuning, *SEALED_SETS.values()) if s is not SEALED_G]
    assert SEALED_SETS["g"] is SEALED_G and SEALED_G.seed == 14909
    assert not {f for s in others for f in s.fonts} & set(SEALED_G.fonts)
    # a default (seeded) choice of face never draws G's faces: no synthetic page had them
    assert not set(available_typewriter_fonts(extra=True)) & set(SEALED_G.fonts)
    assert not {v for s in tuning for v in s.variants} >= set(SEALED_G.variants)
    assert not {t for s in others for t in s.sources} & set(SEALED_G.sources)
    assert SEALED_G.dpi not in {s.dpi for s in others}
    assert SEALED_G.seed not in {s.seed for s in others}
    assert not set(SEALED_G.conditions) & {c for s in tuning for c in s.conditions}


def test_sealed_g_pages_are_typed_from_its_own_text_only() -> None:
    from ocr_synth.generate import build_page
    from ocr_synth.texts import corpus_documents, parse_documents

    assert SEALED_G.corpus is not None
    text = SEALED_G.corpus.read_text(encoding="utf-8")
    assert len(list(parse_documents(text, source=SEALED_G.corpus.name))) == 6
    assert 900 <= len(text.split()) <= 1200
    assert not any(d.source == SEALED_G.corpus.name for d in corpus_documents())
    with own_corpus(SEALED_G.corpus):
        built = [build_page(plan) for plan in SEALED_G.plans()[:4]]
    assert {b[3].source for b in built} == {SEALED_G.corpus.name}
    assert {b[1].font for b in built} <= set(SEALED_G.fonts)


def test_sealed_h_shares_no_text_face_scan_or_seed_with_any_set() -> None:
    """H, kept for the round after G: its text, faces, seed and resolution are its own; its red
    ribbon was rendered by no other set (not in ocr_synth's CONDITIONS, so never by "all") and
    its other damage by no tuning set."""
    from ocr_synth.fonts import available_typewriter_fonts
    from ocr_synth.generate import CONDITIONS, SEALED_CONDITIONS

    tuning = (*FIT_SETS, *CALIBRATE_SETS)
    others = [s for s in (*tuning, *SEALED_SETS.values()) if s is not SEALED_H]
    assert SEALED_SETS["h"] is SEALED_H and SEALED_H.seed == 15010
    assert not {f for s in others for f in s.fonts} & set(SEALED_H.fonts)
    # a default (seeded) choice of face never draws H's faces: no synthetic page had them
    assert not set(available_typewriter_fonts(extra=True)) & set(SEALED_H.fonts)
    assert not {v for s in tuning for v in s.variants} >= set(SEALED_H.variants)
    assert not {t for s in others for t in s.sources} & set(SEALED_H.sources)
    assert SEALED_H.dpi not in {s.dpi for s in others}
    assert SEALED_H.seed not in {s.seed for s in others}
    assert not set(SEALED_H.conditions) & {c for s in tuning for c in s.conditions}
    new = set(SEALED_H.conditions) - {c for s in others for c in s.conditions}
    assert new and new <= set(SEALED_CONDITIONS) and not new & set(CONDITIONS)
    # the red ribbon is red ink: the ribbon's colour, not the page's plain black
    import numpy as np

    from ocr_synth import RenderStyle
    from ocr_synth.generate import condition_style

    red = condition_style(RenderStyle(), "red_ribbon", rng=np.random.default_rng(0)).ink_rgb
    assert red[0] > red[1] + 80 and red[0] > red[2] + 80
    assert {p.variant for p in SEALED_H.plans() if p.condition == "red_ribbon"} == {"colour"}


def test_the_wide_dev_set_is_wider_than_tuning_and_takes_nothing_of_h_or_g() -> None:
    """The development set of round 18i (continued): a dev seed, faces, damage, scans and a
    resolution the fit and calibration sets lack, never sealed H's faces, red ribbon, text or
    resolution, nor sealed G's (looked at once), and texts no unread sealed set is typed from."""
    from ocr_synth.generate import CONDITIONS

    tuning = (*FIT_SETS, *CALIBRATE_SETS)
    assert 16000 <= DEV_WIDE.seed <= 16999
    assert DEV_WIDE.seed not in {s.seed for s in (*tuning, *SEALED_SETS.values())}
    assert set(DEV_WIDE.fonts) - {f for s in FIT_SETS for f in s.fonts}
    assert set(DEV_WIDE.conditions) - {c for s in tuning for c in s.conditions}
    assert "bilevel" in DEV_WIDE.variants
    assert DEV_WIDE.dpi not in {s.dpi for s in (*tuning, *SEALED_SETS.values())}
    assert set(DEV_WIDE.conditions) <= set(CONDITIONS)  # never H's red ribbon
    for sealed in (SEALED_G, SEALED_H, SEALED_I):
        assert not set(DEV_WIDE.fonts) & set(sealed.fonts)
        assert not set(DEV_WIDE.sources) & set(sealed.sources)
        assert sealed.corpus is not None and DEV_WIDE.corpus is None


def test_sealed_h_pages_are_typed_from_its_own_text_only() -> None:
    from ocr_synth.generate import build_page
    from ocr_synth.texts import corpus_documents, parse_documents

    assert SEALED_H.corpus is not None
    text = SEALED_H.corpus.read_text(encoding="utf-8")
    assert len(list(parse_documents(text, source=SEALED_H.corpus.name))) == 6
    assert 900 <= len(text.split()) <= 1200
    assert not any(d.source == SEALED_H.corpus.name for d in corpus_documents())
    with own_corpus(SEALED_H.corpus):
        built = [build_page(plan) for plan in SEALED_H.plans()[:4]]
    assert {b[3].source for b in built} == {SEALED_H.corpus.name}
    assert {b[1].font for b in built} <= set(SEALED_H.fonts)


def test_sealed_h_text_shares_no_five_word_sequence_with_the_corpus_or_other_sealed_texts() -> None:
    """H's text shares no five-word run with ocr_synth's corpus (every file, its vocabularies
    too) or with D's, E's, F's and G's texts."""
    import re

    from ocr_synth.texts import CORPUS_DIR

    word = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")

    def runs(text: str) -> set[tuple[str, ...]]:
        words = [w.lower() for w in word.findall(text)]
        return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}

    corpus = set().union(*(runs(p.read_text(encoding="utf-8")) for p in CORPUS_DIR.rglob("*.txt")))
    assert SEALED_H.corpus is not None
    h = runs(SEALED_H.corpus.read_text(encoding="utf-8"))
    assert len(h) > 800 and not h & corpus
    for other in (SEALED_D, SEALED_E, SEALED_F, SEALED_G):
        assert other.corpus is not None
        assert not h & runs(other.corpus.read_text(encoding="utf-8"))


def test_sealed_i_shares_no_text_face_scan_or_seed_with_any_set() -> None:
    """I, kept for the round after H: its text, faces, seed and resolution are its own; its
    onion-skin paper was rendered by no other set (not in ocr_synth's CONDITIONS, so never by
    "all") and its other damage by no fit or calibration set."""
    from ocr_synth.fonts import available_typewriter_fonts
    from ocr_synth.generate import CONDITIONS, SEALED_CONDITIONS

    tuning = (*FIT_SETS, *CALIBRATE_SETS)
    every = (*tuning, DEV_WIDE, DEV_WIDE_2, *SEALED_SETS.values())
    others = [s for s in every if s is not SEALED_I]
    assert SEALED_SETS["i"] is SEALED_I and SEALED_I.seed == 17121
    assert not {f for s in others for f in s.fonts} & set(SEALED_I.fonts)
    # a default (seeded) choice of face never draws I's faces: no synthetic page had them
    assert not set(available_typewriter_fonts(extra=True)) & set(SEALED_I.fonts)
    assert not {v for s in tuning for v in s.variants} >= set(SEALED_I.variants)
    assert not {t for s in others for t in s.sources} & set(SEALED_I.sources)
    assert SEALED_I.dpi not in {s.dpi for s in others}
    assert SEALED_I.seed not in {s.seed for s in others}
    assert not set(SEALED_I.conditions) & {c for s in tuning for c in s.conditions}
    new = set(SEALED_I.conditions) - {c for s in others for c in s.conditions}
    assert new and new <= set(SEALED_CONDITIONS) and not new & set(CONDITIONS)
    # onion skin is thin grey-white paper the back's typing shows through, in any scan
    import numpy as np

    from ocr_synth import RenderStyle
    from ocr_synth.generate import condition_style

    plain = RenderStyle()
    thin = condition_style(plain, "onion_skin", rng=np.random.default_rng(0))
    assert thin.show_through > 2 * plain.show_through
    assert max(thin.paper_rgb) - min(thin.paper_rgb) < max(plain.paper_rgb) - min(plain.paper_rgb)
    assert thin.ink_rgb == plain.ink_rgb
    assert {p.variant for p in SEALED_I.plans() if p.condition == "onion_skin"} == {
        "grey",
        "bilevel",
    }


def test_sealed_i_pages_are_typed_from_its_own_text_only() -> None:
    from ocr_synth.generate import build_page
    from ocr_synth.texts import corpus_documents, parse_documents

    assert SEALED_I.corpus is not None
    text = SEALED_I.corpus.read_text(encoding="utf-8")
    assert len(list(parse_documents(text, source=SEALED_I.corpus.name))) == 6
    assert 900 <= len(text.split()) <= 1200
    assert not any(d.source == SEALED_I.corpus.name for d in corpus_documents())
    with own_corpus(SEALED_I.corpus):
        built = [build_page(plan) for plan in SEALED_I.plans()[:4]]
    assert {b[3].source for b in built} == {SEALED_I.corpus.name}
    assert {b[1].font for b in built} <= set(SEALED_I.fonts)


def test_sealed_i_text_shares_no_five_word_sequence_with_the_corpus_or_other_sealed_texts() -> None:
    """I's text shares no five-word run with ocr_synth's corpus (every file, its vocabularies
    too) or with D's to H's texts."""
    import re

    from ocr_synth.texts import CORPUS_DIR

    word = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")

    def runs(text: str) -> set[tuple[str, ...]]:
        words = [w.lower() for w in word.findall(text)]
        return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}

    corpus = set().union(*(runs(p.read_text(encoding="utf-8")) for p in CORPUS_DIR.rglob("*.txt")))
    assert SEALED_I.corpus is not None
    i = runs(SEALED_I.corpus.read_text(encoding="utf-8"))
    assert len(i) > 900 and not i & corpus
    for other in (SEALED_D, SEALED_E, SEALED_F, SEALED_G, SEALED_H):
        assert other.corpus is not None
        assert not i & runs(other.corpus.read_text(encoding="utf-8"))


def test_a_word_s_neighbours_stop_at_commas_and_sentence_ends() -> None:
    from bench.correct_neighbours import count_text, neighbours, word_score

    text = "план по вывозке, леса выполнен. Сплав"
    start = text.index("вывозке")
    assert neighbours(text, start, start + len("вывозке")) == ("по", None)
    start = text.index("выполнен")
    assert neighbours(text, start, start + len("выполнен")) == ("леса", None)
    start = text.index("леса")
    assert neighbours(text, start, start + len("леса")) == (None, "выполнен")
    counts = count_text("план по вывозке, леса выполнен.")
    assert counts.words["по", "вывозке"] == 1 and counts.words["вывозке", "леса"] == 0
    # a seen pair lifts a reading over one never seen; no neighbour, no evidence
    assert word_score(counts, "по", "вывозке", None) > word_score(counts, "по", "вывезке", None)
    assert word_score(counts, None, "вывозке", None) == 0.0


def test_a_right_only_refit_keeps_the_other_model_s_origin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "calibration.tsv"
    table.write_text(
        "# Made by bench/train_correct.py at commit abc1234 (bench/correct_split.py).\n"
        "model\tfeature\tweight\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(train_correct, "CALIBRATION_TABLE", table)
    assert train_correct._other_origin() == "made by bench/train_correct.py at commit abc1234"
    table.write_text(
        "# chunk's features, fitted on the fit pages of the channel (made by"
        " bench/train_correct.py at commit abc1234, kept).\n"
        "# Made by bench/train_correct.py --right-only at commit def5678 (x).\n",
        encoding="utf-8",
    )
    assert train_correct._other_origin() == "made by bench/train_correct.py at commit abc1234"


def test_the_shipped_capital_prior_is_what_its_counting_writes(tmp_path: Path) -> None:
    from ocr.correct.lexicon import CAPITAL_PRIOR_TABLE, default_lexicon

    def rows(path: Path) -> list[str]:
        text = path.read_text(encoding="utf-8").splitlines()
        return [x for x in text if not x.startswith(("#", "sentence-start-lost"))]

    out = tmp_path / "capital_prior.tsv"
    counted = train_correct.text_capitals(default_lexicon())
    train_correct.capital_prior(out, counted, "none")
    assert rows(out) == rows(CAPITAL_PRIOR_TABLE)
    # held out by text: a noun beside a capital is capitalised far more often than alone
    share = {
        key: counted[(*key, True)] / (counted[(*key, True)] + counted[(*key, False)])
        for key in (("noun", "yes"), ("noun", "no"))
    }
    assert share["noun", "yes"] > 10 * share["noun", "no"] > 0


def test_a_lost_sentence_start_is_counted_from_aligned_words() -> None:
    from types import SimpleNamespace

    page = SimpleNamespace(
        text="Работа идет хорошо, план выполнен досрочно.",
        truth="Работа идет хорошо. План выполнен досрочно.",
    )
    counts = train_correct.lost_starts([page])
    assert counts["sentence-start-lost", "-", True] == 1
    assert counts["sentence-start-lost", "-", False] == 4


def test_the_shipped_agreement_table_is_what_its_counting_writes(tmp_path: Path) -> None:
    from ocr.correct.agree import AGREE_TABLE, read_agreement

    def rows(path: Path) -> list[str]:
        return [x for x in path.read_text(encoding="utf-8").splitlines() if not x.startswith("#")]

    out = tmp_path / "agree.tsv"
    train_correct.agreement_table(out)
    assert rows(out) == rows(AGREE_TABLE)
    # held out by text: true words agree with their neighbours more often than other forms do
    learned = read_agreement(out).ratio
    assert all(learned[rel, True] > 0 > learned[rel, False] for rel, _ in learned)
