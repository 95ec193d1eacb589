/* caps.c: the capabilities a service may be given, and their union over a colony (what its colonyd keeps). */
#include <sys/capability.h>

#include "config/cfg_internal.h"

#define CFG_CAP_BIT(c) ((c) >= 0 && (c) < 64 ? UINT64_C(1) << (c) : 0)

/* The usual container set (Docker, Podman, crun) for a root service with capabilities = default. */
static const int cfg_default_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL,
	CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW,
	CAP_SYS_CHROOT, CAP_MKNOD, CAP_AUDIT_WRITE, CAP_SETFCAP,
};

uint64_t
cfg_service_caps(const struct cfg_service *s)
{
	uint64_t caps = 0;

	switch (s->caps_mode) {
	case CFG_CAPS_DEFAULT:	/* none for a non-root user */
		if (s->uid != 0)
			break;
		for (size_t i = 0; i < sizeof(cfg_default_caps) / sizeof(int); i++)
			caps |= CFG_CAP_BIT(cfg_default_caps[i]);
		break;
	case CFG_CAPS_NONE:
		break;
	case CFG_CAPS_ALL:
		caps = UINT64_MAX;
		break;
	case CFG_CAPS_LIST:
		for (size_t i = 0; i < s->n_caps && i < CFG_MAX_CAPS; i++)
			caps |= CFG_CAP_BIT(s->caps[i]);
		break;
	}
	return caps;
}

uint64_t
cfg_colony_caps(const struct cfg_colony *c)
{
	uint64_t caps = 0;

	for (size_t i = 0; i < c->n_services; i++) {
		caps |= cfg_service_caps(&c->services[i]);
		/* raising RLIMIT_NOFILE above colonyd's own hard limit */
		if (c->services[i].limit_nofile != 0)
			caps |= CFG_CAP_BIT(CAP_SYS_RESOURCE);
	}
	return caps;
}
