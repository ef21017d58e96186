"""Detectors of stamps, handwriting, unread ink, text-quality problems and reference markers."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from rapidfuzz import fuzz

from ocr.detect.regions import MarkerFigures
from ocr.flag import region_flag
from ocr.records import Box
from ocr.tesseract import Word
from ocr_synth import PageSpec, RenderStyle, Stamp, TypedLine, render_page
from ocr_synth.handwriting import Handwriting
from ocr_synth.pen import Signature
from ocr_synth.regions import Region as SynthRegion
from ocr_synth.round_stamp import RoundStamp
from ocr_synth.style import BLUE_INK, BLUE_STAMP, DARK_INK, RED_STAMP, VIOLET_STAMP

# The page as typed: FreeMono at 30 px a character (a pica typewriter), 80 px a line, 300 dpi.
PITCH = 30
LINE_PITCH = 80
LEFT_MARGIN = 250
TOP_MARGIN = 420
BASELINE = 40  # from a line's top to its baseline

# Russian typescript, one entry per typed line (the journal style of the project's samples).
TYPED_LINES = (
    "Принял советника посольства КНР тов. Чэнь Цзе по его просьбе.",
    "В беседе тов. Чэнь Цзе сообщил, что правительство КНР получило",
    "информацию о ходе переговоров по вопросам торговли и просил",
    "передать благодарность советским специалистам за помощь,",
    "оказанную при строительстве новых предприятий в провинции.",
    "Я поблагодарил за информацию и обещал сообщить о ней в Москву.",
    "На беседе присутствовал советник посольства тов. Петров.",
    "Затем тов. Чэнь Цзе рассказал о положении в сельском хозяйстве",
    "и о мерах по подготовке к весеннему севу в северных районах.",
    "Он отметил, что урожай прошлого года был выше ожидаемого,",
    "однако трудности с транспортом ещё не преодолены полностью.",
    "Беседа продолжалась около часа и прошла в дружеской обстановке.",
    "Посол СССР в КНДР",
)

STAMP_INKS = {"violet": VIOLET_STAMP, "blue": BLUE_STAMP, "red": RED_STAMP}
PEN_INKS = {"blue": BLUE_INK, "black": DARK_INK}
# A straight scan (no skew: boxes stay where they were drawn) of yellowed paper, no show-through.
STYLE = RenderStyle(
    font="freemono",
    pitch_px=PITCH,
    skew_deg=(0.0, 0.0),
    show_through=0.0,
    # Clean typing: no blotted letters, no doubled strikes, letters that keep apart.
    heavy_strike_p=0.0,
    ghost_strike_p=0.0,
    typebar_offset_px=0.5,
    pitch_jitter_px=0.3,
    paper_rgb=(232, 222, 194),
    blur_sigma=0.8,
    sensor_noise=2.0,
    jpeg_quality=90,
)


@dataclass(frozen=True)
class Truth:
    """What a synthetic page really has at a place: a region type and its box."""

    type: str
    box: Box


@dataclass(frozen=True, eq=False)
class SyntheticPage:
    """A rendered test page (BGR), the true regions on it and the typed words' boxes."""

    image: np.ndarray
    truth: tuple[Truth, ...]
    words: tuple[Word, ...]

    def gray(self) -> np.ndarray:
        """The page as a grayscale scan (the same array on every call, so results can be cached)."""
        if "_gray" not in self.__dict__:
            object.__setattr__(self, "_gray", cv2.cvtColor(self.image, cv2.COLOR_BGR2GRAY))
        return self.__dict__["_gray"]


# --- the page, drawn by the synthetic-page renderer (devtools/synth/ocr_synth) ------------------


def _typed_lines() -> tuple[TypedLine, ...]:
    return tuple(
        TypedLine(
            line,
            LEFT_MARGIN + (600 if line.startswith("Посол") else 0),
            TOP_MARGIN + BASELINE + (n - 1) * LINE_PITCH,
        )
        for n, line in enumerate(TYPED_LINES)
    )


def _words(lines: Sequence[TypedLine], drawn: Sequence[SynthRegion]) -> list[Word]:
    """Each typed word's box, as a perfect OCR would give it: its character cells across, its
    line's ink from top to bottom."""
    ink = {r.text: r.box for r in drawn if r.type == "typed_line"}
    words: list[Word] = []
    for n, line in enumerate(lines, start=1):
        box, start = ink[line.text], 0
        for k, text in enumerate(line.text.split(), start=1):
            start = line.text.index(text, start)
            left = line.left + start * PITCH
            words.append(
                Word(1, 1, n, k, Box(left, box.top, len(text) * PITCH, box.height), 93.0, text)
            )
            start += len(text)
    return words


def _stamp(kind: str, colour: str, *, centre: tuple[int, int], rng: np.random.Generator):
    """A rectangular stamp (a registry stamp) or a round seal centred at (row, col), turned."""
    if kind == "rect":
        rows, cols = 300, 560
        lines = ("ВХОДЯЩИЙ", f"№ {rng.integers(100, 9999)}", "1956 г.")
        return Stamp(
            lines,
            centre[1] - cols // 2,
            centre[0] - rows // 2,
            cols,
            rows,
            angle_deg=float(rng.uniform(-12, 12)),
            rgb=STAMP_INKS[colour],
        )
    return RoundStamp(
        "МИНИСТЕРСТВО ИНОСТРАННЫХ ДЕЛ СССР *",
        ("ПОСОЛЬСТВО", "СССР"),
        centre[1] - 210,
        centre[0] - 210,
        diameter=420,
        rgb=STAMP_INKS[colour],
    )


