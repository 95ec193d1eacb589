/* load.c: reading colony.ini files line by line, includes, and the public load API. */
#define _GNU_SOURCE
#include <errno.h>
#include <glob.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/cfg_internal.h"

/*
 * Why we parse INI lines ourselves and give inih only empty lines:
 * Debian's libinih 55 reads into a fixed 200-byte buffer (INI_MAX_LINE) and
 * would split a longer line into two, passes no line number to the handler,
 * never calls the handler for a section without keys (so `[colony web]` with
 * only defaults would vanish, and so would its header line), and treats
 * indented lines as continuations. So the contract's "read through
 * ini_parse_stream with your own reader" is kept this way: our reader pulls
 * whole physical lines (up to CFG_LINE_MAX, counted, never truncated), parses
 * each one with the small grammar below, and hands inih an empty string,
 * which inih skips. inih thus only drives the loop, and its buffer can never
 * cut a line. The grammar follows inih's: [section], key = value, comments
 * starting with ; or # at the start of a line, and inline comments starting
 * with ; after whitespace (outside quotes, so commands may contain " ; ").
 */

struct cfg_reader {
	struct cfg_ctx *ctx;
	FILE *file;		/* or, for cfg_load_string: */
	const char *text;
	size_t pos;
	char *line;		/* CFG_LINE_MAX + 2 bytes */
};

void
cfg_verror_at(char *err, size_t errlen, const char *file, int line, const char *fmt, va_list ap)
{
	int n;

	if (err == NULL || errlen == 0)
		return;
	n = snprintf(err, errlen, "%s:%d: ", file, line);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

void
cfg_error_at(struct cfg_ctx *ctx, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ctx->failed)
		return;		/* keep the first error */
	ctx->failed = true;
	va_start(ap, fmt);
	cfg_verror_at(ctx->err, ctx->errlen, file, line, fmt, ap);
	va_end(ap);
}

void
cfg_error(struct cfg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->failed)
		return;
	ctx->failed = true;
	va_start(ap, fmt);
	cfg_verror_at(ctx->err, ctx->errlen, ctx->frame->path, ctx->line, fmt, ap);
	va_end(ap);
}

static int
cfg_getc(struct cfg_reader *r)
{
	if (r->file != NULL)
		return getc(r->file);
	if (r->text[r->pos] == '\0')
		return EOF;
	return (unsigned char)r->text[r->pos++];
}

/* Reads one line into r->line; returns its length, -1 at EOF, -2 if too long. */
static ssize_t
cfg_read_line(struct cfg_reader *r)
{
	size_t n = 0;
	bool any = false, too_long = false;
	int c;

	while ((c = cfg_getc(r)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (n < CFG_LINE_MAX + 1)
			r->line[n++] = (char)c;
		else
			too_long = true;	/* keep reading to count lines right */
	}
	if (!any)
		return -1;
	if (n > 0 && r->line[n - 1] == '\r')
		n--;
	r->line[n] = '\0';
	return too_long || n > CFG_LINE_MAX ? -2 : (ssize_t)n;
}

static char *
cfg_trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	return s;
}

