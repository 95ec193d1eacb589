/* root.h: the internal interface shared by colony-supervisor's modules (supervisor/root_*.c). */
#ifndef COLONY_ROOT_H
#define COLONY_ROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"
#include "supervisor/cgroup.h"
#include "supervisor/engine.h"
#include "supervisor/proto.h"
#include "supervisor/timerheap.h"
#include "supervisor/util.h"

struct root;

/* What an epoll event points at; embedded in the object that owns the fd. */
enum root_watch_kind {
	RW_SIGNAL, RW_TIMER, RW_LISTEN, RW_CLIENT, RW_PIDFD, RW_LINK, RW_CGEVENTS,
	RW_UPGRADE,
};
struct root_watch {
	enum root_watch_kind kind;
	void *ptr;
};

/* One entry of the min-heap behind the single timerfd. */
struct root_timer {
	struct th_node th;	/* deadline (monotonic ms) and heap slot */
	void (*fire)(struct root *r, struct root_timer *t);
	void *ptr;
};

/* The root's mirror of one service, fed by PROTO_SERVICE snapshots. */
struct root_svc {
	char name[CFG_NAME_MAX + 1];
	uint8_t state, ready, exit_kind;
	int32_t exit_value;
	pid_t pid;		/* host pid, 0 when down */
	uint32_t restarts;
	uint64_t since_ms;	/* unix ms */
	char status[PROTO_STATUS_MAX + 1];
};

/* A [network] as the root set it up: matched to the configuration by bridge name. */
struct root_net {
	char name[CFG_NAME_MAX + 1];
	char bridge[16];
	uint32_t subnet, gateway;
	unsigned prefix_len, mtu;
	bool created;		/* we made the bridge: we delete it when the network goes */
	bool addr_added;	/* we put the gateway on a bridge we found: we take it off */
	uint8_t fresh;		/* during net_apply: NET_MADE_NOW | NET_ADDED_NOW, for undo */
	struct root_net *next;
};

struct root_wait;

struct colony {
	char name[CFG_NAME_MAX + 1];
	char cgroup[256];		/* <cgroup_name>/<colony> */
	const struct cfg_colony *cfg;	/* into r->cfg; NULL once removed by a reload */
	struct eng_child *child;	/* NULL once the engine forgot it */
	struct colony *hnext;		/* hash chain by name */
	struct colony *pnext;		/* hash chain by colonyd pid */
	struct colony *gnext;		/* graveyard */
	pid_t pid;			/* colonyd's host pid; 0 when down */
	int pidfd, sock, events_fd;
	int netns_fd;			/* open during a spawn only: /run/netns keeps the namespace */
	bool sigchld;			/* our child without a pidfd: its end comes by SIGCHLD (root_watch.c) */
	struct colony *xnext, *xprev;	/* r->pending, while sigchld and the link is gone */
	bool exit_pending;		/* on r->pending */
	struct root_watch w_pidfd, w_sock, w_events;
	struct root_timer timer;
	enum eng_timer timer_kind;
	bool dying;			/* REMOVED is in the current action list */
	bool net_reset;			/* network changed: rebuild the netns at next spawn */
	bool published;
	bool killed;			/* cgroup.kill was written: recreate the subtree before a spawn */
	bool netns_wait;		/* colonyd makes its netns (--new-netns): named at its HELLO */
	uint32_t addr;			/* address on its named network (host order), 0 = none */
	char veth[16];
	uint8_t exit_kind;		/* colonyd's last exit */
	int32_t exit_value;
	uint64_t oom_base;
	struct root_svc *svcs;
	size_t n_svcs;
	struct root_wait *waits;	/* operator requests waiting on this colony */
	struct root_req *reload_req;	/* reload waiting for colonyd's PROTO_REPLY to PROTO_CONFIG */
	bool restored;			/* taken over from the previous image or adopted */
	struct root_adopt *adopt;	/* adoption in progress (root_adopt.c) */
};

