"""Benchmark ocr.detect: per-type precision/recall (synthetic pages), EHRI ink coverage, time.

Run from the project root:  .venv/bin/python -m bench.bench_detect [--seeds 10] [--no-ocr]
Prints tables and writes bench/results_detect.md.

Synthetic pages come in (image, true regions) pairs, so any generator's pages can be scored with
:func:`evaluate` (a true region is anything with ``.type`` and ``.box``, or a dict with "type" and
"box" [left, top, width, height]). Three sources are used: the test builder
(tests/test_detect.py, drawn by ``ocr_synth``: FreeMono typing, rectangular and round stamps in
violet/blue/red over the typing, signatures and numbers), ``ocr_synth`` pages of its own layout,
and the shipped sample scans with ``ground_truth/regions``. Each page is preprocessed like the
pipeline (``ocr.preprocess.preprocess``, deskew off so the true boxes keep their place), OCRed
with tesseract (unless --no-ocr: then the builder's word boxes, or none), and passed to
``detect_page``. A find matches a true region of its type at IoU >= 0.5 (one to one, best first);
handwriting and signature count as one family for recall, and the signature/handwriting label is
scored on its own.

The EHRI pages (real 1939-43 typescripts, grayscale) have ALTO polygons for the typed body lines
only, so ink outside them is non-typed (stamps, handwriting, but also letterheads and typed
headers the transcribers skipped). Reported: the share of that ink under image flags (recall
proxy), the same for the ink that no confident OCR word covers either (adjusted recall proxy),
and the share of flagged area lying on ALTO lines (false-flag proxy).
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.common import EHRI, ROOT
from ocr.detect import IMAGE_TYPES, Region, detect_page, iou
from ocr.detect.ink import drop_small, good_words, ink_mask
from ocr.detect.regions import fill_regions, intersection
from ocr.flag import low_confidence_flags
from ocr.preprocess import preprocess
from ocr.records import Box
from ocr.stages.preprocess import find_colour_stamps
from ocr.tesseract import Word, read_words, run_ocr

RESULTS = ROOT / "bench" / "results_detect.md"
IOU = 0.5
FAMILY = {"signature": "handwriting", "handwriting": "handwriting", "stamp": "stamp"}
# Other non-typed things a generator may draw: pen underlines and ticks, paper damage. A find on
# them is neither a hit nor a false flag (they are not in the detectors' brief, but are real ink).
NEUTRAL = ("underline", "margin_mark", "punch_hole", "fold")


@dataclass(frozen=True)
class TrueRegion:
    type: str
    box: Box


def as_truth(items: Iterable[Any]) -> list[TrueRegion]:
    """True regions from records with .type/.box or dicts with "type"/"box" (stamp, handwriting,
    signature; typed_line too, which only tells unread typing from stray unrecognised ink)."""
    out = []
    for item in items:
        kind, box = (
            (item["type"], Box(*item["box"])) if isinstance(item, dict) else (item.type, item.box)
        )
        if kind in FAMILY or kind in NEUTRAL or kind == "typed_line":
            out.append(TrueRegion(kind, box))
    return out


# --- running the detector like the pipeline ----------------------------------------------------


def ocr_words(ocr_image: np.ndarray, *, languages: str) -> list[Word] | None:
    """Tesseract's words for a binarized page (None when tesseract is not installed)."""
    if shutil.which("tesseract") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="bench-detect-") as tmp:
        path = Path(tmp) / "page.png"
        cv2.imwrite(str(path), ocr_image)
        out = run_ocr(
            path,
            Path(tmp) / "page",
            languages=languages,
            psm=3,
            oem=1,
            dpi=300,
            timeout=300,
            formats=["tsv"],
        )
        return read_words(out.tsv)


@dataclass
class PageRun:
    """One page through preprocess, OCR and detection."""

    regions: list[Region]
    words: list[Word] | None
    ocr_image: np.ndarray
    detect_seconds: float  # wall clock
    detect_cpu: (
        float  # CPU time of this process (the machine is shared; wall time varies with load)
    )
    preprocess_seconds: float


