#!/usr/bin/env bash
# One install script for the Makefile, CI and the Dockerfile: system packages, then the venv.
# Idempotent: each step is skipped when what it installs is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(tesseract-ocr tesseract-ocr-rus tesseract-ocr-script-cyrl tesseract-ocr-fra
  tesseract-ocr-dan poppler-utils
  fonts-freefont-ttf fonts-paratype fonts-cmu fonts-dejavu-core unpaper)
# libatomic1: Playwright's node driver links it; a fresh Debian lacks it (priority optional).
BROWSER_PACKAGES=(chromium chromium-driver libatomic1)
# A real PostgreSQL server for the shared-results-database tests (tests/test_postgres.py).
DB_PACKAGES=(postgresql)
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
EXTRAS=${EXTRAS:-dev,dask,postgres}
WITH_BROWSER=${WITH_BROWSER:-1}
WITH_POSTGRES=${WITH_POSTGRES:-1}

missing=()
want=("${APT_PACKAGES[@]}")
[ "$WITH_BROWSER" = 1 ] && want+=("${BROWSER_PACKAGES[@]}")
[ "$WITH_POSTGRES" = 1 ] && want+=("${DB_PACKAGES[@]}")
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install: apt packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "install: creating $VENV" >&2
  "$PYTHON" -m venv "$VENV"
fi
# The dev extra also brings the synthetic-page generator, a separate package (devtools/synth).
targets=(-e ".[$EXTRAS]")
manifests=(pyproject.toml)
if [[ ",$EXTRAS," == *,dev,* ]]; then
  targets+=(-e devtools/synth)
  manifests+=(devtools/synth/pyproject.toml)
fi
stamp="$VENV/.installed-$(cat "${manifests[@]}" | sha256sum | cut -c1-16)-$EXTRAS"
if [ ! -f "$stamp" ]; then
  echo "install: pip install ${targets[*]}" >&2
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$VENV/bin/python" -m pip install -q "${targets[@]}"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
