/* test_confine.c: confine_prepare and confine_apply, checked in forked children through /proc/self/status and real syscalls. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "colonyd/confine.h"
#include "config/config.h"
#include "supervisor/filter.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#else
#define UNDER_VALGRIND() 0
#endif

/* What a confined child reports: its /proc/self/status plus "probe=ERRNO" lines. */
static char report[65536];
static char mount_dir[64];

typedef void (*confine_hook)(int out);

struct confine_run {
	confine_hook before_prepare;	/* in the child: simulate a restricted colonyd */
	confine_hook before_apply;
	confine_hook probe;		/* after confine_apply */
};

#define BIT(cap) (UINT64_C(1) << (cap))

static const int default_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL,
	CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW,
	CAP_SYS_CHROOT, CAP_MKNOD, CAP_AUDIT_WRITE, CAP_SETFCAP,
};

static void
svc_init(struct cfg_service *svc, const char *user, uid_t uid, gid_t gid)
{
	memset(svc, 0, sizeof(*svc));
	strcpy(svc->name, "svc");
	svc->user = (char *)user;
	svc->uid = uid;
	svc->gid = gid;
	svc->working_directory = (char *)"/";
	svc->no_new_privileges = true;
	svc->caps_mode = CFG_CAPS_DEFAULT;
	svc->seccomp = CFG_SECCOMP_DEFAULT;
}

static void
say(int out, const char *probe, long rc)
{
	dprintf(out, "%s=%s\n", probe, rc < 0 ? strerrorname_np(errno) : "0");
}

static void
copy_status(int out)
{
	char buf[4096];
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
}

/* The child's confinement, freed before any of its processes exits: valgrind checks each one's heap. */
static struct confine *child_confine;

static void __attribute__((noreturn))
child_exit(void)
{
	confine_free(child_confine);
	_exit(0);
}

static void __attribute__((noreturn))
child_main(const struct cfg_service *svc, const struct confine_run *r, int out)
{
	char err[512];
	struct confine *c;

	if (r->before_prepare != NULL)
		r->before_prepare(out);
	c = child_confine = confine_prepare("test", svc, err, sizeof(err));
	if (c == NULL) {
		dprintf(out, "prepare-error=%s\n", err);
		_exit(0);
	}
	if (r->before_apply != NULL)
		r->before_apply(out);
	if (confine_apply(c, confine_bounding_set(), err, sizeof(err)) < 0) {
		dprintf(out, "apply-error=%s\n", err);
		child_exit();
	}
	dprintf(out, "applied=1\n");
	if (r->probe != NULL)
		r->probe(out);
	copy_status(out);
	child_exit();
}

/* Forks a child that confines itself and reports into `report`; the test process keeps its credentials. */
static void
run_confined(const struct cfg_service *svc, const struct confine_run *r)
{
	size_t len = 0;
	ssize_t n;
	int p[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		child_main(svc, r, p[1]);
	}
	close(p[1]);
	while ((n = read(p[0], report + len, sizeof(report) - 1 - len)) > 0)
		len += (size_t)n;
	report[len] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child status %#x, report:\n%s", status, report);
}

/* The value of "Key:\tvalue" or "key=value" in the report, trailing blanks removed, or NULL. */
static const char *
field(const char *key)
{
	static char values[8][512];
	static int next;
	char *v = values[next++ % 8];
	size_t klen = strlen(key);

	for (const char *line = report; *line != '\0'; line += strcspn(line, "\n") + 1) {
		if (strncmp(line, key, klen) == 0 && (line[klen] == ':' || line[klen] == '=')) {
			const char *s = line + klen + 1 + strspn(line + klen + 1, " \t");
			size_t n = strcspn(s, "\n");

			while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
				n--;
			n = n < 511 ? n : 511;
			memcpy(v, s, n);
			v[n] = '\0';
			return v;
		}
		if (line[strcspn(line, "\n")] == '\0')
			break;
	}
	return NULL;
}

static const char *
need(const char *key)
{
	const char *v = field(key);

	ck_assert_msg(v != NULL, "no %s in the report:\n%s", key, report);
	return v;
}