def synthetic_page(
    seed: int,
    *,
    stamps: Sequence[tuple[str, str]] = (("rect", "violet"), ("round", "blue")),
    hands: Sequence[tuple[str, str]] = (("signature", "black"), ("number", "blue")),
    number_rows: int = 85,
) -> SyntheticPage:
    """A typed Russian page with stamps over the typing and handwriting: known truth and words.

    ``stamps`` are (rect|round, violet|blue|red); the first is pressed over the right half of
    lines 3-6, the second over the left of lines 9-12, a third in the top margin. ``hands`` are
    (signature|number, blue|black): a signature goes right of the last typed line, a number in
    the top right margin, a second number in the left margin, ``number_rows`` high.
    """
    rng = np.random.default_rng(seed)
    lines = _typed_lines()
    stamp_spots = ((700, 1700), (1280, 700), (230, 1150))
    pressed = []
    for (kind, colour), centre in zip(stamps, stamp_spots, strict=False):
        jitter = rng.integers(-60, 60, 2)
        spot = (centre[0] + int(jitter[0]), centre[1] + int(jitter[1]))
        pressed.append(_stamp(kind, colour, centre=spot, rng=rng))
    last_row = TOP_MARGIN + (len(TYPED_LINES) - 1) * LINE_PITCH
    spots = {"signature": [(last_row - 20, 1450)], "number": [(110, 1900), (1900, 40)]}
    written: list[Handwriting] = []
    marks: list = [s for s in pressed if isinstance(s, RoundStamp)]
    for kind, colour in hands:
        top, left = spots[kind].pop(0)
        if kind == "signature":
            pen = PEN_INKS[colour]
            marks.append(Signature(left, top, width=480, height=130, pen_px=5.0, rgb=pen))
        else:
            digits = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(2, 5))))
            written.append(Handwriting(digits, left, top, height=number_rows, rgb=PEN_INKS[colour]))
    spec = PageSpec(
        lines=lines,
        stamps=tuple(s for s in pressed if isinstance(s, Stamp)),
        handwriting=tuple(written),
        marks=tuple(marks),
    )
    page = render_page(spec, seed=seed, style=STYLE)
    truth = tuple(
        Truth(r.type, r.box)
        for r in page.regions
        if r.type in ("stamp", "signature", "handwriting")
    )
    image = cv2.cvtColor(page.image, cv2.COLOR_RGB2BGR)
    return SyntheticPage(image, truth, tuple(_words(lines, page.regions)))


def random_page(seed: int) -> SyntheticPage:
    """A page with one to three stamps (random shape and ink) and one to three hand marks."""
    rng = np.random.default_rng(10_000 + seed)
    stamps = [
        (str(rng.choice(["rect", "round"])), str(rng.choice(list(STAMP_INKS))))
        for _ in range(int(rng.integers(1, 4)))
    ]
    hands = [
        ("signature", str(rng.choice(list(PEN_INKS)))),
        ("number", str(rng.choice(list(PEN_INKS)))),
        ("number", str(rng.choice(list(PEN_INKS)))),
    ][: int(rng.integers(1, 4))]
    return synthetic_page(seed, stamps=stamps, hands=hands)


# --- fixtures ----------------------------------------------------------------------------------

_PREPARED: dict[int, tuple[np.ndarray, object]] = {}


def _prepare(image: np.ndarray):
    """The pipeline's preprocessing, cached per image array (the module's pages are shared
    fixtures); the cache holds the array too, so its id cannot be reused by another."""
    from ocr.preprocess import preprocess
    from ocr.stages.preprocess import find_colour_stamps

    cached = _PREPARED.get(id(image))
    if cached is None or cached[0] is not image:  # straight pages: no deskew, boxes stay put
        pre = preprocess(image, deskew=False, find_stamps=find_colour_stamps)
        cached = _PREPARED[id(image)] = (image, pre)
    return cached[1]


@pytest.fixture(scope="module")
def page_a() -> SyntheticPage:
    """Violet rectangular and blue round stamps over the typing, black signature, blue number."""
    return synthetic_page(1)


@pytest.fixture(scope="module")
def page_b() -> SyntheticPage:
    """Red round and blue rectangular stamps, blue signature, black number in the margin."""
    return synthetic_page(
        2,
        stamps=(("round", "red"), ("rect", "blue")),
        hands=(("signature", "blue"), ("number", "black")),
    )


@pytest.fixture(scope="module")
def clean_page() -> SyntheticPage:
    return synthetic_page(3, stamps=(), hands=())


def _detect(
    page: SyntheticPage, *, gray: bool = False, words: Sequence[Word] | None | str = "page"
):
    """detect_page on the page; words "page" = the builder's word boxes (as if OCRed perfectly)."""
    from ocr.detect import detect_page

    pre = _prepare(page.gray() if gray else page.image)
    page_words = list(page.words) if words == "page" else words
    assert not isinstance(page_words, str)
    return detect_page(pre.view_image, pre.ocr_image, pre.colour_ink_mask, page_words)


def _best(truth: Truth, found, types: Sequence[str]) -> float:
    from ocr.detect import iou

    return max([iou(truth.box, r.box) for r in found if r.type in types], default=0.0)


