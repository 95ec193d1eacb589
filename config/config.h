/* config.h: the typed configuration of Colony and the INI loader's whole interface. */
#ifndef COLONY_CONFIG_H
#define COLONY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CFG_NAME_MAX 64		/* [A-Za-z0-9][A-Za-z0-9_.-]{0,63} */
#define CFG_LINE_MAX 4096	/* longest accepted INI line, newline excluded */
#define CFG_ERR_MAX 512
#define CFG_MAX_CAPS 64
#define CFG_DURATION_INFINITY UINT64_MAX

enum cfg_strategy { CFG_ONE_FOR_ONE, CFG_REST_FOR_ONE, CFG_ONE_FOR_ALL };
enum cfg_restart { CFG_PERMANENT, CFG_TRANSIENT, CFG_TEMPORARY };
enum cfg_exhausted { CFG_EXHAUSTED_FAIL, CFG_EXHAUSTED_SHUTDOWN };
enum cfg_net_mode { CFG_NET_PRIVATE, CFG_NET_HOST, CFG_NET_NAMED };
enum cfg_ready { CFG_READY_NONE, CFG_READY_NOTIFY, CFG_READY_FD };
enum cfg_log { CFG_LOG_FILE, CFG_LOG_INHERIT, CFG_LOG_NULL };
enum cfg_caps_mode { CFG_CAPS_DEFAULT, CFG_CAPS_NONE, CFG_CAPS_ALL, CFG_CAPS_LIST };
enum cfg_seccomp { CFG_SECCOMP_DEFAULT, CFG_SECCOMP_OFF };

/* Bits of cfg_colony.namespaces (network is set by `network`). */
#define CFG_NS_UTS   0x1u
#define CFG_NS_IPC   0x2u
#define CFG_NS_PID   0x4u
#define CFG_NS_MOUNT 0x8u

/* Where a value came from, for errors found after parsing (e.g. reload). */
struct cfg_origin {
	char *file;		/* owned */
	int line;
};

/* Shared restart-policy keys of colonies and services. Durations in ms. */
struct cfg_restart_policy {
	enum cfg_restart restart;	/* default permanent */
	uint64_t restart_delay_ms;	/* default 0 */
	uint64_t restart_delay_max_ms;	/* default 30000 */
	uint64_t stable_after_ms;	/* default 10000 */
	uint64_t shutdown_ms;		/* colony default 10000, service 5000;
					   0 = brutal_kill, CFG_DURATION_INFINITY = infinity */
	bool autostart;			/* default yes */
};

struct cfg_service {
	char name[CFG_NAME_MAX + 1];
	struct cfg_origin origin;	/* the [service] header line */
	struct cfg_restart_policy policy;
	char **argv;			/* split `command`, NULL-terminated, argv[0] non-empty */
	int stop_signal;		/* default SIGTERM */
	enum cfg_ready ready;		/* default none */
	int ready_fd;			/* with CFG_READY_FD: N (>= 3) */
	uint64_t ready_timeout_ms;	/* default 30000 */
	int *success_exit_status;	/* default {0} */
	size_t n_success_exit_status;
	char *user;			/* as written; NULL = root */
	uid_t uid;			/* resolved at load time; default 0 */
	gid_t gid;			/* `group`, else the user's primary group */
	bool has_group;			/* `group` was given */
	gid_t *groups;			/* supplementary groups, resolved at load time */
	size_t n_groups;		/* 0: unresolved (colonyd then looks them up) */
	char *working_directory;	/* default "/" */
	char **environment;		/* "KEY=value" strings, NULL-terminated (may be empty) */
	uint64_t limit_nofile;		/* 0 = unset (inherit) */
	enum cfg_caps_mode caps_mode;	/* default CFG_CAPS_DEFAULT */
	int caps[CFG_MAX_CAPS];		/* with CFG_CAPS_LIST: CAP_* numbers */
	size_t n_caps;
	bool no_new_privileges;		/* default yes */
	enum cfg_seccomp seccomp;	/* default CFG_SECCOMP_DEFAULT */
	int *seccomp_deny;		/* native syscall numbers (libseccomp resolved) */
	size_t n_seccomp_deny;
	int *seccomp_allow;
	size_t n_seccomp_allow;
	enum cfg_log log;		/* default file */
	uint64_t log_max_size;		/* bytes, default 10M */
	unsigned log_keep;		/* default 5 */
};

struct cfg_colony {
	char name[CFG_NAME_MAX + 1];
	struct cfg_origin origin;	/* the [colony] header line */
	struct cfg_restart_policy policy; /* how the root treats colonyd */
	enum cfg_strategy strategy;	/* colonyd's policy over services; default one_for_one */
	unsigned intensity;		/* default 5 */
	uint64_t period_ms;		/* default 60000 */
	enum cfg_net_mode net_mode;	/* default private */
	char network[CFG_NAME_MAX + 1];	/* with CFG_NET_NAMED */
	char address[64];		/* IPv4 dotted quad; "" = allocate */
	char hostname[CFG_NAME_MAX + 1]; /* default: the colony name */
	unsigned namespaces;		/* CFG_NS_* bits; default CFG_NS_UTS | CFG_NS_IPC */
	uint64_t memory_max;		/* bytes; 0 = unlimited */
	uint64_t pids_max;		/* 0 = unlimited */
	unsigned cpu_max_percent;	/* 0 = max (unlimited) */
	unsigned cpu_weight;		/* 1..10000; 0 = unset */
	struct cfg_service *services;	/* in start order */
	size_t n_services;
};