static uint64_t
capfield(const char *key)
{
	return strtoull(need(key), NULL, 16);
}

static void
assert_applied(void)
{
	ck_assert_msg(field("applied") != NULL, "confine failed:\n%s", report);
}

/* What the test process can hand on: permitted and in its bounding set. */
static uint64_t
held_caps(void)
{
	struct confine_run r = { 0 };
	struct cfg_service svc;
	uint64_t prm, bnd;

	/* An unconfined report of our own status: caps = all, seccomp off. */
	svc_init(&svc, NULL, 0, 0);
	svc.caps_mode = CFG_CAPS_ALL;
	svc.seccomp = CFG_SECCOMP_OFF;
	svc.no_new_privileges = false;
	run_confined(&svc, &r);
	prm = capfield("CapPrm");
	bnd = capfield("CapBnd");
	return prm & bnd;
}

static uint64_t
default_bits(void)
{
	uint64_t bits = 0;

	for (size_t i = 0; i < sizeof(default_caps) / sizeof(default_caps[0]); i++)
		bits |= BIT(default_caps[i]);
	return bits;
}

static void
exec_status(int out)
{
	dup2(out, STDOUT_FILENO);
	execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
	dprintf(out, "exec-error=%s\n", strerrorname_np(errno));
	_exit(0);
}

START_TEST(nobody_default)
{
	struct cfg_service svc;
	struct confine_run r = { 0 };

	svc_init(&svc, "nobody", 65534, 65534);
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_uint_eq(capfield("CapEff"), 0);
	ck_assert_uint_eq(capfield("CapPrm"), 0);
	ck_assert_uint_eq(capfield("CapBnd"), 0);
	ck_assert_uint_eq(capfield("CapInh"), 0);
	ck_assert_uint_eq(capfield("CapAmb"), 0);
	ck_assert_str_eq(need("NoNewPrivs"), "1");
	ck_assert_str_eq(need("Seccomp"), "2");
	ck_assert_str_eq(need("Uid"), "65534\t65534\t65534\t65534");
	ck_assert_str_eq(need("Gid"), "65534\t65534\t65534\t65534");
	ck_assert_str_eq(need("Groups"), "65534");
}
END_TEST

static void
probe_root_default(int out)
{
	long rc;

	say(out, "mount", mount("none", "/nonexistent", "tmpfs", 0, NULL));
	say(out, "umount2", umount2("/nonexistent", 0));
	say(out, "unshare", unshare(CLONE_NEWUSER));
	rc = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (rc == 0)
		child_exit();
	say(out, "clone-newuser", rc);
	say(out, "clone3", syscall(SYS_clone3, NULL, 0));
	rc = fork();
	if (rc == 0)
		child_exit();
	say(out, "fork", rc);
	if (rc > 0)
		waitpid((pid_t)rc, NULL, 0);
}

START_TEST(root_default)
{
	struct cfg_service svc;
	struct confine_run r = { .probe = probe_root_default };
	uint64_t want = default_bits() & held_caps();

	svc_init(&svc, NULL, 0, 0);
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_uint_eq(capfield("CapEff"), want);
	ck_assert_uint_eq(capfield("CapPrm"), want);
	ck_assert_uint_eq(capfield("CapBnd"), want);
	ck_assert(!(capfield("CapEff") & BIT(CAP_SYS_ADMIN)));
	ck_assert(capfield("CapEff") & BIT(CAP_NET_BIND_SERVICE));
	ck_assert_str_eq(need("Uid"), "0\t0\t0\t0");
	ck_assert_str_eq(need("Seccomp"), "2");
	ck_assert_str_eq(need("mount"), "EPERM");
	ck_assert_str_eq(need("umount2"), "EPERM");
	ck_assert_str_eq(need("unshare"), "EPERM");
	ck_assert_str_eq(need("clone-newuser"), "EPERM");
	ck_assert_str_eq(need("clone3"), "ENOSYS");
	ck_assert_str_eq(need("fork"), "0");
}
END_TEST

