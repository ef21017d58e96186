"""The PNGs tesseract reads, written as ocr.imaging.png_params says (FAST_PNG for a gray page)
instead of OpenCV's level 1: the same pixels, and tesseract's same words, for less CPU.

On the throughput set's synthetic pages and the real tuning pages (bench/real_split.json), for
the processed page (as the pipeline makes it: deskewed, framed, cleaned, gray) and the page as
loaded: both encodings decoded and compared pixel for pixel, their encoding and decoding CPU
and sizes (the pipeline writes the page as loaded, when it writes it, at level 1: a raw gray
scan takes more room unfiltered, as these rows show). With ``--tesseract N``: the first N
processed pages read by tesseract from both files (the pipeline's first-reading settings, TSV
and hOCR with the characters' choices), outputs compared byte for byte, tesseract's CPU summed.

Run: .venv/bin/python -m bench.png_same [--tesseract 6] [--real 8]"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from bench.bench_throughput import SYNTH, ensure_synth
from bench.common import real_pages
from ocr.imaging import png_params

DEFAULT_PNG = [cv2.IMWRITE_PNG_COMPRESSION, 1]  # what ocr.stages.preprocess wrote before
REPEAT = 3


def _cpu(work: Callable[[], object]) -> float:
    start = time.process_time()
    for _ in range(REPEAT):
        work()
    return (time.process_time() - start) / REPEAT


def _processed(image: np.ndarray) -> np.ndarray:
    """The processed page as make_processed renders it with the default settings."""
    from ocr.preprocess import frame_page, render_frame
    from ocr.stages.preprocess import find_colour_stamps

    framing = frame_page(image, deskew=True, page_frame=True)
    return render_frame(
        image,
        framing,
        denoise=True,
        remove_colour_ink=True,
        binarize_output=False,
        dpi=300,
        find_stamps=find_colour_stamps,
    ).ocr_image


def _tesseract(path: Path, out: Path, lang: str) -> float:
    """Tesseract's CPU reading ``path`` as the pipeline's first reading does (TSV, hOCR with
    the characters' choices)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        ["tesseract", str(path), str(out), "-l", lang, "--psm", "3", "--oem", "1",
         "-c", "lstm_choice_mode=2", "-c", "hocr_char_boxes=1", "-c", "tessedit_create_tsv=1",
         "hocr"],
        check=True, capture_output=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tesseract", type=int, default=0, help="pages read by tesseract")
    parser.add_argument("--real", type=int, default=8, help="real tuning pages (0: none)")
    args = parser.parse_args()
    ensure_synth()
    pages = [(p, "rus") for p in sorted(SYNTH.glob("synth-*.jpg")) + sorted(SYNTH.glob("*.png"))]
    tuning = [p for p in real_pages() if p.split == "tuning"][: args.real]
    pages += [(p.image, p.language) for p in tuning]
    rows = []
    totals = np.zeros(6)
    same = tess_same = tess_pages = 0
    tess_cpu = np.zeros(2)
    with tempfile.TemporaryDirectory(prefix="png-same-") as tmp:
        for n, (path, lang) in enumerate(pages):
            loaded = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            images = {"processed": _processed(loaded), "as loaded": loaded}
            for kind, image in images.items():
                encoded = []
                for params in (DEFAULT_PNG, png_params(image)):
                    ok, data = cv2.imencode(".png", image, params)
                    assert ok
                    encoded.append(data)
                back = [cv2.imdecode(d, cv2.IMREAD_UNCHANGED) for d in encoded]
                equal = all(np.array_equal(b, image) for b in back)
                same += equal
                enc = [
                    _cpu(lambda p=p, im=image: cv2.imencode(".png", im, p))
                    for p in (DEFAULT_PNG, png_params(image))
                ]
                dec = [_cpu(lambda d=d: cv2.imdecode(d, cv2.IMREAD_UNCHANGED)) for d in encoded]
                size = [len(d) / 2**20 for d in encoded]
                totals += [*enc, *dec, *size]
                rows.append(
                    f"| {path.stem[:44]} | {kind} | {'yes' if equal else '**no**'} | "
                    f"{enc[0]:.3f} / {enc[1]:.3f} | {dec[0]:.3f} / {dec[1]:.3f} | "
                    f"{size[0]:.2f} / {size[1]:.2f} |"
                )
                if kind == "processed" and n < args.tesseract:
                    outs = []
                    for k, data in enumerate(encoded):
                        file = Path(tmp) / f"{n}-{k}.png"
                        file.write_bytes(data.tobytes())
                        tess_cpu[k] += _tesseract(file, Path(tmp) / f"{n}-{k}", lang)
                        outs.append(
                            (Path(tmp) / f"{n}-{k}.tsv").read_bytes()
                            + (Path(tmp) / f"{n}-{k}.hocr")
                            .read_bytes()
                            .replace(f"{n}-{k}".encode(), b"")
                        )
                    tess_pages += 1
                    tess_same += outs[0] == outs[1]
    count = len(rows)
    print("# bench.png_same: OpenCV's PNG level 1 / png_params (FAST_PNG when gray), CPU s")
    print(f"# {len(pages)} pages ({len(pages) - len(tuning)} synthetic, {len(tuning)} real tuning)")
    print("")
    print("| page | image | same pixels | encode s | decode s | MiB |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    mean = totals / max(count, 1)
    print(
        f"| mean of {count} | | {same} of {count} | {mean[0]:.3f} / {mean[1]:.3f} | "
        f"{mean[2]:.3f} / {mean[3]:.3f} | {mean[4]:.2f} / {mean[5]:.2f} |"
    )
    if tess_pages:
        print(
            f"\ntesseract on {tess_pages} processed pages: the same TSV and hOCR from both files "
            f"on {tess_same} of {tess_pages}; its CPU {tess_cpu[0]:.2f} s (default PNG) / "
            f"{tess_cpu[1]:.2f} s (png_params)"
        )


if __name__ == "__main__":
    main()
