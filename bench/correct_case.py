"""Every change of the tuning side that lowers (or raises) a word's first capital, with that
letter's own OCR evidence and whether the case is right (issue #18: a capital is lowered only
on weak evidence for that letter).

Tuning sets only (calibration and fit sets; never a sealed set). For each change whose first
letter keeps its letter but changes its case: tesseract's confidence of that character, the
best confidence it gave the small (or capital) form among its alternatives, the word's mean
character confidence, the word box's height against the page's typical word height, whether
pymorphy3 parses the word as a name/place/organisation, and whether the truth has the capital.

    .venv/bin/python -m bench.correct_case [--sets calibrate,...] [--out rows.tsv]
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from pathlib import Path
from unittest import mock

from bench.bench_correct import _char_map, evidence
from bench.correct_data import OcrPage, ensure_pages
from bench.correct_split import CALIBRATE_SETS, FIT_SETS
from ocr.correct import CorrectionSettings, apply
from ocr.correct.engine import make_page, small_first
from ocr.correct.evidence import CharChoice
from ocr.correct.glyph import HEIGHT_TABLE, HeightRatios, capital_height
from ocr.correct.lexicon import default_lexicon, fold

FIELDS = (
    "set",
    "page",
    "font",
    "level",
    "direction",
    "original",
    "replacement",
    "truth",
    "case_right",
    "score",
    "conf",
    "other_case_conf",
    "word_conf",
    "height",
    "proper",
    "capital_height",
)
CANDIDATE_FIELDS = (
    "set",
    "page",
    "font",
    "level",
    "word",
    "truth",
    "truth_capital",
    "small_first",
    "conf",
    "small_conf",
    "height",
    "capital_height",
    "proper",
    "capitalised",
)


def _first_alpha(word: str) -> int | None:
    return next((i for i, c in enumerate(word) if c.isalpha()), None)


def _other_case_conf(said: CharChoice | None, letter: str) -> float:
    """The best confidence tesseract gave the other case of ``letter`` among its alternatives
    (0 when it offered none)."""
    if said is None:
        return 0.0
    want = letter.lower() if letter.isupper() else letter.upper()
    return max((c for a, c in said.alternatives if a == want), default=0.0)


def case_rows(name: str, pages: list[OcrPage]) -> list[dict[str, object]]:
    """The case changes of ``pages`` corrected as shipped."""
    lexicon = default_lexicon()
    settings = CorrectionSettings()
    rows: list[dict[str, object]] = []
    for page in pages:
        choices, layout = evidence(page)
        result = apply(page.text, settings=settings, choices=choices, layout=layout)
        found = make_page(page.text, settings=settings, choices=choices, layout=layout).chunks
        by_start = {c.start: c for c in found}
        to_truth = _char_map(result.original, page.truth)
        truth_words = [(m.start(), m.end()) for m in re.finditer(r"\S+", page.truth)]
        for change in result.changes:
            i, j = _first_alpha(change.original), _first_alpha(change.replacement)
            if i is None or j is None:
                continue
            a, b = change.original[i], change.replacement[j]
            if fold(a) != fold(b) or a == b:
                continue
            at = change.start + i
            t = to_truth[at]
            hit = [page.truth[s:e] for s, e in truth_words if s <= t < e]
            truth = hit[0] if hit else ""
            k = _first_alpha(truth)
            case_right = k is not None and fold(truth[k]) == fold(b) and truth[k] == b
            said = choices.get(at)
            confs = [choices[p].conf for p in range(change.start, change.end) if p in choices]
            word = change.replacement.strip(".,;:!?()«»\"'")
            rows.append(
                {
                    "set": name,
                    "page": page.name,
                    "font": page.font,
                    "level": page.level,
                    "direction": "lower" if a.isupper() else "raise",
                    "original": change.original,
                    "replacement": change.replacement,
                    "truth": truth,
                    "case_right": int(case_right),
                    "score": round(change.score, 3),
                    "conf": round(said.conf, 1) if said else "",
                    "other_case_conf": round(_other_case_conf(said, a), 1),
                    "word_conf": round(sum(confs) / len(confs), 1) if confs else "",
                    "height": layout.heights.get(change.start, ""),
                    "proper": int(lexicon.proper(word)),
                    "capital_height": _rounded(
                        capital_height(found, layout, by_start[at]) if at in by_start else None
                    ),
                }
            )
    return rows


def _rounded(value: float | None) -> object:
    return "" if value is None else round(value, 3)


def candidate_rows(name: str, pages: list[OcrPage]) -> list[dict[str, object]]:
    """Every word read with a capital first inside a sentence (no other capital) where
    tesseract offered the small letter: the letter's evidence, small_first's posterior, and
    whether the truth has the capital."""
    settings = CorrectionSettings()
    rows: list[dict[str, object]] = []
    for page in pages:
        choices, layout = evidence(page)
        made = make_page(page.text, settings=settings, choices=choices, layout=layout)
        lexicon = made.lexicon
        to_truth = _char_map(page.text, page.truth)
        truth_words = [(m.start(), m.end()) for m in re.finditer(r"\S+", page.truth)]
        for chunk in made.chunks:
            word = chunk.text
            if chunk.sentence_start or not (word[:1].isupper() and word[1:].islower()):
                continue
            said = choices.get(chunk.start)
            if said is None or not any(
                a.islower() and fold(a) == fold(word[0]) for a, _ in said.alternatives
            ):
                continue
            t = to_truth[chunk.start]
            hit = [page.truth[s:e] for s, e in truth_words if s <= t < e]
            truth = hit[0] if hit else ""
            k = _first_alpha(truth)
            if k is None or fold(truth[k]) != fold(word[0]):
                continue
            rows.append(
                {
                    "set": name,
                    "page": page.name,
                    "font": page.font,
                    "level": page.level,
                    "word": word,
                    "truth": truth,
                    "truth_capital": int(truth[k].isupper()),
                    "small_first": round(_posterior(made, chunk, fold(word)), 3),
                    "conf": round(said.conf, 1),
                    "small_conf": round(_other_case_conf(said, word[0]), 1),
                    "height": layout.heights.get(chunk.start, ""),
                    "capital_height": _rounded(capital_height(made.chunks, layout, chunk)),
                    "proper": int(lexicon.proper(word)),
                    "capitalised": int(lexicon.capitalised(fold(word))),
                }
            )
    return rows


NO_HEIGHT = HeightRatios((-math.inf,), (0.0,))


def _posterior(page, chunk, word) -> float:  # type: ignore[no-untyped-def]
    """small_first without the letter's height (the evidence the ratios are counted for)."""
    with mock.patch("ocr.correct.engine.height_ratios", return_value=NO_HEIGHT):
        return small_first(page, chunk, word)


