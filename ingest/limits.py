"""Limits that keep one hostile or broken file from taking down a batch.

Chosen for real dossiers: a 300-dpi A4 scan is ~9 Mpx, a phone photo 12–50 Mpx, a scanned
200-page PDF ~100 MB. Everything above these is refused with `too_large`, never half-read.
"""
from __future__ import annotations

# Packages (folders and zips)
MAX_MEMBER_BYTES = 300 * 1024 * 1024  # one file, uncompressed
MAX_PACKAGE_BYTES = 2 * 1024 * 1024 * 1024  # all files of one package, uncompressed
MAX_MEMBERS = 2000  # files in one package
MAX_RATIO = 200  # uncompressed / compressed, checked for members above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 10 * 1024 * 1024
NESTED_ZIP_DEPTH = 1  # a zip inside a package is opened; a zip inside that is refused

# Office files are zips too: the same bomb checks, tighter.
MAX_OFFICE_UNZIPPED_BYTES = 500 * 1024 * 1024
MAX_XLSX_ROWS = 20_000  # per sheet; the rest is cut and reported
MAX_XLSX_COLS = 200

# Images
MAX_IMAGE_PIXELS = 120_000_000  # decoded pixels of one image/frame (RGB: 360 MB)
MAX_FRAMES = 500  # frames of one multi-page TIFF
FILE_DPI_RANGE = (100, 1200)  # a dpi outside this (phones write 72) is not trusted
ESTIMATED_DPI_RANGE = (100, 600)
A4_LONG_SIDE_INCHES = 11.69

# PDF rendering of image-only pages
RENDER_DPI = 300
MIN_RENDER_DPI = 150
MAX_RENDER_PIXELS = 80_000_000  # an oversized page is rendered at a lower dpi instead
MAX_PDF_PAGES = 2000

# Time limits of reading a file (OCR not included), applied by ingest/watchdog.py in a child process:
# a hostile or broken PDF (a form that draws itself twice) makes pdfium load one page for ever.
READ_PAGE_SECONDS = 60.0  # opening the file, or one of its pages (a 300-dpi scan page takes < 1 s)
READ_FILE_SECONDS = 600.0  # reading all of one file, OCR between its pages not counted (200 scanned pages: 1-2 min)
