"""Handwriting, signatures and marginal notes: ink whose pieces do not look like typed glyphs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.detect.ink import (
    GOOD_WORD_CONF,
    Blob,
    Components,
    TextMetrics,
    blobs,
    components,
    good_words,
    look_up,
    strip_rules,
    stroke_widths,
    word_mask,
)
from ocr.detect.regions import (
    HANDWRITING,
    SIGNATURE,
    STAMP,
    InStampFigures,
    Region,
    StrokeFigures,
    intersection,
    points_polygon,
)
from ocr.detect.vouching import (
    PAD,
    VOUCH_SHARE,
    PenWord,
    pen_model,
    typed_width,
    word_ink,
    word_pieces,
)
from ocr.records import Box
from ocr.tesseract import Word

# Sizes relative to the page's typed word height H (ascender to descender, ~36 px at 300 dpi)
# and character advance C. A typed glyph is at most ~1.3 H tall and, with its neighbours
# smudged into it, ~3.5 C wide; pen strokes are taller, longer and vary in width.
GLYPH_MAX_ROWS = 1.3
GLYPH_MAX_COLS = 3.5
SPECK_PX = 20  # at 300 dpi: dust and full stops
GROUP_ROWS = 1.0  # closing that joins the strokes of a handwritten word, number or signature
GROUP_COLS = 1.5
MIN_CLUSTER_PX = 150  # at 300 dpi: a handwritten digit has ~400 px of ink
MIN_CLUSTER_SIDE = 0.8  # H
TALL = 1.6  # a piece taller than this many H is no typed glyph
LONG = 2.5  # a connected piece longer than this many H is a cursive stroke (or a rule)
RULE_THICKNESS = 0.3  # H: a straight piece thinner than this is a typed or drawn rule
RULE_LENGTH = 4.0  # H: straight runs this long are rules (underlines), never pen strokes
STROKE_CV = 0.45  # stroke-width variation of a pen (typewriter strokes are even)
CV_MIN_INK = 0.45  # H^2 (600 px at 300 dpi), and CV_MIN_EXTENT H across: below, variation is noise
CV_MIN_EXTENT = 2.0
DENSE = 0.3  # ink share of a large cluster's box: a seal, a blot or a heavy stamp, not writing
DENSE_MIN_SIDE = 4.0  # H (0.5 in): a thick-penned number is dense too, but smaller
# Signature: wide, with a long connected cursive stroke, at or after the end of the typing.
SIGNATURE_ASPECT = 2.0
SIGNATURE_COLS = 5.0  # H
SIGNATURE_STROKE = 0.35  # of the cluster width
SIGNATURE_AFTER = 0.75  # below this share of the typed lines, or in the bottom third of the page
IN_STAMP_COVER = 0.8  # share of a cluster's box inside a coloured stamp's box to count as in it
# A number written into a coloured stamp in black: at least two digits wide and about a line
# high (H); smaller black bits there are what colour removal left of the stamp's own ink, and
# taller ones the remains of its ring or frame.
IN_STAMP_NUMBER_COLS = 1.5
IN_STAMP_NUMBER_ROWS = 0.9
IN_STAMP_NUMBER_MAX_ROWS = 2.0
# A typed descender touching the letter below makes one piece up to two glyphs high; cut at its
# thinnest row, it leaves two glyph-sized parts on two typed lines (a pen's stroke across two
# lines of typing is wider or taller, and one by the margin has typing on one side only).
TOUCHING_MAX_ROWS = 2 * GLYPH_MAX_ROWS
TOUCHING_MAX_COLS = 1.5  # characters: one letter, smudged (a pen's circle or tick is wider)
TOUCHING_SLANT_COLS = 2.5  # characters: both letters, offset by the slant of italic typing
TOUCHING_WITHIN_ROWS = 0.9  # share of an end's rows with typing on both sides: inside the line
TOUCHING_REACH = 2.0  # characters either side
TOUCHING_TYPED_ROWS = 0.5  # share of rows with typed glyphs beside them that makes a typed line
TOUCHING_PART_COLS = 0.5  # characters: each of two touching letters is at least this wide
TOUCHING_PAIR_COLS = 4.0  # characters: the widest piece ink_pieces tries as a touching pair
# Three lines set close: a descender touches a letter whose own descender touches the line below
# ("р" over "у" over "П"). Such a piece is two touching pairs that share the middle letter, so
# it is at most two pairs tall (each pair is judged on its own).
TOUCHING_CHAIN_ROWS = 2 * TOUCHING_MAX_ROWS


@dataclass(frozen=True, eq=False)
class _PenPieces:
    word: PenWord
    labels: np.ndarray


# What each ink pixel is, in InkPieces.kinds: no ink, a typed glyph's, dust's, any other piece's.
PAPER, TYPED, DUST, OTHER = 0, 1, 2, 3


@dataclass(frozen=True, eq=False)
class InkPieces:
    """The page's ink pieces sorted once: typed glyphs and dust (uint8 masks, 1 on the pieces),
    and per pixel which of PAPER, TYPED, DUST or OTHER it is (``kinds``); ``pens``: the
    confidently read words whose ink is a pen's (see :mod:`ocr.detect.vouching`)."""

    typed: np.ndarray
    dust: np.ndarray
    kinds: np.ndarray
    pens: tuple[PenWord, ...] = ()

    def rest(self) -> np.ndarray:
        """uint8 mask of the ink that is neither typing nor dust."""
        return (self.kinds == OTHER).view(np.uint8)

    def without_dust(self) -> np.ndarray:
        """uint8 mask of the ink less its dust (TYPED and OTHER are the odd kinds)."""
        return np.bitwise_and(self.kinds, 1)


