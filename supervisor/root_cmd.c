/* root_cmd.c: colonyctl commands in the root, and requests that wait for a colony or a colonyd reply. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor/root.h"

#define CMD_WAIT_LIMIT_MS (120 * 1000)	/* a request never waits longer than this */
#define CMD_RELOAD_LIMIT_MS (30 * 1000)

static void
cmd_fail(struct root *r, struct root_client *cl, int code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = util_vfmt(buf, sizeof(buf), 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	buf[n++] = '\n';
	ctl_frame(r, cl, 2, buf, (size_t)n);
	ctl_finish(r, cl, code);
}

static void
req_timeout(struct root *r, struct root_timer *t)
{
	struct root_req *q = t->ptr;

	util_str_printf(&q->err, "colony-supervisor: timed out waiting\n");
	if (q->code == 0)
		q->code = 1;
	req_finish(r, q);
}

struct root_req *
req_new(struct root *r, struct root_client *cl)
{
	struct root_req *q = calloc(1, sizeof(*q));

	(void)r;
	if (q == NULL)
		return NULL;
	q->cl = cl;
	q->pending = 1;		/* held by the caller until it calls req_done_one */
	q->timer = (struct root_timer){ TH_NODE_INIT, req_timeout, q };
	if (cl != NULL)
		cl->req = q;
	return q;
}

/* Drop every wait of q from its colony's list. */
static void
req_unlink_waits(struct root_req *q, struct colony *only)
{
	(void)only;
	for (struct root_wait **pp, *w; (w = q->waits) != NULL;) {
		q->waits = w->rnext;
		for (pp = &w->c->waits; *pp != NULL; pp = &(*pp)->next)
			if (*pp == w) {
				*pp = w->next;
				break;
			}
		free(w);
	}
}

void
req_finish(struct root *r, struct root_req *q)
{
	req_unlink_waits(q, NULL);
	root_timer_cancel(r, &q->timer);
	if (q->cl != NULL) {
		if (q->out.len)
			ctl_frame(r, q->cl, 1, q->out.p, q->out.len);
		if (q->err.len)
			ctl_frame(r, q->cl, 2, q->err.p, q->err.len);
		q->cl->req = NULL;
		ctl_finish(r, q->cl, q->code);
	}
	util_str_free(&q->out);
	util_str_free(&q->err);
	free(q);
}

void
req_done_one(struct root *r, struct root_req *q)
{
	if (q->pending > 0 && --q->pending == 0)
		req_finish(r, q);
}

static struct root_wait *
wait_add(struct root_req *q, struct colony *c, enum root_want want, const char *name)
{
	struct root_wait *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->req = q;
	w->c = c;
	w->want = want;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->next = c->waits;
	c->waits = w;
	w->rnext = q->waits;
	q->waits = w;
	q->pending++;
	return w;
}

/* One target reached (or failed): forget the wait and count it off its request. */
static void
wait_done(struct root *r, struct root_wait *w, int code, const char *msg)
{
	struct root_req *q = w->req;

	for (struct root_wait **pp = &w->c->waits; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	for (struct root_wait **pp = &q->waits; *pp != NULL; pp = &(*pp)->rnext)
		if (*pp == w) {
			*pp = w->rnext;
			break;
		}
	if (msg != NULL)
		util_str_printf(&q->err, "colony-supervisor: %s: %s\n", w->name, msg);
	if (code > q->code)
		q->code = code;
	free(w);
	req_done_one(r, q);
}

/* What a wait makes of state st: -1 keep waiting, else the exit status to finish with. */
static int
wait_verdict(struct root_wait *w, enum eng_state st)
{
	if (w->want == WANT_REPLY)
		return -1;
	if (st != ENG_RUNNING)
		w->left = true;
	if (st == ENG_FAILED || st == ENG_EXITED)
		return w->want == WANT_STOPPED ? 0 : 1;
	if (st == ENG_RUNNING && w->want != WANT_STOPPED && (w->want == WANT_RUNNING || w->left))
		return 0;
	if (st == ENG_STOPPED && w->want == WANT_STOPPED)
		return 0;
	return -1;
}

/* Finishing one wait may finish its request and free sibling waits: rescan after each. */
void
cmd_state_changed(struct root *r, struct colony *c, enum eng_state st)
{
	bool again = true;

	while (again) {
		again = false;
		for (struct root_wait *w = c->waits; w != NULL; w = w->next) {
			/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): wait_done unlinks w from c->waits before freeing it */
			int code = w->svc != NULL ? -1 : wait_verdict(w, st);
			if (code < 0)
				continue;
			wait_done(r, w, code, code ? eng_state_name(st) : NULL);
			again = true;
			break;
		}
	}
}

/* The same for a service, from its colonyd's snapshots. */
void
cmd_svc_state_changed(struct root *r, struct colony *c, const char *svc, enum eng_state st)
{
	bool again = true;

	while (again) {
		again = false;
		for (struct root_wait *w = c->waits; w != NULL; w = w->next) {
			int code = w->svc != NULL && strcmp(w->svc, svc) == 0 ? wait_verdict(w, st) : -1;
			if (code < 0)
				continue;
			wait_done(r, w, code, code ? eng_state_name(st) : NULL);
			again = true;
			break;
		}
	}
}

/* colonyd took a service's start/stop/restart: now wait for the state, as for a colony. */
static void
cmd_svc_accepted(struct root *r, struct colony *c, struct root_wait *w)
{
	for (size_t i = 0; i < c->n_svcs; i++)
		if (strcmp(c->svcs[i].name, w->svc) == 0) {
			w->want = w->then;
			cmd_svc_state_changed(r, c, w->svc, c->svcs[i].state);
			return;
		}
	wait_done(r, w, w->then == WANT_STOPPED ? 0 : 1, w->then == WANT_STOPPED ? NULL : "removed");
}

void
cmd_reply(struct root *r, struct colony *c, uint32_t id, int code, const char *text)
{
	for (struct root_wait *w = c->waits; w != NULL; w = w->next)
		if (w->want == WANT_REPLY && w->id == id) {
			struct root_req *q = w->req;
			if (text != NULL && *text != '\0')
				util_str_printf(code == 0 ? &q->out : &q->err, "%s%s", text,
				    text[strlen(text) - 1] == '\n' ? "" : "\n");
			if (code == 0 && w->svc != NULL && w->then != WANT_REPLY)
				cmd_svc_accepted(r, c, w);
			else
				wait_done(r, w, code >= 0 && code <= 5 ? code : 1, NULL);
			return;
		}
}

void
cmd_link_gone(struct root *r, struct colony *c)
{
	for (struct root_wait *w = c->waits; w != NULL;) {
		if (w->want != WANT_REPLY && w->svc == NULL) {
			w = w->next;
			continue;
		}
		wait_done(r, w, 1, "lost the connection to colonyd");
		w = c->waits;	/* the list may have changed under us */
	}
}

void
cmd_colony_gone(struct root *r, struct colony *c)
{
	while (c->waits != NULL)
		wait_done(r, c->waits, c->waits->want == WANT_STOPPED ? 0 : 1,
		    c->waits->want == WANT_STOPPED ? NULL : "removed");
}

/* Resolve NAME (colony or colony/service); 4 with a message when unknown. */
static int
cmd_resolve(struct root *r, const char *name, struct colony **c, const char **svc)
{
	char col[CFG_NAME_MAX + 1];
	const char *slash = strchr(name, '/');
	size_t n = slash ? (size_t)(slash - name) : strlen(name);

	*c = NULL;
	*svc = NULL;
	if (n == 0 || n > CFG_NAME_MAX)
		return 4;
	memcpy(col, name, n);
	col[n] = '\0';
	*c = colony_find(r, col);
	if (*c == NULL || (*c)->cfg == NULL)
		return 4;
	if (slash == NULL)
		return 0;
	*svc = slash + 1;
	for (size_t i = 0; i < (*c)->cfg->n_services; i++)
		if (strcmp((*c)->cfg->services[i].name, *svc) == 0)
			return 0;
	return 4;
}

static void
cmd_target(struct root *r, struct root_req *q, const char *name, enum proto_op op, int sig,
    bool wait)
{
	static const enum eng_event_type evs[] = { [PROTO_OP_START] = ENG_EV_OP_START,
	    [PROTO_OP_STOP] = ENG_EV_OP_STOP, [PROTO_OP_RESTART] = ENG_EV_OP_RESTART };
	static const enum root_want wants[] = { [PROTO_OP_START] = WANT_RUNNING,
	    [PROTO_OP_STOP] = WANT_STOPPED, [PROTO_OP_RESTART] = WANT_RESTARTED };
	struct colony *c;
	const char *svc;

	/* The callers resolved every name before; check again rather than trust it. */
	if (cmd_resolve(r, name, &c, &svc) != 0) {
		util_str_printf(&q->err, "colony-supervisor: no such colony or service: %s\n", name);
		q->code = q->code > 4 ? q->code : 4;
		return;
	}
	if (svc != NULL) {
		uint32_t id = ++r->next_id ? r->next_id : ++r->next_id;
		if (c->sock < 0 || link_send_cmd(r, c, op, svc, sig, id) != 0) {
			util_str_printf(&q->err, "colony-supervisor: %s: colony %s is not running\n",
			    name, c->name);
			q->code = q->code > 1 ? q->code : 1;
		} else if (wait) {
			/* The reply says colonyd took it; the wait goes on until the state is reached. */
			struct root_wait *w = wait_add(q, c, WANT_REPLY, name);
			if (w != NULL) {
				w->id = id;
				w->svc = w->name + strlen(c->name) + 1;
				w->then = op <= PROTO_OP_RESTART ? wants[op] : WANT_REPLY;	/* kill: the reply */
			}
		}
		return;
	}
	/* A colony takes start, stop and restart only (kill goes to colonyd itself, in cmd_kill). */
	if (op < PROTO_OP_START || op > PROTO_OP_RESTART) {
		util_str_printf(&q->err, "colony-supervisor: %s: not an operation on a colony\n", name);
		q->code = q->code > 2 ? q->code : 2;
		return;
	}
	if (wait)
		wait_add(q, c, wants[op], name);
	root_feed(r, evs[op], c, false, ENG_TIMER_NONE);
	root_drain(r);
	/* Already there: no transition will come. */
	if (c->child != NULL) {
		enum eng_state st = eng_child_state(c->child);
		if ((op == PROTO_OP_START && st == ENG_RUNNING) ||
		    (op == PROTO_OP_STOP && (st == ENG_STOPPED || st == ENG_EXITED || st == ENG_FAILED)))
			cmd_state_changed(r, c, st);
	}
}

static void
cmd_op(struct root *r, struct root_client *cl, int argc, char **argv, enum proto_op op)
{
	bool wait = true;
	int names = 0;
	struct colony *c;
	const char *svc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-wait") == 0)
			wait = false;
		else if (argv[i][0] == '-')
			return cmd_fail(r, cl, 2, "%s: unknown option %s", argv[0], argv[i]);
		else if (cmd_resolve(r, argv[i], &c, &svc) != 0)
			return cmd_fail(r, cl, 4, "no such colony or service: %s", argv[i]);
		else
			names++;
	}
	if (names == 0)
		return cmd_fail(r, cl, 2, "usage: %s NAME... [--no-wait]", argv[0]);
	if (r->shutting_down)
		return cmd_fail(r, cl, 1, "shutting down");
	struct root_req *q = req_new(r, cl);
	if (q == NULL)
		return cmd_fail(r, cl, 1, "out of memory");
	root_timer_set(r, &q->timer, util_mono_ms() + CMD_WAIT_LIMIT_MS);
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			cmd_target(r, q, argv[i], op, 0, wait);
	req_done_one(r, q);
}

