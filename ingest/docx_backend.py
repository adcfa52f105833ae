"""DOCX backend: one `RawPage(kind="docx")` with paragraphs and table rows as lines, in reading order.

Tables are rows of cell texts on the grid: a horizontally merged cell repeats its text in every grid
column it spans, a vertically merged one repeats the text of the cell it continues, so columns line
up. The row's line names each cell once (tab-separated). Nested tables follow their parent table,
their rows' lines follow the row that holds them. Text boxes are read after their paragraph.
"""
from __future__ import annotations

import io
import zipfile

from docx import Document

from core.records import Line
from ingest.backends import Opened, format_backends
from ingest.messages import ingest_error
from ingest.pages import RawPage
from ingest.zipsafety import check_office_zip

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


@format_backends.register("docx", version="1")
def open_docx(path: str, data: bytes) -> Opened:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_office_zip(zf)
    except zipfile.BadZipFile as exc:
        raise ingest_error("corrupt", str(exc)) from exc
    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:
        raise ingest_error("corrupt", f"{type(exc).__name__}: {exc}"[:160]) from exc
    reader = _Reader()
    reader.blocks(document.element.body)
    meta = _core_meta(document)
    page = RawPage(file=path, page=1, kind="docx", width=0, height=0,
                   lines=tuple(Line(text=t) for t in reader.lines if t.strip()),
                   tables=tuple(reader.tables), meta=meta)
    return Opened(pages=1, pages_iter=iter((page,)))


def _core_meta(document) -> dict[str, str]:
    props = document.core_properties
    meta = {"Author": props.author, "LastModifiedBy": props.last_modified_by,
            "Created": props.created.isoformat() if props.created else "",
            "Modified": props.modified.isoformat() if props.modified else ""}
    return {k: str(v) for k, v in meta.items() if v}


class _Reader:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tables: list[tuple[tuple[str, ...], ...]] = []

    def blocks(self, parent) -> None:
        for child in parent.iterchildren():
            if child.tag == W + "p":
                self.lines.append(_paragraph_text(child))
                for box in _text_box_paragraphs(child):
                    self.lines.append(_paragraph_text(box))
            elif child.tag == W + "tbl":
                self.table(child)
            elif child.tag == W + "sdt":  # content control: its content is ordinary blocks
                content = child.find(W + "sdtContent")
                if content is not None:
                    self.blocks(content)

    def table(self, tbl) -> None:
        slot = len(self.tables)
        self.tables.append(())  # keeps the parent before its nested tables
        grid: list[list[str]] = []
        for tr in _rows(tbl):
            row: list[str] = []
            seen: list[str] = []  # each cell once, for the line
            nested = []
            before = _int_val(tr.find(f"{W}trPr/{W}gridBefore"))
            row.extend([""] * before)
            for tc in tr.iterchildren(W + "tc"):
                props = tc.find(W + "tcPr")
                span = _int_val(props.find(W + "gridSpan") if props is not None else None) or 1
                vmerge = props.find(W + "vMerge") if props is not None else None
                col = len(row)
                if vmerge is not None and vmerge.get(W + "val", "continue") == "continue" and grid:
                    above = grid[-1]
                    text = above[col] if col < len(above) else ""
                else:
                    text = _cell_text(tc)
                    if text:
                        seen.append(text.replace("\n", " "))
                row.extend([text] * span)
                nested.extend(tc.iterchildren(W + "tbl"))
            grid.append(row)
            self.lines.append("\t".join(seen))
            for inner in nested:
                self.table(inner)
        self.tables[slot] = tuple(tuple(r) for r in grid)


def _rows(tbl):
    for child in tbl.iterchildren():
        if child.tag == W + "tr":
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from content.iterchildren(W + "tr")


def _cell_text(tc) -> str:
    parts = []
    for child in tc.iterchildren():
        if child.tag == W + "p":
            parts.append(_paragraph_text(child))
            parts.extend(_paragraph_text(b) for b in _text_box_paragraphs(child))
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                parts.extend(_paragraph_text(p) for p in content.iter(W + "p"))
    return "\n".join(p for p in (s.strip() for s in parts) if p)


def _paragraph_text(p) -> str:
    """Text of a paragraph's own runs (tabs and breaks kept as whitespace), not of its text boxes."""
    out = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr"):
        if _inside_text_box(el, p):
            continue
        if el.tag == W + "t":
            out.append(el.text or "")
        else:
            out.append("\t" if el.tag == W + "tab" else "\n")
    return "".join(out)


def _inside_text_box(el, stop) -> bool:
    node = el.getparent()
    while node is not None and node is not stop:
        if node.tag in (W + "txbxContent", MC_FALLBACK):
            return True
        node = node.getparent()
    return False


def _text_box_paragraphs(p):
    for box in p.iter(W + "txbxContent"):
        if any(a.tag == MC_FALLBACK for a in box.iterancestors()):
            continue  # the same box again, for old readers
        yield from box.iterchildren(W + "p")


def _int_val(el) -> int:
    if el is None:
        return 0
    try:
        return int(el.get(W + "val", "0"))
    except ValueError:
        return 0
