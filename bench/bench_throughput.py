"""Throughput of `ocr run` beside stock tesseract, same pages, same processes, one run.

Run from the project root:
  .venv/bin/python -m bench.bench_throughput [--baseline REV] [--label NAME] [--rounds N]

The pages: a synthetic set (``ocr synth --pages 16 --seed 4242``: 4 levels, half stamped) and
the held-out real pages of bench/real_split.json (typescript-fr in ``fra``, EHRI in ``eng``),
plus hostile pages (a black page, a huge page, a speckled page) with ``--hostile``. Stock
tesseract is ``tesseract IMG - -l LANG`` per page, two at a time, single-threaded. `ocr run` is
``ocr run --workers 2 --gt GT`` with default settings in a fresh process and output folder
(with ``--baseline`` also the code of that commit, exported with ``git archive``). Engines
alternate their order round by round. Every run's figures go to bench/throughput_runs/<label>.json
and bench/results_throughput.md shows them all side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common import BENCH, ROOT, SINGLE_THREAD, bench_command, export_source, source_env
from ocr_synth.levels import LEVELS

WORK = BENCH / "work" / "throughput"
SYNTH = BENCH / "work" / "throughput-synth"
RUNS = BENCH / "throughput_runs"
RESULTS = BENCH / "results_throughput.md"
SEED = 4242  # not used by any other benchmark or tuning set
SYNTH_PAGES = 16

GROUPS = (*LEVELS, "real", "hostile")
FLAG_SHORT = {
    "low_confidence": "lowconf",
    "possible OCR error": "ocr-err",
    "possible reference error": "ref-err",
    "suggested correction": "sugg",
    "unrecognised_ink": "unread",
    "handwriting": "hand",
    "short_line": "short",
}


@dataclass(frozen=True)
class Page:
    """One benchmark page: its file (a link in the inputs folder), group and reference."""

    name: str
    group: str
    language: str
    image: Path
    stamped: bool
    reference: str | None


@dataclass
class EngineRun:
    """One engine over every page in one run."""

    engine: str
    wall: float = 0.0
    texts: dict[str, str] = field(default_factory=dict)
    page_seconds: dict[str, float] = field(default_factory=dict)  # in the worker
    finish_seconds: dict[str, float] = field(default_factory=dict)  # in the main process
    stages: dict[str, dict[str, float]] = field(default_factory=dict)  # page -> stage -> s
    calls: dict[str, int] = field(default_factory=dict)
    flags: dict[str, dict[str, int]] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    process: dict[str, float] = field(default_factory=dict)  # CPU and peak RSS figures
    # page -> CPU seconds: python (worker), tesseract, finish (main process) from report.json's
    # cpu_seconds; stock's tesseract process per page
    page_cpu: dict[str, dict[str, float]] = field(default_factory=dict)


# --- the pages -----------------------------------------------------------------------------------


def ensure_synth() -> None:
    """The synthetic set, generated once (same seed, same files)."""
    if len(list(SYNTH.glob("synth-*.gt.txt"))) == SYNTH_PAGES:
        return
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "ocr"),
            "synth",
            "--out",
            str(SYNTH),
            "--pages",
            str(SYNTH_PAGES),
            "--seed",
            str(SEED),
            "-j",
            "2",
        ],
        check=True,
    )


def synth_copy(work: Path, stems: Sequence[str]) -> Path:
    """A folder ``work``/synth holding the synthetic set's pages (scan and truth) of ``stems``."""
    ensure_synth()
    folder = work / "synth"
    folder.mkdir()
    for stem in stems:
        for f in SYNTH.glob(f"{stem}-*"):
            shutil.copy(f, folder / f.name)
    return folder


def synth_pages() -> list[Page]:
    ensure_synth()
    pages = []
    for gt in sorted(SYNTH.glob("synth-*.gt.txt")):
        stem = gt.name.removesuffix(".gt.txt")
        image = next(p for p in SYNTH.glob(f"{stem}.*") if p.suffix in (".jpg", ".png"))
        level = next(lv for lv in LEVELS if f"-{lv}-" in stem)
        pages.append(
            Page(
                stem, level, "rus", image, stem.endswith("stamped"), gt.read_text(encoding="utf-8")
            )
        )
    return pages