START_TEST(root_default_after_exec)
{
	struct cfg_service svc;
	struct confine_run r = { .probe = exec_status };
	uint64_t want = default_bits() & held_caps();

	svc_init(&svc, NULL, 0, 0);
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_ptr_null(field("exec-error"));
	ck_assert_uint_eq(capfield("CapEff"), want);
	ck_assert_uint_eq(capfield("CapBnd"), want);
	ck_assert_uint_eq(capfield("CapAmb"), 0);
	ck_assert_str_eq(need("NoNewPrivs"), "1");
	ck_assert_str_eq(need("Seccomp"), "2");
}
END_TEST

static void
probe_deny_extra(int out)
{
	char buf[256];
	struct utsname u;

	say(out, "getcwd", syscall(SYS_getcwd, buf, sizeof(buf)));
	say(out, "uname", syscall(SYS_uname, &u));
	say(out, "getppid", syscall(SYS_getppid));
}

START_TEST(seccomp_deny_extra)
{
	struct cfg_service svc;
	struct confine_run r = { .probe = probe_deny_extra };
	int deny[] = { SYS_getcwd, SYS_uname };

	svc_init(&svc, "nobody", 65534, 65534);
	svc.seccomp_deny = deny;
	svc.n_seccomp_deny = 2;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("getcwd"), "EPERM");
	ck_assert_str_eq(need("uname"), "EPERM");
	ck_assert_str_eq(need("getppid"), "0");
}
END_TEST

/* A private mount namespace, so nothing the child mounts reaches the host. */
static void
private_mounts(int out)
{
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
		dprintf(out, "setup-error=%s\n", strerrorname_np(errno));
		_exit(0);
	}
}

static void
probe_mount(int out)
{
	say(out, "mount", mount("colony-test", mount_dir, "tmpfs", 0, NULL));
	say(out, "umount2", umount2(mount_dir, MNT_DETACH));
	say(out, "unshare-uts", unshare(CLONE_NEWUTS));
}

static void
make_mount_dir(void)
{
	strcpy(mount_dir, "/tmp/confine-mnt-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(mount_dir));
}

START_TEST(seccomp_allow_mount)
{
	struct cfg_service svc;
	struct confine_run r = { .before_prepare = private_mounts, .probe = probe_mount };
	int allow[] = { SYS_mount };

	make_mount_dir();
	svc_init(&svc, NULL, 0, 0);
	svc.caps_mode = CFG_CAPS_ALL;
	svc.seccomp_allow = allow;
	svc.n_seccomp_allow = 1;
	run_confined(&svc, &r);
	rmdir(mount_dir);
	assert_applied();
	ck_assert_str_eq(need("mount"), "0");
	ck_assert_str_eq(need("umount2"), "EPERM");	/* only mount was allowed */
	ck_assert_str_eq(need("Seccomp"), "2");
}
END_TEST

START_TEST(caps_all)
{
	struct cfg_service svc;
	struct confine_run r = { .before_prepare = private_mounts, .probe = probe_mount };
	uint64_t held = held_caps();

	make_mount_dir();
	svc_init(&svc, NULL, 0, 0);
	svc.caps_mode = CFG_CAPS_ALL;
	run_confined(&svc, &r);
	rmdir(mount_dir);
	assert_applied();
	ck_assert_uint_eq(capfield("CapEff"), held);
	ck_assert_uint_eq(capfield("CapBnd"), held);
	ck_assert(capfield("CapEff") & BIT(CAP_SYS_ADMIN));
	ck_assert_str_eq(need("mount"), "EPERM");	/* the filter, not a missing capability */
	ck_assert_str_eq(need("unshare-uts"), "0");	/* not denied with CAP_SYS_ADMIN */
}
END_TEST

START_TEST(caps_none_root)
{
	struct cfg_service svc;
	struct confine_run r = { 0 };

	svc_init(&svc, NULL, 0, 0);
	svc.caps_mode = CFG_CAPS_NONE;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_uint_eq(capfield("CapEff"), 0);
	ck_assert_uint_eq(capfield("CapPrm"), 0);
	ck_assert_uint_eq(capfield("CapBnd"), 0);
	ck_assert_str_eq(need("Uid"), "0\t0\t0\t0");
}
END_TEST

START_TEST(caps_list_root)
{
	struct cfg_service svc;
	struct confine_run r = { 0 };
	uint64_t want = BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_KILL);

	svc_init(&svc, NULL, 0, 0);
	svc.caps_mode = CFG_CAPS_LIST;
	svc.caps[0] = CAP_NET_BIND_SERVICE;
	svc.caps[1] = CAP_KILL;
	svc.n_caps = 2;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_uint_eq(capfield("CapEff"), want);
	ck_assert_uint_eq(capfield("CapPrm"), want);
	ck_assert_uint_eq(capfield("CapInh"), want);
	ck_assert_uint_eq(capfield("CapBnd"), want);
	ck_assert_uint_eq(capfield("CapAmb"), 0);
}
END_TEST

