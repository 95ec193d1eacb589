/* ctl_tools.h: the client-side halves of `colonyctl logs` and `colonyctl exec`, which need no daemon help beyond paths and pids. */
#ifndef COLONY_CTL_TOOLS_H
#define COLONY_CTL_TOOLS_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Print the last `lines` lines of a service log (reading rotated files .1, .2 ...
 * when the current one holds fewer), then, with follow, keep printing what is
 * appended, across rotations, until interrupted. lines < 0 prints everything.
 * Returns a colonyctl exit status (0, or 1 with a message on stderr).
 */
int ctl_logs(const char *path, long lines, bool follow);

/*
 * Run argv inside the namespaces of process `pid` (colonyd) and in the cgroup
 * directories `cgroup_dirs` (NULL-terminated absolute paths of one leaf: the
 * v2 one, then its v1 mirrors on a hybrid host), and return its exit status
 * the way a shell does (128 + signal when killed). 1 on a set-up error.
 * The leaves are removed afterwards when nothing else is left in them.
 */
int ctl_exec(pid_t pid, char *const *cgroup_dirs, char **argv);

#endif
