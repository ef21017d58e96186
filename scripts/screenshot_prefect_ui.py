"""Take docs/prefect-ui.png: a real Prefect server, the sample batch through the flow, its run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(360):
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("prefect server exited") from None
            time.sleep(0.5)
    raise SystemExit("prefect server did not start")


def main() -> None:
    port, bindir = _port(), Path(sys.executable).parent
    home = Path(tempfile.mkdtemp(prefix="prefect-ui-"))
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    server = subprocess.Popen(
        [str(bindir / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"{api}/health", server)
        out = home / "out"
        subprocess.run(
            [
                str(bindir / "ocr"),
                "flow",
                str(ROOT / "scans"),
                "--gt",
                str(ROOT / "ground_truth"),
                "--out",
                str(out),
                "--review-url",
                "http://127.0.0.1:8000",
            ],
            env=env,
            cwd=ROOT,
            check=False,
        )
        os.environ.update(PREFECT_API_URL=api)
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            run = client.read_flow_runs(limit=1)[0]
        _shoot(
            f"http://127.0.0.1:{port}/runs/flow-run/{run.id}?tab=Artifacts",
            ROOT / "docs" / "prefect-ui.png",
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def _shoot(url: str, path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url, wait_until="networkidle")
        page.wait_for_timeout(4000)
        page.screenshot(path=str(path), full_page=False)
        page.get_by_text("Artifacts", exact=True).first.click()
        page.wait_for_timeout(2500)
        page.mouse.wheel(0, 500)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(path.with_name("prefect-artifacts.png")), full_page=False)
        browser.close()
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
