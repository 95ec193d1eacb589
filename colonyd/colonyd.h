/* colonyd.h: colonyd's internal state shared by its files (daemon, services, loop, link to the root). */
#ifndef COLONYD_COLONYD_H
#define COLONYD_COLONYD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"
#include "supervisor/cgroup.h"
#include "supervisor/engine.h"
#include "supervisor/proto.h"
#include "supervisor/timerheap.h"

#define CD_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct cd;
struct cd_svc;
struct cd_slot;
struct log_writer;
struct confine;

/* What an epoll registration stands for; epoll_event.data.ptr points to one. */
enum cd_watch_kind {
	CD_W_SIGNAL, CD_W_TIMER, CD_W_LINK, CD_W_LISTEN,
	CD_W_PIDFD, CD_W_ERRPIPE, CD_W_LOG, CD_W_NOTIFY, CD_W_READYFD, CD_W_EVENTS,
	CD_W_UPGRADE,
};

struct cd_watch {
	enum cd_watch_kind kind;
	struct cd_svc *svc;	/* NULL for daemon-wide fds */
	int fd;			/* -1 when not registered */
};

/* A configuration text parsed once, shared by the services defined in it. */
struct cd_conf {
	struct cfg_colony *colony;
	unsigned refs;		/* services pointing into it, plus 1 while current */
};

/*
 * What cd_svc_prepare computes once per service definition. A child that
 * shares colonyd's memory (vmclone.c) holds a reference until it is done
 * with it, so a reload never frees what a starting child still reads.
 */
struct cd_launch {
	unsigned refs;
	struct cd_conf *conf;		/* a reference: argv lives in it */
	char *const *argv;
	char **envp;			/* prepared environment */
	char *exe;			/* argv[0] resolved through PATH, or NULL */
	struct confine *confine;
};

struct cd_svc {
	struct cd *cd;
	struct cd_conf *conf;		/* owner of cfg */
	const struct cfg_service *cfg;
	struct eng_child *child;
	struct cd_launch *launch;	/* NULL if cd_svc_prepare failed */
	char prep_err[512];		/* why cd_svc_prepare failed */
	char cgrel[512];		/* REL/<service> */
	int cgfd;			/* its v2 directory, for CLONE_INTO_CGROUP */
	int evfd;			/* its cgroup.events, or -1: read at each exit */
	int oomfd;			/* its OOM counter file, -1 not opened, -2 none (exit.c) */
	bool cg_killed;			/* cgroup.kill written since the last spawn */
	char name[CFG_NAME_MAX + 1];
	int stop_signal;

	/* the running instance */
	pid_t pid;			/* 0 when no main process */
	struct cd_slot *vm_slot;	/* its stack while it may still use colonyd's memory */
	struct cd_watch w_pidfd, w_err, w_ready, w_events;
	char errmsg[256];		/* from the child's error pipe */
	size_t errlen;
	uint64_t oom_svc, oom_colony;	/* oom_kill counters at spawn */
	bool oom_known;			/* ... already read at the last exit */
	bool spawn_reported;
	bool ready_timed_out;		/* ENG_TIMER_READY fired while starting */
	bool dirty;			/* spawned, cgroup not seen empty since */

	/* kept for the service's life */
	struct cd_watch w_log;		/* read end of the log pipe */
	int log_wfd;			/* write end, given to each instance */
	struct log_writer *log;
	struct cd_watch w_notify;
	char notify_path[108];

	/* status */
	enum eng_state state;
	uint8_t exit_kind;
	int32_t exit_value;
	char status[PROTO_STATUS_MAX + 1];
	int notify_errno;
	pid_t notify_mainpid;

	/* timer (min-heap in struct cd) */
	struct th_node tnode;		/* deadline and slot in cd->heap */
	enum eng_timer timer;

	bool removed;			/* gone from the configuration, stopping */
	bool start_pending;		/* re-added while its namesake is still stopping */
	struct cd_svc *next_dead;	/* freed after the current epoll batch */
};

