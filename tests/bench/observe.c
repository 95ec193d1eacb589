/* observe.c: the outside observer: SIGKILLs stamping services and times each replacement's own stamp. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: observe [-n COUNT] [-s SETTLE_MS] [-m MINRUN_MS] [-t TIMEOUT_MS]
 *                [-o DIR] LABEL[^COMM]=STAMPFILE...
 *
 * The targets are killed round-robin, one at a time, so that they never
 * disturb each other and share the same machine conditions. Each latency is
 * the replacement's own CLOCK_MONOTONIC stamp minus the time just before
 * kill(2): how late the observer notices the new line does not matter.
 * -s waits after every restart so the service is stable when it dies next;
 * -m makes each target run at least that long before it is killed again
 * (s6 and runsv throttle a service that ran less than 1 s). LABEL^COMM
 * kills the stamping process's parent instead, after checking that its comm
 * is COMM (colonyd).
 * A target that misses three restarts in a row is dropped; the others go
 * on. Prints one line per target: LABEL n=N p50_ms=.. p99_ms=.. min_ms=..
 * max_ms=.. timeouts=N anomalies=N, and exits 1 if a target was dropped.
 */

#define MAXT 16

struct target {
	const char *label, *path;
	const char *comm;	/* kill the parent with this comm, or NULL */
	int fd;
	off_t off;
	char buf[4096];
	size_t len;
	long pid;		/* last stamping pid */
	int64_t stamp;		/* its stamp */
	int64_t *lat;
	int n, timeouts, anomalies;
	int missed;		/* consecutive timeouts */
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
sleep_until(int64_t t)
{
	struct timespec ts = { t / 1000000000LL, t % 1000000000LL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * Reads new complete lines; returns 1 when a line from a pid other than `old`
 * arrived. The first such line is the replacement's; with `latest`, the last
 * line wins instead (catching up with a file's history).
 */
static int
read_new(struct target *t, long old, int latest)
{
	char *nl, *p;
	ssize_t r;
	long pid;
	long long st;
	int found = 0;

	for (;;) {
		r = pread(t->fd, t->buf + t->len, sizeof(t->buf) - t->len - 1, t->off);
		if (r <= 0)
			break;
		t->off += r;
		t->len += (size_t)r;
		t->buf[t->len] = '\0';
		p = t->buf;
		while ((nl = strchr(p, '\n')) != NULL) {
			*nl = '\0';
			/* The first new line of another pid is the replacement's. */
			if (sscanf(p, "%ld %lld", &pid, &st) == 2 && (!found || latest)) {
				if (pid != old) {
					found = 1;
					t->pid = pid;
					t->stamp = st;
				}
			}
			p = nl + 1;
		}
		t->len -= (size_t)(p - t->buf);
		memmove(t->buf, p, t->len);
		if (t->len >= sizeof(t->buf) - 1)
			t->len = 0;
	}
	return found;
}

/* Waits for a replacement stamp of target t (inotify on its file) until deadline. */
static int
wait_new(int ino, struct target *t, long old, int64_t deadline)
{
	char ev[4096];
	struct pollfd pfd = { ino, POLLIN, 0 };
	int64_t left;

	for (;;) {
		if (read_new(t, old, 0))
			return 1;
		left = deadline - now_ns();
		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)(left / 1000000 + 1)) > 0)
			(void)!read(ino, ev, sizeof(ev));
	}
}

static long
parent_of(long pid, const char *comm)
{
	char path[64], buf[512], name[64];
	long ppid = -1;
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	/* comm may hold spaces: the fields after it start past the last ')'. */
	if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 2, "%*c %ld", &ppid);
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%ld/comm", ppid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(name, sizeof(name), f) == NULL)
		name[0] = '\0';
	fclose(f);
	name[strcspn(name, "\n")] = '\0';
	if (strcmp(name, comm) != 0) {
		fprintf(stderr, "observe: parent %ld of %ld is '%s', not '%s'\n", ppid, pid, name, comm);
		return -1;
	}
	return ppid;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double
ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static void
report(struct target *t, const char *dir)
{
	char path[4096];
	FILE *f;
	int i;

	if (dir != NULL) {
		snprintf(path, sizeof(path), "%s/%s.samples", dir, t->label);
		if ((f = fopen(path, "w")) != NULL) {
			for (i = 0; i < t->n; i++)
				fprintf(f, "%lld\n", (long long)t->lat[i]);
			fclose(f);
		}
	}
	if (t->n == 0) {
		printf("%s n=0 timeouts=%d\n", t->label, t->timeouts);
		return;
	}
	qsort(t->lat, (size_t)t->n, sizeof(int64_t), cmp64);
	/* Nearest rank: p99 of 200 samples is the 198th. */
	printf("%s n=%d p50_ms=%.3f p99_ms=%.3f min_ms=%.3f max_ms=%.3f timeouts=%d anomalies=%d\n",
	    t->label, t->n, ms(t->lat[(t->n + 1) / 2 - 1]),
	    ms(t->lat[(99 * t->n + 99) / 100 - 1]), ms(t->lat[0]),
	    ms(t->lat[t->n - 1]), t->timeouts, t->anomalies);
}

/* Waits until the target's file holds a first stamp. */
static int
open_target(int ino, struct target *t, int64_t timeout)
{
	int64_t end = now_ns() + timeout;

	while ((t->fd = open(t->path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (now_ns() > end)
			return -1;
		usleep(10000);
	}
	if (inotify_add_watch(ino, t->path, IN_MODIFY) < 0)
		return -1;
	while (!read_new(t, -1, 1)) {
		if (now_ns() > end)
			return -1;
		usleep(10000);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct target tg[MAXT];
	const char *dir = NULL;
	int64_t settle = 30, minrun = 0, timeout = 5000, t0, lat;
	int count = 200, nt = 0, c, i, r, ino, alive, failed = 0;
	long victim, old;
	char *eq, *hat;

	while ((c = getopt(argc, argv, "n:s:m:t:o:")) != -1) {
		switch (c) {
		case 'n': count = atoi(optarg); break;
		case 's': settle = atoll(optarg); break;
		case 'm': minrun = atoll(optarg); break;
		case 't': timeout = atoll(optarg); break;
		case 'o': dir = optarg; break;
		default: return 100;
		}
	}
	if ((ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0) {
		perror("observe: inotify_init1");
		return 111;
	}
	for (i = optind; i < argc && nt < MAXT; i++) {
		memset(&tg[nt], 0, sizeof(tg[nt]));
		if ((eq = strchr(argv[i], '=')) == NULL)
			return 100;
		*eq = '\0';
		tg[nt].label = argv[i];
		if ((hat = strchr(argv[i], '^')) != NULL) {
			*hat = '\0';
			tg[nt].comm = hat + 1;
		}
		tg[nt].path = eq + 1;
		tg[nt].pid = -1;
		tg[nt].lat = calloc((size_t)count, sizeof(int64_t));
		if (tg[nt].lat == NULL || open_target(ino, &tg[nt], timeout * 1000000LL) < 0) {
			fprintf(stderr, "observe: %s: no stamp in %s\n", tg[nt].label, tg[nt].path);
			return 111;
		}
		nt++;
	}
	alive = nt;
	for (r = 0; r < count && alive > 0; r++) {
		for (i = 0; i < nt; i++) {
			struct target *t = &tg[i];

			if (t->missed >= 3)
				continue;
			/* Catch up with a restart that came after its timeout. */
			(void)read_new(t, t->pid, 1);
			sleep_until(t->stamp + minrun * 1000000LL);
			old = t->pid;
			victim = t->comm != NULL ? parent_of(old, t->comm) : old;
			t0 = now_ns();
			if (victim <= 1 || kill((pid_t)victim, SIGKILL) < 0) {
				/* Still down: give it one more timeout, uncounted. */
				fprintf(stderr, "observe: %s: cannot kill %ld\n", t->label, victim);
				t->missed++;
				(void)wait_new(ino, t, old, t0 + timeout * 1000000LL);
			} else if (!wait_new(ino, t, old, t0 + timeout * 1000000LL)) {
				t->timeouts++;
				t->missed++;
				fprintf(stderr, "observe: %s: no restart within %lld ms\n",
				    t->label, (long long)timeout);
			} else {
				t->missed = 0;
				lat = t->stamp - t0;
				if (lat < 0)
					t->anomalies++;	/* a restart we did not cause */
				else
					t->lat[t->n++] = lat;
				sleep_until(now_ns() + settle * 1000000LL);
			}
			/* Three misses in a row: that supervisor is gone; the others go on. */
			if (t->missed >= 3) {
				fprintf(stderr, "observe: %s: given up\n", t->label);
				failed = 1;
				alive--;
			}
		}
	}
	for (i = 0; i < nt; i++)
		report(&tg[i], dir);
	return failed ? 1 : 0;
}