def real_pages() -> list[Page]:
    """The held-out real pages of the sealed split (never used for tuning)."""
    from bench.common import real_pages as all_real

    return [
        Page(p.name, "real", p.language, p.image, False, p.truth)
        for p in all_real()
        if p.split == "held_out"
    ]


def hostile_pages(folder: Path) -> list[Page]:
    """A black page, a huge page (A4 at 600 dpi, ~35 Mpixel, a clean page enlarged) and a
    speckled page (8% of the pixels black)."""
    import cv2
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    speckled = np.full((3508, 2480), 235, np.uint8)
    speckled[rng.random(speckled.shape) < 0.08] = 0
    huge = cv2.resize(cv2.imread(str(SYNTH / "synth-005-clean-grey-typed.jpg")), (4960, 7016))
    images = {
        "hostile-black": np.zeros((3508, 2480), np.uint8),
        "hostile-huge": huge,
        "hostile-speckled": speckled,
    }
    pages = []
    for name, image in images.items():
        path = folder / f"{name}.png"
        if not path.is_file():  # the huge page says it is 600 dpi, as such a scan would
            rgb = image[:, :, ::-1] if image.ndim == 3 else image
            Image.fromarray(np.ascontiguousarray(rgb)).save(
                path, dpi=(600, 600) if name.endswith("huge") else (300, 300), compress_level=1
            )
        pages.append(Page(name, "hostile", "rus", path, False, None))
    return pages


def link_inputs(pages: Sequence[Page], work: Path) -> tuple[Path, Path, Path]:
    """inputs/ (links to every page), gt/ (<name>.txt) and settings.toml (language per file)."""
    inputs, gt = work / "inputs", work / "gt"
    for folder in (inputs, gt):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
    for page in pages:
        (inputs / f"{page.name}{page.image.suffix}").symlink_to(page.image.resolve())
        if page.reference is not None:
            (gt / f"{page.name}.txt").write_text(page.reference, encoding="utf-8")
    patterns = ", ".join(
        f'"{p.name}{p.image.suffix}" = "{p.language}"' for p in pages if p.language != "rus"
    )
    config = work / "settings.toml"
    config.write_text(
        f'[ocr]\nlanguages = "rus"\nlanguages_by_pattern = {{ {patterns} }}\n', encoding="utf-8"
    )
    return inputs, gt, config


def page_file(page: Page, inputs: Path) -> Path:
    return inputs / f"{page.name}{page.image.suffix}"


# --- engines -------------------------------------------------------------------------------------


def run_stock(pages: Sequence[Page], inputs: Path, *, workers: int = 2) -> EngineRun:
    """``tesseract IMG - -l LANG`` per page, ``workers`` single-threaded at a time."""
    env = {**os.environ, **SINGLE_THREAD}

    def one(page: Page) -> tuple[str, float, str, float, float]:
        start = time.perf_counter()
        proc = subprocess.Popen(
            ["tesseract", str(page_file(page, inputs)), "-", "-l", page.language],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert proc.stdout is not None
        text = proc.stdout.read().decode("utf-8", "replace")
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = 0
        return (
            page.name,
            time.perf_counter() - start,
            text,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
        )

    run = EngineRun("stock tesseract")
    cpu = rss = 0.0
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for name, seconds, text, used, peak in pool.map(one, pages):
            run.page_seconds[name], run.texts[name], run.calls[name] = seconds, text, 1
            run.page_cpu[name] = {"tesseract": used}
            cpu, rss = cpu + used, max(rss, peak)
    run.wall = time.perf_counter() - start
    run.process = {
        "main_cpu": 0.0,
        "children_cpu": cpu,
        "main_rss_mib": 0.0,
        "worker_rss_mib": 0.0,
        "tesseract_rss_mib": rss,
    }
    return run


def run_ours(
    pages: Sequence[Page], work: Path, *, engine: str, source: Path = ROOT, workers: int = 2
) -> EngineRun:
    """``ocr run`` in a fresh process (``ocr`` imported from ``source``), fresh output."""
    inputs, gt, config = work / "inputs", work / "gt", work / "settings.toml"
    out = work / f"out-{engine.replace(' ', '-').replace('@', '')}"
    subprocess.run(["rm", "-rf", str(out)], check=True)
    stats = work / f"{out.name}.stats.json"
    env = source_env(source)
    cmd = bench_command(
        "bench_throughput",
        "child",
        "--stats",
        str(stats),
        "--",
        "run",
        "--workers",
        str(workers),
        "--gt",
        str(gt),
        "--out",
        str(out),
        "--config",
        str(config),
        *[str(page_file(p, inputs)) for p in pages],
    )
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, cwd=work)
    data = json.loads(stats.read_text(encoding="utf-8")) if stats.is_file() else {}
    if not data:
        raise RuntimeError(f"{engine} failed: {proc.stderr[-3000:]}")
    run = EngineRun(
        engine, wall=data["wall"], finish_seconds=data["finish"], process=data["process"]
    )
    for page in pages:
        read_document(out / page.name, page.name, run)
    return run