static void
cmd_kill(struct root *r, struct root_client *cl, int argc, char **argv)
{
	struct colony *c;
	const char *svc;
	int sig;

	if (argc != 3)
		return cmd_fail(r, cl, 2, "usage: kill NAME SIGNAL");
	if (cfg_parse_signal(argv[2], &sig) != 0)
		return cmd_fail(r, cl, 2, "kill: bad signal %s", argv[2]);
	if (cmd_resolve(r, argv[1], &c, &svc) != 0)
		return cmd_fail(r, cl, 4, "no such colony or service: %s", argv[1]);
	if (svc == NULL) {
		if (!colony_watched(c))
			return cmd_fail(r, cl, 1, "%s: not running", argv[1]);
		if (watch_kill(c, sig) != 0)
			return cmd_fail(r, cl, 1, "%s: %s: %s", argv[1],
			    c->pidfd >= 0 ? "pidfd_send_signal" : "kill", strerror(errno));
		return ctl_finish(r, cl, 0);
	}
	struct root_req *q = req_new(r, cl);
	if (q == NULL)
		return cmd_fail(r, cl, 1, "out of memory");
	root_timer_set(r, &q->timer, util_mono_ms() + CMD_WAIT_LIMIT_MS);
	cmd_target(r, q, argv[1], PROTO_OP_KILL, sig, true);
	req_done_one(r, q);
}