/* A non-root service keeps listed capabilities across execve through the ambient set. */
START_TEST(caps_list_user_after_exec)
{
	struct cfg_service svc;
	struct confine_run r = { .probe = exec_status };

	svc_init(&svc, "nobody", 65534, 65534);
	svc.caps_mode = CFG_CAPS_LIST;
	svc.caps[0] = CAP_NET_BIND_SERVICE;
	svc.n_caps = 1;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_ptr_null(field("exec-error"));
	ck_assert_uint_eq(capfield("CapEff"), BIT(CAP_NET_BIND_SERVICE));
	ck_assert_uint_eq(capfield("CapPrm"), BIT(CAP_NET_BIND_SERVICE));
	ck_assert_uint_eq(capfield("CapAmb"), BIT(CAP_NET_BIND_SERVICE));
	ck_assert_uint_eq(capfield("CapBnd"), BIT(CAP_NET_BIND_SERVICE));
	ck_assert_str_eq(need("Uid"), "65534\t65534\t65534\t65534");
	ck_assert_str_eq(need("NoNewPrivs"), "1");
}
END_TEST

/* Simulates a colonyd that has already given up some capabilities. */
static void
drop_ptrace(int out)
{
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) < 0)
		dprintf(out, "setup-error=%s\n", strerrorname_np(errno));
}

/* What colonyd does when it gives up a capability: drop it and record it (confine_note_dropped). */
static void
drop_ptrace_noted(int out)
{
	drop_ptrace(out);
	confine_note_dropped(BIT(CAP_SYS_PTRACE));
}

static void
drop_net_raw(int out)
{
	if (prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0) < 0)
		dprintf(out, "setup-error=%s\n", strerrorname_np(errno));
}

START_TEST(caps_list_missing)
{
	struct cfg_service svc;
	struct confine_run at_prepare = { .before_prepare = drop_ptrace };
	struct confine_run at_apply = { .before_apply = drop_ptrace_noted };
	struct confine_run unrecorded = { .before_apply = drop_ptrace };

	svc_init(&svc, NULL, 0, 0);
	svc.caps_mode = CFG_CAPS_LIST;
	svc.caps[0] = CAP_SYS_PTRACE;
	svc.n_caps = 1;
	run_confined(&svc, &at_prepare);
	ck_assert_str_eq(need("prepare-error"),
	    "test/svc: capabilities: CAP_SYS_PTRACE is not held by colonyd");
	run_confined(&svc, &at_apply);
	ck_assert_str_eq(need("apply-error"), "capabilities: CAP_SYS_PTRACE is not held by colonyd");
	/* The child trusts colonyd's record of its bounding set; a drop it was not
	   told of still cannot hand the capability on: the kernel refuses capset. */
	run_confined(&svc, &unrecorded);
	ck_assert_str_eq(need("apply-error"), "capset: Operation not permitted");
}
END_TEST

START_TEST(caps_default_is_a_ceiling)
{
	struct cfg_service svc;
	struct confine_run r = { .before_prepare = drop_net_raw };
	uint64_t want = default_bits() & held_caps() & ~BIT(CAP_NET_RAW);

	svc_init(&svc, NULL, 0, 0);
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_uint_eq(capfield("CapEff"), want);
	ck_assert_uint_eq(capfield("CapBnd"), want);
}
END_TEST

