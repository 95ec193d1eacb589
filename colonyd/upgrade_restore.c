/* upgrade_restore.c: the new colonyd image checks a state document, or takes the colony over from it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "colonyd/log.h"
#include "supervisor/handover.h"
#include "supervisor/util.h"

#define CD_UPG_MAGIC "colonyd-state"
#define CD_UPG_VERSION 1u
#define CD_UPG_SVCS_MAX 4096

struct rs_doc {
	char *text;
	const char *conf;
	uint64_t id, ready, no_clone3;
	struct hov_line eng;
	bool has_eng;
	struct hov_line *svc;
	size_t n_svc;
	bool check;
};

static const char *const SVC_FDS[] = { "pidfd", "err", "ready", "events", "log", "logw",
    "notify", "cgfd" };

static int
rs_fd(const struct hov_line *l, const char *key, bool check, int *fd)
{
	int64_t v;

	if (hov_get_i64(l, key, &v) != 0 || v < -1 || v > INT32_MAX)
		return -1;
	*fd = (int)v;
	return v < 0 || check || hov_fd_ok((int)v) ? 0 : -1;
}

static int
rs_svc_ok(const struct hov_line *l, bool check)
{
	static const char *const u[] = { "flags", "oom_svc", "oom_colony", "state", "exit_kind",
	    "timer", "deadline", "part_ms" };	/* the e_* keys: hov_get_eng_child */
	uint64_t v;
	int64_t i;
	int fd;

	struct eng_child_export x;

	for (size_t k = 0; k < sizeof(u) / sizeof(u[0]); k++)
		if (hov_get_u64(l, u[k], &v) != 0)
			return -1;
	if (hov_get_eng_child(l, &x) != 0)
		return -1;
	free(x.budget);
	for (size_t k = 0; k < sizeof(SVC_FDS) / sizeof(SVC_FDS[0]); k++)
		if (rs_fd(l, SVC_FDS[k], check, &fd) != 0)
			return -1;
	if (hov_get(l, "name") == NULL || hov_get(l, "status") == NULL || hov_get(l, "part") == NULL ||
	    hov_get(l, "notify_path") == NULL || hov_get(l, "e_budget") == NULL ||
	    hov_get_i64(l, "pid", &i) || hov_get_i64(l, "exit_value", &i) ||
	    hov_get_i64(l, "notify_errno", &i) || hov_get_i64(l, "mainpid", &i))
		return -1;
	hov_get_u64(l, "state", &v);
	return v > ENG_FAILED ? -1 : 0;
}

/* Read and check every record; nothing is applied. */
static int
rs_load(int fd, struct rs_doc *d, bool check)
{
	unsigned version;
	struct hov_line l;
	char *cur;
	int rc;

	memset(d, 0, sizeof(*d));
	d->check = check;
	d->text = cur = hov_load(fd);
	if (d->text == NULL || hov_open(&cur, CD_UPG_MAGIC, CD_UPG_VERSION, &version) != 0)
		return -1;
	while ((rc = hov_next(&cur, &l)) == 1) {
		if (strcmp(l.kind, "cd") == 0) {
			d->conf = hov_get(&l, "conf");
			if (d->conf == NULL || hov_get_u64(&l, "id", &d->id) || hov_get_u64(&l, "ready", &d->ready) ||
			    hov_get_u64(&l, "no_clone3", &d->no_clone3) || d->id > UINT32_MAX)
				return -1;
		} else if (strcmp(l.kind, "eng") == 0) {
			d->eng = l;
			d->has_eng = true;
		} else if (strcmp(l.kind, "svc") == 0) {
			if (d->n_svc == CD_UPG_SVCS_MAX || rs_svc_ok(&l, check) != 0)
				return -1;
			struct hov_line *v = realloc(d->svc, (d->n_svc + 1) * sizeof(*v));
			if (v == NULL)
				return -1;
			d->svc = v;
			d->svc[d->n_svc++] = l;
		}
	}
	return rc == 0 && d->conf != NULL && d->has_eng ? 0 : -1;
}