static void
cmd_reload(struct root *r, struct root_client *cl)
{
	if (r->shutting_down)
		return cmd_fail(r, cl, 1, "shutting down");
	struct root_req *q = req_new(r, cl);
	if (q == NULL)
		return cmd_fail(r, cl, 1, "out of memory");
	root_timer_set(r, &q->timer, util_mono_ms() + CMD_RELOAD_LIMIT_MS);
	q->code = reload_run(r, q);
	req_done_one(r, q);
}

/* `_where NAME [--exec]`: what colonyctl needs for `logs` and `exec`, which it does itself. */
static void
cmd_where(struct root *r, struct root_client *cl, int argc, char **argv)
{
	struct util_str s = { 0 };
	struct colony *c;
	const char *svc;
	char rel[512];

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--exec") != 0))
		return cmd_fail(r, cl, 2, "usage: _where NAME [--exec]");
	if (cmd_resolve(r, argv[1], &c, &svc) != 0)
		return cmd_fail(r, cl, 4, "no such colony or service: %s", argv[1]);
	if (svc != NULL)
		util_str_printf(&s, "log=%s/%s/%s.log\n", r->cfg->sup.log_dir, c->name, svc);
	if (argc == 3) {
		if (c->pid <= 0)
			return util_str_free(&s), cmd_fail(r, cl, 3, "%s: not running", c->name);
		snprintf(rel, sizeof(rel), "%s/_exec", c->cgroup);
		if (cg_create(&r->cg, rel, colony_v1(r, c)) != 0)
			return util_str_free(&s), cmd_fail(r, cl, 1, "cgroup %s: %s", rel, strerror(errno));
		util_str_printf(&s, "pid=%d\ncgroup=%s/%s\n", (int)c->pid, r->cg.v2, rel);
		/* Hybrid host: the v1 mirrors carry the colony's limits; join those colonyd joined. */
		const char *v1[] = { r->cg.memory, r->cg.pids, r->cg.cpu };
		for (size_t i = 0; i < 3; i++)
			if (v1[i][0] != '\0' && (colony_v1(r, c) & (1u << i)))
				util_str_printf(&s, "cgroup=%s/%s\n", v1[i], rel);
	}
	if (s.len)
		ctl_frame(r, cl, 1, s.p, s.len);
	ctl_finish(r, cl, 0);
	util_str_free(&s);
}

