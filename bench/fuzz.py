"""A short fuzz campaign over the loaders and parsers: scans, references, ALTO/PAGE/hOCR, stage
manifests, detected-region files, settings files, and the review app's ids, queries and forms.

Run: .venv/bin/python -m bench.fuzz [--seconds 300] [--seed 16]   (or `make fuzz`)

Inputs come from hypothesis strategies (tests/fuzzing.py): real files damaged (bytes flipped,
cut, repeated, spliced), markup built from the formats' vocabularies, arbitrary bytes, ids and
text. Every target must return a result or raise an OcrError (a 4xx page for the app); any other
exception is a crash: counted, its input saved to bench/fuzz-crashes/, and the campaign goes on.
Writes bench/results_fuzz.md and prints it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as given_seed
from hypothesis import strategies as st

from bench.common import ROOT
from ocr.exceptions import OcrError
from tests.fuzzing import markup, mutated, regions_seed, seed_files

CRASHES = ROOT / "bench" / "fuzz-crashes"
RESULTS = ROOT / "bench" / "results_fuzz.md"
WORK = Path(tempfile.mkdtemp(prefix="ocr-fuzz-"))
HISTORY = "## Crashes found and fixed"


@dataclass
class Tally:
    """What one target saw."""

    inputs: int = 0
    results: int = 0
    typed: Counter[str] = field(default_factory=Counter)
    crashes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)


def _file(data: bytes, name: str) -> Path:
    path = WORK / name
    path.write_bytes(data)
    return path


# --- targets: each takes one input and returns, or raises an OcrError ----------------------------


def reference(data: bytes) -> None:
    from ocr.textio import reference_from_bytes

    reference_from_bytes(Path("ref.txt"), data)


def alto_page_hocr(data: bytes) -> None:
    from ocr.formats import read_source

    read_source(_file(data, "page.xml"))


def scan(data: bytes) -> None:
    from ocr.load import inspect_scan, load_page

    name = ("scan.png", "scan.jpg", "scan.tif", "scan.pdf")[data[0] % 4 if data else 0]
    info = inspect_scan(_file(data, name), dpi=72, max_pixels=40_000_000)
    load_page(info, 1, dpi=72, max_pixels=40_000_000)


def manifest(data: bytes) -> None:
    from ocr.stages.cache import read_manifest

    found = read_manifest(_file(data, "p001.prep.json"), "key")
    assert found is None or found["key"] == "key"


def regions(data: bytes) -> None:
    from ocr.review.document import OcrPage
    from ocr.review.export import detected_graphics
    from ocr.tesseract import words_to_text

    page = OcrPage(
        1, words_to_text([]), 100, 100, WORK / "p001.tsv", None, _file(data, "p001.regions.json")
    )
    detected_graphics(page)


def settings_file(data: bytes) -> None:
    from ocr.settings import load_settings

    load_settings(_file(data, "ocr.toml"))


class ReviewApp:
    """The review app on a small database, asked with arbitrary ids, queries and forms."""

    def __init__(self) -> None:
        from fastapi.testclient import TestClient

        from ocr.review.app import create_app
        from tests.test_review_app import ORIGIN, csrf, make_sample

        self.sample = make_sample(Path(tempfile.mkdtemp(prefix="ocr-fuzz-app-")))
        app = create_app(self.sample.url, self.sample.out, None)
        self.client = TestClient(
            app, base_url=ORIGIN, raise_server_exceptions=False, headers={"Origin": ORIGIN}
        )
        self.token = csrf(self.client)

    def __call__(self, data: bytes) -> None:
        from urllib.parse import quote

        params = json.loads(data)
        item = quote(str(params.pop("item")), safe="")
        form = {**params.pop("form"), "csrf_token": self.token}
        answers = [
            self.client.get(f"/flags/{item}", params=params),
            self.client.get(f"/documents/{item}", params=params),
            self.client.get("/queue", params=params),
            self.client.get(f"/files/{item}"),
            self.client.post(
                f"/flags/{item}/decide", data=form, params=params, follow_redirects=False
            ),
        ]
        bad = [r for r in answers if r.status_code >= 500]
        if bad:
            raise RuntimeError(
                f"{bad[0].request.method} {bad[0].request.url}: {bad[0].status_code}"
            )


def _app_inputs() -> st.SearchStrategy[bytes]:
    text = st.one_of(st.text(max_size=24), st.integers().map(str))
    item = st.one_of(st.integers(), st.integers(min_value=2**62, max_value=2**80), text)
    form = st.fixed_dictionaries({"version": text, "action": text, "reviewer": text, "text": text})
    params = st.dictionaries(
        st.sampled_from(("run", "document", "type", "status", "offset", "flow_run")),
        text,
        max_size=4,
    )
    return st.tuples(item, form, params).map(
        lambda t: json.dumps({"item": t[0], "form": t[1], **t[2]}).encode()
    )


def _seeded(files: list[Path]) -> st.SearchStrategy[bytes]:
    if not files:
        return st.binary(max_size=1024)
    return st.sampled_from([p.read_bytes() for p in files]).flatmap(mutated)


def targets() -> dict[str, tuple[Callable[[bytes], None], st.SearchStrategy[bytes]]]:
    seeds = seed_files()
    toml = st.sampled_from(
        [b'[ocr]\nlanguages = "rus"\ndpi = 300\n', (ROOT / "ocr.toml").read_bytes()]
    ).flatmap(mutated)
    return {
        "reference (text decoding)": (
            reference,
            st.one_of(st.binary(max_size=4096), _seeded(seeds["reference"])),
        ),
        "ALTO / PAGE / hOCR": (
            alto_page_hocr,
            st.one_of(
                markup(), _seeded(seeds["markup"]), st.binary(max_size=512).map(lambda b: b"<" + b)
            ),
        ),
        "scan loader (PNG/JPEG/TIFF/PDF)": (scan, _seeded(seeds["scan"])),
        "stage manifest": (
            manifest,
            st.one_of(
                st.binary(max_size=512), st.just(b'{"key": "key", "rows": 1}').flatmap(mutated)
            ),
        ),
        "detected regions (regions.json)": (
            regions,
            st.one_of(st.binary(max_size=512), st.just(regions_seed()).flatmap(mutated)),
        ),
        "settings file (TOML)": (settings_file, st.one_of(st.binary(max_size=512), toml)),
        "review app (ids, queries, forms)": (ReviewApp(), _app_inputs()),
    }


def _run_target(
    name: str,
    target: Callable[[bytes], None],
    inputs: st.SearchStrategy[bytes],
    seconds: float,
    seed: int,
) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds

    def once(data: bytes) -> None:
        if time.monotonic() > deadline:
            return
        tally.inputs += 1
        try:
            target(data)
            tally.results += 1
        except OcrError as e:
            tally.typed[e.kind] += 1
        except Exception as e:  # noqa: BLE001 - a crash: recorded, the campaign goes on
            where = traceback.extract_tb(e.__traceback__)[-1]
            key = f"{type(e).__name__} at {Path(where.filename).name}:{where.lineno}"
            tally.crashes[key] += 1
            if key not in tally.examples:
                digest = hashlib.sha256(data).hexdigest()[:12]
                CRASHES.mkdir(parents=True, exist_ok=True)
                saved = CRASHES / f"{name.split()[0]}-{digest}.bin"
                saved.write_bytes(data)
                tally.examples[key] = f"{e!s:.120} (input: {saved.relative_to(ROOT)})"

    run = 0
    while time.monotonic() < deadline:
        run += 1
        check = settings(
            max_examples=200,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        given_seed(seed * 1000 + run)(check(given(inputs)(once)))()
    return tally


def report(tallies: dict[str, Tally], seconds: float, seed: int) -> str:
    total = sum(t.inputs for t in tallies.values())
    crashes = sum(sum(t.crashes.values()) for t in tallies.values())
    lines = [
        "# Fuzz campaign (bench/fuzz.py)",
        "",
        f"`.venv/bin/python -m bench.fuzz --seconds {seconds:g} --seed {seed}`: "
        f"{total:,} inputs over {len(tallies)} targets, {crashes:,} crash(es) "
        "(an exception other than a typed OcrError, or a 5xx from the review app).",
        "",
        "| target | inputs | results | typed errors | crashes |",
        "|---|---:|---:|---|---:|",
    ]
    for name, t in tallies.items():
        typed = ", ".join(f"{k} {v}" for k, v in t.typed.most_common(4)) or "–"
        lines.append(
            f"| {name} | {t.inputs:,} | {t.results:,} | {typed} | {sum(t.crashes.values()):,} |"
        )
    for name, t in tallies.items():
        for key, example in t.examples.items():
            lines.append(f"\n- **{name}**: {key} ×{t.crashes[key]}: {example}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="whole campaign")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    chosen = targets()
    share = args.seconds / len(chosen)
    tallies = {}
    for name, (target, inputs) in chosen.items():
        tallies[name] = _run_target(name, target, inputs, share, args.seed)
        t = tallies[name]
        print(f"{name}: {t.inputs:,} inputs, {sum(t.crashes.values())} crash(es)", flush=True)
    text = report(tallies, args.seconds, args.seed)
    old = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
    history = old[old.index(HISTORY) :] if HISTORY in old else ""  # kept by hand, across runs
    args.out.write_text(text + ("\n" + history if history else ""), encoding="utf-8")
    print(text)
    return 1 if any(t.crashes for t in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
