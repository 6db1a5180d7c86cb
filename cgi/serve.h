/* One request served, from its FastCGI params and body to the response
 * written to a sink, with the configurations (and their metadata stores)
 * a server keeps between requests.  No FastCGI calls: main.c feeds it from
 * libfcgi or plain CGI, the fuzz harness from bytes. */
#ifndef AYB_CGI_SERVE_H
#define AYB_CGI_SERVE_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "error.h"
#include "store.h"

#define FCGI_MAX_SITES 8

/* Configurations by path, each kept with its metadata store.  The process
 * environment names the default one (AYB_CONFIG, else ./ayb.conf); a web
 * server may name another per request with an AYB_CONFIG FastCGI param, so
 * one pool of processes can serve several sites.  A file is read the first
 * time it is needed and kept, like the default; a file that fails to load
 * is not kept, so fixing it needs no restart.  Zero-initialise, then set
 * default_path; fcgi_sites_free() releases what the cache holds. */
struct fcgi_site {
	char *path;
	struct ayb_config *cfg;
	struct ayb_store *store;
	int64_t heartbeat_ms;     /* this process's last heartbeat as a node, or 0 */
	void *forward;            /* a libcurl handle kept between forwarded requests, so
				   * its connections to the other nodes are reused, or NULL */
};

struct fcgi_sites {
	struct fcgi_site site[FCGI_MAX_SITES];
	size_t n, next_evict;
	const char *default_path;
};

struct fcgi_site *fcgi_sites_get(struct fcgi_sites *s, const char *path, struct ayb_err *err);
void fcgi_sites_free(struct fcgi_sites *s);

/* Reads the body through read(in, ...) when the route takes one. */
void fcgi_serve(struct fcgi_sites *sites, char *const *params,
		int (*read)(void *, char *, size_t), void *in, struct ayb_sink out,
		struct ayb_sink log);

#endif