/* A queued engine event; `svc` keeps its identity across removal checks. */
struct cd_qev {
	struct eng_event ev;
	struct cd_svc *svc;
	bool skip;		/* its service was freed */
	bool send_exited;	/* not an engine event: tell the root the process exited */
};

/* One message waiting for the root's socket to drain. */
struct cd_out {
	uint8_t *buf;
	size_t len;
	int fd;				/* passed with SCM_RIGHTS, or -1 */
};

struct cd {
	char colony[CFG_NAME_MAX + 1];
	const char *state_dir, *log_dir, *cgrel;
	struct cg_root cg;
	int epfd;
	int devnull;
	struct cd_watch w_sig, w_timer, w_link, w_listen;
	char listen_path[108];
	bool pidns;			/* we are PID 1 of the colony's pid namespace */
	bool no_clone3;			/* clone3 failed once: use fork() from now on */
	int oomfd;			/* the colony's OOM counter file, as cd_svc.oomfd */
	bool no_vm_clone;		/* clone3 refused CLONE_VM once: copy the memory from now on */
	struct cd_slot *vm_free;	/* spare child stacks (vmclone.c) */
	unsigned vm_n_free;

	struct cd_conf *conf;		/* current configuration */
	struct eng *eng;
	struct cd_svc **svcs;		/* every service we hold, in configuration order */
	size_t n_svcs;

	/* timers */
	struct timerheap heap;		/* of cd_svc.tnode */
	uint64_t armed_ms;		/* deadline the timerfd is set to, 0 = disarmed */

	/* engine event queue (FIFO) */
	struct cd_qev *q;
	size_t q_head, q_n, q_cap;
	bool draining;
	struct eng_actions acts;

	/* output queue to the root */
	struct cd_out *out;
	size_t out_head, out_n, out_cap;
	bool out_dropped_warned;
	bool out_resync;		/* messages were dropped: send every state once the queue empties */
	uint8_t *rbuf;			/* PROTO_MSG_MAX receive buffer */

	struct cd_svc *dead;		/* removed services awaiting free() */
	bool configured;
	bool colony_ready;		/* last ready flag sent to the root */
	bool shutting_down;
	int exit_code;			/* -1 while running */

	/* upgrade (upgrade.c) */
	char *self_exe;			/* the path we were started from; NULL if unknown */
	struct cd_watch w_upgrade;	/* the checker's pidfd */
	pid_t upg_checker;
	uint32_t upg_id;		/* the root's PROTO_CMD id, answered by the new image */
	bool upg_pending, upg_now;
};

/* daemon.c */
int cd_setup(struct cd *cd, int linkfd);
void cd_teardown(struct cd *cd);
void cd_log(struct cd *cd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cd_watch_add(struct cd *cd, struct cd_watch *w, int fd, uint32_t events);
void cd_watch_mod(struct cd *cd, struct cd_watch *w, uint32_t events);
void cd_watch_del(struct cd *cd, struct cd_watch *w);	/* and close the fd */
void cd_exit_now(struct cd *cd, int code);
int cd_colony_setup(struct cd *cd, const struct cfg_colony *c);
void cd_release_memory(void);

/* privs.c: colonyd's own capabilities after set-up */
int cd_drop_privileges(struct cd *cd, const struct cfg_colony *c);

/* loop.c */
int cd_loop(struct cd *cd);
void cd_reap(struct cd *cd);

/* svc.c: engine events and actions */
void cd_feed(struct cd *cd, struct cd_svc *svc, enum eng_event_type type, bool clean);
void cd_feed_exited(struct cd *cd, struct cd_svc *svc, bool clean);
void cd_feed_timer(struct cd *cd, struct cd_svc *svc, enum eng_timer timer);
void cd_run_actions(struct cd *cd, uint64_t now_ms);
void cd_drain(struct cd *cd);
void cd_check_all_ended(struct cd *cd);
void cd_forget_events(struct cd *cd, const struct cd_svc *svc);
void cd_svc_send(struct cd_svc *svc, enum proto_event ev);

/* exit.c: a service's processes ending */
void cd_svc_pidfd_ready(struct cd_svc *svc);
void cd_svc_cleanup(struct cd_svc *svc);
void cd_svc_events_ready(struct cd_svc *svc);
void cd_svc_err_ready(struct cd_svc *svc);
struct cd_svc *cd_svc_by_pid(struct cd *cd, pid_t pid);
uint64_t cd_svc_oom_kills(struct cd_svc *svc);
uint64_t cd_colony_oom_kills(struct cd *cd);
void cd_forget_oom_files(struct cd *cd);	/* a reload may have changed the memory cgroups */
void cd_svc_close_cgroup(struct cd_svc *svc);	/* the fds of its cgroup, which will be made again */

/* conf.c: configuration apply and reload */
int cd_apply_config(struct cd *cd, const char *text, size_t len, char *msg, size_t msglen);
void cd_svc_free(struct cd_svc *svc);
struct cd_svc *cd_svc_by_name(struct cd *cd, const char *name);
void cd_conf_unref(struct cd_conf *conf);

/* spawn.c */
int cd_spawn(struct cd_svc *svc, char *err, size_t errlen);
int cd_svc_prepare(struct cd_svc *svc);
void cd_svc_unprepare(struct cd_svc *svc);
void cd_launch_unref(struct cd_launch *l);

/* struct clone_args of linux/sched.h (v2, with cgroup), without its header clashes. */
struct cd_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
	    tls, set_tid, set_tid_size, cgroup;
};