def _stamps(page: SyntheticPage) -> list[Truth]:
    return [t for t in page.truth if t.type == "stamp"]


# --- stamps --------------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize("name", ["page_a", "page_b"])
def test_colour_stamps_found_with_their_ink(name: str, request: pytest.FixtureRequest) -> None:
    page = request.getfixturevalue(name)
    found = _detect(page)
    stamps = [r for r in found if r.type == "stamp"]
    assert len(stamps) == 2
    for truth in _stamps(page):
        assert _best(truth, stamps, ["stamp"]) >= 0.5
    assert {r.colour for r in stamps} == (
        {"violet", "blue"} if name == "page_a" else {"red", "blue"}
    )


@pytest.mark.unit
def test_stamps_lie_over_typed_lines(page_a: SyntheticPage) -> None:
    """The test is meaningful: each stamp covers typed words, and is found all the same."""
    from ocr.detect.regions import intersection

    for truth in _stamps(page_a):
        assert sum(intersection(truth.box, w.box) > 0 for w in page_a.words) >= 3


@pytest.mark.unit
@pytest.mark.parametrize("name", ["page_a", "page_b"])
def test_grayscale_stamps_found_by_shape(name: str, request: pytest.FixtureRequest) -> None:
    page = request.getfixturevalue(name)
    for words in ("page", None):  # with OCR words, and before any OCR
        found = _detect(page, gray=True, words=words)
        for truth in _stamps(page):
            assert _best(truth, found, ["stamp"]) >= 0.5, (truth, words)
        assert all(r.source in ("rectangle", "ellipse") for r in found if r.type == "stamp")


