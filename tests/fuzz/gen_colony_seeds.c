/* gen_colony_seeds.c: writes each colony of the given INI files as cfg_colony_serialize text, for the fuzz_config corpus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

/* usage: gen_colony_seeds OUT_DIR FILE.ini...; files that do not load are skipped. */
int
main(int argc, char **argv)
{
	char err[CFG_ERR_MAX], path[4096];

	if (argc < 2) {
		fprintf(stderr, "usage: %s OUT_DIR FILE.ini...\n", argv[0]);
		return 100;
	}
	for (int i = 2; i < argc; i++) {
		struct cfg *cfg = cfg_load(argv[i], err, sizeof(err));

		if (cfg == NULL) {
			fprintf(stderr, "skipped: %s\n", err);
			continue;
		}
		for (size_t j = 0; j < cfg->n_colonies; j++) {
			size_t len;
			char *text = cfg_colony_serialize(&cfg->colonies[j], &len);
			FILE *f;

			snprintf(path, sizeof(path), "%s/%s.colony", argv[1], cfg->colonies[j].name);
			if (text == NULL || (f = fopen(path, "w")) == NULL ||
			    fwrite(text, 1, len, f) != len || fclose(f) != 0) {
				perror(path);
				return 111;
			}
			free(text);
		}
		cfg_free(cfg);
	}
	return 0;
}
