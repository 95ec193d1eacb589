# fuzz.mk: builds the libFuzzer harnesses and the project's sources with fuzz flags under build/fuzz (run.sh drives it).

# Separate from the main Makefile because these objects need clang and the fuzzer
# instrumentation, while build/libcolony.a is gcc-built and uninstrumented.
CC      := clang
B       := build/fuzz
PKGS    := libnl-route-3.0 libnl-3.0 libcap libseccomp inih
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
# no-recover: a UBSan report must stop the run so libFuzzer keeps the input.
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# No -Werror here: warnings are the gcc build's job; this build only has to link.
CFLAGS  := -std=gnu11 -g -O1 -Wall -Wextra -I. $(PKG_CFLAGS) $(SAN) \
	-DCOLONY_LIBEXEC='"/usr/local/libexec/colony"'

# One lazily-linked archive per module, so a harness pulls only the objects it
# needs and a file that does not compile breaks only the harnesses that use it.
MOD_config     := $(wildcard config/*.c)
MOD_supervisor := $(filter-out supervisor/root% supervisor/ctl%,$(wildcard supervisor/*.c))
MOD_root       := $(wildcard supervisor/root*.c)
MOD_colonyd    := $(wildcard colonyd/*.c)
MOD_netns      := $(wildcard netns/*.c)
MODULES        := config supervisor root colonyd netns

# The modules each harness links (as one --start-group, so order does not matter).
USES_fuzz_proto_up   := supervisor
USES_fuzz_proto_down := supervisor
USES_fuzz_config     := config supervisor
USES_fuzz_split      := config
USES_fuzz_notify     := colonyd config supervisor netns
USES_fuzz_ctl        := supervisor
SRC_fuzz_proto_up    := tests/fuzz/fuzz_proto.c
SRC_fuzz_proto_down  := tests/fuzz/fuzz_proto.c
DEF_fuzz_proto_up    := -DFUZZ_DIR=PROTO_DIR_UP
DEF_fuzz_proto_down  := -DFUZZ_DIR=PROTO_DIR_DOWN
# fuzz_config confines `include` globs to its own folder (see the harness).
LDX_fuzz_config      := -Wl,--wrap=glob
FUZZERS := fuzz_proto_up fuzz_proto_down fuzz_config fuzz_split fuzz_notify fuzz_ctl

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
lib = $(B)/lib/$(1).a

.PHONY: all
all: $(addprefix $(B)/bin/,$(FUZZERS))

# The daemons' main() would clash with libFuzzer's, so it is renamed in files that have one.
MAIN_RE := '^(int[[:space:]]+)?main[[:space:]]*\('
has_main = $(shell grep -lE $(MAIN_RE) $(1) 2>/dev/null)
$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer-no-link \
		$(if $(call has_main,$<),-Dmain=fuzz_unused_main_$(subst /,_,$(basename $<))) \
		-MMD -MP -c -o $@ $<

define module_rule
$(call lib,$(1)): $(call obj,$(MOD_$(1)))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_rule,$(m))))

define fuzzer_rule
$(B)/bin/$(1): $(or $(SRC_$(1)),tests/fuzz/$(1).c) $(foreach m,$(USES_$(1)),$(call lib,$(m)))
	@mkdir -p $$(dir $$@)
	$(CC) $(CFLAGS) $(DEF_$(1)) -fsanitize=fuzzer -MMD -MP -MF $$@.d -o $$@ $$< \
		-Wl,--start-group $(foreach m,$(USES_$(1)),$(call lib,$(m))) -Wl,--end-group \
		$(LDX_$(1)) $(PKG_LIBS)
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzzer_rule,$(f))))

-include $(shell find $(B)/obj $(B)/bin -name '*.d' 2>/dev/null)