static void
rs_free(struct rs_doc *d)
{
	free(d->text);
	free(d->svc);
}

static const struct hov_line *
rs_find(const struct rs_doc *d, const char *name)
{
	for (size_t i = 0; i < d->n_svc; i++)
		if (strcmp(hov_get(&d->svc[i], "name"), name) == 0)
			return &d->svc[i];
	return NULL;
}

static void
rs_watch(struct cd *cd, struct cd_watch *w, const struct hov_line *l, const char *key, uint32_t ev)
{
	int fd;

	if (rs_fd(l, key, false, &fd) == 0 && fd >= 0 && cd_watch_add(cd, w, fd, ev) < 0)
		close(fd);
}

/* Before its I/O is set up: the log pipe and the notify socket it had. */
static void
rs_inherit(struct cd_svc *svc, void *ctx)
{
	const struct hov_line *l = rs_find(ctx, svc->name);
	int fd;

	if (l == NULL)
		return;
	rs_watch(svc->cd, &svc->w_log, l, "log", EPOLLIN);
	if (rs_fd(l, "logw", false, &fd) == 0)
		svc->log_wfd = fd;
	rs_watch(svc->cd, &svc->w_notify, l, "notify", EPOLLIN);
	if (svc->w_notify.fd >= 0)
		snprintf(svc->notify_path, sizeof(svc->notify_path), "%s", hov_get(l, "notify_path"));
	if (rs_fd(l, "cgfd", false, &fd) == 0)
		svc->cgfd = fd;
}

static void
rs_child(struct cd_svc *svc, const struct hov_line *l)
{
	struct eng_child_export x;

	if (hov_get_eng_child(l, &x) != 0 || eng_child_import(svc->child, &x) != 0)
		cd_log(svc->cd, "upgrade: %s: engine state not taken over", svc->name);
	free(x.budget);
}

static int
hexdigit(char c)
{
	return c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0';
}

