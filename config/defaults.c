/* defaults.c: a colony's and a service's defaults and freeing them, apart from the INI parser: colonyd links no user database look-ups. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_internal.h"

static void
cfg_policy_defaults(struct cfg_restart_policy *p, uint64_t shutdown_ms)
{
	p->restart = CFG_PERMANENT;
	p->restart_delay_ms = 0;
	p->restart_delay_max_ms = 30000;
	p->stable_after_ms = 10000;
	p->shutdown_ms = shutdown_ms;
	p->autostart = true;
}

void
cfg_service_defaults(struct cfg_service *s)
{
	memset(s, 0, sizeof(*s));
	cfg_policy_defaults(&s->policy, 5000);
	s->stop_signal = SIGTERM;
	s->ready = CFG_READY_NONE;
	s->ready_timeout_ms = 30000;
	s->caps_mode = CFG_CAPS_DEFAULT;
	s->no_new_privileges = true;
	s->seccomp = CFG_SECCOMP_DEFAULT;
	s->log = CFG_LOG_FILE;
	s->log_max_size = 10ull << 20;
	s->log_keep = 5;
}

void
cfg_colony_defaults(struct cfg_colony *c)
{
	memset(c, 0, sizeof(*c));
	cfg_policy_defaults(&c->policy, 10000);
	c->strategy = CFG_ONE_FOR_ONE;
	c->intensity = 5;
	c->period_ms = 60000;
	c->net_mode = CFG_NET_PRIVATE;
	c->namespaces = CFG_NS_UTS | CFG_NS_IPC;
}

void
cfg_service_release(struct cfg_service *s)
{
	free(s->origin.file);
	cfg_strv_free(s->argv);
	free(s->success_exit_status);
	free(s->user);
	free(s->working_directory);
	cfg_strv_free(s->environment);
	free(s->seccomp_deny);
	free(s->seccomp_allow);
	free(s->groups);
}

void
cfg_colony_release(struct cfg_colony *c)
{
	free(c->origin.file);
	for (size_t i = 0; i < c->n_services; i++)
		cfg_service_release(&c->services[i]);
	free(c->services);
}
