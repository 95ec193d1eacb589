/* conf.c: turns the colony configuration from the root into services and engine children, first time and on reload. */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "supervisor/util.h"

void
cd_conf_unref(struct cd_conf *conf)
{
	if (conf == NULL || --conf->refs > 0)
		return;
	cfg_colony_free(conf->colony);
	free(conf);
}

static void
svc_set_cfg(struct cd_svc *svc, struct cd_conf *conf, const struct cfg_service *cfg)
{
	assert(conf->refs > 0);	/* the caller's reference: the unref below never frees conf */
	conf->refs++;
	cd_conf_unref(svc->conf);
	svc->conf = conf;
	svc->cfg = cfg;
}

static struct eng_policy
conf_policy(const struct cfg_colony *c)
{
	struct eng_policy p = {
		.level = ENG_LEVEL_COLONY,
		.strategy = (enum eng_strategy)c->strategy,
		.intensity = c->intensity,
		.period_ms = c->period_ms,
		.on_exhausted = ENG_EXHAUSTED_FAIL,
	};

	return p;
}

static struct eng_child_spec
svc_spec(const struct cfg_service *s)
{
	struct eng_child_spec sp = {
		.restart = (enum eng_restart)s->policy.restart,
		.restart_delay_ms = s->policy.restart_delay_ms,
		.restart_delay_max_ms = s->policy.restart_delay_max_ms,
		.stable_after_ms = s->policy.stable_after_ms,
		.shutdown_ms = s->policy.shutdown_ms,
		.autostart = s->policy.autostart,
		.notify = s->ready != CFG_READY_NONE,
		.ready_timeout_ms = s->ready_timeout_ms,
	};

	return sp;
}

static void
watch_init(struct cd_watch *w, enum cd_watch_kind kind, struct cd_svc *svc)
{
	w->kind = kind;
	w->svc = svc;
	w->fd = -1;
}

/* inherit (an upgrade): hands the service the fds of its previous image before its I/O is set up. */
static struct cd_svc *
svc_new(struct cd *cd, struct cd_conf *conf, const struct cfg_service *cfg,
    void (*inherit)(struct cd_svc *svc, void *ctx), void *ctx)
{
	struct cd_svc *svc = calloc(1, sizeof(*svc));
	struct cd_svc **v = realloc(cd->svcs, (cd->n_svcs + 1) * sizeof(*v));

	if (v != NULL)
		cd->svcs = v;
	if (svc == NULL || v == NULL) {
		free(svc);
		return NULL;
	}
	svc->cd = cd;
	snprintf(svc->name, sizeof(svc->name), "%s", cfg->name);
	snprintf(svc->cgrel, sizeof(svc->cgrel), "%s/%s", cd->cgrel, cfg->name);
	watch_init(&svc->w_pidfd, CD_W_PIDFD, svc);
	watch_init(&svc->w_err, CD_W_ERRPIPE, svc);
	watch_init(&svc->w_ready, CD_W_READYFD, svc);
	watch_init(&svc->w_events, CD_W_EVENTS, svc);
	watch_init(&svc->w_log, CD_W_LOG, svc);
	watch_init(&svc->w_notify, CD_W_NOTIFY, svc);
	svc->log_wfd = -1;
	svc->cgfd = -1;
	svc->evfd = -1;
	svc->oomfd = -1;
	svc->tnode.idx = SIZE_MAX;
	svc->state = ENG_STOPPED;
	svc_set_cfg(svc, conf, cfg);
	if (inherit != NULL)
		inherit(svc, ctx);
	cd_svc_prepare(svc);	/* a failure is reported at each spawn */
	cd->svcs[cd->n_svcs++] = svc;
	return svc;
}

