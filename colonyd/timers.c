/* timers.c: every service's engine timer in one min-heap behind one timerfd (no periodic ticks). */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "supervisor/util.h"

static struct cd_svc *
svc_of(struct th_node *n)
{
	return (struct cd_svc *)(void *)((char *)n - offsetof(struct cd_svc, tnode));
}

/* Point the timerfd at the earliest deadline, touching it only when that changed. */
static void
timer_rearm(struct cd *cd)
{
	const struct th_node *first = th_min(&cd->heap);
	uint64_t want = first != NULL ? first->deadline : 0;
	struct itimerspec its;

	if (want == cd->armed_ms)
		return;
	memset(&its, 0, sizeof(its));
	if (want > 0) {
		its.it_value.tv_sec = (time_t)(want / 1000);
		its.it_value.tv_nsec = (long)(want % 1000) * 1000000L;
	}
	if (timerfd_settime(cd->w_timer.fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		cd_log(cd, "timerfd_settime: %s", strerror(errno));
	cd->armed_ms = want;
}

void
cd_timer_set(struct cd *cd, struct cd_svc *svc, enum eng_timer t, uint64_t deadline_ms)
{
	if (deadline_ms == 0)
		deadline_ms = 1;	/* 0 means disarmed to the timerfd */
	if (th_set(&cd->heap, &svc->tnode, deadline_ms) != 0) {
		cd_log(cd, "%s: out of memory arming a timer", svc->name);
		return;
	}
	svc->timer = t;
	timer_rearm(cd);
}

void
cd_timer_cancel(struct cd *cd, struct cd_svc *svc)
{
	th_cancel(&cd->heap, &svc->tnode);
	svc->timer = ENG_TIMER_NONE;
	timer_rearm(cd);
}

void
cd_timer_fired(struct cd *cd)
{
	uint64_t ticks, now = util_mono_ms();
	struct th_node *n;

	while (read(cd->w_timer.fd, &ticks, sizeof(ticks)) < 0 && errno == EINTR)
		;
	cd->armed_ms = 0;
	while ((n = th_pop_due(&cd->heap, now)) != NULL) {
		struct cd_svc *svc = svc_of(n);
		enum eng_timer t = svc->timer;

		svc->timer = ENG_TIMER_NONE;
		if (t == ENG_TIMER_READY && svc->state == ENG_STARTING)
			svc->ready_timed_out = true;	/* its exit is reported as ready_timeout */
		cd_feed_timer(cd, svc, t);
	}
	timer_rearm(cd);
	cd_drain(cd);
}