@pytest.mark.unit
def test_shape_stamps_at_150_dpi(page_a: SyntheticPage) -> None:
    from ocr.detect import detect_page, iou

    half = cv2.resize(page_a.gray(), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    pre = _prepare(half)
    found = detect_page(pre.view_image, pre.ocr_image, None, None, dpi=150)
    for truth in _stamps(page_a):
        b = truth.box
        small = Box(b.left // 2, b.top // 2, b.width // 2, b.height // 2)
        assert max(iou(small, r.box) for r in found if r.type == "stamp") >= 0.5


@pytest.mark.unit
def test_stamp_crop_keeps_only_stamp_ink(page_a: SyntheticPage) -> None:
    from ocr.detect import remove_and_crop_stamp

    pre = _prepare(page_a.image)
    violet = next(r for r in _detect(page_a) if r.type == "stamp" and r.colour == "violet")
    crop = remove_and_crop_stamp(pre.view_image, violet)
    assert crop.ndim == 2 and set(np.unique(crop)) <= {0, 255}
    ink = float((crop == 0).mean())
    assert 0.02 < ink < 0.3  # frame and lettering, not the typed lines under the stamp
    # The same crop of the OCR image (typing, no stamp) would be mostly typed text: no overlap.
    gray = remove_and_crop_stamp(pre.view_image, violet, words=page_a.words)
    assert gray.shape[0] > 0


# --- handwriting ---------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize("name", ["page_a", "page_b"])
@pytest.mark.parametrize("gray", [False, True])
def test_signature_and_number_found(name: str, gray: bool, request: pytest.FixtureRequest) -> None:
    page = request.getfixturevalue(name)
    found = _detect(page, gray=gray)
    for truth in page.truth:
        if truth.type == "signature":
            assert _best(truth, found, ["signature"]) >= 0.5
        if truth.type == "handwriting":
            assert _best(truth, found, ["handwriting", "signature"]) >= 0.5
    assert not [r for r in found if r.type == "unrecognised_ink"]


@pytest.mark.unit
@pytest.mark.parametrize("seed", [6, 9, 13])
def test_number_read_confidently_is_still_handwriting(seed: int) -> None:
    """A black handwritten number about 1.6 typed lines high in the top margin, read by the OCR
    with confidence 83 (as tesseract read "7101" on a held-out page): its word does not vouch for
    it as typing, and it is a handwriting region. No typed word of the page is taken for a pen's
    and nothing else is found. (Before the pen test, the typed-looking digits of such a word
    were typing and the rest too short for a pen's stroke: none of these three was found.)"""
    from ocr.detect import detect_page
    from ocr.detect.handwriting import ink_pieces
    from ocr.detect.ink import ink_mask, text_metrics
    from ocr.detect.regions import intersection

    page = synthetic_page(seed, stamps=(), hands=(("number", "black"),), number_rows=62)
    (number,) = [t for t in page.truth if t.type == "handwriting"]
    read = Word(20, 1, 1, 1, number.box, 83.0, "7101")
    words = [*page.words, read]
    pre = _prepare(page.gray())
    pieces = ink_pieces(ink_mask(pre.ocr_image), words, metrics=text_metrics(words))
    assert [p.text for p in pieces.pens] == ["7101"]
    found = detect_page(pre.view_image, pre.ocr_image, pre.colour_ink_mask, words)
    assert [r.type for r in found] == ["handwriting"]
    assert intersection(found[0].box, number.box) >= 0.8 * number.box.width * number.box.height
    assert "written by pen" in found[0].reason


@pytest.mark.unit
def test_pen_model_wants_both_heights() -> None:
    """The shipped model: a word of typing height is typing; one whose pieces and loose pieces
    both stand twice as tall is a pen's; a typed letter glued to a comma of the line above (a
    tall loose piece among pieces of typing height) and a short word with one tall letter are
    typing; width and layout are not weighed."""
    from ocr.detect.vouching import WordInk, pen_model

    model = pen_model()

    def pen(height: float, loose: float, *, lined: float = 0.0, width: float = 1.0) -> bool:
        ink = WordInk(height=height, loose=loose, lined=lined, width=width)
        return model.probability(ink) >= model.threshold

    assert not pen(1.0, 1.0) and pen(2.0, 2.0)
    assert not pen(1.0, 1.6) and not pen(1.6, 1.0)
    assert not pen(1.0, 1.0, width=3.0) and pen(2.0, 2.0, lined=1.0)


@pytest.mark.unit
def test_signature_rule_needs_position() -> None:
    """The same wide cursive stroke is a signature after the typing and handwriting above it."""
    from ocr.detect.handwriting import classify_cluster
    from ocr.detect.ink import Blob, TextMetrics

    rng = np.random.default_rng(5)
    patch = Signature(0, 0, width=480, height=130, pen_px=5.0).render(rng=rng)
    stroke = (patch.alpha > 0.1).astype(np.uint8)
    metrics = TextMetrics(36.0, 30.0, 1.0)
    late = classify_cluster(
        Blob(stroke, 2500, 1400), metrics=metrics, text_rows=(400, 2400), page_rows=3508
    )
    early = classify_cluster(
        Blob(stroke, 100, 1400), metrics=metrics, text_rows=(400, 2400), page_rows=3508
    )
    assert late is not None and late.type == "signature"
    assert early is not None and early.type == "handwriting"


# --- no false positives --------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize("gray", [False, True])
@pytest.mark.parametrize("words", ["page", None])
def test_clean_typed_page_has_no_image_flags(clean_page: SyntheticPage, gray: bool, words) -> None:
    assert _detect(clean_page, gray=gray, words=words) == []


@pytest.mark.unit
def test_blank_and_tiny_pages() -> None:
    from ocr.detect import detect_page

    blank = np.full((3508, 2480), 255, np.uint8)
    assert detect_page(blank, blank, None, []) == []
    tiny = np.full((40, 30, 3), 230, np.uint8)
    assert detect_page(tiny, np.full((40, 30), 255, np.uint8), None, None) == []


# --- unrecognised ink ----------------------------------------------------------------------------


@pytest.mark.unit
def test_unread_line_is_unrecognised_ink(clean_page: SyntheticPage) -> None:
    """Drop one typed line from the words, as if tesseract missed it: its ink gets flagged."""
    missing = [w for w in clean_page.words if w.line == 5]
    words = [w for w in clean_page.words if w.line != 5]
    found = _detect(clean_page, words=words)
    assert {r.type for r in found} == {"unrecognised_ink"}
    line = missing[0].box
    for w in missing[1:]:
        line = line.union(w.box)
    covered = sum(r.box.width for r in found)
    assert all(r.box.top >= line.top - 15 and r.box.bottom <= line.bottom + 15 for r in found)
    assert covered >= 0.8 * line.width


@pytest.mark.unit
def test_low_confidence_words_vouch_only_for_typing(clean_page: SyntheticPage) -> None:
    """A typed line read with low confidence is not unrecognised ink (the pipeline flags its words);
    a blot under a low-confidence garbage word is."""
    from dataclasses import replace

    from ocr.detect import detect_page

    words = [replace(w, conf=20.0) if w.line == 5 else w for w in clean_page.words]
    pre = _prepare(clean_page.image)
    assert detect_page(pre.view_image, pre.ocr_image, pre.colour_ink_mask, words) == []
    blotted = pre.ocr_image.copy()
    cv2.ellipse(blotted, (1250, 2200), (90, 45), 20, 0, 360, 0, -1)
    garbage = Word(9, 1, 1, 1, Box(1150, 2150, 200, 100), 12.0, "@#")
    found = detect_page(
        pre.view_image,
        blotted,
        pre.colour_ink_mask,
        [*words, garbage],
        detectors=("unrecognised_ink",),
    )
    assert [r.type for r in found] == ["unrecognised_ink"]
    assert found[0].box.left <= 1180 and found[0].box.right >= 1320


# --- de-duplication ------------------------------------------------------------------------------


def _region(kind: str, box: Box, *, score: float = 0.6, colour: str = ""):
    from ocr.detect import Region
    from ocr.detect.regions import box_polygon

    return Region(kind, box, box_polygon(box), score=score, reason="test", colour=colour)


@pytest.mark.unit
def test_resolve_merges_and_drops() -> None:
    from ocr.detect import resolve

    stamp = _region("stamp", Box(100, 100, 400, 300), score=0.9, colour="violet")
    shape = _region("stamp", Box(110, 90, 400, 310), score=0.7)
    ink_in_stamp = _region("unrecognised_ink", Box(150, 150, 100, 50))
    hand_in_stamp = _region("handwriting", Box(300, 200, 80, 60))
    blue_number = _region("handwriting", Box(200, 150, 80, 60), colour="blue")
    far = _region("unrecognised_ink", Box(1000, 1000, 100, 50))
    out = resolve([ink_in_stamp, hand_in_stamp, shape, stamp, blue_number, far])
    assert [r.type for r in out] == ["stamp", "handwriting", "handwriting", "unrecognised_ink"]
    assert out[0].box == Box(100, 90, 410, 310) and out[0].colour == "violet"
    # Other ink than the stamp's is a find of its own: a blue number, and black pen strokes
    # (the violet stamp's ink is gone from the OCR image, so black ink there is not the stamp's).
    assert {r.colour for r in out[1:3]} == {"blue", ""}
    assert out[3].box == far.box
    # In a black stamp (found by its shape), black strokes are the stamp's own lettering.
    black = _region("stamp", Box(100, 100, 400, 300), score=0.9)
    assert [r.type for r in resolve([black, hand_in_stamp, blue_number])] == [
        "stamp",
        "handwriting",
    ]


@pytest.mark.unit
def test_region_as_flag() -> None:
    region = _region("stamp", Box(1, 2, 30, 40), score=0.8, colour="red")
    flag = region_flag(region, page_number=3)
    assert (flag.type, flag.page_number, flag.severity, flag.category) == ("stamp", 3, 0.8, "")
    assert flag.region is not None and flag.region.colour == "red"  # an attribute, not a kind
    assert flag.as_json()["polygon"] == [[1, 2], [31, 2], [31, 42], [1, 42]]
    assert region.as_json()["colour"] == "red"


# --- text-quality flags --------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("token", "garbage"),
    [
        ("посольства", False),
        ("СССР", False),
        ("КНДР", False),
        ("Пхеньян,", False),
        ("0404с", False),
        ("т.е.", False),
        ("....", False),
        ("----", False),
        ("№", False),
        ("1955", False),
        ("Пxеньян", True),  # Latin x among Cyrillic letters
        ("Mоsсow", True),  # Cyrillic о and с among Latin letters
        ("вкпбрст", True),  # seven letters, no vowel
        ("шщзхц", True),
        ("ВКПБСТР", True),  # too long for an abbreviation without vowels
        ("слово.,;", True),
        ("|;:", True),
        ("¥", True),
        ("|", True),
        ("~\\", True),
    ],
)
def test_garbage_rules(token: str, garbage: bool) -> None:
    from ocr.detect import is_garbage

    assert is_garbage(token) is garbage


def _word(text: str, line: int, n: int, *, left: int, top: int = 100, conf: float = 90.0) -> Word:
    return Word(1, 1, line, n, Box(left, top + 80 * line, 30 * len(text), 36), conf, text)


@pytest.mark.unit
def test_garbage_flags_group_runs_per_line() -> None:
    from ocr.detect import garbage_flags

    words = [
        _word("Принял", 1, 1, left=100),
        _word("|;:", 1, 2, left=300),
        _word("¥", 1, 3, left=420),
        _word("тов.", 1, 4, left=480),
        _word("вкпбрст", 2, 1, left=100),
    ]
    flags = garbage_flags(words)
    assert [f.text for f in flags] == ["|;: ¥", "вкпбрст"]
    assert flags[0].box == Box(300, 180, 450 - 300, 36)  # from "|;:" to the end of "¥"
    assert "punctuation" in flags[0].reason and "no vowel" in flags[1].reason


@pytest.mark.unit
def test_short_line_flag(clean_page: SyntheticPage) -> None:
    from ocr.detect import short_line_flags

    pre = _prepare(clean_page.image)
    assert short_line_flags(list(clean_page.words), pre.ocr_image) == []
    # Tesseract read only the first two words of line 4 (all its ink is still there).
    truncated = [w for w in clean_page.words if w.line != 4 or w.word <= 2]
    flags = short_line_flags(truncated, pre.ocr_image)
    assert len(flags) == 1 and flags[0].type == "short_line"
    line = [w.box for w in clean_page.words if w.line == 4]
    assert (
        flags[0].box.right >= line[-1].right - 30 and flags[0].box.left <= line[0].left + 5
    )  # a comma ends it


def _spaced_heading(letters: int, *, step: int) -> np.ndarray:
    """A white page with one line of ``letters`` glyph-sized blots, one every ``step`` px."""
    image = np.full((400, 2000), 255, np.uint8)
    for k in range(letters):
        left = 200 + k * step
        cv2.rectangle(image, (left, 150), (left + 20, 180), 0, thickness=4)
    return image


@pytest.mark.unit
@pytest.mark.parametrize(("text", "flagged"), [("ХАРАКТЕРИСТИКА", False), ("ХАР", True)])
def test_short_line_counts_glyphs_not_width(text: str, flagged: bool) -> None:
    """Letter-spaced typing ("Х А Р А К Т Е Р И С Т И К А") is twice as wide as the letters read
    from it, but has no glyph more: no short line. The same ink read as three letters is one."""
    from ocr.detect import short_line_flags
    from ocr.detect.ink import TextMetrics

    image = _spaced_heading(14, step=60)
    word = Word(1, 1, 1, 1, Box(200, 146, 14 * 60 - 36, 40), 90.0, text)
    flags = short_line_flags([word], image, metrics=TextMetrics(38.0, 30.0, 1.0))
    assert bool(flags) is flagged, [f.reason for f in flags]


@pytest.mark.unit
@pytest.mark.parametrize(("text", "flagged"), [("ПППППППППП", False), ("ППП", True)])
def test_a_spaced_heading_over_a_close_line_is_no_short_line(text: str, flagged: bool) -> None:
    """Letter-spaced capitals ("П" whose stems stand apart) set close above a line of text, the
    word's box reaching into that line's tops (a fresh clean page's "И Н Ф О Р М А Ц И Я"):
    its glyphs are counted on the heading's own rows, a letter's strokes as one glyph; still no
    short line. The same ink read as three letters is one."""
    from ocr.detect import short_line_flags
    from ocr.detect.ink import TextMetrics

    image = np.full((400, 2000), 255, np.uint8)
    for k in range(10):  # "П": two stems 14 px apart under a bar, one letter every 60 px
        left = 200 + k * 60
        image[150:185, left : left + 22] = 0
        image[156:185, left + 4 : left + 18] = 255
    image[192:222, 190:800] = 0  # the next line, dense, 7 px below
    image[192:222, 190:800:9] = 255
    word = Word(1, 1, 1, 1, Box(198, 148, 10 * 60 - 36, 60), 90.0, text)
    flags = short_line_flags([word], image, metrics=TextMetrics(38.0, 30.0, 1.0))
    assert bool(flags) is flagged, [f.reason for f in flags]


@pytest.mark.unit
def test_touching_typed_words_are_no_stamp_frame() -> None:
    """Words whose letters touch (italic or bold typing) are long pieces of ink as tall as a
    typed line; three lines of them make no stamp frame, while a drawn frame with such words
    inside it still is one."""
    from ocr.detect.ink import TextMetrics
    from ocr.detect.stamps import shape_stamps

    metrics = TextMetrics(38.0, 30.0, 1.0)
    image = np.zeros((900, 1400), np.uint8)
    for row in range(3):
        for left in (100, 420, 700):  # words of 8 touching letters, lines 50 px apart
            top = 200 + 50 * row
            for k in range(8):
                x = left + 30 * k
                cv2.rectangle(image, (x, top), (x + 30, top + 30), 1, thickness=4)
    assert shape_stamps(image, metrics=metrics) == []
    cv2.rectangle(image, (80, 600), (560, 860), 1, thickness=6)  # a frame around two words
    for left in (120, 360):
        for k in range(6):
            x = left + 30 * k
            cv2.rectangle(image, (x, 700), (x + 30, 730), 1, thickness=5)
    found = shape_stamps(image, metrics=metrics)
    assert found and all(r.box.top >= 590 and r.box.left <= 90 for r in found), found


# --- reference markers ---------------------------------------------------------------------------


@pytest.mark.unit
def test_reference_markers() -> None:
    from ocr.detect import reference_markers

    text = (
        "Посол СССР в КНДР [подпись] В. Иванов\n"
        "получено [неразборчиво] и [нрзб.]; see (illegible) text, (significant) is no marker\n"
        "Stamp: MAR 14 1939\n"
        "  Штамп: МИД СССР Вх. № 0404с\n"
        "[signature] [штамп] <stamp> [handwritten: 25]\n"
    )
    found = reference_markers(text)
    assert [(m.kind, text[m.start : m.end]) for m in found] == [
        ("signature", "[подпись]"),
        ("illegible", "[неразборчиво]"),
        ("illegible", "[нрзб.]"),
        ("illegible", "(illegible)"),
        ("stamp", "Stamp: MAR 14 1939"),
        ("stamp", "Штамп: МИД СССР Вх. № 0404с"),
        ("signature", "[signature]"),
        ("stamp", "[штамп]"),
        ("stamp", "<stamp>"),
        ("handwriting", "[handwritten: 25]"),
    ]
    assert all(m.type == "reference_marker" and m.text == text[m.start : m.end] for m in found)
    assert found[0].expects == ("signature", "handwriting")
    region = found[0].to_region(Box(10, 20, 30, 40))
    first = found[0]
    assert region.type == "reference_marker"
    assert region.detail == MarkerFigures(first.kind, first.start, first.end)


@pytest.mark.unit
def test_no_markers_in_plain_text() -> None:
    from ocr.detect import reference_markers

    assert reference_markers("Беседа продолжалась (около часа) и прошла [см. приложение].") == []


# --- with tesseract ------------------------------------------------------------------------------

EHRI = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "realdata"
    / "ehri-typewritten-diplomatic"
    / "english"
)
needs_tesseract = pytest.mark.skipif(
    __import__("shutil").which("tesseract") is None, reason="tesseract is not installed"
)


