#!/bin/sh
# The house style, checked on every .c and .h of the tree (README "Building
# and testing"): tabs indent, spaces only align after them (or continue a
# block comment, " * "); no trailing whitespace; at most 100 columns with
# tabs at 8 (a string literal alone on its line excepted); no `//` comments; no comment citing files outside the
# repository (`spec/...`); every header guarded by #ifndef/#define/#endif.
# Prints each violation as file:line: message and fails when there is one.
# TAP for the test driver: one test per file.
#   tests/style.sh [FILE...]     default: every .c/.h under lib cgi cli cron tests bench
set -u
top=${top_srcdir:-$(dirname "$0")/..}
cd "$top" || exit 1

if [ $# -eq 0 ]; then
	set -- $(find lib cgi cli cron tests bench \( -name node_modules -o -path bench/build \) -prune -o \
		-type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort)
fi

LC_ALL=C awk '
function report(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg
	bad++
}
# Columns as an editor shows them: tabs to the next multiple of 8, a UTF-8
# character (its continuation bytes skipped) as one.
function columns(s,    i, c, col) {
	col = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\t")
			col += 8 - col % 8
		else if (c < "\200" || c > "\277")
			col++
	}
	return col
}
# Ends the file read before: its guard, then its TAP line.  Called when the
# next file starts, so FILENAME already names that one.
function end_file() {
	if (file == "")
		return
	if (file ~ /\.h$/ && !(guard_state == 2 && last_directive ~ /^#[ \t]*endif/)) {
		printf "%s:1: header without an #ifndef/#define ... #endif guard\n", file
		bad++
	}
	printf "%s %d - %s\n", bad ? "not ok" : "ok", ++tests, file
	failed += bad > 0
}
FNR == 1 {
	end_file()
	file = FILENAME
	bad = 0; guard_state = 0; guard = ""; last_directive = ""; in_comment = 0
}
{
	line = $0
	if (line ~ /^ / && line !~ /^ \*/)
		report("indented with spaces (tabs indent, spaces only align after them)")
	if (line ~ /^\t* +\t/)
		report("a space before a tab in the indentation")
	if (line ~ /[ \t\r]$/)
		report("trailing whitespace")
	# A message alone on its line may run on: split, it could not be found
	# by searching for what the program printed.
	if (columns(line) > 100 && line !~ /^[ \t]*"([^"\\]|\\.)*"[ \t]*[,;)]*[ \t]*$/)
		report("longer than 100 columns (" columns(line) ")")
	if (line ~ /(^|[^"])spec\/[A-Za-z_.]/)
		report("cites spec/, a file outside the repository: cite the README or the code")
	# A // comment: outside strings (a crude but sufficient check: after
	# code punctuation or at the start of a line, never after a ":").
	if (!in_comment && line ~ /(^[ \t]*|[;{})][ \t]*)\/\//)
		report("a // comment (the tree uses /* */)")
	if (line ~ /\/\*/ && line !~ /\*\//)
		in_comment = 1
	else if (in_comment && line ~ /\*\//)
		in_comment = 0
	if (line ~ /^#/) {
		if (guard_state == 0) {
			if (line ~ /^#ifndef[ \t]+[A-Z_0-9]+[ \t]*$/) {
				guard = line
				sub(/^#ifndef[ \t]+/, "", guard)
				sub(/[ \t]*$/, "", guard)
				guard_state = 1
			} else {
				guard_state = -1
			}
		} else if (guard_state == 1) {
			guard_state = (line ~ ("^#define[ \t]+" guard "[ \t]*$")) ? 2 : -1
		}
		last_directive = line
	} else if (line !~ /^[ \t]*$/ && !in_comment && line !~ /^[ \t]*(\/\*|\*)/ &&
		   guard_state == 2) {
		# Code after the closing directive means the guard does not close last.
		last_directive = ""
	}
}
END {
	end_file()
	printf "1..%d\n", tests
	exit failed > 0
}
' "$@"
