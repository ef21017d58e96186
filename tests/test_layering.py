"""The package's layering: no import cycle between ocr/ modules and no import from a lower stage
to a higher one (imports inside functions and under TYPE_CHECKING count too)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]

# The stages, lowest first: a module may import its own layer and the layers before it. A module
# belongs to the layer of its longest listed prefix ("ocr" alone is the package's __init__).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "records",
        (
            "ocr",
            "ocr.records",
            "ocr.exceptions",
            "ocr.fsutil",
            "ocr.timing",
            "ocr.geometry",
            "ocr.textio",
            "ocr.formats",
        ),
    ),
    # Image primitives (gray, paper colour, the colour-ink mask, hues): preprocessing and the
    # detectors both read them; the stamp detector reaches preprocessing only as an argument.
    ("imaging", ("ocr.imaging",)),
    ("load", ("ocr.load",)),
    ("preprocess", ("ocr.frame", "ocr.preprocess", "ocr.inkcolour")),
    # What tesseract said (words, each character's choices) and the language's word list: read by
    # the flag stage's triage as well as by correction.
    (
        "ocr",
        (
            "ocr.tesseract",
            "ocr.quality",
            "ocr.readings",
            "ocr.linereads",
            "ocr.merge",
            "ocr.merge_files",
            "ocr.order",
            "ocr.casing",
            "ocr.reletter",
            "ocr.marks",
            "ocr.pagenum",
            "ocr.pagexml",
            "ocr.correct.evidence",
            "ocr.correct.lexicon",
            "ocr.correct.index",
            "ocr.worker_warm",
        ),
    ),
    ("detect", ("ocr.detect", "ocr.reframe")),
    ("score", ("ocr.score", "ocr.folding")),
    (
        "flag",
        (
            "ocr.flag",
            "ocr.flag_records",
            "ocr.glyphs",
            "ocr.triage",
            "ocr.items",
            "ocr.page_checks",
        ),
    ),
    ("correct", ("ocr.correct",)),
    # Settings gathers every stage's options, so it sits above the stages it configures: they take
    # keyword options and only the layers above read Settings.
    ("settings", ("ocr.settings",)),
    # The records a page and a document carry from stage to stage, read by report and publish.
    ("results", ("ocr.results",)),
    # Each stage as the pipeline runs it: its work and settings in, a record of ocr.results out.
    ("stages", ("ocr.stages",)),
    ("report", ("ocr.report", "ocr.report_records", "ocr.publish")),
    # The results database: its tables (the review's too), the review's rules applied in the same
    # transaction as a document is saved (decisions carried over, carbon copies linked), and what
    # correction learns from it.
    (
        "store",
        (
            "ocr.tables",
            "ocr.review.models",
            "ocr.review.carry",
            "ocr.review.copies",
            "ocr.store",
            "ocr.lessons",
        ),
    ),
    ("pipeline", ("ocr.pipeline", "ocr.batch", "ocr.score_cli")),
    ("review", ("ocr.review", "ocr.publish.reviewed")),
    ("cli", ("ocr.cli",)),
)


def module_names() -> dict[str, Path]:
    """Every module of ocr/ by dotted name (a package by its own name)."""
    out = {}
    for path in sorted((ROOT / "ocr").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def layer_of(module: str) -> int:
    """The index in LAYERS of the longest prefix that names ``module`` or one of its packages."""
    best, best_len = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix != "ocr"
            if (module == prefix or inside) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    return best


def _targets(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    for alias in node.names:
        yield f"{base}.{alias.name}"  # a submodule, or a name whose module is found below
        yield base


def import_graph() -> dict[str, set[str]]:
    """Which ocr/ modules each ocr/ module imports, anywhere in its source."""
    modules = module_names()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.update(
                    t for t in _targets(name, node, path.name == "__init__.py") if t in modules
                )
        found.discard(name)
        graph[name] = found
    return graph


def import_cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The groups of modules that import one another (strongly connected, two or more)."""
    reach = {m: _reachable(m, graph) for m in graph}
    return {
        frozenset(m2 for m2 in reach[m] if m in reach[m2]) | {m}
        for m in graph
        if any(m in reach[m2] for m2 in reach[m])
    }


def _reachable(start: str, graph: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _is_package_of(a: str, b: str) -> bool:
    """``a`` is a package that holds ``b`` (a package's __init__ importing its own modules)."""
    return b.startswith(a + ".")


def test_every_module_has_a_layer() -> None:
    assert [m for m in module_names() if layer_of(m) < 0] == []


def backward_imports(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """(importer, imported) pairs where a lower layer imports a higher one."""
    return {(m, t) for m, targets in graph.items() for t in targets if layer_of(t) > layer_of(m)}


def test_no_import_from_a_lower_layer_to_a_higher_one() -> None:
    names = [name for name, _ in LAYERS]
    found = backward_imports(import_graph())
    new = sorted(f"{m} ({names[layer_of(m)]}) imports {t} ({names[layer_of(t)]})" for m, t in found)
    assert new == []


def test_no_import_cycle() -> None:
    graph = import_graph()
    # A package's __init__ re-exporting its modules is not a cycle of its own.
    graph = {m: {t for t in ts if not _is_package_of(m, t)} for m, ts in graph.items()}
    assert sorted(sorted(c) for c in import_cycles(graph)) == []


def test_the_checker_sees_backward_imports_and_cycles() -> None:
    graph = {"ocr.records": {"ocr.pipeline"}, "ocr.pipeline": {"ocr.report"}, "ocr.report": set()}
    # an import inside a function is an edge like any other (ocr.lessons reads the store lazily)
    assert "ocr.store" in import_graph()["ocr.lessons"]
    assert backward_imports(graph) == {("ocr.records", "ocr.pipeline")}
    graph["ocr.report"] = {"ocr.records"}
    assert import_cycles(graph) == {frozenset({"ocr.records", "ocr.pipeline", "ocr.report"})}
