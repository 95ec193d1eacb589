/* upgrade.c: colonyd re-executes its binary in the same pid, keeping its services, pipes, sockets, timers and restart history. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "colonyd/log.h"
#include "supervisor/handover.h"
#include "supervisor/util.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/*
 * As colony-supervisor does (see colonyd(8), UPGRADE): a checker run of the binary
 * reads a snapshot of the state document first; once it exits 0 and nothing is
 * queued for the root, the document is written again and the binary executed with
 * the fds it names. The new image answers the root's PROTO_CMD; a failure is
 * answered by this one, which goes on as before.
 */
#define CD_UPG_MAGIC "colonyd-state"
#define CD_UPG_VERSION 1u

static void __attribute__((format(printf, 2, 3)))
upg_fail(struct cd *cd, const char *fmt, ...)
{
	char text[4400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cd_log(cd, "upgrade: %s", text);
	cd_send_reply(cd, cd->upg_id, 1, text);
	cd_watch_del(cd, &cd->w_upgrade);
	cd->upg_checker = 0;
	cd->upg_pending = cd->upg_now = false;
}

static void
upg_keep(int **v, size_t *n, int fd)
{
	int *t;

	if (fd < 0 || (t = realloc(*v, (*n + 1) * sizeof(*t))) == NULL)
		return;
	*v = t;
	t[(*n)++] = fd;
}

static void
upg_hex(struct hov_w *w, const char *key, const char *data, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	char *s = malloc(2 * len + 1);

	if (s == NULL) {
		w->oom = true;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = hx[(unsigned char)data[i] >> 4];
		s[2 * i + 1] = hx[(unsigned char)data[i] & 15];
	}
	s[2 * len] = '\0';
	hov_str(w, key, s);
	free(s);
}

static void
upg_write_svc(struct hov_w *w, struct cd_svc *s, int **keep, size_t *n_keep)
{
	const char *part = NULL;
	uint64_t part_ms = 0;
	size_t part_len = s->log ? log_partial(s->log, &part, &part_ms) : 0;

	hov_rec(w, "svc");
	hov_str(w, "name", s->name);
	hov_i64(w, "pid", s->pid);
	hov_i64(w, "pidfd", s->w_pidfd.fd);
	hov_i64(w, "err", s->w_err.fd);
	hov_i64(w, "ready", s->w_ready.fd);
	hov_i64(w, "events", s->w_events.fd);
	hov_i64(w, "log", s->w_log.fd);
	hov_i64(w, "logw", s->log_wfd);
	hov_i64(w, "notify", s->w_notify.fd);
	hov_i64(w, "cgfd", s->cgfd);
	hov_str(w, "notify_path", s->notify_path);
	hov_u64(w, "flags", (uint64_t)s->cg_killed | (uint64_t)s->oom_known << 1 |
	    (uint64_t)s->spawn_reported << 2 | (uint64_t)s->ready_timed_out << 3 | (uint64_t)s->dirty << 4);
	hov_u64(w, "oom_svc", s->oom_svc);
	hov_u64(w, "oom_colony", s->oom_colony);
	hov_u64(w, "state", s->state);
	hov_u64(w, "exit_kind", s->exit_kind);
	hov_i64(w, "exit_value", s->exit_value);
	hov_str(w, "status", s->status);
	hov_i64(w, "notify_errno", s->notify_errno);
	hov_i64(w, "mainpid", s->notify_mainpid);
	hov_u64(w, "timer", th_armed(&s->tnode) ? s->timer : ENG_TIMER_NONE);
	hov_u64(w, "deadline", th_armed(&s->tnode) ? s->tnode.deadline : 0);
	hov_u64(w, "part_ms", part_ms);
	upg_hex(w, "part", part ? part : "", part_len);
	hov_eng_child(w, s->child);
	hov_eol(w);
	const int fds[] = { s->w_pidfd.fd, s->w_err.fd, s->w_ready.fd, s->w_events.fd, s->w_log.fd,
	    s->log_wfd, s->w_notify.fd, s->cgfd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		upg_keep(keep, n_keep, fds[i]);
}

/* The whole state in a memfd (-1 on error); *keep gets the fds it names. */
static int
upg_write(struct cd *cd, int **keep, size_t *n_keep)
{
	struct hov_w w = { 0 };
	struct eng_export x;
	size_t len = 0;
	char *conf = cfg_colony_serialize(cd->conf->colony, &len);

	*n_keep = 0;
	hov_header(&w, CD_UPG_MAGIC, CD_UPG_VERSION);
	hov_rec(&w, "cd");
	hov_u64(&w, "id", cd->upg_id);
	hov_u64(&w, "ready", cd->colony_ready);
	hov_u64(&w, "no_clone3", cd->no_clone3);
	hov_str(&w, "conf", conf ? conf : "");
	hov_eol(&w);
	if (conf == NULL)
		w.oom = true;
	free(conf);
	eng_export(cd->eng, &x);
	hov_rec(&w, "eng");
	hov_u64(&w, "flags", (uint64_t)x.started | (uint64_t)x.ready_prev << 1 | (uint64_t)x.gave_up << 2 |
	    (uint64_t)x.done << 3 | (uint64_t)x.grp_active << 4 | (uint64_t)x.grp_starting << 5 |
	    (uint64_t)x.all_active << 6 | (uint64_t)x.all_sequential << 7 | (uint64_t)x.all_give_up << 8);
	hov_i64(&w, "grp_cur", x.grp_cur);
	hov_i64(&w, "grp_lo", x.grp_lo);
	hov_i64(&w, "grp_stop_lo", x.grp_stop_lo);
	hov_i64(&w, "all_cur", x.all_cur);
	hov_u64s(&w, "ring", x.ring, x.n_ring);
	hov_eol(&w);
	free(x.ring);
	for (size_t i = 0; i < cd->n_svcs; i++)
		upg_write_svc(&w, cd->svcs[i], keep, n_keep);
	return hov_memfd(&w);
}

static bool
upg_busy(struct cd *cd)
{
	if (cd->shutting_down || !cd->configured || cd->dead != NULL)
		return true;
	for (size_t i = 0; i < cd->n_svcs; i++)
		if (cd->svcs[i]->removed || cd->svcs[i]->start_pending)
			return true;
	return false;
}

void
cd_upgrade_begin(struct cd *cd, uint32_t id)
{
	int *keep = NULL, pidfd = -1, fd;
	size_t n_keep;
	char fdbuf[16];

	if (cd->upg_pending) {
		cd_send_reply(cd, id, 1, "an upgrade is in progress");
		return;
	}
	cd->upg_id = id;
	if (upg_busy(cd) || cd->self_exe == NULL) {
		upg_fail(cd, "not now: the colony is stopping or being reloaded");
		return;
	}
	fd = upg_write(cd, &keep, &n_keep);
	free(keep);
	if (fd < 0) {
		upg_fail(cd, "cannot write the state document: %s", strerror(errno));
		return;
	}
	snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
	char *argv[] = { cd->self_exe, "--check-upgrade", fdbuf, NULL };
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PIDFD | SIGCHLD), NULL, &pidfd,
	    NULL, 0UL);
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		fcntl(fd, F_SETFD, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	int err = errno;
	close(fd);
	if (pid < 0 || cd_watch_add(cd, &cd->w_upgrade, pidfd, EPOLLIN) < 0) {
		if (pidfd >= 0)
			close(pidfd);
		upg_fail(cd, "cannot start the check: %s", strerror(err));
		return;
	}
	cd->upg_checker = pid;
	cd->upg_pending = true;
	cd_log(cd, "upgrade: checking %s", cd->self_exe);
}

void
cd_upgrade_checker(struct cd *cd)
{
	siginfo_t si;
	char text[64];

	memset(&si, 0, sizeof(si));
	if (cd->w_upgrade.fd < 0 ||
	    waitid((idtype_t)P_PIDFD, (id_t)cd->w_upgrade.fd, &si, WEXITED | WNOHANG) != 0 ||
	    si.si_pid == 0)
		return;
	cd_watch_del(cd, &cd->w_upgrade);
	cd->upg_checker = 0;
	if (si.si_code == CLD_EXITED && si.si_status == 0) {
		cd->upg_now = true;
		return;
	}
	snprintf(text, sizeof(text), "%s %d", si.si_code == CLD_EXITED ? "exited with status" :
	    "was killed by signal", si.si_status);
	upg_fail(cd, "%s --check-upgrade %s; still running the old binary", cd->self_exe, text);
}

bool
cd_upgrade_reap(struct cd *cd, pid_t pid)
{
	if (cd->upg_checker == 0 || pid != cd->upg_checker)
		return false;
	cd_upgrade_checker(cd);
	return true;
}

static void
upg_exec(struct cd *cd)
{
	int *keep = NULL, fd;
	size_t n_keep = 0;
	char fdbuf[16], linkbuf[16];

	cd->upg_now = false;
	if (upg_busy(cd)) {
		upg_fail(cd, "not now: the colony started stopping or reloading");
		return;
	}
	fd = upg_write(cd, &keep, &n_keep);
	if (fd < 0) {
		free(keep);
		upg_fail(cd, "cannot write the state document: %s", strerror(errno));
		return;
	}
	snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
	snprintf(linkbuf, sizeof(linkbuf), "%d", cd->w_link.fd);
	char *argv[] = { cd->self_exe, "--colony", cd->colony, "--fd", linkbuf, "--state-dir",
	    (char *)cd->state_dir, "--log-dir", (char *)cd->log_dir, "--cgroup", (char *)cd->cgrel,
	    "--upgrade-state", fdbuf, NULL };
	hov_keep_fd(fd, true);
	hov_keep_fd(cd->w_link.fd, true);
	for (size_t i = 0; i < n_keep; i++)
		hov_keep_fd(keep[i], true);
	cd_log(cd, "upgrade: executing %s", cd->self_exe);
	execv(argv[0], argv);
	int err = errno;
	for (size_t i = 0; i < n_keep; i++)
		hov_keep_fd(keep[i], false);
	hov_keep_fd(cd->w_link.fd, false);
	free(keep);
	close(fd);
	upg_fail(cd, "exec %s: %s; still running the old binary", cd->self_exe, strerror(err));
}

/* After each loop turn: exec once the check passed and the root has every message. */
void
cd_upgrade_after_turn(struct cd *cd)
{
	if (!cd->upg_now || cd->q_n > 0)
		return;
	if (cd->w_link.fd < 0) {
		cd->upg_now = cd->upg_pending = false;	/* the root went away: nobody to answer */
		return;
	}
	if (cd->out_n > 0)
		return;		/* EPOLLOUT brings another turn */
	upg_exec(cd);
}