def _tesseract_words(
    ocr_image: np.ndarray, tmp_path: Path, *, languages: str = "rus"
) -> list[Word]:
    from ocr.tesseract import read_words, run_ocr

    path = tmp_path / "page.png"
    cv2.imwrite(str(path), ocr_image)
    out = run_ocr(
        path,
        tmp_path / "page",
        languages=languages,
        psm=3,
        oem=1,
        dpi=300,
        timeout=300,
        formats=["tsv"],
    )
    return read_words(out.tsv)


@pytest.mark.integration
@needs_tesseract
@pytest.mark.parametrize("gray", [False, True])
def test_detect_page_with_tesseract_words(
    page_a: SyntheticPage, clean_page: SyntheticPage, gray: bool, tmp_path: Path
) -> None:
    from ocr.detect import detect_page

    pre = _prepare(page_a.gray() if gray else page_a.image)
    found = detect_page(
        pre.view_image,
        pre.ocr_image,
        pre.colour_ink_mask,
        _tesseract_words(pre.ocr_image, tmp_path),
    )
    for truth in page_a.truth:
        kinds = ["stamp"] if truth.type == "stamp" else ["signature", "handwriting"]
        assert _best(truth, found, kinds) >= 0.5, truth
    pre = _prepare(clean_page.gray() if gray else clean_page.image)
    words = _tesseract_words(pre.ocr_image, tmp_path)
    assert detect_page(pre.view_image, pre.ocr_image, pre.colour_ink_mask, words) == []


