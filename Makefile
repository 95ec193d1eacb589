# Makefile: the single build entry point of Colony (see README.md and SPEC section 1).

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
PKGS    := libnl-route-3.0 libnl-3.0 libcap libseccomp inih
DEB_PKGS := libc6-dev libcap-dev libnl-3-dev libnl-route-3-dev libseccomp-dev libinih-dev check pkg-config \
	iproute2 procps redis-server curl python3 python3-prometheus-client valgrind
B       := build

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -I. $(PKG_CFLAGS) \
	-DCOLONY_LIBEXEC='"$(PREFIX)/libexec/colony"'
LDFLAGS ?=
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
B       := build/sanitize
endif

LIB_SRC     := $(wildcard config/*.c) $(wildcard netns/*.c) \
	$(wildcard supervisor/engine*.c) supervisor/proto.c supervisor/cgroup.c supervisor/util.c supervisor/clonevm.c \
	supervisor/handover.c supervisor/request.c supervisor/timerheap.c supervisor/filter.c
ROOT_SRC    := $(wildcard supervisor/root*.c)
CTL_SRC     := $(wildcard supervisor/ctl*.c)
COLONYD_SRC := $(wildcard colonyd/*.c)
COLONYD_LIB_SRC := $(filter-out colonyd/main.c,$(COLONYD_SRC))
UNIT_SRC    := $(wildcard tests/unit/*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
LIB_OBJ     := $(call obj,$(LIB_SRC))
ROOT_OBJ    := $(call obj,$(ROOT_SRC))
CTL_OBJ     := $(call obj,$(CTL_SRC))
COLONYD_OBJ := $(call obj,$(COLONYD_SRC))
COLONYD_LIB_OBJ := $(call obj,$(COLONYD_LIB_SRC))
UNIT_OBJ    := $(call obj,$(UNIT_SRC))

BINS := $(B)/colony-supervisor $(B)/colonyd $(B)/colonyctl

.PHONY: all deps check unit integration valgrind run install bench fuzz lint soak clean
all: $(BINS) $(B)/stamp

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/obj/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libcolony.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The daemons bind every symbol at start: lazily bound, a function first called after hours
# (a reload, a log rotation) faults in more of libc's symbol tables, and RSS creeps.
DAEMON_LDFLAGS := -Wl,-z,now

$(B)/colony-supervisor: $(ROOT_OBJ) $(B)/libcolony.a
	$(CC) $(LDFLAGS) $(DAEMON_LDFLAGS) -o $@ $(ROOT_OBJ) $(B)/libcolony.a $(PKG_LIBS)

# One colonyd runs per colony, so its private pages count a thousand times: it is linked static
# and non-PIE (no ld.so, no shared-library mappings, no data or GOT pages written by relocation)
# when the archives are installed (libc6-dev, libseccomp-dev, libcap-dev). It links no NSS: see
# colonyd/usergroups.c. The sanitizer build stays dynamic, as ASan needs.
static_a = $(filter /%,$(shell $(CC) -print-file-name=lib$(1).a 2>/dev/null))
COLONYD_STATIC := $(if $(and $(call static_a,c),$(call static_a,seccomp),$(call static_a,cap)),yes)
ifneq ($(SANITIZE),1)
ifeq ($(COLONYD_STATIC),yes)
COLONYD_LIBS := -static -no-pie -lseccomp -lcap
endif
endif
COLONYD_LIBS ?= $(PKG_LIBS)

# Bound at load (-z now; the static link has nothing to bind lazily anyway): a starting child runs
# on colonyd's memory (colonyd/vmclone.c) and must not resolve a symbol lazily, which would write
# to the loader's state while colonyd runs on.
$(B)/colonyd: $(COLONYD_OBJ) $(B)/libcolony.a Makefile
	$(CC) $(LDFLAGS) $(DAEMON_LDFLAGS) -o $@ $(COLONYD_OBJ) $(B)/libcolony.a $(COLONYD_LIBS)

$(B)/colonyctl: $(CTL_OBJ) $(B)/libcolony.a
	$(CC) $(LDFLAGS) -o $@ $(CTL_OBJ) $(B)/libcolony.a $(PKG_LIBS)

# A tiny static service used by tests and the benchmark.
$(B)/stamp: tests/bench/stamp.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -static -o $@ $<

# Times a colony's network set-up (run by hand as root: build/netsetup N BRIDGE 10.x.y).
$(B)/netsetup: tests/bench/netsetup.c $(B)/libcolony.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcolony.a $(PKG_LIBS)

# A test double for the root: drives one colonyd over the protocol (tests/integration).
$(B)/drive_colonyd: tests/integration/drive_colonyd.c $(B)/libcolony.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcolony.a $(PKG_LIBS)

$(B)/unit-tests: $(UNIT_OBJ) $(COLONYD_LIB_OBJ) $(B)/libcolony.a
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(COLONYD_LIB_OBJ) $(B)/libcolony.a $(PKG_LIBS) $(CHECK_LIBS)

deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

# The unit suite, then the integration tests (as root, with real namespaces and cgroups).
check: deps
	@$(MAKE) --no-print-directory all $(B)/unit-tests
	@$(MAKE) --no-print-directory unit integration

unit: $(B)/unit-tests
	$(B)/unit-tests

integration: all $(B)/drive_colonyd
	BUILD=$(abspath $(B)) bash tests/integration/run.sh

# The unit suite under valgrind memcheck, in one process (CK_FORK=no) so every test's heap is checked;
# any error or definite/indirect leak fails it. Not with SANITIZE=1 (ASan and valgrind do not mix).
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect
valgrind: deps
	@[ "$(SANITIZE)" != 1 ] || { echo "make valgrind: not with SANITIZE=1" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(B)/unit-tests
	CK_FORK=no $(VALGRIND) $(B)/unit-tests

run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p build/demo
	$(B)/colony-supervisor -c config/examples/demo.ini

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/libexec/colony \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(B)/colony-supervisor $(B)/colonyctl $(DESTDIR)$(PREFIX)/sbin/
	install -m 755 $(B)/colonyd $(DESTDIR)$(PREFIX)/libexec/colony/colonyd
	install -m 644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/

# Performance table against s6, runsv and a raw clone3+pidfd floor (SPEC section 10).
bench: deps all
	BUILD=$(abspath $(B)) SCALE=$(SCALE) bash tests/bench/run.sh

# Coverage-guided fuzzers (libFuzzer) for every parser; FUZZ_SECONDS per fuzzer.
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh

# cppcheck and clang-tidy with the checked-in configuration.
lint:
	bash tests/lint.sh

# 200 crashing colonies for 10 minutes under reloads, status and other control calls: the root's and one
# colonyd's RSS and fds every 30 s, and a verdict, flat or not (tests/soak/run.sh; not in make check).
soak: deps all
	BUILD=$(abspath $(B)) bash tests/soak/run.sh

clean:
	rm -rf build

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
