/* The records of continuous backup's log: lib/pitr_log.h. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "pitr_log.h"

#define MAGIC "AYW1"
/* No page of SQLite is larger; nothing else is believed from a header. */
#define PAGE_MAX 65536

void ayb_pitr_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void ayb_pitr_put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

uint32_t ayb_pitr_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t ayb_pitr_get64(const unsigned char *p)
{
	return (uint64_t)ayb_pitr_get32(p) | (uint64_t)ayb_pitr_get32(p + 4) << 32;
}

void ayb_pitr_rec_encode(struct ayb_pitr_rec *r, unsigned char h[AYB_PITR_HEADER])
{
	r->len = AYB_PITR_HEADER + (uint64_t)r->frames * (4 + r->page_size) + AYB_PITR_SUM;
	memset(h, 0, AYB_PITR_HEADER);
	memcpy(h, MAGIC, 4);
	ayb_pitr_put64(h + 4, r->len);
	ayb_pitr_put64(h + 12, (uint64_t)r->time_ms);
	ayb_pitr_put64(h + 20, r->first);
	ayb_pitr_put64(h + 28, r->last);
	ayb_pitr_put32(h + 36, r->db_pages);
	ayb_pitr_put32(h + 40, r->page_size);
	ayb_pitr_put32(h + 44, r->frames);
	ayb_pitr_put32(h + 48, r->salt1);
	ayb_pitr_put32(h + 52, r->salt2);
	ayb_pitr_put32(h + 56, r->wal_last);
	memcpy(h + 60, r->gen, strnlen(r->gen, AYB_PITR_GEN_LEN));
}

/* The header at h, checked for sense (not yet for its checksum). */
static int rec_decode(const unsigned char *h, struct ayb_pitr_rec *r)
{
	memset(r, 0, sizeof(*r));
	if (memcmp(h, MAGIC, 4) != 0)
		return -1;
	r->len = ayb_pitr_get64(h + 4);
	r->time_ms = (int64_t)ayb_pitr_get64(h + 12);
	r->first = ayb_pitr_get64(h + 20);
	r->last = ayb_pitr_get64(h + 28);
	r->db_pages = ayb_pitr_get32(h + 36);
	r->page_size = ayb_pitr_get32(h + 40);
	r->frames = ayb_pitr_get32(h + 44);
	r->salt1 = ayb_pitr_get32(h + 48);
	r->salt2 = ayb_pitr_get32(h + 52);
	r->wal_last = ayb_pitr_get32(h + 56);
	memcpy(r->gen, h + 60, AYB_PITR_GEN_LEN);
	r->gen[AYB_PITR_GEN_LEN] = '\0';
	if (r->page_size < 512 || r->page_size > PAGE_MAX ||
	    (r->page_size & (r->page_size - 1)) || !r->frames || !r->first ||
	    r->last - r->first + 1 != r->frames || !ayb_pitr_gen_valid(r->gen) ||
	    r->len != AYB_PITR_HEADER + (uint64_t)r->frames * (4 + r->page_size) + AYB_PITR_SUM)
		return -1;
	return 0;
}

int ayb_pitr_gen_valid(const char *gen)
{
	size_t n = strlen(gen);

	if (n != AYB_PITR_GEN_LEN || gen[13] != '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (i != 13 && !(gen[i] >= '0' && gen[i] <= '9') &&
		    !(i > 13 && gen[i] >= 'a' && gen[i] <= 'f'))
			return 0;
	return 1;
}

void ayb_pitr_gen_make(int64_t now_ms, char *out)
{
	snprintf(out, AYB_PITR_GEN_LEN + 1, "%013lld-%08x", (long long)now_ms,
		 (unsigned)randombytes_random());
}

int64_t ayb_pitr_gen_ms(const char *gen)
{
	return strtoll(gen, NULL, 10);
}

static int read_at(int fd, void *p, size_t n, off_t at)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, (char *)p + done, n - done, at + (off_t)done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : 1;
		done += (size_t)r;
	}
	return 0;
}

int ayb_pitr_read(int fd, off_t size, off_t *at, struct ayb_pitr_rec *r, struct ayb_err *err)
{
	unsigned char h[AYB_PITR_HEADER], sum[AYB_PITR_SUM], want[AYB_PITR_SUM], buf[65536];
	crypto_generichash_state st;
	uint64_t left;
	off_t pos;
	int rc;

	if (size - *at < AYB_PITR_HEADER)
		return 0;
	if ((rc = read_at(fd, h, sizeof(h), *at)) != 0)
		goto fail;
	if (rec_decode(h, r) < 0 || (uint64_t)(size - *at) < r->len)
		return 0;
	crypto_generichash_init(&st, NULL, 0, AYB_PITR_SUM);
	crypto_generichash_update(&st, h, sizeof(h));
	pos = *at + AYB_PITR_HEADER;
	left = r->len - AYB_PITR_HEADER - AYB_PITR_SUM;
	while (left) {
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);

		if ((rc = read_at(fd, buf, n, pos)) != 0)
			goto fail;
		crypto_generichash_update(&st, buf, n);
		pos += (off_t)n;
		left -= n;
	}
	crypto_generichash_final(&st, sum, sizeof(sum));
	if ((rc = read_at(fd, want, sizeof(want), pos)) != 0)
		goto fail;
	if (sodium_memcmp(sum, want, sizeof(sum)) != 0)
		return 0;
	*at += (off_t)r->len;
	return 1;
fail:
	if (rc > 0)
		return 0;
	return ayb_err_set(err, AYB_E_SNAPSHOT, "Cannot read the continuous backup log: %s",
			   strerror(errno));
}

int ayb_pitr_frame(int fd, off_t frames, const struct ayb_pitr_rec *r, uint32_t i,
		   uint32_t *pgno, unsigned char *page, struct ayb_err *err)
{
	unsigned char n[4];
	off_t at = frames + (off_t)i * (4 + r->page_size);

	if (read_at(fd, n, 4, at) != 0 || read_at(fd, page, r->page_size, at + 4) != 0)
		return ayb_err_set(err, AYB_E_SNAPSHOT,
				   "Cannot read the continuous backup log: %s",
				   strerror(errno ? errno : EIO));
	*pgno = ayb_pitr_get32(n);
	return 0;
}
