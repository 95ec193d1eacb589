/* timers.c: every service's engine timer in one min-heap behind one timerfd (no periodic ticks). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "supervisor/util.h"

static void
heap_swap(struct cd *cd, size_t a, size_t b)
{
	struct cd_svc *t = cd->heap[a];

	cd->heap[a] = cd->heap[b];
	cd->heap[b] = t;
	cd->heap[a]->heap_idx = a;
	cd->heap[b]->heap_idx = b;
}

static void
heap_up(struct cd *cd, size_t i)
{
	while (i > 0 && cd->heap[(i - 1) / 2]->deadline_ms > cd->heap[i]->deadline_ms) {
		heap_swap(cd, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct cd *cd, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < cd->heap_n && cd->heap[l]->deadline_ms < cd->heap[m]->deadline_ms)
			m = l;
		if (r < cd->heap_n && cd->heap[r]->deadline_ms < cd->heap[m]->deadline_ms)
			m = r;
		if (m == i)
			return;
		heap_swap(cd, i, m);
		i = m;
	}
}

static void
heap_remove(struct cd *cd, struct cd_svc *svc)
{
	size_t i = svc->heap_idx;

	if (i == SIZE_MAX)
		return;
	svc->heap_idx = SIZE_MAX;
	cd->heap_n--;
	if (i == cd->heap_n)
		return;
	cd->heap[i] = cd->heap[cd->heap_n];
	cd->heap[i]->heap_idx = i;
	heap_up(cd, i);
	heap_down(cd, cd->heap[i]->heap_idx);
}

/* Point the timerfd at the earliest deadline, touching it only when that changed. */
static void
timer_rearm(struct cd *cd)
{
	uint64_t want = cd->heap_n > 0 ? cd->heap[0]->deadline_ms : 0;
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
	heap_remove(cd, svc);
	if (deadline_ms == 0)
		deadline_ms = 1;	/* 0 means disarmed to the timerfd */
	if (cd->heap_n == cd->heap_cap) {
		size_t cap = cd->heap_cap ? cd->heap_cap * 2 : 16;
		struct cd_svc **h = realloc(cd->heap, cap * sizeof(*h));

		if (h == NULL) {
			cd_log(cd, "%s: out of memory arming a timer", svc->name);
			return;
		}
		cd->heap = h;
		cd->heap_cap = cap;
	}
	svc->timer = t;
	svc->deadline_ms = deadline_ms;
	svc->heap_idx = cd->heap_n;
	cd->heap[cd->heap_n++] = svc;
	heap_up(cd, svc->heap_idx);
	timer_rearm(cd);
}

void
cd_timer_cancel(struct cd *cd, struct cd_svc *svc)
{
	heap_remove(cd, svc);
	svc->timer = ENG_TIMER_NONE;
	timer_rearm(cd);
}

void
cd_timer_fired(struct cd *cd)
{
	uint64_t ticks, now = util_mono_ms();

	while (read(cd->w_timer.fd, &ticks, sizeof(ticks)) < 0 && errno == EINTR)
		;
	cd->armed_ms = 0;
	while (cd->heap_n > 0 && cd->heap[0]->deadline_ms <= now) {
		struct cd_svc *svc = cd->heap[0];
		enum eng_timer t = svc->timer;

		heap_remove(cd, svc);
		svc->timer = ENG_TIMER_NONE;
		if (t == ENG_TIMER_READY && svc->state == ENG_STARTING)
			svc->ready_timed_out = true;	/* its exit is reported as ready_timeout */
		cd_feed_timer(cd, svc, t);
	}
	timer_rearm(cd);
	cd_drain(cd);
}
