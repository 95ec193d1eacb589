/* fuzz_ctl.c: libFuzzer harness for the root's control-socket request framing (supervisor/root_ctl.c), fed through a socketpair. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervisor/root.h"

/*
 * root_ctl.c exposes no pure "frame -> argv" function: the parser is the static
 * ctl_read/ctl_request pair, which reads a client fd and hands argv to cmd_run.
 * So the harness writes the input into one end of a socketpair, lets
 * ctl_client_event read the other, and replaces the rest of the daemon with
 * the stubs below; cmd_run compares the argv it gets against a reference split
 * of the same bytes (doc/CONTRACTS.md: u32 LE length <= 64 KiB, then
 * NUL-terminated arguments). Defining these symbols here keeps the linker
 * from pulling the real root_cmd.o, root_main.o and root_status.o.
 */

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

#define REQ_MAX (64 * 1024)	/* CTL_REQ_MAX in root_ctl.c, from the contract */
#define ARGS_MAX 4096		/* CTL_ARGS_MAX */


static const uint8_t *want_frame;	/* the request's argument bytes, per the reference */
static size_t want_len;
static int cmd_calls;

void
cmd_run(struct root *r, struct root_client *cl, int argc, char **argv)
{
	size_t off = 0;
	int i;

	cmd_calls++;
	CHECK(want_frame != NULL);
	CHECK(argc >= 1 && argv[argc] == NULL);
	for (i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		CHECK(off + n < want_len);
		CHECK(memcmp(argv[i], want_frame + off, n + 1) == 0);
		off += n + 1;
	}
	CHECK(off == want_len);
	ctl_frame(r, cl, 1, "ok\n", 3);
	ctl_finish(r, cl, 0);
}

void root_log(const char *fmt, ...) { (void)fmt; }
int root_watch_add(struct root *r, int fd, uint32_t ev, struct root_watch *w)
{ (void)r, (void)fd, (void)ev, (void)w; return 0; }
int root_watch_mod(struct root *r, int fd, uint32_t ev, struct root_watch *w)
{ (void)r, (void)fd, (void)ev, (void)w; return 0; }
void root_watch_del(struct root *r, int fd) { (void)r, (void)fd; }
void status_format_exit(uint8_t kind, int32_t value, char *out, size_t outlen)
{ (void)kind, (void)value; snprintf(out, outlen, "-"); }
void status_json_exit(struct util_str *s, uint8_t kind, int32_t value)
{ (void)kind, (void)value; util_str_add(s, "null", 4); }

/* What the contract says must happen to these bytes. */
enum outcome { NOTHING, RUN, ERROR };

static enum outcome
reference(const uint8_t *d, size_t n)
{
	uint32_t len;
	size_t args = 0;

	want_frame = NULL;
	if (n < 4)
		return NOTHING;
	len = d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24;
	if (len > REQ_MAX)
		return ERROR;
	if (n - 4 < len)
		return NOTHING;
	if (len == 0 || d[4 + len - 1] != '\0')
		return ERROR;
	for (size_t i = 0; i < len; i++)
		args += d[4 + i] == '\0';
	if (args > ARGS_MAX)
		return ERROR;
	want_frame = d + 4;
	want_len = len;
	return RUN;
}

/* Reads the reply frames; returns the exit code of the final frame, or -1 if none. */
static int
read_reply(int fd)
{
	static uint8_t buf[1 << 16];
	size_t have = 0, off = 0;
	int code = -1;
	ssize_t n;

	while ((n = recv(fd, buf + have, sizeof(buf) - have, MSG_DONTWAIT)) > 0)
		have += (size_t)n;
	while (have - off >= 5) {
		uint32_t len = buf[off + 1] | buf[off + 2] << 8 | buf[off + 3] << 16 |
		    (uint32_t)buf[off + 4] << 24;

		CHECK(code == -1);	/* nothing after the exit frame */
		CHECK(buf[off] >= 1 && buf[off] <= 3);
		CHECK(have - off - 5 >= len);
		if (buf[off] == 3) {
			CHECK(len == 4);
			code = buf[off + 5] | buf[off + 6] << 8;
		}
		off += 5 + len;
	}
	CHECK(off == have);
	return code;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct root r;
	struct root_client *cl;
	enum outcome expect;
	bool eof;
	int sv[2], code;

	/* The first byte chooses whether the client half-closes after its bytes. */
	if (size < 1 || size > 4 + REQ_MAX + 64)
		return 0;
	eof = data[0] & 1;
	data++, size--;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	CHECK(send(sv[1], data, size, MSG_DONTWAIT) == (ssize_t)size);
	if (eof)
		shutdown(sv[1], SHUT_WR);

	memset(&r, 0, sizeof(r));
	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		abort();
	cl->fd = sv[0];
	r.clients = cl;
	r.n_clients = 1;
	expect = reference(data, size);
	cmd_calls = 0;

	ctl_client_event(&r, cl, EPOLLIN);

	code = read_reply(sv[1]);
	CHECK(cmd_calls == (expect == RUN));
	if (expect == RUN)
		CHECK(code == 0);
	else if (expect == ERROR)
		CHECK(code == 2);	/* "a malformed request gets an error reply" (SPEC 8) */
	else
		CHECK(code == -1);
	if (cl->fd >= 0) {
		/* Still connected (waiting for more bytes): the harness closes it. */
		CHECK(!eof && expect == NOTHING);
		close(cl->fd);
		free(cl->in);
		util_str_free(&cl->out);
		free(cl);
	} else {
		CHECK(r.n_clients == 0 && r.clients == NULL);
	}
	ctl_reap_dead();
	close(sv[1]);
	return 0;
}