def run_page(
    image: np.ndarray, *, words: Sequence[Word] | None, use_ocr: bool, languages: str
) -> PageRun:
    t0 = time.perf_counter()
    pre = preprocess(image, deskew=False, find_stamps=find_colour_stamps)
    t1 = time.perf_counter()
    page_words = ocr_words(pre.ocr_image, languages=languages) if use_ocr else None
    if page_words is None and words is not None:
        page_words = list(words)
    t2, c2 = time.perf_counter(), time.process_time()
    regions = detect_page(pre.view_image, pre.ocr_image, pre.colour_ink_mask, page_words)
    t3, c3 = time.perf_counter(), time.process_time()
    return PageRun(regions, page_words, pre.ocr_image, t3 - t2, c3 - c2, t1 - t0)


# --- scoring --------------------------------------------------------------------------------------


@dataclass
class Scores:
    """Counts per family and label, false flags per page, and times."""

    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    label_ok: int = 0
    label_total: int = 0
    false_flags: list[int] = field(default_factory=list)
    unread_typing: int = 0
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    pages: int = 0

    def precision(self, family: str) -> float:
        found = self.tp[family] + self.fp[family]
        return self.tp[family] / found if found else float("nan")

    def recall(self, family: str) -> float:
        real = self.tp[family] + self.fn[family]
        return self.tp[family] / real if real else float("nan")


def combined(parts: Sequence[Scores]) -> Scores:
    """Several rows' counts as one row."""
    out = Scores()
    for part in parts:
        for name in ("tp", "fp", "fn"):
            getattr(out, name).update(getattr(part, name))
        out.label_ok += part.label_ok
        out.label_total += part.label_total
        out.false_flags += part.false_flags
        out.unread_typing += part.unread_typing
        out.seconds += part.seconds
        out.cpu += part.cpu
        out.pages += part.pages
    return out


def match(truth: Sequence[TrueRegion], found: Sequence[Region], scores: Scores) -> None:
    """Greedy one-to-one matching per family at IoU >= 0.5, best pairs first."""
    for family in ("stamp", "handwriting"):
        real = [t for t in truth if FAMILY.get(t.type) == family]
        mine = [r for r in found if FAMILY.get(r.type) == family]
        pairs = sorted(
            ((iou(t.box, r.box), i, j) for i, t in enumerate(real) for j, r in enumerate(mine)),
            reverse=True,
        )
        used_t, used_r = set(), set()
        for value, i, j in pairs:
            if value < IOU or i in used_t or j in used_r:
                continue
            used_t.add(i)
            used_r.add(j)
            if family == "handwriting":
                scores.label_total += 1
                scores.label_ok += real[i].type == mine[j].type
        scores.tp[family] += len(used_t)
        scores.fn[family] += len(real) - len(used_t)
        neutral = [t.box for t in truth if t.type in NEUTRAL]
        scores.fp[family] += sum(
            1
            for j, r in enumerate(mine)
            if j not in used_r and sum(intersection(r.box, b) for b in neutral) <= 0.5 * r.area
        )


def false_flags(truth: Sequence[TrueRegion], found: Sequence[Region]) -> int:
    """Image flags touching nothing they could stand for: stamps and handwriting touching no true
    stamp or hand mark, unrecognised ink touching neither those nor typed lines (which the OCR may
    have missed: flagging unread typing is right)."""
    marks = [t.box for t in truth if t.type in FAMILY or t.type in NEUTRAL]
    typing = [t.box for t in truth if t.type == "typed_line"]
    count = 0
    for r in found:
        allowed = marks + typing if r.type == "unrecognised_ink" else marks
        if r.type in IMAGE_TYPES and not any(_touches(r.box, b) for b in allowed):
            count += 1
    return count


def unread_typing(truth: Sequence[TrueRegion], found: Sequence[Region]) -> int:
    """Unrecognised-ink flags on typed lines and on no stamp or hand mark: typing the OCR missed."""
    marks = [t.box for t in truth if t.type in FAMILY]
    typing = [t.box for t in truth if t.type == "typed_line"]
    return sum(
        1
        for r in found
        if r.type == "unrecognised_ink"
        and any(_touches(r.box, b) for b in typing)
        and not any(_touches(r.box, b) for b in marks)
    )


def _touches(a: Box, b: Box) -> bool:
    return a.left < b.right and b.left < a.right and a.top < b.bottom and b.top < a.bottom