/* vmclone.c: children that share colonyd's memory until execve */
struct cd_child;
pid_t cd_vm_clone(struct cd_svc *svc, struct cd_clone_args *a, const struct cd_child *c);
void cd_vm_release(struct cd_svc *svc);	/* the child is done with colonyd's memory */
void cd_vm_abandon(struct cd_svc *svc);
void cd_vm_free_pool(struct cd *cd);

/* io.c: per-service pipes and sockets */
int cd_svc_open_io(struct cd_svc *svc, char *err, size_t errlen);
void cd_svc_close_io(struct cd_svc *svc);
void cd_svc_log_ready(struct cd_svc *svc);
void cd_svc_log_drain(struct cd_svc *svc);
void cd_svc_notify_ready(struct cd_svc *svc);
void cd_svc_readyfd_ready(struct cd_svc *svc);
void cd_svc_message(struct cd_svc *svc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* timers.c */
void cd_timer_set(struct cd *cd, struct cd_svc *svc, enum eng_timer t, uint64_t deadline_ms);
void cd_timer_cancel(struct cd *cd, struct cd_svc *svc);
void cd_timer_fired(struct cd *cd);

/* link.c: the root's socket */
int cd_link_init(struct cd *cd, int fd);
void cd_link_ready(struct cd *cd, uint32_t events);
void cd_link_accept(struct cd *cd);
void cd_link_send(struct cd *cd, uint8_t *buf, ssize_t len, int pass_fd);
void cd_link_flush_final(struct cd *cd);
void cd_link_flush(struct cd *cd);
void cd_send_hello(struct cd *cd);
void cd_send_colony(struct cd *cd, enum proto_event ev);
void cd_send_reply(struct cd *cd, uint32_t id, int32_t code, const char *text);
void cd_link_close_listener(struct cd *cd);

/* conf.c (upgrade) */
int cd_conf_restore(struct cd *cd, const char *text, size_t len,
    void (*inherit)(struct cd_svc *svc, void *ctx), void *ctx);

/* upgrade.c: re-execute colonyd in the same pid */
void cd_upgrade_begin(struct cd *cd, uint32_t id);
void cd_upgrade_checker(struct cd *cd);
bool cd_upgrade_reap(struct cd *cd, pid_t pid);
void cd_upgrade_after_turn(struct cd *cd);
int cd_upgrade_check(int fd);
int cd_upgrade_restore(struct cd *cd, int fd);

/* cmd.c: commands from the root */
void cd_handle_cmd(struct cd *cd, const struct proto_cmd *cmd);
void cd_handle_config(struct cd *cd, const char *text, size_t len);
void cd_shutdown(struct cd *cd);

#endif