def read_document(folder: Path, name: str, run: EngineRun) -> None:
    """A document's text, page seconds, stage seconds, tesseract calls and flags."""
    text = folder / f"{name}.txt"
    run.texts[name] = text.read_text(encoding="utf-8") if text.is_file() else ""
    report = folder / "report.json"
    if not report.is_file():
        run.failed.append(name)
        return
    data = json.loads(report.read_text(encoding="utf-8"))
    if data.get("failures"):
        run.failed.append(name)
    pages = data.get("pages") or []
    stages: dict[str, float] = defaultdict(float)
    for page in pages:
        for key, value in (page.get("seconds") or {}).items():
            stages[key] += float(value)
    if isinstance(data.get("seconds"), dict):  # document-level stages, where reported
        for key, value in data["seconds"].items():
            if key not in stages and key != "total":
                stages[f"doc:{key}"] += float(value)
    run.stages[name] = dict(stages)
    run.page_seconds[name] = sum(v for k, v in stages.items() if not k.startswith("doc:"))
    run.calls[name] = sum(int((p.get("provenance") or {}).get("tesseract_calls", 1)) for p in pages)
    run.flags[name] = dict(Counter(f.get("category") or f.get("type") for f in data["flags"]))
    if cpu := data.get("cpu_seconds"):  # measured by the code that ran (not before 19f)
        run.page_cpu[name] = {k: float(cpu[k]) for k in ("python", "tesseract", "finish")}


# --- the child process ---------------------------------------------------------------------------


