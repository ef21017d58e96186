"""Preprocessing measured: residual skew, stroke recall, stamp-ink masks, blank pages, sources."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from lxml import etree
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from ocr import preprocess as pp
from ocr.stages.preprocess import find_colour_stamps
from tests.conftest import EHRI


def preprocess(image: np.ndarray, **options: object) -> pp.Preprocessed:
    """ocr.preprocess.preprocess as the pipeline runs it: stamps found by the stamp detector."""
    return pp.preprocess(image, find_stamps=find_colour_stamps, **options)  # type: ignore[arg-type]


pytestmark = pytest.mark.unit

CLEAN_PAGE = EHRI / "EHRI-DR-19390125-US_02.jpg"  # clean continuation page
STAMPED_PAGE = EHRI / "EHRI-DR-19390125-US_01.jpg"  # ink stamps, handwriting, a vertical stamp
ALTO_NS = {"a": "http://www.loc.gov/standards/alto/ns-v4#"}
FONT = Path("/usr/share/fonts/truetype/freefont/FreeMono.ttf")  # Courier-like, thin strokes
FONT_BOLD = Path("/usr/share/fonts/truetype/freefont/FreeMonoBold.ttf")
LINES = [
    "Копия. Совершенно секретно, экз. 2",
    "the situation of the Jews in Rumania,",
    "1938 - 1939: No. 720 (carbon copy)",
    "My despatch on the above subject dated",
]
MAX_RESIDUAL = 0.3  # degrees

if not CLEAN_PAGE.exists() or not FONT.exists():
    pytest.skip("EHRI pages or FreeMono font missing", allow_module_level=True)


# ---------------------------------------------------------------- real pages and their ALTO


def load_gray(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert image is not None, path
    return image


@pytest.fixture(scope="module")
def clean_page() -> np.ndarray:
    return load_gray(CLEAN_PAGE)


@pytest.fixture(scope="module")
def stamped_page() -> np.ndarray:
    return load_gray(STAMPED_PAGE)


def alto_lines(path: Path) -> list[etree._Element]:
    return list(etree.parse(str(path)).iterfind(".//a:TextLine", ALTO_NS))


def alto_text(path: Path) -> str:
    """The ALTO ``String CONTENT`` attributes in document order, one per line."""
    return "\n".join(
        s.get("CONTENT") for s in etree.parse(str(path)).iterfind(".//a:String", ALTO_NS)
    )


def alto_skew(path: Path) -> float:
    """Median skew of the transcribers' baselines over 600 px long (positive: counter-clockwise)."""
    angles = []
    for line in alto_lines(path):
        points = [int(v) for v in line.get("BASELINE").split()]
        (col0, row0), (col1, row1) = points[:2], points[-2:]
        if col1 - col0 > 600:
            angles.append(np.degrees(np.arctan2(row0 - row1, col1 - col0)))  # rows grow downwards
    return float(statistics.median(angles))


def paper_rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    return pp.rotate(image, degrees, border_value=pp.paper_colour(image))


# ---------------------------------------------------------------- synthetic pages