def ink_pieces(
    ink: np.ndarray,
    words: Sequence[Word] | None,
    *,
    metrics: TextMetrics,
    min_conf: float = GOOD_WORD_CONF,
) -> InkPieces:
    """Sort the ink's connected pieces: typed glyphs (glyph-sized pieces lined up in text rows,
    pieces inside confident OCR words, unless the word's ink is a pen's: see :func:`_vouched`,
    and two glyphs of consecutive lines touching: see :func:`touching_pair`) and dust (specks)."""
    comps = components(ink)
    stats = comps.stats
    glyph = (stats[:, cv2.CC_STAT_HEIGHT] <= GLYPH_MAX_ROWS * metrics.glyph_rows) & (
        stats[:, cv2.CC_STAT_WIDTH] <= GLYPH_MAX_COLS * metrics.char_cols
    )
    glyph[0] = False
    # Lined-up glyphs are typing even where the OCR skipped the line (tesseract drops lines next
    # to stamps); they are then unrecognised ink, not handwriting.
    typed = _in_text_lines(comps, glyph, metrics=metrics)
    pens: list[_PenPieces] = []
    if words is not None:
        vouched, pens = _vouched(
            comps, glyph, typed, good_words(words, min_conf=min_conf), metrics=metrics
        )
        typed |= vouched
    typed[0] = False
    dust = stats[:, cv2.CC_STAT_AREA] < metrics.px(SPECK_PX) * metrics.scale
    kind = np.full(len(stats), OTHER, dtype=np.uint8)
    kind[dust] = DUST
    kind[typed] = TYPED
    kind[0] = PAPER
    kinds = look_up(kind, comps.labels)  # one look-up a pixel for all three masks
    # Descenders touching the letter below them are typing too (not a pen's tall strokes, nor
    # ink the OCR left unread).
    pen_labels = np.concatenate([p.labels for p in pens]) if pens else np.empty(0, np.int64)
    for piece in _touching_pieces(comps, kinds, metrics=metrics, pen_labels=pen_labels):
        area = kinds[piece.top : piece.top + piece.rows, piece.left : piece.left + piece.cols]
        area[piece.mask > 0] = TYPED
    return InkPieces(
        (kinds == TYPED).view(np.uint8),
        (kinds == DUST).view(np.uint8),
        kinds,
        tuple(p.word for p in pens),
    )


def _vouched(
    comps: Components,
    glyph: np.ndarray,
    lined: np.ndarray,
    sure: Sequence[Word],
    *,
    metrics: TextMetrics,
) -> tuple[np.ndarray, list[_PenPieces]]:
    """Per label: the pieces confident words make typing (glyph-sized ones mostly inside their
    boxes, and smudged letters wholly inside), less those of the words whose ink the pen model
    takes for a pen's (see :func:`_pen_words`); and those words."""
    stats = comps.stats
    inside = word_mask(comps.labels.shape, sure, pad=metrics.px(PAD))
    share = np.bincount(comps.labels[inside > 0], minlength=len(stats)) / np.maximum(
        stats[:, cv2.CC_STAT_AREA], 1
    )
    # Letters smudged together ("ующими") are wide but lie wholly inside their word's box.
    smudged = (share >= 0.9) & (stats[:, cv2.CC_STAT_HEIGHT] <= TALL * metrics.glyph_rows)
    vouched = (glyph & (share >= VOUCH_SHARE)) | smudged
    vouched[0] = False
    pens = _pen_words(comps, sure, lined, vouched, share=share, metrics=metrics)
    for pen in pens:
        vouched[pen.labels] = False
    return vouched, pens


def _pen_words(
    comps: Components,
    sure: Sequence[Word],
    lined: np.ndarray,
    vouched: np.ndarray,
    *,
    share: np.ndarray,
    metrics: TextMetrics,
) -> list[_PenPieces]:
    """The confident words whose vouching would make typing of pieces the layout does not (no
    lined-up typing) and whose ink the pen model takes for a pen's, with their pieces' labels."""
    loose = vouched & ~lined
    if not loose.any():
        return []
    candidate = share >= VOUCH_SHARE  # a word's own ink, lined-up glyphs too, is judged whole
    candidate[0] = False
    found = []
    model, width = pen_model(), 0.0
    for word, labels in word_pieces(comps, sure, candidate, metrics=metrics, loose=loose):
        width = width or typed_width(comps, lined)
        figures = word_ink(comps, labels, loose=loose, lined=lined, metrics=metrics, typed_px=width)
        if figures is None:
            continue
        if (p := model.probability(figures)) >= model.threshold:
            found.append(_PenPieces(PenWord(word.box, word.text, round(p, 3), figures), labels))
    return found


def typed_mask(
    ink: np.ndarray, words: Sequence[Word] | None, *, metrics: TextMetrics
) -> np.ndarray:
    """uint8 mask of the typed glyphs (see :func:`ink_pieces`)."""
    return ink_pieces(ink, words, metrics=metrics).typed


