/* Table and CSV rendering of `ayb client` (README "The `ayb` command
 * line"), and the display width of text in a terminal.
 *
 * The width table is our own rather than wcwidth(3) so that the layout does
 * not depend on the user's locale or on which locales are installed: a
 * script parsing the output sees the same bytes everywhere. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

struct range {
	uint32_t lo, hi;
};

/* Characters that take no column: combining marks, zero-width format
 * characters, variation selectors and Hangul medial/final jamo. */
static const struct range zero_width[] = {
	{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},
	{0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A},
	{0x061C, 0x061C}, {0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC},
	{0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0711, 0x0711},
	{0x0730, 0x074A}, {0x07A6, 0x07B0}, {0x07EB, 0x07F3}, {0x07FD, 0x07FD},
	{0x0816, 0x0819}, {0x081B, 0x0823}, {0x0825, 0x0827}, {0x0829, 0x082D},
	{0x0859, 0x085B}, {0x0898, 0x089F}, {0x08CA, 0x08E1}, {0x08E3, 0x0902},
	{0x093A, 0x093A}, {0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D},
	{0x0951, 0x0957}, {0x0962, 0x0963}, {0x0981, 0x0981}, {0x09BC, 0x09BC},
	{0x09C1, 0x09C4}, {0x09CD, 0x09CD}, {0x09E2, 0x09E3}, {0x09FE, 0x09FE},
	{0x0A01, 0x0A02}, {0x0A3C, 0x0A3C}, {0x0A41, 0x0A51}, {0x0A70, 0x0A71},
	{0x0A75, 0x0A75}, {0x0A81, 0x0A82}, {0x0ABC, 0x0ABC}, {0x0AC1, 0x0AC8},
	{0x0ACD, 0x0ACD}, {0x0AE2, 0x0AE3}, {0x0AFA, 0x0AFF}, {0x0B01, 0x0B01},
	{0x0B3C, 0x0B3C}, {0x0B3F, 0x0B3F}, {0x0B41, 0x0B44}, {0x0B4D, 0x0B4D},
	{0x0B55, 0x0B56}, {0x0B62, 0x0B63}, {0x0B82, 0x0B82}, {0x0BC0, 0x0BC0},
	{0x0BCD, 0x0BCD}, {0x0C00, 0x0C00}, {0x0C04, 0x0C04}, {0x0C3C, 0x0C3C},
	{0x0C3E, 0x0C40}, {0x0C46, 0x0C56}, {0x0C62, 0x0C63}, {0x0C81, 0x0C81},
	{0x0CBC, 0x0CBC}, {0x0CCC, 0x0CCD}, {0x0CE2, 0x0CE3}, {0x0D00, 0x0D01},
	{0x0D3B, 0x0D3C}, {0x0D41, 0x0D44}, {0x0D4D, 0x0D4D}, {0x0D62, 0x0D63},
	{0x0D81, 0x0D81}, {0x0DCA, 0x0DCA}, {0x0DD2, 0x0DD6}, {0x0E31, 0x0E31},
	{0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x0EB1, 0x0EB1}, {0x0EB4, 0x0EBC},
	{0x0EC8, 0x0ECE}, {0x0F18, 0x0F19}, {0x0F35, 0x0F35}, {0x0F37, 0x0F37},
	{0x0F39, 0x0F39}, {0x0F71, 0x0F7E}, {0x0F80, 0x0F84}, {0x0F86, 0x0F87},
	{0x0F8D, 0x0FBC}, {0x0FC6, 0x0FC6}, {0x102D, 0x1030}, {0x1032, 0x1037},
	{0x1039, 0x103A}, {0x103D, 0x103E}, {0x1058, 0x1059}, {0x105E, 0x1060},
	{0x1071, 0x1074}, {0x1082, 0x1082}, {0x1085, 0x1086}, {0x108D, 0x108D},
	{0x109D, 0x109D}, {0x1160, 0x11FF}, {0x135D, 0x135F}, {0x1712, 0x1714},
	{0x1732, 0x1733}, {0x1752, 0x1753}, {0x1772, 0x1773}, {0x17B4, 0x17B5},
	{0x17B7, 0x17BD}, {0x17C6, 0x17C6}, {0x17C9, 0x17D3}, {0x17DD, 0x17DD},
	{0x180B, 0x180F}, {0x1885, 0x1886}, {0x18A9, 0x18A9}, {0x1920, 0x1922},
	{0x1927, 0x1928}, {0x1932, 0x1932}, {0x1939, 0x193B}, {0x1A17, 0x1A18},
	{0x1A1B, 0x1A1B}, {0x1A56, 0x1A56}, {0x1A58, 0x1A7F}, {0x1AB0, 0x1AFF},
	{0x1B00, 0x1B03}, {0x1B34, 0x1B34}, {0x1B36, 0x1B3A}, {0x1B3C, 0x1B3C},
	{0x1B42, 0x1B42}, {0x1B6B, 0x1B73}, {0x1B80, 0x1B81}, {0x1BA2, 0x1BA5},
	{0x1BA8, 0x1BAD}, {0x1BE6, 0x1BE6}, {0x1BE8, 0x1BE9}, {0x1BED, 0x1BED},
	{0x1BEF, 0x1BF1}, {0x1C2C, 0x1C33}, {0x1C36, 0x1C37}, {0x1CD0, 0x1CD2},
	{0x1CD4, 0x1CE0}, {0x1CE2, 0x1CE8}, {0x1CED, 0x1CED}, {0x1CF4, 0x1CF4},
	{0x1CF8, 0x1CF9}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x202A, 0x202E},
	{0x2060, 0x2064}, {0x2066, 0x206F}, {0x20D0, 0x20F0}, {0x2CEF, 0x2CF1},
	{0x2D7F, 0x2D7F}, {0x2DE0, 0x2DFF}, {0x302A, 0x302D}, {0x3099, 0x309A},
	{0xA66F, 0xA672}, {0xA674, 0xA67D}, {0xA69E, 0xA69F}, {0xA6F0, 0xA6F1},
	{0xA802, 0xA802}, {0xA806, 0xA806}, {0xA80B, 0xA80B}, {0xA825, 0xA826},
	{0xA82C, 0xA82C}, {0xA8C4, 0xA8C5}, {0xA8E0, 0xA8F1}, {0xA8FF, 0xA8FF},
	{0xA926, 0xA92D}, {0xA947, 0xA951}, {0xA980, 0xA982}, {0xA9B3, 0xA9B3},
	{0xA9B6, 0xA9B9}, {0xA9BC, 0xA9BD}, {0xA9E5, 0xA9E5}, {0xAA29, 0xAA2E},
	{0xAA31, 0xAA32}, {0xAA35, 0xAA36}, {0xAA43, 0xAA43}, {0xAA4C, 0xAA4C},
	{0xAA7C, 0xAA7C}, {0xAAB0, 0xAAB0}, {0xAAB2, 0xAAB4}, {0xAAB7, 0xAAB8},
	{0xAABE, 0xAABF}, {0xAAC1, 0xAAC1}, {0xAAEC, 0xAAED}, {0xAAF6, 0xAAF6},
	{0xABE5, 0xABE5}, {0xABE8, 0xABE8}, {0xABED, 0xABED}, {0xD7B0, 0xD7FF},
	{0xFB1E, 0xFB1E}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
	{0xFFF9, 0xFFFB}, {0x101FD, 0x101FD}, {0x102E0, 0x102E0},
	{0x10376, 0x1037A}, {0x10A01, 0x10A0F}, {0x10A38, 0x10A3F},
	{0x10AE5, 0x10AE6}, {0x10D24, 0x10D27}, {0x10EAB, 0x10EAC},
	{0x10F46, 0x10F50}, {0x11001, 0x11001}, {0x11038, 0x11046},
	{0x1107F, 0x11081}, {0x110B3, 0x110B6}, {0x110B9, 0x110BA},
	{0x11100, 0x11102}, {0x11127, 0x1112B}, {0x1112D, 0x11134},
	{0x11173, 0x11173}, {0x11180, 0x11181}, {0x111B6, 0x111BE},
	{0x1122F, 0x11231}, {0x11234, 0x11234}, {0x11236, 0x11237},
	{0x112DF, 0x112DF}, {0x112E3, 0x112EA}, {0x11300, 0x11301},
	{0x1133B, 0x1133C}, {0x11340, 0x11340}, {0x11366, 0x11374},
	{0x11438, 0x1143F}, {0x11442, 0x11444}, {0x11446, 0x11446},
	{0x114B3, 0x114B8}, {0x115B2, 0x115B5}, {0x11633, 0x1163A},
	{0x116AB, 0x116AB}, {0x116AD, 0x116AD}, {0x116B0, 0x116B5},
	{0x1171D, 0x1171F}, {0x11722, 0x11725}, {0x11727, 0x1172B},
	{0x16AF0, 0x16AF4}, {0x16B30, 0x16B36}, {0x16F8F, 0x16F92},
	{0x1BC9D, 0x1BC9E}, {0x1BCA0, 0x1BCA3}, {0x1CF00, 0x1CF46},
	{0x1D167, 0x1D169}, {0x1D173, 0x1D182}, {0x1D185, 0x1D18B},
	{0x1D1AA, 0x1D1AD}, {0x1D242, 0x1D244}, {0x1DA00, 0x1DA36},
	{0x1DA3B, 0x1DA6C}, {0x1DA75, 0x1DA75}, {0x1DA84, 0x1DA84},
	{0x1DA9B, 0x1DAAF}, {0x1E000, 0x1E02A}, {0x1E130, 0x1E136},
	{0x1E2EC, 0x1E2EF}, {0x1E8D0, 0x1E8D6}, {0x1E944, 0x1E94A},
	{0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xE0100, 0xE01EF},
};

