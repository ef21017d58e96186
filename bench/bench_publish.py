"""Publishing a 300-page document: PDF/A size per page, time per page and peak memory of the
streaming writer (beside 30 pages: memory must not grow with pages), and the alternatives
measured on the same real pages (tesseract's own PDF renderer, Ghostscript's PDF/A conversion).

Run: .venv/bin/python -m bench.bench_publish [--pages 300] [--distinct 12]
Writes bench/results_publish.md."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.common import REALDATA, ROOT

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def real_pages(distinct: int) -> list[Path]:
    """Real typewritten scans: the EHRI pages, then French typescripts (JPEG, 300 dpi)."""
    ehri = sorted((REALDATA / "ehri-typewritten-diplomatic" / "english").glob("*.jpg"))
    french = sorted((REALDATA / "typescript-fr").glob("*.jpg"))
    return (ehri + french)[:distinct]


def make_scan(jpegs: list[Path], pages: int, path: Path) -> Path:
    """A scan-like PDF of ``pages`` pages cycling through the JPEGs (each page its own copy)."""
    import pikepdf
    from PIL import Image

    pdf = pikepdf.new()
    for i in range(pages):
        src = jpegs[i % len(jpegs)]
        with Image.open(src) as im:
            (w, h), dpi, mode = im.size, (im.info.get("dpi") or (300, 300))[0], im.mode
        size = (w * 72 / float(dpi), h * 72 / float(dpi))
        page = pdf.add_blank_page(page_size=size)
        image = pikepdf.Stream(
            pdf,
            src.read_bytes(),
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Image,
            Width=w,
            Height=h,
            ColorSpace=pikepdf.Name("/DeviceGray" if mode == "L" else "/DeviceRGB"),
            BitsPerComponent=8,
            Filter=pikepdf.Name.DCTDecode,
        )
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im=image))
        page.Contents = pdf.make_stream(
            f"q {size[0]:.3f} 0 0 {size[1]:.3f} 0 0 cm /Im Do Q".encode()
        )
    pdf.save(path)
    return path


def recognise_distinct(scan_path: Path, distinct: int, out: Path) -> tuple[list[Any], float]:
    """OCR the first ``distinct`` pages of the scan through the pipeline; seconds per page."""
    from ocr.batch import iter_processed
    from ocr.pipeline import plan_batch
    from ocr.settings import load_settings

    settings = load_settings(None, output_dir=out, workers=2, languages="eng")
    jobs, _, _ = plan_batch([scan_path], settings=settings)
    start = time.perf_counter()
    pages = sorted(iter_processed(jobs[:distinct], settings), key=lambda p: p.job.page_number)
    return pages, (time.perf_counter() - start) / distinct


def document_pages(recognised: list[Any], scan: Any, pages: int) -> list[Any]:
    """Page i of the document reuses the OCR of the distinct page it repeats (same image)."""
    out = []
    for i in range(pages):
        base = recognised[i % len(recognised)]
        job = replace(base.job, scan=scan, page_number=i + 1)
        out.append(replace(base, prepared=replace(base.prepared, job=job)))
    return out


def _publish_child(scan: Any, pages: list[Any], out: Path, queue: Any) -> None:
    """In a fresh process: publish, report seconds and the process's peak memory."""
    from ocr.publish import publish_document
    from ocr.settings import load_settings

    settings = load_settings(None, output_dir=out, workers=1)
    sampler = RssSampler()
    start = time.perf_counter()
    with sampler:
        published = publish_document(scan, pages, out_dir=out, settings=settings)
    queue.put(
        {
            "seconds": time.perf_counter() - start,
            "rss_before_mb": sampler.first / 2**20,
            "peak_mb": sampler.peak / 2**20,
            "published": published,
        }
    )


