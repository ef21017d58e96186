"""A page worker's speed-ups change nothing but time: freed memory reused, the page loaded once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import EHRI

FAULTS = """
import resource, sys
import cv2, numpy as np
if sys.argv[1] == "keep":
    from ocr.batch import keep_freed_memory
    assert keep_freed_memory()
page = np.full((2480, 3000), 200, np.uint8)
def work():  # page-sized float arrays (30 MB), as binarization makes them
    f = page.astype(np.float32)
    return float(cv2.multiply(f, f)[::97, ::89].sum())
work()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    work()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", FAULTS, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt only")
def test_a_worker_reuses_the_memory_its_last_page_freed() -> None:
    """Page-sized arrays made again after keep_freed_memory() touch no fresh memory (without
    it each one is mapped anew: thousands of page faults)."""
    fresh, kept = _faults("default"), _faults("keep")
    assert fresh > 1000
    assert kept < fresh / 10


def _job(tmp_path: Path, scan: Path):  # type: ignore[no-untyped-def]
    from ocr.settings import load_settings
    from ocr.stages.load import plan_batch

    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / scan.name).symlink_to(scan)
    settings = load_settings(None, output_dir=tmp_path / "out", workers=1, languages="eng")
    jobs, _, _ = plan_batch([scans], settings=settings)
    return jobs[0], settings


def test_the_processed_page_is_made_from_the_page_prepare_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """prepare_page's load serves make_processed (one load, not two), read-only; the processed
    page is the one a fresh load makes; a later make_processed loads the page again."""
    import ocr.stages.preprocess as stage

    scan = next(iter(sorted(EHRI.glob("*.jpg"))), None)
    if scan is None:
        pytest.skip(f"no EHRI page in {EHRI}")
    job, settings = _job(tmp_path, scan)
    loads: list[np.ndarray] = []
    load = stage.load_page

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        page = load(*args, **kwargs)
        loads.append(page.image)
        return page

    monkeypatch.setattr(stage, "load_page", counted)
    prepared = stage.prepare_page(job, settings=settings)
    stage.make_processed(prepared, settings=settings)
    assert len(loads) == 1 and not loads[0].flags.writeable
    once = cv2.imread(str(prepared.ocr_input_path), cv2.IMREAD_UNCHANGED)
    (job.out_dir / f"{job.stem}.processed.json").unlink()
    stage.make_processed(prepared, settings=settings)  # nothing kept now: loaded afresh
    assert len(loads) == 2
    again = cv2.imread(str(prepared.ocr_input_path), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(once, again)


def test_despeckle_counts_the_letters_text_blobs_counts() -> None:
    """render_frame's one labelling gives denoise's page and text_blobs' count of it, on a real
    page and on random specks of every size."""
    from ocr import preprocess as pp

    scan = next(iter(sorted(EHRI.glob("*.jpg"))), None)
    pages = [
        np.where(np.random.default_rng(seed).random((300, 400)) < share, 0, 255)
        for seed, share in ((1, 0.1), (2, 0.3), (3, 0.5))
    ]
    if scan is not None:
        gray = pp.normalise_background(pp.to_gray(cv2.imread(str(scan))))
        pages.append(pp.binarize(gray))
    for page in pages:
        binary = page.astype(np.uint8)
        cleaned, blobs = pp._despeckle(binary)
        assert np.array_equal(cleaned, pp.denoise(binary))
        assert blobs == pp.text_blobs(pp.denoise(binary))


def test_a_large_page_is_loaded_again_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page over KEEP_PAGE_BYTES is not held through its reading: make_processed loads it."""
    import ocr.stages.preprocess as stage

    scan = next(iter(sorted(EHRI.glob("*.jpg"))), None)
    if scan is None:
        pytest.skip(f"no EHRI page in {EHRI}")
    job, settings = _job(tmp_path, scan)
    calls: list[int] = []
    load = stage.load_page

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return load(*args, **kwargs)

    monkeypatch.setattr(stage, "load_page", counted)
    monkeypatch.setattr(stage, "KEEP_PAGE_BYTES", 1 << 20)
    stage.make_processed(stage.prepare_page(job, settings=settings), settings=settings)
    assert len(calls) == 2


@pytest.mark.parametrize("shape", [(64, 97), (53, 80, 3), (31, 40, 4)])
def test_fast_png_holds_the_very_pixels_opencvs_default_png_holds(
    tmp_path: Path, shape: tuple[int, ...]
) -> None:
    """png_params (FAST_PNG for the gray processed page and crops tesseract reads) encodes
    differently, never other pixels: gray, colour, with alpha; noise, runs and a bilevel page."""
    from ocr.imaging import png_params, write_png

    rng = np.random.default_rng(sum(shape))
    noise = rng.integers(0, 256, size=shape, dtype=np.uint8)
    runs = np.repeat(
        rng.integers(0, 256, size=(shape[0], 1, *shape[2:]), dtype=np.uint8), shape[1], 1
    )
    bilevel = np.where(rng.random(shape) < 0.1, 0, 255).astype(np.uint8)
    for k, image in enumerate((noise, runs, bilevel)):
        ok, default = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        assert ok
        path = tmp_path / f"{k}.png"
        assert write_png(path, image)
        fast = path.read_bytes()
        assert fast != default.tobytes() or len(shape) == 3  # gray: another encoding
        unchanged = cv2.IMREAD_UNCHANGED
        mine = cv2.imdecode(np.frombuffer(fast, np.uint8), unchanged)
        theirs = cv2.imdecode(default, unchanged)
        assert mine.dtype == theirs.dtype == np.uint8
        assert np.array_equal(mine, theirs)
        assert np.array_equal(mine, image)
        ok, again = cv2.imencode(".png", image, png_params(image))
        assert ok and again.tobytes() == fast


def test_the_processed_page_alone_is_render_frames_ocr_image_and_steps(tmp_path: Path) -> None:
    """make_processed's render_ocr_input (no binary page made for ink measures when tesseract
    reads the gray page) gives render_frame's very OCR image and steps, whatever the settings:
    on a real page and on a turned typed page with a violet stamp."""
    from ocr import preprocess as pp
    from ocr.stages.preprocess import find_colour_stamps
    from tests.conftest import render_text_page

    typed = cv2.imread(str(render_text_page(tmp_path / "typed.png", dpi=300)))
    cv2.circle(typed, (typed.shape[1] // 2, typed.shape[0] // 3), 150, (160, 40, 120), 9)
    turn = cv2.getRotationMatrix2D((typed.shape[1] / 2, typed.shape[0] / 2), 1.5, 1.0)
    typed = cv2.warpAffine(typed, turn, typed.shape[1::-1], borderValue=(255, 255, 255))
    pages = [typed]
    scan = next(iter(sorted(EHRI.glob("*.jpg"))), None)
    if scan is not None:
        pages.append(cv2.imread(str(scan), cv2.IMREAD_UNCHANGED))
    for page in pages:
        framing = pp.frame_page(page, deskew=True, page_frame=True)
        for binarize_output in (False, True):
            for denoise in (True, False):
                options = {
                    "denoise": denoise,
                    "binarize_output": binarize_output,
                    "find_stamps": find_colour_stamps,
                }
                whole = pp.render_frame(page, framing, **options)  # type: ignore[arg-type]
                image, steps = pp.render_ocr_input(page, framing, **options)  # type: ignore[arg-type]
                assert np.array_equal(image, whole.ocr_image)
                assert steps == whole.steps
        ids = {s.id for s in whole.steps}
        assert page is not typed or {"preprocess.rotate", "preprocess.remove_colour_ink"} <= ids
