/* filter.c: builds a service's seccomp BPF program with libseccomp, and keeps the sealed table of built programs the root hands to colonyd. */
#define _GNU_SOURCE
#include "supervisor/filter.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Denied with EPERM by `seccomp = default`. Beyond SPEC section 4's list:
 * the new mount API (fsopen ... mount_setattr), which would otherwise get
 * around the mount deny, and umount/stime/quotactl_fd, the compat and newer
 * spellings of calls already on the list. Names the native arch lacks are
 * skipped; libseccomp translates the rest to the compat arches.
 */
static const char *const filter_default_deny[] = {
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "reboot", "swapon", "swapoff", "mount", "umount",
	"umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick",
	"move_mount", "open_tree", "mount_setattr", "bpf", "perf_event_open",
	"acct", "settimeofday", "stime", "clock_settime", "clock_adjtime",
	"adjtimex", "iopl", "ioperm", "open_by_handle_at", "userfaultfd",
	"keyctl", "add_key", "request_key", "quotactl", "quotactl_fd",
	"lookup_dcookie", "nfsservctl",
};

static bool
filter_allowed(const struct filter_key *k, int nr)
{
	for (size_t i = 0; i < k->n_allow; i++)
		if (k->allow[i] == nr)
			return true;
	return false;
}

/* seccomp_rule_add translates a native number to every arch in the filter and skips arches that lack it. */
static int
filter_deny(scmp_filter_ctx ctx, const struct filter_key *k, int nr, char *why, size_t whylen)
{
	int rc;

	if (nr == __NR_SCMP_ERROR || filter_allowed(k, nr))
		return 0;
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	if (rc < 0 && rc != -EEXIST) {
		snprintf(why, whylen, "seccomp rule for syscall %d: %s", nr, strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * Without CAP_SYS_ADMIN a namespace is only reachable by creating a user
 * namespace first; deny that through unshare, setns and clone, and make
 * clone3 (whose flags a filter cannot read) look absent so libc falls back
 * to clone, as Docker's profile does.
 */
static int
filter_deny_namespaces(scmp_filter_ctx ctx, const struct filter_key *k, char *why, size_t whylen)
{
	int clone_nr = seccomp_syscall_resolve_name("clone");
	int clone3_nr = seccomp_syscall_resolve_name("clone3");
	int rc = 0;

	if (filter_deny(ctx, k, seccomp_syscall_resolve_name("unshare"), why, whylen) < 0 ||
	    filter_deny(ctx, k, seccomp_syscall_resolve_name("setns"), why, whylen) < 0)
		return -1;
	if (clone_nr >= 0 && !filter_allowed(k, clone_nr))
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), clone_nr, 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (rc == 0 && clone3_nr >= 0 && !filter_allowed(k, clone3_nr))
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), clone3_nr, 0);
	if (rc < 0 && rc != -EEXIST) {
		snprintf(why, whylen, "seccomp rule for clone: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

/* seccomp_export_bpf_mem is newer than Debian 12's libseccomp 2.5.4: go through a memfd. */
static int
filter_export(scmp_filter_ctx ctx, struct sock_fprog *prog, char *why, size_t whylen)
{
	int fd = memfd_create("colony-seccomp", MFD_CLOEXEC);
	off_t size;
	int rc;

	if (fd < 0) {
		snprintf(why, whylen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0) {
		snprintf(why, whylen, "seccomp_export_bpf: %s", strerror(-rc));
		goto fail;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
	    size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		snprintf(why, whylen, "seccomp_export_bpf: unexpected program size %lld", (long long)size);
		goto fail;
	}
	prog->filter = malloc((size_t)size);
	if (prog->filter == NULL || pread(fd, prog->filter, (size_t)size, 0) != size) {
		snprintf(why, whylen, "reading the seccomp program: %s",
		    prog->filter == NULL ? strerror(ENOMEM) : "short read");
		free(prog->filter);
		prog->filter = NULL;
		goto fail;
	}
	prog->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

static int
filter_add_compat_arches(scmp_filter_ctx ctx, char *why, size_t whylen)
{
	uint32_t arches[2];
	size_t n = 0;

	/* A 64-bit service can still enter through the 32-bit syscall tables. */
	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86_64:
		arches[n++] = SCMP_ARCH_X86;
		arches[n++] = SCMP_ARCH_X32;
		break;
	case SCMP_ARCH_AARCH64:
		arches[n++] = SCMP_ARCH_ARM;
		break;
	default:
		break;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = seccomp_arch_add(ctx, arches[i]);

		if (rc < 0 && rc != -EEXIST) {
			snprintf(why, whylen, "seccomp_arch_add: %s", strerror(-rc));
			return -1;
		}
	}
	return 0;
}

int
filter_build(const struct filter_key *k, struct sock_fprog *prog, char *why, size_t whylen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = -1;

	prog->filter = NULL;
	prog->len = 0;
	if (ctx == NULL) {
		snprintf(why, whylen, "seccomp_init failed");
		return -1;
	}
	/* A binary tree of syscall numbers rather than a linear list: fewer BPF
	   instructions run on every syscall of the service (libseccomp >= 2.5).
	   Only a speed-up: an older library that refuses it builds the same rules. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (filter_add_compat_arches(ctx, why, whylen) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(filter_default_deny) / sizeof(char *); i++)
		if (filter_deny(ctx, k, seccomp_syscall_resolve_name(filter_default_deny[i]), why, whylen) < 0)
			goto out;
	if (k->deny_ns && filter_deny_namespaces(ctx, k, why, whylen) < 0)
		goto out;
	for (size_t i = 0; i < k->n_deny; i++)
		if (filter_deny(ctx, k, k->deny[i], why, whylen) < 0)
			goto out;
	rc = filter_export(ctx, prog, why, whylen);
out:
	seccomp_release(ctx);
	return rc;
}

/* ---- the table ---- */

#define FILTER_MAGIC "COLFLT01"
#define FILTER_MAX_ENTRIES 64	/* distinct programs kept; beyond that the table starts over */
#define FILTER_MAX_LIST 4096	/* syscall numbers per deny or allow list in a table read back */
#define FILTER_MAX_FILE (8 * 1024 * 1024)

struct filter_entry {
	bool deny_ns;
	int *deny, *allow;
	uint32_t n_deny, n_allow;
	struct sock_fprog prog;
};

struct filter_table {
	struct filter_entry *v;
	size_t n;
	int fd;			/* the sealed memfd of the current entries; -1 until asked for */
};

/* On-disk (in-memfd) layout: the magic, a u32 count, then per entry four u32
   (deny_ns, n_deny, n_allow, n_insns), the two lists as int32 and the instructions.
   Native byte order: the table never leaves this host. */
struct filter_hdr {
	uint32_t deny_ns, n_deny, n_allow, n_insns;
};

struct filter_table *
filter_table_new(void)
{
	struct filter_table *t = calloc(1, sizeof(*t));

	if (t != NULL)
		t->fd = -1;
	return t;
}

static void
filter_entries_clear(struct filter_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].deny);
		free(t->v[i].allow);
		free(t->v[i].prog.filter);
	}
	t->n = 0;
}

void
filter_table_free(struct filter_table *t)
{
	if (t == NULL)
		return;
	filter_entries_clear(t);
	free(t->v);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static bool
filter_list_eq(const int *a, size_t na, const int *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(int)) == 0);
}

static const struct filter_entry *
filter_find(const struct filter_table *t, const struct filter_key *k)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct filter_entry *e = &t->v[i];

		if (e->deny_ns == k->deny_ns && filter_list_eq(e->deny, e->n_deny, k->deny, k->n_deny) &&
		    filter_list_eq(e->allow, e->n_allow, k->allow, k->n_allow))
			return e;
	}
	return NULL;
}