def _in_text_lines(comps: Components, glyph: np.ndarray, *, metrics: TextMetrics) -> np.ndarray:
    """Per label: does the glyph-sized piece have at least four glyph-sized neighbours on its row
    (centres within a third of a line height up or down and six characters either side)? A
    handwritten four-digit number of typing size alone does not; typing ("в КНДР") does.

    Counting centres is robust where a stamp or a scribble touches the line, which would make a
    smeared line blob too tall to pass for typing. The centres (one count per pixel, however
    many pieces share it) are counted in each piece's window (see :func:`_centres_near`), not by
    a box filter over the whole page: the same integers."""
    page_rows, page_cols = int(comps.labels.shape[0]), int(comps.labels.shape[1])
    stats = comps.stats
    rows = np.clip(stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT] // 2, 0, page_rows - 1)
    cols = np.clip(stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH] // 2, 0, page_cols - 1)
    return glyph & (
        _centres_near(rows, cols, glyph, metrics=metrics, shape=comps.labels.shape) >= 5
    )


def _centres_near(
    rows: np.ndarray,
    cols: np.ndarray,
    glyph: np.ndarray,
    *,
    metrics: TextMetrics,
    shape: tuple[int, ...],
) -> np.ndarray:
    """Per piece: the pixels holding a glyph's centre within six characters left or right and a
    third of a line height up or down of its own centre (the window clipped to the page); 0 for
    a piece that is no glyph. Each glyph is paired with the centres in its band of rows (a line
    of typing, a few thousand pairs a page); past PAIR_LIMIT pairs (a page of specks) the
    centres are counted in an integral image instead."""
    reach_cols, reach_rows = round(6 * metrics.char_cols), round(metrics.glyph_rows / 3)
    page_cols = int(shape[1])
    keys = np.unique(rows[glyph].astype(np.int64) * page_cols + cols[glyph])
    centre_rows, centre_cols = np.divmod(keys, page_cols)  # sorted by row
    which = np.flatnonzero(glyph)
    first = np.searchsorted(centre_rows, rows[which] - reach_rows, side="left")
    count = np.searchsorted(centre_rows, rows[which] + reach_rows, side="right") - first
    if int(count.sum()) > PAIR_LIMIT:
        return _centres_near_integral(
            rows, cols, glyph, reach=(reach_rows, reach_cols), shape=shape
        )
    pair_of = np.repeat(np.arange(len(which)), count)
    ends = np.cumsum(count)
    centre = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(first - ends + count, count)
    near = np.abs(centre_cols[centre] - cols[which][pair_of]) <= reach_cols
    out = np.zeros(len(rows), dtype=np.int64)
    out[which] = np.bincount(pair_of[near], minlength=len(which))
    return out


PAIR_LIMIT = 1_000_000


def _centres_near_integral(
    rows: np.ndarray,
    cols: np.ndarray,
    glyph: np.ndarray,
    *,
    reach: tuple[int, int],
    shape: tuple[int, ...],
) -> np.ndarray:
    """:func:`_centres_near` by an integral image of the glyphs' centres (four look-ups a
    piece)."""
    page_rows, page_cols = int(shape[0]), int(shape[1])
    centres = np.zeros((page_rows, page_cols), dtype=np.uint8)
    centres[rows[glyph], cols[glyph]] = 1
    total = cv2.integral(centres, sdepth=cv2.CV_32S)  # (rows + 1) x (cols + 1)
    reach_rows, reach_cols = reach
    top, bottom = np.maximum(rows - reach_rows, 0), np.minimum(rows + reach_rows + 1, page_rows)
    left, right = np.maximum(cols - reach_cols, 0), np.minimum(cols + reach_cols + 1, page_cols)
    counts = total[bottom, right] - total[top, right] - total[bottom, left] + total[top, left]
    return np.where(glyph, counts, 0)


def ink_clusters(mask: np.ndarray, *, metrics: TextMetrics) -> list[Blob]:
    """Group ink pieces into clusters the size of a handwritten word (dust removed beforehand)."""
    return blobs(
        mask,
        rows=round(GROUP_ROWS * metrics.glyph_rows),
        cols=round(GROUP_COLS * metrics.glyph_rows),
    )


