/* root_metrics.c: `colonyctl metrics`, Prometheus text read from the cgroups a few colonies per loop turn. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/root.h"

/*
 * Reading a colony's cgroups (and, on a hybrid host, the resident sets of its
 * processes) takes about half a millisecond, so 10,000 colonies take seconds:
 * done in one go that would hold the event loop, and every colony's exit and
 * every other client, that long. A request reads METRICS_STEP colonies per loop
 * turn instead, and answers once all are read.
 */
#define METRICS_STEP 50

/* One colony or service: its labels and what was read from its cgroup. */
struct metrics_row {
	char labels[160];
	bool up;
	unsigned restarts;
	struct cg_stats st;
};

struct metrics_job {
	struct root_req *q;		/* the answer goes into q->out */
	struct root_timer timer;	/* the next step, at the next loop turn */
	char (*names)[CFG_NAME_MAX + 1];	/* the colonies at the request, in configuration order */
	size_t n_names, next;
	struct metrics_row *rows;
	size_t n_rows, cap;
};

static struct metrics_row *
metrics_row_new(struct metrics_job *j)
{
	if (j->n_rows == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 256;
		struct metrics_row *v = realloc(j->rows, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		j->rows = v;
		j->cap = cap;
	}
	return &j->rows[j->n_rows++];
}

static int
metrics_add(struct root *r, struct metrics_job *j, const char *cgrel, bool up, unsigned restarts)
{
	struct metrics_row *m = metrics_row_new(j);

	if (m == NULL)
		return -1;
	memset(&m->st, 0, sizeof(m->st));
	m->up = up;
	m->restarts = restarts;
	if (up)
		cg_read_stats(&r->cg, cgrel, &m->st);
	return 0;
}

/* The colony's row, then one per service. */
static int
metrics_colony(struct root *r, struct metrics_job *j, struct colony *c)
{
	char cgrel[512];

	if (metrics_add(r, j, c->cgroup, c->pid > 0, c->child ? eng_child_restarts(c->child) : 0))
		return -1;
	snprintf(j->rows[j->n_rows - 1].labels, sizeof(j->rows[0].labels), "colony=\"%s\"", c->name);
	for (size_t i = 0; i < c->n_svcs; i++) {
		snprintf(cgrel, sizeof(cgrel), "%s/%s", c->cgroup, c->svcs[i].name);
		if (metrics_add(r, j, cgrel, c->svcs[i].pid > 0, c->svcs[i].restarts))
			return -1;
		snprintf(j->rows[j->n_rows - 1].labels, sizeof(j->rows[0].labels),
		    "colony=\"%s\",service=\"%s\"", c->name, c->svcs[i].name);
	}
	return 0;
}

/* One metric family: HELP and TYPE, then every row (the format wants a family in one group). */
static void
metrics_family(struct util_str *s, const struct metrics_row *rows, size_t n, int which)
{
	static const char *const names[] = { "colony_up", "colony_restarts_total",
	    "colony_memory_bytes", "colony_cpu_seconds_total", "colony_oom_kills_total" };
	static const char *const helps[] = {
	    "1 when the colony or service is running (its process exists), else 0.",
	    "Restarts since the last operator or configuration start.",
	    "Memory charged to the cgroup, in bytes.",
	    "CPU time used by the cgroup, in seconds.",
	    "Processes of the cgroup killed by the OOM killer." };
	static const char *const types[] = { "gauge", "counter", "gauge", "counter", "counter" };

	util_str_printf(s, "# HELP %s %s\n# TYPE %s %s\n", names[which], helps[which],
	    names[which], types[which]);
	for (size_t i = 0; i < n; i++) {
		const struct metrics_row *m = &rows[i];
		util_str_printf(s, "%s{%s} ", names[which], m->labels);
		switch (which) {
		case 0: util_str_printf(s, "%d\n", m->up ? 1 : 0); break;
		case 1: util_str_printf(s, "%u\n", m->restarts); break;
		case 2: util_str_printf(s, "%llu\n", (unsigned long long)m->st.memory_bytes); break;
		case 3: util_str_printf(s, "%.6f\n", (double)m->st.cpu_usec / 1e6); break;
		default: util_str_printf(s, "%llu\n", (unsigned long long)m->st.oom_kills); break;
		}
	}
}

/* The root's own memory: what a months-long run must keep flat. */
static void
metrics_self(struct util_str *s)
{
	size_t inuse, held;
	char statm[128], *p;
	unsigned long resident = 0;

	util_heap_stats(&inuse, &held);
	/* "size resident shared ...", in pages */
	if (util_read_file("/proc/self/statm", statm, sizeof(statm)) > 0) {
		(void)strtoul(statm, &p, 10);
		resident = strtoul(p, NULL, 10);
	}
	util_str_printf(s, "# HELP colony_supervisor_resident_bytes The root's resident memory.\n"
	    "# TYPE colony_supervisor_resident_bytes gauge\n"
	    "colony_supervisor_resident_bytes %llu\n"
	    "# HELP colony_supervisor_heap_inuse_bytes Memory the root has allocated and not freed.\n"
	    "# TYPE colony_supervisor_heap_inuse_bytes gauge\n"
	    "colony_supervisor_heap_inuse_bytes %zu\n"
	    "# HELP colony_supervisor_heap_bytes Memory the root's allocator holds from the kernel.\n"
	    "# TYPE colony_supervisor_heap_bytes gauge\n"
	    "colony_supervisor_heap_bytes %zu\n",
	    (unsigned long long)resident * (unsigned long long)sysconf(_SC_PAGESIZE), inuse, held);
}

/* Answer (unless the client went away, or err) and forget the job. */
static void
metrics_end(struct root *r, struct metrics_job *j, const char *err)
{
	struct root_req *q = j->q;

	root_timer_cancel(r, &j->timer);
	if (err != NULL) {
		util_str_printf(&q->err, "colony-supervisor: %s\n", err);
		q->code = 1;
	} else if (q->cl != NULL) {
		for (int which = 0; which < 5; which++)
			metrics_family(&q->out, j->rows, j->n_rows, which);
		util_str_printf(&q->out, "# HELP colony_supervisor_sigchld_colonyds Colonyds watched "
		    "through SIGCHLD because no pidfd fit in RLIMIT_NOFILE.\n"
		    "# TYPE colony_supervisor_sigchld_colonyds gauge\n"
		    "colony_supervisor_sigchld_colonyds %zu\n", r->n_sigchld);
		metrics_self(&q->out);
	}
	free(j->names);
	free(j->rows);
	free(j);
	req_done_one(r, q);
}

static void
metrics_step(struct root *r, struct root_timer *t)
{
	struct metrics_job *j = t->ptr;
	size_t end = j->next + METRICS_STEP;

	if (j->q->cl == NULL) {
		metrics_end(r, j, NULL);	/* the client went away: stop reading */
		return;
	}
	for (; j->next < j->n_names && j->next < end; j->next++) {
		/* Colonies removed by a reload meanwhile are left out. */
		struct colony *c = colony_find(r, j->names[j->next]);
		if (c != NULL && c->cfg != NULL && metrics_colony(r, j, c) != 0) {
			metrics_end(r, j, "out of memory");
			return;
		}
	}
	if (j->next < j->n_names)
		root_timer_set(r, &j->timer, util_mono_ms() + 1);	/* after this loop turn */
	else
		metrics_end(r, j, NULL);
}

/*
 * `colonyctl metrics`: Prometheus text exposition (node_exporter's textfile
 * collector reads it as is), from the mirror and the cgroups at request time.
 * Names match [A-Za-z0-9_.-], so label values need no escaping.
 */
void
status_metrics(struct root *r, struct root_client *cl)
{
	struct metrics_job *j = calloc(1, sizeof(*j));
	size_t n = eng_count(r->eng);

	if (j != NULL)
		j->names = calloc(n ? n : 1, sizeof(*j->names));
	if (j == NULL || j->names == NULL || (j->q = req_new(r, cl)) == NULL) {
		static const char msg[] = "colony-supervisor: out of memory\n";
		if (j != NULL)
			free(j->names);
		free(j);
		ctl_frame(r, cl, 2, msg, sizeof(msg) - 1);
		ctl_finish(r, cl, 1);
		return;
	}
	for (size_t i = 0; i < n; i++)
		snprintf(j->names[i], sizeof(j->names[i]), "%s",
		    ((struct colony *)eng_child_data(eng_child_at(r->eng, i)))->name);
	j->n_names = n;
	j->timer = (struct root_timer){ TH_NODE_INIT, metrics_step, j };
	metrics_step(r, &j->timer);
}