class RssWatch:
    """Peak RSS of this process and of each descendant, sampled every 0.1 s; ``cpu`` is the
    sampling thread's own CPU seconds (taken out of the main process's CPU figure)."""

    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.peaks: dict[int, tuple[str, int]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.cpu = 0.0

    def _loop(self) -> None:
        import psutil

        while not self.stop.wait(0.1):
            try:
                procs = [self.me, *self.me.children(recursive=True)]
            except psutil.Error:
                continue
            for proc in procs:
                try:
                    rss, name = proc.memory_info().rss, proc.name()
                except psutil.Error:
                    continue
                if rss > self.peaks.get(proc.pid, ("", 0))[1]:
                    self.peaks[proc.pid] = (name, rss)
            self.cpu = time.thread_time()

    def figures(self) -> dict[str, float]:
        mib = 1024 * 1024
        me = self.peaks.get(self.me.pid, ("", 0))[1]
        workers = [
            r for pid, (n, r) in self.peaks.items() if pid != self.me.pid and n.startswith("python")
        ]
        tess = [r for n, r in self.peaks.values() if n.startswith("tesseract")]
        return {
            "main_rss_mib": me / mib,
            "worker_rss_mib": max(workers, default=0) / mib,
            "tesseract_rss_mib": max(tess, default=0) / mib,
        }


def child_main(argv: Sequence[str]) -> int:
    """Run the ``ocr`` command given after ``--``, timing each document's finishing."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--stats", type=Path, required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    import ocr.batch
    from ocr.cli import app

    finish: dict[str, float] = {}
    original = ocr.batch.finish_document

    def timed(scan: Any, *a: Any, **kw: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(scan, *a, **kw)
        finally:
            finish[scan.document] = time.perf_counter() - start

    ocr.batch.finish_document = timed  # type: ignore[assignment]
    watch = RssWatch()
    watch.thread.start()
    start = time.perf_counter()
    try:
        app(args=[a for a in args.command if a != "--"], standalone_mode=False)
    except SystemExit:
        pass
    wall = time.perf_counter() - start
    watch.stop.set()
    watch.thread.join(timeout=5)
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    process = {
        "main_cpu": me.ru_utime + me.ru_stime - watch.cpu,  # the benchmark's sampling out
        "watch_cpu": watch.cpu,
        "children_cpu": kids.ru_utime + kids.ru_stime,
        **watch.figures(),
    }
    args.stats.write_text(
        json.dumps({"wall": wall, "finish": finish, "process": process}), encoding="utf-8"
    )
    return 0


# --- figures -------------------------------------------------------------------------------------


def cer(pages: Sequence[Page], texts: Mapping[str, str]) -> float | None:
    """Micro CER of ``pages`` (those with a reference)."""
    from ocr.score import normalise, score_text

    errors = total = 0
    for page in pages:
        if page.reference is None:
            continue
        score = score_text(normalise(page.reference), normalise(texts.get(page.name, "")))
        errors, total = errors + score.char_errors, total + score.char_total
    return errors / total if total else None


def group_figures(pages: Sequence[Page], run: EngineRun) -> dict[str, Any]:
    """Per group: seconds per page (worker + finishing), calls per page, CER, flags."""
    out: dict[str, Any] = {}
    for group in [g for g in GROUPS if any(p.group == g for p in pages)] + ["all"]:
        chosen = [p for p in pages if group in ("all", p.group)]
        secs = sum(
            run.page_seconds.get(p.name, 0.0) + run.finish_seconds.get(p.name, 0.0) for p in chosen
        )
        flags: Counter[str] = Counter()
        for p in chosen:
            flags.update(run.flags.get(p.name, {}))
        out[group] = {
            "pages": len(chosen),
            "seconds": secs,
            "calls": sum(run.calls.get(p.name, 0) for p in chosen),
            "cer": cer(chosen, run.texts),
            "flags": dict(flags),
            "max_calls": max((run.calls.get(p.name, 0) for p in chosen), default=0),
            "cpu": _group_cpu(chosen, run),
        }
    return out


def _group_cpu(chosen: Sequence[Page], run: EngineRun) -> dict[str, float] | None:
    """CPU seconds of the pages, summed by part (None unless every page's was measured)."""
    if not chosen or any(p.name not in run.page_cpu for p in chosen):
        return None
    total: dict[str, float] = defaultdict(float)
    for p in chosen:
        for part, value in run.page_cpu[p.name].items():
            total[part] += value
    return dict(total)


def run_record(
    pages: Sequence[Page], runs: Sequence[EngineRun], *, label: str, argv: Sequence[str]
) -> dict[str, Any]:
    stages: dict[str, dict[str, float]] = {}
    for run in runs:
        total: dict[str, float] = defaultdict(float)
        for per in run.stages.values():
            for key, value in per.items():
                total[key] += value
        total["finish (main process)"] = sum(run.finish_seconds.values())
        stages[run.engine] = dict(total)
    return {
        "label": label,
        "command": " ".join(argv),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "commit": subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "pages": [asdict(p) | {"image": str(p.image), "reference": None} for p in pages],
        "engines": {
            r.engine: {
                "wall": r.wall,
                "process": r.process,
                "failed": r.failed,
                "groups": group_figures(pages, r),
                "stages": stages[r.engine],
                "calls": r.calls,
                "page_seconds": r.page_seconds,
                "page_cpu": r.page_cpu,
            }
            for r in runs
        },
    }


# --- the markdown ------------------------------------------------------------------------------


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.2f}%"


def throughput_table(rec: Mapping[str, Any]) -> list[str]:
    engines = rec["engines"]
    stock = engines["stock tesseract"]
    n = stock["groups"]["all"]["pages"]
    lines = [
        "| engine | pages | wall s | pages/min | × stock | tesseract calls/page (max) | "
        "main CPU s | workers+tesseract CPU s | × stock (CPU) | "
        "peak RSS worker / main / tesseract MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    stock_cpu = sum(stock["process"].get(k, 0.0) for k in ("main_cpu", "children_cpu"))
    for name, e in engines.items():
        g, p = e["groups"]["all"], e["process"]
        rss = (
            (f"{p['worker_rss_mib']:.0f} / {p['main_rss_mib']:.0f} / {p['tesseract_rss_mib']:.0f}")
            if p
            else "–"
        )
        cpu = (f"{p['main_cpu']:.1f}", f"{p['children_cpu']:.1f}") if p else ("–", "–")
        used = sum(p.get(k, 0.0) for k in ("main_cpu", "children_cpu"))
        cpu_ratio = f"{stock_cpu / used:.2f}" if used and stock_cpu else "–"
        lines.append(
            f"| {name} | {n} | {e['wall']:.1f} | {60 * n / e['wall']:.1f} | "
            f"{stock['wall'] / e['wall']:.2f} | {g['calls'] / n:.2f} ({g['max_calls']}) "
            f"| {cpu[0]} | {cpu[1]} | {cpu_ratio} | {rss} |"
        )
    return lines


def group_table(rec: Mapping[str, Any]) -> list[str]:
    engines = rec["engines"]
    names = [n for n in engines if n != "stock tesseract"]
    stock = engines["stock tesseract"]["groups"]
    head = (
        "| group | pages | stock s/page | "
        + " | ".join(f"{n} s/page | {n} × stock | {n} calls/page" for n in names)
        + " |"
    )
    lines = [head, "|" + "---|" * (3 + 3 * len(names))]
    for group, s in stock.items():
        row = f"| {group} | {s['pages']} | {s['seconds'] / s['pages']:.2f} |"
        for n in names:
            g = engines[n]["groups"][group]
            ratio = s["seconds"] / g["seconds"] if g["seconds"] else float("nan")
            row += (
                f" {g['seconds'] / g['pages']:.2f} | {ratio:.2f} | {g['calls'] / g['pages']:.2f} |"
            )
        lines.append(row)
    return lines


def cpu_table(rec: Mapping[str, Any]) -> list[str]:
    """Per group, CPU seconds a page: stock's tesseract process against ours (the page in its
    worker, its tesseract runs, its document's finishing in the main process)."""
    engines = rec["engines"]
    names = [n for n in engines if n != "stock tesseract"]
    stock = engines["stock tesseract"]["groups"]
    head = "| group | pages | stock CPU s/page | " + " | ".join(
        f"{n} CPU s/page (python + tesseract + finish) | {n} × stock (CPU)" for n in names
    )
    lines = [head + " |", "|" + "---|" * (3 + 2 * len(names))]
    for group, s in stock.items():
        if not s.get("cpu"):
            return []
        base = s["cpu"]["tesseract"] / s["pages"]
        row = f"| {group} | {s['pages']} | {base:.2f} |"
        for n in names:
            cpu = engines[n]["groups"][group].get("cpu")
            if not cpu:
                row += " – | – |"
                continue
            parts = [cpu.get(k, 0.0) / s["pages"] for k in ("python", "tesseract", "finish")]
            row += (
                f" {sum(parts):.2f} ({parts[0]:.2f} + {parts[1]:.2f} + {parts[2]:.2f}) | "
                f"{base / sum(parts):.2f} |"
            )
        lines.append(row)
    return lines


def accuracy_table(rec: Mapping[str, Any]) -> list[str]:
    engines = rec["engines"]
    names = list(engines)
    lines = [
        "| group | "
        + " | ".join(f"{n} CER" for n in names)
        + " | "
        + " | ".join(f"{n} flags" for n in names[1:])
        + " |",
        "|" + "---|" * (2 * len(names)),
    ]
    for group in engines["stock tesseract"]["groups"]:
        row = f"| {group} | " + " | ".join(pct(engines[n]["groups"][group]["cer"]) for n in names)
        for n in names[1:]:
            flags = engines[n]["groups"][group]["flags"]
            row += f" | {sum(flags.values())}: " + (
                ", ".join(f"{FLAG_SHORT.get(k, k)} {v}" for k, v in sorted(flags.items())) or "0"
            )
        lines.append(row + " |")
    return lines


def hostile_table(rec: Mapping[str, Any]) -> list[str]:
    """Each hostile page: seconds (stock: its process; ours: its worker stages), calls."""
    names = [p["name"] for p in rec["pages"] if p["group"] == "hostile"]
    if not names:
        return []
    engines = rec["engines"]
    lines = [
        "| page | " + " | ".join(f"{n} s | {n} calls" for n in engines) + " | failed |",
        "|" + "---|" * (2 + 2 * len(engines)),
    ]
    for name in names:
        cells = [
            f"{e['page_seconds'].get(name, 0.0):.1f} | {e['calls'].get(name, 0)}"
            for e in engines.values()
        ]
        failed = ", ".join(n for n, e in engines.items() if name in e["failed"]) or "–"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {failed} |")
    return ["### Hostile pages", "", *lines, ""]


def stage_table(rec: Mapping[str, Any]) -> list[str]:
    engines = {n: e for n, e in rec["engines"].items() if n != "stock tesseract"}
    keys = list(dict.fromkeys(k for e in engines.values() for k in e["stages"]))
    lines = [
        "| stage (s, summed over pages) | " + " | ".join(engines) + " |",
        "|" + "---|" * (1 + len(engines)),
    ]
    for key in keys:
        lines.append(
            f"| {key} | "
            + " | ".join(f"{e['stages'].get(key, 0.0):.1f}" for e in engines.values())
            + " |"
        )
    return lines


def history_table(records: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        "| run | commit | pages | stock pages/min | ocr run pages/min | × stock (all) | "
        "× stock (CPU) | × stock (heavy, s/page) | × stock (real, s/page) | "
        "× stock (heavy, CPU) | calls/page | CER ocr run (all) | flags | peak worker RSS MiB |",
        "|" + "---|" * 14,
    ]
    for rec in records:
        stock, ours = rec["engines"]["stock tesseract"], rec["engines"]["ocr run"]
        n = stock["groups"]["all"]["pages"]

        def ratio(group: str, s: Any = stock, o: Any = ours) -> str:
            if group not in s["groups"]:
                return "–"
            return f"{s['groups'][group]['seconds'] / o['groups'][group]['seconds']:.2f}"

        flags = sum(ours["groups"]["all"]["flags"].values())
        used = [
            sum(e["process"].get(k, 0.0) for k in ("main_cpu", "children_cpu"))
            for e in (stock, ours)
        ]
        cpu = f"{used[0] / used[1]:.2f}" if all(used) else "–"
        lines.append(
            f"| {rec['label']} | {rec['commit']} | {n} | {60 * n / stock['wall']:.1f} | "
            f"{60 * n / ours['wall']:.1f} | {stock['wall'] / ours['wall']:.2f} | {cpu} | "
            f"{ratio('heavy')} | {ratio('real')} | {_cpu_ratio(stock, ours, 'heavy')} | "
            f"{ours['groups']['all']['calls'] / n:.2f} | "
            f"{pct(ours['groups']['all']['cer'])} | {flags} | "
            f"{ours['process'].get('worker_rss_mib', 0):.0f} |"
        )
    return lines


def _cpu_ratio(stock: Mapping[str, Any], ours: Mapping[str, Any], group: str) -> str:
    """Stock's CPU seconds over ours for a group's pages ("–" where not measured)."""
    s, o = stock["groups"].get(group, {}).get("cpu"), ours["groups"].get(group, {}).get("cpu")
    if not s or not o:
        return "–"
    return f"{sum(s.values()) / sum(o.values()):.2f}"


def markdown(records: Sequence[Mapping[str, Any]]) -> str:
    latest = records[-1]
    out = [
        "# Throughput: `ocr run` beside stock tesseract",
        "",
        f"Reproduce: `{latest['command']}` (figures of every run: bench/throughput_runs/).",
        "",
        __doc__.split("\n\n", 2)[2].strip(),
        "",
        "× stock is stock's time over ours (1.00: as fast as stock; the target is ≥ 0.85 over "
        "all pages, ≥ 0.7 on heavy pages). Per group it compares seconds per page: stock's "
        "tesseract process per page against the page's worker stages plus its document's "
        "finishing in the main process (each benchmark page is its own document). The machine "
        "is noisy (2 cores shared with other agents): compare figures of the same run.",
        "",
        "## Runs, oldest first",
        "",
        *history_table(records),
        "",
    ]
    notes = RUNS / "NOTES.md"  # what the figures say, written after looking at them
    if notes.is_file():
        out += [notes.read_text(encoding="utf-8").strip(), ""]
    for rec in reversed(records):
        out += [
            f"## Run '{rec['label']}' (commit {rec['commit']}, {rec['date']} UTC)",
            "",
            f"Command: `{rec['command']}`",
            "",
            "### Whole run",
            "",
            *throughput_table(rec),
            "",
            "### Per group",
            "",
            *group_table(rec),
            "",
            *(["### CPU per group", "", *cpu, ""] if (cpu := cpu_table(rec)) else []),
            "### Accuracy and flags",
            "",
            *accuracy_table(rec),
            "",
            *hostile_table(rec),
            "### Stages",
            "",
            *stage_table(rec),
            "",
        ]
    return "\n".join(out)


def load_records(order: Sequence[str]) -> list[dict[str, Any]]:
    records = [json.loads(p.read_text(encoding="utf-8")) for p in RUNS.glob("*.json")]
    rank = {name: i for i, name in enumerate(order)}
    return sorted(records, key=lambda r: (rank.get(r["label"], len(rank)), r["date"]))


# --- main ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["child"]:
        return child_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", help="also run `ocr run` of this commit")
    parser.add_argument("--label", default="latest", help="name of this run's record")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--hostile", action="store_true", help="add the hostile pages")
    parser.add_argument("--no-real", action="store_true")
    parser.add_argument(
        "--order",
        nargs="*",
        default=["before"],
        help="labels shown first in the history table, in this order",
    )
    parser.add_argument("--render", action="store_true", help="only rewrite the markdown")
    args = parser.parse_args(argv)
    if args.render:
        RESULTS.write_text(markdown(load_records(args.order)) + "\n", encoding="utf-8")
        return 0
    pages = synth_pages() + ([] if args.no_real else real_pages())
    pages += hostile_pages(WORK / "hostile") if args.hostile else []
    inputs, _, _ = link_inputs(pages, WORK)
    engines: list[tuple[str, Path | None]] = [("stock tesseract", None), ("ocr run", ROOT)]
    if args.baseline:
        engines.append(
            (
                f"ocr run @{args.baseline}",
                export_source(args.baseline, WORK / f"src-{args.baseline}"),
            )
        )
    totals: dict[str, EngineRun] = {}
    for round_ in range(args.rounds):
        for name, source in engines if round_ % 2 == 0 else engines[::-1]:
            print(f"round {round_ + 1}: {name}", file=sys.stderr, flush=True)
            run = (
                run_stock(pages, inputs)
                if source is None
                else run_ours(pages, WORK, engine=name, source=source)
            )
            print(f"  {run.wall:.1f} s", file=sys.stderr, flush=True)
            totals[name] = merge(totals.get(name), run)
    cmd = ["bench/bench_throughput.py", *argv]
    record = run_record(
        pages, [totals[n] for n, _ in engines], label=args.label, argv=[".venv/bin/python", *cmd]
    )
    RUNS.mkdir(parents=True, exist_ok=True)
    (RUNS / f"{args.label}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    RESULTS.write_text(markdown(load_records(args.order)) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


def merge(total: EngineRun | None, run: EngineRun) -> EngineRun:
    """Rounds summed: wall, seconds and CPU add; texts, calls and flags are the last round's."""
    if total is None:
        return run
    run.wall += total.wall
    for name in run.page_seconds:
        run.page_seconds[name] += total.page_seconds.get(name, 0.0)
    for name in run.finish_seconds:
        run.finish_seconds[name] += total.finish_seconds.get(name, 0.0)
    for name, parts in run.page_cpu.items():
        for part in parts:
            parts[part] += total.page_cpu.get(name, {}).get(part, 0.0)
    for key in ("main_cpu", "children_cpu"):
        if key in run.process:
            run.process[key] += total.process.get(key, 0.0)
    for key in ("main_rss_mib", "worker_rss_mib", "tesseract_rss_mib"):
        if key in run.process:
            run.process[key] = max(run.process[key], total.process.get(key, 0.0))
    return run


if __name__ == "__main__":
    raise SystemExit(main())