def evaluate(
    pages: Iterable[tuple[np.ndarray, Sequence[Any]]],
    *,
    use_ocr: bool = True,
    languages: str = "rus",
    words: Callable[[int], Sequence[Word] | None] | None = None,
    log: Callable[[str], None] = print,
) -> Scores:
    """Precision/recall per type at IoU >= 0.5 over (image, true regions) pairs."""
    scores = Scores()
    for n, (image, items) in enumerate(pages):
        truth = as_truth(items)
        run = run_page(
            image, words=words(n) if words else None, use_ocr=use_ocr, languages=languages
        )
        match(truth, run.regions, scores)
        scores.false_flags.append(false_flags(truth, run.regions))
        scores.unread_typing += unread_typing(truth, run.regions)
        scores.seconds.append(run.detect_seconds)
        scores.cpu.append(run.detect_cpu)
        scores.pages += 1
        log(
            f"    page {n + 1}: {len(truth)} true, {len(run.regions)} found, "
            f"{scores.false_flags[-1]} false flags, {run.detect_seconds:.2f} s"
        )
    return scores


# --- page sources ---------------------------------------------------------------------------------


def builder_pages(
    seeds: int, *, gray: bool, clean: bool = False
) -> Iterator[tuple[np.ndarray, list, list]]:
    """Pages of the test builder: (image, truth, words)."""
    from tests.test_detect import random_page, synthetic_page

    for seed in range(seeds):
        page = synthetic_page(seed, stamps=(), hands=()) if clean else random_page(seed)
        typing = [TrueRegion("typed_line", w.box) for w in page.words]
        yield (page.gray() if gray else page.image), [*page.truth, *typing], list(page.words)


def generator_pages(
    seeds: int, *, gray: bool, clean: bool = False
) -> Iterator[tuple[np.ndarray, list, list]]:
    """Pages of the project's renderer ocr_synth with random stamps and handwritten numbers."""
    import dataclasses

    from ocr_synth import (
        Handwriting,
        PageSpec,
        Paragraph,
        RenderStyle,
        Stamp,
        layout_paragraphs,
        render_page,
    )
    from tests.test_detect import TYPED_LINES

    inks = {"violet": (112, 48, 196), "blue": (40, 70, 170), "red": (190, 40, 50)}
    for seed in range(seeds):
        rng = np.random.default_rng(20_000 + seed)
        lines = layout_paragraphs(
            [Paragraph(" ".join(TYPED_LINES[:10]), indent=5)],
            left=300,
            first_baseline=500,
            width_chars=62,
            pitch_px=30,
            line_px=80,
        )
        stamps: tuple[Stamp, ...] = ()
        hands: tuple[Handwriting, ...] = ()
        if not clean:
            colour = str(rng.choice(list(inks)))
            stamps = (
                Stamp(
                    ("ВХОДЯЩИЙ", f"№ {rng.integers(100, 9999)}", "1956 г."),
                    left=int(rng.integers(900, 1500)),
                    top=int(rng.integers(500, 1200)),
                    width=int(rng.integers(500, 800)),
                    height=int(rng.integers(250, 380)),
                    rgb=inks[colour],
                ),
            )
            hands = (
                Handwriting(
                    str(rng.integers(10, 999)),
                    left=int(rng.integers(1700, 2100)),
                    top=120,
                    height=int(rng.integers(60, 110)),
                ),
            )
        style = dataclasses.replace(RenderStyle(), grayscale=gray)
        page = render_page(
            PageSpec(lines=lines, stamps=stamps, handwriting=hands), seed=seed, style=style
        )
        image = page.image if page.image.ndim == 2 else cv2.cvtColor(page.image, cv2.COLOR_RGB2BGR)
        yield image, list(page.regions), []


def set_folder(pages: int, seed: int) -> Path:
    """The ``ocr synth --pages N --seed S`` set as files (scans are JPEG or 1-bit PNG, as a
    scanner writes them): bench/data when `make bench` wrote that very set there, else written
    once into bench/work/synth-S-N."""
    import json

    from ocr_synth.generate import generate_set

    for folder in (ROOT / "bench" / "data", ROOT / "bench" / "work" / f"synth-{seed}-{pages}"):
        manifest = folder / "manifest.json"
        if manifest.is_file():
            data = json.loads(manifest.read_text(encoding="utf-8"))
            if data.get("seed") == seed and data.get("pages") == pages:
                return folder
    folder = ROOT / "bench" / "work" / f"synth-{seed}-{pages}"
    generate_set(folder, pages=pages, seed=seed, workers=min(2, os.cpu_count() or 1))
    return folder


