"""Does reading a page's stamps in one tesseract run give each stamp the text it got alone?
Reads the stamps of the pages recorded by bench/detect_same.py (each page's detection inputs)
both ways: each crop in its own run (ocr.detect.stamp_text.read_stamp_text, as before) and all
of a page's crops in one run (read_stamp_texts); compares the texts and the CPU seconds (this
process and its tesseract children) each way costs.

Run: .venv/bin/python -m bench.stamp_same"""

from __future__ import annotations

import argparse
import pickle
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.detect_same import INPUTS, record_inputs


@dataclass(frozen=True)
class PageStamps:
    """One page's stamps read both ways."""

    page: str
    alone: list[str]
    together: list[str]
    cpu_alone: float
    cpu_together: float

    @property
    def same(self) -> int:
        return sum(a == b for a, b in zip(self.alone, self.together, strict=True))


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(read: Callable[[], list[str]]) -> tuple[list[str], float]:
    start = _cpu()
    texts = read()
    return texts, _cpu() - start


def read_page(path: Path) -> PageStamps | None:
    """A recorded page's stamps read alone and together (None: the page has no stamp)."""
    from ocr.detect.stage import detect_regions_in_frame
    from ocr.detect.stamp_text import read_stamp_text, read_stamp_texts

    with path.open("rb") as fh:
        view, ocr_img, words, options = pickle.load(fh)  # noqa: S301 - our own records
    regions = detect_regions_in_frame(view, ocr_img, words, **{**options, "read_stamps": False})
    stamps = [r for r in regions if r.type == "stamp"]
    if not stamps:
        return None
    lang, dpi, timeout = options["languages"], options["dpi"], options["timeout"]
    alone, cpu_alone = _timed(
        lambda: [read_stamp_text(view, r, languages=lang, dpi=dpi, timeout=timeout) for r in stamps]
    )
    together, cpu_together = _timed(
        lambda: read_stamp_texts(view, stamps, languages=lang, dpi=dpi, timeout=timeout)
    )
    return PageStamps(path.stem, alone, together, cpu_alone, cpu_together)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print the texts that differ")
    args = parser.parse_args(argv)
    if not any(INPUTS.glob("*.pkl")):
        record_inputs()
    start = time.perf_counter()
    pages = [p for f in sorted(INPUTS.glob("*.pkl")) if (p := read_page(f)) is not None]
    print("| page | stamps | same text | CPU s, one run per stamp | CPU s, one run |")
    print("|---|---|---|---|---|")
    for p in pages:
        print(
            f"| {p.page} | {len(p.alone)} | {p.same} | {p.cpu_alone:.2f} | {p.cpu_together:.2f} |"
        )
        for a, b in zip(p.alone, p.together, strict=True):
            if args.show and a != b:
                print(f"  alone:    {a!r}\n  together: {b!r}")
    stamps = sum(len(p.alone) for p in pages)
    same = sum(p.same for p in pages)
    print(
        f"{same} of {stamps} stamps on {len(pages)} pages read the same; tesseract runs "
        f"{stamps} -> {len(pages)}; CPU s {sum(p.cpu_alone for p in pages):.2f} -> "
        f"{sum(p.cpu_together for p in pages):.2f} ({time.perf_counter() - start:.0f} s)"
    )
    return 0 if same == stamps else 1


if __name__ == "__main__":
    raise SystemExit(main())
