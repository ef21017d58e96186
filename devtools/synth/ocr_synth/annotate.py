"""Non-typed ink on a synthetic page: stamps, handwritten numbers, signatures, reader's marks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ocr_synth.handwriting import Handwriting
from ocr_synth.layout import TypedLine
from ocr_synth.marks import Mark
from ocr_synth.pen import MarginMark, Signature, Underline
from ocr_synth.round_stamp import RoundStamp
from ocr_synth.stamp import Stamp
from ocr_synth.style import BLACK_STAMP, BLUE_INK, BLUE_STAMP, RED_STAMP, RGB, VIOLET_STAMP
from ocr_synth.typescript import Geometry, TypedPage

StampKind = Literal["registry", "word", "seal"]
STAMP_INKS: dict[str, RGB] = {
    "violet": VIOLET_STAMP,
    "blue": BLUE_STAMP,
    "red": RED_STAMP,
    "black": BLACK_STAMP,
}
PEN_INKS: dict[str, RGB] = {
    "blue": BLUE_INK,
    "violet": (88, 40, 140),
    "black": (35, 35, 45),
    "red": (170, 40, 45),
    "graphite": (85, 85, 90),
}
ORGANISATIONS = (
    "МИД СССР",
    "ГОСПЛАН СССР",
    "СОВЕТ МИНИСТРОВ РСФСР",
    "МИНИСТЕРСТВО УГЛЕПРОМА",
    "ОБКОМ КПСС",
    "ОБЛИСПОЛКОМ",
    "МИНИСТЕРСТВО ФИНАНСОВ",
    "ГЛАВСНАБ",
    "МИНИСТЕРСТВО ПУТЕЙ СООБЩЕНИЯ",
    "ТРЕСТ ОБЛСТРОЙ",
)
DEPARTMENTS = (
    "Общий отдел",
    "Секретариат",
    "Канцелярия",
    "Особый сектор",
    "Экспедиция",
    "Дипломатический отдел",
    "Отдел кадров",
    "Приемная",
)
WORDS = (
    "СЕКРЕТНО",
    "СОВ. СЕКРЕТНО",
    "КОПИЯ",
    "ИСПОЛНЕНО",
    "В ДЕЛО",
    "ВХОДЯЩИЙ",
    "ПОДЛИННИК",
    "К ДОКЛАДУ",
)
SEAL_RINGS = (
    "МИНИСТЕРСТВО ИНОСТРАННЫХ ДЕЛ СССР * ОБЩИЙ ОТДЕЛ *",
    "ИСПОЛНИТЕЛЬНЫЙ КОМИТЕТ ОБЛАСТНОГО СОВЕТА * ДЕПУТАТОВ ТРУДЯЩИХСЯ *",
    "ТРЕСТ ОБЛСТРОЙ * МИНИСТЕРСТВО СТРОИТЕЛЬСТВА РСФСР *",
    "ПОСОЛЬСТВО СССР * КАНЦЕЛЯРИЯ *",
    "ГОСПЛАН СССР * УПРАВЛЕНИЕ ДЕЛАМИ *",
)
SEAL_CENTRES = (("ДЛЯ", "ПАКЕТОВ"), ("№ 3",), ("*",), ("ОТДЕЛ", "КАДРОВ"), ("№ 1",))


@dataclass(frozen=True)
class StampPlan:
    """A stamp to place: its kind, ink, size, and whether it goes over the typing or in a band."""

    kind: StampKind
    ink: str
    width: int
    height: int
    over_text: bool
    band: Literal["top", "bottom", ""] = ""

    @property
    def reach(self) -> int:
        """Height including what a tilt of a few degrees adds."""
        return round(self.height + 0.08 * self.width)


@dataclass(frozen=True)
class Marks:
    """Everything non-typed on a page, and a description of each in drawing order."""

    stamps: tuple[Stamp, ...] = ()
    handwriting: tuple[Handwriting, ...] = ()
    marks: tuple[Mark, ...] = ()
    details: tuple[dict[str, Any], ...] = field(default=())


def plan_stamps(geo: Geometry, *, rng: np.random.Generator) -> list[StampPlan]:
    """One or two stamps of different kinds; each either over the typing or in a free band."""
    kinds: list[StampKind] = ["registry", "word", "seal"]
    first = kinds[int(rng.choice(3, p=[0.5, 0.25, 0.25]))]
    chosen = [first]
    if rng.random() < 0.4:
        chosen.append(str(rng.choice([k for k in kinds if k != first])))  # type: ignore[arg-type]
    plans: list[StampPlan] = []
    bands: list[Literal["top", "bottom"]] = ["top", "bottom"]
    for kind in chosen:
        width, height = _stamp_size(kind, geo, rng)
        over = bool(rng.random() < 0.5)
        band = "" if over else bands.pop(0)
        plans.append(StampPlan(kind, _stamp_ink(kind, rng), width, height, over, band))
    return plans


def _stamp_size(kind: StampKind, geo: Geometry, rng: np.random.Generator) -> tuple[int, int]:
    if kind == "registry":
        return geo.px(rng.uniform(620, 780)), geo.px(rng.uniform(300, 370))
    if kind == "word":
        return geo.px(rng.uniform(400, 540)), geo.px(rng.uniform(110, 150))
    side = geo.px(rng.uniform(360, 460))
    return side, side


def _stamp_ink(kind: StampKind, rng: np.random.Generator) -> str:
    odds = {
        "registry": [0.5, 0.25, 0.1, 0.15],
        "word": [0.3, 0.15, 0.45, 0.1],
        "seal": [0.45, 0.4, 0.05, 0.1],
    }[kind]
    return str(rng.choice(list(STAMP_INKS), p=odds))


def reserves(plans: list[StampPlan], geo: Geometry) -> tuple[int, int]:
    """How far the typing must move down (top band) or stop short (bottom band)."""
    top = bottom = 0
    for plan in plans:
        if plan.band == "top":
            top = max(0, geo.px(80) + plan.reach + geo.px(70) - (geo.top - geo.px(45)))
        elif plan.band == "bottom":
            stamp_top = geo.page_rows - geo.px(70) - plan.reach
            bottom = max(0, geo.bottom + geo.px(40) - stamp_top)
    return top, bottom


def _stamp_position(
    plan: StampPlan, typed: TypedPage, geo: Geometry, rng: np.random.Generator
) -> tuple[int, int]:
    """Top-left of a stamp: in its band, or over a random stretch of the body typing."""
    low_x, high_x = geo.px(90), geo.page_cols - plan.width - geo.px(90)
    if plan.band == "top":
        return int(rng.integers(low_x, high_x)), geo.px(80)
    if plan.band == "bottom":
        return int(rng.integers(low_x, high_x)), geo.page_rows - geo.px(70) - plan.reach
    lines = typed.body or typed.lines
    line = lines[int(rng.integers(len(lines)))]
    left = int(
        rng.integers(geo.left - geo.px(60), max(geo.right - plan.width + geo.px(60), geo.left))
    )
    top = line.baseline - int(rng.integers(0, plan.height))
    return left, min(max(top, geo.px(60)), geo.page_rows - plan.reach - geo.px(40))


def _number(rng: np.random.Generator) -> str:
    """A registry number as a clerk writes it: 2-4 digits, sometimes a slash and another."""
    text = str(rng.integers(10, 9999))
    return f"{text}/{rng.integers(1, 30)}" if rng.random() < 0.25 else text


def _pen(rng: np.random.Generator) -> str:
    return str(rng.choice(list(PEN_INKS), p=[0.45, 0.15, 0.15, 0.1, 0.15]))


def stamp_marks(
    plan: StampPlan, typed: TypedPage, geo: Geometry, rng: np.random.Generator
) -> tuple[Stamp | RoundStamp, Handwriting | None]:
    """The stamp for ``plan``, and for a registry stamp the number written in its blank field."""
    left, top = _stamp_position(plan, typed, geo, rng)
    rgb = STAMP_INKS[plan.ink]
    if plan.kind == "seal":
        ring = SEAL_RINGS[int(rng.integers(len(SEAL_RINGS)))]
        centre = SEAL_CENTRES[int(rng.integers(len(SEAL_CENTRES)))]
        return RoundStamp(ring, centre, left, top, diameter=plan.width, rgb=rgb), None
    if plan.kind == "word":
        word = WORDS[int(rng.integers(len(WORDS)))]
        return Stamp(
            (word,), left, top, plan.width, plan.height, rgb=rgb, font_px=round(plan.height * 0.48)
        ), None
    lines = (
        ORGANISATIONS[int(rng.integers(len(ORGANISATIONS)))],
        DEPARTMENTS[int(rng.integers(len(DEPARTMENTS)))],
        "",
        f"Вх. № {rng.integers(100, 9999)}{rng.choice(['', 'с', 'ос'])}",
        f"{rng.integers(1, 29)}-{rng.integers(1, 13)}-19{rng.integers(46, 58)}",
    )
    stamp = Stamp(
        lines,
        left,
        top,
        plan.width,
        plan.height,
        rgb=rgb,
        font_px=round(plan.height * 0.12),
        rules_after=(1,) if rng.random() < 0.5 else (),
    )
    pitch = (plan.height - 40 * geo.scale) / len(lines)
    height = round(pitch * rng.uniform(0.75, 0.95))
    hand = Handwriting(
        _number(rng),
        left=left + round(plan.width * rng.uniform(0.3, 0.45)),
        top=top + round(20 * geo.scale + 2 * pitch + (pitch - height) / 2),
        height=height,
        rgb=PEN_INKS[_pen(rng)],
        pen_px=max(2.5, height / 16),
    )
    return stamp, hand


def _boxes_meet(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Whether two (left, top, right, bottom) boxes overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _stamp_box(stamp: Stamp | RoundStamp) -> tuple[int, int, int, int]:
    if isinstance(stamp, RoundStamp):
        return stamp.left, stamp.top, stamp.left + stamp.diameter, stamp.top + stamp.diameter
    return stamp.left, stamp.top, stamp.left + stamp.width, stamp.top + stamp.height


def margin_number(
    geo: Geometry, taken: list[tuple[int, int, int, int]], rng: np.random.Generator
) -> Handwriting | None:
    """A file or sheet number written in the top right corner, unless a stamp is there."""
    height = geo.px(rng.uniform(65, 100))
    left, top = geo.page_cols - geo.px(rng.uniform(380, 520)), geo.px(rng.uniform(60, 120))
    box = (left - geo.px(30), top - geo.px(30), left + geo.px(330), top + height + geo.px(30))
    if any(_boxes_meet(box, other) for other in taken):
        return None
    return Handwriting(
        _number(rng),
        left=left,
        top=top,
        height=height,
        rgb=PEN_INKS[_pen(rng)],
        pen_px=max(2.5, height / 16),
    )


def reader_marks(
    typed: TypedPage, geo: Geometry, rng: np.random.Generator
) -> list[tuple[Mark, dict[str, Any]]]:
    """Underlined words and ticks, bars or crosses in the left margin."""
    found: list[tuple[Mark, dict[str, Any]]] = []
    body = [line for line in typed.body if len(line.text.split()) >= 3]
    for _ in range(int(rng.integers(0, 3)) if body else 0):
        line = body[int(rng.integers(len(body)))]
        words = line.text.split()
        first = int(rng.integers(len(words) - 1))
        last = min(len(words), first + int(rng.integers(1, 4)))
        start = len(" ".join(words[:first])) + (1 if first else 0)
        end = len(" ".join(words[:last]))
        ink = str(rng.choice(["red", "blue", "graphite"]))
        found.append(
            (
                Underline(
                    line.left + start * geo.pitch,
                    line.left + end * geo.pitch,
                    line.baseline + geo.px(9),
                    rgb=PEN_INKS[ink],
                    pen_px=geo.scale * 3.0,
                    double=bool(rng.random() < 0.15),
                ),
                {"ink": ink, "words": " ".join(words[first:last])},
            )
        )
    for _ in range(int(rng.integers(0, 3)) if body else 0):
        line = body[int(rng.integers(len(body)))]
        shape = str(rng.choice(["tick", "bar", "cross"]))
        ink = str(rng.choice(["red", "blue", "graphite"]))
        height = geo.px(rng.uniform(60, 90) if shape != "bar" else rng.uniform(120, 260))
        found.append(
            (
                MarginMark(
                    geo.left - geo.px(rng.uniform(110, 170)),
                    line.baseline - geo.px(50),
                    height=height,
                    shape=shape,  # type: ignore[arg-type]
                    rgb=PEN_INKS[ink],
                    pen_px=geo.scale * 3.5,
                ),
                {"shape": shape, "ink": ink},
            )
        )
    return found


def place_marks(
    plans: list[StampPlan], typed: TypedPage, geo: Geometry, rng: np.random.Generator
) -> Marks:
    """Stamps (with registry numbers in their blank fields), a corner number, the signature over
    the typed name, and reader's marks; ``details`` follow the renderer's drawing order."""
    rects: list[tuple[Stamp, dict[str, Any]]] = []
    hands: list[tuple[Handwriting, dict[str, Any]]] = []
    others: list[tuple[Mark, dict[str, Any]]] = []
    for plan in plans:
        stamp, hand = stamp_marks(plan, typed, geo, rng)
        detail = {
            "kind": plan.kind,
            "ink": plan.ink,
            "placed": plan.band or "over_text",
            "shape": "round" if plan.kind == "seal" else "rectangular",
        }
        if isinstance(stamp, RoundStamp):
            others.append((stamp, detail))
        else:
            rects.append((stamp, detail))
        if hand is not None:
            hands.append((hand, {"kind": "registry_number", "ink": _ink_name(hand.rgb)}))
    if rng.random() < 0.5:
        taken = [_stamp_box(s) for s, _ in rects] + [
            _stamp_box(s) for s, _ in others if isinstance(s, RoundStamp)
        ]
        corner = margin_number(geo, taken, rng)
        if corner is not None:
            hands.append((corner, {"kind": "margin_number", "ink": _ink_name(corner.rgb)}))
    if typed.signature is not None:
        others.append(_signature(typed.signature, geo, rng))
    others.extend(reader_marks(typed, geo, rng))
    return Marks(
        tuple(s for s, _ in rects),
        tuple(h for h, _ in hands),
        tuple(m for m, _ in others),
        tuple(d for _, d in rects) + tuple(d for _, d in hands) + tuple(d for _, d in others),
    )


def _signature(
    name: TypedLine, geo: Geometry, rng: np.random.Generator
) -> tuple[Mark, dict[str, Any]]:
    """A signature left of (and partly over) the typed name."""
    ink = str(rng.choice(["blue", "violet", "black"], p=[0.6, 0.2, 0.2]))
    width = geo.px(rng.uniform(300, 420))
    sig = Signature(
        name.left - width + geo.px(rng.uniform(0, 120)),
        name.baseline - geo.px(rng.uniform(100, 140)),
        width=width,
        height=geo.px(rng.uniform(90, 130)),
        rgb=PEN_INKS[ink],
        pen_px=geo.scale * rng.uniform(3.0, 4.5),
    )
    return sig, {"ink": ink}


def _ink_name(rgb: RGB) -> str:
    return next(name for name, value in PEN_INKS.items() if value == rgb)
