"""What a reviewer is shown, measured (issue 20): precision and recall of "possible reference
error" on references with injected errors and on the sample; review items per page on clean typed
and on stamped pages, and per real OCR error; the share of real OCR errors, of synthetic stamps,
signatures and handwriting, and of real non-typed ink (EHRI) that some item covers.

Run: .venv/bin/python -m bench.bench_review [--pages 48]; writes bench/results_review.md.
The split is fixed: the triage model is fitted on the tuning set (seed TUNE_SEED, with
bench/train_triage.py) and reported on the held-out set (seed HELD_SEED), never tuned on it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from bench.common import EHRI, ROOT

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from bench.review_set import write_set
from ocr.flag_records import StoredDetail
from ocr.records import Box

WORK = ROOT / "bench" / "work"
TUNE_SEED, HELD_SEED = 2101, 2202  # fixed before any threshold was tuned
REGION_TYPES = ("stamp", "signature", "handwriting")
SAMPLE_REAL = {"Метров": "Петров", "Лхенъян": "Пхеньян", "млрдруб": "млрд. руб"}
# The seed's notes (../shared/seed/NOTES.md) list one more error of the sample's reference, which
# the count of three leaves out: the typescript reads "тов. ИВАНОВА В.И." (genitive).
# Calling it a possible reference error is right, so it is no false one.
SAMPLE_ALSO_REAL = {"ИВАНОВУ": "ИВАНОВА"}


@dataclass(frozen=True)
class Item:
    """One review item as the queue shows it (from the results database)."""

    document: str
    page: int
    kind: str
    box: Box
    ref_start: int | None
    ref_end: int | None
    ref_text: str
    ocr_text: str
    detail: StoredDetail = field(default_factory=StoredDetail)


@dataclass(frozen=True)
class PageRun:
    """A stored page: its document, skew, size and OCR outputs."""

    document: str
    number: int
    skew: float
    rows: int
    cols: int
    outputs: dict


def review_set(seed: int, pages: int) -> Path:
    folder = WORK / f"review-{seed}-{pages}"
    if not (folder / "manifest.json").is_file():
        write_set(folder, seed=seed, pages=pages)
    return folder


def run(scans: Path, out: Path, *, gt: Path | None, db: Path, languages: str = "rus") -> None:
    """One batch (the pipeline's own driver) into ``out`` with a fresh database ``db``; pages
    already OCRed there by this code are served from the stage cache (bench.stage_stamp: a
    cache other code wrote is dropped first)."""
    from bench.stage_stamp import refuse_stale, write_stamp
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    db.unlink(missing_ok=True)
    refuse_stale(out, folder=scans.parent)  # a cache other code wrote is read again
    settings = load_settings(
        None,
        output_dir=out,
        workers=2,
        languages=languages,
        languages_by_pattern={},
        database_url=f"sqlite:///{db}",
    )
    result = run_batch([scans], gt_dir=gt, settings=settings)
    if result.failures:
        print(f"warning: {len(result.failures)} failure(s): {result.failures[0].message}")
    write_stamp(out)


def load_items(db: Path) -> tuple[list[Item], list[PageRun]]:
    from sqlalchemy import select

    from ocr.store import Document, Store

    store = Store(f"sqlite:///{db}", create=False)
    items, pages = [], []
    with store.session() as s:
        live = select(Document).where(Document.superseded_by.is_(None))
        for doc in s.scalars(live):
            for page in doc.pages:
                pages.append(
                    PageRun(
                        doc.name,
                        page.page_number,
                        page.skew_degrees or 0.0,
                        page.rows or 0,
                        page.cols or 0,
                        dict(page.outputs or {}),
                    )
                )
                items += [_item(doc.name, page.page_number, f) for f in page.flags]
    store.engine.dispose()
    return items, pages


def _item(document: str, page: int, f) -> Item:  # noqa: ANN001 - a FlagRow
    d = StoredDetail.from_json(f.detail)
    kind = f.kind or (f.category if f.type == "disagreement" else f.type)
    return Item(
        document,
        page,
        kind,
        Box(f.left, f.top, f.width, f.height),
        d.ref_start,
        d.ref_end,
        f.ref_text,
        f.ocr_text,
        d,
    )


# --- possible reference errors ------------------------------------------------------------------


@dataclass(frozen=True)
class RefScore:
    found: int
    injected: int
    true_flags: int
    flags: int
    by_kind: dict

    @property
    def precision(self) -> float:
        return self.true_flags / self.flags if self.flags else float("nan")

    @property
    def recall(self) -> float:
        return self.found / self.injected if self.injected else float("nan")


def _overlaps(item: Item, inj: dict) -> bool:
    if item.ref_start is None or item.ref_end is None:
        return False
    return item.ref_start < inj["end"] and inj["start"] < max(item.ref_end, item.ref_start + 1)


def reference_errors(
    items: Sequence[Item], manifest: dict, *, flagged: str = "reference_error"
) -> RefScore:
    """Recall over the injected errors, precision over the items called possible reference
    errors (a hit overlaps an injected error's span of the reference)."""
    injections = {it["name"]: it["injections"] for it in manifest["items"]}
    ref_items = [i for i in items if i.kind == flagged]
    true = sum(any(_overlaps(i, j) for j in injections.get(i.document, [])) for i in ref_items)
    found, kinds = 0, defaultdict(lambda: [0, 0])
    for name, injs in injections.items():
        mine = [i for i in ref_items if i.document == name]
        for j in injs:
            hit = any(_overlaps(i, j) for i in mine)
            found += hit
            kinds[j["kind"]][0] += hit
            kinds[j["kind"]][1] += 1
    return RefScore(
        found,
        sum(map(len, injections.values())),
        true,
        len(ref_items),
        {k: tuple(v) for k, v in kinds.items()},
    )


# --- OCR errors and regions against exact ground truth -------------------------------------------


def ocr_error_boxes(page: PageRun, truth: str) -> list[Box]:
    """Word boxes of each place where the OCR differs from the exact text."""
    from ocr.flag import refine_spans
    from ocr.score import diff_spans, normalise
    from ocr.tesseract import read_words, words_to_text

    ocr = words_to_text(read_words(Path(page.outputs["tsv"])))
    truth = normalise(truth)
    boxes = []
    for span in refine_spans(truth, ocr.text, diff_spans(truth, ocr.text)):
        idx = ocr.words_in(span.ocr_start, span.ocr_end)
        if not idx and ocr.spans:
            idx = [min(range(len(ocr.spans)), key=lambda i: abs(ocr.spans[i][0] - span.ocr_start))]
        if idx:
            boxes.append(Box.union_all(ocr.words[i].box for i in idx))
    return boxes


def _centre_covered(box: Box, items: Iterable[Item], pad: int = 6) -> bool:
    col, row = box.left + box.width / 2, box.top + box.height / 2
    return any(
        i.box.left - pad <= col <= i.box.right + pad
        and i.box.top - pad <= row <= i.box.bottom + pad
        for i in items
    )


def region_covered(region: Box, items: Sequence[Item]) -> bool:
    """At least half of the region's box lies inside the items' boxes."""
    mask = np.zeros((region.height + 1, region.width + 1), dtype=bool)
    for i in items:
        top, left = max(i.box.top - region.top, 0), max(i.box.left - region.left, 0)
        mask[top : max(i.box.bottom - region.top, 0), left : max(i.box.right - region.left, 0)] = (
            True
        )
    return bool(mask.mean() >= 0.5)


@dataclass
class Coverage:
    errors: int = 0
    covered: int = 0
    regions: Counter = field(default_factory=Counter)
    regions_covered: Counter = field(default_factory=Counter)


def coverage(folder: Path, items: Sequence[Item], pages: Sequence[PageRun]) -> Coverage:
    """Real OCR errors and synthetic stamp/signature/handwriting regions inside some item."""
    out = Coverage()
    by_doc = defaultdict(list)
    for i in items:
        by_doc[i.document].append(i)
    for page in pages:
        mine = by_doc[page.document]
        truth = (folder / "truth" / f"{page.document}.txt").read_text(encoding="utf-8")
        errors = ocr_error_boxes(page, truth)
        out.errors += len(errors)
        out.covered += sum(_centre_covered(b, mine) for b in errors)
        regions = json.loads((folder / "regions" / f"{page.document}.json").read_text("utf-8"))
        for r in (r for r in regions if r["type"] in REGION_TYPES):
            box = Box(*r["box"])  # items are in the scan's own pixels too (ocr.reframe)
            out.regions[r["type"]] += 1
            out.regions_covered[r["type"]] += region_covered(box, mine)
    return out


def items_per_page(items: Sequence[Item], manifest: dict) -> dict[str, list[int]]:
    """Items of each page, by level and whether it is stamped (carbon copies apart)."""
    counts = Counter(i.document for i in items)
    out: dict[str, list[int]] = defaultdict(list)
    for it in manifest["items"]:
        group = f"{it['level']} {'stamped' if it['stamped'] else 'typed'}"
        if it["copy_of"]:
            group += " (carbon copy)"
        out[group].append(counts.get(it["name"], 0))
    return dict(out)


# --- real pages ----------------------------------------------------------------------------------


def ehri_folder() -> Path:
    """The six EHRI pages with their ALTO line text as references."""
    from ocr_synth.alto import alto_text

    folder = WORK / "review-ehri"
    for sub in ("scans", "gt"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for image in sorted(EHRI.glob("*.jpg")):
        if not (folder / "scans" / image.name).exists():
            shutil.copy(image, folder / "scans" / image.name)
        (folder / "gt" / f"{image.stem}.txt").write_text(
            alto_text(image.with_suffix(".xml")) + "\n", encoding="utf-8"
        )
    return folder


def non_typed_ink(page: PageRun, items: Sequence[Item]) -> tuple[int, int]:
    """(pixels, pixels inside items) of ink outside the ALTO line polygons: stamps, handwriting,
    letterheads (the EHRI ground truth transcribes typed lines only)."""
    from ocr.detect.ink import drop_small, ink_mask
    from ocr.preprocess import binarize
    from ocr_synth.alto import read_alto_lines

    # Item boxes are in the pixels of the scan as loaded (ocr.reframe), as are the ALTO lines.
    gray = cv2.imread(str(EHRI / f"{page.document}.jpg"), cv2.IMREAD_GRAYSCALE)
    ink = drop_small(ink_mask(binarize(gray)), min_area=20).astype(bool)
    lines = np.zeros(ink.shape, dtype=np.uint8)
    for line in read_alto_lines(EHRI / f"{page.document}.xml"):
        pts = np.asarray(line.polygon or line.box.polygon(), dtype=np.float64)
        cv2.fillPoly(lines, [pts.astype(np.int32).reshape(-1, 1, 2)], 1)
    rest = ink & (lines == 0)
    inside = np.zeros(ink.shape, dtype=bool)
    for i in items:
        inside[max(i.box.top, 0) : i.box.bottom, max(i.box.left, 0) : i.box.right] = True
    return int(rest.sum()), int((rest & inside).sum())


def sample_reference_errors(items: Sequence[Item]) -> tuple[list[str], list[Item]]:
    """The sample's three real reference errors found (in any copy), and the items called
    possible reference errors that are none of them nor the seed notes' fourth."""
    refs = [i for i in items if i.kind == "reference_error"]
    found = [w for w in SAMPLE_REAL if any(w in " ".join(i.ref_text.split()) for i in refs)]
    real = (*SAMPLE_REAL, *SAMPLE_ALSO_REAL)
    false = [i for i in refs if not any(w in " ".join(i.ref_text.split()) for w in real)]
    return found, false


# --- running and reporting -----------------------------------------------------------------------


@dataclass(frozen=True)
class SetResult:
    """Everything measured on one synthetic set."""

    name: str
    ref: RefScore
    per_page_noref: dict[str, list[int]]
    per_page_ref: dict[str, list[int]]
    noref: Coverage
    withref: Coverage
    items_noref: int
    items_ref: int
    pages: int
    clean_kinds: Counter = field(default_factory=Counter)


def measure_set(seed: int, pages: int, name: str) -> SetResult:
    folder = review_set(seed, pages)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    out = folder / "out"
    run(folder / "scans", out, gt=folder / "gt", db=folder / "ref.db")
    ref_items, ref_pages = load_items(folder / "ref.db")
    run(folder / "scans", out, gt=None, db=folder / "noref.db")
    items, page_runs = load_items(folder / "noref.db")
    return SetResult(
        name,
        reference_errors(ref_items, manifest),
        items_per_page(items, manifest),
        items_per_page(ref_items, manifest),
        coverage(folder, items, page_runs),
        coverage(folder, ref_items, ref_pages),
        len(items),
        len(ref_items),
        len(page_runs),
        clean_typed_kinds(items, manifest),
    )


def clean_typed_kinds(items: Sequence[Item], manifest: dict) -> Counter:
    """The kinds of the items on clean typed pages (no carbon copies), without a reference."""
    names = {
        it["name"]
        for it in manifest["items"]
        if it["level"] == "clean" and not it["stamped"] and not it["copy_of"]
    }
    return Counter(i.kind for i in items if i.document in names)


def measure_ehri() -> list[tuple[str, int, int, int, int]]:
    """(page, items, possible reference errors, non-typed ink px, of it inside items)."""
    folder = ehri_folder()
    run(folder / "scans", folder / "out", gt=folder / "gt", db=folder / "ref.db", languages="eng")
    items, pages = load_items(folder / "ref.db")
    rows = []
    for page in sorted(pages, key=lambda p: p.document):
        mine = [i for i in items if i.document == page.document]
        ink, inside = non_typed_ink(page, mine)
        rows.append(
            (page.document, len(mine), sum(i.kind == "reference_error" for i in mine), ink, inside)
        )
    return rows


def measure_sample() -> tuple[list[str], list[Item], Counter]:
    folder = WORK / "review-sample"
    folder.mkdir(parents=True, exist_ok=True)
    from bench.stage_stamp import refuse_stale, write_stamp
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    db = folder / "ref.db"
    db.unlink(missing_ok=True)
    refuse_stale(folder / "out", folder=ROOT)
    settings = load_settings(
        ROOT / "ocr.toml", output_dir=folder / "out", workers=2, database_url=f"sqlite:///{db}"
    )
    run_batch([ROOT / "scans"], gt_dir=ROOT / "ground_truth", settings=settings)
    write_stamp(folder / "out")
    items, _ = load_items(db)
    found, false = sample_reference_errors(items)
    return found, false, Counter(i.document for i in items)


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _median(values: Sequence[int]) -> str:
    return f"{float(np.median(values)):.1f}" if values else "–"


def set_lines(results: Sequence[SetResult]) -> list[str]:
    lines = [
        "| set | injected errors | found | recall | items called reference error | of them "
        "injected | precision | recall by kind (name, letter, glued, latin) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        kinds = ", ".join(
            f"{r.ref.by_kind.get(k, (0, 0))[0]}/{r.ref.by_kind.get(k, (0, 0))[1]}"
            for k in ("name", "letter", "glued", "latin")
        )
        lines.append(
            f"| {r.name} | {r.ref.injected} | {r.ref.found} | {r.ref.recall:.2f} | "
            f"{r.ref.flags} | {r.ref.true_flags} | {r.ref.precision:.2f} | {kinds} |"
        )
    return lines


def page_lines(results: Sequence[SetResult]) -> list[str]:
    lines = [
        "| set | pages | items per page without a reference: median (max) | with the "
        "injected reference: median (max) |",
        "|---|---|---|---|",
    ]
    for r in results:
        for group in sorted(r.per_page_noref):
            a, b = r.per_page_noref[group], r.per_page_ref.get(group, [])
            lines.append(
                f"| {r.name} | {group} ({len(a)}) | {_median(a)} ({max(a, default=0)})"
                f" | {_median(b)} ({max(b, default=0)}) |"
            )
    return lines


def coverage_lines(results: Sequence[SetResult]) -> list[str]:
    lines = [
        "| set | real OCR errors | inside an item, no reference | items per OCR error, no "
        "reference | inside an item, with reference | items per OCR error, with reference |"
        " stamps / signatures / handwriting inside an item |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        regions = ", ".join(
            f"{r.noref.regions_covered[t]}/{r.noref.regions[t]}" for t in REGION_TYPES
        )
        lines.append(
            f"| {r.name} | {r.noref.errors} | {_pct(r.noref.covered, r.noref.errors)} | "
            f"{r.items_noref / max(r.noref.errors, 1):.2f} | "
            f"{_pct(r.withref.covered, r.withref.errors)} | "
            f"{r.items_ref / max(r.withref.errors, 1):.2f} | {regions} |"
        )
    return lines


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def target_lines(held: SetResult, sample: tuple) -> list[str]:
    """Issue 20's targets, judged on the held-out set and the sample."""
    clean = held.per_page_noref.get("clean typed", [])
    found, false, _ = sample
    cov = [
        held.noref.covered / max(held.noref.errors, 1),
        held.withref.covered / max(held.withref.errors, 1),
    ]
    regions = all(held.noref.regions_covered[t] == held.noref.regions[t] for t in REGION_TYPES)
    rows = [
        (
            "possible reference error: precision >= 0.8 (held-out)",
            f"{held.ref.precision:.2f}",
            held.ref.precision >= 0.8,
        ),
        (
            "possible reference error: recall >= 0.8 (held-out)",
            f"{held.ref.recall:.2f}",
            held.ref.recall >= 0.8,
        ),
        ("sample: the three real reference errors found", f"{len(found)}/3", len(found) == 3),
        ("sample: at most one false reference error", str(len(false)), len(false) <= 1),
        (
            "at most 2 items per clean typed page without a reference (held-out, every page)",
            f"median {_median(clean)}, max {max(clean, default=0)}, per page {sorted(clean)}",
            bool(clean) and max(clean) <= 2,
        ),
        (
            ">= 90% of real OCR errors inside an item (held-out; no reference, with reference)",
            f"{100 * cov[0]:.1f}%, {100 * cov[1]:.1f}%",
            min(cov) >= 0.9,
        ),
        (
            "every stamp, signature and handwriting region inside an item (held-out)",
            ", ".join(
                f"{held.noref.regions_covered[t]}/{held.noref.regions[t]}" for t in REGION_TYPES
            ),
            regions,
        ),
    ]
    return [
        "| target | measured | |",
        "|---|---|---|",
        *(f"| {name} | {value} | {_verdict(ok)} |" for name, value, ok in rows),
    ]


def real_lines(ehri: Sequence[tuple[str, int, int, int, int]], sample: tuple) -> list[str]:
    lines = [
        "| EHRI page (reference: its ALTO lines) | items | called possible reference error |"
        " non-typed ink inside an item |",
        "|---|---:|---:|---:|",
    ]
    for page, n, refs, ink, inside in ehri:
        lines.append(f"| {page} | {n} | {refs} | {_pct(inside, ink)} |")
    found, false, per_doc = sample
    lines += [
        "",
        f"Sample (`scans/` with `ground_truth/`): real reference errors found "
        f"{len(found)}/3 ({', '.join(found) or 'none'}); items called possible reference "
        f"error that are none of the three nor the seed notes' fourth "
        f"({', '.join(SAMPLE_ALSO_REAL)}): {len(false)}",
    ]
    lines += [
        f'- {i.document} p{i.page}: reference "{i.ref_text}", OCR "{i.ocr_text}"' for i in false
    ]
    lines.append(
        "- items per document: " + ", ".join(f"{d} {n}" for d, n in sorted(per_doc.items()))
    )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=48, help="pages per synthetic set")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results_review.md")
    parser.add_argument("--skip-real", action="store_true", help="synthetic sets only")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = [
        measure_set(TUNE_SEED, args.pages, f"tuning (seed {TUNE_SEED})"),
        measure_set(HELD_SEED, args.pages, f"held-out (seed {HELD_SEED})"),
    ]
    ehri, sample = (
        ([], ([], [], Counter())) if args.skip_real else (measure_ehri(), measure_sample())
    )
    report = render(results, ehri, sample, args.pages, time.perf_counter() - start)
    args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


def render(
    results: Sequence[SetResult], ehri: Sequence, sample: tuple, pages: int, seconds: float
) -> str:
    from ocr.triage import default_model

    model = default_model()
    head = [
        "# Review items and triage benchmark",
        "",
        f"Reproduce: `.venv/bin/python -m bench.bench_review --pages {pages}` (`make bench` "
        "runs it; the model is fitted with `bench/train_triage.py` on the tuning set only).",
        "",
        f"Triage model: `ocr/data/triage.json` ({model.source}); threshold {model.threshold:.2f}.",
        "",
        f"Synthetic sets: `ocr synth` pages ({pages} per set, levels clean to heavy, every "
        "other page per level stamped; every third page also as a carbon copy), references "
        "with one injected error of each kind of the seed (bench/review_set.py).",
        "",
    ]
    held = results[-1]
    kinds = "; ".join(
        f"{r.name}: " + ", ".join(f"{n} {k}" for k, n in r.clean_kinds.most_common())
        for r in results
    )
    targets = (
        []
        if not sample[0] and not sample[1]
        else [
            "## Targets (issue 20)",
            "",
            *target_lines(held, sample),
            "",
            f"Items on the clean typed pages without a reference, by kind: {kinds}.",
            "",
        ]
    )
    body = [
        *targets,
        "## Possible reference errors",
        "",
        *set_lines(results),
        "",
        "## Review items per page",
        "",
        *page_lines(results),
        "",
        "## What the items cover (exact ground truth)",
        "",
        *coverage_lines(results),
        "",
        "## Real pages",
        "",
        *real_lines(ehri, sample),
        "",
        f"Run time {seconds / 60:.1f} min on this machine (2 cores, shared).",
    ]
    return "\n".join(head + body) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
