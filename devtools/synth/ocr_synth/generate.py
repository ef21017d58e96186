"""Generate a benchmark set of synthetic archival pages: image, exact text and every region."""

from __future__ import annotations

import dataclasses
import io
import json
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ocr.fsutil import atomic_write_bytes, atomic_write_text
from ocr_synth.annotate import Marks, place_marks, plan_stamps, reserves
from ocr_synth.levels import LEVELS, VARIANTS, Variant, level_style, scale_style
from ocr_synth.regions import Region
from ocr_synth.render import PageSpec, RenderedPage, render_page
from ocr_synth.style import RenderStyle
from ocr_synth.texts import CorpusDocument, corpus_documents
from ocr_synth.typescript import PageKind, sample_geometry, type_page

GENERATOR = "ocr_synth.generate"
# How the page was scanned or typed beyond its level: "plain", or one of the archival cases a
# pipeline must survive (a dark scanner bed, a book's facing page and gutter, violet or blue
# ribbon, faded tinted letters on yellowed paper).
CONDITIONS = ("plain", "dark_frame", "gutter", "violet_ribbon", "blue_ribbon", "faded_yellow")
# Kept for sealed evaluation sets (bench/correct_split.py, sealed H and I): accepted by plan_set but
# not in CONDITIONS, so "all" (ocr synth, bench.run_bench) never renders them; no tuning set had
# them. red_ribbon: the red half of a bichrome ribbon, a whole page typed in it (H); onion_skin:
# thin translucent copy paper, grey-white, the typing of its back and of the sheet behind showing
# through (I).
SEALED_CONDITIONS = ("red_ribbon", "onion_skin")
COLOUR_CONDITIONS = ("violet_ribbon", "blue_ribbon", "faded_yellow", "red_ribbon")
COORDINATES = "pixels of the page image at its dpi; box is [left, top, width, height]"
DAMAGE_TYPES = ("fold", "punch_hole")
VARIANT_ODDS = (0.5, 0.3, 0.2)  # colour, grey, bilevel


@dataclass(frozen=True)
class PagePlan:
    """What one page of a set is: its place, level, scan variant, whether it is stamped, seed."""

    index: int
    level: str
    variant: Variant
    marked: bool
    seed: int
    dpi: int = 300
    fonts: tuple[str, ...] = ()  # typewriter faces to draw from (default: every installed one)
    sources: tuple[str, ...] = ()  # corpus files to draw texts from (default: all of them)
    condition: str = "plain"

    @property
    def name(self) -> str:
        marks = "stamped" if self.marked else "typed"
        extra = "" if self.condition == "plain" else f"-{self.condition}"
        return f"synth-{self.index:03d}-{self.level}-{self.variant}-{marks}{extra}"

    @property
    def suffix(self) -> str:
        """Bilevel pages are lossless PNG; colour and grey pages are JPEG like most scans."""
        return ".png" if self.variant == "bilevel" else ".jpg"