EDGES = (-math.inf, 0.0, 0.5, 1.0, 1.5)  # bins of capital_height: under the small words' median,
# nearer them, nearer the capitalised words', to half a spread over them, beyond
RATIO_SETS = ("fit", "fit-more", "fit-lowres")  # the calibration pages stay out of the count


def ratios(rows: list[dict[str, str]]) -> tuple[HeightRatios, list[str]]:
    """ln P(bin | small truth) - ln P(bin | capital truth) over the fit pages' capitals read
    inside sentences with a height (one added to each count)."""
    kept = [r for r in rows if r["capital_height"] and r["set"] in RATIO_SETS]
    small = [float(r["capital_height"]) for r in kept if r["truth_capital"] == "0"]
    capital = [float(r["capital_height"]) for r in kept if r["truth_capital"] == "1"]
    bounds = [*EDGES[1:], math.inf]
    out, report = [], [f"fit pages: {len(small)} small letters, {len(capital)} capitals"]
    for low, high in zip(EDGES, bounds, strict=True):
        s = sum(low <= v < high for v in small)
        c = sum(low <= v < high for v in capital)
        value = math.log((s + 1) / (len(small) + len(EDGES))) - math.log(
            (c + 1) / (len(capital) + len(EDGES))
        )
        out.append(round(value, 3))
        report.append(f"[{low}, {high}): {s} small, {c} capitals")
    return HeightRatios(EDGES, tuple(out)), report


def write_table(table: HeightRatios, report: list[str], path: Path = HEIGHT_TABLE) -> None:
    import subprocess

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    lines = [
        "# What a capital's own height says of its case (ocr.correct.glyph.HeightRatios): ln",
        "# P(capital_height bin | the truth has the small letter) - ln P(bin | a capital), one",
        "# added to each count, over every word of the fit pages (bench/correct_split.py",
        "# FIT_SETS) read with a capital first inside a sentence where tesseract offered the",
        "# small letter and the boxes give a height. Made by bench/correct_case.py --ratios",
        f"# at {commit}.",
        *(f"# {line}" for line in report),
        "from\tln_ratio",
        *(f"{low}\t{value}" for low, value in zip(table.edges, table.ratios, strict=True)),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="", help="tuning set names (default: all six)")
    parser.add_argument("--out", type=Path, default=None, help="write the rows here (TSV)")
    parser.add_argument(
        "--candidates",
        action="store_true",
        help="every capital read first inside a sentence with the small letter offered",
    )
    parser.add_argument(
        "--ratios",
        type=Path,
        default=None,
        help="count ocr/data/case_height_ru.tsv from these --candidates rows (TSV)",
    )
    args = parser.parse_args(argv)
    if args.ratios:
        with args.ratios.open(encoding="utf-8") as f:
            counted = list(csv.DictReader(f, delimiter="\t"))
        table, report = ratios(counted)
        print("\n".join([*report, str(table)]))
        write_table(table, report)
        return 0
    specs = [*CALIBRATE_SETS, *FIT_SETS]
    if args.sets:
        wanted = set(args.sets.split(","))
        specs = [s for s in specs if s.name in wanted]
    rows: list[dict[str, object]] = []
    for spec in specs:
        pages = ensure_pages(spec)
        rows += candidate_rows(spec.name, pages) if args.candidates else case_rows(spec.name, pages)
    out = args.out.open("w", encoding="utf-8", newline="") if args.out else sys.stdout  # noqa: SIM115
    fields = CANDIDATE_FIELDS if args.candidates else FIELDS
    writer = csv.DictWriter(out, fields, delimiter="\t")
    writer.writeheader()
    writer.writerows(rows)
    if not args.candidates:
        for direction in ("lower", "raise"):
            done = [r for r in rows if r["direction"] == direction]
            wrong = sum(not r["case_right"] for r in done)
            print(f"{direction}: {len(done)} changes, case wrong {wrong}", file=sys.stderr)
    if args.out:
        out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