void
cd_svc_free(struct cd_svc *svc)
{
	struct cd *cd = svc->cd;
	struct cd_svc *twin;

	cd_timer_cancel(cd, svc);
	cd_forget_events(cd, svc);
	cd_watch_del(cd, &svc->w_pidfd);
	cd_watch_del(cd, &svc->w_err);
	cd_watch_del(cd, &svc->w_ready);
	cd_watch_del(cd, &svc->w_events);
	twin = cd_svc_by_name(cd, svc->name);
	if (twin == svc)
		twin = NULL;
	if (twin != NULL)	/* the socket path and the cgroup are the twin's now */
		svc->notify_path[0] = '\0';
	cd_svc_close_io(svc);
	cd_svc_close_cgroup(svc);
	if (twin == NULL && cg_remove(&cd->cg, svc->cgrel) < 0 && errno != ENOENT)
		cd_log(cd, "%s/%s: cannot remove cgroup %s: %s", cd->colony, svc->name, svc->cgrel,
		    strerror(errno));
	if (twin != NULL && twin->start_pending) {
		twin->start_pending = false;
		if (twin->cfg->policy.autostart)
			cd_feed(cd, twin, ENG_EV_OP_START, false);
	}
	cd_vm_abandon(svc);	/* its launch stays pinned if a child may still read it */
	cd_svc_unprepare(svc);
	cd_conf_unref(svc->conf);
	for (size_t i = 0; i < cd->n_svcs; i++) {
		if (cd->svcs[i] == svc) {
			memmove(&cd->svcs[i], &cd->svcs[i + 1], (cd->n_svcs - i - 1) * sizeof(svc));
			cd->n_svcs--;
			break;
		}
	}
	svc->child = NULL;
	svc->next_dead = cd->dead;
	cd->dead = svc;
}

struct cd_svc *
cd_svc_by_name(struct cd *cd, const char *name)
{
	for (size_t i = 0; i < cd->n_svcs; i++)
		if (!cd->svcs[i]->removed && strcmp(cd->svcs[i]->name, name) == 0)
			return cd->svcs[i];
	return NULL;
}

static const struct cfg_service *
conf_find(const struct cfg_colony *c, const char *name)
{
	for (size_t i = 0; i < c->n_services; i++)
		if (strcmp(c->services[i].name, name) == 0)
			return &c->services[i];
	return NULL;
}

static int
apply_first(struct cd *cd, struct cd_conf *conf)
{
	struct eng_policy p = conf_policy(conf->colony);

	cd->conf = conf;	/* owned from here on, freed at teardown even on failure */
	if (cd_colony_setup(cd, conf->colony) < 0)
		return -1;
	cd->eng = eng_new(&p);
	if (cd->eng == NULL)
		return -1;
	for (size_t i = 0; i < conf->colony->n_services; i++) {
		const struct cfg_service *s = &conf->colony->services[i];
		struct eng_child_spec sp = svc_spec(s);
		struct cd_svc *svc = svc_new(cd, conf, s, NULL, NULL);

		if (svc == NULL || (svc->child = eng_add_child(cd->eng, i, &sp, svc)) == NULL)
			return -1;
	}
	/* After the services' filters and groups are prepared, before any starts. */
	if (cd_drop_privileges(cd, conf->colony) < 0)
		return -1;
	cd->configured = true;
	cd_feed(cd, NULL, ENG_EV_START_ALL, false);
	return 0;
}

/* Removed services: stop them (reverse order) and free them on ENG_ACT_REMOVED. */
static void
reload_remove(struct cd *cd, const struct cfg_colony *nc, struct util_str *out)
{
	for (size_t i = cd->n_svcs; i-- > 0;) {
		struct cd_svc *svc = cd->svcs[i];
		uint64_t now = util_mono_ms();

		if (svc->removed || conf_find(nc, svc->name) != NULL)
			continue;
		svc->removed = true;
		util_str_printf(out, "removed %s/%s\n", cd->colony, svc->name);
		eng_remove_child(cd->eng, svc->child, now, &cd->acts);
		cd_run_actions(cd, now);
		if (i > cd->n_svcs)
			i = cd->n_svcs;
	}
}

/* Keep the list in configuration order, with services still being removed at the end. */
static void
reload_reorder(struct cd *cd, const struct cfg_colony *nc)
{
	size_t k = 0;

	for (size_t i = 0; i < nc->n_services; i++) {
		for (size_t j = k; j < cd->n_svcs; j++) {
			if (!cd->svcs[j]->removed && strcmp(cd->svcs[j]->name, nc->services[i].name) == 0) {
				struct cd_svc *t = cd->svcs[k];

				cd->svcs[k] = cd->svcs[j];
				cd->svcs[j] = t;
				k++;
				break;
			}
		}
	}
}

/* A service of that name is still being stopped after an earlier removal. */
static bool
removing(struct cd *cd, const char *name)
{
	for (size_t i = 0; i < cd->n_svcs; i++)
		if (cd->svcs[i]->removed && strcmp(cd->svcs[i]->name, name) == 0)
			return true;
	return false;
}

