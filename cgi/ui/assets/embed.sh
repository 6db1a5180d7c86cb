#!/bin/sh
# Turns the web UI's static files into C arrays, so ayb-api.fcgi serves them
# itself (no CDN, no document root to configure):
#   embed.sh FILE... > ui_assets.inc
# Each file becomes { "<basename>", bytes, length } in ui_assets[].
set -eu
n=0
for f in "$@"; do
	printf 'static const unsigned char ui_asset_%d[] = {\n' "$n"
	od -An -v -tx1 "$f" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' -e '/^$/d'
	printf '0x00 };\n'
	n=$((n + 1))
done
printf 'static const struct ui_asset ui_assets[] = {\n'
n=0
for f in "$@"; do
	# The trailing 0x00 above keeps empty files valid C; it is not served.
	printf '\t{ "%s", ui_asset_%d, sizeof(ui_asset_%d) - 1 },\n' "$(basename "$f")" "$n" "$n"
	n=$((n + 1))
done
printf '};\n'