/* Inherited ambient and inheritable capabilities must not survive into the service. */
static void
raise_ambient(int out)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		goto fail;
	data[0].inheritable |= (uint32_t)BIT(CAP_NET_RAW);
	if (syscall(SYS_capset, &hdr, data) < 0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0) < 0)
		goto fail;
	return;
fail:
	dprintf(out, "setup-error=%s\n", strerrorname_np(errno));
}

START_TEST(ambient_cleared)
{
	struct cfg_service svc;
	struct confine_run r = { .before_apply = raise_ambient };

	svc_init(&svc, NULL, 0, 0);
	svc.caps_mode = CFG_CAPS_NONE;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_ptr_null(field("setup-error"));
	ck_assert_uint_eq(capfield("CapAmb"), 0);
	ck_assert_uint_eq(capfield("CapInh"), 0);
}
END_TEST

START_TEST(seccomp_off)
{
	struct cfg_service svc;
	struct confine_run r = { 0 };

	svc_init(&svc, NULL, 0, 0);
	svc.seccomp = CFG_SECCOMP_OFF;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("Seccomp"), "0");
	ck_assert_str_eq(need("NoNewPrivs"), "1");
	svc.no_new_privileges = false;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("Seccomp"), "0");
	ck_assert_str_eq(need("NoNewPrivs"), "0");
}
END_TEST

/* A filter without CAP_SYS_ADMIN can only be loaded under no_new_privs, so it is forced. */
START_TEST(no_new_privs_rule)
{
	struct cfg_service svc;
	struct confine_run r = { 0 };

	svc_init(&svc, NULL, 0, 0);
	svc.no_new_privileges = false;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("NoNewPrivs"), "1");
	ck_assert_str_eq(need("Seccomp"), "2");
	svc.caps_mode = CFG_CAPS_ALL;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("NoNewPrivs"), "0");
	ck_assert_str_eq(need("Seccomp"), "2");
}
END_TEST

static void
probe_nofile(int out)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		dprintf(out, "nofile=%llu/%llu\n", (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max);
}

START_TEST(limit_nofile)
{
	struct cfg_service svc;
	struct confine_run r = { .probe = probe_nofile };
	char want[128];
	unsigned long long nr_open = 1048576;
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");

	if (f != NULL) {
		ck_assert_int_eq(fscanf(f, "%llu", &nr_open), 1);
		fclose(f);
	}
	svc_init(&svc, "nobody", 65534, 65534);
	svc.limit_nofile = 512;
	/* valgrind refuses any change of the hard RLIMIT_NOFILE (make valgrind). */
	if (!UNDER_VALGRIND()) {
		run_confined(&svc, &r);
		assert_applied();
		ck_assert_str_eq(need("nofile"), "512/512");
	}
	/* Above fs.nr_open the kernel refuses even root. */
	svc.limit_nofile = nr_open + 1;
	run_confined(&svc, &r);
	snprintf(want, sizeof(want), "setrlimit(RLIMIT_NOFILE, %llu): Operation not permitted", nr_open + 1);
	ck_assert_str_eq(need("apply-error"), want);
}
END_TEST

static void
probe_cwd(int out)
{
	char buf[256];

	if (getcwd(buf, sizeof(buf)) != NULL)
		dprintf(out, "cwd=%s\n", buf);
}

START_TEST(working_directory)
{
	struct cfg_service svc;
	struct confine_run r = { .probe = probe_cwd };

	svc_init(&svc, "nobody", 65534, 65534);
	svc.working_directory = (char *)"/tmp";
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("cwd"), "/tmp");
	svc.working_directory = (char *)"/nonexistent-colony-dir";
	run_confined(&svc, &r);
	ck_assert_str_eq(need("apply-error"), "chdir(/nonexistent-colony-dir): No such file or directory");
}
END_TEST