/* Cuts an inline comment: ';' after whitespace, outside quotes. */
static void
cfg_cut_comment(char *s)
{
	char quote = 0;

	for (char *p = s; *p != '\0'; p++) {
		if (quote == 0 && *p == '\\' && p[1] != '\0')
			p++;
		else if (quote == '"' && *p == '\\' && p[1] != '\0')
			p++;
		else if (quote == 0 && (*p == '\'' || *p == '"'))
			quote = *p;
		else if (quote != 0 && *p == quote)
			quote = 0;
		else if (quote == 0 && *p == ';' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

static void
cfg_parse_line(struct cfg_ctx *ctx, char *line, size_t len)
{
	char *s, *eq;

	if (strlen(line) != len) {
		cfg_error(ctx, "NUL byte in line");
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			cfg_error(ctx, "control character 0x%02x in line", c);
			return;
		}
	}
	if (ctx->line == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;	/* a UTF-8 byte order mark, as inih allows */
	s = cfg_trim(line);
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		char *close = strchr(s, ']'), *rest;
		if (close == NULL) {
			cfg_error(ctx, "section header without ']'");
			return;
		}
		*close = '\0';
		rest = close + 1 + strspn(close + 1, " \t");
		if (*rest != '\0' && *rest != ';' && *rest != '#') {
			cfg_error(ctx, "text after section header");
			return;
		}
		cfg_handle_section(ctx, s + 1);
		return;
	}
	eq = strchr(s, '=');
	if (eq == NULL) {
		cfg_error(ctx, "expected \"key = value\" or a [section] header");
		return;
	}
	*eq = '\0';
	cfg_cut_comment(eq + 1);
	if (*cfg_trim(s) == '\0') {
		cfg_error(ctx, "missing key before '='");
		return;
	}
	cfg_handle_key(ctx, cfg_trim(s), cfg_trim(eq + 1));
}

/* inih's reader: parses the whole line itself and hands inih an empty one. */
static char *
cfg_ini_reader(char *str, int num, void *stream)
{
	struct cfg_reader *r = stream;
	struct cfg_ctx *ctx = r->ctx;
	ssize_t len;

	if (ctx->failed || num < 1)
		return NULL;
	len = cfg_read_line(r);
	if (len == -1)
		return NULL;
	ctx->line++;
	if (len == -2) {
		cfg_error(ctx, "line longer than %d characters", CFG_LINE_MAX);
		return NULL;
	}
	cfg_parse_line(ctx, r->line, (size_t)len);
	if (ctx->failed)
		return NULL;
	str[0] = '\0';
	return str;
}

static int
cfg_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	/* Never called: every line inih sees is empty. */
	(void)user, (void)section, (void)name, (void)value;
	return 1;
}

static int cfg_load_includes(struct cfg_ctx *ctx, struct cfg_frame *f, int depth);

/* Reads one file (or the string), then the files it includes, in order. */
static int
cfg_read_frame(struct cfg_ctx *ctx, struct cfg_frame *f, FILE *file, const char *text, int depth)
{
	struct cfg_reader r = { .ctx = ctx, .file = file, .text = text };
	int rc = 0;

	r.line = malloc(CFG_LINE_MAX + 2);
	f->parent = ctx->frame;
	ctx->frame = f;
	ctx->line = 0;
	ctx->kind = CFG_SEC_NONE;	/* sections do not continue into another file */
	if (r.line == NULL)
		cfg_error(ctx, "out of memory");
	else
		rc = ini_parse_stream(cfg_ini_reader, &r, cfg_ini_handler, ctx);
	free(r.line);
	if (rc != 0 && !ctx->failed)
		cfg_error(ctx, "cannot parse (inih error %d)", rc);
	if (!ctx->failed)
		cfg_load_includes(ctx, f, depth);
	ctx->frame = f->parent;
	for (size_t i = 0; i < f->n_includes; i++)
		free(f->includes[i].pattern);
	free(f->includes);
	return ctx->failed ? -1 : 0;
}

/* Opens an included file, refusing loops and files read twice. */
static int
cfg_load_file(struct cfg_ctx *ctx, const char *path, const char *from, int from_line, int depth)
{
	struct cfg_frame f = { .path = path };
	struct stat st;
	FILE *file = fopen(path, "re");

	if (file == NULL || fstat(fileno(file), &st) < 0) {
		cfg_error_at(ctx, from, from_line, "cannot open %s: %s", path, strerror(errno));
		if (file != NULL)
			fclose(file);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		cfg_error_at(ctx, from, from_line, "cannot read %s: %s", path, strerror(EISDIR));
		fclose(file);
		return -1;
	}
	for (size_t i = 0; i < ctx->n_files; i++) {
		if (ctx->files[i].dev == st.st_dev && ctx->files[i].ino == st.st_ino) {
			cfg_error_at(ctx, from, from_line, "%s is included more than once "
			    "(or includes itself)", path);
			fclose(file);
			return -1;
		}
	}
	struct cfg_seen_file *n = realloc(ctx->files, (ctx->n_files + 1) * sizeof(*n));
	if (n == NULL) {
		cfg_error_at(ctx, from, from_line, "out of memory");
		fclose(file);
		return -1;
	}
	ctx->files = n;
	n[ctx->n_files++] = (struct cfg_seen_file){ st.st_dev, st.st_ino };
	f.has_id = true;
	f.dev = st.st_dev;
	f.ino = st.st_ino;
	int rc = cfg_read_frame(ctx, &f, file, NULL, depth);
	if (ferror(file) && !ctx->failed) {
		cfg_error_at(ctx, path, 0, "cannot read %s", path);
		rc = -1;
	}
	fclose(file);
	return rc;
}

/* The folder of `path` with a trailing slash, or "" for the current one. */
static char *
cfg_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	return strndup(path, slash != NULL ? (size_t)(slash - path) + 1 : 0);
}

/* A folder that does not exist just matches nothing; other errors stop. */
static int
cfg_glob_error(const char *path, int eerrno)
{
	(void)path;
	return eerrno != ENOENT && eerrno != ENOTDIR;
}

