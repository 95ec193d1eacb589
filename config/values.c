/* values.c: parsers for the typed values of colony.ini (durations, sizes, signals, words). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_internal.h"

bool
cfg_valid_name(const char *s)
{
	size_t n = 0;

	if (!isalnum((unsigned char)s[0]))
		return false;
	for (; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];
		if (n >= CFG_NAME_MAX)
			return false;
		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			return false;
	}
	return true;
}

int
cfg_parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*b = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*b = false;
			return 0;
		}
	}
	return -1;
}

/* Plain decimal digits only: strtoull would accept signs, spaces and hex. */
static int
cfg_digits(const char **sp, uint64_t *v)
{
	const char *s = *sp;
	uint64_t n = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (__builtin_mul_overflow(n, 10, &n) ||
		    __builtin_add_overflow(n, (uint64_t)(*s - '0'), &n))
			return -1;
	}
	*sp = s;
	*v = n;
	return 0;
}

int
cfg_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	uint64_t n;

	if (cfg_digits(&s, &n) < 0 || *s != '\0' || n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

int
cfg_parse_duration(const char *s, uint64_t *ms)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	uint64_t n, r;

	if (s == NULL || cfg_digits(&s, &n) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].unit) != 0)
			continue;
		/* UINT64_MAX stands for infinity, so no finite value may reach it. */
		if (__builtin_mul_overflow(n, units[i].ms, &r) || r == CFG_DURATION_INFINITY)
			return -1;
		*ms = r;
		return 0;
	}
	return -1;
}

int
cfg_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t n, mul = 1;

	if (s == NULL || cfg_digits(&s, &n) < 0)
		return -1;
	if (strcmp(s, "K") == 0)
		mul = 1ull << 10;
	else if (strcmp(s, "M") == 0)
		mul = 1ull << 20;
	else if (strcmp(s, "G") == 0)
		mul = 1ull << 30;
	else if (*s != '\0')
		return -1;
	return __builtin_mul_overflow(n, mul, bytes) ? -1 : 0;
}

static const struct {
	const char *name;
	int sig;
} cfg_signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
#ifdef SIGSTKFLT
	{ "STKFLT", SIGSTKFLT },
#endif
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO },
#ifdef SIGPWR
	{ "PWR", SIGPWR },
#endif
	{ "SYS", SIGSYS },
};

int
cfg_parse_signal(const char *s, int *sig)
{
	uint64_t n;

	if (s == NULL)
		return -1;
	if (isdigit((unsigned char)s[0])) {
		/* 64 is the kernel's _NSIG; SIGRTMAX() may be lowered by libc. */
		if (cfg_parse_u64(s, 1, 64, &n) < 0)
			return -1;
		*sig = (int)n;
		return 0;
	}
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(cfg_signals) / sizeof(cfg_signals[0]); i++) {
		if (strcmp(s, cfg_signals[i].name) == 0) {
			*sig = cfg_signals[i].sig;
			return 0;
		}
	}
	return -1;
}

const char *
cfg_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(cfg_signals) / sizeof(cfg_signals[0]); i++)
		if (cfg_signals[i].sig == sig)
			return cfg_signals[i].name;
	return NULL;
}

int
cfg_parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -1;
	*addr = ntohl(in.s_addr);
	return 0;
}

void
cfg_format_ipv4(uint32_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
	    (addr >> 8) & 0xff, addr & 0xff);
}

static void
cfg_msg(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* Reads one quoted or escaped piece starting at *sp (a quote or backslash). */
static int
cfg_split_quoted(const char **sp, char *out, size_t *o, char *err, size_t errlen)
{
	const char *s = *sp;

	if (*s == '\\') {
		if (s[1] == '\0') {
			cfg_msg(err, errlen, "trailing backslash");
			return -1;
		}
		out[(*o)++] = s[1];
		*sp = s + 2;
		return 0;
	}
	if (*s == '\'') {
		const char *end = strchr(s + 1, '\'');
		if (end == NULL) {
			cfg_msg(err, errlen, "unterminated single quote");
			return -1;
		}
		memcpy(out + *o, s + 1, (size_t)(end - s - 1));
		*o += (size_t)(end - s - 1);
		*sp = end + 1;
		return 0;
	}
	/* Double quotes: as in sh, a backslash escapes only $ ` " \ and newline. */
	for (s++; *s != '"'; s++) {
		if (*s == '\0') {
			cfg_msg(err, errlen, "unterminated double quote");
			return -1;
		}
		if (*s == '\\' && s[1] != '\0' && strchr("$`\"\\\n", s[1]) != NULL)
			s++;
		out[(*o)++] = *s;
	}
	*sp = s + 1;
	return 0;
}

static int
cfg_strv_push(char ***v, size_t *n, const char *word, size_t len)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));

	if (nv == NULL)
		return -1;
	*v = nv;
	nv[*n] = strndup(word, len);
	if (nv[*n] == NULL)
		return -1;
	nv[++*n] = NULL;
	return 0;
}

char **
cfg_split_words(const char *s, bool allow_empty, char *err, size_t errlen)
{
	char **v = calloc(1, sizeof(char *));
	char *word = malloc(strlen(s) + 1);
	size_t n = 0, o = 0;
	bool in_word = false;

	if (v == NULL || word == NULL)
		goto nomem;
	while (*s != '\0') {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			if (in_word && cfg_strv_push(&v, &n, word, o) < 0)
				goto nomem;
			in_word = false;
			o = 0;
			s++;
			continue;
		}
		in_word = true;
		if (*s == '\\' || *s == '\'' || *s == '"') {
			if (cfg_split_quoted(&s, word, &o, err, errlen) < 0)
				goto fail;
		} else {
			word[o++] = *s++;
		}
	}
	if (in_word && cfg_strv_push(&v, &n, word, o) < 0)
		goto nomem;
	if (n == 0 && !allow_empty) {
		cfg_msg(err, errlen, "empty command");
		goto fail;
	}
	free(word);
	return v;
nomem:
	cfg_msg(err, errlen, "out of memory");
fail:
	free(word);
	cfg_strv_free(v);
	return NULL;
}

char **
cfg_split_command(const char *s, char *err, size_t errlen)
{
	char **v;

	if (s == NULL) {
		cfg_msg(err, errlen, "empty command");
		return NULL;
	}
	v = cfg_split_words(s, false, err, errlen);
	if (v != NULL && v[0][0] == '\0') {
		cfg_msg(err, errlen, "empty program name");
		cfg_strv_free(v);
		return NULL;
	}
	return v;
}

void
cfg_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

size_t
cfg_strv_len(char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

char **
cfg_strv_dup(char *const *v)
{
	size_t n = cfg_strv_len(v);
	char **d = calloc(n + 1, sizeof(char *));

	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		d[i] = strdup(v[i]);
		if (d[i] == NULL) {
			cfg_strv_free(d);
			return NULL;
		}
	}
	return d;
}

const char *
cfg_strategy_name(enum cfg_strategy s)
{
	switch (s) {
	case CFG_ONE_FOR_ONE: return "one_for_one";
	case CFG_REST_FOR_ONE: return "rest_for_one";
	case CFG_ONE_FOR_ALL: return "one_for_all";
	}
	return "?";
}

const char *
cfg_restart_name(enum cfg_restart r)
{
	switch (r) {
	case CFG_PERMANENT: return "permanent";
	case CFG_TRANSIENT: return "transient";
	case CFG_TEMPORARY: return "temporary";
	}
	return "?";
}