/* The partial log line, hex-encoded: put back into the writer. */
static void
rs_part(struct cd_svc *svc, const struct hov_line *l)
{
	const char *hex = hov_get(l, "part");
	size_t n = strlen(hex) / 2;
	uint64_t ms = 0;
	char *buf;

	if (n == 0 || svc->log == NULL || (buf = malloc(n)) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(hexdigit(hex[2 * i]) << 4 | hexdigit(hex[2 * i + 1]));
	hov_get_u64(l, "part_ms", &ms);
	log_feed(svc->log, buf, n, ms);
	free(buf);
}

static void
rs_svc(struct cd *cd, struct cd_svc *svc, const struct hov_line *l)
{
	uint64_t v, timer, deadline;
	int64_t i;

	rs_child(svc, l);
	hov_get_i64(l, "pid", &i);
	svc->pid = (pid_t)i;
	rs_watch(cd, &svc->w_pidfd, l, "pidfd", EPOLLIN);
	rs_watch(cd, &svc->w_err, l, "err", EPOLLIN);
	rs_watch(cd, &svc->w_ready, l, "ready", EPOLLIN);
	rs_watch(cd, &svc->w_events, l, "events", EPOLLPRI);
	hov_get_u64(l, "flags", &v);
	svc->cg_killed = v & 1; svc->oom_known = v & 2; svc->spawn_reported = v & 4;
	svc->ready_timed_out = v & 8; svc->dirty = v & 16;
	hov_get_u64(l, "oom_svc", &svc->oom_svc);
	hov_get_u64(l, "oom_colony", &svc->oom_colony);
	hov_get_u64(l, "state", &v);
	svc->state = (enum eng_state)v;
	hov_get_u64(l, "exit_kind", &v);
	svc->exit_kind = (uint8_t)v;
	hov_get_i64(l, "exit_value", &i);
	svc->exit_value = (int32_t)i;
	snprintf(svc->status, sizeof(svc->status), "%s", hov_get(l, "status"));
	hov_get_i64(l, "notify_errno", &i);
	svc->notify_errno = (int)i;
	hov_get_i64(l, "mainpid", &i);
	svc->notify_mainpid = (pid_t)i;
	hov_get_u64(l, "timer", &timer);
	hov_get_u64(l, "deadline", &deadline);
	if (deadline != 0 && timer != ENG_TIMER_NONE && timer <= ENG_TIMER_READY)
		cd_timer_set(cd, svc, (enum eng_timer)timer, deadline);
	rs_part(svc, l);
}

static void
rs_eng(struct cd *cd, const struct hov_line *l)
{
	struct eng_export x = { 0 };
	uint64_t f = 0;
	int64_t v[4] = { -1, 0, 0, -1 };

	hov_get_u64(l, "flags", &f);
	x.started = f & 1; x.ready_prev = f & 2; x.gave_up = f & 4; x.done = f & 8;
	x.grp_active = f & 16; x.grp_starting = f & 32; x.all_active = f & 64;
	x.all_sequential = f & 128; x.all_give_up = f & 256;
	hov_get_i64(l, "grp_cur", &v[0]);
	hov_get_i64(l, "grp_lo", &v[1]);
	hov_get_i64(l, "grp_stop_lo", &v[2]);
	hov_get_i64(l, "all_cur", &v[3]);
	x.grp_cur = v[0]; x.grp_lo = v[1]; x.grp_stop_lo = v[2]; x.all_cur = v[3];
	if (hov_get_u64s(l, "ring", &x.ring, &x.n_ring) != 0 || eng_import(cd->eng, &x) != 0)
		cd_log(cd, "upgrade: colony-wide engine state not taken over");
	free(x.ring);
}

/* `colonyd --check-upgrade FD`: exit status 0 if this binary can take over from it. */
int
cd_upgrade_check(int fd)
{
	struct rs_doc d;
	char msg[512];
	int rc = rs_load(fd, &d, true);
	struct cfg_colony *c = rc == 0 ? cfg_colony_parse(d.conf, strlen(d.conf), msg, sizeof(msg)) : NULL;

	if (rc != 0 || c == NULL)
		fprintf(stderr, "colonyd: --check-upgrade: %s\n", rc != 0 ? "unreadable state document" : msg);
	cfg_colony_free(c);
	rs_free(&d);
	return c != NULL ? 0 : 1;
}

/* `--upgrade-state FD`: take the colony over; the root gets HELLO, every service, UPGRADED. */
int
cd_upgrade_restore(struct cd *cd, int fd)
{
	struct rs_doc d;
	int rc = rs_load(fd, &d, false);

	close(fd);
	if (rc != 0 || cd_conf_restore(cd, d.conf, strlen(d.conf), rs_inherit, &d) != 0) {
		cd_log(cd, "upgrade: cannot take over from the state document");
		rs_free(&d);
		return -1;
	}
	for (size_t i = 0; i < cd->n_svcs; i++) {
		const struct hov_line *l = rs_find(&d, cd->svcs[i]->name);
		if (l != NULL)
			rs_svc(cd, cd->svcs[i], l);
	}
	rs_eng(cd, &d.eng);
	cd->colony_ready = d.ready != 0;
	cd->no_clone3 = d.no_clone3 != 0;
	cd_send_hello(cd);
	for (size_t i = 0; i < cd->n_svcs; i++)
		cd_svc_send(cd->svcs[i], PROTO_EV_NONE);
	cd_send_colony(cd, PROTO_EV_UPGRADED);
	cd_send_reply(cd, (uint32_t)d.id, 0, "upgraded");
	cd_log(cd, "upgraded in place: %zu services taken over", cd->n_svcs);
	rs_free(&d);
	return 0;
}
