/* test_config_net.c: Check tests for [network] validation that the root's address allocation relies on. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"

static char err[CFG_ERR_MAX];

static struct cfg *
net_load(const char *text)
{
	err[0] = '\0';
	return cfg_load_string("n.ini", text, err, sizeof(err));
}

#define SMALL "[network small]\nbridge = brs\nsubnet = 10.77.0.0/30\n"
#define ON_SMALL(name, extra) "[colony " name "]\nnetwork = small\n" extra \
	"[service " name "/s]\ncommand = /bin/true\n"

/* A /30 has two host addresses; the gateway takes one, so one colony fits. */
START_TEST(test_network_capacity)
{
	struct cfg *c = net_load(SMALL ON_SMALL("a", ""));

	ck_assert_msg(c != NULL, "%s", err);
	cfg_free(c);
	c = net_load(SMALL ON_SMALL("a", "") ON_SMALL("b", ""));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "n.ini:8: colony \"b\" does not fit in network \"small\": its 1 "
	    "host addresses besides the gateway are taken");
	/* A static address counts the same as an allocated one. */
	c = net_load(SMALL ON_SMALL("a", "address = 10.77.0.2\n") ON_SMALL("b", ""));
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "n.ini:9: colony \"b\" does not fit") == err, "%s", err);
}
END_TEST

/* The checks the brief lists, each reported at FILE:LINE. */
START_TEST(test_network_errors_at_line)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ SMALL "[network big]\nsubnet = 10.0.0.0/8\n",
		  "n.ini:4: subnet of network \"big\" overlaps network \"small\"" },
		{ SMALL ON_SMALL("a", "address = 10.78.0.2\n"),
		  "n.ini:4: address 10.78.0.2 of colony \"a\" is not a host address of network \"small\"" },
		{ SMALL ON_SMALL("a", "address = 10.77.0.2\n") "[network x]\nsubnet = 10.1.0.0/16\n"
		  ON_SMALL("b", "address = 10.77.0.2\n"),
		  "n.ini:11: address 10.77.0.2 of colony \"b\" is already used by colony \"a\"" },
		{ "[network n]\nbridge = sixteen-chars-xx\nsubnet = 10.0.0.0/8\n",
		  "n.ini:2: bridge: bad value \"sixteen-chars-xx\" (allowed: an interface name of 1 "
		  "to 15 characters A-Z a-z 0-9 _ . -, starting with a letter or digit)" },
		{ "[network n]\nsubnet = fd00::/64\n", "n.ini:2: subnet: bad value \"fd00::/64\" "
		  "(allowed: an IPv4 network in CIDR form with a prefix of 1 to 30, such as "
		  "10.88.0.0/16)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg *c = net_load(cases[i].text);
		if (c != NULL)
			cfg_free(c);
		ck_assert_msg(c == NULL, "case %zu loaded", i);
		ck_assert_msg(strcmp(err, cases[i].msg) == 0, "case %zu: got \"%s\"", i, err);
	}
}
END_TEST

Suite *
config_net_suite(void)
{
	Suite *s = suite_create("config_net");
	TCase *tc = tcase_create("network");

	tcase_add_test(tc, test_network_capacity);
	tcase_add_test(tc, test_network_errors_at_line);
	suite_add_tcase(s, tc);
	return s;
}
