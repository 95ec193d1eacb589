/* root_timer.c: every root timer in one min-heap behind one timerfd, armed to the earliest deadline. */
#define _GNU_SOURCE
#include <errno.h>
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

static void
heap_swap(struct root *r, size_t a, size_t b)
{
	struct root_timer *t = r->heap[a];

	r->heap[a] = r->heap[b];
	r->heap[b] = t;
	r->heap[a]->idx = a;
	r->heap[b]->idx = b;
}

static void
heap_up(struct root *r, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (r->heap[p]->deadline <= r->heap[i]->deadline)
			break;
		heap_swap(r, p, i);
		i = p;
	}
}

static void
heap_down(struct root *r, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < r->heap_len && r->heap[l]->deadline < r->heap[m]->deadline)
			m = l;
		if (l + 1 < r->heap_len && r->heap[l + 1]->deadline < r->heap[m]->deadline)
			m = l + 1;
		if (m == i)
			return;
		heap_swap(r, i, m);
		i = m;
	}
}

void
root_timer_cancel(struct root *r, struct root_timer *t)
{
	size_t i = t->idx;

	if (i == SIZE_MAX || i >= r->heap_len || r->heap[i] != t)
		return;
	r->heap_len--;
	if (i != r->heap_len) {
		r->heap[i] = r->heap[r->heap_len];
		r->heap[i]->idx = i;
		heap_down(r, i);
		heap_up(r, i);
	}
	t->idx = SIZE_MAX;
}

void
root_timer_set(struct root *r, struct root_timer *t, uint64_t deadline)
{
	root_timer_cancel(r, t);
	if (r->heap_len == r->heap_cap) {
		size_t cap = r->heap_cap ? r->heap_cap * 2 : 64;
		struct root_timer **h = realloc(r->heap, cap * sizeof(*h));
		if (h == NULL) {
			root_log("out of memory: timer lost");
			return;
		}
		r->heap = h;
		r->heap_cap = cap;
	}
	t->deadline = deadline;
	t->idx = r->heap_len;
	r->heap[r->heap_len++] = t;
	heap_up(r, t->idx);
}

/* Called once per loop turn: a syscall only when the earliest deadline changed. */
void
root_timer_arm(struct root *r)
{
	uint64_t want = 0;
	struct itimerspec its;

	/* A zero it_value disarms the timerfd, so a deadline of 0 (long due) arms at 1 ms. */
	if (r->heap_len)
		want = r->heap[0]->deadline != 0 ? r->heap[0]->deadline : 1;
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

	(void)!read(r->timerfd, &ticks, sizeof(ticks));
	r->armed = 0;	/* a one-shot timerfd is disarmed once it fired */
	now = util_mono_ms();
	while (r->heap_len > 0 && r->heap[0]->deadline <= now) {
		struct root_timer *t = r->heap[0];
		root_timer_cancel(r, t);
		t->fire(r, t);
	}
}