def stroke_features(group: Blob, *, metrics: TextMetrics) -> StrokeFigures:
    """Measure a cluster's pieces and strokes."""
    h = metrics.glyph_rows
    comps = components(group.mask)
    stats = comps.stats[1:]
    if len(stats) == 0:
        return StrokeFigures(0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    extent = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    big = int(np.argmax(extent)) + 1
    rows, cols = np.nonzero(comps.labels == big)
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(np.column_stack([cols, rows]).astype(np.float32))
    widths = stroke_widths(group.mask)
    cv = float(widths.std() / widths.mean()) if widths.size > 10 and widths.mean() > 0 else 0.0
    ink = int(group.mask.sum())
    return StrokeFigures(
        ink_px=ink,
        pieces=len(stats),
        tallest=float(stats[:, cv2.CC_STAT_HEIGHT].max()) / h,
        longest=float(extent.max()) / h,
        longest_thickness=float(min(side_a, side_b)) / h,
        stroke_cv=cv,
        density=ink / float(group.rows * group.cols),
        longest_share=float(stats[big - 1, cv2.CC_STAT_WIDTH]) / group.cols,
        extent=max(group.rows, group.cols) / h,
        ink=ink / h**2,
    )


def handwriting_evidence(f: StrokeFigures) -> list[str]:
    """The reasons (possibly none) to take a cluster for handwriting rather than typing or a rule:
    a stroke taller than typing, a long connected stroke that is not a straight rule, and in
    support of either, uneven stroke width."""
    reasons = []
    # A straight thin piece is a rule when it lies down (underline) but a pen stroke when it stands
    # (typed glyphs are never that tall; vertical rules longer than RULE_LENGTH are gone already).
    straight = f.longest_thickness < RULE_THICKNESS
    if f.tallest >= TALL:
        reasons.append(f"a stroke {f.tallest:.1f}x the typed line height")
    if f.longest >= LONG and not straight:
        reasons.append(f"a connected stroke {f.longest:.1f}x the line height long")
    # Uneven width backs the shape evidence up but is not enough alone: smudged, over-inked or
    # worn typing varies as much.
    if reasons and f.stroke_cv >= STROKE_CV and f.ink >= CV_MIN_INK and f.extent >= CV_MIN_EXTENT:
        reasons.append(f"uneven stroke width (variation {f.stroke_cv:.2f})")
    return reasons


def classify_cluster(
    group: Blob,
    *,
    metrics: TextMetrics,
    text_rows: tuple[int, int] | None,
    page_rows: int,
    typed: np.ndarray | None = None,
    in_stamp: str = "",
    pen_word: str = "",
) -> Region | None:
    """A handwriting, signature or dense-ink stamp region for one cluster, or None (typing, dust).

    ``typed`` (the page's typed-glyph mask) lets a black cluster no taller than typing that sits
    on a typed line pass for smudged typing rather than handwriting. ``in_stamp`` names the ink
    of a coloured stamp the cluster lies in: black ink there that is not typing is a pen's (a
    number written in), whatever its size. ``pen_word``: why a confidently read word over the
    cluster is a pen's (see :mod:`ocr.detect.vouching`), taken as evidence of its own."""
    h = metrics.glyph_rows
    if (
        group.mask.sum() < metrics.px(MIN_CLUSTER_PX) * metrics.scale
        or max(group.rows, group.cols) < MIN_CLUSTER_SIDE * h
    ):
        return None
    f = stroke_features(group, metrics=metrics)
    rows, cols = np.nonzero(group.mask)
    box, polygon = points_polygon(np.column_stack([cols + group.left, rows + group.top]))
    detail = f.rounded()
    if f.density >= DENSE and min(group.rows, group.cols) >= DENSE_MIN_SIDE * h:
        return Region(
            STAMP,
            box,
            polygon,
            score=0.5,
            source="dense-ink",
            colour=group.colour,
            reason=f"dense non-typewriter ink ({f.density:.0%} of {box.width}x{box.height} px): "
            "a seal, a heavy stamp or a blot",
            detail=detail,
        )
    if group.colour:
        reasons = [f"{group.colour} pen ink", *handwriting_evidence(f)]
    elif pen_word:
        reasons = [pen_word, *handwriting_evidence(f)]
    elif group.rows <= GLYPH_MAX_ROWS * h and _in_typed_line(group, typed, metrics=metrics):
        return None  # typing-sized ink on a typed line: smudged typing, left to unrecognised ink
    elif not in_stamp and touching_glyphs(group, typed, pieces=f.pieces, metrics=metrics):
        return None  # a typed descender touching the letter below it: typing, not a pen
    elif (
        in_stamp
        and group.cols >= IN_STAMP_NUMBER_COLS * h
        and IN_STAMP_NUMBER_ROWS * h <= group.rows <= IN_STAMP_NUMBER_MAX_ROWS * h
    ):
        reasons = [f"black ink in a {in_stamp} stamp, not typing", *handwriting_evidence(f)]
    else:
        reasons = handwriting_evidence(f)
    if not reasons:
        return None
    kind = (
        SIGNATURE
        if _is_signature(f, box, metrics=metrics, text_rows=text_rows, page_rows=page_rows)
        else HANDWRITING
    )
    return Region(
        kind,
        box,
        polygon,
        score=min(0.95, 0.45 + 0.15 * len(reasons)),
        colour=group.colour,
        source="strokes",
        reason=f"{kind}: " + "; ".join(reasons),
        detail=detail,
    )


def _stamp_around(group: Blob, stamps: Sequence[Region]) -> str:
    """The colour of the coloured stamp whose box holds (nearly all of) the cluster, or ""."""
    for stamp in stamps:
        if (
            stamp.colour
            and intersection(group.box, stamp.box) >= IN_STAMP_COVER * group.rows * group.cols
        ):
            return stamp.colour
    return ""


def _in_typed_line(group: Blob, typed: np.ndarray | None, *, metrics: TextMetrics) -> bool:
    """Do most of the cluster's rows hold typed glyphs within four characters left or right?"""
    if typed is None:
        return False
    reach = round(4 * metrics.char_cols)
    left, right = max(group.left - reach, 0), min(group.left + group.cols + reach, typed.shape[1])
    band = typed[group.top : group.top + group.rows, left:right]
    return band.size > 0 and float(band.any(axis=1).mean()) >= 0.5


def touching_glyphs(
    group: Blob, typed: np.ndarray | None, *, pieces: int, metrics: TextMetrics
) -> bool:
    """Two typed glyphs of consecutive lines joined into one piece (``pieces``: the cluster's
    8-connected pieces, see stroke_features): see :func:`touching_pair`."""
    return typed is not None and pieces == 1 and touching_chain(group, typed, metrics=metrics)


def touching_chain(group: Blob, typed: np.ndarray, *, metrics: TextMetrics) -> bool:
    """Typed glyphs of two or three consecutive lines joined into one piece: a touching pair
    (:func:`touching_pair`), or, up to TOUCHING_CHAIN_ROWS glyph heights, two touching pairs that
    share the middle line's letter. The joints are the thinnest rows of the piece's upper and
    lower halves; the upper pair runs from the top to the last row above the lower joint with
    typing on both sides (the middle letter's body), the lower pair from the first such row
    below the upper joint to the bottom."""
    h = metrics.glyph_rows
    if group.rows <= TOUCHING_MAX_ROWS * h:
        return touching_pair(group, typed, metrics=metrics)
    if group.rows > TOUCHING_CHAIN_ROWS * h:
        return False
    ink_per_row = group.mask.sum(axis=1)
    sixth, half = group.rows // 6, group.rows // 2  # each joint: the middle of its half's rows
    upper = sixth + _thinnest(ink_per_row[sixth:half])
    lower = half + _thinnest(ink_per_row[half : group.rows - sixth])
    left, right = _typed_beside(group, typed, metrics=metrics)
    middle = np.flatnonzero((left & right)[upper:lower]) + upper  # the middle letter's body
    if middle.size == 0:
        return False
    top = _rows_cut(group, 0, int(middle[-1]) + 1)
    bottom = _rows_cut(group, int(middle[0]), group.rows)
    return touching_pair(top, typed, metrics=metrics) and touching_pair(
        bottom, typed, metrics=metrics
    )


def _thinnest(ink_per_row: np.ndarray) -> int:
    """The middle of the rows holding the least ink (a straight joint: the middle of its rows)."""
    thinnest = np.flatnonzero(ink_per_row == ink_per_row.min())
    return int(thinnest[len(thinnest) // 2])


def _rows_cut(group: Blob, start: int, stop: int) -> Blob:
    """The piece's rows ``start`` to ``stop``, cropped to the columns holding their ink."""
    mask = group.mask[start:stop]
    cols = np.flatnonzero(mask.any(axis=0))
    first, last = (int(cols[0]), int(cols[-1]) + 1) if cols.size else (0, mask.shape[1])
    return Blob(mask[:, first:last], group.top + start, group.left + first, group.colour)


def touching_pair(group: Blob, typed: np.ndarray, *, metrics: TextMetrics) -> bool:
    """Two typed glyphs of consecutive lines joined into one piece (a descender touching the
    letter below it): one piece that, cut at its thinnest row, leaves two glyph-sized parts, each
    at least TOUCHING_PART_COLS wide (a letter, not one thin stroke) and on a typed line (typed
    glyphs close beside its top quarter and its bottom quarter), one of them within the line
    (typed glyphs on both sides: a pen's stroke by the margin has typing on one side only). Its
    top and bottom quarters are each no wider than a smudged letter unless that end lies within
    a typed line (italic letters touch their neighbours, bold ones glue into runs of letters),
    and the whole piece is no wider than TOUCHING_SLANT_COLS (on slanted typing the two letters
    sit apart) unless both ends do."""
    h = metrics.glyph_rows
    if not GLYPH_MAX_ROWS * h < group.rows <= TOUCHING_MAX_ROWS * h:
        return False
    ink_per_row = group.mask.sum(axis=1)
    low, high = group.rows // 4, max(group.rows * 3 // 4, group.rows // 4 + 1)
    cut = low + _thinnest(ink_per_row[low:high])
    if max(cut, group.rows - cut) > GLYPH_MAX_ROWS * h:
        return False
    narrower = min(_ink_cols(group.mask[:cut]), _ink_cols(group.mask[cut:]))
    if narrower < TOUCHING_PART_COLS * metrics.char_cols:
        return False  # one thin line over two typed lines is a pen's (or a pencil's) stroke
    quarter = max(group.rows // 4, 1)
    left, right = _typed_beside(group, typed, metrics=metrics)
    ends = (slice(0, quarter), slice(group.rows - quarter, group.rows))
    either = [float((left[q] | right[q]).mean()) for q in ends]
    both = [float((left[q] & right[q]).mean()) for q in ends]
    inside = [b >= TOUCHING_WITHIN_ROWS for b in both]
    wide_ends = [_ink_cols(group.mask[q]) > TOUCHING_MAX_COLS * metrics.char_cols for q in ends]
    if any(wide and not within for wide, within in zip(wide_ends, inside, strict=True)):
        return False  # an end wider than a letter is only typing within a typed line
    if group.cols > TOUCHING_SLANT_COLS * metrics.char_cols and not all(inside):
        return False  # a piece wider than two slanted letters: both ends within typed lines
    return (
        min(either) >= TOUCHING_TYPED_ROWS
        and max(both) >= TOUCHING_TYPED_ROWS
        and float((left | right).mean()) >= TOUCHING_TYPED_ROWS
    )


def _touching_pieces(
    comps: Components, kinds: np.ndarray, *, metrics: TextMetrics, pen_labels: np.ndarray
) -> list[Blob]:
    """The pieces that are neither typing nor dust (in ``kinds``) but typed glyphs of two or
    three consecutive lines touching (:func:`touching_chain`, judged against the typed glyphs), as
    cropped masks. Pieces of a confidently read word that the pen model takes for a pen's
    (``pen_labels``) stay a pen's."""
    h = metrics.glyph_rows
    stats = comps.stats
    height = stats[:, cv2.CC_STAT_HEIGHT]
    tried = (
        (height > GLYPH_MAX_ROWS * h)
        & (height <= TOUCHING_CHAIN_ROWS * h)
        & (stats[:, cv2.CC_STAT_WIDTH] <= TOUCHING_PAIR_COLS * metrics.char_cols)
    )
    tried[0] = False
    tried[pen_labels] = False
    candidates = np.flatnonzero(tried)
    if candidates.size == 0:
        return []
    typed = (kinds == TYPED).view(np.uint8)
    found = []
    for label in candidates:
        left, top, width, rows = (int(v) for v in stats[label, :4])
        mask = (comps.labels[top : top + rows, left : left + width] == label).view(np.uint8)
        if kinds[top : top + rows, left : left + width][mask > 0][0] != OTHER:
            continue  # typing or dust already
        piece = Blob(mask, top, left)
        if touching_chain(piece, typed, metrics=metrics):
            found.append(piece)
    return found


def _ink_cols(mask: np.ndarray) -> int:
    """Columns from the first to the last that hold ink (0 for no ink)."""
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[-1] - cols[0] + 1) if cols.size else 0


def _typed_beside(
    group: Blob, typed: np.ndarray, *, metrics: TextMetrics
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of the cluster: typed glyphs left of it, and right of it, within TOUCHING_REACH
    characters."""
    reach = round(TOUCHING_REACH * metrics.char_cols)
    top, bottom, right = group.top, group.top + group.rows, group.left + group.cols
    before = typed[top:bottom, max(group.left - reach, 0) : group.left]
    after = typed[top:bottom, right : min(right + reach, typed.shape[1])]
    return _rows_with_ink(before, group.rows), _rows_with_ink(after, group.rows)


def _rows_with_ink(band: np.ndarray, rows: int) -> np.ndarray:
    out = np.zeros(rows, dtype=bool)
    if band.shape[1]:
        out[: band.shape[0]] = band.any(axis=1)
    return out


def _is_signature(
    f: StrokeFigures,
    box: Box,
    *,
    metrics: TextMetrics,
    text_rows: tuple[int, int] | None,
    page_rows: int,
) -> bool:
    """Wide, cursive (one long connected stroke), and at or after the end of the typed text."""
    wide = (
        box.width >= SIGNATURE_ASPECT * box.height
        and box.width >= SIGNATURE_COLS * metrics.glyph_rows
    )
    cursive = f.longest_share >= SIGNATURE_STROKE and f.longest >= LONG
    centre = box.top + box.height / 2
    if text_rows is None:
        late = centre >= page_rows * 2 / 3
    else:
        first, last = text_rows
        late = centre >= first + SIGNATURE_AFTER * (last - first) or centre >= page_rows * 2 / 3
    return wide and cursive and late


def typed_rows(typed: np.ndarray) -> tuple[int, int] | None:
    """First and last row holding typed ink, or None on a page without typing."""
    profile = np.flatnonzero(typed.any(axis=1))
    return (int(profile[0]), int(profile[-1])) if profile.size else None


def handwriting(
    ink: np.ndarray,
    words: Sequence[Word] | None,
    *,
    metrics: TextMetrics,
    exclude: np.ndarray | None = None,
    pieces: InkPieces | None = None,
    coloured_stamps: Sequence[Region] = (),
) -> list[Region]:
    """Handwriting, signatures (and dense ink blots) in the black/grey ink of the OCR image.

    Typed glyphs and dust (see :func:`ink_pieces`; pass ``pieces`` if already sorted from this
    very ``ink``), straight rules and pixels under ``exclude`` (stamps found already) are set
    aside; the rest is grouped into word-sized clusters, each judged by
    :func:`classify_cluster`.
    """
    pieces = pieces or ink_pieces(ink, words, metrics=metrics)
    rest = strip_rules(
        pieces.rest(),
        min_length=round(RULE_LENGTH * metrics.glyph_rows),
        max_thickness=max(2, round(RULE_THICKNESS * metrics.glyph_rows)),
    )
    if exclude is not None:
        rest &= 1 - exclude
    span = typed_rows(pieces.typed)
    found = []
    for group in ink_clusters(rest, metrics=metrics):
        region = classify_cluster(
            group,
            metrics=metrics,
            text_rows=span,
            page_rows=ink.shape[0],
            typed=pieces.typed,
            in_stamp=_stamp_around(group, coloured_stamps),
            pen_word=_pen_over(group, pieces.pens),
        )
        if region is not None:
            found.append(region)
    return found


def _pen_over(group: Blob, pens: Sequence[PenWord]) -> str:
    """The reason of the first pen-written word whose box overlaps the cluster's ("": none)."""
    for pen in pens:
        if intersection(pen.box, group.box) > 0:
            return pen.reason()
    return ""


# --- handwriting inside a stamp ------------------------------------------------------------------

# A registry stamp ("Вх. № ___") is a lettered rectangle, wider than tall (a seal is round, a word
# stamp a single line); the clerk's number in its blank field is written larger than the stamp's
# lettering. Sizes relative to the median height of the stamp's own pieces (its lettering).
IN_STAMP_ASPECT = (1.4, 3.0)
IN_STAMP_MIN_ROWS = 5.0  # typed line heights: a registry stamp has several lines of lettering
IN_STAMP_TALL = 1.5  # pieces this much taller than the stamp's lettering are handwritten
IN_STAMP_MAX_SHARE = 0.4  # of the stamp's height: taller pieces are frame or rules
IN_STAMP_INSET = 0.06  # of the stamp's shorter side: its frame
IN_STAMP_MIN_PX = 30  # at 300 dpi: smaller pieces are specks
RULE_MIN_ROWS = (
    2.0  # H: a straight run this long in a stamp is a printed rule (digits and letters are shorter)
)
CROSSING_INK = 0.04  # ink share just outside the stamp on a row: a typed line runs through it
# ... unless the row looks written (see _written_digits): sizes in typed line heights H.
WRITTEN_ROWS = (1.1, 2.5)
CORE_TALLER = 1.5  # a row's core: pieces at most this much taller than its median piece ...
CORE_OFF_LINE = 0.5  # ... whose centres are within this many median heights of the row's
WRITTEN_HEIGHT_CV = 0.1
WRITTEN_MAX_PIECE = 3.5
WRITTEN_MAX_INK = 0.38


def handwriting_in_stamps(
    ink: np.ndarray,
    stamps: Sequence[Region],
    *,
    metrics: TextMetrics,
    typed: np.ndarray | None = None,
    layers: dict[str, np.ndarray] | None = None,
) -> list[Region]:
    """Numbers written into registry stamps: in a black or grey stamp (on a grey or bilevel
    scan every ink is grey), and in a coloured stamp's own colour (``layers``: the page's ink
    masks per colour; a number in another ink there is a pen mark of its own, see
    :func:`classify_cluster`).

    Inside each wide, several-line stamp (frame and rules set aside), pieces clearly taller than
    the stamp's lettering that stand side by side on one row (at least two: a number has digits)
    are a handwritten entry, unless the row's ink carries on outside the stamp (a typed line the
    stamp was pressed over) and the row does not look written (see :func:`_written_digits`). In
    a coloured stamp's own colour every row must look written: its larger lettering is tall too.
    ``typed``: the page's typed glyphs (see :func:`ink_pieces`); a black or grey stamp is
    searched with them and with them set aside (a number may pass for lined-up typing, or touch
    it)."""
    found: list[Region] = []
    for stamp in stamps:
        own = (layers or {}).get(stamp.colour) if stamp.colour else None
        if stamp.colour and own is None:
            continue
        searches = (
            [(own, None)]
            if own is not None
            else [(ink, None)] + ([(ink, typed)] if typed is not None else [])
        )
        for layer, minus in searches:
            for region in _numbers_in(
                layer,
                stamp.box,
                metrics=metrics,
                minus=minus,
                page_ink=ink if own is None else own,
                strict=own is not None,
            ):
                if not any(
                    intersection(region.box, f.box) > 0.5 * min(region.area, f.area) for f in found
                ):
                    found.append(region)
    return found


def _numbers_in(
    ink: np.ndarray,
    box: Box,
    *,
    metrics: TextMetrics,
    page_ink: np.ndarray,
    minus: np.ndarray | None = None,
    strict: bool = False,
) -> list[Region]:
    """Written-in numbers in ``ink`` (less ``minus``) inside the stamp ``box``; ``page_ink`` is
    what the typed-line test looks at, ``strict`` asks every row to look written."""
    h_page = metrics.glyph_rows
    low, high = IN_STAMP_ASPECT
    if (
        not (low * box.height <= box.width <= high * box.height)
        or box.height < IN_STAMP_MIN_ROWS * h_page
    ):
        return []
    t, b, left, right = box.top, box.bottom, box.left, box.right
    crop = ink[t:b, left:right].copy()
    if minus is not None:
        crop &= 1 - minus[t:b, left:right]
    inset = max(4, round(IN_STAMP_INSET * min(box.width, box.height)))
    crop[:inset], crop[-inset:], crop[:, :inset], crop[:, -inset:] = 0, 0, 0, 0
    crop = strip_rules(crop, min_length=max(20, round(RULE_MIN_ROWS * h_page)), max_thickness=8)
    stats = components(crop).stats[1:]
    stats = stats[stats[:, cv2.CC_STAT_AREA] >= metrics.px(IN_STAMP_MIN_PX) * metrics.scale]
    if len(stats) < 4:
        return []
    lettering = max(float(np.median(stats[:, cv2.CC_STAT_HEIGHT])), 0.6 * h_page)
    heights = stats[:, cv2.CC_STAT_HEIGHT]
    tall = stats[
        (heights >= IN_STAMP_TALL * lettering)
        & (heights < IN_STAMP_MAX_SHARE * box.height)
        & (stats[:, cv2.CC_STAT_WIDTH] < 0.5 * box.width)
    ]
    regions = []
    for x, y, w, hh, count in _rows_of(tall, gap=2 * lettering):
        if count < 2 or w < 1.5 * lettering:
            continue
        if _crosses(
            page_ink, t + y, t + y + hh, left, right, reach=round(metrics.char_cols)
        ) and not _written_digits(
            page_ink[t + y : t + y + hh, left + x : left + x + w], h_page=h_page
        ):
            continue
        if strict and not _written_digits(
            ink[t + y : t + y + hh, left + x : left + x + w], h_page=h_page
        ):
            continue
        piece = crop[y : y + hh, x : x + w]
        rows, cols = np.nonzero(piece)
        region_box, polygon = points_polygon(np.column_stack([cols + x + left, rows + y + t]))
        ratio = hh / lettering
        regions.append(
            Region(
                HANDWRITING,
                region_box,
                polygon,
                score=0.7,
                source="in-stamp",
                reason=f"handwriting inside a stamp: {count} strokes {ratio:.1f}x "
                "the stamp's lettering, side by side (a written-in number)",
                detail=InStampFigures(pieces=int(count), ratio=round(ratio, 2)),
            )
        )
    return regions


def _written_digits(crop: np.ndarray, *, h_page: float) -> bool:
    """Does ink crossing a typed line look like digits written over it rather than typed letters
    smudged into a stamp's lettering? Pieces of one height (variation under WRITTEN_HEIGHT_CV),
    WRITTEN_ROWS typed lines high, none wider than WRITTEN_MAX_PIECE
    lines (no run of letters joined up), and thin pen strokes (ink share under WRITTEN_MAX_INK)."""
    stats = components(crop).stats[1:]
    stats = stats[stats[:, cv2.CC_STAT_AREA] >= IN_STAMP_MIN_PX]
    if len(stats) == 0 or not (
        WRITTEN_ROWS[0] * h_page <= crop.shape[0] <= WRITTEN_ROWS[1] * h_page
    ):
        return False
    heights = stats[:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    return bool(
        heights.std() <= WRITTEN_HEIGHT_CV * heights.mean()
        and stats[:, cv2.CC_STAT_WIDTH].max() <= WRITTEN_MAX_PIECE * h_page
        and float(crop.mean()) <= WRITTEN_MAX_INK
    )


def _rows_of(stats: np.ndarray, *, gap: float) -> list[tuple[int, int, int, int, int]]:
    """Pieces (x, y, w, h, ...) grouped left to right into rows: each joins a group whose rows it
    shares by half the smaller height and which ends at most ``gap`` before it. Each row is then
    cut down to its core (see :func:`_core`): (x, y, w, h, pieces)."""
    groups: list[list[int]] = []
    members: list[list[tuple[int, int, int, int]]] = []
    for x, y, w, h in sorted((int(s[0]), int(s[1]), int(s[2]), int(s[3])) for s in stats):
        for g, m in zip(groups, members, strict=True):
            shared = min(g[1] + g[3], y + h) - max(g[1], y)
            if shared > 0.5 * min(h, g[3]) and x - (g[0] + g[2]) < gap:
                x0, y0 = min(g[0], x), min(g[1], y)
                g[:] = [
                    x0,
                    y0,
                    max(g[0] + g[2], x + w) - x0,
                    max(g[1] + g[3], y + h) - y0,
                    g[4] + 1,
                ]
                m.append((x, y, w, h))
                break
        else:
            groups.append([x, y, w, h, 1])
            members.append([(x, y, w, h)])
    return [_core(m) for m in members]


def _core(pieces: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int, int]:
    """The row's box over its pieces of the common height and line (digits), leaving out a much
    taller piece or one standing off the line (a frame's or a letter's remains that touched the
    row): (x, y, w, h, pieces)."""
    heights = np.array([p[3] for p in pieces], dtype=np.float64)
    centres = np.array([p[1] + p[3] / 2 for p in pieces], dtype=np.float64)
    height, centre = float(np.median(heights)), float(np.median(centres))
    kept = [
        p
        for p, h, c in zip(pieces, heights, centres, strict=True)
        if h <= CORE_TALLER * height and abs(c - centre) <= CORE_OFF_LINE * height
    ] or pieces
    x0, y0 = min(p[0] for p in kept), min(p[1] for p in kept)
    x1, y1 = max(p[0] + p[2] for p in kept), max(p[1] + p[3] for p in kept)
    return x0, y0, x1 - x0, y1 - y0, len(kept)


def _crosses(ink: np.ndarray, top: int, bottom: int, left: int, right: int, *, reach: int) -> bool:
    """Does ink carry on outside [left, right) on these rows (a typed line under the stamp)?"""
    before = ink[top:bottom, max(0, left - 4 * reach) : max(0, left - reach // 2)]
    after = ink[top:bottom, right + reach // 2 : right + 4 * reach]
    return any(band.size and float(band.mean()) > CROSSING_INK for band in (before, after))