def generated_set(
    pages: int, *, variants: Sequence[str] = ("colour", "grey", "bilevel"), seed: int = 1955
) -> Iterator[tuple[np.ndarray, list, list]]:
    """The stamped pages of the benchmark set ``ocr synth --pages N --seed S`` (the set `make
    bench` writes to bench/data: levels clean to heavy; colour, grey and bilevel scans; every
    other page per level stamped and annotated) whose scan variant is one of ``variants``."""
    import json

    from bench.synth_pairs import synth_pairs

    folder = set_folder(pages, seed)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    names = {
        item["name"]
        for item in manifest["items"]
        if item["stamped"] and item["variant"] in variants
    }
    if not names:
        return
    for image, regions in synth_pairs(folder, names=names):
        yield image, regions, []


def sample_pages() -> Iterator[tuple[np.ndarray, list, list]]:
    """The shipped synthetic sample scans with their ground_truth/regions boxes."""
    import json

    from ocr.load import inspect_scan, load_page

    for regions_file in sorted((ROOT / "ground_truth" / "regions").glob("*.json")):
        record = json.loads(regions_file.read_text(encoding="utf-8"))
        scan = inspect_scan(ROOT / "scans" / record["scan"], dpi=300, max_pixels=200_000_000)
        for page in record["pages"]:
            image = load_page(scan, page["page"], dpi=300, max_pixels=200_000_000).image
            yield image, page["regions"], []


# --- EHRI proxies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    page: str
    flags: dict[str, int]
    recall: float
    adjusted_recall: float
    recall_with_low_conf: float
    adjusted_with_low_conf: float
    on_lines: float
    seconds: float
    cpu: float


def alto_mask(xml: Path, shape: tuple[int, int]) -> np.ndarray:
    from ocr_synth.alto import read_alto_lines

    mask = np.zeros(shape, dtype=np.uint8)
    for line in read_alto_lines(xml):
        if line.polygon:
            cv2.fillPoly(mask, [np.asarray(line.polygon, dtype=np.int32).reshape(-1, 1, 2)], 1)
    return mask


def _share(part: np.ndarray, whole: np.ndarray) -> float:
    total = int(whole.sum())
    return float((part & whole).sum()) / total if total else float("nan")


