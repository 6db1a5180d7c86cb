/* Continuous backup's objects in S3: lib/pitr_remote.h. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pitr_remote.h"
#include "snapshot.h"

#define NUM_DIGITS 12

/* <P>/<entity>/<db>/wal/ and what follows; NULL on OOM. */
static char *wal_prefix(const struct ayb_snapshots_config *cfg, const char *entity,
			const char *db, const char *rest)
{
	char *p = ayb_snapshot_key_prefix(cfg, entity, db), *k;

	if (!p)
		return NULL;
	k = ayb_fmt("%swal/%s", p, rest);
	free(p);
	return k;
}

char *ayb_pitr_key(const struct ayb_snapshots_config *cfg, const char *entity, const char *db,
		   const char *gen, uint64_t first, uint64_t last)
{
	char rest[128];

	if (first)
		snprintf(rest, sizeof(rest), "%s/%0*llu-%0*llu.zst", gen, NUM_DIGITS,
			 (unsigned long long)first, NUM_DIGITS, (unsigned long long)last);
	else
		snprintf(rest, sizeof(rest), "%s/base.zst", gen);
	return wal_prefix(cfg, entity, db, rest);
}

int ayb_pitr_remote_gens(struct ayb_s3 *s3, const struct ayb_snapshots_config *cfg,
			 const char *entity, const char *db,
			 char (**ids)[AYB_PITR_GEN_LEN + 1], size_t *n, struct ayb_err *err)
{
	char *prefix = wal_prefix(cfg, entity, db, ""), *after = NULL;
	size_t plen;
	int ret = -1;

	*ids = NULL;
	*n = 0;
	if (!prefix)
		return ayb_err_oom(err);
	plen = strlen(prefix);
	for (;;) {
		struct ayb_s3_object *o = NULL;
		size_t no = 0;
		char id[AYB_PITR_GEN_LEN + 1], (*grown)[AYB_PITR_GEN_LEN + 1];

		if (ayb_s3_list_range(s3, prefix, after, NULL, 1, &o, &no, err) < 0) {
			ayb_err_prefix(err, "Failed to list continuous backups");
			goto out;
		}
		if (!no || strlen(o[0].key) < plen + AYB_PITR_GEN_LEN) {
			ayb_s3_objects_free(o, no);
			break;
		}
		memcpy(id, o[0].key + plen, AYB_PITR_GEN_LEN);
		id[AYB_PITR_GEN_LEN] = '\0';
		ayb_s3_objects_free(o, no);
		free(after);
		/* '~' sorts after every character of a key below the id. */
		if (!(after = ayb_fmt("%s%s/~", prefix, id))) {
			ayb_err_oom(err);
			goto out;
		}
		if (!ayb_pitr_gen_valid(id))
			continue;
		if (!(grown = realloc(*ids, (*n + 1) * sizeof(**ids)))) {
			ayb_err_oom(err);
			goto out;
		}
		*ids = grown;
		memcpy((*ids)[(*n)++], id, sizeof(id));
	}
	ret = 0;
out:
	if (ret < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	free(prefix);
	free(after);
	return ret;
}

/* 1 when name is "<12 digits>-<12 digits>.zst", with *first and *last. */
static int seg_name(const char *name, uint64_t *first, uint64_t *last)
{
	if (strlen(name) != 2 * NUM_DIGITS + 5 || name[NUM_DIGITS] != '-' ||
	    strcmp(name + 2 * NUM_DIGITS + 1, ".zst") != 0)
		return 0;
	for (int i = 0; i < 2 * NUM_DIGITS + 1; i++)
		if (i != NUM_DIGITS && (name[i] < '0' || name[i] > '9'))
			return 0;
	*first = strtoull(name, NULL, 10);
	*last = strtoull(name + NUM_DIGITS + 1, NULL, 10);
	return *first && *last >= *first;
}

int ayb_pitr_remote_gen(struct ayb_s3 *s3, const struct ayb_snapshots_config *cfg,
			const char *entity, const char *db, const char *gen,
			struct ayb_pitr_gen *g, struct ayb_err *err)
{
	struct ayb_s3_object *o = NULL;
	size_t no = 0, plen;
	char rest[AYB_PITR_GEN_LEN + 2], *prefix;
	int ret = -1;

	memset(g, 0, sizeof(*g));
	snprintf(g->id, sizeof(g->id), "%s", gen);
	snprintf(rest, sizeof(rest), "%s/", gen);
	if (!(prefix = wal_prefix(cfg, entity, db, rest)))
		return ayb_err_oom(err);
	plen = strlen(prefix);
	if (ayb_s3_list(s3, prefix, &o, &no, err) < 0) {
		ayb_err_prefix(err, "Failed to list continuous backups");
		goto out;
	}
	if (!(g->segs = calloc(no ? no : 1, sizeof(*g->segs)))) {
		ayb_err_oom(err);
		goto out;
	}
	for (size_t i = 0; i < no; i++) {
		const char *name = o[i].key + plen;
		struct ayb_pitr_seg *sg = &g->segs[g->n];

		if (strncmp(o[i].key, prefix, plen) != 0)
			continue;
		if (strcmp(name, "base.zst") == 0) {
			g->base_key = o[i].key;
			o[i].key = NULL;
		} else if (seg_name(name, &sg->first, &sg->last)) {
			sg->key = o[i].key;
			o[i].key = NULL;
			g->n++;
		}
	}
	ret = 0;
out:
	if (ret < 0)
		ayb_pitr_gen_free(g);
	ayb_s3_objects_free(o, no);
	free(prefix);
	return ret;
}

void ayb_pitr_gen_free(struct ayb_pitr_gen *g)
{
	free(g->base_key);
	for (size_t i = 0; i < g->n; i++)
		free(g->segs[i].key);
	free(g->segs);
	memset(g, 0, sizeof(*g));
}

int ayb_pitr_remote_drop(struct ayb_s3 *s3, const struct ayb_snapshots_config *cfg,
			 const char *entity, const char *db, const char *gen,
			 struct ayb_err *err)
{
	struct ayb_pitr_gen g;
	int ret = 0;

	if (ayb_pitr_remote_gen(s3, cfg, entity, db, gen, &g, err) < 0)
		return -1;
	/* The segments first: a generation left without its base by a
	 * failure part-way is never chosen, so its leftovers go next time. */
	for (size_t i = 0; i < g.n && ret == 0; i++)
		ret = ayb_s3_delete(s3, g.segs[i].key, err);
	if (ret == 0 && g.base_key)
		ret = ayb_s3_delete(s3, g.base_key, err);
	ayb_pitr_gen_free(&g);
	return ret;
}

int ayb_pitr_remote_databases(struct ayb_s3 *s3, const struct ayb_snapshots_config *cfg,
			      ayb_pitr_db_fn *fn, void *ctx, struct ayb_err *err)
{
	char *prefix = ayb_snapshot_key_prefix(cfg, NULL, NULL), *after = NULL;
	size_t plen;
	int ret = -1;

	if (!prefix)
		return ayb_err_oom(err);
	plen = strlen(prefix);
	for (;;) {
		struct ayb_s3_object *o = NULL;
		size_t no = 0;
		char *e = NULL, *d, *rest;
		int wal;

		if (ayb_s3_list_range(s3, prefix, after, NULL, 1, &o, &no, err) < 0) {
			ayb_err_prefix(err, "Failed to list continuous backups");
			goto out;
		}
		if (no && strncmp(o[0].key, prefix, plen) == 0)
			e = strdup(o[0].key + plen);
		ayb_s3_objects_free(o, no);
		if (!no)
			break;
		if (!e || !(d = strchr(e, '/')) || !(rest = strchr(d + 1, '/'))) {
			free(e);
			ayb_err_set(err, AYB_E_S3_EXECUTION,
				    "Failed to list continuous backups: an object outside <entity>/<database>/");
			goto out;
		}
		*d++ = '\0';
		*rest++ = '\0';
		wal = strncmp(rest, "wal/", 4) == 0;
		free(after);
		/* A snapshot (hex, before "wal/"): on to the database's wal/;
		 * else past the database. */
		after = ayb_fmt("%s%s/%s/%s", prefix, e, d, wal ? "~" : "w");
		if (wal && fn(ctx, e, d)) {
			free(e);
			break;
		}
		free(e);
		if (!after) {
			ayb_err_oom(err);
			goto out;
		}
	}
	ret = 0;
out:
	free(prefix);
	free(after);
	return ret;
}
