#!/usr/bin/env bash
# Makes the LibreOffice-written XLSX fixtures of the import engine's tests (test/inventory/handler/fixtures/
# libreoffice/*.xlsx) from the sources next to them (src/). Not run by CI: the fixtures are committed, and this
# script documents how they were made. Needs LibreOffice (`soffice`, 7.4 was used) and python3.
#
#   resaved.xlsx          src/resave-source.py's workbook, re-saved by LibreOffice ("spreadsheets re-saved by
#                         LibreOffice"): hidden first sheet, 1904 date system, phonetic guide, inline rich text,
#                         float noise
#   from-fods.xlsx        src/stock-1904.fods (flat ODS) converted: 1904 null date, rich text span, float noise,
#                         a blank header cell with a value under it
#   windows-1252.xlsx     src/windows-1252.csv read as Windows-1252 (the right charset): umlauts in a header
#   mojibake.xlsx         the same CSV read as UTF-8 (the wrong charset): LibreOffice writes U+FFFD into the header
#   shared-strings.xlsx   3,000 generated rows whose text cells repeat (every string is a shared string)
#   zero-padded.xlsx      src/zero-padded.fods: a number cell 123 shown as 00123 (format 00000) beside the text 123
#   formats.xlsx          src/formats.fods: the number 123 shown as 00123, a line break, a time, a percentage, a
#                         boolean, the literal text _x0041_ (LibreOffice escapes it as _x005F_x0041_), a hidden row
#
# Usage: scripts/make-libreoffice-fixtures.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)/test/inventory/handler/fixtures/libreoffice"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
convert() { # convert SOURCE OUTPUT [INFILTER]
  local source="$1" output="$2" filter="${3:-}"
  mkdir -p "$work/out"
  # A private profile, so a desktop LibreOffice session or its settings do not interfere.
  soffice -env:UserInstallation="file://$work/profile" --headless ${filter:+--infilter="$filter"} \
    --convert-to xlsx --outdir "$work/out" "$source" >/dev/null
  mv "$work/out/$(basename "${source%.*}").xlsx" "$here/$output"
}

python3 "$here/src/resave-source.py" "$work/resaved.xlsx"
convert "$work/resaved.xlsx" resaved.xlsx
convert "$here/src/stock-1904.fods" from-fods.xlsx
convert "$here/src/zero-padded.fods" zero-padded.xlsx
convert "$here/src/formats.fods" formats.xlsx
# CSV filter options: separator 44 (,), text delimiter 34 ("), character set (1 = Windows-1252, 76 = UTF-8), first line 1
convert "$here/src/windows-1252.csv" windows-1252.xlsx 'CSV:44,34,1,1'
cp "$here/src/windows-1252.csv" "$work/mojibake.csv"
convert "$work/mojibake.csv" mojibake.xlsx 'CSV:44,34,76,1'
python3 - "$work/shared-strings.csv" <<'PY'
import sys
categories = ['fasteners', 'power tools', 'hand tools', 'paint', 'electrical', 'garden', 'safety', 'plumbing']
names = ['Hex bolt M8', 'Wood screw 4x40', 'Claw hammer', 'Cordless drill', 'Masking tape', 'Cable tie 200',
         'Garden hose 25 m', 'Safety glasses']
with open(sys.argv[1], 'w') as f:
    f.write('sku,name,quantity,price,category,location\n')
    for i in range(3000):
        f.write(f'SS-{i:05d},{names[i % 8]},{i % 50},{(i % 40) + 0.25},{categories[(i // 3) % 8]},Aisle {i % 12}\n')
PY
convert "$work/shared-strings.csv" shared-strings.xlsx 'CSV:44,34,76,1'
ls -l "$here"/*.xlsx
