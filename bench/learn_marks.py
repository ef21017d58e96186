"""Learn when a letter read alone before a number is a typewriter's mark (ocr/marks.py) on the
tuning side: the correction split's fit pages (bench/correct_split.py), read by the pipeline,
with their truth; the calibration pages check what was learned. No sealed set is read.

Each single letter the OCR text has standing alone before a number on its line (ocr.marks
.candidates, each line of the text a line of words) is aligned with the truth's token before the
same number (when the truth has exactly one): a mark (no letter in it) or a word. "№" is read as
several letters, each too rare to learn alone, so the letters are pooled in one hierarchical
logistic model (ocr.marks.MarkModel): shared weights for the letter's frequency as a word of its
own (wordfreq's Zipf), the letter opening its line, the number closing it, and a date, plus
each letter's own effect with a normal prior N(0, tau^2). tau is chosen among TAUS by the log
loss on each fit page left out in turn; the weights are then fitted on all fit pages (MAP,
Newton's method). A letter is put back where the model's odds reach MIN_SHARE. The check
applies the model to the calibration pages' text with the shipped step and counts character
errors, pages better and worse, and words turned into the mark where the truth has a word.

Run: .venv/bin/python -m bench.learn_marks --read-only [--write] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bench.bench_correct import char_errors
from bench.common import BENCH
from bench.correct_data import WORK, OcrPage, ensure_pages, set_folder
from bench.correct_split import CALIBRATE_SETS, FIT_SETS, TUNING_FONTS, TUNING_VARIANTS, SynthSet
from ocr.geometry import Box
from ocr.marks import (
    COMMON_BASE,
    FEATURES,
    HEADING_FEATURES,
    INSIDE_FEATURES,
    RULE_FILE,
    MarkModel,
    candidates,
    cue_word,
    in_capitals,
    load_marks,
    mark_swaps,
)
from ocr.tesseract import Word

LANGUAGE = "rus"  # the correction split's pages are Russian
ALPHABET = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
MIN_SHARE = 0.95  # the model's odds a letter is the mark, to put it back
WEIGHT_SD = 5.0  # the prior's width for the shared weights (weak)
TAUS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)  # widths tried for the letters' own effects
MIN_CUE = 3  # times a word stands before "№" inside a line in the fit pages' truth to be a cue
# The correction split's pages hold "№" inside a line too rarely (the fit pages saw no inline
# "№" read as a letter): pages whose text has inline marks (bench/make_marks_corpus.py: "письмо
# № 45 от", "от 5 мая 1950 года № 123", "за № 45/сс", beside "в 1949 году", "с 12 мая"), in the
# tuning faces and scans, on dev seeds (5900-5999); one set to fit, one to check.
INLINE_CORPUS = BENCH / "data" / "marks_inline.txt"
FIT_INLINE = SynthSet(
    "fit-inline", 5901, 32, ("marks_inline.txt",), TUNING_FONTS, TUNING_VARIANTS,
    corpus=INLINE_CORPUS,
)  # fmt: skip
CALIBRATE_INLINE = SynthSet(
    "calibrate-inline", 5902, 16, ("marks_inline.txt",), TUNING_FONTS, TUNING_VARIANTS,
    corpus=INLINE_CORPUS,
)  # fmt: skip
INLINE_SETS = (FIT_INLINE,)
# "№" after a heading word in capitals ("ПРОТОКОЛ № 29", "ПРИКАЗ № 5") beside lines in capitals
# with a real one-letter word before a number ("ДОБЫЧА УГЛЯ В 1950") and initials
# (bench/make_marks_corpus.py's marks_heading.txt), on dev seeds; one set to fit, one to check.
# These are read with the marks step off, so that the sightings are the letters as tesseract
# read them, not what the shipped model left (read_unmarked).
HEADING_CORPUS = BENCH / "data" / "marks_heading.txt"
FIT_HEADING = SynthSet(
    "fit-heading", 5905, 32, ("marks_heading.txt",), TUNING_FONTS, TUNING_VARIANTS,
    corpus=HEADING_CORPUS,
)  # fmt: skip
CALIBRATE_HEADING = SynthSet(
    "calibrate-heading", 5906, 16, ("marks_heading.txt",), TUNING_FONTS, TUNING_VARIANTS,
    corpus=HEADING_CORPUS,
)  # fmt: skip
# The same at half the resolution (as the correction split's low-resolution sets): the mark
# is read as a letter far more often there.
FIT_HEADING_LOWRES = SynthSet(
    "fit-heading-lowres", 5907, 48, ("marks_heading.txt",), TUNING_FONTS, TUNING_VARIANTS,
    dpi=150, corpus=HEADING_CORPUS,
)  # fmt: skip
CALIBRATE_HEADING_LOWRES = SynthSet(
    "calibrate-heading-lowres", 5908, 24, ("marks_heading.txt",), TUNING_FONTS,
    TUNING_VARIANTS, dpi=150, corpus=HEADING_CORPUS,
)  # fmt: skip
HEADING_SETS = (FIT_HEADING, FIT_HEADING_LOWRES)
HEADING_CHECK = (CALIBRATE_HEADING, CALIBRATE_HEADING_LOWRES)


def read_unmarked(spec: SynthSet, work: Path = WORK) -> list[OcrPage]:
    """The set's pages read by the pipeline with the marks step off (in this process: one
    worker), so that a letter read for the mark stays as tesseract read it. A page the pipeline
    refuses as blank (a document's last lines, at half the resolution) is left out of the set's
    manifest, once."""
    from unittest import mock

    import ocr.stages.ocr

    with mock.patch.object(ocr.stages.ocr, "mark_swaps", lambda *a, **k: []):
        try:
            return ensure_pages(spec, workers=1, work=work)
        except SystemExit as failed:
            blank = {
                m.group(1)
                for part in str(failed).split("PageFailure(")[1:]
                if "BlankPageError" in part and (m := re.match(r"document='([^']+)'", part))
            }
            if not blank:
                raise
            path = set_folder(spec, work) / "images" / "manifest.json"
            manifest = json.loads(path.read_text(encoding="utf-8"))
            manifest["items"] = [i for i in manifest["items"] if i["name"] not in blank]
            path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
            return ensure_pages(spec, workers=1, work=work)


@dataclass(frozen=True)
class Sighting:
    """A letter read alone before a number, its context, and what the truth has there."""

    page: str
    letter: str
    context: dict[str, float]
    meant: str

    @property
    def is_mark(self) -> bool:
        return not any(c.isalpha() for c in self.meant)


def text_words(
    text: str, boxes: Sequence[Sequence[int]] = ()
) -> tuple[list[Word], list[re.Match[str]]]:
    """The text's words, each line of the text a line of words, and their spans; with the
    pipeline's word boxes (left, top, width, height) when there is one a word."""
    spans = list(re.finditer(r"\S+", text))
    words, line = [], 0
    boxed = len(boxes) == len(spans)
    for i, m in enumerate(spans):
        line += text.count("\n", spans[i - 1].end() if i else 0, m.start())
        box = Box(*boxes[i]) if boxed else Box(0, 0, 0, 0)
        words.append(Word(1, 1, line, i, box, 0.0, m.group()))
    return words, spans


def learn_cues(pages: Sequence[OcrPage], mark: str = "№") -> frozenset[str]:
    """The words that stand before the mark inside a line (not at its start) at least MIN_CUE
    times in the pages' truth."""
    seen = Counter[str]()
    for page in pages:
        for line in page.truth.split("\n"):
            tokens = line.split()
            seen.update(cue_word(tokens[k - 1]) for k in range(1, len(tokens)) if tokens[k] == mark)
    return frozenset(w for w, n in seen.items() if n >= MIN_CUE and w)


def learn_headings(pages: Sequence[OcrPage], mark: str = "№") -> frozenset[str]:
    """The words in capitals that stand before the mark (not at a line's start) at least MIN_CUE
    times in the pages' truth, in lower case (the heading words: "протокол", "приказ")."""
    seen = Counter[str]()
    for page in pages:
        for line in page.truth.split("\n"):
            tokens = line.split()
            seen.update(
                cue_word(tokens[k - 1])
                for k in range(1, len(tokens))
                if tokens[k] == mark and in_capitals(tokens[k - 1])
            )
    return frozenset(w for w, n in seen.items() if n >= MIN_CUE and w)


def sightings(
    page: OcrPage, cues: frozenset[str] = frozenset(), headings: frozenset[str] = frozenset()
) -> list[Sighting]:
    """Each candidate of the page's OCR text aligned with the truth's token before the same
    number, where the truth has that number once after a token."""
    words, _ = text_words(page.text, page.boxes)
    out = []
    for i, context in candidates(words, cues, headings):
        number = words[i + 1].text
        found = re.findall(r"(\S+)[ \t]+" + re.escape(number) + r"(?!\d)", page.truth)
        if len(found) == 1:
            out.append(Sighting(page.name, words[i].text, context, found[0]))
    return out


def letter_frequencies() -> dict[str, float]:
    """Each letter's (both cases) Zipf frequency as a word of its own (wordfreq)."""
    import wordfreq

    out = {}
    for c in ALPHABET:
        z = float(wordfreq.zipf_frequency(c, "ru"))
        out[c], out[c.upper()] = z, z
    return out


def _design(
    seen: Sequence[Sighting],
    common: dict[str, float],
    letters: list[str],
    features: Sequence[str] = FEATURES,
) -> np.ndarray:
    rows = []
    for s in seen:
        x = {"bias": 1.0, "common": common[s.letter] - COMMON_BASE, **s.context}
        one_hot = [float(s.letter == c) for c in letters]
        rows.append([x[k] for k in features] + one_hot)
    return np.asarray(rows, dtype=np.float64).reshape(len(seen), len(features) + len(letters))


def fit(
    seen: Sequence[Sighting],
    common: dict[str, float],
    tau: float,
    features: Sequence[str] = FEATURES,
) -> tuple[dict, dict]:
    """MAP weights and letter effects of the hierarchical logistic model (Newton's method)."""
    letters = sorted({s.letter for s in seen})
    x = _design(seen, common, letters, features)
    y = np.asarray([s.is_mark for s in seen], dtype=np.float64)
    prior = np.asarray([WEIGHT_SD**-2] * len(features) + [tau**-2] * len(letters))
    beta = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(x @ beta, -40, 40)))
        grad = x.T @ (y - p) - prior * beta
        hess = x.T @ (x * (p * (1 - p))[:, None]) + np.diag(prior)
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    weights = {k: float(beta[j]) for j, k in enumerate(features)}
    effects = {c: float(beta[len(features) + j]) for j, c in enumerate(letters)}
    return weights, effects