static int
cfg_load_pattern(struct cfg_ctx *ctx, struct cfg_frame *f, const char *dir,
    const struct cfg_include *inc, int depth)
{
	char *pattern;
	glob_t g;
	int rc;

	if (asprintf(&pattern, "%s%s", inc->pattern[0] == '/' ? "" : dir, inc->pattern) < 0) {
		cfg_error_at(ctx, f->path, inc->line, "out of memory");
		return -1;
	}
	rc = glob(pattern, 0, cfg_glob_error, &g);
	if (rc == GLOB_NOMATCH) {
		/* A pattern may match nothing; a plain file name must exist. */
		if (strpbrk(inc->pattern, "*?[") == NULL)
			cfg_error_at(ctx, f->path, inc->line, "include: cannot open %s: %s",
			    pattern, strerror(ENOENT));
		free(pattern);
		return ctx->failed ? -1 : 0;
	}
	if (rc != 0) {
		cfg_error_at(ctx, f->path, inc->line, "include: cannot expand %s", pattern);
		free(pattern);
		return -1;
	}
	for (size_t i = 0; i < g.gl_pathc && !ctx->failed; i++)
		cfg_load_file(ctx, g.gl_pathv[i], f->path, inc->line, depth + 1);
	globfree(&g);
	free(pattern);
	return ctx->failed ? -1 : 0;
}

static int
cfg_load_includes(struct cfg_ctx *ctx, struct cfg_frame *f, int depth)
{
	char *dir;

	if (f->n_includes == 0)
		return 0;
	if (depth >= CFG_INCLUDE_DEPTH_MAX) {
		cfg_error_at(ctx, f->path, f->includes[0].line, "includes nested more than %d deep",
		    CFG_INCLUDE_DEPTH_MAX);
		return -1;
	}
	/* A string has no folder: its includes are relative to the current one. */
	dir = f->has_id ? cfg_dirname(f->path) : strdup("");
	if (dir == NULL) {
		cfg_error_at(ctx, f->path, f->includes[0].line, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < f->n_includes && !ctx->failed; i++)
		cfg_load_pattern(ctx, f, dir, &f->includes[i], depth);
	free(dir);
	return ctx->failed ? -1 : 0;
}

static struct cfg *
cfg_load_common(const char *path, const char *text, char *err, size_t errlen)
{
	struct cfg_ctx ctx = { .err = err, .errlen = errlen };
	struct cfg_frame top = { .path = path };
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	ctx.cfg = calloc(1, sizeof(*ctx.cfg));
	if (ctx.cfg == NULL || (ctx.cfg->path = strdup(path)) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s:0: out of memory", path);
		free(ctx.cfg);
		return NULL;
	}
	cfg_supervisor_defaults(&ctx.cfg->sup);
	if (text != NULL)
		rc = cfg_read_frame(&ctx, &top, NULL, text, 0);
	else
		rc = cfg_load_file(&ctx, path, path, 0, 0);
	if (rc == 0)
		rc = cfg_finish(&ctx);
	free(ctx.files);
	free(ctx.colony_hash);
	cfg_groups_cache_free(&ctx);
	if (rc < 0) {
		cfg_free(ctx.cfg);
		return NULL;
	}
	return cfg_compact(ctx.cfg);
}

struct cfg *
cfg_load(const char *path, char *err, size_t errlen)
{
	if (path == NULL)
		return NULL;
	return cfg_load_common(path, NULL, err, errlen);
}

struct cfg *
cfg_load_string(const char *name, const char *text, char *err, size_t errlen)
{
	if (name == NULL || text == NULL)
		return NULL;
	return cfg_load_common(name, text, err, errlen);
}

void
cfg_free(struct cfg *cfg)
{
	struct cfg_supervisor *s;

	if (cfg == NULL)
		return;
	s = &cfg->sup;
	free(s->state_dir);
	free(s->control_socket);
	free(s->control_group);
	free(s->log_dir);
	free(s->cgroup_name);
	free(s->netns_prefix);
	free(s->colonyd);
	if (cfg->block != NULL) {	/* compacted: the block holds all the rest, cfg included */
		free(cfg->block);
		return;
	}
	free(cfg->path);
	for (size_t i = 0; i < cfg->n_networks; i++)
		free(cfg->networks[i].origin.file);
	free(cfg->networks);
	for (size_t i = 0; i < cfg->n_colonies; i++)
		cfg_colony_release(&cfg->colonies[i]);
	free(cfg->colonies);
	free(cfg);
}

const struct cfg_colony *
cfg_find_colony(const struct cfg *cfg, const char *name)
{
	for (size_t i = 0; cfg != NULL && name != NULL && i < cfg->n_colonies; i++)
		if (strcmp(cfg->colonies[i].name, name) == 0)
			return &cfg->colonies[i];
	return NULL;
}

const struct cfg_network *
cfg_find_network(const struct cfg *cfg, const char *name)
{
	for (size_t i = 0; cfg != NULL && name != NULL && i < cfg->n_networks; i++)
		if (strcmp(cfg->networks[i].name, name) == 0)
			return &cfg->networks[i];
	return NULL;
}
