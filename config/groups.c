/* groups.c: a service's supplementary groups, resolved once when the file is loaded, so colonyd needs no user database. */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_internal.h"

/* getgrouplist for the user's name; a numeric uid without a passwd entry gets only gid. */
static int
cfg_lookup_groups(const struct cfg_service *s, gid_t **out, size_t *n_out)
{
	struct passwd *pw = NULL;
	int size = 16;

	/* `user` as written may be a number; the uid is what was resolved. */
	if (s->user != NULL && (pw = getpwnam(s->user)) != NULL && pw->pw_uid != s->uid)
		pw = NULL;
	if (pw == NULL)
		pw = getpwuid(s->uid);
	for (;;) {
		gid_t *g = realloc(*out, (size_t)size * sizeof(gid_t));
		int n = size;

		if (g == NULL)
			return -1;
		*out = g;
		if (pw == NULL) {
			g[0] = s->gid;
			*n_out = 1;
			return 0;
		}
		if (getgrouplist(pw->pw_name, s->gid, g, &n) >= 0) {
			*n_out = (size_t)n;
			return 0;
		}
		size = n > size ? n : size * 2;
	}
}

/* Services mostly share a user: the last look-up is kept for the rest of this load. */
int
cfg_resolve_groups(struct cfg_ctx *ctx, struct cfg_service *s)
{
	struct cfg_groups_cache *k = &ctx->groups;
	bool same = k->valid && k->uid == s->uid && k->gid == s->gid &&
	    (k->user == NULL ? s->user == NULL : s->user != NULL && strcmp(k->user, s->user) == 0);

	if (!same) {
		free(k->user);
		k->valid = false;
		k->user = s->user != NULL ? strdup(s->user) : NULL;
		if ((s->user != NULL && k->user == NULL) || cfg_lookup_groups(s, &k->list, &k->n) < 0)
			return -1;
		k->uid = s->uid;
		k->gid = s->gid;
		k->valid = true;
	}
	free(s->groups);
	s->groups = malloc(k->n * sizeof(gid_t));
	if (s->groups == NULL)
		return -1;
	memcpy(s->groups, k->list, k->n * sizeof(gid_t));
	s->n_groups = k->n;
	return 0;
}

void
cfg_groups_cache_free(struct cfg_ctx *ctx)
{
	free(ctx->groups.user);
	free(ctx->groups.list);
	memset(&ctx->groups, 0, sizeof(ctx->groups));
}