/* chdir happens after the uid change: a root-only directory is refused to nobody. */
START_TEST(working_directory_as_user)
{
	struct cfg_service svc;
	struct confine_run r = { .probe = probe_cwd };
	char dir[] = "/tmp/confine-wd-XXXXXX";
	char want[128];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0700), 0);
	svc_init(&svc, "nobody", 65534, 65534);
	svc.working_directory = dir;
	run_confined(&svc, &r);
	snprintf(want, sizeof(want), "chdir(%s): Permission denied", dir);
	ck_assert_str_eq(need("apply-error"), want);
	svc_init(&svc, NULL, 0, 0);
	svc.working_directory = dir;
	run_confined(&svc, &r);
	rmdir(dir);
	assert_applied();
	ck_assert_str_eq(need("cwd"), dir);
}
END_TEST

/* Simulates a colonyd whose effective set lost CAP_SETUID or CAP_SETGID. */
static void
lower_effective(int cap, int out)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		goto fail;
	data[cap / 32].effective &= ~(uint32_t)(UINT64_C(1) << (cap % 32));
	if (syscall(SYS_capset, &hdr, data) < 0)
		goto fail;
	return;
fail:
	dprintf(out, "setup-error=%s\n", strerrorname_np(errno));
}

static void
lower_setuid(int out)
{
	lower_effective(CAP_SETUID, out);
}

static void
lower_setgid(int out)
{
	lower_effective(CAP_SETGID, out);
}

START_TEST(id_errors)
{
	struct cfg_service svc;
	struct confine_run no_setuid = { .before_apply = lower_setuid };
	struct confine_run no_setgid = { .before_apply = lower_setgid };

	svc_init(&svc, "nobody", 65534, 65534);
	run_confined(&svc, &no_setuid);
	ck_assert_str_eq(need("apply-error"), "setresuid(65534): Operation not permitted");
	run_confined(&svc, &no_setgid);
	ck_assert_str_eq(need("apply-error"), "setgroups(65534): Operation not permitted");
}
END_TEST

START_TEST(numeric_uid_without_passwd)
{
	struct cfg_service svc;
	struct confine_run r = { 0 };

	ck_assert_ptr_null(getpwuid(4242));
	svc_init(&svc, "4242", 4242, 4243);
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("Uid"), "4242\t4242\t4242\t4242");
	ck_assert_str_eq(need("Gid"), "4243\t4243\t4243\t4243");
	ck_assert_str_eq(need("Groups"), "4243");
	ck_assert_uint_eq(capfield("CapEff"), 0);
}
END_TEST

static int
cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* Groups resolved by the root's loader are applied as given: colonyd looks nothing up. */
START_TEST(groups_from_the_definition)
{
	struct cfg_service svc;
	struct confine_run r = { 0 };
	gid_t given[] = { 4243, 77, 4244 };

	svc_init(&svc, "4242", 4242, 4243);
	svc.groups = given;
	svc.n_groups = 3;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("Gid"), "4243\t4243\t4243\t4243");
	ck_assert_str_eq(need("Groups"), "77 4243 4244");
}
END_TEST

START_TEST(supplementary_groups)
{
	struct cfg_service svc;
	struct confine_run r = { 0 };
	struct passwd *pw = NULL;
	struct group *gr;
	gid_t groups[64];
	int n = 64;
	char want[512] = "";

	/* Any user that is a member of some group besides its primary one. */
	setgrent();
	while (pw == NULL && (gr = getgrent()) != NULL)
		if (gr->gr_mem[0] != NULL)
			pw = getpwnam(gr->gr_mem[0]);
	endgrent();
	if (pw == NULL)
		return;	/* nothing to check on this host */
	svc_init(&svc, pw->pw_name, pw->pw_uid, pw->pw_gid);
	ck_assert_int_ge(getgrouplist(pw->pw_name, pw->pw_gid, groups, &n), 2);
	qsort(groups, (size_t)n, sizeof(gid_t), cmp_gid);
	for (int i = 0; i < n; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%u", i ? " " : "", groups[i]);
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("Groups"), want);
}
END_TEST

#if defined(__x86_64__)
/* The i386 syscall table, entered from 64-bit code; the filter must cover it too. */
static long
int80(long nr)
{
	long ret;

	__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(0), "c"(0), "d"(0)
	    : "memory", "cc", "r8", "r9", "r10", "r11");
	return ret;
}

