"""Tables (Markdown) and plots (PNG) of the benchmark's measurements."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.bench_scores import PageScore, Rates, grouped
from bench.common import pct


def level_rates(
    scores: Mapping[str, Mapping[str, PageScore]], level_of: Mapping[str, str]
) -> dict[str, dict[str, Rates]]:
    """engine -> level -> micro-averaged rates."""
    return {engine: grouped(pages, lambda n: level_of[n]) for engine, pages in scores.items()}


def accuracy_table(
    by_level: Mapping[str, Mapping[str, Rates]], engines: Sequence[str], levels: Sequence[str]
) -> list[str]:
    rows = [
        "| level | engine | pages | ref. chars | CER | WER | CER archival | WER archival |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for level in levels:
        for engine in engines:
            r = by_level.get(engine, {}).get(level)
            if r is None:
                continue
            rows.append(
                f"| {level} | {engine} | {r.pages} | {r.chars} | {pct(r.cer)} | "
                f"{pct(r.wer)} | {pct(r.cer_archival)} | {pct(r.wer_archival)} |"
            )
    return rows


def split_table(
    scores: Mapping[str, Mapping[str, PageScore]],
    engines: Sequence[str],
    key: Mapping[str, str],
    groups: Sequence[str],
    label: str,
) -> list[str]:
    """Strict CER (archival in brackets) per group for each engine."""
    rows = [f"| {label} | " + " | ".join(engines) + " |", "|---" * (len(engines) + 1) + "|"]
    per_engine = {e: grouped(scores[e], lambda n: key[n]) for e in engines if e in scores}
    for group in groups:
        cells = []
        for engine in engines:
            r = per_engine.get(engine, {}).get(group)
            cells.append("-" if r is None else f"{pct(r.cer)} ({pct(r.cer_archival)})")
        rows.append(f"| {group} | " + " | ".join(cells) + " |")
    return rows


def throughput_table(runs: Mapping[str, Any], engines: Sequence[str]) -> list[str]:
    floor = runs.get("tesseract floor")
    rows = ["| engine | pages | wall s | pages/min | × floor |", "|---|---|---|---|---|"]
    for engine in engines:
        run = runs.get(engine)
        if run is None:
            continue
        ratio = run.pages_per_minute / floor.pages_per_minute if floor else float("nan")
        rows.append(
            f"| {engine} | {run.pages} | {run.seconds:.1f} | {run.pages_per_minute:.1f} "
            f"| {ratio:.2f} |"
        )
    return rows


def memory_table(runs: Mapping[str, Any], engines: Sequence[str]) -> list[str]:
    rows = [
        "| engine | driving process MiB | largest worker tree MiB | largest tesseract MiB |",
        "|---|---|---|---|",
    ]
    for engine in engines:
        run = runs.get(engine)
        if run is not None:
            m = run.memory
            rows.append(
                f"| {engine} | {m.get('main_process', 0):.0f} | "
                f"{m.get('worker_tree_max', 0):.0f} | {m.get('tesseract_max', 0):.0f} |"
            )
    return rows


def stage_table(stages: Mapping[str, Sequence[float]]) -> list[str]:
    rows = ["| stage | where | n | mean s | median s | max s |", "|---|---|---|---|---|---|"]
    where = {
        "load": "worker",
        "preprocess": "worker",
        "ocr": "worker (tesseract)",
        "score": "main",
        "flag": "main",
        "finish": "main (score+flag+reports)",
    }
    for stage in ("load", "preprocess", "ocr", "score", "flag", "finish"):
        values = list(stages.get(stage, ()))
        if values:
            rows.append(
                f"| {stage} | {where[stage]} | {len(values)} | "
                f"{statistics.fmean(values):.2f} | {statistics.median(values):.2f} | "
                f"{max(values):.2f} |"
            )
    return rows


def rates_row(name: str, r: Rates) -> str:
    return (
        f"| {name} | {r.pages} | {r.chars} | {pct(r.cer)} | {pct(r.wer)} | "
        f"{pct(r.cer_archival)} | {pct(r.wer_archival)} |"
    )


RATES_HEAD = [
    "| | pages/lines | ref. chars | CER | WER | CER archival | WER archival |",
    "|---|---|---|---|---|---|---|",
]


def plot_accuracy(
    by_level: Mapping[str, Mapping[str, Rates]],
    engines: Sequence[str],
    levels: Sequence[str],
    path: Path,
) -> None:
    """Grouped bars: CER per level and engine, strict and archival side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    width = 0.8 / max(len(engines), 1)
    for ax, field, title in ((axes[0], "cer", "strict"), (axes[1], "cer_archival", "archival")):
        for i, engine in enumerate(engines):
            values = [
                getattr(by_level.get(engine, {}).get(lv), field, None) or 0.0 for lv in levels
            ]
            ax.bar(
                [x + i * width for x in range(len(levels))],
                [v * 100 for v in values],
                width,
                label=engine,
            )
        ax.set_xticks([x + width * (len(engines) - 1) / 2 for x in range(len(levels))], levels)
        ax.set_title(f"CER by degradation level ({title})")
        ax.set_ylabel("CER %")
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_throughput(runs: Mapping[str, Any], engines: Sequence[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [e for e in engines if e in runs]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh(shown, [runs[e].pages_per_minute for e in shown], color="#4a7ab5")
    floor = runs.get("tesseract floor")
    if floor:
        for target, style in ((0.9, "--"), (0.85, ":")):
            ax.axvline(
                floor.pages_per_minute * target,
                color="grey",
                linestyle=style,
                label=f"{target:.2f} × floor",
            )
        ax.legend(loc="lower right")
    ax.set_xlabel("pages per minute (2 cores, same pages)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_stages(stages: Mapping[str, Sequence[float]], path: Path) -> None:
    """One stacked bar: mean seconds per page of each stage of `ocr run`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [s for s in ("load", "preprocess", "ocr", "score", "flag") if stages.get(s)]
    other = [
        f - s - g
        for f, s, g in zip(
            stages.get("finish", []), stages.get("score", []), stages.get("flag", []), strict=False
        )
    ]
    values = [statistics.fmean(stages[s]) for s in names]
    if other:
        names.append("reports")
        values.append(statistics.fmean(other))
    fig, ax = plt.subplots(figsize=(7, 2.2))
    left = 0.0
    for name, value in zip(names, values, strict=True):
        ax.barh(["ocr run"], [value], left=left, label=f"{name} {value:.2f} s")
        left += value
    ax.set_xlabel("mean seconds per page (one worker)")
    ax.legend(ncol=3, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.45))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