struct cfg_network {
	char name[CFG_NAME_MAX + 1];
	struct cfg_origin origin;
	char bridge[16];		/* at most 15 characters */
	uint32_t subnet;		/* IPv4, host byte order */
	unsigned prefix_len;
	uint32_t gateway;		/* host byte order; default subnet + 1 */
	unsigned mtu;			/* 0 = kernel default */
};

struct cfg_supervisor {
	enum cfg_strategy strategy;	/* default one_for_one */
	unsigned intensity;		/* default 5 */
	uint64_t period_ms;		/* default 60000 */
	enum cfg_exhausted on_exhausted;
	char *state_dir;		/* default /run/colony */
	char *control_socket;		/* default <state_dir>/control.sock */
	char *control_group;		/* NULL = none */
	gid_t control_gid;
	char *log_dir;			/* default /var/log/colony */
	char *cgroup_name;		/* default "colony" */
	char *netns_prefix;		/* default "colony-" */
	char *colonyd;			/* NULL = default lookup */
};

struct cfg {
	char *path;			/* the main file, as given */
	struct cfg_supervisor sup;
	struct cfg_network *networks;
	size_t n_networks;
	struct cfg_colony *colonies;	/* in order of first appearance */
	size_t n_colonies;
	void *block;			/* holds this struct and all but sup's strings (config/compact.c) */
};

/*
 * Load and validate a whole configuration, following includes.
 * Returns NULL on error and writes "FILE:LINE: message" (no newline) into err.
 * Names, users, groups, capabilities, signals and syscalls are all resolved here,
 * so a loaded configuration never fails later for a bad value.
 */
struct cfg *cfg_load(const char *path, char *err, size_t errlen);

/* Same, from a string; `name` is used as FILE in errors. Includes are resolved
   relative to the current directory. */
struct cfg *cfg_load_string(const char *name, const char *text, char *err, size_t errlen);

void cfg_free(struct cfg *cfg);

const struct cfg_colony *cfg_find_colony(const struct cfg *cfg, const char *name);
const struct cfg_network *cfg_find_network(const struct cfg *cfg, const char *name);

/*
 * One colony, serialized for colonyd: a self-contained text that cfg_colony_parse
 * reads back into an identical struct (the root hands it to each colonyd).
 * The [network] it joins is not included; the root sets the link up itself.
 * Returns a malloc'd NUL-terminated string, or NULL on ENOMEM.
 */
char *cfg_colony_serialize(const struct cfg_colony *colony, size_t *len);
/* Returns a malloc'd colony (free with cfg_colony_free) or NULL with err set. */
struct cfg_colony *cfg_colony_parse(const char *text, size_t len, char *err, size_t errlen);
void cfg_colony_free(struct cfg_colony *colony);
/* Deep comparisons, used by reload to decide what changed. */
/*
 * Colony-level keys, plus the capabilities colonyd keeps: b needing one that
 * a's services did not (cfg_colony_caps) counts as a colony-level change,
 * since a running colonyd cannot get back what it dropped.
 */
bool cfg_colony_level_equal(const struct cfg_colony *a, const struct cfg_colony *b);
/* Capabilities a service may be given (bit N = CAP number N; all = every bit). */
uint64_t cfg_service_caps(const struct cfg_service *s);
/* Their union over the colony's services, plus CAP_SYS_RESOURCE if one sets limit_nofile. */
uint64_t cfg_colony_caps(const struct cfg_colony *c);
bool cfg_service_equal(const struct cfg_service *a, const struct cfg_service *b);
bool cfg_network_equal(const struct cfg_network *a, const struct cfg_network *b);

/* Value parsers, exported for other parsers and their tests. All return 0 or -1. */
int cfg_parse_duration(const char *s, uint64_t *ms);	/* "10s", "100ms", "5m", "1h", "3" */
int cfg_parse_size(const char *s, uint64_t *bytes);	/* "10M", "4096" */
int cfg_parse_signal(const char *s, int *sig);		/* "SIGTERM", "TERM", "15" */
const char *cfg_signal_name(int sig);			/* "TERM", or NULL */
/*
 * Split a command line like a shell (single and double quotes, backslashes),
 * without any expansion. Returns a malloc'd NULL-terminated vector, or NULL
 * with a message in err (unterminated quote, empty command).
 */
char **cfg_split_command(const char *s, char *err, size_t errlen);
void cfg_strv_free(char **v);

const char *cfg_strategy_name(enum cfg_strategy s);
const char *cfg_restart_name(enum cfg_restart r);

#endif
