/* root_cupgrade.c: `colonyctl upgrade --colonies`: each colonyd re-executes itself, one colony at a time. */
#define _GNU_SOURCE
#include <string.h>

#include "supervisor/root.h"

void
upgrade_colonies_cmd(struct root *r, struct root_client *cl, int argc, char **argv)
{
	static const char msg[] = "colony-supervisor: upgrade --colonies: not supported yet\n";

	(void)argc;
	(void)argv;
	ctl_frame(r, cl, 2, msg, sizeof(msg) - 1);
	ctl_finish(r, cl, 1);
}

void
cupgrade_colony_event(struct root *r, struct colony *c, bool upgraded)
{
	(void)r;
	(void)c;
	(void)upgraded;
}