static void
probe_int80(int out)
{
	dprintf(out, "i386-getcwd=%ld\n", int80(183));
	dprintf(out, "i386-mount=%ld\n", int80(21));
}

static bool
has_ia32(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(int80(20) == (long)getpid() ? 0 : 1);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0;
}

START_TEST(compat_arch)
{
	struct cfg_service svc;
	struct confine_run r = { .probe = probe_int80 };
	int deny[] = { SYS_getcwd };

	if (!has_ia32())
		return;	/* kernel without IA32 emulation */
	svc_init(&svc, NULL, 0, 0);
	svc.seccomp_deny = deny;
	svc.n_seccomp_deny = 1;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("i386-getcwd"), "-1");	/* -EPERM */
	ck_assert_str_eq(need("i386-mount"), "-1");
}
END_TEST
#endif

START_TEST(prepare_errors)
{
	struct cfg_service svc;
	char err[256];
	int bad[] = { 99999 };

	svc_init(&svc, NULL, 0, 0);
	svc.caps_mode = CFG_CAPS_LIST;
	svc.caps[0] = 63;
	svc.n_caps = 1;
	ck_assert_ptr_null(confine_prepare("test", &svc, err, sizeof(err)));
	ck_assert_str_eq(err, "test/svc: capability 63 is not known to this kernel");
	svc_init(&svc, NULL, 0, 0);
	svc.seccomp_deny = bad;
	svc.n_seccomp_deny = 1;
	ck_assert_ptr_null(confine_prepare("test", &svc, err, sizeof(err)));
	ck_assert_str_eq(err, "test/svc: seccomp_deny: unknown syscall number 99999");
	svc_init(&svc, NULL, 0, 0);
	svc.seccomp_allow = bad;
	svc.n_seccomp_allow = 1;
	ck_assert_ptr_null(confine_prepare("test", &svc, err, sizeof(err)));
	ck_assert_str_eq(err, "test/svc: seccomp_allow: unknown syscall number 99999");
	confine_free(NULL);
}
END_TEST

/* After colonyd dropped a capability, a service that wants it (listed or by default) is refused. */
START_TEST(dropped_caps)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {	/* confine_note_dropped is for good: keep it out of the other tests */
		struct cfg_service svc;
		char err[256];
		struct confine *c;

		confine_note_dropped(BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_RAW));
		svc_init(&svc, NULL, 0, 0);
		svc.caps_mode = CFG_CAPS_LIST;
		svc.caps[0] = CAP_SYS_ADMIN;
		svc.n_caps = 1;
		if (confine_prepare("test", &svc, err, sizeof(err)) != NULL ||
		    strcmp(err, "test/svc: capabilities: CAP_SYS_ADMIN was dropped by colonyd when the colony "
		    "was set up; restart the colony to grant it") != 0)
			_exit(1);
		svc_init(&svc, NULL, 0, 0);	/* default for root includes CAP_NET_RAW */
		if (confine_prepare("test", &svc, err, sizeof(err)) != NULL || strstr(err, "CAP_NET_RAW") == NULL)
			_exit(2);
		svc_init(&svc, "nobody", 65534, 65534);	/* default for a user: nothing */
		c = confine_prepare("test", &svc, err, sizeof(err));
		if (c == NULL)
			_exit(3);
		confine_free(c);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
}
END_TEST

/*
 * A table as the root writes it (supervisor/filter.c), but whose one entry,
 * for the key of `seccomp = default` without CAP_SYS_ADMIN, holds the
 * program of another key (getppid denied too): which program a child ends up
 * with shows whether confine_prepare took the root's or built its own.
 */
