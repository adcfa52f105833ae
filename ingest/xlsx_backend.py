"""XLSX backend: one `RawPage(kind="xlsx")` per worksheet, read streaming (read_only, values only).

tables = (rows,), rows of cell texts with fully empty rows and trailing empty cells dropped;
lines = each row's cells joined by tabs. Dates are ISO strings, whole numbers have no ".0".
"""
from __future__ import annotations

import datetime as dt

import openpyxl

from core.records import Line
from ingest import limits
from ingest.backends import Opened, format_backends
from ingest.messages import issue
from ingest.pages import RawPage
from ingest.zipsafety import load_office


@format_backends.register("xlsx", version="1")
def open_xlsx(path: str, data: bytes) -> Opened:
    book = load_office(data, lambda f: openpyxl.load_workbook(f, read_only=True, data_only=True))
    return Opened(pages=len(book.worksheets), pages_iter=_sheets(path, book))


def _sheets(path: str, book):
    try:
        for number, sheet in enumerate(book.worksheets, start=1):
            try:
                yield _sheet_page(path, number, sheet)
            except Exception as exc:
                yield issue("page", f"sheet {sheet.title!r}: {type(exc).__name__}: {exc}"[:200],
                            stage="render", page=number)
    finally:
        book.close()


def _sheet_page(path: str, number: int, sheet) -> RawPage:
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # the stored dimension may claim a million empty cells
    rows: list[tuple[str, ...]] = []
    meta = {"sheet": sheet.title}
    if getattr(sheet, "sheet_state", "visible") != "visible":
        meta["hidden"] = "true"
    for values in sheet.iter_rows(values_only=True):
        cells = [cell_text(v) for v in values[:limits.MAX_XLSX_COLS]]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if len(rows) >= limits.MAX_XLSX_ROWS:
            meta["truncated_rows"] = f"only the first {limits.MAX_XLSX_ROWS} non-empty rows were read"
            break
        rows.append(tuple(cells))
    lines = tuple(Line(text="\t".join(r)) for r in rows)
    return RawPage(file=path, page=number, kind="xlsx", width=0, height=0, lines=lines,
                   tables=(tuple(rows),) if rows else (), meta=meta)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).strip()