def model_of(
    seen: Sequence[Sighting],
    common: dict[str, float],
    tau: float,
    mark: str,
    features: Sequence[str] = FEATURES,
) -> MarkModel:
    weights, effects = fit(seen, common, tau, features)
    return MarkModel(mark, weights, MIN_SHARE, common, effects)


def held_out_loss(
    seen: Sequence[Sighting],
    common: dict[str, float],
    tau: float,
    features: Sequence[str] = FEATURES,
) -> float:
    """Mean log loss on each fit page's sightings with the model fitted without that page."""
    loss, pages = 0.0, sorted({s.page for s in seen})
    for page in pages:
        rest = [s for s in seen if s.page != page]
        model = model_of(rest, common, tau, "", features)
        for s in (s for s in seen if s.page == page):
            p = min(max(model.odds(s.letter, s.context), 1e-6), 1 - 1e-6)
            loss -= np.log(p if s.is_mark else 1 - p)
    return float(loss / max(len(seen), 1))


def inside(s: Sighting) -> bool:
    return not s.context["first"] and not s.context["last"]


def learn(
    pages: Sequence[OcrPage],
    common: dict[str, float] | None = None,
    inline_pages: Sequence[OcrPage] = (),
    heading_pages: Sequence[OcrPage] = (),
) -> tuple[MarkModel | None, list[Sighting], dict[float, float]]:
    """The model (None without a single mark seen), the sightings and each tau's loss (the
    model's, then the inside model's as ("inside", tau)).

    The model is fitted on ``pages`` (FEATURES). Its inside model, for a letter inside a line
    (INSIDE_FEATURES), on the sightings inside a line of ``pages`` and ``inline_pages`` (pages
    with inline marks), when a mark was seen there; the cues are learned on both. Its heading
    model, for a letter after a word in capitals (HEADING_FEATURES), on the sightings after one
    on all pages and ``heading_pages`` (pages with marks after a heading word), when a mark was
    seen there (the cues do not change: the heading pages' truth is not asked for them)."""
    common = letter_frequencies() if common is None else common
    cues = learn_cues([*pages, *inline_pages])
    heads = learn_headings([*pages, *inline_pages, *heading_pages])

    def seen_on(pages: Sequence[OcrPage]) -> list[Sighting]:
        return [s for p in pages for s in sightings(p, cues, heads) if s.letter in common]

    seen, extra, headed = seen_on(pages), seen_on(inline_pages), seen_on(heading_pages)
    marks = Counter(s.meant for s in seen if s.is_mark)
    if not marks:
        return None, seen + extra, {}
    losses: dict = {tau: held_out_loss(seen, common, tau) for tau in TAUS}
    tau = min(losses, key=lambda t: (losses[t], t))
    model = model_of(seen, common, tau, marks.most_common(1)[0][0])
    found = heading_model(seen + extra + headed, common, losses)
    model = replace(model, heading=replace(found, cues=heads) if found else None)
    within = [s for s in [*seen, *extra] if inside(s)]
    if not any(s.is_mark for s in within):
        return model, seen + extra + headed, losses
    inner = {t: held_out_loss(within, common, t, INSIDE_FEATURES) for t in TAUS}
    best = min(inner, key=lambda t: (inner[t], t))
    losses.update({("inside", t): v for t, v in inner.items()})
    inner_model = model_of(within, common, best, model.mark, INSIDE_FEATURES)
    return replace(model, cues=cues, inside=inner_model), seen + extra + headed, losses


