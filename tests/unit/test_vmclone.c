/* test_vmclone.c: children that share colonyd's memory: the launch they read stays pinned until they exec, and their stacks are pooled. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "colonyd/child.h"
#include "colonyd/colonyd.h"
#include "colonyd/confine.h"
#include "config/config.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define CLONE_PIDFD_FLAG 0x00001000ULL

static char *sh_argv[] = { "/bin/sh", "-c", "exit $CODE", NULL };

/* A launch as cd_svc_prepare makes it: root, default capabilities, no filter, CODE=code. */
static struct cd_launch *
launch_new(int code)
{
	struct cd_launch *l = calloc(1, sizeof(*l));
	struct cfg_service svc;
	char err[256];

	ck_assert_ptr_nonnull(l);
	memset(&svc, 0, sizeof(svc));
	strcpy(svc.name, "svc");
	svc.working_directory = (char *)"/";
	svc.no_new_privileges = true;
	svc.caps_mode = CFG_CAPS_DEFAULT;
	svc.seccomp = CFG_SECCOMP_OFF;
	l->refs = 1;
	l->argv = sh_argv;
	l->envp = calloc(3, sizeof(char *));
	ck_assert_ptr_nonnull(l->envp);
	ck_assert_int_ge(asprintf(&l->envp[0], "CODE=%d", code), 0);
	l->envp[1] = strdup("PATH=/bin:/usr/bin");
	l->exe = strdup("/bin/sh");
	l->confine = confine_prepare("test", &svc, err, sizeof(err));
	ck_assert_msg(l->confine != NULL, "%s", err);
	return l;
}

struct started {
	pid_t pid;
	int pidfd, errfd;
};

/* cd_spawn's part for one child, without a cgroup; 0 when this build cannot share memory. */
static int
start(struct cd_svc *svc, struct started *st)
{
	struct cd_clone_args a;
	struct cd_child c;
	int errp[2];

	ck_assert_int_eq(pipe2(errp, O_CLOEXEC), 0);
	memset(&c, 0, sizeof(c));
	c.confine = svc->launch->confine;
	c.argv = svc->launch->argv;
	c.envp = svc->launch->envp;
	c.exe = svc->launch->exe;
	c.bset = confine_bounding_set();
	c.devnull = svc->cd->devnull;
	c.out = svc->cd->devnull;
	c.readyfd = -1;
	c.ready_n = -1;
	c.errfd = errp[1];
	memset(&a, 0, sizeof(a));
	a.flags = CLONE_PIDFD_FLAG;
	a.pidfd = (uint64_t)(uintptr_t)&st->pidfd;
	a.exit_signal = SIGCHLD;
	st->pid = cd_vm_clone(svc, &a, &c);
	close(errp[1]);
	if (st->pid < 0) {
		ck_assert_int_eq(errno, ENOSYS);	/* another architecture, a sanitizer, valgrind */
		close(errp[0]);
		return 0;
	}
	st->errfd = errp[0];
	return 1;
}

/* The error pipe's end-of-file (what cd_svc_err_ready waits for), then the exit code. */
static int
finish(struct cd_svc *svc, struct started *st)
{
	char buf[256];
	siginfo_t si;
	ssize_t n;

	while ((n = read(st->errfd, buf, sizeof(buf))) > 0)
		;
	ck_assert_int_eq(n, 0);
	close(st->errfd);
	cd_vm_release(svc);
	memset(&si, 0, sizeof(si));
	ck_assert_int_eq(waitid((idtype_t)P_PIDFD, (id_t)st->pidfd, &si, WEXITED), 0);
	close(st->pidfd);
	ck_assert_int_eq(si.si_code, CLD_EXITED);
	return si.si_status;
}

START_TEST(launch_pinned_until_exec)
{
	struct cd cd;
	struct cd_svc svc;
	struct cd_launch *l;
	struct started st;

	memset(&cd, 0, sizeof(cd));
	memset(&svc, 0, sizeof(svc));
	cd.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	svc.cd = &cd;
	svc.launch = l = launch_new(7);
	if (!start(&svc, &st)) {
		cd_launch_unref(l);
		cd_vm_free_pool(&cd);
		close(cd.devnull);
		return;
	}
	ck_assert_ptr_nonnull(svc.vm_slot);
	ck_assert_uint_eq(l->refs, 2);
	/* A reload drops the service's reference while the child may still read the launch. */
	svc.launch = NULL;
	cd_launch_unref(l);
	ck_assert_uint_eq(l->refs, 1);
	ck_assert_int_eq(finish(&svc, &st), 7);	/* it ran with its own environment; the slot freed the launch */
	ck_assert_ptr_null(svc.vm_slot);
	ck_assert_uint_eq(cd.vm_n_free, 1);
	cd_vm_free_pool(&cd);
	close(cd.devnull);
}
END_TEST

/* Children starting together each get a stack; colonyd keeps only a few spare ones afterwards. */
START_TEST(stacks_pooled)
{
	enum { N = 6 };
	struct cd cd;
	struct cd_svc svc[N];
	struct started st[N];

	memset(&cd, 0, sizeof(cd));
	cd.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < N; i++) {
		memset(&svc[i], 0, sizeof(svc[i]));
		svc[i].cd = &cd;
		svc[i].launch = launch_new(10 + i);
		if (!start(&svc[i], &st[i])) {
			ck_assert_int_eq(i, 0);
			cd_launch_unref(svc[i].launch);
			cd_vm_free_pool(&cd);
			close(cd.devnull);
			return;
		}
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < i; j++)
			ck_assert_ptr_ne(svc[i].vm_slot, svc[j].vm_slot);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(finish(&svc[i], &st[i]), 10 + i);
		cd_svc_unprepare(&svc[i]);
	}
	ck_assert_uint_eq(cd.vm_n_free, 4);
	cd_vm_free_pool(&cd);
	ck_assert_uint_eq(cd.vm_n_free, 0);
	close(cd.devnull);
}
END_TEST

Suite *
vmclone_suite(void)
{
	Suite *s = suite_create("vmclone");
	TCase *tc = tcase_create("vmclone");

	tcase_set_timeout(tc, 30);
	if (geteuid() == 0) {	/* the children set their credentials */
		tcase_add_test(tc, launch_pinned_until_exec);
		tcase_add_test(tc, stacks_pooled);
	}
	suite_add_tcase(s, tc);
	return s;
}