def plan_set(
    *,
    pages: int,
    seed: int,
    levels: Sequence[str] = LEVELS,
    dpi: int = 300,
    fonts: Sequence[str] = (),
    sources: Sequence[str] = (),
    variants: Sequence[Variant] = (),
    stamped: bool = True,
    conditions: Sequence[str] = ("plain",),
) -> list[PagePlan]:
    """``pages`` pages over ``levels`` in turn; within each level every other page is stamped
    (none when not ``stamped``). ``fonts``, ``sources`` (corpus file names) and ``variants``
    narrow what pages are drawn from, so that sets with disjoint texts, faces and scans can be
    made (the defaults keep every earlier seed's pages as they were). ``conditions`` are taken
    in turn by runs of 2 x len(levels) pages (every level, stamped and not); ribbon and faded
    pages are colour scans."""
    for level in levels:
        level_style(level, variant="colour", rng=np.random.default_rng(0))  # validates the name
    unknown = [c for c in conditions if c not in (*CONDITIONS, *SEALED_CONDITIONS)]
    if unknown or not conditions:
        raise ValueError(f"unknown condition(s) {unknown}; choose from {', '.join(CONDITIONS)}")
    plans = []
    for index in range(pages):
        page_seed = int(np.random.SeedSequence([seed, index]).generate_state(1)[0])
        rng = np.random.default_rng([page_seed, 0])
        variant = VARIANTS[int(rng.choice(len(VARIANTS), p=VARIANT_ODDS))]
        if variants:
            variant = variants[int(rng.integers(len(variants)))]
        level = levels[index % len(levels)]
        marked = stamped and (index // len(levels)) % 2 == 0
        condition = conditions[(index // (2 * len(levels))) % len(conditions)]
        if condition in COLOUR_CONDITIONS:
            variant = "colour"
        plans.append(
            PagePlan(
                index + 1,
                level,
                variant,
                marked,
                page_seed,
                dpi,
                tuple(fonts),
                tuple(sources),
                condition,
            )
        )
    return plans


def condition_style(style: RenderStyle, condition: str, *, rng: np.random.Generator) -> RenderStyle:
    """The level's style with the page's condition: its scan bed, or its ribbon and paper."""
    if condition in ("dark_frame", "gutter"):
        return dataclasses.replace(style, bed=condition)
    jitter = rng.integers(-12, 13, 3)
    if condition == "violet_ribbon":
        ink = (95, 55, 140)
    elif condition == "blue_ribbon":
        ink = (45, 65, 140)
    elif condition == "red_ribbon":
        ink = (150, 42, 38)
    elif condition == "onion_skin":
        grey = int(rng.integers(214, 229))
        return dataclasses.replace(
            style,
            paper_rgb=(grey, grey + 2, grey - 2),
            show_through=float(rng.uniform(0.16, 0.26)),
            paper_fibre=style.paper_fibre * 2.0,
        )
    elif condition == "faded_yellow":
        red, green, blue = (int(v) for v in np.array((232, 212, 160)) + rng.integers(-6, 7, 3))
        return dataclasses.replace(
            style,
            ink_rgb=(125, 92, 62),
            paper_rgb=(red, green, blue),
            ink_density=style.ink_density * rng.uniform(0.6, 0.75),
        )
    else:
        return style
    red, green, blue = (int(v) for v in np.array(ink) + jitter)
    return dataclasses.replace(style, ink_rgb=(red, green, blue))


@dataclass(frozen=True, eq=False)
class GeneratedPage:
    """A rendered page with what it was made from."""

    plan: PagePlan
    page: RenderedPage
    details: tuple[dict[str, Any], ...]
    document: CorpusDocument
    kind: PageKind

    @property
    def text(self) -> str:
        """The exact typed text, one typed line per line, with a final newline."""
        return self.page.typed_text + "\n"


def choose_document(rng: np.random.Generator, *, sources: Sequence[str] = ()) -> CorpusDocument:
    """A corpus document: half the time one written out by hand, else a composed one (from the
    corpus files ``sources`` when given)."""
    docs = [d for d in corpus_documents() if not sources or d.source in sources]
    if not docs:
        raise ValueError(f"no corpus document in {', '.join(sources)}")
    pool = [d for d in docs if d.composed == bool(rng.random() < 0.5)] or list(docs)
    return pool[int(rng.integers(len(pool)))]


def build_page(
    plan: PagePlan,
) -> tuple[PageSpec, RenderStyle, tuple[dict[str, Any], ...], CorpusDocument, PageKind]:
    """The page's style, typed lines and (for a stamped page) marks, all from its seed."""
    rng = np.random.default_rng([plan.seed, 1])
    style = level_style(plan.level, variant=plan.variant, rng=rng, fonts=plan.fonts)
    if plan.condition != "plain":  # its own draws: plain pages stay as they always were
        style = condition_style(style, plan.condition, rng=np.random.default_rng([plan.seed, 2]))
    geo = sample_geometry(
        rng,
        dpi=plan.dpi,
        page_rows=round(style.page_rows * plan.dpi / 300),
        page_cols=round(style.page_cols * plan.dpi / 300),
    )
    style = dataclasses.replace(style, pitch_px=round(geo.pitch / geo.scale))
    style = scale_style(style, dpi=plan.dpi)
    document = choose_document(rng, sources=plan.sources)
    kind: PageKind = ("first", "middle", "last")[int(rng.choice(3, p=[0.4, 0.25, 0.35]))]
    stamps = plan_stamps(geo, rng=rng) if plan.marked else []
    top, bottom = reserves(stamps, geo)
    typed = type_page(document, geo, kind=kind, reserve_top=top, reserve_bottom=bottom, rng=rng)
    marks = place_marks(stamps, typed, geo, rng) if plan.marked else Marks()
    spec = PageSpec(
        lines=typed.lines, stamps=marks.stamps, handwriting=marks.handwriting, marks=marks.marks
    )
    return spec, style, marks.details, document, kind


def generate_page(plan: PagePlan) -> GeneratedPage:
    """Build and render one planned page."""
    spec, style, details, document, kind = build_page(plan)
    page = render_page(spec, seed=plan.seed, style=style)
    return GeneratedPage(plan, page, details, document, kind)


def region_records(page: RenderedPage, details: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each region as JSON with its details (ink, kind, shape) and whether it touches typing."""
    typed = [r.box for r in page.regions if r.type == "typed_line"]
    pending = iter(details)
    records = []
    for region in page.regions:
        record = region.to_dict()
        if region.type not in ("typed_line", *DAMAGE_TYPES):
            record.update(next(pending))
            record["overlaps_typing"] = any(_meet(region, box) for box in typed)
        records.append(record)
    return records


def _meet(region: Region, box: Any) -> bool:
    a = region.box
    return a.left < box.right and box.left < a.right and a.top < box.bottom and box.top < a.bottom


def encode_image(page: RenderedPage, *, bilevel: bool) -> bytes:
    """PNG (1 bit) for a bilevel page, else JPEG at the page's own scanner quality, with dpi."""
    buffer = io.BytesIO()
    image = Image.fromarray(page.image)
    if bilevel:
        image.convert("1").save(buffer, format="PNG", dpi=(page.dpi, page.dpi), optimize=False)
    else:
        image.save(
            buffer,
            format="JPEG",
            quality=page.style.jpeg_quality,
            subsampling=2,
            dpi=(page.dpi, page.dpi),
        )
    return buffer.getvalue()


def page_record(generated: GeneratedPage) -> dict[str, Any]:
    """The page's region JSON: ground_truth/regions layout (a ``pages`` list) plus its recipe."""
    plan, page, doc = generated.plan, generated.page, generated.document
    data = page.to_dict()
    data["regions"] = region_records(page, generated.details)
    return {
        "scan": plan.name + plan.suffix,
        "generator": GENERATOR,
        "coordinates": COORDINATES,
        "level": plan.level,
        "variant": plan.variant,
        "stamped": plan.marked,
        "seed": plan.seed,
        "condition": plan.condition,
        "page_kind": generated.kind,
        "document": {"source": doc.source, "kind": doc.kind, "subject": doc.subject},
        "pages": [{"page": 1, "seed": plan.seed, **data}],
    }


def _write(path: Path, data: bytes | str) -> None:
    """Write atomically, readable by all (a benchmark set is shared, mkstemp makes 0600)."""
    if isinstance(data, str):
        atomic_write_text(path, data)
    else:
        atomic_write_bytes(path, data)
    path.chmod(0o644)


def write_page(plan: PagePlan, out: Path) -> dict[str, Any]:
    """Render a page and write <name>.jpg|png, <name>.gt.txt and <name>.regions.json; return
    its manifest entry."""
    generated = generate_page(plan)
    image = out / (plan.name + plan.suffix)
    _write(image, encode_image(generated.page, bilevel=plan.variant == "bilevel"))
    _write(out / f"{plan.name}.gt.txt", generated.text)
    record = page_record(generated)
    _write(
        out / f"{plan.name}.regions.json", json.dumps(record, ensure_ascii=False, indent=1) + "\n"
    )
    kinds = [r["type"] for r in record["pages"][0]["regions"]]
    return {
        "name": plan.name,
        "image": image.name,
        "gt": f"{plan.name}.gt.txt",
        "regions": f"{plan.name}.regions.json",
        "level": plan.level,
        "variant": plan.variant,
        "stamped": plan.marked,
        "seed": plan.seed,
        "dpi": plan.dpi,
        "font": generated.page.font,
        "source": generated.document.source,
        "condition": plan.condition,
        "typed_lines": kinds.count("typed_line"),
        "characters": len(generated.text),
        "marks": {k: kinds.count(k) for k in sorted(set(kinds)) if k != "typed_line"},
    }


def generate_set(
    out: Path,
    *,
    pages: int,
    seed: int,
    levels: Sequence[str] = LEVELS,
    dpi: int = 300,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
    plans: Sequence[PagePlan] | None = None,
    conditions: Sequence[str] = ("plain",),
) -> dict[str, Any]:
    """Write a whole set and its manifest.json; pages are independent, so ``workers`` processes
    give the same files as one. ``plans`` (from :func:`plan_set` with narrower settings)
    replaces the default plan."""
    out.mkdir(parents=True, exist_ok=True)
    plans = (
        list(plans)
        if plans is not None
        else plan_set(pages=pages, seed=seed, levels=levels, dpi=dpi, conditions=conditions)
    )
    entries = []
    if workers <= 1:
        for plan in plans:
            entries.append(write_page(plan, out))
            if progress:
                progress(f"[{len(entries)}/{len(plans)}] {entries[-1]['image']}")
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            for entry in pool.map(write_page, plans, [out] * len(plans)):
                entries.append(entry)
                if progress:
                    progress(f"[{len(entries)}/{len(plans)}] {entry['image']}")
    manifest = {
        "generator": GENERATOR,
        "seed": seed,
        "pages": pages,
        "levels": list(levels),
        "conditions": list(conditions),
        "dpi": dpi,
        "items": entries,
    }
    _write(out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return manifest