def text_alpha(
    shape: tuple[int, int],
    *,
    lines: list[str] = LINES,
    size: int = 42,
    top: int = 60,
    pitch: int = 100,
) -> np.ndarray:
    """Anti-aliased glyph coverage 0..1 of typed-looking lines, as a (rows, cols) array."""
    canvas = Image.new("L", (shape[1], shape[0]), 0)  # PIL sizes are (cols, rows)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.truetype(str(FONT), size)
    for i in range((shape[0] - top) // pitch):
        draw.text((60, top + i * pitch), lines[i % len(lines)], font=font, fill=255)
    return np.asarray(canvas, dtype=np.float32) / 255


def stamp_alpha(shape: tuple[int, int]) -> np.ndarray:
    """A rectangular registry stamp with two lines of text, coverage 0..1."""
    canvas = Image.new("L", (shape[1], shape[0]), 0)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.truetype(str(FONT_BOLD), 56)
    draw.rectangle((500, 300, 1150, 620), outline=255, width=8)
    draw.text((540, 360), "RECEIVED", font=font, fill=255)
    draw.text((540, 460), "MAR 14 1939", font=font, fill=255)
    return np.asarray(canvas, dtype=np.float32) / 255


def gradient(shape: tuple[int, int], low: float, high: float) -> np.ndarray:
    """Paper brightness rising left to right and a little top to bottom (uneven lighting)."""
    cols = np.linspace(low, high, shape[1], dtype=np.float32)[None, :]
    rows = np.linspace(0.95, 1.0, shape[0], dtype=np.float32)[:, None]
    return cols * rows


def transmit(
    paper: np.ndarray, alpha: np.ndarray, ink_bgr: tuple[int, int, int], *, opacity: float = 1.0
) -> np.ndarray:
    """Ink absorbs light: multiply the page by the ink's transmission where it lies."""
    ink = np.asarray(ink_bgr, dtype=np.float32) / 255
    return paper * (1 - (opacity * alpha)[..., None] * (1 - ink))


def to_uint8(image: np.ndarray, *, noise: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(0, noise, image.shape), 0, 255).astype(np.uint8)


def jpeg(image: np.ndarray, quality: int = 75) -> np.ndarray:
    """Round-trip through JPEG (4:2:0 chroma) like a real colour scan."""
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    assert ok and decoded is not None
    return decoded


def faint_page(
    ink: int,
    *,
    noise: float = 4.0,
    shape: tuple[int, int] = (900, 1400),
) -> tuple[np.ndarray, np.ndarray]:
    """Light grey text on a 200..250 gradient: the page and the known glyph mask."""
    alpha = text_alpha(shape)
    page = gradient(shape, 0.82 * 250, 250) * (1 - alpha * (1 - ink / 255))
    return to_uint8(page, noise=noise), alpha >= 0.5


def stamped_page_bgr(
    stamp_bgr: tuple[int, int, int],
    paper_bgr: tuple[int, int, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Black typed text with a semi-transparent stamp over part of it, JPEG-compressed.

    Returns the page and the masks of typed-ink and stamp-ink pixels (coverage >= 0.5).
    """
    shape = (1100, 1500)
    text, stamp = text_alpha(shape, top=80, pitch=90), stamp_alpha(shape)
    page = np.ones((*shape, 3), np.float32) * np.asarray(paper_bgr, np.float32)
    page = transmit(transmit(page, text, (25, 25, 25)), stamp, stamp_bgr, opacity=0.75)
    return jpeg(to_uint8(page, noise=3)), text >= 0.5, stamp >= 0.5


def near(mask: np.ndarray, radius: int) -> np.ndarray:
    return cv2.dilate(mask.astype(np.uint8), np.ones((2 * radius + 1,) * 2, np.uint8)) > 0


def ink(binary: np.ndarray) -> np.ndarray:
    return binary == 0


VIOLET, BLUE, RED = (170, 50, 110), (180, 70, 40), (50, 40, 200)  # BGR
WHITE_PAPER, YELLOWED_PAPER = (246, 248, 250), (165, 210, 236)


# ---------------------------------------------------------------- skew


def test_rotate_is_counter_clockwise_and_keeps_the_whole_page() -> None:
    page = np.full((300, 400), 255, np.uint8)
    page[150, 200:390] = 0  # a horizontal bar from the centre to the right edge
    rotated = pp.rotate(page, 10, border_value=255)
    rows, cols = np.nonzero(rotated < 128)
    right_end = rows[np.argmax(cols)]
    assert right_end < rotated.shape[0] / 2 - 20  # the right end went up: counter-clockwise
    sin, cos = np.sin(np.radians(10)), np.cos(np.radians(10))
    assert rotated.shape == (
        int(np.ceil(300 * cos + 400 * sin)),
        int(np.ceil(400 * cos + 300 * sin)),
    )
    assert rotated[0, 0] == 255 and rotated[-1, -1] == 255  # corners filled with the paper value
    assert np.count_nonzero(rotated < 128) == pytest.approx(190, rel=0.15)  # nothing cut off


def test_rotate_fills_colour_pages_with_the_given_paper_colour() -> None:
    page = np.full((100, 80, 3), (200, 220, 240), np.uint8)
    rotated = pp.rotate(page, 4, border_value=(200, 220, 240))
    assert rotated[0, 0].tolist() == [200, 220, 240]


def test_raw_page_skew_matches_the_transcribers_baselines(clean_page: np.ndarray) -> None:
    truth = alto_skew(CLEAN_PAGE.with_suffix(".xml"))  # about -0.5 deg
    estimate = pp.estimate_skew(clean_page)
    assert abs(estimate - truth) < MAX_RESIDUAL
    residual = pp.estimate_skew(preprocess(clean_page).ocr_image)
    assert abs(residual) < MAX_RESIDUAL


@pytest.mark.parametrize("degrees", [-4.0, -1.5, 0.7, 3.0])
def test_known_rotations_are_found_and_undone(clean_page: np.ndarray, degrees: float) -> None:
    truth = alto_skew(CLEAN_PAGE.with_suffix(".xml")) + degrees
    rotated = paper_rotate(clean_page, degrees)
    estimate = pp.estimate_skew(rotated)
    assert abs(estimate - truth) < MAX_RESIDUAL
    result = preprocess(rotated)
    assert result.skew_degrees == pytest.approx(estimate)
    assert abs(pp.estimate_skew(result.ocr_image)) < MAX_RESIDUAL


@pytest.mark.parametrize("degrees", [-3.5, 2.5])
def test_stamps_and_handwriting_do_not_sway_the_skew(
    stamped_page: np.ndarray, degrees: float
) -> None:
    truth = alto_skew(STAMPED_PAGE.with_suffix(".xml")) + degrees
    assert abs(pp.estimate_skew(paper_rotate(stamped_page, degrees)) - truth) < MAX_RESIDUAL


def test_skew_of_a_blank_page_is_zero() -> None:
    blank = to_uint8(np.full((800, 600), 235.0, np.float32), noise=6)
    assert pp.estimate_skew(blank) == 0.0


# ---------------------------------------------------------------- binarization and denoise


def test_binary_page_has_only_two_values(clean_page: np.ndarray) -> None:
    binary = preprocess(clean_page).ocr_image
    assert binary.dtype == np.uint8
    assert set(np.unique(binary).tolist()) == {0, 255}
    assert set(np.unique(pp.binarize(pp.normalise_background(clean_page))).tolist()) == {0, 255}


@pytest.mark.parametrize("ink_level", [150, 170, 190, 205])
def test_faint_text_on_a_gradient_survives(ink_level: int) -> None:
    page, glyphs = faint_page(ink_level)
    away = ~near(glyphs, 4)
    binary = preprocess(page, deskew=False).ocr_image
    assert ink(binary)[glyphs].mean() > 0.9  # recall of the known glyph pixels
    assert ink(binary)[away].mean() < 0.001  # paper noise
    assert glyphs[ink(binary)].mean() > 0.9  # precision: strokes not smeared


def test_faint_ink_midpoint_beats_plain_sauvola() -> None:
    page, glyphs = faint_page(205)
    flat = pp.normalise_background(page)
    plain = ink(pp.binarize(flat, faint_contrast=0))[glyphs].mean()
    ours = ink(pp.binarize(flat))[glyphs].mean()
    otsu = ink(pp.binarize(flat, method="otsu"))[glyphs].mean()
    assert plain < 0.5 < 0.95 < ours  # plain Sauvola (T ~ 0.8 x paper) loses ink at 0.82 x paper
    assert ours > otsu - 0.03  # and a global Otsu, right on a page this uniform, is no better


def test_normalise_background_flattens_uneven_paper() -> None:
    page, glyphs = faint_page(120)
    flat = pp.normalise_background(page)
    paper = flat[~near(glyphs, 6)]
    assert page[~near(glyphs, 6)].std() > 8  # the gradient before
    assert paper.mean() > 250 and paper.std() < 4.5  # white and flat after, noise only


def test_denoise_removes_specks_but_keeps_thin_strokes() -> None:
    page, glyphs = faint_page(170)
    rng = np.random.default_rng(7)
    specks = np.zeros(page.shape, bool)
    specks[rng.integers(0, page.shape[0], 600), rng.integers(0, page.shape[1], 600)] = True
    specks &= ~near(glyphs, 6)
    page[specks] = 90  # isolated one-pixel dust
    page[880, 100:1300] = 150  # a one-pixel-thin faint rule
    kept_rule = ink(preprocess(page, deskew=False).ocr_image)[880, 100:1300].mean()
    noisy = preprocess(page, deskew=False, denoise=False).ocr_image
    clean = preprocess(page, deskew=False).ocr_image
    assert ink(noisy)[specks].mean() > 0.9  # the specks are dark enough to be binarized
    assert ink(clean)[specks].mean() < 0.02
    assert ink(clean)[glyphs].mean() > ink(noisy)[glyphs].mean() - 0.005
    assert kept_rule > 0.95


def ocr_text(image: np.ndarray, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.png"
    cv2.imwrite(str(path), image)
    done = subprocess.run(
        ["tesseract", str(path), "-", "-l", "eng", "--psm", "6"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    return done.stdout


def cer(reference: str, hypothesis: str) -> float:
    reference, hypothesis = " ".join(reference.split()), " ".join(hypothesis.split())
    return Levenshtein.distance(reference, hypothesis) / len(reference)


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_tesseract_reads_the_binarized_page_as_well_as_the_raw_one(
    clean_page: np.ndarray, tmp_path: Path
) -> None:
    reference = alto_text(CLEAN_PAGE.with_suffix(".xml"))
    raw = cer(reference, ocr_text(clean_page, tmp_path, "raw"))
    binarized = cer(reference, ocr_text(preprocess(clean_page).ocr_image, tmp_path, "binary"))
    print(f"CER on {CLEAN_PAGE.name}: raw {raw:.4f}, preprocessed {binarized:.4f}")
    assert binarized <= raw + 0.01
    assert binarized < 0.08


# ---------------------------------------------------------------- colour ink


@pytest.mark.parametrize("paper_bgr", [WHITE_PAPER, YELLOWED_PAPER], ids=["white", "yellowed"])
@pytest.mark.parametrize("stamp_bgr", [VIOLET, BLUE, RED], ids=["violet", "blue", "red"])
def test_stamp_ink_is_masked_and_typed_text_is_not(
    stamp_bgr: tuple[int, int, int], paper_bgr: tuple[int, int, int]
) -> None:
    page, text, stamp = stamped_page_bgr(stamp_bgr, paper_bgr)
    stamp_only = stamp & ~text
    mask = pp.colour_ink_mask(page)
    assert mask[stamp_only].mean() > 0.95
    assert mask[text].mean() < 0.01


@pytest.mark.parametrize("stamp_bgr", [VIOLET, BLUE, RED], ids=["violet", "blue", "red"])
def test_text_under_a_stamp_survives_and_the_stamp_goes(stamp_bgr: tuple[int, int, int]) -> None:
    page, text, stamp = stamped_page_bgr(stamp_bgr, YELLOWED_PAPER)
    under = text & near(stamp, 20)  # typed glyphs crossing or touching the stamp
    result = preprocess(page, deskew=False)
    assert ink(result.ocr_image)[under].mean() > 0.95
    assert ink(result.ocr_image)[stamp & ~text].mean() < 0.03
    kept = preprocess(page, deskew=False, remove_colour_ink=False)
    assert ink(kept.ocr_image)[stamp & ~text].mean() > 0.9  # it was there to remove
    assert not kept.colour_ink_mask.any()


def test_yellowed_stained_real_page_gives_no_colour_mask(stamped_page: np.ndarray) -> None:
    rows, cols = stamped_page.shape
    tint = np.asarray(YELLOWED_PAPER, np.float32) / 255
    lighting = gradient((rows, cols), 0.85, 1.0)[..., None]
    row_idx, col_idx = np.mgrid[:rows, :cols]
    stain = np.exp(-(((row_idx - 800) / 200) ** 2 + ((col_idx - 600) / 300) ** 2))
    foxed = 1 - stain[..., None] * np.array(
        [0.45, 0.3, 0.15], np.float32
    )  # brown: blue absorbed most
    page = jpeg(np.clip(stamped_page[..., None] * tint * lighting * foxed, 0, 255).astype(np.uint8))
    assert pp.colour_ink_mask(page).mean() < 1e-4  # grey ink, stamps and foxing on yellow paper


def test_grayscale_input_has_no_colour_mask(stamped_page: np.ndarray) -> None:
    result = preprocess(stamped_page)
    assert result.colour_ink_mask.dtype == bool
    assert result.colour_ink_mask.shape == result.ocr_image.shape
    assert not result.colour_ink_mask.any()
    assert not pp.colour_ink_mask(stamped_page).any()


def test_text_typed_in_violet_is_not_removed() -> None:
    shape = (700, 1400)
    text = text_alpha(shape)
    paper = np.ones((*shape, 3), np.float32) * np.asarray(YELLOWED_PAPER, np.float32)
    page = jpeg(to_uint8(transmit(paper, text, VIOLET), noise=3))
    result = preprocess(page, deskew=False)
    assert not result.colour_ink_mask.any()
    assert ink(result.ocr_image)[text >= 0.5].mean() > 0.9
    step = next(s for s in result.steps if s.id == "preprocess.remove_colour_ink")
    assert step.settings["applied"] is False


# ---------------------------------------------------------------- the whole page


def test_blank_page_is_blank_and_a_real_page_is_not(clean_page: np.ndarray) -> None:
    shape = (1754, 1240)
    paper = np.ones((*shape, 3), np.float32) * np.asarray(YELLOWED_PAPER, np.float32)
    page = to_uint8(paper * gradient(shape, 0.85, 1.0)[..., None], noise=5)
    rng = np.random.default_rng(3)
    page[rng.integers(0, shape[0], 300), rng.integers(0, shape[1], 300)] = 60  # dust
    blank = preprocess(page)
    assert blank.blank and blank.ink_fraction < 1e-4
    real = preprocess(clean_page)
    assert not real.blank and 0.01 < real.ink_fraction < 0.2


def test_shapes_and_types_line_up(clean_page: np.ndarray) -> None:
    colour = cv2.cvtColor(paper_rotate(clean_page, 2.0), cv2.COLOR_GRAY2BGR)
    before = colour.copy()
    result = preprocess(colour)
    assert np.array_equal(colour, before)  # the input is not touched
    assert result.view_image.shape == (*result.ocr_image.shape, 3)
    assert result.view_image.dtype == np.uint8
    assert result.colour_ink_mask.shape == result.ocr_image.shape
    assert isinstance(result.skew_degrees, float) and isinstance(result.ink_fraction, float)


def test_steps_record_every_stage_with_its_settings() -> None:
    page, _, _ = stamped_page_bgr(VIOLET, YELLOWED_PAPER)
    result = preprocess(paper_rotate(page, 2.0))
    assert abs(result.skew_degrees - 2.0) < MAX_RESIDUAL
    assert [s.id for s in result.steps] == [
        "preprocess.estimate_skew",
        "preprocess.rotate",
        "preprocess.measure_ink",
        "preprocess.to_gray",
        "preprocess.normalise_background",
        "preprocess.remove_colour_ink",
        "preprocess.binarize",
        "preprocess.denoise",
    ]
    for step in result.steps:
        assert step.category == "preprocessing" and step.description and step.settings
        json.dumps(step.settings)  # plain values, storable as provenance
    by_id = {s.id: s.settings for s in result.steps}
    assert by_id["preprocess.estimate_skew"]["skew_degrees"] == result.skew_degrees
    assert by_id["preprocess.rotate"]["degrees"] == -result.skew_degrees
    assert by_id["preprocess.binarize"]["method"] == "sauvola"
    assert by_id["preprocess.remove_colour_ink"]["pixels"] == np.count_nonzero(
        result.colour_ink_mask
    )
    quiet = preprocess(page, deskew=False, denoise=False, remove_colour_ink=False)
    assert [s.id for s in quiet.steps] == [
        "preprocess.measure_ink",
        "preprocess.to_gray",
        "preprocess.normalise_background",
        "preprocess.binarize",
    ]


@pytest.mark.parametrize(
    "bad",
    [np.zeros((0, 5), np.uint8), np.zeros((5, 5), np.float32), np.zeros((2, 2, 2, 2), np.uint8)],
)
def test_bad_arrays_are_refused(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        preprocess(bad)
