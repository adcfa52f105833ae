"""DOCX backend: one `RawPage(kind="docx")` with paragraphs and table rows as lines, in reading order.

Tables are rows of cell texts on the grid: a horizontally merged cell repeats its text in every grid
column it spans, a vertically merged one repeats the text of the cell it continues, so columns line
up. The row's line names each cell once (tab-separated). Nested tables follow their parent table,
their rows' lines follow the row that holds them. Text boxes are read after their paragraph.
Pictures pasted into the document (photos of certificates) follow as image pages 2, 3, ...
"""
from __future__ import annotations

import io

from docx import Document
from PIL import Image

from core.errors import IngestError
from core.records import Line
from ingest.backends import Opened, format_backends
from ingest.images import decode_frame
from ingest.messages import issue
from ingest.sniff import IMAGE_FORMATS, detect_format
from ingest.pages import RawPage
from ingest.zipsafety import load_office

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
MIN_PICTURE_SIDE = 300  # pixels: smaller pictures are logos and signatures, not documents
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


@format_backends.register("docx", version="1")
def open_docx(path: str, data: bytes) -> Opened:
    document = load_office(data, Document)
    reader = _Reader()
    reader.blocks(document.element.body)
    meta = _core_meta(document)
    page = RawPage(file=path, page=1, kind="docx", width=0, height=0,
                   lines=tuple(Line(text=t) for t in reader.lines if t.strip()),
                   tables=tuple(reader.tables), meta=meta)
    pictures = _pictures(document)
    return Opened(pages=1 + len(pictures), pages_iter=_pages(path, page, pictures))


def _pages(path: str, text_page: RawPage, pictures: list[tuple[str, bytes]]):
    """The text page, then each embedded picture (a certificate pasted into Word) as an image page."""
    yield text_page
    for number, (part_name, blob) in enumerate(pictures, start=2):
        try:
            with Image.open(io.BytesIO(blob)) as img:
                yield decode_frame(img, path, number, {"embedded": part_name})
        except IngestError as err:
            yield issue("page", err.args[0][:200], stage="render", page=number, category=err.category)
        except Exception as exc:
            yield issue("page", f"{part_name}: {type(exc).__name__}: {exc}"[:200], stage="render", page=number)


def _pictures(document) -> list[tuple[str, bytes]]:
    """Embedded raster pictures large enough to be a photographed or scanned document, in order."""
    out, seen = [], set()
    related = document.part.related_parts
    for blip in document.element.body.iter(A + "blip"):
        rid = blip.get(R + "embed")
        part = related.get(rid) if rid else None
        if part is None or part.partname in seen:
            continue
        seen.add(part.partname)
        blob = part.blob
        if detect_format(blob) not in IMAGE_FORMATS:
            continue  # EMF/WMF drawings, not photos
        try:
            with Image.open(io.BytesIO(blob)) as img:
                if min(img.size) < MIN_PICTURE_SIDE:
                    continue  # logos, icons, signatures
        except Exception:
            pass  # a broken picture is reported as a page issue when its page is read
        out.append((str(part.partname).lstrip("/"), blob))
    return out


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
