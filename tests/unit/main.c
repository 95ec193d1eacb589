/* main.c: runs every Check suite of the unit tests (CK_RUN_SUITE=name runs one). */
#include <check.h>
#include <stdlib.h>

/* Each tests/unit/test_*.c defines one of these; weak so a suite can be absent. */
extern Suite *config_suite(void) __attribute__((weak));
extern Suite *engine_suite(void) __attribute__((weak));
extern Suite *proto_suite(void) __attribute__((weak));
extern Suite *cgroup_suite(void) __attribute__((weak));
extern Suite *netns_suite(void) __attribute__((weak));
extern Suite *confine_suite(void) __attribute__((weak));
extern Suite *logs_suite(void) __attribute__((weak));
extern Suite *notify_suite(void) __attribute__((weak));
extern Suite *config_net_suite(void) __attribute__((weak));
extern Suite *engine_state_suite(void) __attribute__((weak));
extern Suite *ctl_request_suite(void) __attribute__((weak));
extern Suite *timerheap_suite(void) __attribute__((weak));
extern Suite *vmclone_suite(void) __attribute__((weak));
extern Suite *cdmem_suite(void) __attribute__((weak));
extern Suite *fdbudget_suite(void) __attribute__((weak));
extern Suite *filter_suite(void) __attribute__((weak));

int
main(void)
{
	Suite *(*suites[])(void) = {
		config_suite, engine_suite, proto_suite, cgroup_suite,
		netns_suite, confine_suite, logs_suite, notify_suite, config_net_suite,
		engine_state_suite, ctl_request_suite, timerheap_suite, vmclone_suite,
		cdmem_suite, fdbudget_suite, filter_suite,
	};
	SRunner *sr = NULL;
	int failed;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (suites[i] == NULL)
			continue;
		if (sr == NULL)
			sr = srunner_create(suites[i]());
		else
			srunner_add_suite(sr, suites[i]());
	}
	if (sr == NULL)
		return EXIT_FAILURE;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
