/* handover.h: the versioned state document a daemon hands to its next image across exec (see colony-supervisor(8)). */
#ifndef COLONY_HANDOVER_H
#define COLONY_HANDOVER_H

/*
 * The document is text, one record per line:
 *   MAGIC VERSION               the header (first line)
 *   KIND key=value key=value    records; values are %XX-escaped
 *   end                         the last line: a truncated document is refused
 * A reader ignores keys it does not know and refuses a VERSION newer than its
 * own, so the next release can read what this one writes. The document lives
 * in a memfd whose number the new image gets on its command line; the fds it
 * names are the only ones whose FD_CLOEXEC is cleared before exec.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supervisor/util.h"

struct eng_child;
struct eng_child_export;

#define HOV_KEYS_MAX 48

/* Writing: each call appends a piece; any ENOMEM on the way makes hov_memfd fail. */
struct hov_w {
	struct util_str s;
	bool oom;
};
void hov_header(struct hov_w *s, const char *magic, unsigned version);
void hov_rec(struct hov_w *s, const char *kind);		/* starts a line */
void hov_u64(struct hov_w *s, const char *key, uint64_t v);
void hov_i64(struct hov_w *s, const char *key, int64_t v);
void hov_str(struct hov_w *s, const char *key, const char *v);
void hov_u64s(struct hov_w *s, const char *key, const uint64_t *v, unsigned n);	/* a,b,c */
void hov_eol(struct hov_w *s);
/* The document (with its "end" line) in a fresh memfd, offset 0, FD_CLOEXEC set; -1 on error.
   The writer's buffer is freed either way. */
int hov_memfd(struct hov_w *s);

/* Reading. hov_load reads the whole fd (from offset 0) into a malloc'd NUL-terminated text. */
char *hov_load(int fd);
/* Check the header: 0 with *version set, -1 (wrong magic, or newer than max_version). */
int hov_open(char **cursor, const char *magic, unsigned max_version, unsigned *version);
struct hov_line {
	char *kind;
	size_t n;
	char *key[HOV_KEYS_MAX], *val[HOV_KEYS_MAX];
};
/* The next record, decoded in place: 1, 0 at "end", -1 on a malformed or truncated document. */
int hov_next(char **cursor, struct hov_line *l);
const char *hov_get(const struct hov_line *l, const char *key);	/* NULL when absent */
int hov_get_u64(const struct hov_line *l, const char *key, uint64_t *v);	/* -1 absent/bad */
int hov_get_i64(const struct hov_line *l, const char *key, int64_t *v);
int hov_get_int(const struct hov_line *l, const char *key, int *v);
/* Parse "a,b,c" into a malloc'd array (NULL, 0 when empty); -1 on a bad value or ENOMEM. */
int hov_get_u64s(const struct hov_line *l, const char *key, uint64_t **v, unsigned *n);

/* Keep (or no longer keep) an fd across exec. */
int hov_keep_fd(int fd, bool keep);
/* An fd number the document names: one of ours, open, and not 0..2. */
bool hov_fd_ok(int fd);

/* An engine child's decision state as e_* keys of the current record: written and
   read the same way by both daemons. The reader refuses missing or out-of-range
   values (-1); on success x->budget is malloc'd. */
void hov_eng_child(struct hov_w *w, const struct eng_child *ch);
int hov_get_eng_child(const struct hov_line *l, struct eng_child_export *x);

#endif
