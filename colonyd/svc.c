/* svc.c: feeds events to the engine one at a time (FIFO) and carries out its actions for each service. */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "colonyd/log.h"
#include "supervisor/util.h"

#define CD_TIMER_MAX_MS (10ULL * 366 * 24 * 3600 * 1000)

static void
cd_queue(struct cd *cd, struct cd_svc *svc, const struct eng_event *ev)
{
	if (cd->q_n == cd->q_cap) {
		size_t cap = cd->q_cap ? cd->q_cap * 2 : 32;
		struct cd_qev *q = malloc(cap * sizeof(*q));

		if (q == NULL) {
			cd_log(cd, "out of memory queueing an event");
			return;
		}
		for (size_t i = 0; i < cd->q_n; i++)
			q[i] = cd->q[(cd->q_head + i) % cd->q_cap];
		free(cd->q);
		cd->q = q;
		cd->q_cap = cap;
		cd->q_head = 0;
	}
	cd->q[(cd->q_head + cd->q_n) % cd->q_cap] = (struct cd_qev){ *ev, svc, false, false };
	cd->q_n++;
}

void
cd_feed(struct cd *cd, struct cd_svc *svc, enum eng_event_type type, bool clean)
{
	struct eng_event ev = {
		.type = type, .now_ms = 0, .child = svc ? svc->child : NULL, .clean = clean,
	};

	cd_queue(cd, svc, &ev);
}

/* The root hears "exited" in order with the engine's own reactions (queued, not sent now). */
void
cd_feed_exited(struct cd *cd, struct cd_svc *svc, bool clean)
{
	struct eng_event ev = { .type = ENG_EV_EXITED, .child = svc->child };

	cd_queue(cd, svc, &ev);
	cd->q[(cd->q_head + cd->q_n - 1) % cd->q_cap].send_exited = true;
	cd_feed(cd, svc, ENG_EV_EXITED, clean);
}

void
cd_feed_timer(struct cd *cd, struct cd_svc *svc, enum eng_timer timer)
{
	struct eng_event ev = { .type = ENG_EV_TIMER, .child = svc->child, .timer = timer };

	cd_queue(cd, svc, &ev);
}

static enum proto_event
state_event(enum eng_state s)
{
	switch (s) {
	case ENG_RUNNING: return PROTO_EV_READY;
	case ENG_BACKOFF: return PROTO_EV_BACKOFF;
	case ENG_STOPPED: return PROTO_EV_STOPPED;
	/* ENG_EXITED: the "exited" event already went out when the main process
	   ended (with its exit reason); the state change is a plain snapshot. */
	case ENG_FAILED: return PROTO_EV_FAILED;
	default: return PROTO_EV_NONE;
	}
}

/* snprintf(dst, size, "%s", src) without the printf machinery: a restart sends several of these. */
static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
cd_svc_send(struct cd_svc *svc, enum proto_event ev)
{
	struct cd *cd = svc->cd;
	struct proto_service m;
	uint8_t *buf = NULL;
	ssize_t len;

	memset(&m, 0, sizeof(m));
	copy_str(m.name, sizeof(m.name), svc->name);
	m.event = (uint8_t)ev;
	m.state = (uint8_t)svc->state;
	m.ready = svc->child && eng_child_ready(svc->child);
	m.pid = svc->pid;
	m.restarts = svc->child ? eng_child_restarts(svc->child) : 0;
	m.time_ms = util_real_ms();
	m.since_ms = m.time_ms;
	if (svc->child) {	/* engine times are monotonic: convert */
		uint64_t mono = util_mono_ms(), since = eng_child_since_ms(svc->child);

		if (since <= mono && mono - since <= m.time_ms)
			m.since_ms = m.time_ms - (mono - since);
	}
	m.exit_kind = svc->exit_kind;
	m.exit_value = svc->exit_value;
	copy_str(m.status, sizeof(m.status), svc->status);
	len = proto_encode_service(&m, &buf);
	if (len < 0) {
		cd_log(cd, "%s: cannot encode a status message", svc->name);
		return;
	}
	cd_link_send(cd, buf, len, cd->pidns && svc->pid > 0 ? svc->w_pidfd.fd : -1);
}

static void
act_state(struct cd_svc *svc, enum eng_state st)
{
	enum proto_event ev;

	svc->state = st;
	if (st == ENG_STARTING) {
		/* Report "spawned" once the process exists (the spawn may come later). */
		if (svc->pid > 0 && !svc->spawn_reported) {
			svc->spawn_reported = true;
			cd_svc_send(svc, PROTO_EV_SPAWNED);
		}
		return;
	}
	ev = state_event(st);
	cd_svc_send(svc, ev);
	if (st == ENG_EXITED)
		cd_check_all_ended(svc->cd);
}

static void
act_spawn(struct cd *cd, struct cd_svc *svc)
{
	char err[512];

	svc->status[0] = '\0';
	svc->notify_errno = 0;
	svc->notify_mainpid = 0;
	svc->ready_timed_out = false;
	if (cd_spawn(svc, err, sizeof(err)) < 0) {
		cd_svc_message(svc, "%s", err);
		svc->exit_kind = PROTO_EXIT_SETUP;
		svc->exit_value = 0;
		cd_svc_send(svc, PROTO_EV_EXITED);
		cd_feed(cd, svc, ENG_EV_EXITED, false);
		return;
	}
	svc->spawn_reported = false;
	svc->dirty = true;
	if (svc->state == ENG_STARTING) {
		svc->spawn_reported = true;
		cd_svc_send(svc, PROTO_EV_SPAWNED);
	}
	/* ENG_EV_SPAWNED waits for execve to succeed (error pipe EOF): ready = none
	   means ready after exec, and a failed exec is then never "running". */
	if (svc->w_err.fd < 0)
		cd_feed(cd, svc, ENG_EV_SPAWNED, false);
}

