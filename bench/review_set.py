"""Synthetic pages for the review benchmark: `ocr synth` pages (exact ground truth), some again
as carbon copies, and references carrying injected errors of the kinds the seed's reference has.

The seed's reference (shared/seed/NOTES.md) misreads a name by one letter (Петров -> Метров),
has wrong letters (Пхеньян -> Лхенъян, ИВАНОВА -> ИВАНОВУ), glued words (млрд. руб -> млрдруб)
and Latin letters in Russian text. Each reference here gets one error of each kind, written
down with its place (manifest.json), so a triage can be scored against them.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ocr.fsutil import atomic_write_bytes, atomic_write_text
from ocr.score import normalise
from ocr_synth.generate import build_page, encode_image, plan_set, region_records
from ocr_synth.render import render_page
from ocr_synth.style import carbon_copy

# Letters a transcriber confuses in typescript (shapes alike), and Latin look-alikes.
LOOKALIKE = {
    "П": "МЛН",
    "М": "П",
    "Л": "П",
    "Н": "И",
    "И": "Н",
    "Ш": "Щ",
    "Щ": "Ш",
    "З": "Э",
    "Э": "З",
    "Б": "В",
    "В": "Б",
    "Г": "Т",
    "Т": "Г",
    "К": "Х",
    "ь": "ъ",
    "ъ": "ь",
    "е": "с",
    "с": "е",
    "о": "а",
    "а": "о",
    "и": "н",
    "н": "и",
    "т": "г",
    "г": "т",
    "к": "х",
    "х": "к",
    "л": "п",
    "п": "л",
    "у": "ч",
    "ч": "у",
    "ш": "щ",
    "щ": "ш",
    "в": "з",
    "з": "в",
    "р": "в",
    "д": "л",
    "я": "а",
    "ы": "м",
}
LATIN = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
}
KINDS = ("name", "letter", "glued", "latin")
WORD = re.compile(r"[А-Яа-яЁё]{4,}")


@dataclass(frozen=True)
class Injection:
    """One error put into a reference: where (offsets into the written reference), what kind,
    the true text and what the reference says instead."""

    start: int
    end: int
    kind: str
    truth: str
    written: str


def _candidates(text: str, kind: str) -> list[re.Match[str]]:
    words = list(WORD.finditer(text))
    if kind == "name":  # a capitalised word inside a sentence: a name
        return [
            m
            for m in words
            if m.group()[0].isupper()
            and m.start() > 1
            and text[m.start() - 2] not in ".!?\n"
            and m.group()[1:].islower()
        ]
    if kind == "latin":
        return [m for m in words if any(c in LATIN for c in m.group())]
    if kind == "glued":  # two words on one line: "млрд. руб" -> "млрдруб"
        return list(re.finditer(r"[А-Яа-яЁё]{2,}\.? [А-Яа-яЁё]{2,}", text))
    return [m for m in words if m.group().islower() and len(m.group()) >= 5]


REAL_WORD = 0.7  # odds that a misread letter makes another real word, where one can


def _written(truth: str, kind: str, rng: np.random.Generator) -> str | None:
    """The reference's version of ``truth``. A transcriber who misreads a letter often reads a
    word he knows (the seed's Метров for Петров, ИВАНОВУ for ИВАНОВА): where a look-alike
    letter makes a real word, that is chosen most of the time."""
    if kind == "glued":
        return truth.replace(". ", "").replace(" ", "")
    table = LATIN if kind == "latin" else LOOKALIKE
    options = [
        truth[:i] + alt + truth[i + 1 :]
        for i, c in enumerate(truth)
        if c in table
        for alt in table[c]
    ]
    if not options:
        return None
    if kind != "latin":
        from ocr.triage import vocabulary

        real = [o for o in options if vocabulary("rus").known(o)]
        if real and rng.random() < REAL_WORD:
            return real[int(rng.integers(len(real)))]
    return options[int(rng.integers(len(options)))]


def inject(text: str, rng: np.random.Generator) -> tuple[str, list[Injection]]:
    """The text with one error of each kind at places that do not touch each other."""
    chosen: list[tuple[int, int, str, str]] = []
    for kind in KINDS:
        found = [
            m
            for m in _candidates(text, kind)
            if all(m.end() + 2 < s or m.start() > e + 2 for s, e, _, _ in chosen)
        ]
        if not found:
            continue
        m = found[int(rng.integers(len(found)))]
        written = _written(m.group(), kind, rng)
        if written and written != m.group():
            chosen.append((m.start(), m.end(), kind, written))
    out, shift, injections = text, 0, []
    for start, end, kind, written in sorted(chosen):
        a, b = start + shift, end + shift
        truth = out[a:b]
        out = out[:a] + written + out[b:]
        injections.append(Injection(a, a + len(written), kind, truth, written))
        shift += len(written) - (end - start)
    return out, injections


def write_set(
    out: Path,
    *,
    seed: int,
    pages: int,
    copies_every: int = 3,
    levels: tuple[str, ...] = ("clean", "light", "medium", "heavy"),
) -> dict:
    """Scans in out/scans, exact text in out/truth, references with injected errors in out/gt,
    the synth regions in out/regions; every ``copies_every``-th page also as a carbon copy
    (its own scan, the same reference text: a copy of one typescript)."""
    for sub in ("scans", "truth", "gt", "regions"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    items = []
    for plan in plan_set(pages=pages, seed=seed, levels=levels):
        spec, style, details, _, _ = build_page(plan)
        first = render_page(spec, seed=plan.seed, style=style)
        truth = normalise(first.typed_text)
        reference, injections = inject(truth, np.random.default_rng([plan.seed, 7]))
        renders = [(plan.name, style, plan.seed)]
        if plan.index % copies_every == 0:
            renders.append((plan.name + "-carbon", carbon_copy(style), plan.seed + 1))
        for name, look, noise in renders:
            page = first if name == plan.name else render_page(spec, seed=noise, style=look)
            suffix = ".png" if plan.variant == "bilevel" else ".jpg"
            atomic_write_bytes(
                out / "scans" / f"{name}{suffix}",
                encode_image(page, bilevel=plan.variant == "bilevel"),
            )
            atomic_write_text(out / "truth" / f"{name}.txt", truth + "\n")
            atomic_write_text(out / "gt" / f"{name}.txt", reference + "\n")
            regions = region_records(page, details)
            atomic_write_text(
                out / "regions" / f"{name}.json", json.dumps(regions, ensure_ascii=False)
            )
            items.append(
                {
                    "name": name,
                    "level": plan.level,
                    "variant": plan.variant,
                    "stamped": plan.marked,
                    "copy_of": plan.name if name != plan.name else None,
                    "injections": [asdict(i) for i in injections],
                }
            )
    manifest = {
        "seed": seed,
        "pages": pages,
        "copies_every": copies_every,
        "levels": list(levels),
        "items": items,
    }
    atomic_write_text(out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest
