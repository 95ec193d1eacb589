/* test_config.c: Check tests of the INI loader, its value parsers and the colony serialization. */
#define _GNU_SOURCE
#include <check.h>
#include <ftw.h>
#include <malloc.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"

#define MIN_OK "[colony a]\n[service a/s]\ncommand = x\n"

static char err[CFG_ERR_MAX];

static struct cfg *
load(const char *text)
{
	err[0] = '\0';
	return cfg_load_string("t.ini", text, err, sizeof(err));
}

/* Loads text, expects it to fail with exactly msg. */
static void
expect_err_at(int line, const char *text, const char *msg)
{
	struct cfg *c = load(text);

	if (c != NULL)
		cfg_free(c);
	ck_assert_msg(c == NULL, "line %d: loaded, expected \"%s\"", line, msg);
	ck_assert_msg(strcmp(err, msg) == 0, "line %d: got \"%s\", expected \"%s\"", line, err, msg);
}
#define expect_err(text, msg) expect_err_at(__LINE__, text, msg)

static struct cfg *
load_ok_at(int line, const char *text)
{
	struct cfg *c = load(text);

	ck_assert_msg(c != NULL, "line %d: %s", line, err);
	return c;
}
#define load_ok(text) load_ok_at(__LINE__, text)

/* ---- value parsers ---- */

