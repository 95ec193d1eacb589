/* root_timer.c: every root timer in one min-heap behind one timerfd, armed to the earliest deadline. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "supervisor/root.h"

int
root_timer_init(struct root *r)
{
	r->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->timerfd < 0)
		return -1;
	r->w_timer.kind = RW_TIMER;
	return root_watch_add(r, r->timerfd, EPOLLIN, &r->w_timer);
}

void
root_timer_cancel(struct root *r, struct root_timer *t)
{
	th_cancel(&r->heap, &t->th);
}

void
root_timer_set(struct root *r, struct root_timer *t, uint64_t deadline)
{
	if (th_set(&r->heap, &t->th, deadline) != 0)
		root_log("out of memory: timer lost");
}

/* Called once per loop turn: a syscall only when the earliest deadline changed. */
void
root_timer_arm(struct root *r)
{
	const struct th_node *first = th_min(&r->heap);
	uint64_t want = 0;
	struct itimerspec its;

	/* A zero it_value disarms the timerfd, so a deadline of 0 (long due) arms at 1 ms. */
	if (first != NULL)
		want = first->deadline != 0 ? first->deadline : 1;
	if (want == r->armed)
		return;
	memset(&its, 0, sizeof(its));
	if (want != 0) {
		its.it_value.tv_sec = (time_t)(want / 1000);
		its.it_value.tv_nsec = (long)(want % 1000) * 1000000L;
	}
	if (timerfd_settime(r->timerfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
		root_log("timerfd_settime: %s", strerror(errno));
	r->armed = want;
}

void
root_timer_expire(struct root *r)
{
	uint64_t ticks, now;
	struct th_node *n;

	(void)!read(r->timerfd, &ticks, sizeof(ticks));
	r->armed = 0;	/* a one-shot timerfd is disarmed once it fired */
	now = util_mono_ms();
	while ((n = th_pop_due(&r->heap, now)) != NULL) {
		struct root_timer *t = (struct root_timer *)(void *)((char *)n - offsetof(struct root_timer, th));

		t->fire(r, t);
	}
}