static int *
filter_list_dup(const int *v, size_t n)
{
	int *p = malloc(n ? n * sizeof(int) : 1);

	if (p != NULL && n > 0)
		memcpy(p, v, n * sizeof(int));
	return p;
}

const struct sock_fprog *
filter_table_get(struct filter_table *t, const struct filter_key *k, char *why, size_t whylen)
{
	const struct filter_entry *found = filter_find(t, k);
	struct filter_entry e = { .deny_ns = k->deny_ns };

	if (found != NULL)
		return &found->prog;
	if (k->n_deny > FILTER_MAX_LIST || k->n_allow > FILTER_MAX_LIST) {
		snprintf(why, whylen, "too many syscalls listed");
		return NULL;
	}
	if (t->n == FILTER_MAX_ENTRIES)
		filter_entries_clear(t);
	if (t->v == NULL && (t->v = calloc(FILTER_MAX_ENTRIES, sizeof(*t->v))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	e.deny = filter_list_dup(k->deny, k->n_deny);
	e.allow = filter_list_dup(k->allow, k->n_allow);
	e.n_deny = (uint32_t)k->n_deny;
	e.n_allow = (uint32_t)k->n_allow;
	if (e.deny == NULL || e.allow == NULL || filter_build(k, &e.prog, why, whylen) < 0) {
		if (e.deny == NULL || e.allow == NULL)
			snprintf(why, whylen, "out of memory");
		free(e.deny);
		free(e.allow);
		return NULL;
	}
	t->v[t->n++] = e;
	if (t->fd >= 0)		/* stale: made again on the next filter_table_fd */
		close(t->fd);
	t->fd = -1;
	return &t->v[t->n - 1].prog;
}

static int
filter_write(int fd, const void *p, size_t len)
{
	return write(fd, p, len) == (ssize_t)len ? 0 : -1;
}

static int
filter_write_entry(int fd, const struct filter_entry *e)
{
	struct filter_hdr h = { e->deny_ns, e->n_deny, e->n_allow, e->prog.len };

	if (filter_write(fd, &h, sizeof(h)) < 0 ||
	    filter_write(fd, e->deny, e->n_deny * sizeof(int)) < 0 ||
	    filter_write(fd, e->allow, e->n_allow * sizeof(int)) < 0)
		return -1;
	return filter_write(fd, e->prog.filter, e->prog.len * sizeof(struct sock_filter));
}

/* Sealed against every change: each colonyd holds this same file, and none may alter another's filter. */
int
filter_table_fd(struct filter_table *t)
{
	uint32_t n = (uint32_t)t->n;
	int fd;

	if (t->fd >= 0 || t->n == 0)
		return t->fd;
	fd = memfd_create("colony-filters", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (filter_write(fd, FILTER_MAGIC, 8) < 0 || filter_write(fd, &n, sizeof(n)) < 0)
		goto fail;
	for (size_t i = 0; i < t->n; i++)
		if (filter_write_entry(fd, &t->v[i]) < 0)
			goto fail;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		goto fail;
	t->fd = fd;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Reads one entry at *off of buf (len bytes); -1 if it does not fit or is out of range. */
static int
filter_parse_entry(const uint8_t *buf, size_t len, size_t *off, struct filter_entry *e)
{
	struct filter_hdr h;
	size_t need;

	if (len - *off < sizeof(h))
		return -1;
	memcpy(&h, buf + *off, sizeof(h));
	*off += sizeof(h);
	if (h.deny_ns > 1 || h.n_deny > FILTER_MAX_LIST || h.n_allow > FILTER_MAX_LIST ||
	    h.n_insns == 0 || h.n_insns > BPF_MAXINSNS)
		return -1;
	need = (h.n_deny + h.n_allow) * sizeof(int) + h.n_insns * sizeof(struct sock_filter);
	if (len - *off < need)
		return -1;
	e->deny_ns = h.deny_ns != 0;
	e->n_deny = h.n_deny;
	e->n_allow = h.n_allow;
	e->deny = filter_list_dup((const int *)(const void *)(buf + *off), h.n_deny);
	*off += h.n_deny * sizeof(int);
	e->allow = filter_list_dup((const int *)(const void *)(buf + *off), h.n_allow);
	*off += h.n_allow * sizeof(int);
	e->prog.len = (unsigned short)h.n_insns;
	e->prog.filter = malloc(h.n_insns * sizeof(struct sock_filter));
	if (e->prog.filter != NULL)
		memcpy(e->prog.filter, buf + *off, h.n_insns * sizeof(struct sock_filter));
	*off += h.n_insns * sizeof(struct sock_filter);
	return e->deny && e->allow && e->prog.filter ? 0 : -1;
}

static struct filter_table *
filter_parse(const uint8_t *buf, size_t len)
{
	struct filter_table *t = filter_table_new();
	uint32_t n;
	size_t off = 12;

	if (t == NULL || len < off || memcmp(buf, FILTER_MAGIC, 8) != 0)
		goto fail;
	memcpy(&n, buf + 8, sizeof(n));
	if (n == 0 || n > FILTER_MAX_ENTRIES || (t->v = calloc(n, sizeof(*t->v))) == NULL)
		goto fail;
	for (; t->n < n; t->n++)
		if (filter_parse_entry(buf, len, &off, &t->v[t->n]) < 0) {
			t->n++;		/* so that the partial entry is freed */
			goto fail;
		}
	if (off != len)
		goto fail;
	return t;
fail:
	filter_table_free(t);
	return NULL;
}

struct filter_table *
filter_table_read(int fd)
{
	struct filter_table *t = NULL;
	struct stat st;
	uint8_t *buf;

	if (fstat(fd, &st) < 0 || st.st_size < 12 || st.st_size > FILTER_MAX_FILE)
		return NULL;
	buf = malloc((size_t)st.st_size);
	if (buf != NULL && pread(fd, buf, (size_t)st.st_size, 0) == st.st_size)
		t = filter_parse(buf, (size_t)st.st_size);
	free(buf);
	return t;
}

int
filter_table_copy(const struct filter_table *t, const struct filter_key *k, struct sock_fprog *prog)
{
	const struct filter_entry *e = t ? filter_find(t, k) : NULL;
	size_t size;

	if (e == NULL)
		return -1;
	size = e->prog.len * sizeof(struct sock_filter);
	prog->filter = malloc(size);
	if (prog->filter == NULL)
		return -1;
	memcpy(prog->filter, e->prog.filter, size);
	prog->len = e->prog.len;
	return 0;
}