struct root_client;

/* An operator request that completes later (start/stop/restart, reload). */
struct root_req {
	struct root_client *cl;		/* NULL when the client went away */
	unsigned pending;
	int code;
	struct util_str out, err;
	struct root_timer timer;
	struct root_wait *waits;	/* linked through rnext */
};

/* One target of a request: a colony reaching a state, or a colonyd PROTO_REPLY. */
enum root_want { WANT_RUNNING, WANT_STOPPED, WANT_RESTARTED, WANT_REPLY };
struct root_wait {
	struct root_req *req;
	struct colony *c;
	enum root_want want;
	bool left;			/* WANT_RESTARTED: has left running */
	uint32_t id;			/* WANT_REPLY: PROTO_CMD id */
	const char *svc;		/* a service's wait: its name (in name); NULL for the colony */
	enum root_want then;		/* a service's wait: the state to wait for after the reply */
	char name[2 * CFG_NAME_MAX + 2];
	struct root_wait *next;		/* in the colony's list */
	struct root_wait *rnext;	/* in the request's list */
};

struct root_client {
	int fd;
	struct root_watch w;
	uint8_t *in;			/* the request: grows to the length its header announces */
	size_t in_len, in_cap;
	struct util_str out;
	size_t out_off;
	bool want_out;			/* EPOLLOUT armed */
	bool done;			/* close once out is flushed */
	bool finished;			/* the exit frame is queued */
	bool shutdown_wait;		/* `shutdown`: answered when the root exits */
	bool events, events_json;
	struct root_timer idle;		/* the request must be complete by then (CTL_IDLE_MS) */
	struct root_req *req;
	struct root_client *prev, *next;
};

/* Engine work items: events, plus reload operations, processed in FIFO order. */
enum root_qkind { RQ_EVENT, RQ_START_CHILD, RQ_REMOVE_CHILD };
struct root_qitem {
	enum root_qkind kind;
	enum eng_event_type type;
	struct colony *c;
	bool clean;
	enum eng_timer timer;
};

/* fds lent to a colonyd spawn (root_slots.c): its socket end, the netns, the seccomp table */
#define SLOTS_LENT 3

struct root {
	const char *cfg_path;
	struct cfg *cfg;
	struct cg_root cg;
	struct eng *eng;
	int epfd, sigfd, timerfd, listenfd;
	struct root_watch w_sig, w_timer, w_listen;
	struct root_watch w_upgrade;	/* the upgrade checker's pidfd; lives here, not in
					   the freed upgrade state: a stale event in the
					   same epoll batch must not read freed memory */
	bool pid1, shutting_down, quit;
	int exit_code;
	char self_dir[2048];
	char colonyd[4096];
	uint64_t nofile_cur, nofile_max;	/* the original RLIMIT_NOFILE, restored in children */
	int slot[SLOTS_LENT + 1];	/* low fds lent to a spawn, and their placeholder (root_slots.c) */
	/* colonies by name */
	struct colony **buckets;
	size_t n_buckets, n_colonies;
	struct colony *pids[4096];	/* colonyds by pid, for the orphan reaper */
	pid_t reaped[64];		/* colonyds reaped lately: their SIGCHLD needs no scan */
	unsigned reaped_i;
	struct colony *graveyard;
	struct colony *pending;		/* SIGCHLD-watched colonyds whose link is gone (root_watch.c) */
	size_t n_pidfds, n_sigchld;	/* colonyds watched through a pidfd, and through SIGCHLD */
	bool told_fallback;
	struct root_net *nets;
	/* engine queue */
	struct root_qitem *q;
	size_t q_head, q_len, q_cap;
	bool draining;
	uint64_t now_ms;
	struct eng_actions acts;
	/* timers */
	struct timerheap heap;
	uint64_t armed;			/* deadline the timerfd is set to; 0 = disarmed */
	/* control */
	struct root_client *clients;
	size_t n_clients;
	uint32_t next_id;
	uint8_t *msgbuf;		/* PROTO_MSG_MAX */
	/* upgrade (root_upgrade.c) */
	char self_exe[4096];		/* the path we were started from: the installed binary */
	struct root_upgrade *up;
	bool upgrade_now;		/* quiescing is over: exec after this loop turn */
	bool orphans_due;		/* a colony emptied: reap what its colonyd left us */
	struct root_colony_upgrade *cup;	/* `upgrade --colonies` rollout */
};