void
cmd_run(struct root *r, struct root_client *cl, int argc, char **argv)
{
	const char *cmd = argc > 0 ? argv[0] : "";

	if (strcmp(cmd, "status") == 0)
		status_run(r, cl, argc, argv);
	else if (strcmp(cmd, "start") == 0)
		cmd_op(r, cl, argc, argv, PROTO_OP_START);
	else if (strcmp(cmd, "stop") == 0)
		cmd_op(r, cl, argc, argv, PROTO_OP_STOP);
	else if (strcmp(cmd, "restart") == 0)
		cmd_op(r, cl, argc, argv, PROTO_OP_RESTART);
	else if (strcmp(cmd, "kill") == 0)
		cmd_kill(r, cl, argc, argv);
	else if (strcmp(cmd, "reload") == 0 && argc == 1)
		cmd_reload(r, cl);
	else if (strcmp(cmd, "events") == 0 && (argc == 1 || (argc == 2 && strcmp(argv[1], "--json") == 0)))
		ctl_subscribe(r, cl, argc == 2);
	else if (strcmp(cmd, "shutdown") == 0 && argc == 1) {
		cl->shutdown_wait = true;
		root_begin_shutdown(r);
	} else if (strcmp(cmd, "metrics") == 0 && argc == 1)
		status_metrics(r, cl);
	else if (strcmp(cmd, "_where") == 0)
		cmd_where(r, cl, argc, argv);
	else if (strcmp(cmd, "upgrade") == 0)
		upgrade_cmd(r, cl, argc, argv);
	else
		cmd_fail(r, cl, 2, "unknown command or bad arguments: %s", cmd);
}