class RssSampler:
    """The process's resident memory, sampled every few milliseconds while in the block (the
    kernel's peak, ru_maxrss, would include the parent's memory copied by fork before exec)."""

    def __init__(self, interval: float = 0.005) -> None:
        import psutil

        self.process, self.interval = psutil.Process(), interval
        self.first = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def publish_measured(scan: Any, pages: list[Any], out: Path) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_publish_child, args=(scan, pages, out, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def text_cer(pdf: Path, ocr_text: str) -> float:
    from ocr.score import normalise, score_text

    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return score_text(
        normalise(ocr_text.replace("\f", "\n")), normalise(text.replace("\f", "\n"))
    ).cer


def _read_image(page: Any) -> Path:
    """The image the pipeline read: the processed page if it was made, else the page as loaded."""
    prepared = page.prepared
    if prepared.ocr_input_path.is_file():
        return Path(prepared.ocr_input_path)
    return Path(prepared.original_input_path or prepared.view_path)


def tesseract_renderer(recognised: list[Any], work: Path) -> dict[str, float]:
    """The pipeline's alternative: tesseract writes a PDF per page in the same call."""
    from ocr.tesseract import read_words, run_ocr, words_to_text

    extra, size, cers = 0.0, 0, []
    for p in recognised:
        kwargs = {"languages": "eng", "psm": 3, "oem": 1, "dpi": p.prepared.dpi, "timeout": 300}
        image = _read_image(p)
        t0 = time.perf_counter()
        run_ocr(image, work / "plain", formats=["tsv"], **kwargs)
        t1 = time.perf_counter()
        out = run_ocr(image, work / "withpdf", formats=["tsv", "pdf"], **kwargs)
        extra += (time.perf_counter() - t1) - (t1 - t0)
        size += out.outputs["pdf"].stat().st_size
        cers.append(text_cer(out.outputs["pdf"], words_to_text(read_words(out.tsv)).text))
    n = len(recognised)
    return {"extra_seconds_per_page": extra / n, "bytes_per_page": size / n, "cer": max(cers)}


def ghostscript(pdf: Path, pages: int, ocr_text: str, work: Path) -> dict[str, Any] | None:
    """Ghostscript's PDF/A-2b conversion of our PDF (what OCRmyPDF does by default)."""
    gs = shutil.which("gs")
    if gs is None:
        return None
    out = work / "gs.pdf"
    start = time.perf_counter()
    subprocess.run(
        [
            gs,
            "-q",
            "-dBATCH",
            "-dNOPAUSE",
            "-dSAFER",
            "-sDEVICE=pdfwrite",
            "-dPDFA=2",
            "-dPDFACompatibilityPolicy=1",
            "-sColorConversionStrategy=RGB",
            f"-sOutputFile={out}",
            str(pdf),
        ],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    listing = subprocess.run(
        ["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout
    encodings = sorted({line.split()[8] for line in listing.splitlines()[2:] if line.strip()})
    version = subprocess.run([gs, "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "version": version,
        "seconds_per_page": seconds / pages,
        "bytes_per_page": out.stat().st_size / pages,
        "encodings": encodings,
        "cer": text_cer(out, ocr_text),
    }


def measure_document(
    recognised: list[Any], jpegs: list[Path], pages: int, work: Path
) -> dict[str, Any]:
    from ocr.load import inspect_scan
    from ocr.publish.mets import mets_errors
    from ocr.publish.validate import pdfa_problems
    from ocr.tesseract import read_words, words_to_text

    scan_path = make_scan(jpegs, pages, work / f"scan-{pages}.pdf")
    scan = inspect_scan(scan_path, document=f"doc-{pages}", dpi=300, max_pixels=1 << 40)
    docs = document_pages(recognised, scan, pages)
    m = publish_measured(scan, docs, work / f"published-{pages}")
    pub = m["published"]
    text = "\f".join(words_to_text(read_words(p.ocr.tsv)).text for p in docs)
    return {
        "pages": pages,
        "seconds": m["seconds"],
        "peak_mb": m["peak_mb"],
        "rss_before_mb": m["rss_before_mb"],
        "bytes": pub.pdf_bytes,
        "source_bytes": scan_path.stat().st_size,
        "passthrough": pub.pdf_source_bytes_pages,
        "pdfa_problems": len(pdfa_problems(pub.pdf)),
        "cer": text_cer(pub.pdf, text),
        "mets_errors": len(mets_errors(pub.mets)),
        "pdf": pub.pdf,
        "text": text,
        "error": pub.error,
    }


def report(
    rows: list[dict[str, Any]],
    ocr_seconds: float,
    tess: dict[str, float],
    gs: dict[str, Any] | None,
    distinct: int,
    command: str,
) -> str:
    lines = [
        "# Publishing: a PDF/A-2b and METS per document",
        "",
        f"Command: `{command}` (2 shared cores; figures vary run to run).",
        f"Document: real typewritten scans ({distinct} distinct pages: EHRI, then French "
        "typescripts; 300 dpi JPEG in a scan-like PDF) repeated to the page count; "
        "each page's words from the pipeline's OCR of that page.",
        "",
        "| pages | PDF+METS s | s/page | PDF MB/page | source MB/page | images as source "
        "bytes | peak RSS MB (RSS before) | PDF/A problems | pdftotext CER | METS errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['pages']} | {r['seconds']:.1f} | {r['seconds'] / r['pages']:.3f} | "
            f"{r['bytes'] / r['pages'] / 1e6:.3f} | {r['source_bytes'] / r['pages'] / 1e6:.3f} | "
            f"{r['passthrough']}/{r['pages']} | {r['peak_mb']:.0f} ({r['rss_before_mb']:.0f}) | "
            f"{r['pdfa_problems']} | {r['cer']:.4f} | {r['mets_errors']} |"
        )
    lines += [
        "",
        f"For scale: the pipeline's OCR of a page (preprocess, tesseract, detectors; 2 "
        f"workers) took {ocr_seconds:.2f} s per page here.",
        "",
        "## Alternatives on the same pages",
        "",
        f"- tesseract's own PDF renderer (`formats` with `pdf`, the same tesseract call): "
        f"+{tess['extra_seconds_per_page']:.2f} s per page inside tesseract, "
        f"{tess['bytes_per_page'] / 1e6:.2f} MB per page, pdftotext CER against its TSV "
        f"text at most {tess['cer']:.4f}; its image is the image tesseract read (re-encoded, "
        "not the scan's own bytes; the processed page, deskewed, where that reading was kept), "
        "and it cannot carry reviewed text.",
    ]
    if gs is None:
        lines.append(
            "- Ghostscript: not installed here (`apt-get install ghostscript` to "
            "measure its PDF/A conversion)."
        )
    else:
        lines.append(
            f"- Ghostscript {gs['version']} PDF/A-2b conversion of our "
            f"{rows[0]['pages']}-page PDF: {gs['seconds_per_page']:.3f} s per page, "
            f"{gs['bytes_per_page'] / 1e6:.3f} MB per page, image encodings "
            f"{', '.join(gs['encodings'])} (re-encoded: the source's JPEGs are "
            f"{rows[0]['source_bytes'] / rows[0]['pages'] / 1e6:.3f} MB per page), "
            f"pdftotext CER {gs['cer']:.4f}; on top of writing the PDF."
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--small", type=int, default=30)
    parser.add_argument("--distinct", type=int, default=12)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results_publish.md")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        jpegs = real_pages(args.distinct)
        first = make_scan(jpegs, len(jpegs), work / "distinct.pdf")
        recognised, ocr_seconds = recognise_distinct(first, len(jpegs), work / "ocr")
        rows = [measure_document(recognised, jpegs, n, work) for n in (args.small, args.pages)]
        tess = tesseract_renderer(recognised[:4], work / "tess")
        gs = ghostscript(rows[0]["pdf"], rows[0]["pages"], rows[0]["text"], work)
        command = "python -m bench.bench_publish " + " ".join(
            re.sub(r"^--out=.*", "", a) for a in sys.argv[1:]
        )
        text = report(rows, ocr_seconds, tess, gs, len(jpegs), command.strip())
        args.out.write_text(text, encoding="utf-8")
        print(text)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