def heading_model(
    seen: Sequence[Sighting], common: dict[str, float], losses: dict
) -> MarkModel | None:
    """The model of a letter after a heading word (HEADING_FEATURES) on the sightings after
    one, None without a mark seen there; each tau's loss is added to ``losses`` as ("heading",
    tau)."""
    after = [s for s in seen if s.context.get("heading")]
    marks = [s for s in after if s.is_mark]
    if not marks:
        return None
    found = {t: held_out_loss(after, common, t, HEADING_FEATURES) for t in TAUS}
    losses.update({("heading", t): v for t, v in found.items()})
    best = min(found, key=lambda t: (found[t], t))
    return model_of(after, common, best, marks[0].meant, HEADING_FEATURES)


def applied(
    text: str, model: MarkModel, boxes: Sequence[Sequence[int]] = ()
) -> tuple[str, list[int]]:
    """The text with the mark put back by the shipped step (ocr.marks.mark_swaps), each line of
    the text a line of words, and the offsets (in the new text) of the words it changed."""
    words, spans = text_words(text, boxes)
    swaps = sorted(mark_swaps(words, LANGUAGE, {LANGUAGE: model}), key=lambda s: s.index)
    out, shift, at = text, 0, []
    for swap in swaps:
        m = spans[swap.index]
        out = out[: m.start() + shift] + swap.after + out[m.end() + shift :]
        at.append(m.start() + shift)
        shift += len(swap.after) - len(m.group())
    return out, at


