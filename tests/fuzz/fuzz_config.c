/* fuzz_config.c: libFuzzer harness for cfg_load_string and cfg_colony_parse, with a serialize/parse round trip of every colony that loads. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

/* A failed invariant must crash so that libFuzzer saves the input. */
#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

/*
 * Includes are globbed relative to the current directory, which the harness
 * points at a private folder of small INI files. Linked with --wrap=glob so a
 * fuzzed `include = /dev/stdin` or `../..` cannot read (or block on) the host.
 */
int __real_glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *g);

int
__wrap_glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *g)
{
	if (strchr(pattern, '/') != NULL) {
		memset(g, 0, sizeof(*g));
		return GLOB_NOMATCH;
	}
	return __real_glob(pattern, flags, errfunc, g);
}

static const struct { const char *name, *text; } include_files[] = {
	{ "a.ini", "[colony inc-a]\n[service inc-a/x]\ncommand = /bin/true\n" },
	{ "b.ini", "[network net-b]\nbridge = colbrb\nsubnet = 10.99.0.0/24\n"
		"[colony inc-b]\nnetwork = net-b\n[service inc-b/y]\ncommand = sleep 1\n" },
	{ "loop.ini", "[supervisor]\ninclude = loop.ini\n" },
	{ "chain.ini", "[supervisor]\ninclude = a.ini\n" },
	{ "bad.ini", "[colony bad\n" },
	{ "sup.ini", "[supervisor]\nintensity = 2\n" },
};
static char workdir[] = "/tmp/colony-fuzz-config.XXXXXX";
/* The harness enters workdir only around each load: libFuzzer resolves the
   user's relative corpus paths against the original directory. */
static int work_fd = -1, home_fd = -1;

static void
remove_workdir(void)
{
	char path[sizeof(workdir) + 64];

	for (size_t i = 0; i < sizeof(include_files) / sizeof(include_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", workdir, include_files[i].name);
		unlink(path);
	}
	rmdir(workdir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (mkdtemp(workdir) == NULL || (work_fd = open(workdir, O_RDONLY | O_DIRECTORY)) < 0 ||
	    (home_fd = open(".", O_RDONLY | O_DIRECTORY)) < 0) {
		perror("fuzz_config: work folder");
		exit(1);
	}
	for (size_t i = 0; i < sizeof(include_files) / sizeof(include_files[0]); i++) {
		int fd = openat(work_fd, include_files[i].name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

		if (f == NULL || fputs(include_files[i].text, f) < 0 || fclose(f) != 0) {
			perror(include_files[i].name);
			exit(1);
		}
	}
	atexit(remove_workdir);
	return 0;
}

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,63} (colony.ini(5)). */
static bool
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CFG_NAME_MAX || strchr("_.-", s[0]) != NULL)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* What config.h promises about every loaded service. */
static void
check_service(const struct cfg_service *s)
{
	CHECK(valid_name(s->name));
	CHECK(s->argv != NULL && s->argv[0] != NULL && s->argv[0][0] != '\0');
	CHECK(s->environment != NULL);
	CHECK(s->working_directory != NULL);
	CHECK(s->stop_signal >= 1 && s->stop_signal <= 64);
	CHECK(s->ready != CFG_READY_FD || s->ready_fd >= 3);
	CHECK(s->n_success_exit_status >= 1 && s->success_exit_status != NULL);
	CHECK(s->caps_mode != CFG_CAPS_LIST || s->n_caps <= CFG_MAX_CAPS);
	for (size_t i = 0; i < s->n_caps; i++)
		CHECK(s->caps[i] >= 0 && s->caps[i] < 64);
}

static void
check_colony(const struct cfg *cfg, const struct cfg_colony *c)
{
	CHECK(valid_name(c->name));
	CHECK(cfg_find_colony(cfg, c->name) == c);
	CHECK(c->n_services > 0);
	CHECK(c->cpu_weight <= 10000);
	CHECK((c->namespaces & ~(CFG_NS_UTS | CFG_NS_IPC | CFG_NS_PID | CFG_NS_MOUNT)) == 0);
	CHECK(c->net_mode != CFG_NET_NAMED || cfg_find_network(cfg, c->network) != NULL);
	for (size_t j = 0; j < c->n_services; j++)
		check_service(&c->services[j]);
}

static void
check_network(const struct cfg *cfg, const struct cfg_network *n)
{
	uint32_t mask = n->prefix_len == 0 ? 0 : ~0u << (32 - n->prefix_len);

	CHECK(valid_name(n->name));
	CHECK(cfg_find_network(cfg, n->name) == n);
	CHECK(n->prefix_len <= 32);
	CHECK(strlen(n->bridge) <= 15);
	CHECK((n->subnet & mask) == n->subnet);
	CHECK((n->gateway & mask) == n->subnet);
}

static void
check_colony_equal(const struct cfg_colony *a, const struct cfg_colony *b)
{
	CHECK(cfg_colony_level_equal(a, b));
	CHECK(a->n_services == b->n_services);
	for (size_t i = 0; i < a->n_services; i++)
		CHECK(cfg_service_equal(&a->services[i], &b->services[i]));
}

/* serialize -> parse gives an equal colony, and serializing that gives the same text. */
static void
round_trip(const struct cfg_colony *c)
{
	char err[CFG_ERR_MAX];
	struct cfg_colony *back;
	size_t len, len2;
	char *text, *text2;

	text = cfg_colony_serialize(c, &len);
	CHECK(text != NULL && strlen(text) == len);
	back = cfg_colony_parse(text, len, err, sizeof(err));
	if (back == NULL) {
		fprintf(stderr, "cfg_colony_parse refused its own text: %s\n%s", err, text);
		abort();
	}
	check_colony_equal(c, back);
	text2 = cfg_colony_serialize(back, &len2);
	CHECK(text2 != NULL && len == len2 && strcmp(text, text2) == 0);
	free(text2);
	cfg_colony_free(back);
	free(text);
}

/* The exported value parsers see the raw bytes too: they are cheap and reachable from every key. */
static void
value_parsers(const char *s)
{
	uint64_t v;
	int sig, again;
	const char *name;

	(void)cfg_parse_duration(s, &v);
	(void)cfg_parse_size(s, &v);
	if (cfg_parse_signal(s, &sig) == 0 && (name = cfg_signal_name(sig)) != NULL)
		CHECK(cfg_parse_signal(name, &again) == 0 && again == sig);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CFG_ERR_MAX];
	struct cfg_colony *col;
	struct cfg *cfg;
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	err[0] = '\0';
	CHECK(fchdir(work_fd) == 0);
	cfg = cfg_load_string("fuzz.ini", s, err, sizeof(err));
	CHECK(fchdir(home_fd) == 0);
	if (cfg == NULL) {
		/* Every refusal is reported, as FILE:LINE: message. */
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)) != NULL);
		CHECK(strchr(err, ':') != NULL);
	} else {
		for (size_t i = 0; i < cfg->n_colonies; i++) {
			check_colony(cfg, &cfg->colonies[i]);
			round_trip(&cfg->colonies[i]);
		}
		for (size_t i = 0; i < cfg->n_networks; i++)
			check_network(cfg, &cfg->networks[i]);
		cfg_free(cfg);
	}

	/* The same bytes as colonyd would receive them from the root (not NUL-terminated). */
	col = cfg_colony_parse((const char *)data, size, err, sizeof(err));
	if (col != NULL) {
		round_trip(col);
		cfg_colony_free(col);
	}

	value_parsers(s);
	free(s);
	return 0;
}
