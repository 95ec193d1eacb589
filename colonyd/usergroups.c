/* usergroups.c: supplementary groups read from /etc/passwd and /etc/group, for a definition that came without them (an older root). */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colonyd/confine.h"

/*
 * The files only, never NSS: a statically linked colonyd must not dlopen NSS
 * modules (and a second libc) for this. The root resolves the groups through
 * NSS when it loads the file, so this runs only for a root older than that.
 */

/* The user's name as getpwnam(user), or else getpwuid(uid), would give it; false if none. */
static bool
files_user_name(const char *passwd, const char *user, uid_t uid, char *name, size_t len)
{
	FILE *f = fopen(passwd, "re");
	struct passwd *pw;
	bool found = false;

	if (f == NULL)
		return false;
	/* cppcheck-suppress fgetpwentCalled ; colonyd has one thread */
	while ((pw = fgetpwent(f)) != NULL) {
		bool exact = user != NULL && strcmp(pw->pw_name, user) == 0;

		if (pw->pw_uid != uid || (found && !exact) || strlen(pw->pw_name) >= len)
			continue;
		strcpy(name, pw->pw_name);
		found = true;
		if (exact || user == NULL)
			break;
	}
	fclose(f);
	return found;
}

static bool
is_member(char *const *members, const char *name)
{
	for (; members != NULL && *members != NULL; members++)
		if (strcmp(*members, name) == 0)
			return true;
	return false;
}

/* Adds gid unless already listed; -1 when out of memory. */
static int
add_gid(gid_t **v, size_t *n, gid_t gid)
{
	gid_t *t;

	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == gid)
			return 0;
	if ((t = realloc(*v, (*n + 1) * sizeof(*t))) == NULL)
		return -1;
	t[(*n)++] = gid;
	*v = t;
	return 0;
}

int
confine_files_groups_from(const char *passwd, const char *group, const char *user, uid_t uid,
    gid_t gid, gid_t **groups, size_t *n)
{
	char name[256];
	struct group *gr;
	FILE *f;
	int rc = 0;

	*n = 0;
	if (add_gid(groups, n, gid) < 0)
		return -1;
	/* A numeric uid without a passwd entry gets its gid only, as getgrouplist's callers do. */
	if (!files_user_name(passwd, user, uid, name, sizeof(name)) || (f = fopen(group, "re")) == NULL)
		return 0;
	/* cppcheck-suppress fgetgrentCalled ; colonyd has one thread */
	while (rc == 0 && (gr = fgetgrent(f)) != NULL)
		if (is_member(gr->gr_mem, name))
			rc = add_gid(groups, n, gr->gr_gid);
	fclose(f);
	return rc;
}

int
confine_files_groups(const char *user, uid_t uid, gid_t gid, gid_t **groups, size_t *n)
{
	return confine_files_groups_from("/etc/passwd", "/etc/group", user, uid, gid, groups, n);
}
