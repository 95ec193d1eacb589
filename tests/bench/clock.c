/* clock.c: prints CLOCK_MONOTONIC in ns, the clock the stamps use, so the shell can time against them. */
#include <stdio.h>
#include <time.h>

int
main(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return 0;
}
