"""How far each first reading's line order runs against its own boxes (ocr.order.box_order), on
the tuning pages, to choose ocr.order.BOX_ORDER's threshold; the sample journal's pages beside.

Run from the project root:
  .venv/bin/python -m bench.learn_box_order [--work DIR] [--synth DIR] [--sample DIR]

Pages: the tuning part of the sealed real split (bench/real_split.json), read as the pipeline's
first reading reads them (the file itself: ``tesseract IMG OUT -l LANG tsv``, stock tesseract),
and with ``--synth`` the synthetic dev pages of a folder made by ``ocr synth --out DIR --pages 32
--seed 7`` (another seed than the benchmark's). ``--sample`` is an `ocr run` output folder of
the sample: its page images are read at the PDF's 300 dpi (as the pipeline's first reading does)
and as stock reads them (no resolution given), to show what the rule is for; they are not used
to choose anything. The held-out pages are never read here.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import SINGLE_THREAD, real_pages
from ocr.order import BOX_ORDER, BoxOrder, box_order
from ocr.tesseract import read_words


def _tsv(image: Path, out: Path, language: str, dpi: int | None = None) -> BoxOrder:
    hint = ["--dpi", str(dpi)] if dpi else []
    cmd = ["tesseract", str(image), str(out), "-l", language, *hint, "tsv"]
    subprocess.run(cmd, capture_output=True, env={**os.environ, **SINGLE_THREAD}, check=False)
    return box_order(read_words(out.with_suffix(".tsv")))


def _row(name: str, order: BoxOrder) -> str:
    flag = "against" if order.against() else ""
    return (
        f"| {name} | {order.lines} | {order.back} | {order.back_chars} | {order.share:.3f} "
        f"| {order.beside:.3f} | {flag} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--synth", type=Path, default=None, help="synthetic dev pages folder")
    parser.add_argument("--sample", type=Path, default=None, help="`ocr run` output of scans/")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="box_order_"))
    work.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[str, Path, str, int | None]] = [
        (p.name, p.image, p.language, None) for p in real_pages() if p.split == "tuning"
    ]
    if args.synth:
        jobs += [
            (f"synth/{im.stem}", im, "rus", None) for im in sorted(args.synth.glob("*.[jp][pn]g"))
        ]
    if args.sample:
        for image in sorted(args.sample.glob("*/p*.page.png")):
            name = f"sample/{image.parent.name}/{image.stem}"
            jobs += [(f"{name} @300", image, "rus", 300), (f"{name} (no dpi)", image, "rus", None)]
    with ThreadPoolExecutor(args.jobs) as pool:
        orders = list(
            pool.map(lambda j: _tsv(j[1], work / f"{len(j[0])}-{abs(hash(j))}", j[2], j[3]), jobs)
        )
    print(f"rule: {BOX_ORDER}")
    print("| page | lines | back | back chars | share | beside | |")
    print("|---|---|---|---|---|---|---|")
    for (name, *_), order in sorted(zip(jobs, orders, strict=True), key=lambda x: -x[1].share):
        print(_row(name, order))


if __name__ == "__main__":
    main()
