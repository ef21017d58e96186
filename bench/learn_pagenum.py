"""Learn when a margin line is read again as a page number (ocr/pagenum.py) on the tuning side:
the correction split's fit pages (bench/correct_split.py, as the pipeline read them: each page's
TSV and view image) and the review's dev pages (bench.review_fresh seeds 3010, 3111, 6102; and
the inline-mark fit pages of bench.learn_marks when made); the calibration pages check what was
learned. No sealed or held-out set is read.

Each page's first and last line (ocr.pagenum.margin_lines) is read again as a page number
(ocr.pagenum.read_as_number). A line is a page number when the truth's first (last) line is
one ("- 3 -"). Learned: the shape bounds (width over height at most, centre's offset at most,
gap to the next line at least) are the envelope of the page-number lines whose reading again
gives the truth's number; the confidence threshold is one above the highest confidence of a
reading again that is wrong within those bounds (none wrong: the lowest of the right ones).
The check applies the shipped step (ocr.pagenum.page_number_fixes) to the calibration pages
and counts lines changed, right and wrong, character errors before and after, pages better and
worse.

Run: .venv/bin/python -m bench.learn_pagenum [--write] [--work DIR] [--dev-work DIR]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2

from bench.bench_correct import char_errors
from bench.common import BENCH
from bench.correct_data import WORK, set_folder
from bench.correct_split import CALIBRATE_SETS, FIT_SETS, SynthSet
from ocr.pagenum import (
    RULE_FILE,
    PageNumberRule,
    crop,
    is_page_number,
    margin_lines,
    page_number_fixes,
    read_as_number,
)
from ocr.tesseract import Word, read_words, words_to_text

DEV_SEEDS = (3010, 3111, 6102)
DEV_PAGES = 12


@dataclass(frozen=True)
class Page:
    name: str
    truth: str
    tsv: Path
    view: Path


@dataclass(frozen=True)
class Sighting:
    page: str
    text: str
    width: float
    offset: float
    gap: float
    meant: str | None  # the truth's page number there ("-3-"), None when no page number
    again: str
    conf: float


def synth_pages(spec: SynthSet, work: Path) -> Iterator[Page]:
    folder = set_folder(spec, work)
    manifest = folder / "images" / "manifest.json"
    if not manifest.is_file():
        return
    for item in json.loads(manifest.read_text(encoding="utf-8"))["items"]:
        out = folder / "pipeline" / Path(item["image"]).stem
        if (out / "p001.tsv").is_file() and (out / "p001.view.jpg").is_file():
            truth = (folder / "images" / item["gt"]).read_text(encoding="utf-8")
            yield Page(item["name"], truth, out / "p001.tsv", out / "p001.view.jpg")


def dev_pages(work: Path = BENCH / "work") -> Iterator[Page]:
    for seed in DEV_SEEDS:
        folder = work / f"review-fresh-{seed}-{DEV_PAGES}"
        for truth in sorted((folder / "truth").glob("*.txt")):
            out = folder / "out" / truth.stem
            if (out / "p001.tsv").is_file():
                text = truth.read_text(encoding="utf-8")
                yield Page(f"{seed}/{truth.stem}", text, out / "p001.tsv", out / "p001.view.jpg")


def page_number_at(truth: str, *, top: bool) -> str | None:
    lines = [line for line in truth.strip().split("\n") if line.strip()]
    if not lines:
        return None
    line = lines[0] if top else lines[-1]
    return line.replace(" ", "") if is_page_number(line) else None


def sightings(page: Page) -> list[Sighting]:
    words = read_words(page.tsv)
    grey = cv2.imread(str(page.view), cv2.IMREAD_GRAYSCALE)
    if grey is None:
        return []
    out = []
    for k, line in enumerate(margin_lines(words)):
        again, conf = read_as_number(crop(grey, line.box)[0])
        meant = page_number_at(page.truth, top=k == 0)
        out.append(
            Sighting(
                page.name, line.text(words), line.width, line.offset, line.gap, meant, again, conf
            )
        )
    return out


def learn(seen: Sequence[Sighting]) -> PageNumberRule | None:
    right = [s for s in seen if s.meant is not None and s.again == s.meant]
    if not right:
        return None
    max_width = max(s.width for s in right)
    max_offset = max(s.offset for s in right)
    min_gap = min(s.gap for s in right)
    inside = [
        s
        for s in seen
        if s.again and s.width <= max_width and s.offset <= max_offset and s.gap >= min_gap
    ]
    wrong = [s.conf for s in inside if s.again != s.meant]
    min_conf = max(wrong) + 1.0 if wrong else min(s.conf for s in right)
    return PageNumberRule(
        round(max_width, 3), round(max_offset, 4), round(min_gap, 3), round(min_conf, 1), on=True
    )


def page_text(words: Sequence[Word]) -> str:
    return words_to_text([w for w in words if w.text]).text


def check(pages: Sequence[Page], rule: PageNumberRule) -> dict[str, int]:
    """The shipped step on each page: lines changed, right (the truth's page number) and wrong,
    character errors before and after, pages better and worse."""
    out = Counter[str]()
    for page in pages:
        words = read_words(page.tsv)
        grey = cv2.imread(str(page.view), cv2.IMREAD_GRAYSCALE)
        fixes = page_number_fixes(words, grey, rule).fixes
        before = char_errors(page.truth, page_text(words))[0]
        out["before"] += before
        if not fixes:
            out["after"] += before
            continue
        after_words = list(words)
        lines = margin_lines(words)
        for fix in fixes:
            for i, part in zip(fix.indexes, fix.parts, strict=True):
                after_words[i] = replace(words[i], text=part)
            top = bool(lines) and lines[0].indexes == fix.indexes
            meant = page_number_at(page.truth, top=top)
            out["changed"] += 1
            out["right"] += fix.after == meant
            out["wrong"] += fix.after != meant
        after = char_errors(page.truth, page_text(after_words))[0]
        out["after"] += after
        out["better"] += after < before
        out["worse"] += after > before
    return dict(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write ocr/data/pagenum.json")
    parser.add_argument("--work", type=Path, default=WORK, help="the correction sets' folder")
    parser.add_argument(
        "--dev-work",
        type=Path,
        default=BENCH / "work",
        help="the folder of the review's dev sets (as read before this step: main's)",
    )
    args = parser.parse_args(argv)
    from bench.learn_marks import CALIBRATE_INLINE, INLINE_SETS

    # the inline sets are this checkout's own (WORK), the correction split's may be main's
    fit = [p for spec in FIT_SETS for p in synth_pages(spec, args.work)]
    fit += [p for spec in INLINE_SETS for p in synth_pages(spec, WORK)]
    fit += list(dev_pages(args.dev_work))
    calib = [p for spec in CALIBRATE_SETS for p in synth_pages(spec, args.work)]
    calib += list(synth_pages(CALIBRATE_INLINE, WORK))
    seen = [s for p in fit for s in sightings(p)]
    kinds = Counter(
        ("page number" if s.meant else "other", "read right" if s.again == s.meant else
         ("read wrong" if s.again else "not read"))
        for s in seen
    )  # fmt: skip
    print(f"learning pages {len(fit)}, margin lines {len(seen)}: {dict(kinds)}")
    print("first readings of page-number lines that are none:", Counter(
        s.text for s in seen if s.meant and not is_page_number(s.text)
    ).most_common(20))  # fmt: skip
    rule = learn(seen)
    if rule is None:
        print("no page number read right: nothing learned")
        return 0
    print("rule:", rule)
    fit_check = check(fit, rule)
    calib_check = check(calib, rule)
    print(f"learning pages {len(fit)}: {fit_check}")
    print(f"calibration pages {len(calib)}: {calib_check}")
    if args.write:
        data = {
            "source": f"bench/learn_pagenum.py on {len(fit)} learning pages ({len(seen)} margin "
            f"lines); checked on {len(calib)} calibration pages: character errors "
            f"{calib_check['before']} -> {calib_check['after']}, lines changed "
            f"{calib_check.get('changed', 0)}, wrong {calib_check.get('wrong', 0)}, pages worse "
            f"{calib_check.get('worse', 0)}",
            "max_width": rule.max_width,
            "max_offset": rule.max_offset,
            "min_gap": rule.min_gap,
            "min_conf": rule.min_conf,
            "on": True,
        }
        RULE_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
