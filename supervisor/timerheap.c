/* timerheap.c: the deadline min-heap shared by the root's and colonyd's single timerfd. */
#include <stdlib.h>

#include "supervisor/timerheap.h"

static void
th_swap(struct timerheap *h, size_t a, size_t b)
{
	struct th_node *t = h->v[a];

	h->v[a] = h->v[b];
	h->v[b] = t;
	h->v[a]->idx = a;
	h->v[b]->idx = b;
}

static void
th_up(struct timerheap *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (h->v[p]->deadline <= h->v[i]->deadline)
			break;
		th_swap(h, p, i);
		i = p;
	}
}

static void
th_down(struct timerheap *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < h->n && h->v[l]->deadline < h->v[m]->deadline)
			m = l;
		if (l + 1 < h->n && h->v[l + 1]->deadline < h->v[m]->deadline)
			m = l + 1;
		if (m == i)
			return;
		th_swap(h, i, m);
		i = m;
	}
}

bool
th_armed(const struct th_node *n)
{
	return n->idx != SIZE_MAX;
}

void
th_cancel(struct timerheap *h, struct th_node *n)
{
	size_t i = n->idx;

	/* The slot check makes a stale or foreign node harmless. */
	if (i == SIZE_MAX || i >= h->n || h->v[i] != n)
		return;
	n->idx = SIZE_MAX;
	h->n--;
	if (i == h->n)
		return;
	h->v[i] = h->v[h->n];
	h->v[i]->idx = i;
	th_down(h, i);
	th_up(h, h->v[i]->idx);
}

int
th_set(struct timerheap *h, struct th_node *n, uint64_t deadline)
{
	th_cancel(h, n);
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		struct th_node **v = realloc(h->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	n->deadline = deadline;
	n->idx = h->n;
	h->v[h->n++] = n;
	th_up(h, n->idx);
	return 0;
}

struct th_node *
th_min(const struct timerheap *h)
{
	return h->n > 0 ? h->v[0] : NULL;
}

struct th_node *
th_pop_due(struct timerheap *h, uint64_t now)
{
	struct th_node *n = th_min(h);

	if (n == NULL || n->deadline > now)
		return NULL;
	th_cancel(h, n);
	return n;
}

void
th_free(struct timerheap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}
