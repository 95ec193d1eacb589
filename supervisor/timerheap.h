/* timerheap.h: a min-heap of deadlines with each entry's slot kept in the entry, for O(log n) set and cancel. */
#ifndef COLONY_TIMERHEAP_H
#define COLONY_TIMERHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Embedded in the owner's timer; the owner gets back to itself with container_of-style arithmetic. */
struct th_node {
	uint64_t deadline;	/* monotonic ms */
	size_t idx;		/* heap slot; SIZE_MAX when not armed */
};

#define TH_NODE_INIT { 0, SIZE_MAX }

struct timerheap {
	struct th_node **v;
	size_t n, cap;
};

/* Insert n (or move it if already armed) at deadline; -1 (n left unarmed) when out of memory. */
int th_set(struct timerheap *h, struct th_node *n, uint64_t deadline);
/* Remove n if it is armed in h; a no-op otherwise. */
void th_cancel(struct timerheap *h, struct th_node *n);
/* The earliest entry, or NULL when empty. */
struct th_node *th_min(const struct timerheap *h);
/* Remove and return the earliest entry if its deadline is <= now, else NULL. */
struct th_node *th_pop_due(struct timerheap *h, uint64_t now);
bool th_armed(const struct th_node *n);
void th_free(struct timerheap *h);

#endif