/* root_main.c */
int root_start(struct root *r, int listenfd);
void root_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int root_watch_add(struct root *r, int fd, uint32_t events, struct root_watch *w);
int root_watch_mod(struct root *r, int fd, uint32_t events, struct root_watch *w);
void root_watch_del(struct root *r, int fd);
void root_begin_shutdown(struct root *r);
uint64_t root_mono_to_real(uint64_t mono_ms);

/* root_eng.c */
void root_eng_policy(const struct cfg_supervisor *s, struct eng_policy *p);
void root_eng_spec(const struct cfg_colony *cc, struct eng_child_spec *s);
void root_feed(struct root *r, enum eng_event_type type, struct colony *c, bool clean,
    enum eng_timer timer);
void root_queue(struct root *r, enum root_qkind kind, struct colony *c);
void root_drain(struct root *r);

/* root_timer.c */
int root_timer_init(struct root *r);
void root_timer_set(struct root *r, struct root_timer *t, uint64_t deadline);
void root_timer_cancel(struct root *r, struct root_timer *t);
void root_timer_arm(struct root *r);
void root_timer_expire(struct root *r);

/* root_colony.c */
struct colony *colony_new(struct root *r, const struct cfg_colony *cc);
struct colony *colony_find(const struct root *r, const char *name);
struct colony *colony_by_pid(const struct root *r, pid_t pid);
void colony_unlink(struct root *r, struct colony *c);
void colony_free(struct root *r, struct colony *c);
void colony_mirror_reset(struct colony *c);
int colony_spawn(struct root *r, struct colony *c);
/* Hybrid host: the v1 controllers colonyd joins (those the colony limits); 0 on pure v2. */
unsigned colony_v1(const struct root *r, const struct colony *c);
void colony_reap(struct root *r, struct colony *c);
void colony_cleanup(struct root *r, struct colony *c);
void colony_cg_event(struct root *r, struct colony *c);
void colony_signal(struct root *r, struct colony *c);
void colony_cg_remove(struct root *r, struct colony *c);
int root_find_colonyd(struct root *r);
void colony_set_pid(struct root *r, struct colony *c, pid_t pid);

/* root_watch.c: a colonyd's end through its pidfd, or through SIGCHLD when fds are short */
static inline bool
colony_watched(const struct colony *c)
{
	return c->pidfd >= 0 || c->sigchld;
}
bool watch_want_pidfd(struct root *r);
void watch_spawned(struct root *r, struct colony *c, int pidfd, bool child);
void watch_reaped(struct root *r, struct colony *c);
void watch_forget(struct root *r, struct colony *c);
void watch_link_gone(struct root *r, struct colony *c);
void watch_sigchld(struct root *r);
int watch_kill(struct colony *c, int sig);
const char *watch_kind(const struct colony *c);

/* root_slots.c */
void slots_init(struct root *r);
bool slots_lend(struct root *r, const int fds[SLOTS_LENT], int cfds[SLOTS_LENT], unsigned *keep);
void slots_return(struct root *r);
int slots_child_fds(int sock, int filters);

/* root_filter.c: the seccomp programs handed to colonyd (colonyd --filters) */
int root_filters_fd(const struct cfg_colony *cc);