@pytest.mark.integration
@needs_tesseract
def test_read_stamp_text(page_a: SyntheticPage) -> None:
    from ocr.detect import read_stamp_text

    pre = _prepare(page_a.image)
    violet = next(r for r in _detect(page_a) if r.type == "stamp" and r.colour == "violet")
    text = read_stamp_text(pre.view_image, violet, languages="rus").upper()
    # Tolerant (the lettering is patchy on purpose): most of the stamp's first word, or its year;
    # none of the typed lines under the stamp comes that near the word (at most 50).
    assert max(fuzz.partial_ratio("ВХОДЯЩИЙ", line.upper()) for line in TYPED_LINES) <= 50
    assert fuzz.partial_ratio("ВХОДЯЩИЙ", text) >= 60 or "1956" in text, text


@pytest.mark.integration
@needs_tesseract
@pytest.mark.skipif(not EHRI.is_dir(), reason="EHRI real data not present")
@pytest.mark.parametrize(
    "stem", sorted(p.stem for p in EHRI.glob("*.jpg")) if EHRI.is_dir() else []
)
def test_ehri_non_typed_ink_is_flagged(stem: str) -> None:
    """Real pages: ink outside the ALTO typed lines is mostly flagged, typed lines hardly ever
    (loose bounds; bench/bench_detect.py prints the figures)."""
    from bench.bench_detect import ehri_coverage

    cover = ehri_coverage(EHRI / f"{stem}.jpg")
    if stem.endswith("US_02"):  # the clean continuation page
        assert sum(cover.flags.values()) <= 1
        return
    assert cover.recall >= 0.35 and cover.adjusted_recall >= 0.6
    assert cover.on_lines <= 0.05
    assert cover.flags.get("stamp", 0) >= 1 and cover.flags.get("handwriting", 0) >= 1