static struct filter_table *
marked_table(void)
{
	static const int deny[] = { SYS_getppid };
	struct filter_key other = { .deny_ns = true, .deny = deny, .n_deny = 1 };
	struct sock_fprog prog;
	struct filter_table *t;
	uint32_t n = 1, hdr[4];
	char why[256];
	int fd = memfd_create("test", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(filter_build(&other, &prog, why, sizeof(why)), 0);
	hdr[0] = 1;	/* deny_ns */
	hdr[1] = hdr[2] = 0;
	hdr[3] = prog.len;
	ck_assert_int_eq(write(fd, "COLFLT01", 8), 8);
	ck_assert_int_eq(write(fd, &n, 4), 4);
	ck_assert_int_eq(write(fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	ck_assert_int_eq(write(fd, prog.filter, prog.len * sizeof(struct sock_filter)),
	    (ssize_t)(prog.len * sizeof(struct sock_filter)));
	free(prog.filter);
	t = filter_table_read(fd);
	close(fd);
	ck_assert_ptr_nonnull(t);
	return t;
}

static void
probe_getppid(int out)
{
	say(out, "getppid", syscall(SYS_getppid));
	say(out, "mount", mount("none", "/nonexistent", "tmpfs", 0, NULL));
}

/* The root's program is used for exactly its key. */
START_TEST(programs_from_the_root)
{
	struct filter_table *t = marked_table();
	struct confine_run r = { .probe = probe_getppid };
	struct cfg_service svc;

	confine_set_programs(t);
	svc_init(&svc, "nobody", 65534, 65534);
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("getppid"), "EPERM");	/* the table's program */
	ck_assert_str_eq(need("mount"), "EPERM");
	/* Another key (CAP_SYS_ADMIN kept: namespaces not denied) is built here. */
	svc_init(&svc, NULL, 0, 0);
	svc.caps_mode = CFG_CAPS_ALL;
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("getppid"), "0");
	ck_assert_str_eq(need("mount"), "EPERM");
	confine_set_programs(NULL);
	filter_table_free(t);
	/* Without a table, the same service as first builds its own. */
	svc_init(&svc, "nobody", 65534, 65534);
	run_confined(&svc, &r);
	assert_applied();
	ck_assert_str_eq(need("getppid"), "0");
}
END_TEST

/* Prepare is repeatable and frees cleanly (the sanitizer build checks the leaks). */
START_TEST(prepare_and_free)
{
	struct cfg_service svc;
	char err[256];
	int deny[] = { SYS_getcwd };

	svc_init(&svc, "nobody", 65534, 65534);
	svc.seccomp_deny = deny;
	svc.n_seccomp_deny = 1;
	for (int i = 0; i < 50; i++) {
		struct confine *c = confine_prepare("test", &svc, err, sizeof(err));

		ck_assert_msg(c != NULL, "%s", err);
		confine_free(c);
	}
}
END_TEST

Suite *
confine_suite(void)
{
	Suite *s = suite_create("confine");
	TCase *tc = tcase_create("confine");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, prepare_errors);
	tcase_add_test(tc, prepare_and_free);
	tcase_add_test(tc, dropped_caps);
	if (geteuid() != 0) {	/* the rest changes credentials in children */
		suite_add_tcase(s, tc);
		return s;
	}
	tcase_add_test(tc, nobody_default);
	tcase_add_test(tc, root_default);
	tcase_add_test(tc, root_default_after_exec);
	tcase_add_test(tc, seccomp_deny_extra);
	tcase_add_test(tc, seccomp_allow_mount);
	tcase_add_test(tc, programs_from_the_root);
	tcase_add_test(tc, caps_all);
	tcase_add_test(tc, caps_none_root);
	tcase_add_test(tc, caps_list_root);
	tcase_add_test(tc, caps_list_user_after_exec);
	tcase_add_test(tc, caps_list_missing);
	tcase_add_test(tc, caps_default_is_a_ceiling);
	tcase_add_test(tc, ambient_cleared);
	tcase_add_test(tc, seccomp_off);
	tcase_add_test(tc, no_new_privs_rule);
	tcase_add_test(tc, limit_nofile);
	tcase_add_test(tc, working_directory);
	tcase_add_test(tc, working_directory_as_user);
	tcase_add_test(tc, id_errors);
	tcase_add_test(tc, numeric_uid_without_passwd);
	tcase_add_test(tc, groups_from_the_definition);
	tcase_add_test(tc, supplementary_groups);
#if defined(__x86_64__)
	tcase_add_test(tc, compat_arch);
#endif
	suite_add_tcase(s, tc);
	return s;
}