/* East Asian Wide and Fullwidth characters, and emoji presented as wide. */
static const struct range wide[] = {
	{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC},
	{0x23F0, 0x23F0}, {0x23F3, 0x23F3}, {0x25FD, 0x25FE}, {0x2614, 0x2615},
	{0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
	{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE},
	{0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5},
	{0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
	{0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755},
	{0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
	{0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x2E80, 0x303E},
	{0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA000, 0xA4CF},
	{0xA960, 0xA97F}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE10, 0xFE19},
	{0xFE30, 0xFE6F}, {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6},
	{0x16FE0, 0x16FE4}, {0x16FF0, 0x16FF1}, {0x17000, 0x187F7},
	{0x18800, 0x18CD5}, {0x18D00, 0x18D08}, {0x1AFF0, 0x1AFFE},
	{0x1B000, 0x1B122}, {0x1B132, 0x1B132}, {0x1B150, 0x1B152},
	{0x1B155, 0x1B155}, {0x1B164, 0x1B167}, {0x1B170, 0x1B2FB},
	{0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E},
	{0x1F191, 0x1F19A}, {0x1F200, 0x1F202}, {0x1F210, 0x1F23B},
	{0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265},
	{0x1F300, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C},
	{0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3},
	{0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F43E},
	{0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D},
	{0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A},
	{0x1F595, 0x1F596}, {0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F},
	{0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2},
	{0x1F6D5, 0x1F6D7}, {0x1F6DC, 0x1F6DF}, {0x1F6EB, 0x1F6EC},
	{0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0},
	{0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF},
	{0x1FA70, 0x1FA7C}, {0x1FA80, 0x1FA88}, {0x1FA90, 0x1FABD},
	{0x1FABF, 0x1FAC5}, {0x1FACE, 0x1FADB}, {0x1FAE0, 0x1FAE8},
	{0x1FAF0, 0x1FAF8}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static int in_ranges(uint32_t c, const struct range *r, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c < r[mid].lo)
			hi = mid;
		else if (c > r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

static int char_width(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7F && c < 0xA0))
		return 0;
	if (c < 0x300)
		return 1;
	if (in_ranges(c, zero_width, sizeof(zero_width) / sizeof(zero_width[0])))
		return 0;
	if (in_ranges(c, wide, sizeof(wide) / sizeof(wide[0])))
		return 2;
	return 1;
}

/* Decodes one UTF-8 character at s[0..n) (n > 0) into *c and returns its
 * length; an invalid or truncated sequence decodes as U+FFFD of length 1. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *c)
{
	size_t len, i;
	uint32_t v;

	if (s[0] < 0x80) {
		*c = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		v = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		v = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		v = s[0] & 0x07;
	} else {
		goto invalid;
	}
	if (len > n)
		goto invalid;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto invalid;
		v = (v << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		goto invalid;
	*c = v;
	return len;
invalid:
	*c = 0xFFFD;
	return 1;
}

/* The ESC '[' ... 'm' sequences that colour text are skipped: everything
 * from the '[' through the 'm' is hidden (the ESC itself is a control and
 * has no width anyway), as terminals show them. */
size_t client_display_width(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, width = 0;
	int in_escape = 0;

	while (i < n) {
		uint32_t c;
		size_t len = utf8_next(p + i, n - i, &c);

		if (in_escape) {
			if (c == 'm')
				in_escape = 0;
		} else if (c == 0x1B && i + 1 < n && p[i + 1] == '[') {
			in_escape = 1;
			len = 2;
		} else {
			width += (size_t)char_width(c);
		}
		i += len;
	}
	return width;
}

/* Escapes are text (`\x1b`, `\u009b`) rather than the Unicode control
 * pictures because C1 characters have no picture, and a byte that is not
 * UTF-8 needs a form too: a terminal in a legacy 8-bit mode takes 0x9b
 * alone for CSI.  A line break stays one (LF, or CR LF), so multi-line
 * values still read as lines; every other control, tab included, is shown
 * (a tab would also break the table's columns). */
int client_visible(struct ayb_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	while (i < n) {
		uint32_t c;
		size_t len = utf8_next(p + i, n - i, &c);
		int line_break = c == '\n' || (c == '\r' && i + 1 < n && p[i + 1] == '\n');

		if (len == 1 && p[i] >= 0x80) {
			c = p[i]; /* not UTF-8: shown as the byte */
		} else if (line_break || (c >= 0x20 && c != 0x7f && (c < 0x80 || c >= 0xa0))) {
			i += len;
			continue;
		}
		ayb_buf_add(out, s + run, i - run);
		ayb_buf_printf(out, c < 0x80 || len == 1 ? "\\x%02x" : "\\u%04x", (unsigned)c);
		i += len;
		run = i;
	}
	ayb_buf_add(out, s + run, n - run);
	return out->oom ? -1 : 0;
}

/* A cell split into lines the way the table shows it: at "\n" or "\r\n",
 * with a final line ending dropped and an empty cell having no line. */
struct cell_lines {
	size_t n;
	const char **start;
	size_t *len;
};

static int split_lines(const char *s, struct cell_lines *out)
{
	size_t count = 0, i, total = strlen(s);
	const char *p = s, *end = s + total;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < total; i++)
		if (s[i] == '\n')
			count++;
	if (total && s[total - 1] != '\n')
		count++;
	if (!count)
		return 0;
	out->start = calloc(count, sizeof(*out->start));
	out->len = calloc(count, sizeof(*out->len));
	if (!out->start || !out->len) {
		free(out->start);
		free(out->len);
		out->start = NULL;
		out->len = NULL;
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (nl && len && p[len - 1] == '\r')
			len--;
		out->start[out->n] = p;
		out->len[out->n] = len;
		out->n++;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static void free_lines(struct cell_lines *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].start);
		free(l[i].len);
	}
	free(l);
}

