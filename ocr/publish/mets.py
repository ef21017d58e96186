"""METS per document: the files of each page (images, ALTO, PAGE), the PDF, and provenance."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lxml import etree

from ocr.fsutil import atomic_write_bytes, sha256_file

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
PROV = "urn:archival-ocr:provenance:1"
_M = f"{{{METS}}}"


@dataclass(frozen=True)
class MetsFile:
    """One file of the document: its file group (USE), path, MIME type, and page (None: the
    whole document)."""

    use: str
    path: Path
    mimetype: str
    page: int | None = None


@dataclass(frozen=True)
class MetsAgent:
    """A tool that made the files: name and version, its role, and notes (settings, models)."""

    name: str
    role: str = "CREATOR"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetsDocument:
    """Everything a document's METS says: its pages in order, files, tools, and each page's
    processing steps."""

    name: str
    pages: tuple[int, ...]
    files: tuple[MetsFile, ...]
    agents: tuple[MetsAgent, ...]
    created: datetime
    steps: Mapping[int, Sequence[Mapping[str, Any]]] = field(default_factory=dict)


def _href(path: Path, base: Path) -> str:
    """A URI reference to ``path`` relative to the METS file's folder (absolute elsewhere)."""
    try:
        rel = os.path.relpath(path.resolve(), base.resolve())
    except ValueError:
        return path.resolve().as_uri()
    return quote(Path(rel).as_posix())


def _file_id(f: MetsFile) -> str:
    use = re.sub(r"[^A-Za-z0-9]+", "_", f.use).strip("_").upper() or "FILE"
    return f"FILE_{f.page:04d}_{use}" if f.page is not None else f"FILE_{use}"


def _agents(header: etree._Element, agents: Sequence[MetsAgent]) -> None:
    for agent in agents:
        attrs = {"TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"}
        attrs |= (
            {"ROLE": agent.role}
            if agent.role == "CREATOR"
            else {"ROLE": "OTHER", "OTHERROLE": agent.role}
        )
        el = etree.SubElement(header, _M + "agent", attrs)
        etree.SubElement(el, _M + "name").text = agent.name
        for note in agent.notes:
            etree.SubElement(el, _M + "note").text = note


def _provenance(amd: etree._Element, page: int, steps: Sequence[Mapping[str, Any]]) -> str:
    """A digiprovMD with the page's processing steps and their settings; returns its ID."""
    ident = f"PROV_{page:04d}"
    md = etree.SubElement(amd, _M + "digiprovMD", ID=ident)
    wrap = etree.SubElement(md, _M + "mdWrap", MDTYPE="OTHER", OTHERMDTYPE="archival-ocr-steps")
    holder = etree.SubElement(
        etree.SubElement(wrap, _M + "xmlData"), f"{{{PROV}}}steps", nsmap={"ao": PROV}
    )
    for step in steps:
        el = etree.SubElement(
            holder,
            f"{{{PROV}}}step",
            id=str(step.get("id", "")),
            category=str(step.get("category", "")),
        )
        el.text = str(step.get("description", ""))
        for key, value in (step.get("settings") or {}).items():
            etree.SubElement(el, f"{{{PROV}}}setting", name=str(key)).text = str(value)
    return ident


def _file_sec(root: etree._Element, files: Sequence[MetsFile], base: Path) -> None:
    sec = etree.SubElement(root, _M + "fileSec")
    groups: dict[str, etree._Element] = {}
    for f in files:
        if f.use not in groups:
            groups[f.use] = etree.SubElement(sec, _M + "fileGrp", USE=f.use)
        el = etree.SubElement(
            groups[f.use],
            _M + "file",
            ID=_file_id(f),
            MIMETYPE=f.mimetype,
            CHECKSUM=sha256_file(f.path),
            CHECKSUMTYPE="SHA-256",
            SIZE=str(f.path.stat().st_size),
        )
        etree.SubElement(
            el, _M + "FLocat", {"LOCTYPE": "URL", f"{{{XLINK}}}href": _href(f.path, base)}
        )


def _struct_map(root: etree._Element, doc: MetsDocument, admids: Mapping[int, str]) -> None:
    smap = etree.SubElement(root, _M + "structMap", TYPE="PHYSICAL")
    seq = etree.SubElement(smap, _M + "div", ID="PHYS_0000", TYPE="physSequence", LABEL=doc.name)
    for f in doc.files:
        if f.page is None:
            etree.SubElement(seq, _M + "fptr", FILEID=_file_id(f))
    for order, page in enumerate(doc.pages, start=1):
        attrs = {
            "ID": f"PHYS_{page:04d}",
            "TYPE": "page",
            "ORDER": str(order),
            "ORDERLABEL": str(page),
        }
        if page in admids:
            attrs["ADMID"] = admids[page]
        div = etree.SubElement(seq, _M + "div", attrs)
        for f in doc.files:
            if f.page == page:
                etree.SubElement(div, _M + "fptr", FILEID=_file_id(f))


def build_mets(doc: MetsDocument, *, base: Path) -> bytes:
    """The METS document; file references are relative to ``base`` (the METS file's folder)."""
    root = etree.Element(
        _M + "mets",
        nsmap={"mets": METS, "xlink": XLINK},
        OBJID=doc.name,
        LABEL=doc.name,
        TYPE="document",
    )
    header = etree.SubElement(
        root,
        _M + "metsHdr",
        RECORDSTATUS="COMPLETE",
        CREATEDATE=doc.created.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    _agents(header, doc.agents)
    admids: dict[int, str] = {}
    if any(doc.steps.get(p) for p in doc.pages):
        amd = etree.SubElement(root, _M + "amdSec", ID="AMD")
        admids = {p: _provenance(amd, p, doc.steps[p]) for p in doc.pages if doc.steps.get(p)}
    _file_sec(root, doc.files, base)
    _struct_map(root, doc, admids)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_mets(path: Path, doc: MetsDocument) -> Path:
    """Write the METS file atomically."""
    return atomic_write_bytes(path, build_mets(doc, base=path.parent))


@functools.cache
def mets_schema() -> etree.XMLSchema:
    """METS 1.12.1 with its xlink import, from the package (no network; data/ORIGIN.md)."""
    with resources.as_file(resources.files("ocr.publish").joinpath("data/mets.xsd")) as xsd:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        return etree.XMLSchema(etree.parse(str(xsd), parser))


def mets_errors(path: Path) -> list[str]:
    """What makes a METS file invalid against the METS schema (empty when it is valid)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    schema = mets_schema()
    if schema.validate(etree.parse(str(path), parser)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