# --- generator pages: numbers written into stamps, worn frames -----------------------------------


def _generated(index: int, seed: int = 7):
    """Page ``index`` (1-based) of an `ocr synth` set: (image as the pipeline reads it, regions)."""
    from ocr_synth.generate import generate_page, plan_set

    plan = plan_set(pages=index, seed=seed)[index - 1]
    page = generate_page(plan).page
    image = page.image if page.image.ndim == 2 else cv2.cvtColor(page.image, cv2.COLOR_RGB2BGR)
    return plan, image, list(page.regions)


@pytest.mark.integration
@needs_tesseract
@pytest.mark.parametrize("index", [58, 59])
def test_bilevel_worn_stamps_and_written_in_numbers(index: int, tmp_path: Path) -> None:
    """Bilevel scans: a registry stamp whose frame is worn into dashes with a number written into
    its blank field (same black on a bilevel scan), and a worn word stamp ("К ДОКЛАДУ") once
    taken for handwriting: each stamp is found as a stamp and the number as handwriting."""
    from ocr.detect import detect_page, iou

    plan, image, regions = _generated(index)
    assert plan.variant == "bilevel" and plan.marked
    pre = _prepare(image)
    found = detect_page(
        pre.view_image,
        pre.ocr_image,
        pre.colour_ink_mask,
        _tesseract_words(pre.ocr_image, tmp_path),
    )
    stamps = [r for r in regions if r.type == "stamp"]
    assert stamps
    for truth in stamps:
        assert max(iou(truth.box, r.box) for r in found if r.type == "stamp") >= 0.5, truth
    written = [
        r
        for r in regions
        if r.type == "handwriting"
        and any(
            s.box.left <= r.box.left
            and r.box.right <= s.box.right
            and s.box.top <= r.box.top
            and r.box.bottom <= s.box.bottom
            for s in stamps
        )
    ]
    if index == 58:
        assert written
    for truth in written:
        assert max(iou(truth.box, r.box) for r in found if r.type == "handwriting") >= 0.5, truth


@pytest.mark.unit
def test_numbers_in_stamps_only_in_lettered_registry_stamps() -> None:
    """A written-in number is looked for in wide, several-line stamps only: not in a seal or a
    one-word stamp, whose big letters would pass for it; and a row of ink that carries on outside
    the stamp is a typed line under it, not a number."""
    from ocr.detect.handwriting import handwriting_in_stamps
    from ocr.detect.ink import TextMetrics
    from ocr.detect.regions import STAMP, Region, box_polygon

    metrics = TextMetrics(glyph_rows=30.0, char_cols=24.0, scale=1.0)
    ink = np.zeros((900, 1600), dtype=np.uint8)
    stamp_box = Box(400, 200, 700, 350)
    cv2.rectangle(ink, (400, 200), (1099, 549), 1, 4)
    for row in (250, 300, 450, 500):  # four rows of small lettering
        for col in range(520, 980, 30):
            cv2.rectangle(ink, (col, row), (col + 16, row + 22), 1, 3)
    for col in (600, 660, 720, 780):  # a number written twice as tall on the blank row
        cv2.line(ink, (col, 400), (col + 15, 355), 1, 4)
        cv2.line(ink, (col + 15, 355), (col + 35, 400), 1, 4)
    stamp = Region(STAMP, stamp_box, box_polygon(stamp_box), score=0.9, reason="test")
    found = handwriting_in_stamps(ink, [stamp], metrics=metrics)
    assert len(found) == 1 and found[0].box.left <= 600 and found[0].box.right >= 810
    assert found[0].in_stamp
    seal_box = Box(400, 200, 360, 350)
    seal = Region(STAMP, seal_box, box_polygon(seal_box), score=0.9, reason="test")
    assert handwriting_in_stamps(ink, [seal], metrics=metrics) == []
    # The row carries on left of the stamp: a typed line runs through it. Digits written over
    # it (pieces of one height, thin strokes) are still a number ...
    ink[355:400, 100:400] = 1
    assert len(handwriting_in_stamps(ink, [stamp], metrics=metrics)) == 1
    # ... but typed letters smudged into one run with the stamp's lettering are not.
    cv2.rectangle(ink, (590, 355), (830, 400), 1, 4)
    assert handwriting_in_stamps(ink, [stamp], metrics=metrics) == []


