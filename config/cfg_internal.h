/* cfg_internal.h: what the files of config/ share; not part of the module's interface. */
#ifndef COLONY_CFG_INTERNAL_H
#define COLONY_CFG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"

#define CFG_INCLUDE_DEPTH_MAX 16

enum cfg_section_kind { CFG_SEC_NONE, CFG_SEC_SUPERVISOR, CFG_SEC_NETWORK,
	CFG_SEC_COLONY, CFG_SEC_SERVICE };

/* One `include` line, expanded once its file has been read completely. */
struct cfg_include {
	char *pattern;
	int line;
};

/* One file being read; frames chain up to the main file to detect include loops. */
struct cfg_frame {
	const char *path;
	bool has_id;
	dev_t dev;
	ino_t ino;
	struct cfg_include *includes;
	size_t n_includes;
	struct cfg_frame *parent;
};

/* Every file ever read, so a file included twice is reported. */
struct cfg_seen_file {
	dev_t dev;
	ino_t ino;
};

/* The last supplementary group look-up of a load (groups.c). */
struct cfg_groups_cache {
	bool valid;
	char *user;
	uid_t uid;
	gid_t gid;
	gid_t *list;
	size_t n;
};

struct cfg_ctx {
	struct cfg *cfg;
	char *err;
	size_t errlen;
	bool failed;
	struct cfg_frame *frame;	/* the file being read */
	int line;			/* its current line */
	enum cfg_section_kind kind;
	size_t net, colony, service;	/* indexes of the current section's object */
	uint64_t seen;			/* keys set in the current section */
	uint64_t sup_seen;		/* [supervisor] may appear in several files */
	struct cfg_seen_file *files;
	size_t n_files;
	size_t *colony_hash;		/* open addressing: index + 1, 0 = empty */
	size_t hash_cap;
	struct cfg_groups_cache groups;
};

/* Errors: "FILE:LINE: message" for the current line, or for an explicit origin. */
void cfg_error(struct cfg_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cfg_error_at(struct cfg_ctx *ctx, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void cfg_verror_at(char *err, size_t errlen, const char *file, int line,
	const char *fmt, va_list ap);

/* groups.c: s->groups from the user database (cached for the load); -1 out of memory. */
int cfg_resolve_groups(struct cfg_ctx *ctx, struct cfg_service *s);
void cfg_groups_cache_free(struct cfg_ctx *ctx);

/* values.c */
bool cfg_valid_name(const char *s);
int cfg_parse_bool(const char *s, bool *b);
int cfg_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v);
int cfg_parse_ipv4(const char *s, uint32_t *addr);
void cfg_format_ipv4(uint32_t addr, char *buf, size_t len);
char **cfg_split_words(const char *s, bool allow_empty, char *err, size_t errlen);
size_t cfg_strv_len(char *const *v);
char **cfg_strv_dup(char *const *v);

/* keys.c */
int cfg_handle_key(struct cfg_ctx *ctx, const char *key, const char *value);
void cfg_service_defaults(struct cfg_service *s);
void cfg_colony_defaults(struct cfg_colony *c);
void cfg_supervisor_defaults(struct cfg_supervisor *s);
void cfg_service_release(struct cfg_service *s);
void cfg_colony_release(struct cfg_colony *c);
/* compact.c: the same configuration in one block (cfg->block); the original is freed.
   On ENOMEM, the original is returned unchanged. */
struct cfg *cfg_compact(struct cfg *cfg);

void cfg_bad_value(struct cfg_ctx *ctx, const char *key, const char *v, const char *allowed);

/* keys_service.c and keys_colony.c: values that need code, not just a table entry */
int cfg_key_address(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_bridge(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_capabilities(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_command(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_control_group(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_cpu_max(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_environment(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_gateway(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_group(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_hostname(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_include(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_limit(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_name_str(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_namespaces(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_network(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_ready(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_stop_signal(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_subnet(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_success(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_syscalls(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_user(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);
int cfg_key_working_directory(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);

/* sections.c */
int cfg_handle_section(struct cfg_ctx *ctx, char *header);
ssize_t cfg_colony_index(struct cfg_ctx *ctx, const char *name);
const char *cfg_section_label(struct cfg_ctx *ctx, char *buf, size_t len);

/* validate.c */
int cfg_finish(struct cfg_ctx *ctx);

#endif
