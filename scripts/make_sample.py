"""Regenerate the sample scans and their ground truth from the seed transcription (fixed seeds)."""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, TiffImagePlugin

from ocr import fsutil
from ocr_synth import (
    Handwriting,
    PageSpec,
    Paragraph,
    RenderedPage,
    RenderStyle,
    Stamp,
    TypedLine,
    alto_text,
    carbon_copy,
    layout_paragraphs,
    render_page,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"  # the checkout sits beside shared/ (seed and real data)
SEED_FILE = SHARED / "seed" / "ivanov-journal-1955-12-24.txt"
EHRI_DIR = SHARED / "realdata" / "ehri-typewritten-diplomatic" / "english"
STEM = "ivanov-journal-1955-12-24"
EHRI_PAGES = ("EHRI-DR-19390125-US_01", "EHRI-DR-19390125-US_02")
PDF_SEEDS = (19551224, 19560107)  # page 1 (title), page 2 (24 December entry)
TIFF_SEED = 1955122402
TIFF_PREDICTOR = 317

# The archive's transcription errors, proven by the translation (seed NOTES.md):
# reference -> typescript.
CORRECTIONS = (
    ("Г. Лхенъян", "г. Пхеньян"),
    ("Метров", "Петров"),
    ("ИВАНОВУ", "ИВАНОВА"),
    ("30 млрдруб.", "30 млрд. руб."),
)

# The typewriter: pica (10 cpi, 30 px at 300 dpi), a 62-character line from a 1-inch margin.
PITCH_PX = 30
LEFT_PX = 300
WIDTH_CHARS = 62
TOP_BASELINE_PX = 300
BOTTOM_BASELINE_PX = 3240


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write atomically, then make the file world-readable (mkstemp creates it 0600)."""
    fsutil.atomic_write_bytes(path, data)
    path.chmod(0o644)


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


@dataclass(frozen=True)
class SeedTexts:
    """The archive's transcription (verbatim, errors kept) of the whole document and the entry."""

    full: str
    entry: str


def clean_line(line: str) -> str:
    """Drop the seed page's Markdown: bold marks, heading hashes, line-break spaces, indents."""
    line = line.replace("**", "")
    line = re.sub(r"^\s*#+\s+", "", line)
    return line.strip()


def read_seed(path: Path) -> SeedTexts:
    """The Russian part of the seed, "МИД СССР" through "...Серегин.", blank runs made single."""
    lines = [clean_line(line) for line in path.read_text(encoding="utf-8").splitlines()]
    start = lines.index("МИД СССР")
    end = next(i for i, line in enumerate(lines) if line.endswith("Серегин."))
    kept: list[str] = []
    for line in lines[start : end + 1]:
        if line or (kept and kept[-1]):
            kept.append(line)
    entry_start = next(i for i, line in enumerate(kept) if line.startswith("согласился"))
    return SeedTexts("\n".join(kept) + "\n", "\n".join(kept[entry_start:]) + "\n")


def correct(text: str) -> str:
    """What the typescript reads: the reference with the known transcription errors undone."""
    for wrong, right in CORRECTIONS:
        if text.count(wrong) > 1:
            raise ValueError(f"correction {wrong!r} is ambiguous in the seed")
        text = text.replace(wrong, right)
    return text


def normalise_space(text: str) -> str:
    """Whitespace runs to one space, as scoring does."""
    return " ".join(text.split())


def entry_paragraphs(entry: str) -> list[Paragraph]:
    """The entry as a typist sets it: indented paragraphs, the date heading centred, set apart."""
    blocks = [block for block in entry.split("\n\n") if block.strip()]
    paragraphs: list[Paragraph] = []
    for number, block in enumerate(blocks):
        heading = re.fullmatch(r"\d{1,2} [а-я]+", block.strip()) is not None
        after_heading = number > 0 and paragraphs[-1].align == "centre"
        paragraphs.append(
            Paragraph(
                block,
                indent=0 if number == 0 or heading else 5,
                align="centre" if heading else "left",
                space_before=0.5 if heading or after_heading else 0.0,
            )
        )
    return paragraphs


def entry_page(entry: str) -> PageSpec:
    """Page 2: the entry typed at about double spacing, tightened just enough to fit the sheet."""
    paragraphs = entry_paragraphs(entry)
    probe = layout_paragraphs(
        paragraphs,
        left=LEFT_PX,
        first_baseline=0,
        width_chars=WIDTH_CHARS,
        pitch_px=PITCH_PX,
        line_px=100,
    )
    line_px = min(100, 100 * (BOTTOM_BASELINE_PX - TOP_BASELINE_PX) // probe[-1].baseline)
    lines = layout_paragraphs(
        paragraphs,
        left=LEFT_PX,
        first_baseline=TOP_BASELINE_PX,
        width_chars=WIDTH_CHARS,
        pitch_px=PITCH_PX,
        line_px=line_px,
    )
    return PageSpec(lines=lines)


def _right_aligned(text: str, *, baseline: int, right_px: int = 2180) -> TypedLine:
    """A line tabbed so that it ends at ``right_px``."""
    return TypedLine(text, right_px - len(text) * PITCH_PX, baseline)


def _centred(text: str, *, baseline: int) -> TypedLine:
    """A line centred on the carriage, as a typist counts it out."""
    return TypedLine(text, LEFT_PX + (WIDTH_CHARS - len(text)) // 2 * PITCH_PX, baseline)


def title_page() -> tuple[PageSpec, list[str]]:
    """Page 1 and its reading order (the order of the archive's transcription)."""
    stamp = Stamp(
        ("МИД СССР", "Дипломатический отдел", "", "Вх. № 0404с", "7-1-1956"),
        left=130,
        top=150,
        width=760,
        height=370,
        angle_deg=-2.6,
        rules_after=(1,),
    )
    number_25 = Handwriting("25", left=470, top=308, height=62, pen_px=4.5)
    number_93 = Handwriting("93", left=2020, top=120, height=95, pen_px=5.5, slant=0.2)
    typed = (
        TypedLine("К 01089-147", 190, 640),
        _right_aligned("СВ.СЕКРЕТНО", baseline=400),
        TypedLine("Экз. №", _right_aligned("СВ.СЕКРЕТНО", baseline=0).left, 480),
        _centred("ПОСОЛЬСТВО СССР В КНДР", baseline=1000),
        _centred("Д Н Е В Н И К", baseline=1400),
        _centred("посла СССР в КНДР тов. ИВАНОВА В.И.", baseline=1550),
        _centred("за период с 20 декабря 1955 года", baseline=1650),
        _centred("по 19 января 1956 года", baseline=1750),
        _centred("г. Пхеньян", baseline=3150),
    )
    spec = PageSpec(lines=typed, stamps=(stamp,), handwriting=(number_25, number_93))
    order = [
        "МИД СССР",
        "Дипломатический отдел",
        "25",
        "Вх. № 0404с",
        "7-1-1956",
        typed[0].text,
        "93",
        *(line.text for line in typed[1:]),
    ]
    return spec, order


def check_rendering(texts: SeedTexts, title_order: list[str], entry: RenderedPage) -> None:
    """The rendered pages must say exactly the corrected texts (whitespace aside)."""
    rendered_entry = normalise_space(entry.typed_text)
    if rendered_entry != normalise_space(correct(texts.entry)):
        raise AssertionError("the typed entry page differs from the corrected entry text")
    if normalise_space(" ".join(title_order)) + " " + rendered_entry != normalise_space(
        correct(texts.full)
    ):
        raise AssertionError("the title page and entry differ from the corrected full text")


def encode_page(page: RenderedPage) -> Image.Image:
    """The page as a PIL image tagged 300 dpi."""
    image = Image.fromarray(page.image)
    image.info["dpi"] = (page.dpi, page.dpi)
    return image


def write_pdf(pages: list[RenderedPage], path: Path) -> None:
    """A multi-page PDF of JPEG page images at the pages' dpi, byte-identical run to run."""
    first, *rest = [encode_page(p) for p in pages]
    buffer = io.BytesIO()
    first.save(
        buffer,
        format="PDF",
        save_all=True,
        append_images=rest,
        resolution=pages[0].dpi,
        quality=85,
        title=path.stem,
        creationDate=None,
        modDate=None,
        producer=None,
    )
    atomic_write_bytes(path, buffer.getvalue())


def write_tiff(page: RenderedPage, path: Path) -> None:
    """A deflate-compressed 8-bit TIFF with its dpi set."""
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[TIFF_PREDICTOR] = 2  # horizontal differencing: deflate then packs a scan ~6% tighter
    buffer = io.BytesIO()
    encode_page(page).save(
        buffer,
        format="TIFF",
        compression="tiff_adobe_deflate",
        dpi=(page.dpi, page.dpi),
        tiffinfo=tags,
    )
    atomic_write_bytes(path, buffer.getvalue())


def write_regions(
    path: Path, *, scan: str, pages: list[RenderedPage], seeds: tuple[int, ...]
) -> None:
    """Every rendered element's box per page, for testing detectors against."""
    record = {
        "scan": scan,
        "generator": "scripts/make_sample.py (ocr_synth.render_page)",
        "coordinates": "pixels of the page image at its dpi; box is [left, top, width, height]",
        "pages": [
            {"page": number, "seed": seed, **page.to_dict()}
            for number, (page, seed) in enumerate(zip(pages, seeds, strict=True), start=1)
        ],
    }
    atomic_write_text(path, json.dumps(record, ensure_ascii=False, indent=1) + "\n")


def copy_ehri(*, source: Path, scans: Path, truth: Path) -> None:
    """Copy the two real EHRI pages and write their ALTO line text as plain ground truth."""
    for stem in EHRI_PAGES:
        atomic_write_bytes(scans / f"{stem}.jpg", (source / f"{stem}.jpg").read_bytes())
        atomic_write_text(truth / f"{stem}.txt", alto_text(source / f"{stem}.xml"))


ATTRIBUTION = """\
# Sample scans: sources and licences

## ivanov-journal-1955-12-24.pdf, ivanov-journal-1955-12-24-entry.tif (synthetic)

Synthetic renderings made by `scripts/make_sample.py` (fixed seeds) with `ocr_synth`; they are
not photographs of the original. The text is that of "Journal of Soviet Ambassador to the DPRK
V. I. Ivanov for 24 December 1955", Wilson Center Digital Archive, RGANI Fond 5, Opis 28,
Delo 412 (translated by Gary Goldberg), <https://digitalarchive.umd.edu/document/120781>.
Page 1 is the journal's title page with the registry stamp, page 2 the 24 December entry; the
TIFF is the entry page again as a fainter carbon copy.

The scans show what the typescript reads; `ground_truth/ivanov-journal-1955-12-24*.txt` is the
archive's Russian transcription verbatim, with its known errors (Г. Лхенъян for г. Пхеньян,
Метров for Петров, ИВАНОВУ for ИВАНОВА, "30 млрдруб." for "30 млрд. руб."). The corrected text
is in `tests/resources/seed-corrected/`. Element boxes are in `ground_truth/regions/`.

## EHRI-DR-19390125-US_01.jpg, EHRI-DR-19390125-US_02.jpg (real)

Two pages of a US legation report (Bucharest, 25 January 1939): `_01` a first page with ink
stamps and handwriting, `_02` a clean continuation page. From the EHRI Multilingual Dataset,
European Holocaust Research Infrastructure, <https://github.com/FloChiff/ehri-dataset>
(commit 20a5e00). Licence: CC-BY 4.0 <https://creativecommons.org/licenses/by/4.0/>.
Transcribers: Floriane Chiffoleau, Sarah Beniere, Michal Frankl, Wolfgang Schellenbacher,
Zoltán Vági, Gábor Kádár, Magdalena Sedlická, Miriam Schulz, Christine Schmidt, Jessica Green,
Martina Ravagnan, Daniela Bartáková, Judith Levin, Daphna Sehayek, Michał Czajka, Marta Wojas,
Dagmara Chełstowska, Winfried Garscha, Claudia Kuretsidis-Haider.
`ground_truth/EHRI-DR-19390125-US_0*.txt` holds the ALTO `String CONTENT` of each TextLine in
document order, one line each; it covers the typed text only (no stamps or handwriting).
"""


def render_sample(texts: SeedTexts) -> tuple[list[RenderedPage], RenderedPage]:
    """The two PDF pages and the carbon-copy TIFF page, checked against the corrected texts."""
    title_spec, order = title_page()
    entry_spec = entry_page(correct(texts.entry))
    style = RenderStyle()
    pages = [
        render_page(title_spec, seed=PDF_SEEDS[0], style=style),
        render_page(entry_spec, seed=PDF_SEEDS[1], style=style),
    ]
    # The carbon copy took the same keystrokes as the top copy: same typing seed, own ink and scan.
    carbon = render_page(
        entry_spec,
        seed=TIFF_SEED,
        typing_seed=PDF_SEEDS[1],
        style=carbon_copy(RenderStyle(grayscale=True, skew_deg=(0.4, 0.9))),
    )
    check_rendering(texts, order, pages[1])
    return pages, carbon


def write_texts(texts: SeedTexts, *, truth: Path, corrected: Path) -> None:
    """Reference (verbatim, with errors) and corrected texts: the whole document and the entry."""
    for suffix, text in (("", texts.full), ("-entry", texts.entry)):
        atomic_write_text(truth / f"{STEM}{suffix}.txt", text)
        atomic_write_text(corrected / f"{STEM}{suffix}.txt", correct(text))


def main(argv: list[str] | None = None) -> int:
    """Write scans/, ground_truth/ and tests/resources/seed-corrected/ under --root."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--seed-file", type=Path, default=SEED_FILE)
    parser.add_argument("--ehri-dir", type=Path, default=EHRI_DIR)
    args = parser.parse_args(argv)
    scans, truth = args.root / "scans", args.root / "ground_truth"
    for folder in (scans, truth / "regions"):
        folder.mkdir(parents=True, exist_ok=True)
    texts = read_seed(args.seed_file)
    pages, carbon = render_sample(texts)
    write_pdf(pages, scans / f"{STEM}.pdf")
    write_tiff(carbon, scans / f"{STEM}-entry.tif")
    write_regions(
        truth / "regions" / f"{STEM}.json", scan=f"{STEM}.pdf", pages=pages, seeds=PDF_SEEDS
    )
    write_regions(
        truth / "regions" / f"{STEM}-entry.json",
        scan=f"{STEM}-entry.tif",
        pages=[carbon],
        seeds=(TIFF_SEED,),
    )
    write_texts(texts, truth=truth, corrected=args.root / "tests" / "resources" / "seed-corrected")
    copy_ehri(source=args.ehri_dir, scans=scans, truth=truth)
    atomic_write_text(scans / "ATTRIBUTION.md", ATTRIBUTION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