static void
act_signal(struct cd_svc *svc)
{
	if (svc->w_pidfd.fd < 0)
		return;
	if (syscall(SYS_pidfd_send_signal, svc->w_pidfd.fd, svc->stop_signal, NULL, 0) < 0 &&
	    errno != ESRCH)
		cd_log(svc->cd, "%s: pidfd_send_signal(%d): %s", svc->name, svc->stop_signal,
		    strerror(errno));
}

static void
act_exit(struct cd *cd, int code, const char *why)
{
	if (why != NULL)
		cd_log(cd, "%s", why);
	cd_exit_now(cd, code);
}

static void
act_one(struct cd *cd, const struct eng_action *a, uint64_t now_ms)
{
	struct cd_svc *svc = a->child ? eng_child_data(a->child) : NULL;

	/* engine.h: every action but ALL_READY, GIVE_UP and DONE (the last three) names a child. */
	assert(svc != NULL || a->type >= ENG_ACT_ALL_READY);
	switch (a->type) {
	case ENG_ACT_SPAWN: act_spawn(cd, svc); break;
	case ENG_ACT_SIGNAL: act_signal(svc); break;
	case ENG_ACT_CLEANUP: cd_svc_cleanup(svc); break;
	case ENG_ACT_TIMER:
		if (a->timer == ENG_TIMER_NONE)
			cd_timer_cancel(cd, svc);
		else	/* saturate: a delay past ten years means never in practice */
			cd_timer_set(cd, svc, a->timer,
			    now_ms + (a->ms < CD_TIMER_MAX_MS ? a->ms : CD_TIMER_MAX_MS));
		break;
	case ENG_ACT_STATE: act_state(svc, a->state); break;
	case ENG_ACT_RESTARTING: cd_svc_send(svc, PROTO_EV_RESTARTING); break;
	case ENG_ACT_REMOVED: cd_svc_free(svc); break;
	case ENG_ACT_ALL_READY: break;	/* see colony_ready_changed */
	case ENG_ACT_GIVE_UP:
		cd_send_colony(cd, PROTO_EV_GAVE_UP);
		act_exit(cd, 3, "restart intensity exceeded: every service is down, giving up");
		break;
	case ENG_ACT_DONE: act_exit(cd, 0, NULL); break;
	}
}

/* Carry out cd->acts (filled by an eng_* call made at now_ms). */
void
cd_run_actions(struct cd *cd, uint64_t now_ms)
{
	/* Copy: an action may lead to eng_* calls only through the queue, but be safe.
	   A restart's few actions fit on the stack. */
	size_t n = cd->acts.n;
	struct eng_action few[8];
	struct eng_action *v = n <= 8 ? few : malloc(n * sizeof(*v));

	if (v == NULL) {
		cd_log(cd, "out of memory running engine actions");
		return;
	}
	if (n)
		memcpy(v, cd->acts.v, n * sizeof(*v));
	for (size_t i = 0; i < n && cd->exit_code < 0; i++)
		act_one(cd, &v[i], now_ms);
	if (v != few)
		free(v);
}

/* PROTO_COLONY tells the root when "every autostart service is ready" flips, both ways. */
static void
colony_ready_changed(struct cd *cd)
{
	bool ready = cd->eng != NULL && eng_all_ready(cd->eng);

	if (ready == cd->colony_ready || cd->exit_code >= 0)
		return;
	cd->colony_ready = ready;
	cd_send_colony(cd, PROTO_EV_NONE);
}

/* Feed queued events one by one; actions of one list run before the next event. */
void
cd_drain(struct cd *cd)
{
	if (cd->draining)
		return;
	cd->draining = true;
	while (cd->q_n > 0 && cd->exit_code < 0) {
		struct cd_qev e = cd->q[cd->q_head];

		cd->q_head = (cd->q_head + 1) % cd->q_cap;
		cd->q_n--;
		if (e.skip)
			continue;
		if (e.send_exited) {
			cd_svc_send(e.svc, PROTO_EV_EXITED);
			continue;
		}
		e.ev.now_ms = util_mono_ms();
		if (eng_event(cd->eng, &e.ev, &cd->acts) < 0) {
			cd_log(cd, "engine: out of memory");
			continue;
		}
		cd_run_actions(cd, e.ev.now_ms);
		colony_ready_changed(cd);
	}
	colony_ready_changed(cd);
	cd->draining = false;
	cd_link_flush(cd);
}

/* Drop queued events of a service that is going away. */
void
cd_forget_events(struct cd *cd, const struct cd_svc *svc)
{
	for (size_t i = 0; i < cd->q_n; i++) {
		struct cd_qev *e = &cd->q[(cd->q_head + i) % cd->q_cap];

		if (e->svc == svc)
			e->skip = true;
	}
}

/* SPEC 3: colonyd exits 0 once every service has ended and none will be restarted. */
void
cd_check_all_ended(struct cd *cd)
{
	if (!cd->configured || cd->shutting_down || cd->n_svcs == 0 || eng_gave_up(cd->eng))
		return;
	for (size_t i = 0; i < cd->n_svcs; i++) {
		struct cd_svc *s = cd->svcs[i];

		if (s->state != ENG_EXITED)
			return;
		if (s->pid > 0 || s->dirty)
			return;
	}
	cd_log(cd, "every service has ended and none will be restarted");
	cd_send_colony(cd, PROTO_EV_NONE);
	cd_exit_now(cd, 0);
}