static int add_spaces(struct ayb_buf *out, size_t n)
{
	static const char spaces[] = "                                ";

	while (n) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		if (ayb_buf_add(out, spaces, k) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* Writes one table row (possibly spanning several lines). */
static int table_row(struct ayb_buf *out, size_t ncols, const struct cell_lines *cells,
		     const size_t *width)
{
	size_t height = 1, line, c;

	for (c = 0; c < ncols; c++)
		if (cells[c].n > height)
			height = cells[c].n;
	for (line = 0; line < height; line++) {
		for (c = 0; c < ncols; c++) {
			const char *text = "";
			size_t len = 0, w;

			if (line < cells[c].n) {
				text = cells[c].start[line];
				len = cells[c].len[line];
			}
			if (c && ayb_buf_addc(out, '|') < 0)
				return -1;
			if (ayb_buf_addc(out, ' ') < 0 || ayb_buf_add(out, text, len) < 0)
				return -1;
			if (c + 1 < ncols) {
				w = client_display_width(text, len);
				if (add_spaces(out, width[c] > w ? width[c] - w : 0) < 0)
					return -1;
			}
			if (ayb_buf_addc(out, ' ') < 0)
				return -1;
		}
		if (ayb_buf_addc(out, '\n') < 0)
			return -1;
	}
	return 0;
}

static int render_table(struct ayb_buf *out, size_t ncols, const struct cell_lines *lines,
			size_t nrows)
{
	size_t *width = calloc(ncols ? ncols : 1, sizeof(*width));
	size_t r, c, i;
	int rc = -1;

	if (!width)
		return -1;
	for (r = 0; r <= nrows; r++)
		for (c = 0; c < ncols; c++) {
			const struct cell_lines *l = &lines[r * ncols + c];

			for (i = 0; i < l->n; i++) {
				size_t w = client_display_width(l->start[i], l->len[i]);

				if (w > width[c])
					width[c] = w;
			}
		}
	if (table_row(out, ncols, lines, width) < 0)
		goto out;
	for (c = 0; c < ncols; c++) {
		if (c && ayb_buf_addc(out, '+') < 0)
			goto out;
		for (i = 0; i < width[c] + 2; i++)
			if (ayb_buf_addc(out, '-') < 0)
				goto out;
	}
	if (ayb_buf_addc(out, '\n') < 0)
		goto out;
	for (r = 1; r <= nrows; r++)
		if (table_row(out, ncols, lines + r * ncols, width) < 0)
			goto out;
	rc = 0;
out:
	free(width);
	return rc;
}

/* One CSV field: quoted only when it holds a separator, a quote or a line
 * break, with inner quotes doubled. */
static int csv_field(struct ayb_buf *out, const struct cell_lines *l)
{
	int quote = l->n > 1;
	size_t i, j;

	for (i = 0; i < l->n && !quote; i++)
		for (j = 0; j < l->len[i]; j++) {
			char ch = l->start[i][j];

			if (ch == ',' || ch == '"' || ch == '\r' || ch == '\n') {
				quote = 1;
				break;
			}
		}
	if (quote && ayb_buf_addc(out, '"') < 0)
		return -1;
	for (i = 0; i < l->n; i++) {
		if (i && ayb_buf_addc(out, '\n') < 0)
			return -1;
		for (j = 0; j < l->len[i]; j++) {
			char ch = l->start[i][j];

			if (ch == '"' && ayb_buf_addc(out, '"') < 0)
				return -1;
			if (ayb_buf_addc(out, ch) < 0)
				return -1;
		}
	}
	if (quote && ayb_buf_addc(out, '"') < 0)
		return -1;
	return 0;
}

static int render_csv(struct ayb_buf *out, size_t ncols, const struct cell_lines *lines,
		      size_t nrows)
{
	for (size_t r = 0; r <= nrows; r++) {
		const struct cell_lines *row = lines + r * ncols;

		/* A record made of one empty field would otherwise be an
		 * empty line, which CSV readers skip. */
		if (ncols == 1 && row[0].n == 0) {
			if (ayb_buf_adds(out, "\"\"\n") < 0)
				return -1;
			continue;
		}
		for (size_t c = 0; c < ncols; c++) {
			if (c && ayb_buf_addc(out, ',') < 0)
				return -1;
			if (csv_field(out, &row[c]) < 0)
				return -1;
		}
		if (ayb_buf_addc(out, '\n') < 0)
			return -1;
	}
	return 0;
}

int client_render(struct ayb_buf *out, enum client_format format, int visible, size_t ncols,
		  const char *const *header, size_t nrows, const char *const *cells)
{
	size_t total, i;
	struct cell_lines *lines;
	char **shown = NULL;
	int rc = -1;

	if (nrows > ((size_t)-1 / sizeof(*lines)) / (ncols + 1) - 1)
		return -1;
	total = (nrows + 1) * ncols;
	lines = calloc(total ? total : 1, sizeof(*lines));
	if (!lines)
		return -1;
	/* Cells are made visible before they are measured, so that the
	 * columns fit what the terminal shows. */
	if (visible && !(shown = calloc(total ? total : 1, sizeof(*shown))))
		goto out;
	for (i = 0; i < total; i++) {
		const char *text = i < ncols ? header[i] : cells[i - ncols];

		if (visible) {
			struct ayb_buf b = {0};

			client_visible(&b, text, strlen(text));
			if (!(text = shown[i] = ayb_buf_take(&b)))
				goto out;
		}
		if (split_lines(text, &lines[i]) < 0)
			goto out;
	}
	if (format == CLIENT_FORMAT_CSV)
		rc = render_csv(out, ncols, lines, nrows);
	else
		rc = render_table(out, ncols, lines, nrows);
out:
	free_lines(lines, total);
	for (i = 0; shown && i < total; i++)
		free(shown[i]);
	free(shown);
	return rc;
}

/* Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` (also with a space or
 * lower-case t/z) and prints it again in UTC.  The fraction keeps 3, 6 or
 * 9 digits, the fewest that show it exactly, as chrono's to_rfc3339 does. */
char *client_rfc3339_utc(const char *ts)
{
	struct tm tm;
	int year, mon, day, hour, min, sec, off = 0, n = 0, oh, om;
	long nanos = 0, scale = 100000000;
	const char *p;
	char frac[32] = "";
	time_t t;

	if (sscanf(ts, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &year, &mon, &day, &hour, &min, &sec,
		   &n) != 6 || n != 19)
		return strdup(ts);
	p = ts + n;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return strdup(ts);
		for (; *p >= '0' && *p <= '9'; p++) {
			nanos += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		off = 0;
	} else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 &&
		   n == 5 && p[6] == '\0') {
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
	} else {
		return strdup(ts);
	}
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
		return strdup(ts);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm) - off;
	if (!gmtime_r(&t, &tm))
		return strdup(ts);
	if (nanos % 1000000 == 0 && nanos)
		snprintf(frac, sizeof(frac), ".%03ld", nanos / 1000000);
	else if (nanos % 1000 == 0 && nanos)
		snprintf(frac, sizeof(frac), ".%06ld", nanos / 1000);
	else if (nanos)
		snprintf(frac, sizeof(frac), ".%09ld", nanos);
	return ayb_fmt("%04d-%02d-%02dT%02d:%02d:%02d%s+00:00", tm.tm_year + 1900,
		       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}