def check(pages: Sequence[OcrPage], model: MarkModel) -> dict[str, int]:
    """Character errors before and after, words changed, pages better and worse, and words put
    back as the mark where the truth has a word (aligned as the learner aligns)."""
    out = Counter[str]()
    for page in pages:
        b = char_errors(page.truth, page.text)[0]
        text, at = applied(page.text, model, page.boxes)
        a = char_errors(page.truth, text)[0] if at else b
        out["before"] += b
        out["after"] += a
        out["changed"] += len(at)
        out["better"] += a < b
        out["worse"] += a > b
        out["words_made_marks"] += sum(
            not s.is_mark and model.odds(s.letter, s.context) >= model.threshold
            for s in sightings(
                page, model.cues, model.heading.cues if model.heading else frozenset()
            )
        )
    return dict(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write ocr/data/marks.json")
    parser.add_argument("--read-only", action="store_true", help="the sets already read only")
    parser.add_argument("--work", type=Path, default=WORK, help="the correction sets' folder")
    args = parser.parse_args(argv)

    def pages_of(sets: Sequence, work: Path) -> list[OcrPage]:
        usable = [
            s for s in sets if not args.read_only or (set_folder(s, work) / "ocr.json").is_file()
        ]
        return [p for spec in usable for p in ensure_pages(spec, work=work)]

    # the inline sets are this checkout's own (WORK), the correction split's may be main's
    fit_pages, inline_pages = pages_of(FIT_SETS, args.work), pages_of(INLINE_SETS, WORK)
    check_pages = pages_of(CALIBRATE_SETS, args.work)
    inline_check = pages_of((CALIBRATE_INLINE,), WORK)

    def unmarked(sets: Sequence[SynthSet]) -> list[OcrPage]:
        ready = [s for s in sets if (set_folder(s, WORK) / "ocr.json").is_file()]
        return [p for s in (sets if not args.read_only else ready) for p in read_unmarked(s)]

    heading_pages, heading_check = unmarked(HEADING_SETS), unmarked(HEADING_CHECK)
    model, seen, losses = learn(fit_pages, inline_pages=inline_pages, heading_pages=heading_pages)
    counts = Counter((s.letter, "mark" if s.is_mark else "word") for s in seen)
    print("sightings on the fit pages (letter, what the truth has):", dict(counts.most_common()))
    inline = Counter((s.letter, "mark" if s.is_mark else "word") for s in seen if inside(s))
    print("of them inside a line:", dict(inline.most_common()))
    print("held-out log loss by tau:", {t: round(v, 4) for t, v in losses.items()})
    if model is None:
        print("no mark seen: nothing learned")
        return 0
    print("weights:", {k: round(v, 3) for k, v in model.weights.items()})
    print("letter effects:", {k: round(v, 3) for k, v in sorted(model.effect.items())})
    if model.heading is not None:
        print("heading weights:", {k: round(v, 3) for k, v in model.heading.weights.items()})
        effects = sorted(model.heading.effect.items())
        print("heading effects:", {k: round(v, 3) for k, v in effects})
    if model.inside is not None:
        print("cues:", " ".join(sorted(model.cues)))
        print("inside weights:", {k: round(v, 3) for k, v in model.inside.weights.items()})
        print("inside effects:", {k: round(v, 3) for k, v in sorted(model.inside.effect.items())})
    rows = ((0.0, 0.0, 0.0, 0.0), (0.0, 0.0, 1.0, 0.0), (0.0, 0.0, 0.0, 1.0), (0.0, 0.0, 1.0, 1.0))
    for first, last, cue, slashed in ((1.0, 0.0, 0.0, 0.0), (0.0, 1.0, 0.0, 0.0), *rows):
        context = {"first": first, "last": last, "date": 0.0, "cue": cue, "slashed": slashed}
        context["comma"] = 0.0
        back = "".join(sorted(c for c in model.common if model.odds(c, context) >= MIN_SHARE))
        print(
            f"put back as {model.mark} (opens its line {first:.0f}, number closes it "
            f"{last:.0f}, after a cue {cue:.0f}, series {slashed:.0f}, no date): {back}"
        )
    comma = {"first": 0.0, "last": 0.0, "date": 0.0, "cue": 0.0, "comma": 1.0, "slashed": 0.0}
    back = "".join(sorted(c for c in model.common if model.odds(c, comma) >= MIN_SHARE))
    print(f"put back as {model.mark} inside a line after a comma (no cue, date, series): {back}")
    for last, cue in ((1.0, 0.0), (1.0, 1.0), (0.0, 0.0), (0.0, 1.0)):
        caps = {"first": 0.0, "last": last, "date": 0.0, "cue": cue, "comma": 0.0}
        caps.update(slashed=0.0, caps=1.0, wide=0.0, heading=1.0)
        back = "".join(sorted(c for c in model.common if model.odds(c, caps) >= MIN_SHARE))
        print(
            f"put back as {model.mark} after a heading word (number closes the line "
            f"{last:.0f}, a cue {cue:.0f}, no series, no date, as wide as a digit): {back}"
        )
    fitted = fit_pages + inline_pages + heading_pages
    fit_check, calib = check(fitted, model), check(check_pages, model)
    print(f"fit pages {len(fitted)}: {fit_check}")
    print(f"calibration pages {len(check_pages)}: {calib}")
    inline_calib = check(inline_check, model) if inline_check else {}
    print(f"inline calibration pages {len(inline_check)}: {inline_calib}")
    heading_calib = check(heading_check, model) if heading_check else {}
    print(f"heading calibration pages {len(heading_check)}: {heading_calib}")
    shipped = load_marks().get(LANGUAGE)
    if shipped is not None:
        print(f"shipped table on the heading fit pages: {check(heading_pages, shipped)}")
        print(f"shipped table on the heading calibration pages: {check(heading_check, shipped)}")
    if args.write:
        by_letter = Counter(s.letter for s in seen)
        as_mark = Counter(s.letter for s in seen if s.is_mark)
        table = {
            "mark": model.mark,
            "threshold": model.threshold,
            "weights": {k: round(v, 4) for k, v in model.weights.items()},
            "letters": {
                c: {
                    "common": round(model.common[c], 2),
                    "effect": round(model.effect.get(c, 0.0), 4),
                    "seen": by_letter[c],
                    "as_mark": as_mark[c],
                }
                for c in sorted(model.common)
            },
        }
        if model.inside is not None:
            table["inside"] = {
                "cues": sorted(model.cues),
                "weights": {k: round(v, 4) for k, v in model.inside.weights.items()},
                "effects": {k: round(v, 4) for k, v in sorted(model.inside.effect.items())},
            }
        if model.heading is not None:
            table["heading"] = {
                "cues": sorted(model.heading.cues),
                "weights": {k: round(v, 4) for k, v in model.heading.weights.items()},
                "effects": {k: round(v, 4) for k, v in sorted(model.heading.effect.items())},
            }
        data = {
            "source": f"bench/learn_marks.py on the correction split's fit pages ({len(fit_pages)}"
            f" pages) and the inline fit pages ({len(inline_pages)}), {len(seen)} sightings; "
            f"checked on the calibration pages: character errors {calib['before']} -> "
            f"{calib['after']}, pages worse {calib['worse']}, words made marks "
            f"{calib['words_made_marks']}; inline calibration pages: "
            f"{inline_calib.get('before')} -> {inline_calib.get('after')}, pages worse "
            f"{inline_calib.get('worse')}; heading fit pages {len(heading_pages)}, heading "
            f"calibration pages: {heading_calib.get('before')} -> {heading_calib.get('after')}, "
            f"pages worse {heading_calib.get('worse')}, words made marks "
            f"{heading_calib.get('words_made_marks')}",
            "before_number": {LANGUAGE: table},
        }
        RULE_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
