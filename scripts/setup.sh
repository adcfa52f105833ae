#!/usr/bin/env bash
# Idempotent set-up: Debian packages when missing, .venv at the repository root, the project.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-osd   # OCR engine and its Chinese + orientation data
  fonts-noto-cjk fonts-wqy-zenhei fonts-wqy-microhei       # CJK fonts for the fixture factory and reports
  fonts-arphic-ukai fonts-arphic-uming                     # Kai (handwriting, signatures) and Ming faces
  libgl1 libglib2.0-0                                      # opencv (pulled in by RapidOCR) needs these
  libheif1                                                 # HEIC phone photos
  chromium                                                 # the reports' browser test (headless)
  libreoffice-writer-nogui                                 # report.docx → PDF in the reports' test
  libcairo2                                                # cairosvg: the timeline chart in report.docx
  python3-venv
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
# Re-install the project only when pyproject.toml changed since the last set-up.
stamp=.venv/.dossier-setup-stamp
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing the project into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi
.venv/bin/python -m dossier.doctor
