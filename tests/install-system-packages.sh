#!/bin/sh
# Debian packages the tests drive for real: Chromium (maps and reports, through Playwright with
# executable_path; no browser is downloaded), LibreOffice (opens the Excel worklist) and
# Poppler's tools (read the pages Chromium and LibreOffice print to PDF).
set -e
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v soffice >/dev/null 2>&1 || need="$need libreoffice-calc-nogui"
command -v pdftotext >/dev/null 2>&1 || need="$need poppler-utils"
if [ -n "$need" ]; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need
fi