/* root_net.c */
struct root_net *net_find(struct root *r, const char *name);
int net_apply(struct root *r, const struct cfg *newc);
void net_veth_name(struct root *r, struct colony *c);	/* the host end's name: "vc" + hash of the netns name */
int net_colony_up(struct root *r, struct colony *c, char *err, size_t errlen);
int net_colony_take(struct root *r, struct colony *c, pid_t pid, char *err, size_t errlen);
void net_colony_down(struct root *r, struct colony *c);
int net_colony_open(struct root *r, struct colony *c);
void net_colony_close(struct colony *c);
void net_teardown(struct root *r);

/* root_addr.c */
uint32_t *addr_plan(struct root *r, const struct cfg *oldc, const struct cfg *newc, char *err,
    size_t errlen);
void addr_assign(struct root *r, const struct cfg *newc, const uint32_t *addrs);

/* root_link.c */
void link_attach(struct root *r, struct colony *c, int sock);
void link_close(struct root *r, struct colony *c);
void link_readable(struct root *r, struct colony *c);
int link_send_config(struct root *r, struct colony *c);
int link_send_cmd(struct root *r, struct colony *c, enum proto_op op, const char *svc,
    int sig, uint32_t id);

/* root_ctl.c */
int ctl_listen(struct root *r);
void ctl_accept(struct root *r);
void ctl_client_event(struct root *r, struct root_client *cl, uint32_t events);
void ctl_frame(struct root *r, struct root_client *cl, int kind, const void *data, size_t len);
void ctl_finish(struct root *r, struct root_client *cl, int code);
void ctl_event(struct root *r, const char *name, const char *event, pid_t pid,
    uint8_t exit_kind, int32_t exit_value);
void ctl_flush_all(struct root *r);
void ctl_subscribe(struct root *r, struct root_client *cl, bool json);
void ctl_reap_dead(void);
void ctl_close_all(struct root *r);

/* root_cmd.c */
void cmd_run(struct root *r, struct root_client *cl, int argc, char **argv);
void cmd_state_changed(struct root *r, struct colony *c, enum eng_state st);
void cmd_reply(struct root *r, struct colony *c, uint32_t id, int code, const char *text);
void cmd_svc_state_changed(struct root *r, struct colony *c, const char *svc, enum eng_state st);
void cmd_colony_gone(struct root *r, struct colony *c);
void cmd_link_gone(struct root *r, struct colony *c);
struct root_req *req_new(struct root *r, struct root_client *cl);
void req_done_one(struct root *r, struct root_req *q);
void req_finish(struct root *r, struct root_req *q);

/* root_status.c */
void status_format_exit(uint8_t kind, int32_t value, char *out, size_t outlen);
void status_json_exit(struct util_str *s, uint8_t kind, int32_t value);
int status_run(struct root *r, struct root_client *cl, int argc, char **argv);

/* root_metrics.c */
void status_metrics(struct root *r, struct root_client *cl);

/* root_reload.c */
int reload_run(struct root *r, struct root_req *q);

/* root_upgrade.c, root_restore.c */
void upgrade_cmd(struct root *r, struct root_client *cl, int argc, char **argv);
void upgrade_begin(struct root *r, struct root_req *q);
void upgrade_checker_event(struct root *r);
bool upgrade_reap(struct root *r, pid_t pid);
void upgrade_after_turn(struct root *r);
uint64_t upgrade_cfg_hash(const struct cfg_colony *cc);
int upgrade_check(int fd);
int upgrade_restore(struct root *r, int fd);

/* root_cupgrade.c: `upgrade --colonies` */
void upgrade_colonies_cmd(struct root *r, struct root_client *cl, int argc, char **argv);
bool cupgrade_reply(struct root *r, struct colony *c, uint32_t id, int code, const char *text);
void cupgrade_link_gone(struct root *r, struct colony *c);

/* root_adopt.c */
int adopt_all(struct root *r);
void adopt_forget(struct root *r, struct colony *c);

#endif
