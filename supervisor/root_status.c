/* root_status.c: `colonyctl status` from the root's own mirror, as text lines or one JSON array. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/root.h"

static const char *
status_signame(int sig, char *buf, size_t len)
{
	const char *n = cfg_signal_name(sig);

	if (n != NULL)
		return n;
	snprintf(buf, len, "%d", sig);
	return buf;
}

/* LAST_EXIT column: `-`, `code=1`, `signal=KILL`, `oom`. */
void
status_format_exit(uint8_t kind, int32_t value, char *out, size_t outlen)
{
	char sb[16];

	switch (kind) {
	case PROTO_EXIT_CODE: snprintf(out, outlen, "code=%d", (int)value); break;
	case PROTO_EXIT_SIGNAL: snprintf(out, outlen, "signal=%s", status_signame(value, sb, sizeof(sb))); break;
	case PROTO_EXIT_OOM: snprintf(out, outlen, "oom"); break;
	case PROTO_EXIT_SETUP: snprintf(out, outlen, "setup"); break;
	case PROTO_EXIT_TIMEOUT: snprintf(out, outlen, "ready_timeout"); break;
	default: snprintf(out, outlen, "-"); break;
	}
}

void
status_json_exit(struct util_str *s, uint8_t kind, int32_t value)
{
	char sb[16];

	switch (kind) {
	case PROTO_EXIT_CODE: util_str_printf(s, "{\"code\":%d}", (int)value); break;
	case PROTO_EXIT_SIGNAL:
		util_str_printf(s, "{\"signal\":\"%s\"}", status_signame(value, sb, sizeof(sb)));
		break;
	case PROTO_EXIT_OOM: util_str_printf(s, "{\"reason\":\"oom\"}"); break;
	case PROTO_EXIT_SETUP: util_str_printf(s, "{\"reason\":\"setup\"}"); break;
	case PROTO_EXIT_TIMEOUT: util_str_printf(s, "{\"reason\":\"ready_timeout\"}"); break;
	default: util_str_printf(s, "null"); break;
	}
}

/* One row, shared by colonies and services. */
struct status_row {
	const char *name, *kind, *colony, *state, *status;
	pid_t pid;
	bool up, ready;
	unsigned restarts;
	uint64_t since_real;
	uint8_t exit_kind;
	int32_t exit_value;
	const char *cgroup_rel;
	const char *netns;		/* colonies only */
	const char *address;
	const char *watch;		/* colonies only: "pidfd", "sigchld" or NULL */
};

static void
status_emit(struct root *r, struct util_str *s, bool json, const struct status_row *w)
{
	char up[32] = "-", pid[16] = "-", ex[64];
	uint64_t now = util_real_ms();

	if (!json) {
		if (w->up && now >= w->since_real)
			util_format_uptime((now - w->since_real) / 1000, up, sizeof(up));
		if (w->pid > 0)
			snprintf(pid, sizeof(pid), "%d", (int)w->pid);
		status_format_exit(w->exit_kind, w->exit_value, ex, sizeof(ex));
		util_str_printf(s, "%s\t%s\t%s\t%s\t%u\t%s\n", w->name, w->state, pid, up, w->restarts, ex);
		return;
	}
	util_str_add(s, s->len > 1 ? ",\n{\"name\":" : "\n{\"name\":", s->len > 1 ? 10 : 9);
	util_str_json(s, w->name);
	util_str_printf(s, ",\"kind\":\"%s\",\"colony\":", w->kind);
	util_str_json(s, w->colony);
	util_str_printf(s, ",\"state\":\"%s\",\"pid\":", w->state);
	util_str_printf(s, w->pid > 0 ? "%d" : "null", (int)w->pid);
	util_str_printf(s, ",\"restarts\":%u,\"since_ms\":%llu,\"last_exit\":", w->restarts,
	    (unsigned long long)w->since_real);
	status_json_exit(s, w->exit_kind, w->exit_value);
	util_str_printf(s, ",\"ready\":%s,\"cgroup\":\"%s/", w->ready ? "true" : "false", r->cg.v2);
	util_str_printf(s, "%s\"", w->cgroup_rel);
	if (strcmp(w->kind, "colony") == 0) {
		util_str_add(s, ",\"netns\":", 9);
		w->netns ? util_str_json(s, w->netns) : util_str_add(s, "null", 4);
		util_str_add(s, ",\"address\":", 11);
		w->address ? util_str_json(s, w->address) : util_str_add(s, "null", 4);
		util_str_add(s, ",\"watch\":", 9);
		w->watch ? util_str_json(s, w->watch) : util_str_add(s, "null", 4);
	} else {
		util_str_add(s, ",\"status\":", 10);
		util_str_json(s, w->status);
	}
	util_str_add(s, "}", 1);
}

