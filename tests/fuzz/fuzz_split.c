/* fuzz_split.c: libFuzzer harness for cfg_split_command, checking that a split re-quoted splits the same way again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

/* A failed invariant must crash so that libFuzzer saves the input. */
#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

/* Quotes every word in single quotes ('\'' for a quote), as sh would need it. */
static char *
requote(char **v)
{
	size_t cap = 1, o = 0;
	char *s;

	for (size_t i = 0; v[i] != NULL; i++)
		cap += 3 + 4 * strlen(v[i]);
	if ((s = malloc(cap)) == NULL)
		abort();
	for (size_t i = 0; v[i] != NULL; i++) {
		if (i > 0)
			s[o++] = ' ';
		s[o++] = '\'';
		for (const char *p = v[i]; *p; p++) {
			if (*p == '\'') {
				memcpy(s + o, "'\\''", 4);
				o += 4;
			} else {
				s[o++] = *p;
			}
		}
		s[o++] = '\'';
	}
	s[o] = '\0';
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *q;
	char err[256], **v, **w;
	size_t total = 0, i;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err[0] = '\0';
	v = cfg_split_command(s, err, sizeof(err));
	if (v == NULL) {
		CHECK(err[0] != '\0');
		free(s);
		return 0;
	}
	CHECK(v[0] != NULL && v[0][0] != '\0');
	for (i = 0; v[i] != NULL; i++)
		total += strlen(v[i]);
	/* Quotes and backslashes only ever remove bytes. */
	CHECK(total <= strlen(s));
	q = requote(v);
	w = cfg_split_command(q, err, sizeof(err));
	CHECK(w != NULL);
	for (i = 0; v[i] != NULL; i++)
		CHECK(w[i] != NULL && strcmp(v[i], w[i]) == 0);
	CHECK(w[i] == NULL);
	cfg_strv_free(w);
	cfg_strv_free(v);
	free(q);
	free(s);
	return 0;
}
