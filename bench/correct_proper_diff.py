"""Round 18i, continued: what writing a capital only for a word likelier a name
(``Lexicon.proper_likely``) moved on the calibration pages, each typeface held out, at 0.85: the
same decisions with it patched back to ``Lexicon.proper`` (any name's parse), changes compared
without their scores. Run: .venv/bin/python -m bench.correct_proper_diff"""

from __future__ import annotations

import re
from unittest import mock

from bench.bench_correct import out_of_fold_tallies
from bench.correct_data import ensure_pages
from bench.correct_split import CALIBRATE_SETS
from ocr.correct import CorrectionSettings
from ocr.correct.lexicon import Lexicon


def main() -> int:
    pages = [p for s in CALIBRATE_SETS for p in ensure_pages(s)]
    settings = CorrectionSettings()
    new = out_of_fold_tallies(pages, settings)[0.85]
    with mock.patch.object(Lexicon, "proper_likely", Lexicon.proper):
        old = out_of_fold_tallies(pages, settings)[0.85]
    for level in ("light", "medium", "heavy"):
        before, after = ({re.sub(r" \(\d\.\d+\)", "", x) for x in t[level].log} for t in (old, new))
        print(
            f"{level}: before {old[level].reduction:+.1%} {dict(old[level].verdicts)}, "
            f"after {new[level].reduction:+.1%} {dict(new[level].verdicts)}"
        )
        for x in sorted(before - after):
            print("  before only:", x)
        for x in sorted(after - before):
            print("  after only:", x)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
