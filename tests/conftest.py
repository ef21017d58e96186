"""Shared fixtures: real-data paths, settings in a temp folder, one Prefect server per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "tests" / "resources"
INVALID = RESOURCES / "invalid"
SHARED = ROOT.parent / "shared"
REALDATA = SHARED / "realdata"
EHRI = REALDATA / "ehri-typewritten-diplomatic" / "english"
KOMI = REALDATA / "komi-vyl-tujod-1939" / "1939_09"

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed (make test installs it)"
)


@pytest.fixture
def settings(tmp_path: Path):
    from ocr.settings import load_settings

    return load_settings(None, output_dir=tmp_path / "out", workers=1)


GOOD_TEXT = (
    "Посетил Нам Ира. По просьбе последнего советником\n"
    "при научно-исследовательском институте земледелия\n"
    "тов. Сунцовым был подготовлен производственный план\n"
    "кооператива, над которым Нам Ир осуществляет шефство.\n"
    "На беседе присутствовал советник Посольства Петров\n"
    "и зав. консульским отделом Серегин.\n"
)


def render_text_page(path: Path, text: str = GOOD_TEXT, *, dpi: int = 150) -> Path:
    """A small clean typewritten-looking page with known text (fast to OCR)."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 150
    img = Image.new("RGB", (int(1240 * scale), int(1754 * scale)), (246, 242, 232))
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype("/usr/share/fonts/truetype/freefont/FreeMono.ttf", int(30 * scale))
    for i, line in enumerate(text.splitlines()):
        draw.text(
            (int(110 * scale), int((160 + 62 * i) * scale)), line, font=font, fill=(30, 30, 35)
        )
    img.save(path, dpi=(dpi, dpi))
    return path


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory):
    """One real `prefect server start` on a free loopback port for all flow tests."""
    import subprocess
    import sys
    import time
    import urllib.request

    from prefect.settings import PREFECT_API_URL, temporary_settings

    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
        "PREFECT_API_URL": url,
        "DO_NOT_TRACK": "1",
    }
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "prefect"),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(
                "prefect server did not start: " + (home / "server.log").read_text()[-2000:]
            )
        time.sleep(0.5)
    old = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        if old is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = old
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
