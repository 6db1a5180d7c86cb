/* Continuous backup's objects in S3 (README "Snapshots"), beside the
 * database's snapshots:
 *
 *   <P>/<entity>/<database>/wal/<generation>/base.zst
 *   <P>/<entity>/<database>/wal/<generation>/<first>-<last>.zst
 *
 * a generation's base copy, and its segments: the records
 * (lib/pitr_log.h) of generation-wide frames first to last, each number 12
 * digits so keys sort.  Keys are a function of what they hold, so an
 * upload done again (a shipper killed after the upload, before it deleted
 * its file) writes the same object. */
#ifndef AYB_PITR_REMOTE_H
#define AYB_PITR_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "pitr_log.h"
#include "s3.h"

struct ayb_pitr_seg {
	uint64_t first, last;
	char *key;
};

/* One generation as S3 has it; every string owned. */
struct ayb_pitr_gen {
	char id[AYB_PITR_GEN_LEN + 1];
	char *base_key;              /* NULL: no base (yet) */
	struct ayb_pitr_seg *segs;   /* by first frame */
	size_t n;
};

/* The key of a generation's base (first == 0) or of a segment; the
 * caller frees; NULL on OOM. */
char *ayb_pitr_key(const struct ayb_snapshots_config *cfg, const char *entity, const char *db,
		   const char *gen, uint64_t first, uint64_t last);

/* The ids of the database's generations in S3, oldest first (one small
 * listing per generation: no segment is paged through).  *ids is an array
 * of *n ids the caller frees. */
int ayb_pitr_remote_gens(struct ayb_s3 *s3, const struct ayb_snapshots_config *cfg,
			 const char *entity, const char *db,
			 char (**ids)[AYB_PITR_GEN_LEN + 1], size_t *n, struct ayb_err *err);

/* One generation's objects: its base and its segments in order.  Objects
 * of other shapes are ignored.  ayb_pitr_gen_free frees. */
int ayb_pitr_remote_gen(struct ayb_s3 *s3, const struct ayb_snapshots_config *cfg,
			const char *entity, const char *db, const char *gen,
			struct ayb_pitr_gen *g, struct ayb_err *err);
void ayb_pitr_gen_free(struct ayb_pitr_gen *g);

/* Calls fn for every database that has continuous backup in S3, in key
 * order (two small listings per database), until fn returns non-zero.
 * 0, or -1 with err. */
typedef int ayb_pitr_db_fn(void *ctx, const char *entity, const char *db);
int ayb_pitr_remote_databases(struct ayb_s3 *s3, const struct ayb_snapshots_config *cfg,
			      ayb_pitr_db_fn *fn, void *ctx, struct ayb_err *err);

/* Deletes every object of a generation. */
int ayb_pitr_remote_drop(struct ayb_s3 *s3, const struct ayb_snapshots_config *cfg,
			 const char *entity, const char *db, const char *gen,
			 struct ayb_err *err);

#endif