def ehri_coverage(image_path: Path) -> Coverage:
    image = cv2.imread(str(image_path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise OSError(f"cannot read {image_path}")
    run = run_page(image, words=None, use_ocr=True, languages="eng")
    ink = drop_small(ink_mask(run.ocr_image), min_area=20)  # dust is not ink to account for
    lines = alto_mask(image_path.with_suffix(".xml"), ink.shape)
    non_typed = ink & (1 - lines)
    image_flags = [r for r in run.regions if r.type in IMAGE_TYPES]
    flagged = fill_regions(ink.shape, image_flags)
    words = run.words or []
    confident = np.zeros_like(ink)
    for w in good_words(words):
        confident[w.box.top : w.box.bottom, w.box.left : w.box.right] = 1
    low = low_confidence_flags(words, page_number=1, threshold=60.0)
    with_low = flagged.copy()
    for f in low:
        with_low[f.box.top : f.box.bottom, f.box.left : f.box.right] = 1
    unread = non_typed & (1 - confident)
    return Coverage(
        image_path.stem,
        dict(Counter(r.type for r in image_flags)),
        _share(flagged, non_typed),
        _share(flagged, unread),
        _share(with_low, non_typed),
        _share(with_low, unread),
        _share(lines, flagged),
        run.detect_seconds,
        run.detect_cpu,
    )


# --- report ---------------------------------------------------------------------------------------


def _pct(value: float) -> str:
    return "-" if value != value else f"{value:.2f}"


def synthetic_table(results: dict[str, Scores]) -> list[str]:
    rows = [
        "| pages | n | stamp P | stamp R | hand+sig P | hand+sig R | sig/hand label | "
        "false flags/page (median, max) | unread-typing flags | detect s/page wall (median, max) | "
        "CPU s/page (median, max) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in results.items():
        label = f"{s.label_ok}/{s.label_total}" if s.label_total else "-"
        ff = (
            f"{statistics.median(s.false_flags):.0f}, {max(s.false_flags)}"
            if s.false_flags
            else "-"
        )
        sec = f"{statistics.median(s.seconds):.2f}, {max(s.seconds):.2f}" if s.seconds else "-"
        cpu = f"{statistics.median(s.cpu):.2f}, {max(s.cpu):.2f}" if s.cpu else "-"
        rows.append(
            f"| {name} | {s.pages} | {_pct(s.precision('stamp'))} | {_pct(s.recall('stamp'))} | "
            f"{_pct(s.precision('handwriting'))} | {_pct(s.recall('handwriting'))} | {label} | "
            f"{ff} | {s.unread_typing} | {sec} | {cpu} |"
        )
    return rows


def ehri_table(rows_in: Sequence[Coverage]) -> list[str]:
    rows = [
        "| page | image flags | recall proxy | adjusted recall | recall incl. low-conf words | "
        "adjusted incl. low-conf | flagged area on typed lines | detect s wall / CPU |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in rows_in:
        flags = ", ".join(f"{k} {v}" for k, v in sorted(c.flags.items())) or "none"
        rows.append(
            f"| {c.page} | {flags} | {_pct(c.recall)} | {_pct(c.adjusted_recall)} | "
            f"{_pct(c.recall_with_low_conf)} | {_pct(c.adjusted_with_low_conf)} | "
            f"{_pct(c.on_lines)} | {c.seconds:.2f} / {c.cpu:.2f} |"
        )
    return rows


def _nth_words(word_lists: Sequence[Sequence[Word]], n: int) -> Sequence[Word] | None:
    return word_lists[n] or None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="synthetic pages per source")
    parser.add_argument(
        "--no-ocr", action="store_true", help="use the builder's word boxes, not tesseract"
    )
    parser.add_argument(
        "--set-pages",
        type=int,
        default=64,
        help="pages of the ocr synth set (its stamped half is scored)",
    )
    parser.add_argument(
        "--set-seed",
        type=int,
        nargs="+",
        default=[1955, 12],
        help="seeds of ocr synth sets (1955: the set make bench writes to bench/data)",
    )
    args = parser.parse_args(argv)
    use_ocr = not args.no_ocr
    results: dict[str, Scores] = {}
    sources: list[tuple[str, Callable[[], Iterator[tuple[np.ndarray, list, list]]]]] = [
        ("builder colour", lambda: builder_pages(args.seeds, gray=False)),
        ("builder gray", lambda: builder_pages(args.seeds, gray=True)),
        (
            "builder clean colour",
            lambda: builder_pages(max(2, args.seeds // 3), gray=False, clean=True),
        ),
        (
            "builder clean gray",
            lambda: builder_pages(max(2, args.seeds // 3), gray=True, clean=True),
        ),
        ("ocr_synth colour", lambda: generator_pages(args.seeds, gray=False)),
        ("ocr_synth gray", lambda: generator_pages(args.seeds, gray=True)),
        (
            "ocr_synth clean",
            lambda: generator_pages(max(2, args.seeds // 3), gray=False, clean=True),
        ),
        *[
            (
                f"ocr synth set seed {seed}, {variant} scans",
                functools.partial(generated_set, args.set_pages, variants=(variant,), seed=seed),
            )
            for seed in args.set_seed
            for variant in ("colour", "grey", "bilevel")
        ],
        ("sample scans", sample_pages),
    ]
    for name, source in sources:
        print(f"{name}:", flush=True)
        try:
            pages = list(source())
        except Exception as e:  # noqa: BLE001 - a source still being written is skipped, not fatal
            print(f"    skipped: {e}")
            continue
        word_lists: list[list[Word]] = [w for _, _, w in pages]
        results[name] = evaluate(
            ((img, truth) for img, truth, _ in pages),
            use_ocr=use_ocr,
            words=functools.partial(_nth_words, word_lists),
        )
    for seed in args.set_seed:
        rows = [k for k in results if k.startswith(f"ocr synth set seed {seed},")]
        greys = [results[k] for k in rows if not k.endswith("colour scans")]
        if greys:
            results[f"ocr synth set seed {seed}, grey + bilevel"] = combined(greys)
        if rows:
            results[f"ocr synth set seed {seed}, all stamped pages"] = combined(
                [results[k] for k in rows]
            )
    print("EHRI pages:", flush=True)
    coverage = [ehri_coverage(p) for p in sorted(EHRI.glob("*.jpg"))] if EHRI.is_dir() else []
    report = _report(results, coverage, use_ocr=use_ocr)
    print("\n".join(report))
    RESULTS.write_text("\n".join(report) + "\n", encoding="utf-8")
    print(f"\nwritten {RESULTS.relative_to(ROOT)}")
    return 0


def _report(
    results: dict[str, Scores], coverage: Sequence[Coverage], *, use_ocr: bool
) -> list[str]:
    words = "tesseract 5 words (rus; eng on EHRI)" if use_ocr else "the builder's word boxes"
    lines = [
        "# ocr.detect benchmark",
        "",
        "Reproduce: `.venv/bin/python -m bench.bench_detect --seeds 6` "
        "(from the project root; `make bench` runs it).",
        "",
        f"Synthetic pages, matched at IoU >= {IOU}; OCR words from {words}. "
        "P = precision, R = recall; hand+sig = handwriting and signatures as one family; "
        "the label column counts matched finds whose signature/handwriting label is right. "
        "False flags = stamp/handwriting flags touching no true stamp or hand mark, and "
        "unrecognised-ink flags touching neither those nor typed lines. Unread-typing flags = "
        "unrecognised ink on typed lines the OCR did not read (tesseract drops lines next to "
        "stamps): right to flag, counted apart.",
        "",
        *synthetic_table(results),
        "",
        "The ocr synth sets are `ocr synth --pages 64 --seed S`; their stamped half (32 pages) is "
        "scored, split by scan variant. Seed 1955 is the set `make bench` writes to bench/data. "
        "The detector thresholds were set while looking at seeds 7, 11 and 1955 (and the "
        "builder pages); seed 12 chose no setting (it was scored after changes, to check "
        "them): its rows are the figures for data the settings were not fitted to.",
        "",
        "EHRI pages (real, grayscale, OCR with tesseract `eng`): share of non-typed ink (outside "
        "the ALTO line polygons, dust removed) under image flags. The ALTO covers only the body "
        "text, so typed letterheads, addresses and headers count as non-typed: *adjusted* keeps "
        "only the ink no confident OCR word covers. *incl. low-conf* adds the pipeline's "
        "low-confidence word flags (ocr.flag). Flagged area on typed lines = share of the image "
        "flags' area inside ALTO line polygons (false-flag proxy). US_02 is the clean page.",
        "",
        *ehri_table(coverage),
        "",
    ]
    if coverage:
        lines.append(
            "Median detect time on EHRI pages: "
            f"{statistics.median(c.seconds for c in coverage):.2f} s "
            f"wall, {statistics.median(c.cpu for c in coverage):.2f} s CPU "
            "(detect_page only; preprocessing and OCR not included)."
        )
    lines += [
        "",
        "Known misses (seen in the figures above):",
        "- a number written into a stamp across a typed line, where its digits touch the typed "
        "letters: a row that carries on outside the stamp counts as written only when its "
        "pieces are of one height, thin and not joined into a run, so touching digits are left "
        "to the stamp (most of the remaining handwriting misses on grey and bilevel scans); a "
        "number in a coloured stamp's own ink is found under the same test only;",
        "- a heavily worn frame whose sides are gone on both a long and a short side is "
        "reported as handwriting (flagged, wrong label) or not at all;",
        "- frameless rubber-stamped text that tesseract reads with good confidence (EHRI "
        '"DIVISION OF ... AUG 15 1940") is not flagged; read badly, it is unrecognised ink or '
        "low-confidence words;",
        "- unread-typing flags on grey pages: tesseract skips typed lines next to stamps, and "
        "their ink is (rightly) reported as unrecognised.",
    ]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines += [
        "",
        f"Machine: {os.cpu_count()} cores, load average {load:.1f} at the end of the run "
        "(wall times grow with the load; CPU times do not).",
    ]
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
