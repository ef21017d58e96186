"""The fixed split of post-OCR correction's data: what tuning may see, what is sealed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ocr.synth.generate import PagePlan, plan_set
from ocr.synth.levels import LEVELS, Variant

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
KOMI = SHARED / "realdata" / "komi-vyl-tujod-1939" / "1939_09"
EHRI = SHARED / "realdata" / "ehri-typewritten-diplomatic" / "english"
COMPOSED = tuple(f"composed-{k}.txt" for k in (
    "harvest", "inspections", "minutes", "orders", "plan-reports", "references",
    "supply-letters"))


@dataclass(frozen=True)
class SynthSet:
    """One set of synthetic typed-only pages: its seed, texts, faces and scans."""

    name: str
    seed: int
    pages: int
    sources: tuple[str, ...]
    fonts: tuple[str, ...]
    variants: tuple[Variant, ...]

    def plans(self) -> list[PagePlan]:
        """The pages, levels in turn (clean, light, medium, heavy), none stamped."""
        return plan_set(pages=self.pages, seed=self.seed, levels=LEVELS, fonts=self.fonts,
                        sources=self.sources, variants=self.variants, stamped=False)


TUNING_FONTS = ("freemono", "ptmono", "cmu-typewriter", "freemono-bold")
TUNING_SOURCES = (*COMPOSED, "memoranda.txt", "minutes.txt")
TUNING_VARIANTS: tuple[Variant, ...] = ("colour", "grey")
# Tuning side: "fit" pages estimate the channel's counts, "calibrate" pages set the threshold
# and the few free constants. Both may be looked at as often as needed.
FIT = SynthSet("fit", 7101, 64, TUNING_SOURCES, TUNING_FONTS, TUNING_VARIANTS)
CALIBRATE = SynthSet("calibrate", 7202, 48, TUNING_SOURCES, TUNING_FONTS, TUNING_VARIANTS)
# Sealed set A: reported. Texts, two faces and the bilevel scan are never used in tuning.
SEALED = SynthSet("sealed-a", 8303, 48, ("notes.txt", "foreign.txt", "reports.txt"),
                  ("dejavu-mono", "ptmono-bold"), ("colour", "grey", "bilevel"))
# Sealed set B: for the next round; never generated, read or scored in this one.
SEALED_NEXT = SynthSet("sealed-b", 9404, 48, ("letters.txt", "ivanov-1955.txt"),
                       ("cmu-typewriter-slanted", "dejavu-mono"), ("bilevel", "colour"))
# Real Komi print lines: folder 0100 feeds the channel and the language gate; 0200 is sealed.
KOMI_TUNING = KOMI / "0100"
KOMI_SEALED = KOMI / "0200"