def _close_typing(*, lines: int = 5) -> tuple[np.ndarray, list[Word]]:
    """Typed lines set close (glyphs 30 px tall, lines 44 px apart) as hollow letters, with the
    words over them read confidently."""
    ink = np.zeros((60 + 44 * lines, 1100), np.uint8)
    words = []
    for line in range(lines):
        top = 30 + 44 * line
        for k in range(40):
            if k % 7 == 6:
                continue  # a space between words
            left = 40 + 25 * k
            cv2.rectangle(ink, (left, top), (left + 17, top + 29), 1, 4)
        for n, start in enumerate(range(0, 40, 7)):
            box = Box(40 + 25 * start, top, 25 * 6 - 8, 30)
            words.append(Word(1, 1, line + 1, n + 1, box, 93.0, "слово"))
    return ink, words


def test_a_descender_touching_the_letter_below_is_typing() -> None:
    """Lines set close: a descender of one line touches the letter under it (fresh cmu
    typewriter pages had three such pieces taken for a pen's 1.8x strokes). The joined piece is
    typing, so neither handwriting nor unread ink; a pen's stroke over the same two lines in the
    margin stays a pen's."""
    hw = importlib.import_module("ocr.detect.handwriting")
    from ocr.detect.ink import TextMetrics
    from ocr.detect.unrecognised import unrecognised_ink

    ink, words = _close_typing()
    left = 40 + 25 * 10  # the 11th letter of line 2 reaches down to the one under it in line 3
    cv2.line(ink, (left + 8, 30 + 44 + 29), (left + 8, 30 + 88), 1, 4)
    metrics = TextMetrics(30.0, 25.0, 1.0)
    pieces = hw.ink_pieces(ink, words, metrics=metrics)
    assert pieces.typed[30 + 44 + 36, left + 8] == 1  # the joint itself
    assert not hw.handwriting(ink, words, metrics=metrics, pieces=pieces)
    assert not unrecognised_ink(pieces.without_dust(), words, metrics=metrics, typed=pieces.typed)

    pen = ink.copy()
    cv2.line(pen, (12, 40 + 44), (20, 40 + 44 + 70), 1, 4)  # a pen's stroke by the margin
    pen_pieces = hw.ink_pieces(pen, words, metrics=metrics)
    assert pen_pieces.typed[40 + 44 + 35, 16] == 0


def test_three_letters_of_three_lines_touching_are_typing() -> None:
    """A descender touches the letter below it, whose own descender touches the line under that
    (fresh clean pages set close: "р" over "у" over "П", a 2.9x "stroke" taken for a pen's). The
    piece is two touching pairs sharing the middle letter: typing. A pen's stroke as tall over
    the same three lines by the margin, and a pen's loop as tall inside the text, stay a pen's."""
    hw = importlib.import_module("ocr.detect.handwriting")
    from ocr.detect.ink import TextMetrics

    ink, words = _close_typing()
    left = 40 + 25 * 10  # the 11th letter of line 2 reaches the one under it, and that the next
    for line in (1, 2):
        top = 30 + 44 * line
        cv2.line(ink, (left + 8, top + 29), (left + 8, top + 44), 1, 4)
    metrics = TextMetrics(30.0, 25.0, 1.0)
    pieces = hw.ink_pieces(ink, words, metrics=metrics)
    assert pieces.typed[30 + 44 + 36, left + 8] == 1  # the upper joint
    assert pieces.typed[30 + 88 + 36, left + 8] == 1  # the lower joint
    assert not hw.handwriting(ink, words, metrics=metrics, pieces=pieces)

    pen = ink.copy()
    cv2.line(pen, (12, 40 + 44), (20, 40 + 44 + 100), 1, 4)  # by the margin, three lines tall
    pen_pieces = hw.ink_pieces(pen, words, metrics=metrics)
    assert pen_pieces.typed[40 + 44 + 50, 16] == 0
    loop = ink.copy()  # a pen's loop over three lines, wider than a letter at its ends
    cv2.ellipse(loop, (40 + 25 * 24 + 8, 30 + 44 + 66), (45, 62), 0, 0, 360, 1, 3)
    loop_pieces = hw.ink_pieces(loop, words, metrics=metrics)
    assert loop_pieces.typed[30 + 44 + 66, 40 + 25 * 24 + 8 + 45] == 0
