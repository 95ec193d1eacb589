/* cmd.c: the root's commands (start, stop, restart, kill, shutdown, upgrade) and configurations. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "supervisor/util.h"

static int
cmd_kill(struct cd *cd, struct cd_svc *svc, int sig, char *text, size_t tl)
{
	if (sig <= 0 || sig >= NSIG) {
		snprintf(text, tl, "invalid signal %d", sig);
		return 1;
	}
	if (svc == NULL) {	/* the whole colony: every running main process */
		for (size_t i = 0; i < cd->n_svcs; i++)
			if (cd->svcs[i]->w_pidfd.fd >= 0)
				syscall(SYS_pidfd_send_signal, cd->svcs[i]->w_pidfd.fd, sig, NULL, 0);
		return 0;
	}
	if (svc->w_pidfd.fd < 0) {
		snprintf(text, tl, "%s/%s is not running", cd->colony, svc->name);
		return 1;
	}
	if (syscall(SYS_pidfd_send_signal, svc->w_pidfd.fd, sig, NULL, 0) < 0) {
		snprintf(text, tl, "%s/%s: kill: %s", cd->colony, svc->name, strerror(errno));
		return 1;
	}
	return 0;
}

static enum eng_event_type
op_event(uint8_t op)
{
	switch (op) {
	case PROTO_OP_START: return ENG_EV_OP_START;
	case PROTO_OP_STOP: return ENG_EV_OP_STOP;
	default: return ENG_EV_OP_RESTART;
	}
}

/* Shutdown: stop everything in reverse order; ENG_ACT_DONE then exits 0. */
void
cd_shutdown(struct cd *cd)
{
	if (cd->shutting_down)
		return;
	cd->shutting_down = true;
	if (!cd->configured) {
		cd_exit_now(cd, 0);
		return;
	}
	cd_feed(cd, NULL, ENG_EV_SHUTDOWN, false);
	cd_drain(cd);
}

void
cd_handle_cmd(struct cd *cd, const struct proto_cmd *cmd)
{
	char text[512] = "";
	struct cd_svc *svc = NULL;
	int code = 0;

	if (cmd->name[0] != '\0' && (svc = cd_svc_by_name(cd, cmd->name)) == NULL) {
		snprintf(text, sizeof(text), "no such service: %s/%s", cd->colony, cmd->name);
		cd_send_reply(cd, cmd->id, 4, text);
		return;
	}
	switch (cmd->op) {
	case PROTO_OP_START:
	case PROTO_OP_STOP:
	case PROTO_OP_RESTART:
		if (!cd->configured || cd->shutting_down) {
			snprintf(text, sizeof(text), "colony %s is %s", cd->colony,
			    cd->shutting_down ? "shutting down" : "not configured yet");
			code = 1;
			break;
		}
		for (size_t i = 0; i < cd->n_svcs; i++)
			if (svc == NULL ? !cd->svcs[i]->removed : cd->svcs[i] == svc)
				cd_feed(cd, cd->svcs[i], op_event(cmd->op), false);
		break;
	case PROTO_OP_KILL:
		code = cmd_kill(cd, svc, cmd->signal, text, sizeof(text));
		break;
	case PROTO_OP_SHUTDOWN:
		cd_send_reply(cd, cmd->id, 0, "");
		cd_shutdown(cd);
		return;
	case PROTO_OP_UPGRADE:
		cd_upgrade_begin(cd, cmd->id);	/* answered by the new image, or on failure */
		return;
	default:
		snprintf(text, sizeof(text), "unknown operation %u", cmd->op);
		code = 1;
	}
	/* Drain first: the snapshots of the command's effects reach the root before the
	   reply, so a root waiting for a state never judges one from before the command. */
	cd_drain(cd);
	cd_send_reply(cd, cmd->id, code, text);
}

/* The first configuration starts the colony (a bad one ends colonyd: exit 1); later ones reload. */
void
cd_handle_config(struct cd *cd, const char *text, size_t len)
{
	char *msg = malloc(PROTO_TEXT_MAX + 1);
	bool first = !cd->configured;
	int rc;

	if (msg == NULL) {
		cd_send_reply(cd, 0, 1, "out of memory");
		return;
	}
	if (cd->shutting_down) {
		cd_send_reply(cd, 0, 1, "shutting down");
		free(msg);
		return;
	}
	rc = cd_apply_config(cd, text, len, msg, PROTO_TEXT_MAX + 1);
	if (rc < 0)
		cd_log(cd, "configuration %s: %s", first ? "rejected" : "reload failed", msg);
	cd_send_reply(cd, 0, rc < 0 ? 1 : 0, msg);
	if (!first && rc == 0)
		cd_send_colony(cd, PROTO_EV_RELOADED);
	free(msg);
	if (first && rc < 0)
		cd_exit_now(cd, 1);
	cd_release_memory();
}
