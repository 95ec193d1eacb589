/* proto.h: the length-checked, versioned root<->colonyd protocol (see colonyd(8)). */
#ifndef COLONY_PROTO_H
#define COLONY_PROTO_H

/*
 * Transport: an AF_UNIX SOCK_SEQPACKET socket, so one recv is one message.
 * Every message starts with a header:
 *   u32 len      total length including the header, PROTO_HDR_LEN..PROTO_MSG_MAX
 *   u16 version  PROTO_VERSION
 *   u16 type     enum proto_type
 * followed by a payload whose fields are little-endian fixed-width integers and
 * strings encoded as u16 length + bytes (no NUL). A decoder rejects a message
 * whose length, version, type, field lengths or enum values are off, or which
 * has trailing bytes. The root decodes only the "up" messages, and trusts
 * nothing in them beyond what the decoder checks.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROTO_VERSION 1
#define PROTO_HDR_LEN 8
#define PROTO_MSG_MAX (256 * 1024)
#define PROTO_NAME_MAX 64	/* same as CFG_NAME_MAX */
#define PROTO_STATUS_MAX 256	/* STATUS= text kept for status */
#define PROTO_TEXT_MAX (64 * 1024)

enum proto_type {
	/* down: root -> colonyd */
	PROTO_CONFIG = 1,	/* the colony's serialized configuration (initial or reload) */
	PROTO_CMD = 2,		/* an operator command; answered by PROTO_REPLY */
	/* up: colonyd -> root */
	PROTO_HELLO = 64,	/* first message of colonyd on a (new) connection */
	PROTO_SERVICE = 65,	/* a service's full current state, with the event that changed it */
	PROTO_COLONY = 66,	/* colony-level state: ready, giving up */
	PROTO_REPLY = 67,	/* answer to PROTO_CMD or PROTO_CONFIG */
};

/* Lifecycle events, shared by the protocol and `colonyctl events`. */
enum proto_event {
	PROTO_EV_NONE = 0,
	PROTO_EV_SPAWNED,
	PROTO_EV_READY,
	PROTO_EV_EXITED,
	PROTO_EV_RESTARTING,
	PROTO_EV_BACKOFF,
	PROTO_EV_STOPPED,
	PROTO_EV_FAILED,
	PROTO_EV_GAVE_UP,
	PROTO_EV_RELOADED,
	PROTO_EV_UPGRADED,
	PROTO_EV_MAX_
};

/* How a child last ended (status `last_exit`). */
enum proto_exit {
	PROTO_EXIT_NONE = 0,	/* null */
	PROTO_EXIT_CODE,	/* {"code": value} */
	PROTO_EXIT_SIGNAL,	/* {"signal": "KILL"}: value is the signal number */
	PROTO_EXIT_OOM,		/* {"reason": "oom"} */
	PROTO_EXIT_SETUP,	/* {"reason": "setup"}: exec or set-up in the child failed */
	PROTO_EXIT_TIMEOUT,	/* {"reason": "ready_timeout"} */
	PROTO_EXIT_MAX_
};

/* Operator commands (PROTO_CMD.op). */
enum proto_op {
	PROTO_OP_START = 1,
	PROTO_OP_STOP,
	PROTO_OP_RESTART,
	PROTO_OP_KILL,		/* send `signal` to the service's main process */
	PROTO_OP_SHUTDOWN,	/* stop all services in reverse order and exit 0 */
	PROTO_OP_UPGRADE,	/* re-execute colonyd in the same pid */
	PROTO_OP_MAX_
};

struct proto_hello {
	uint32_t version;
	int32_t pid;			/* colonyd's pid as colonyd sees it (1 in a pid namespace) */
	char colony[PROTO_NAME_MAX + 1];
};

struct proto_service {
	char name[PROTO_NAME_MAX + 1];	/* the service name, without the colony */
	uint8_t event;			/* enum proto_event: what changed (NONE for a plain snapshot) */
	uint8_t state;			/* enum eng_state */
	uint8_t ready;
	int32_t pid;			/* host-visible pid is not known inside a pid ns: 0 when down */
	uint32_t restarts;
	uint64_t since_ms;		/* unix ms of the last state change */
	uint64_t time_ms;		/* unix ms of the event */
	uint8_t exit_kind;		/* enum proto_exit */
	int32_t exit_value;
	char status[PROTO_STATUS_MAX + 1]; /* last STATUS= text */
};

struct proto_colony {
	uint8_t ready;			/* all autostart services are ready */
	uint8_t event;			/* enum proto_event (GAVE_UP, RELOADED, UPGRADED or NONE) */
	uint64_t time_ms;
};

struct proto_cmd {
	uint32_t id;
	uint8_t op;			/* enum proto_op */
	int32_t signal;			/* with PROTO_OP_KILL */
	char name[PROTO_NAME_MAX + 1];	/* service name; "" = the whole colony */
};

struct proto_reply {
	uint32_t id;			/* the PROTO_CMD id; 0 for PROTO_CONFIG */
	int32_t code;			/* a colonyctl exit status: 0, 1 or 4 */
	char *text;			/* malloc'd, NUL-terminated, at most PROTO_TEXT_MAX bytes */
};

/* A decoded message. Only the member named by `type` is valid. */
struct proto_msg {
	enum proto_type type;
	union {
		struct proto_hello hello;
		struct proto_service service;
		struct proto_colony colony;
		struct proto_cmd cmd;
		struct proto_reply reply;
		struct {
			char *text;	/* malloc'd, NUL-terminated */
			size_t len;
		} config;
	} u;
};

/*
 * Encoders write one whole message into a malloc'd buffer. They return the
 * length, or -1 (ENOMEM or a field over its limit: EMSGSIZE).
 */
ssize_t proto_encode_hello(const struct proto_hello *m, uint8_t **out);
ssize_t proto_encode_service(const struct proto_service *m, uint8_t **out);
ssize_t proto_encode_colony(const struct proto_colony *m, uint8_t **out);
ssize_t proto_encode_cmd(const struct proto_cmd *m, uint8_t **out);
ssize_t proto_encode_reply(const struct proto_reply *m, uint8_t **out);
ssize_t proto_encode_config(const char *text, size_t len, uint8_t **out);

/*
 * Decode one message of `len` bytes. `allowed` is PROTO_DIR_UP or PROTO_DIR_DOWN:
 * a message of the other direction is rejected. Returns 0, or -1 with a short
 * reason in err. proto_msg_clear frees what a decode allocated.
 */
enum proto_dir { PROTO_DIR_UP, PROTO_DIR_DOWN };
int proto_decode(const uint8_t *buf, size_t len, enum proto_dir allowed,
    struct proto_msg *m, char *err, size_t errlen);
void proto_msg_clear(struct proto_msg *m);

const char *proto_event_name(enum proto_event ev);	/* "spawned", ... */
const char *proto_op_name(enum proto_op op);

#endif