static bool
status_up(enum eng_state st)
{
	return st == ENG_RUNNING || st == ENG_STARTING || st == ENG_STOPPING;
}

static void
status_service(struct root *r, struct util_str *s, bool json, struct colony *c, size_t i)
{
	char full[2 * CFG_NAME_MAX + 2], cgrel[512];
	struct root_svc *v = &c->svcs[i];

	snprintf(full, sizeof(full), "%s/%s", c->name, v->name);
	snprintf(cgrel, sizeof(cgrel), "%s/%s", c->cgroup, v->name);
	struct status_row sv = {
		.name = full, .kind = "service", .colony = c->name,
		.state = eng_state_name((enum eng_state)v->state), .status = v->status,
		.pid = v->pid, .up = status_up((enum eng_state)v->state) && v->since_ms > 0,
		.ready = v->ready, .restarts = v->restarts, .since_real = v->since_ms,
		.exit_kind = v->exit_kind, .exit_value = v->exit_value, .cgroup_rel = cgrel,
	};
	status_emit(r, s, json, &sv);
}

static enum eng_state
status_colony(struct root *r, struct util_str *s, bool json, struct colony *c, bool services)
{
	char netns[512], addr[32];
	enum eng_state st = c->child ? eng_child_state(c->child) : ENG_STOPPED;
	struct status_row w = {
		.name = c->name, .kind = "colony", .colony = c->name, .state = eng_state_name(st),
		.pid = c->pid, .up = c->pid > 0 && status_up(st),
		.ready = c->child ? eng_child_ready(c->child) : false,
		.restarts = c->child ? eng_child_restarts(c->child) : 0,
		.since_real = c->child ? root_mono_to_real(eng_child_since_ms(c->child)) : 0,
		.exit_kind = c->exit_kind, .exit_value = c->exit_value, .cgroup_rel = c->cgroup,
		.watch = watch_kind(c),
	};
	struct in_addr a = { htonl(c->addr) };

	if (c->published) {
		snprintf(netns, sizeof(netns), "/run/netns/%s%s", r->cfg->sup.netns_prefix, c->name);
		w.netns = netns;
	}
	if (c->addr != 0 && inet_ntop(AF_INET, &a, addr, sizeof(addr)) != NULL)
		w.address = addr;
	status_emit(r, s, json, &w);
	for (size_t i = 0; services && i < c->n_svcs; i++)
		status_service(r, s, json, c, i);
	return st;
}

static int
status_named(struct root *r, struct util_str *s, struct util_str *err, bool json, const char *name)
{
	char col[CFG_NAME_MAX + 1];
	const char *slash = strchr(name, '/');
	size_t n = slash ? (size_t)(slash - name) : strlen(name);
	struct colony *c = NULL;

	if (n <= CFG_NAME_MAX) {
		memcpy(col, name, n);
		col[n] = '\0';
		c = colony_find(r, col);
	}
	if (c != NULL && c->cfg == NULL)
		c = NULL;
	if (c != NULL && slash == NULL)
		return status_colony(r, s, json, c, true) == ENG_RUNNING ? 0 : 3;
	for (size_t i = 0; c != NULL && i < c->n_svcs; i++)
		if (strcmp(c->svcs[i].name, slash + 1) == 0) {
			status_service(r, s, json, c, i);
			return c->svcs[i].state == ENG_RUNNING ? 0 : 3;
		}
	util_str_printf(err, "colony-supervisor: no such colony or service: %s\n", name);
	return 4;
}

int
status_run(struct root *r, struct root_client *cl, int argc, char **argv)
{
	struct util_str s = { 0 }, err = { 0 };
	bool json = false;
	int code = 0, names = 0;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			names++;
	if (json)
		util_str_add(&s, "[", 1);
	if (names == 0)
		for (size_t i = 0; i < eng_count(r->eng); i++)
			status_colony(r, &s, json, eng_child_data(eng_child_at(r->eng, i)), true);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			continue;
		int rc = status_named(r, &s, &err, json, argv[i]);
		if (rc == 4 || (rc == 3 && code == 0))
			code = rc;
	}
	if (json)
		util_str_add(&s, "\n]\n", 3);
	if (s.len)
		ctl_frame(r, cl, 1, s.p, s.len);
	if (err.len)
		ctl_frame(r, cl, 2, err.p, err.len);
	ctl_finish(r, cl, code);
	util_str_free(&s);
	util_str_free(&err);
	return code;
}