START_TEST(test_duration)
{
	uint64_t ms;

	ck_assert_int_eq(cfg_parse_duration("10s", &ms), 0); ck_assert_uint_eq(ms, 10000);
	ck_assert_int_eq(cfg_parse_duration("100ms", &ms), 0); ck_assert_uint_eq(ms, 100);
	ck_assert_int_eq(cfg_parse_duration("5m", &ms), 0); ck_assert_uint_eq(ms, 300000);
	ck_assert_int_eq(cfg_parse_duration("1h", &ms), 0); ck_assert_uint_eq(ms, 3600000);
	ck_assert_int_eq(cfg_parse_duration("3", &ms), 0); ck_assert_uint_eq(ms, 3000);
	ck_assert_int_eq(cfg_parse_duration("0", &ms), 0); ck_assert_uint_eq(ms, 0);
	const char *bad[] = { "", "s", "-1", "+1", " 1", "1 ", "1.5s", "1d", "1S", "0x10",
		"99999999999999999999", "18446744073709551615ms", "18446744073709552s", NULL };
	for (int i = 0; bad[i] != NULL; i++)
		ck_assert_msg(cfg_parse_duration(bad[i], &ms) == -1, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(cfg_parse_duration(NULL, &ms), -1);
}
END_TEST

START_TEST(test_size)
{
	uint64_t b;

	ck_assert_int_eq(cfg_parse_size("4096", &b), 0); ck_assert_uint_eq(b, 4096);
	ck_assert_int_eq(cfg_parse_size("10M", &b), 0); ck_assert_uint_eq(b, 10u << 20);
	ck_assert_int_eq(cfg_parse_size("3K", &b), 0); ck_assert_uint_eq(b, 3072);
	ck_assert_int_eq(cfg_parse_size("2G", &b), 0); ck_assert_uint_eq(b, 2ull << 30);
	const char *bad[] = { "", "M", "1m", "1KB", "1T", "-1", "1 M", "17179869184G", NULL };
	for (int i = 0; bad[i] != NULL; i++)
		ck_assert_msg(cfg_parse_size(bad[i], &b) == -1, "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(test_signal)
{
	int sig;

	ck_assert_int_eq(cfg_parse_signal("SIGTERM", &sig), 0); ck_assert_int_eq(sig, SIGTERM);
	ck_assert_int_eq(cfg_parse_signal("TERM", &sig), 0); ck_assert_int_eq(sig, SIGTERM);
	ck_assert_int_eq(cfg_parse_signal("15", &sig), 0); ck_assert_int_eq(sig, 15);
	ck_assert_int_eq(cfg_parse_signal("SIGUSR2", &sig), 0); ck_assert_int_eq(sig, SIGUSR2);
	ck_assert_int_eq(cfg_parse_signal("64", &sig), 0);
	const char *bad[] = { "", "0", "65", "SIG", "term", "SIGFOO", "-9", "9x", NULL };
	for (int i = 0; bad[i] != NULL; i++)
		ck_assert_msg(cfg_parse_signal(bad[i], &sig) == -1, "accepted \"%s\"", bad[i]);
	ck_assert_str_eq(cfg_signal_name(SIGTERM), "TERM");
	ck_assert_str_eq(cfg_signal_name(SIGKILL), "KILL");
	ck_assert_ptr_null(cfg_signal_name(0));
	ck_assert_str_eq(cfg_strategy_name(CFG_REST_FOR_ONE), "rest_for_one");
	ck_assert_str_eq(cfg_restart_name(CFG_TEMPORARY), "temporary");
}
END_TEST

static void
expect_split(const char *s, const char *const *want)
{
	char e[128] = "";
	char **v = cfg_split_command(s, e, sizeof(e));
	size_t i;

	ck_assert_msg(v != NULL, "split \"%s\": %s", s, e);
	for (i = 0; want[i] != NULL; i++) {
		ck_assert_msg(v[i] != NULL, "split \"%s\": too few words", s);
		ck_assert_str_eq(v[i], want[i]);
	}
	ck_assert_ptr_null(v[i]);
	cfg_strv_free(v);
}

START_TEST(test_split_command)
{
	expect_split("/bin/true", (const char *[]){ "/bin/true", NULL });
	expect_split("  a \t b  ", (const char *[]){ "a", "b", NULL });
	expect_split("nginx -g \"daemon off;\"", (const char *[]){ "nginx", "-g", "daemon off;", NULL });
	expect_split("sh -c 'echo $HOME \"x\"'", (const char *[]){ "sh", "-c", "echo $HOME \"x\"", NULL });
	expect_split("a\\ b c", (const char *[]){ "a b", "c", NULL });
	expect_split("\"a\\\"b\\\\c\\d\"", (const char *[]){ "a\"b\\c\\d", NULL });
	expect_split("x'y'\"z\"w", (const char *[]){ "xyzw", NULL });
	expect_split("x '' \"\"", (const char *[]){ "x", "", "", NULL });
	expect_split("echo \\'", (const char *[]){ "echo", "'", NULL });
	expect_split("a $HOME ~ *", (const char *[]){ "a", "$HOME", "~", "*", NULL });
}
END_TEST

START_TEST(test_split_command_errors)
{
	static const struct { const char *in, *msg; } cases[] = {
		{ "", "empty command" }, { "   ", "empty command" },
		{ "a 'b", "unterminated single quote" }, { "a \"b", "unterminated double quote" },
		{ "a \"b\\\"", "unterminated double quote" }, { "a\\", "trailing backslash" },
		{ "'' x", "empty program name" },
	};
	char e[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e[0] = '\0';
		ck_assert_ptr_null(cfg_split_command(cases[i].in, e, sizeof(e)));
		ck_assert_str_eq(e, cases[i].msg);
	}
	ck_assert_ptr_null(cfg_split_command(NULL, e, sizeof(e)));
	ck_assert_ptr_null(cfg_split_command("'", NULL, 0));
}
END_TEST

/* ---- loading ---- */

START_TEST(test_defaults)
{
	struct cfg *c = load_ok(MIN_OK);
	const struct cfg_colony *col = &c->colonies[0];
	const struct cfg_service *s = &col->services[0];

	ck_assert_int_eq(c->sup.strategy, CFG_ONE_FOR_ONE);
	ck_assert_uint_eq(c->sup.intensity, 5);
	ck_assert_uint_eq(c->sup.period_ms, 60000);
	ck_assert_int_eq(c->sup.on_exhausted, CFG_EXHAUSTED_FAIL);
	ck_assert_str_eq(c->sup.state_dir, "/run/colony");
	ck_assert_str_eq(c->sup.control_socket, "/run/colony/control.sock");
	ck_assert_ptr_null(c->sup.control_group);
	ck_assert_str_eq(c->sup.log_dir, "/var/log/colony");
	ck_assert_str_eq(c->sup.cgroup_name, "colony");
	ck_assert_str_eq(c->sup.netns_prefix, "colony-");
	ck_assert_ptr_null(c->sup.colonyd);
	ck_assert_int_eq(col->policy.restart, CFG_PERMANENT);
	ck_assert_uint_eq(col->policy.restart_delay_ms, 0);
	ck_assert_uint_eq(col->policy.restart_delay_max_ms, 30000);
	ck_assert_uint_eq(col->policy.stable_after_ms, 10000);
	ck_assert_uint_eq(col->policy.shutdown_ms, 10000);
	ck_assert(col->policy.autostart);
	ck_assert_uint_eq(col->intensity, 5);
	ck_assert_uint_eq(col->period_ms, 60000);
	ck_assert_int_eq(col->net_mode, CFG_NET_PRIVATE);
	ck_assert_str_eq(col->address, "");
	ck_assert_str_eq(col->hostname, "a");
	ck_assert_uint_eq(col->namespaces, CFG_NS_UTS | CFG_NS_IPC);
	ck_assert_uint_eq(col->memory_max + col->pids_max + col->cpu_max_percent + col->cpu_weight, 0);
	ck_assert_uint_eq(s->policy.shutdown_ms, 5000);
	ck_assert_int_eq(s->stop_signal, SIGTERM);
	ck_assert_int_eq(s->ready, CFG_READY_NONE);
	ck_assert_uint_eq(s->ready_timeout_ms, 30000);
	ck_assert_uint_eq(s->n_success_exit_status, 1);
	ck_assert_int_eq(s->success_exit_status[0], 0);
	ck_assert_ptr_null(s->user);
	ck_assert_uint_eq(s->uid + s->gid, 0);
	ck_assert(!s->has_group);
	ck_assert_str_eq(s->working_directory, "/");
	ck_assert_ptr_nonnull(s->environment);
	ck_assert_ptr_null(s->environment[0]);
	ck_assert_uint_eq(s->limit_nofile, 0);
	ck_assert_int_eq(s->caps_mode, CFG_CAPS_DEFAULT);
	ck_assert(s->no_new_privileges);
	ck_assert_int_eq(s->seccomp, CFG_SECCOMP_DEFAULT);
	ck_assert_uint_eq(s->n_seccomp_deny + s->n_seccomp_allow, 0);
	ck_assert_int_eq(s->log, CFG_LOG_FILE);
	ck_assert_uint_eq(s->log_max_size, 10u << 20);
	ck_assert_uint_eq(s->log_keep, 5);
	ck_assert_str_eq(s->argv[0], "x");
	ck_assert_str_eq(col->origin.file, "t.ini");
	ck_assert_int_eq(col->origin.line, 1);
	ck_assert_int_eq(s->origin.line, 2);
	cfg_free(c);
}
END_TEST

START_TEST(test_control_socket_follows_state_dir)
{
	struct cfg *c = load_ok("[supervisor]\nstate_dir = build/demo/run\ncontrol_group = daemon\n" MIN_OK);

	ck_assert_str_eq(c->sup.control_socket, "build/demo/run/control.sock");
	ck_assert_str_eq(c->sup.control_group, "daemon");
	ck_assert_uint_eq(c->sup.control_gid, 1);
	cfg_free(c);
	c = load_ok("[supervisor]\ncontrol_socket = /x/s.sock\ncontrol_group = 7\n"
	    "colonyd = /opt/colonyd\n" MIN_OK);
	ck_assert_str_eq(c->sup.control_socket, "/x/s.sock");
	ck_assert_uint_eq(c->sup.control_gid, 7);
	ck_assert_str_eq(c->sup.colonyd, "/opt/colonyd");
	cfg_free(c);
}
END_TEST

START_TEST(test_comments_and_syntax)
{
	struct cfg *c = load_ok("\xef\xbb\xbf; comment\r\n# another\r\n\r\n"
	    "  [colony a]   ; trailing\r\n"
	    "[service a/s] # hash\n"
	    "command = sh -c 'echo a ; echo b' ; real comment\n"
	    "environment = X=a;b Y=\"c ; d\"\n"
	    "\tworking_directory\t=\t/srv\t\n");
	const struct cfg_service *s = &c->colonies[0].services[0];

	ck_assert_str_eq(s->argv[2], "echo a ; echo b");
	ck_assert_ptr_null(s->argv[3]);
	ck_assert_str_eq(s->environment[0], "X=a;b");
	ck_assert_str_eq(s->environment[1], "Y=c ; d");
	ck_assert_str_eq(s->working_directory, "/srv");
	cfg_free(c);
	expect_err("[colony a\n", "t.ini:1: section header without ']'");
	expect_err("[colony a] x\n", "t.ini:1: text after section header");
	expect_err("[colony a]\njust words\n", "t.ini:2: expected \"key = value\" or a [section] header");
	expect_err("[colony a]\n = 3\n", "t.ini:2: missing key before '='");
	expect_err("strategy = one_for_one\n", "t.ini:1: key \"strategy\" outside of any section");
	expect_err("[colony a]\nhostname = a\x01\n", "t.ini:2: control character 0x01 in line");
}
END_TEST

START_TEST(test_unknown_section_and_key)
{
	expect_err("[colony a]\n[foo bar]\n", "t.ini:2: unknown section [foo bar] (allowed: "
	    "[supervisor], [network NAME], [colony NAME], [service COLONY/NAME])");
	expect_err("[supervisor x]\n", "t.ini:1: unknown section [supervisor x] (allowed: "
	    "[supervisor], [network NAME], [colony NAME], [service COLONY/NAME])");
	expect_err("[colony]\n", "t.ini:1: unknown section [colony] (allowed: "
	    "[supervisor], [network NAME], [colony NAME], [service COLONY/NAME])");
	expect_err(MIN_OK "[colony b]\nfoo = 1\n", "t.ini:5: unknown key \"foo\" in [colony b]");
	expect_err(MIN_OK "bar = 1\n", "t.ini:4: unknown key \"bar\" in [service a/s]");
	expect_err("[supervisor]\nStrategy = x\n", "t.ini:2: unknown key \"Strategy\" in [supervisor]");
	expect_err("[network n]\nsubnet = 10.0.0.0/8\nmtuu = 1\n",
	    "t.ini:3: unknown key \"mtuu\" in [network n]");
	expect_err("[colony a]\ncommand = x\n", "t.ini:2: unknown key \"command\" in [colony a]");
}
END_TEST

START_TEST(test_bad_enum_values)
{
	expect_err("[colony a]\nstrategy = foo\n",
	    "t.ini:2: strategy: bad value \"foo\" (allowed: one_for_one, rest_for_one, one_for_all)");
	expect_err("[supervisor]\non_exhausted = die\n",
	    "t.ini:2: on_exhausted: bad value \"die\" (allowed: fail, shutdown)");
	expect_err("[colony a]\nrestart = always\n",
	    "t.ini:2: restart: bad value \"always\" (allowed: permanent, transient, temporary)");
	expect_err(MIN_OK "log = syslog\n",
	    "t.ini:4: log: bad value \"syslog\" (allowed: file, inherit, null)");
	expect_err(MIN_OK "seccomp = on\n",
	    "t.ini:4: seccomp: bad value \"on\" (allowed: default, off)");
	expect_err(MIN_OK "autostart = maybe\n",
	    "t.ini:4: autostart: bad value \"maybe\" (allowed: yes, no)");
	expect_err(MIN_OK "ready = fd:2\n",
	    "t.ini:4: ready: bad value \"fd:2\" (allowed: none, notify, fd:N with N from 3 to 1023)");
	expect_err("[colony a]\nnetwork = a b\n",
	    "t.ini:2: network: bad value \"a b\" (allowed: private, host, or the name of a [network])");
	expect_err("[colony a]\nnamespaces = uts net\n",
	    "t.ini:2: namespaces: bad value \"uts net\" (allowed: a list of uts, ipc, pid, mount)");
}
END_TEST

START_TEST(test_bad_typed_values)
{
	expect_err("[colony a]\nperiod = 1d\n", "t.ini:2: period: bad value \"1d\" (allowed: "
	    "a duration such as 500ms, 10s, 5m or 1h; a bare number means seconds)");
	expect_err(MIN_OK "shutdown = never\n", "t.ini:4: shutdown: bad value \"never\" "
	    "(allowed: a duration such as 5s, brutal_kill, infinity)");
	expect_err(MIN_OK "log_max_size = 10MB\n", "t.ini:4: log_max_size: bad value \"10MB\" "
	    "(allowed: a size such as 4096, 512K, 10M or 1G)");
	expect_err("[colony a]\ncpu_weight = 0\n",
	    "t.ini:2: cpu_weight: bad value \"0\" (allowed: an integer from 1 to 10000)");
	expect_err("[colony a]\ncpu_weight = 10001\n",
	    "t.ini:2: cpu_weight: bad value \"10001\" (allowed: an integer from 1 to 10000)");
	expect_err("[colony a]\ncpu_max = 150\n", "t.ini:2: cpu_max: bad value \"150\" "
	    "(allowed: a percentage of one CPU from 1% to 100000%, or max)");
	expect_err("[colony a]\nmemory_max = lots\n", "t.ini:2: memory_max: bad value \"lots\" "
	    "(allowed: a size such as 512M or 1G, or max)");
	expect_err("[colony a]\npids_max = 0\n", "t.ini:2: pids_max: bad value \"0\" "
	    "(allowed: an integer from 1 to 4294967295, or max)");
	expect_err(MIN_OK "success_exit_status = 0 256\n", "t.ini:4: success_exit_status: bad "
	    "value \"0 256\" (allowed: a list of exit codes from 0 to 255)");
	expect_err(MIN_OK "success_exit_status =\n", "t.ini:4: success_exit_status: bad "
	    "value \"\" (allowed: a list of exit codes from 0 to 255)");
	expect_err("[colony a]\naddress = 10.0.0.256\n", "t.ini:2: address: bad value "
	    "\"10.0.0.256\" (allowed: an IPv4 address such as 10.88.0.5)");
	expect_err("[network n]\nsubnet = 10.0.0.1/24\n", "t.ini:2: subnet: bad value "
	    "\"10.0.0.1/24\" (allowed: an IPv4 network in CIDR form with a prefix of 1 to 30, "
	    "such as 10.88.0.0/16)");
	expect_err("[network n]\nmtu = 10\n",
	    "t.ini:2: mtu: bad value \"10\" (allowed: an integer from 68 to 65535)");
	expect_err(MIN_OK "working_directory = srv\n",
	    "t.ini:4: working_directory: bad value \"srv\" (allowed: an absolute path)");
	expect_err("[colony a]\n[service a/s]\ncommand = 'x\n",
	    "t.ini:3: command: unterminated single quote");
	expect_err(MIN_OK "environment = A=1 =2\n", "t.ini:4: environment: bad value \"=2\" "
	    "(allowed: KEY=value items, KEY made of letters, digits and _)");
	expect_err("[supervisor]\nstate_dir =\n",
	    "t.ini:2: state_dir: bad value \"\" (allowed: a non-empty path)");
	expect_err("[supervisor]\ncgroup_name = a/b\n", "t.ini:2: cgroup_name: bad value \"a/b\" "
	    "(allowed: a name matching [A-Za-z0-9][A-Za-z0-9_.-]{0,63})");
}
END_TEST

START_TEST(test_value_keys_parse)
{
	struct cfg *c = load_ok("[colony a]\nshutdown = brutal_kill\nmemory_max = max\n"
	    "pids_max = max\ncpu_max = max\nnamespaces =\nnetwork = host\n"
	    "[service a/s]\ncommand = x\nshutdown = infinity\nstop_signal = 9\nready = notify\n"
	    "restart_delay = 100ms\nsuccess_exit_status = 1   2\t3\n");
	const struct cfg_colony *col = &c->colonies[0];
	const struct cfg_service *s = &col->services[0];

	ck_assert_uint_eq(col->policy.shutdown_ms, 0);
	ck_assert_uint_eq(col->memory_max + col->pids_max + col->cpu_max_percent, 0);
	ck_assert_uint_eq(col->namespaces, 0);
	ck_assert_int_eq(col->net_mode, CFG_NET_HOST);
	ck_assert_uint_eq(s->policy.shutdown_ms, CFG_DURATION_INFINITY);
	ck_assert_int_eq(s->stop_signal, SIGKILL);
	ck_assert_int_eq(s->ready, CFG_READY_NOTIFY);
	ck_assert_uint_eq(s->policy.restart_delay_ms, 100);
	ck_assert_uint_eq(s->n_success_exit_status, 3);
	ck_assert_int_eq(s->success_exit_status[2], 3);
	cfg_free(c);
}
END_TEST

START_TEST(test_environment)
{
	struct cfg *c = load_ok(MIN_OK "environment = KEY=value OTHER=\"a b\"\n"
	    "environment = KEY=new EMPTY=\n");
	char **env = c->colonies[0].services[0].environment;

	ck_assert_str_eq(env[0], "KEY=new");
	ck_assert_str_eq(env[1], "OTHER=a b");
	ck_assert_str_eq(env[2], "EMPTY=");
	ck_assert_ptr_null(env[3]);
	cfg_free(c);
	expect_err(MIN_OK "environment = 1X=2\n", "t.ini:4: environment: bad value \"1X=2\" "
	    "(allowed: KEY=value items, KEY made of letters, digits and _)");
	expect_err(MIN_OK "environment = NOVALUE\n", "t.ini:4: environment: bad value \"NOVALUE\" "
	    "(allowed: KEY=value items, KEY made of letters, digits and _)");
}
END_TEST

START_TEST(test_duplicate_keys)
{
	expect_err("[colony a]\nstrategy = one_for_one\nstrategy = one_for_all\n",
	    "t.ini:3: duplicate key \"strategy\" in [colony a]");
	expect_err(MIN_OK "command = y\n", "t.ini:4: duplicate key \"command\" in [service a/s]");
	expect_err("[supervisor]\nlog_dir = /a\n[supervisor]\nlog_dir = /b\n",
	    "t.ini:4: duplicate key \"log_dir\" in [supervisor]");
	struct cfg *c = load_ok(MIN_OK "environment = A=1\nenvironment = B=2\n");
	cfg_free(c);
}
END_TEST

START_TEST(test_duplicate_names)
{
	expect_err(MIN_OK "[colony a]\n", "t.ini:4: duplicate colony \"a\" (first at t.ini:1)");
	expect_err(MIN_OK "[service a/s]\n", "t.ini:4: duplicate service \"a/s\" (first at t.ini:2)");
	expect_err("[network n]\nsubnet = 10.0.0.0/8\n[network n]\n",
	    "t.ini:3: duplicate network \"n\" (first at t.ini:1)");
	expect_err("[network host]\n",
	    "t.ini:1: bad network name \"host\" (private and host are reserved)");
}
END_TEST

START_TEST(test_bad_names)
{
	char text[256];

	expect_err("[colony -a]\n", "t.ini:1: bad colony name \"-a\" "
	    "(allowed: [A-Za-z0-9][A-Za-z0-9_.-]{0,63})");
	expect_err("[colony a b]\n", "t.ini:1: bad colony name \"a b\" "
	    "(allowed: [A-Za-z0-9][A-Za-z0-9_.-]{0,63})");
	expect_err("[service a]\n", "t.ini:1: bad service name \"a\" (allowed: COLONY/SERVICE)");
	expect_err("[service a/b/c]\n", "t.ini:1: bad service name \"b/c\" "
	    "(allowed: [A-Za-z0-9][A-Za-z0-9_.-]{0,63})");
	expect_err("[network n$]\n", "t.ini:1: bad network name \"n$\" "
	    "(allowed: [A-Za-z0-9][A-Za-z0-9_.-]{0,63})");
	/* 64 characters is the longest name. */
	snprintf(text, sizeof(text), "[colony %064d]\n[service %064d/%s]\ncommand = x\n", 0, 0,
	    "s.1_-");
	struct cfg *c = load_ok(text);
	cfg_free(c);
	snprintf(text, sizeof(text), "[colony %065d]\n", 0);
	c = load(text);
	ck_assert_ptr_null(c);
	ck_assert(strstr(err, "t.ini:1: bad colony name") == err);
}
END_TEST

START_TEST(test_service_of_unknown_colony)
{
	expect_err(MIN_OK "[service b/s]\ncommand = x\n",
	    "t.ini:4: service \"b/s\" belongs to unknown colony \"b\"");
}
END_TEST

START_TEST(test_colony_without_service)
{
	expect_err(MIN_OK "\n[colony b]\nstrategy = one_for_all\n",
	    "t.ini:5: colony \"b\" has no service");
}
END_TEST

START_TEST(test_service_without_command)
{
	expect_err("[colony a]\n[service a/s]\nrestart = transient\n",
	    "t.ini:2: service \"a/s\" has no command");
	expect_err(MIN_OK "[service a/t]\n", "t.ini:4: service \"a/t\" has no command");
}
END_TEST

START_TEST(test_unknown_references)
{
	expect_err("[colony a]\nnetwork = lan\n[service a/s]\ncommand = x\n",
	    "t.ini:1: colony \"a\" uses unknown network \"lan\"");
	expect_err(MIN_OK "user = nosuchuser\n", "t.ini:4: user: unknown user \"nosuchuser\"");
	expect_err(MIN_OK "group = nosuchgroup\n", "t.ini:4: group: unknown group \"nosuchgroup\"");
	expect_err("[supervisor]\ncontrol_group = nosuchgroup\n",
	    "t.ini:2: control_group: unknown group \"nosuchgroup\"");
	expect_err(MIN_OK "capabilities = CAP_KILL CAP_FLY\n", "t.ini:4: capabilities: "
	    "unknown capability \"CAP_FLY\" (allowed: default, none, all, or a list such as "
	    "CAP_NET_BIND_SERVICE CAP_KILL)");
	expect_err(MIN_OK "stop_signal = SIGNOPE\n", "t.ini:4: stop_signal: unknown signal "
	    "\"SIGNOPE\" (allowed: a name such as SIGTERM or TERM, or a number from 1 to 64)");
	expect_err(MIN_OK "seccomp_deny = mount nosuchcall\n",
	    "t.ini:4: seccomp_deny: unknown syscall \"nosuchcall\"");
	expect_err(MIN_OK "seccomp_allow = 12\n", "t.ini:4: seccomp_allow: unknown syscall \"12\"");
}
END_TEST

START_TEST(test_users_groups)
{
	struct cfg *c = load_ok("[colony a]\n[service a/s]\ncommand = x\nuser = daemon\n"
	    "[service a/t]\ncommand = x\ngroup = nogroup\nuser = daemon\n"
	    "[service a/u]\ncommand = x\nuser = 4242\n"
	    "[service a/v]\ncommand = x\nuser = root\ngroup = 3\n");
	const struct cfg_service *s = c->colonies[0].services;

	ck_assert_str_eq(s[0].user, "daemon");
	ck_assert_uint_eq(s[0].uid, 1);
	ck_assert_uint_eq(s[0].gid, 1);
	ck_assert(!s[0].has_group);
	ck_assert_uint_eq(s[1].uid, 1);
	ck_assert_uint_eq(s[1].gid, 65534);	/* group wins whatever the key order */
	ck_assert(s[1].has_group);
	ck_assert_str_eq(s[2].user, "4242");
	ck_assert_uint_eq(s[2].uid, 4242);
	ck_assert_uint_eq(s[2].gid, 4242);
	ck_assert_uint_eq(s[3].uid, 0);
	ck_assert_uint_eq(s[3].gid, 3);
	/* Supplementary groups, resolved at load: getgrouplist always lists the gid itself;
	   a numeric uid without a passwd entry gets only its group. */
	for (int i = 0; i < 4; i++) {
		bool has_gid = false;
		for (size_t g = 0; g < s[i].n_groups; g++)
			has_gid |= s[i].groups[g] == s[i].gid;
		ck_assert_msg(has_gid, "service %d: its gid is not among its groups", i);
	}
	ck_assert_uint_eq(s[2].n_groups, 1);
	/* They travel to colonyd, and a change of them is a change of the service. */
	size_t len;
	char *text = cfg_colony_serialize(&c->colonies[0], &len);
	struct cfg_colony *back = cfg_colony_parse(text, len, err, sizeof(err));
	ck_assert_msg(back != NULL, "%s", err);
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(back->services[i].n_groups, s[i].n_groups);
		ck_assert(cfg_service_equal(&back->services[i], &s[i]));
	}
	back->services[3].groups[0] += 1;
	ck_assert(!cfg_service_equal(&back->services[3], &s[3]));
	cfg_colony_free(back);
	free(text);
	cfg_free(c);
}
END_TEST

START_TEST(test_capabilities_and_syscalls)
{
	struct cfg *c = load_ok("[colony a]\n"
	    "[service a/s]\ncommand = x\ncapabilities = CAP_NET_BIND_SERVICE cap_kill KILL\n"
	    "seccomp_deny = ptrace  mount ptrace\nseccomp_allow = reboot\n"
	    "[service a/t]\ncommand = x\ncapabilities = none\n"
	    "[service a/u]\ncommand = x\ncapabilities = all\n");
	const struct cfg_service *s = c->colonies[0].services;

	ck_assert_int_eq(s[0].caps_mode, CFG_CAPS_LIST);
	ck_assert_uint_eq(s[0].n_caps, 2);
	ck_assert_int_eq(s[0].caps[0], 10);	/* CAP_NET_BIND_SERVICE */
	ck_assert_int_eq(s[0].caps[1], 5);	/* CAP_KILL */
	ck_assert_uint_eq(s[0].n_seccomp_deny, 2);
	ck_assert_int_eq(s[0].seccomp_deny[0], seccomp_syscall_resolve_name("ptrace"));
	ck_assert_int_eq(s[0].seccomp_deny[1], seccomp_syscall_resolve_name("mount"));
	ck_assert_uint_eq(s[0].n_seccomp_allow, 1);
	ck_assert_int_eq(s[0].seccomp_allow[0], seccomp_syscall_resolve_name("reboot"));
	ck_assert_int_eq(s[1].caps_mode, CFG_CAPS_NONE);
	ck_assert_int_eq(s[2].caps_mode, CFG_CAPS_ALL);
	ck_assert_uint_eq(s[2].n_caps, 0);
	cfg_free(c);
}
END_TEST

START_TEST(test_long_lines)
{
	size_t n = CFG_LINE_MAX + 64;
	char *text = malloc(n + 128);
	struct cfg *c;

	/* A 300-character command: longer than inih's 200-byte buffer. */
	int len = snprintf(text, n, MIN_OK "environment = A=");
	memset(text + len, 'v', 300);
	strcpy(text + len + 300, "\n");
	c = load_ok(text);
	ck_assert_uint_eq(strlen(c->colonies[0].services[0].environment[0]), 302);
	cfg_free(c);
	/* Exactly CFG_LINE_MAX characters is accepted, one more is not. */
	len = snprintf(text, n, MIN_OK "environment = A=");
	memset(text + len, 'v', CFG_LINE_MAX - 16);
	strcpy(text + len + CFG_LINE_MAX - 16, "\n");
	c = load_ok(text);
	cfg_free(c);
	len = snprintf(text, n, MIN_OK "environment = A=");
	memset(text + len, 'v', CFG_LINE_MAX - 15);
	strcpy(text + len + CFG_LINE_MAX - 15, "\nbad line\n");
	expect_err(text, "t.ini:4: line longer than 4096 characters");
	free(text);
}
END_TEST

START_TEST(test_long_command)
{
	char text[1024], cmd[400];
	struct cfg *c;

	for (int i = 0; i < 60; i++)
		memcpy(cmd + i * 5, "arg%d", 5), cmd[i * 5 + 3] = (char)('0' + i % 10),
		cmd[i * 5 + 4] = ' ';
	cmd[299] = '\0';
	snprintf(text, sizeof(text), "[colony a]\n[service a/s]\ncommand = /bin/x %s\n"
	    "restart = transient\n", cmd);
	c = load_ok(text);
	char **argv = c->colonies[0].services[0].argv;
	size_t n = 0;
	while (argv[n] != NULL)
		n++;
	ck_assert_uint_eq(n, 61);
	ck_assert_str_eq(argv[60], "arg9");
	ck_assert_int_eq(c->colonies[0].services[0].policy.restart, CFG_TRANSIENT);
	cfg_free(c);
}
END_TEST

START_TEST(test_ordering)
{
	struct cfg *c = load_ok("[service b/one]\ncommand = x\n"
	    "[colony a]\n[service a/x]\ncommand = x\n"
	    "[service b/two]\ncommand = x\n[colony b]\n[service a/y]\ncommand = x\n");

	ck_assert_uint_eq(c->n_colonies, 2);
	ck_assert_str_eq(c->colonies[0].name, "b");
	ck_assert_int_eq(c->colonies[0].origin.line, 8);
	ck_assert_str_eq(c->colonies[0].services[0].name, "one");
	ck_assert_str_eq(c->colonies[0].services[1].name, "two");
	ck_assert_str_eq(c->colonies[1].services[1].name, "y");
	ck_assert_ptr_eq(cfg_find_colony(c, "a"), &c->colonies[1]);
	ck_assert_ptr_null(cfg_find_colony(c, "z"));
	cfg_free(c);
}
END_TEST

/* ---- networks ---- */

#define NET_LAN "[network lan]\nbridge = colbr0\nsubnet = 10.88.0.0/16\n"
#define COLONY_ON(name, extra) "[colony " name "]\nnetwork = lan\n" extra \
	"[service " name "/s]\ncommand = x\n"

START_TEST(test_network_defaults)
{
	struct cfg *c = load_ok("[network lan]\nsubnet = 10.88.0.0/16\nmtu = 9000\n"
	    COLONY_ON("a", "address = 10.88.0.5\n"));
	const struct cfg_network *n = cfg_find_network(c, "lan");

	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n->bridge, "lan");
	ck_assert_uint_eq(n->subnet, 0x0a580000u);
	ck_assert_uint_eq(n->prefix_len, 16);
	ck_assert_uint_eq(n->gateway, 0x0a580001u);
	ck_assert_uint_eq(n->mtu, 9000);
	ck_assert_int_eq(c->colonies[0].net_mode, CFG_NET_NAMED);
	ck_assert_str_eq(c->colonies[0].network, "lan");
	ck_assert_str_eq(c->colonies[0].address, "10.88.0.5");
	ck_assert_ptr_null(cfg_find_network(c, "wan"));
	cfg_free(c);
}
END_TEST

START_TEST(test_network_errors)
{
	expect_err("[network lan]\nbridge = colbr0\n", "t.ini:1: network \"lan\" has no subnet");
	expect_err("[network lan]\nbridge = abcdefghijklmnop\n", "t.ini:2: bridge: bad value "
	    "\"abcdefghijklmnop\" (allowed: an interface name of 1 to 15 characters "
	    "A-Z a-z 0-9 _ . -, starting with a letter or digit)");
	expect_err("[network averyveryverylongname]\nsubnet = 10.0.0.0/8\n",
	    "t.ini:1: network \"averyveryverylongname\" needs a bridge: its name is longer "
	    "than 15 characters");
	expect_err(NET_LAN "[network wan]\nbridge = b1\nsubnet = 10.88.128.0/24\n",
	    "t.ini:4: subnet of network \"wan\" overlaps network \"lan\"");
	expect_err(NET_LAN "[network wan]\nbridge = colbr0\nsubnet = 10.89.0.0/16\n",
	    "t.ini:4: bridge colbr0 of network \"wan\" is already used by network \"lan\"");
	expect_err(NET_LAN "gateway = 10.89.0.1\n",
	    "t.ini:1: gateway 10.89.0.1 of network \"lan\" is not a host address of its subnet");
	expect_err(NET_LAN COLONY_ON("a", "address = 10.89.0.5\n"), "t.ini:4: address 10.89.0.5 "
	    "of colony \"a\" is not a host address of network \"lan\"");
	expect_err(NET_LAN COLONY_ON("a", "address = 10.88.255.255\n"), "t.ini:4: address "
	    "10.88.255.255 of colony \"a\" is not a host address of network \"lan\"");
	expect_err(NET_LAN COLONY_ON("a", "address = 10.88.0.1\n"), "t.ini:4: address 10.88.0.1 "
	    "of colony \"a\" is the gateway of network \"lan\"");
	expect_err(NET_LAN COLONY_ON("a", "address = 10.88.0.9\n") COLONY_ON("b", "")
	    COLONY_ON("c", "address = 10.88.0.9\n"), "t.ini:13: address 10.88.0.9 of colony "
	    "\"c\" is already used by colony \"a\"");
	expect_err("[colony a]\naddress = 10.0.0.2\n[service a/s]\ncommand = x\n",
	    "t.ini:1: colony \"a\" sets address without a named network");
}
END_TEST

/* ---- includes ---- */

static char tmpdir[64];

static void
put_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void
setup_tmp(void)
{
	char sub[128];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cfgtest.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(sub, sizeof(sub), "%s/colonies.d", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
}

static void
teardown_tmp(void)
{
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct cfg *
load_main(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/main.ini", tmpdir);
	err[0] = '\0';
	return cfg_load(path, err, sizeof(err));
}

/* The error with the temporary folder replaced by "D". */
static const char *
err_rel(void)
{
	static char buf[CFG_ERR_MAX];
	const char *in = err, *p;
	size_t o = 0;

	while ((p = strstr(in, tmpdir)) != NULL && o + (size_t)(p - in) + 2 < sizeof(buf)) {
		memcpy(buf + o, in, (size_t)(p - in));
		o += (size_t)(p - in);
		buf[o++] = 'D';
		in = p + strlen(tmpdir);
	}
	snprintf(buf + o, sizeof(buf) - o, "%s", in);
	return buf;
}

START_TEST(test_include_order)
{
	put_file("main.ini", "[supervisor]\ninclude = colonies.d/*.ini\ninclude = extra.ini\n"
	    "[colony m]\n[service m/s]\ncommand = x\n[service b/late]\ncommand = x\n");
	put_file("colonies.d/b.ini", "[colony b]\n[service b/s]\ncommand = x\n");
	put_file("colonies.d/a.ini", "[colony a]\n[service a/s]\ncommand = x\n"
	    "[supervisor]\ninclude = ../nested/*.ini\n");
	put_file("colonies.d/skip.conf", "garbage\n");
	put_file("extra.ini", "[service m/t]\ncommand = y\n");
	char nested[128];
	snprintf(nested, sizeof(nested), "%s/nested", tmpdir);
	ck_assert_int_eq(mkdir(nested, 0700), 0);
	put_file("nested/n.ini", "[colony n]\n[service n/s]\ncommand = x\n");

	struct cfg *c = load_main();
	ck_assert_msg(c != NULL, "%s", err);
	const char *want[] = { "m", "b", "a", "n" };
	ck_assert_uint_eq(c->n_colonies, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_str_eq(c->colonies[i].name, want[i]);
	ck_assert_uint_eq(c->colonies[0].n_services, 2);
	ck_assert_str_eq(c->colonies[0].services[1].name, "t");
	ck_assert_str_eq(c->colonies[1].services[0].name, "late");	/* main file first */
	ck_assert(strstr(c->colonies[3].origin.file, "/colonies.d/../nested/n.ini") != NULL);
	cfg_free(c);
}
END_TEST

START_TEST(test_include_errors)
{
	put_file("main.ini", "[supervisor]\ninclude = colonies.d/*.ini\n");
	put_file("colonies.d/a.ini", "[colony a]\n[service a/s]\ncommand = x\nbogus = 1\n");
	ck_assert_ptr_null(load_main());
	ck_assert_str_eq(err_rel(), "D/colonies.d/a.ini:4: unknown key \"bogus\" in [service a/s]");

	put_file("colonies.d/a.ini", "[supervisor]\ninclude = ../main.ini\n");
	ck_assert_ptr_null(load_main());
	ck_assert_str_eq(err_rel(), "D/colonies.d/a.ini:2: D/colonies.d/../main.ini is included "
	    "more than once (or includes itself)");

	put_file("main.ini", "[supervisor]\n\ninclude = missing.ini\n");
	ck_assert_ptr_null(load_main());
	ck_assert_str_eq(err_rel(), "D/main.ini:3: include: cannot open D/missing.ini: "
	    "No such file or directory");

	put_file("main.ini", "[supervisor]\ninclude = colonies.d\n");
	ck_assert_ptr_null(load_main());
	ck_assert_str_eq(err_rel(), "D/main.ini:2: cannot read D/colonies.d: Is a directory");

	put_file("main.ini", "[supervisor]\ninclude = none/*.ini\n" MIN_OK);
	struct cfg *c = load_main();
	ck_assert_msg(c != NULL, "a glob may match nothing: %s", err);
	cfg_free(c);

	/* Sections do not continue into an included file. */
	put_file("main.ini", "[supervisor]\ninclude = colonies.d/a.ini\n" MIN_OK);
	put_file("colonies.d/a.ini", "restart = temporary\n");
	ck_assert_ptr_null(load_main());
	ck_assert_str_eq(err_rel(), "D/colonies.d/a.ini:1: key \"restart\" outside of any section");

	ck_assert_ptr_null(cfg_load("/nonexistent/colony.ini", err, sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/colony.ini:0: cannot open /nonexistent/colony.ini: "
	    "No such file or directory");
}
END_TEST

START_TEST(test_include_loop_and_twice)
{
	put_file("main.ini", "[supervisor]\ninclude = a.ini\n" MIN_OK);
	put_file("a.ini", "[supervisor]\ninclude = b.ini\n");
	put_file("b.ini", "[supervisor]\ninclude = a.ini\n");
	ck_assert_ptr_null(load_main());
	ck_assert_str_eq(err_rel(), "D/b.ini:2: D/a.ini is included more than once "
	    "(or includes itself)");
	put_file("main.ini", "[supervisor]\ninclude = b.ini\ninclude = *.ini\n" MIN_OK);
	put_file("a.ini", "\n");
	put_file("b.ini", "\n");
	ck_assert_ptr_null(load_main());
	ck_assert_str_eq(err_rel(), "D/main.ini:3: D/b.ini is included more than once "
	    "(or includes itself)");
}
END_TEST

START_TEST(test_load_string_includes_from_cwd)
{
	char cwd[512];
	struct cfg *c;

	put_file("colonies.d/x.ini", "[colony x]\n[service x/s]\ncommand = x\n");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	c = load("[supervisor]\ninclude = colonies.d/*.ini\n" MIN_OK);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->n_colonies, 2);
	ck_assert_str_eq(c->colonies[1].name, "x");
	ck_assert_str_eq(c->colonies[1].origin.file, "colonies.d/x.ini");
	cfg_free(c);
}
END_TEST

/* ---- serialization and equality ---- */

static const char full_text[] =
	"[network lan]\nbridge = br-t\nsubnet = 10.9.0.0/24\ngateway = 10.9.0.254\nmtu = 1400\n"
	"[colony full]\nrestart = transient\nrestart_delay = 250ms\nrestart_delay_max = 2m\n"
	"stable_after = 1h\nshutdown = infinity\nautostart = no\nstrategy = rest_for_one\n"
	"intensity = 9\nperiod = 90s\nnetwork = lan\naddress = 10.9.0.7\nhostname = fullhost\n"
	"namespaces = pid mount\nmemory_max = 512M\npids_max = 77\ncpu_max = 250%\n"
	"cpu_weight = 321\n"
	"[service full/svc]\ncommand = /bin/echo 'a b' \"c\\\"d\" e\\ f \\\\x\ttab\n"
	"restart = temporary\nshutdown = brutal_kill\nstop_signal = USR1\nready = fd:5\n"
	"ready_timeout = 45s\nrestart_delay = 1s\nrestart_delay_max = 5s\nstable_after = 3s\n"
	"success_exit_status = 0 3 255\nautostart = no\nuser = daemon\ngroup = 0\n"
	"working_directory = /tmp\nenvironment = A=1 B=\"x y\"\nenvironment = C=\"\t\\\\\"\n"
	"limit_nofile = 1024\ncapabilities = CAP_NET_RAW CAP_KILL\nno_new_privileges = no\n"
	"seccomp = off\nseccomp_deny = ptrace\nseccomp_allow = mount\nlog = inherit\n"
	"log_max_size = 3K\nlog_keep = 2\n"
	"[service full/two]\ncommand = x\nready = notify\ncapabilities = none\nlog = null\n";

static void
assert_colony_same(const struct cfg_colony *a, const struct cfg_colony *b)
{
	ck_assert(cfg_colony_level_equal(a, b));
	ck_assert_str_eq(a->origin.file, b->origin.file);
	ck_assert_int_eq(a->origin.line, b->origin.line);
	ck_assert_uint_eq(a->n_services, b->n_services);
	for (size_t i = 0; i < a->n_services; i++) {
		ck_assert(cfg_service_equal(&a->services[i], &b->services[i]));
		ck_assert_str_eq(a->services[i].origin.file, b->services[i].origin.file);
		ck_assert_int_eq(a->services[i].origin.line, b->services[i].origin.line);
		ck_assert_int_eq(a->services[i].caps_mode, b->services[i].caps_mode);
	}
}

static void
in_block(const struct cfg *c, const void *p)
{
	const char *b = c->block, *q = p;

	ck_assert_msg(q != NULL && q >= b && q < b + malloc_usable_size(c->block),
	    "%p is not in the block %p", p, c->block);
}

static void
strv_in_block(const struct cfg *c, char *const *v)
{
	in_block(c, v);
	for (size_t i = 0; v[i] != NULL; i++)
		in_block(c, v[i]);
}

/*
 * A loaded configuration is one block (config/compact.c), so a reload does
 * not scatter thousands of pieces over the root's heap: every pointer in it
 * but the [supervisor] strings points into it, one origin file is stored
 * once, and the values are those parsed.
 */
START_TEST(test_loaded_config_is_one_block)
{
	struct cfg *c = load_ok(full_text);
	const struct cfg_colony *col = &c->colonies[0];

	ck_assert_ptr_eq(c->block, c);
	in_block(c, c->path);
	in_block(c, c->networks);
	in_block(c, c->networks[0].origin.file);
	in_block(c, c->colonies);
	in_block(c, col->origin.file);
	in_block(c, col->services);
	for (size_t i = 0; i < col->n_services; i++) {
		const struct cfg_service *s = &col->services[i];
		ck_assert_ptr_eq(s->origin.file, col->origin.file);
		strv_in_block(c, s->argv);
		strv_in_block(c, s->environment);
		in_block(c, s->success_exit_status);
		in_block(c, s->working_directory);
		if (s->user != NULL)
			in_block(c, s->user);
		if (s->n_groups > 0)
			in_block(c, s->groups);
		if (s->n_seccomp_deny > 0)
			in_block(c, s->seccomp_deny);
		if (s->n_seccomp_allow > 0)
			in_block(c, s->seccomp_allow);
	}
	ck_assert_str_eq(c->path, "t.ini");
	ck_assert_str_eq(col->services[0].argv[1], "a b");
	ck_assert_str_eq(col->services[0].environment[2], "C=\t\\");
	ck_assert_str_eq(col->services[0].user, "daemon");
	ck_assert_uint_eq(col->services[0].n_success_exit_status, 3);
	ck_assert_int_eq(col->services[0].success_exit_status[2], 255);
	ck_assert_uint_eq(col->services[0].n_seccomp_deny, 1);
	ck_assert_str_eq(col->services[1].argv[0], "x");
	cfg_free(c);
}
END_TEST

START_TEST(test_full_values)
{
	struct cfg *c = load_ok(full_text);
	const struct cfg_colony *col = &c->colonies[0];
	const struct cfg_service *s = &col->services[0];

	ck_assert_int_eq(col->policy.restart, CFG_TRANSIENT);
	ck_assert_uint_eq(col->policy.restart_delay_ms, 250);
	ck_assert_uint_eq(col->policy.restart_delay_max_ms, 120000);
	ck_assert_uint_eq(col->policy.stable_after_ms, 3600000);
	ck_assert_uint_eq(col->policy.shutdown_ms, CFG_DURATION_INFINITY);
	ck_assert(!col->policy.autostart);
	ck_assert_int_eq(col->strategy, CFG_REST_FOR_ONE);
	ck_assert_uint_eq(col->intensity, 9);
	ck_assert_uint_eq(col->period_ms, 90000);
	ck_assert_str_eq(col->hostname, "fullhost");
	ck_assert_uint_eq(col->namespaces, CFG_NS_PID | CFG_NS_MOUNT);
	ck_assert_uint_eq(col->memory_max, 512u << 20);
	ck_assert_uint_eq(col->pids_max, 77);
	ck_assert_uint_eq(col->cpu_max_percent, 250);
	ck_assert_uint_eq(col->cpu_weight, 321);
	ck_assert_uint_eq(c->networks[0].gateway, 0x0a0900feu);
	ck_assert_str_eq(s->argv[1], "a b");
	ck_assert_str_eq(s->argv[2], "c\"d");
	ck_assert_str_eq(s->argv[3], "e f");
	ck_assert_str_eq(s->argv[4], "\\x");
	ck_assert_str_eq(s->argv[5], "tab");
	ck_assert_int_eq(s->stop_signal, SIGUSR1);
	ck_assert_int_eq(s->ready, CFG_READY_FD);
	ck_assert_int_eq(s->ready_fd, 5);
	ck_assert_uint_eq(s->uid, 1);
	ck_assert_uint_eq(s->gid, 0);
	ck_assert_str_eq(s->environment[2], "C=\t\\");
	ck_assert_uint_eq(s->limit_nofile, 1024);
	ck_assert_uint_eq(s->log_max_size, 3072);
	ck_assert_int_eq(s->log, CFG_LOG_INHERIT);
	ck_assert_int_eq(col->services[1].log, CFG_LOG_NULL);
	cfg_free(c);
}
END_TEST

START_TEST(test_serialize_round_trip)
{
	struct cfg *c = load_ok(full_text);
	size_t len, len2;
	char *text = cfg_colony_serialize(&c->colonies[0], &len);
	struct cfg_colony *back;
	char *again;

	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(strlen(text), len);
	back = cfg_colony_parse(text, len, err, sizeof(err));
	ck_assert_msg(back != NULL, "%s\n%s", err, text);
	assert_colony_same(&c->colonies[0], back);
	again = cfg_colony_serialize(back, &len2);
	ck_assert_str_eq(text, again);
	free(again);
	cfg_colony_free(back);
	free(text);
	cfg_free(c);
	c = load_ok(MIN_OK);
	text = cfg_colony_serialize(&c->colonies[0], &len);
	back = cfg_colony_parse(text, len, err, sizeof(err));
	ck_assert_ptr_nonnull(back);
	assert_colony_same(&c->colonies[0], back);
	cfg_colony_free(back);
	free(text);
	cfg_free(c);
}
END_TEST

START_TEST(test_parse_rejects)
{
	static const char *bad[] = {
		"", "end\n", "colony-v1 a\n", "colony-v1 a\nend", "colony-v1 -a\nend\n",
		"colony-v1 a\nstrategy 3\nend\n", "colony-v1 a\nbogus 1\nend\n",
		"colony-v1 a\nhostname a\nservice s\nend\n",	/* service without argv */
		"colony-v1 a\nhostname a\nservice s\nargv \nend\n",
		"colony-v1 a\nhostname a\nservice s\nargv x\nready 2\nend\n",	/* fd without N */
		"colony-v1 a\nhostname a\nnet_mode 2\nend\n",
		"colony-v1 a\nhostname a\nservice s\nargv x\nargv \\x00\nend\n",
		"colony-v1 a\nhostname a\nservice s\nargv \\xzz\nend\n",
		"colony-v1 a\nhostname a\nend\nextra\n",
		"colony-v1 a\nhostname a\nservice s\nargv x\nservice s\nargv x\nend\n",
		"colony-v1 a\nhostname a\nservice s\nargv x\nstop_signal 0\nend\n",
		"colony-v1 a\nhostname a\nservice s\nargv x\ncap 64\nend\n",
		"colony-v1 a\nhostname a\nservice s\nargv x\nenv noeq\nend\n",
		"colony-v1 a\nhostname a\naddress 1.2.3\nend\n",
		"colony-v1 a\nhostname a\nintensity 18446744073709551616\nend\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfg_colony *c = cfg_colony_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		ck_assert_msg(c == NULL, "accepted case %zu", i);
		ck_assert(err[0] != '\0');
	}
	ck_assert_ptr_null(cfg_colony_parse("colony-v1 a\0\nend\n", 17, err, sizeof(err)));
	ck_assert_ptr_null(cfg_colony_parse(NULL, 0, NULL, 0));
	struct cfg_colony *c = cfg_colony_parse("colony-v1 a\nhostname a\nservice s\nargv x\nend\n",
	    44, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->services[0].working_directory, "/");
	ck_assert_uint_eq(c->services[0].n_success_exit_status, 1);
	cfg_colony_free(c);
}
END_TEST

/* Every truncation and many byte changes of a valid text: no crash, no leak. */
START_TEST(test_parse_mutations)
{
	static const char subst[] = { '\n', ' ', '\\', 'x', '0', '9', '-', '\x7f' };
	struct cfg *c = load_ok(full_text);
	size_t len;
	char *text = cfg_colony_serialize(&c->colonies[0], &len);
	char *m = malloc(len);

	for (size_t cut = 0; cut < len; cut++)
		cfg_colony_free(cfg_colony_parse(text, cut, err, sizeof(err)));
	for (size_t i = 0; i < len; i++) {
		for (size_t j = 0; j < sizeof(subst); j++) {
			memcpy(m, text, len);
			m[i] = subst[j];
			cfg_colony_free(cfg_colony_parse(m, len, err, sizeof(err)));
		}
	}
	free(m);
	free(text);
	cfg_free(c);
}
END_TEST

/* Random and mutated INI text must never crash the loader. */
START_TEST(test_load_fuzz)
{
	static const char alphabet[] = "[]=;#'\"\\ \t\nabcsv/0159%.:-_";
	char buf[512];
	unsigned seed = 12345;

	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)(rand_r(&seed) % (sizeof(buf) - 1));
		if (round % 2 == 0) {
			snprintf(buf, sizeof(buf), "%s", full_text + (size_t)rand_r(&seed) % 400);
			n = strlen(buf);
			for (int k = 0; k < 4 && n > 0; k++)
				buf[(size_t)rand_r(&seed) % n] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		} else {
			for (size_t i = 0; i < n; i++)
				buf[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
			buf[n] = '\0';
		}
		cfg_free(cfg_load_string("f.ini", buf, err, sizeof(err)));
	}
}
END_TEST

/* The capabilities a colony's colonyd keeps, and a reload that grows them restarts the colony. */
START_TEST(test_colony_caps)
{
	static const char base[] =
	    "[colony c]\n[service c/root]\ncommand = /bin/true\n"
	    "[service c/nob]\ncommand = /bin/true\nuser = 65534\n";
	struct cfg *a = load_ok(base), *b;
	char *text;
	uint64_t deflt = cfg_service_caps(&a->colonies[0].services[0]);

	ck_assert_uint_eq(deflt, 0xa80425fbULL);	/* the container set for root */
	ck_assert_uint_eq(cfg_service_caps(&a->colonies[0].services[1]), 0);	/* non-root default */
	ck_assert_uint_eq(cfg_colony_caps(&a->colonies[0]), deflt);
	/* Within the union (CAP_CHOWN): not a colony-level change. */
	ck_assert_int_ge(asprintf(&text, "%s[service c/x]\ncommand = /bin/true\ncapabilities = chown\n", base), 0);
	b = load_ok(text);
	free(text);
	ck_assert(cfg_colony_level_equal(&a->colonies[0], &b->colonies[0]));
	cfg_free(b);
	/* CAP_SYS_ADMIN, or limit_nofile (CAP_SYS_RESOURCE), grow it: a colony-level change. */
	ck_assert_int_ge(asprintf(&text, "%s[service c/x]\ncommand = /bin/true\ncapabilities = sys_admin\n", base), 0);
	b = load_ok(text);
	free(text);
	ck_assert_uint_eq(cfg_colony_caps(&b->colonies[0]), deflt | (1ULL << 21));
	ck_assert(!cfg_colony_level_equal(&a->colonies[0], &b->colonies[0]));
	/* ... but shrinking back does not restart anything. */
	ck_assert(cfg_colony_level_equal(&b->colonies[0], &a->colonies[0]));
	cfg_free(b);
	ck_assert_int_ge(asprintf(&text, "%s[service c/x]\ncommand = /bin/true\nlimit_nofile = 100\n"
	    "capabilities = none\n", base), 0);
	b = load_ok(text);
	free(text);
	ck_assert_uint_eq(cfg_colony_caps(&b->colonies[0]), deflt | (1ULL << 24));
	ck_assert(!cfg_colony_level_equal(&a->colonies[0], &b->colonies[0]));
	cfg_free(b);
	cfg_free(a);
}
END_TEST

START_TEST(test_equality)
{
	struct cfg *a = load_ok(full_text), *b;
	char *text = strdup(full_text), *p;

	/* Same content moved down two lines: origins differ, nothing is "changed". */
	char *moved;
	ck_assert_int_ge(asprintf(&moved, "\n\n%s", full_text), 0);
	b = load_ok(moved);
	free(moved);
	ck_assert(cfg_colony_level_equal(&a->colonies[0], &b->colonies[0]));
	ck_assert(cfg_service_equal(&a->colonies[0].services[0], &b->colonies[0].services[0]));
	ck_assert(cfg_network_equal(&a->networks[0], &b->networks[0]));
	cfg_free(b);
	p = strstr(text, "cpu_weight = 321");
	p[13] = '4';
	b = load_ok(text);
	ck_assert(!cfg_colony_level_equal(&a->colonies[0], &b->colonies[0]));
	ck_assert(cfg_service_equal(&a->colonies[0].services[0], &b->colonies[0].services[0]));
	cfg_free(b);
	strcpy(text, full_text);
	p = strstr(text, "B=\"x y\"");
	p[3] = 'z';
	b = load_ok(text);
	ck_assert(cfg_colony_level_equal(&a->colonies[0], &b->colonies[0]));
	ck_assert(!cfg_service_equal(&a->colonies[0].services[0], &b->colonies[0].services[0]));
	cfg_free(b);
	strcpy(text, full_text);
	p = strstr(text, "mtu = 1400");
	p[7] = '5';
	b = load_ok(text);
	ck_assert(!cfg_network_equal(&a->networks[0], &b->networks[0]));
	cfg_free(b);
	free(text);
	cfg_free(a);
}
END_TEST

START_TEST(test_demo_example_loads)
{
	struct cfg *c = cfg_load("config/examples/demo.ini", err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->sup.cgroup_name, "colony-demo");
	ck_assert_str_eq(c->sup.netns_prefix, "colony-demo-");
	ck_assert(strncmp(c->sup.state_dir, "build/demo", 10) == 0);
	ck_assert(c->n_colonies >= 3);
	cfg_free(c);
}
END_TEST

Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *values = tcase_create("values"), *load_tc = tcase_create("load");
	TCase *net = tcase_create("network"), *inc = tcase_create("include");
	TCase *ser = tcase_create("serialize");

	tcase_add_test(values, test_duration);
	tcase_add_test(values, test_size);
	tcase_add_test(values, test_signal);
	tcase_add_test(values, test_split_command);
	tcase_add_test(values, test_split_command_errors);
	tcase_add_test(load_tc, test_defaults);
	tcase_add_test(load_tc, test_control_socket_follows_state_dir);
	tcase_add_test(load_tc, test_comments_and_syntax);
	tcase_add_test(load_tc, test_unknown_section_and_key);
	tcase_add_test(load_tc, test_bad_enum_values);
	tcase_add_test(load_tc, test_bad_typed_values);
	tcase_add_test(load_tc, test_value_keys_parse);
	tcase_add_test(load_tc, test_environment);
	tcase_add_test(load_tc, test_duplicate_keys);
	tcase_add_test(load_tc, test_duplicate_names);
	tcase_add_test(load_tc, test_bad_names);
	tcase_add_test(load_tc, test_service_of_unknown_colony);
	tcase_add_test(load_tc, test_colony_without_service);
	tcase_add_test(load_tc, test_service_without_command);
	tcase_add_test(load_tc, test_unknown_references);
	tcase_add_test(load_tc, test_users_groups);
	tcase_add_test(load_tc, test_capabilities_and_syscalls);
	tcase_add_test(load_tc, test_long_lines);
	tcase_add_test(load_tc, test_long_command);
	tcase_add_test(load_tc, test_ordering);
	tcase_add_test(load_tc, test_load_fuzz);
	tcase_add_test(load_tc, test_demo_example_loads);
	tcase_set_timeout(load_tc, 60);
	tcase_add_test(net, test_network_defaults);
	tcase_add_test(net, test_network_errors);
	tcase_add_checked_fixture(inc, setup_tmp, teardown_tmp);
	tcase_add_test(inc, test_include_order);
	tcase_add_test(inc, test_include_errors);
	tcase_add_test(inc, test_include_loop_and_twice);
	tcase_add_test(inc, test_load_string_includes_from_cwd);
	tcase_add_test(ser, test_full_values);
	tcase_add_test(ser, test_loaded_config_is_one_block);
	tcase_add_test(ser, test_serialize_round_trip);
	tcase_add_test(ser, test_parse_rejects);
	tcase_add_test(ser, test_parse_mutations);
	tcase_add_test(ser, test_equality);
	tcase_add_test(ser, test_colony_caps);
	tcase_set_timeout(ser, 60);
	suite_add_tcase(s, values);
	suite_add_tcase(s, load_tc);
	suite_add_tcase(s, net);
	suite_add_tcase(s, inc);
	suite_add_tcase(s, ser);
	return s;
}