/* Changed and added services, in the new order; unchanged ones only see their cfg pointer move. */
static int
reload_update(struct cd *cd, struct cd_conf *conf, struct util_str *out)
{
	const struct cfg_colony *nc = conf->colony;
	struct cd_svc *prev = NULL;

	for (size_t i = 0; i < nc->n_services; i++) {
		const struct cfg_service *s = &nc->services[i];
		struct cd_svc *svc = cd_svc_by_name(cd, s->name);
		struct eng_child_spec sp = svc_spec(s);
		uint64_t now = util_mono_ms();

		if (svc != NULL && cfg_service_equal(svc->cfg, s)) {
			svc_set_cfg(svc, conf, s);
		} else if (svc != NULL) {
			svc_set_cfg(svc, conf, s);
			cd_svc_prepare(svc);
			eng_set_spec(svc->child, &sp);
			util_str_printf(out, "restarted %s/%s\n", cd->colony, s->name);
			if (svc->state != ENG_STOPPED)
				cd_feed(cd, svc, ENG_EV_OP_RESTART, false);
		} else {
			size_t pos = prev ? eng_child_index(prev->child) + 1 : 0;

			svc = svc_new(cd, conf, s, NULL, NULL);
			if (svc == NULL || (svc->child = eng_add_child(cd->eng, pos, &sp, svc)) == NULL)
				return -1;
			util_str_printf(out, "added %s/%s\n", cd->colony, s->name);
			if (removing(cd, s->name)) {	/* starts once its namesake is gone */
				svc->start_pending = true;
			} else {
				eng_child_start(cd->eng, svc->child, now, &cd->acts);
				cd_run_actions(cd, now);
			}
		}
		prev = svc;
	}
	return 0;
}

/*
 * Apply a PROTO_CONFIG text. The first one creates everything and starts the
 * autostart services; a later one is a reload. msg gets the reply text.
 */
int
cd_apply_config(struct cd *cd, const char *text, size_t len, char *msg, size_t msglen)
{
	struct cd_conf *conf = calloc(1, sizeof(*conf));
	struct util_str out = { 0 };
	struct eng_policy p;
	int rc = 0;

	msg[0] = '\0';
	if (conf == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	conf->colony = cfg_colony_parse(text, len, msg, msglen);
	if (conf->colony == NULL) {
		free(conf);
		return -1;
	}
	conf->refs = 1;
	if (strcmp(conf->colony->name, cd->colony) != 0) {
		snprintf(msg, msglen, "configuration is for colony %s, not %s", conf->colony->name,
		    cd->colony);
		cd_conf_unref(conf);
		return -1;
	}
	if (!cd->configured) {
		if (apply_first(cd, conf) < 0) {
			snprintf(msg, msglen, "colony set-up failed (see colonyd's stderr)");
			return -1;
		}
		cd_drain(cd);
		return 0;
	}
	cd_drain(cd);
	cd_forget_oom_files(cd);
	p = conf_policy(conf->colony);
	eng_set_policy(cd->eng, &p);
	reload_remove(cd, conf->colony, &out);
	if (reload_update(cd, conf, &out) < 0)
		rc = -1;
	reload_reorder(cd, conf->colony);
	cd_conf_unref(cd->conf);
	cd->conf = conf;
	snprintf(msg, msglen, "%s", rc < 0 ? "out of memory" : out.p ? out.p : "");
	util_str_free(&out);
	cd_drain(cd);
	return rc;
}

/* An upgrade (upgrade.c): the configuration as services and engine children, nothing started. */
int
cd_conf_restore(struct cd *cd, const char *text, size_t len,
    void (*inherit)(struct cd_svc *svc, void *ctx), void *ctx)
{
	struct cd_conf *conf = calloc(1, sizeof(*conf));
	struct eng_policy p;
	char msg[512];

	if (conf == NULL || (conf->colony = cfg_colony_parse(text, len, msg, sizeof(msg))) == NULL) {
		cd_log(cd, "upgrade: configuration: %s", conf ? msg : "out of memory");
		free(conf);
		return -1;
	}
	conf->refs = 1;
	cd->conf = conf;
	p = conf_policy(conf->colony);
	cd->eng = eng_new(&p);
	if (cd->eng == NULL || strcmp(conf->colony->name, cd->colony) != 0)
		return -1;
	for (size_t i = 0; i < conf->colony->n_services; i++) {
		const struct cfg_service *s = &conf->colony->services[i];
		struct eng_child_spec sp = svc_spec(s);
		struct cd_svc *svc = svc_new(cd, conf, s, inherit, ctx);

		if (svc == NULL || (svc->child = eng_add_child(cd->eng, i, &sp, svc)) == NULL)
			return -1;
	}
	cd->configured = true;
	return 0;
}
