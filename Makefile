# SPDX-License-Identifier: GPL-2.0-only
#
# make              build the tools into build/
# make check        install missing Debian packages (as root), then run every test
# make demo         boot the Debian kernel and show a livepatch working
# make bench        benchmarks (klp-convert, klp-symbols)
# make fuzz         run each fuzz harness (FUZZ_SECONDS each)
# make install      PREFIX=/usr/local DESTDIR=
# make uninstall    the same variables
# V=1               print the commands

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= gcc
PKG_CONFIG ?= pkg-config

CFLAGS ?= -O2 -g
# The release in VERSION; from git describe in a checkout (tags v<version>).
VERSION := $(shell git describe --tags --dirty 2>/dev/null | sed 's/^v//' || true)
VERSION := $(or $(VERSION),$(shell cat VERSION))

# Kbuild's convention: "  CC  file" lines, the commands with V=1, nothing with -s.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @$(if $(findstring s,$(firstword -$(MAKEFLAGS))),true,printf '  %-7s %s\n' $(1) $@)
endif

BASE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -iquote lib -MMD -MP \
	$(shell $(PKG_CONFIG) --cflags libelf libdw 2>/dev/null)
LDLIBS := $(shell $(PKG_CONFIG) --libs libdw libelf 2>/dev/null || echo -ldw -lelf) \
	-lz -llzma -lzstd -pthread

# SAN=1 builds the same tools with sanitizers into build-san/.
ifeq ($(SAN),1)
O ?= build-san
BASE_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
else
O ?= build
endif

# lib/ by layer, each using only those above it in this list.
LIB_LAYERS := base elf symbols patch check convert source build
LIB_SRCS := $(foreach d,$(LIB_LAYERS),$(wildcard lib/$(d)/*.c))
LIB_OBJS := $(patsubst lib/%.c,$(O)/lib/%.o,$(LIB_SRCS))
TOOL_SRCS := $(wildcard tools/*.c)
TOOLS := $(patsubst tools/%.c,$(O)/%,$(TOOL_SRCS))
MANS := $(wildcard man/*.1)

all: $(TOOLS)

$(O)/lib/%.o: lib/%.c | $(O)/lib
	$(call say,CC)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) -iquote $(O) $(CFLAGS) -c -o $@ $<

$(O)/tools/%.o: tools/%.c | $(O)/tools
	$(call say,CC)
	$(Q)$(CC) $(BASE_CFLAGS) -iquote $(O) $(CFLAGS) -c -o $@ $<

# Rewritten only when the version changes, so nothing rebuilds for nothing.
$(O)/version.h: FORCE | $(O)/lib
	$(Q)echo '#define KLP_VERSION "$(VERSION)"' > $@.tmp && \
		{ cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@; }
$(O)/lib/base/message.o: $(O)/version.h

$(O)/libklp.a: $(LIB_OBJS)
	$(call say,AR)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/%: $(O)/tools/%.o $(O)/libklp.a
	$(call say,LD)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/lib $(O)/tools:
	$(Q)mkdir -p $@

-include $(LIB_OBJS:.o=.d) $(patsubst tools/%.c,$(O)/tools/%.d,$(TOOL_SRCS))

.PRECIOUS: $(O)/tools/%.o

# The tests build their fixtures at run time and find the tools through KLP_BIN.
# Unit tests run against the plain build and again under ASan/UBSan; the
# real-kernel tests boot each installed Debian kernel under qemu, one prove
# run per kernel (tests/e2e/matrix; KLP_E2E_RELEASE=<rel> for one).
check:
	@scripts/install-deps --check-or-install
	$(MAKE) all
	$(MAKE) SAN=1 all
	KLP_BIN=$(CURDIR)/build prove tests/unit/*.t
	KLP_BIN=$(CURDIR)/build-san prove tests/unit/*.t
	KLP_BIN=$(CURDIR)/build tests/e2e/matrix

demo: all
	@scripts/install-deps --check-or-install
	tests/e2e/demo.sh

bench: all
	bench/run

fuzz:
	fuzz/run $(FUZZ_SECONDS)

# The header lives in include/klp/; the old $(PREFIX)/include/klp_convert.h
# stays, for one release, as a header that includes it.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/klp/kpatch \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 755 scripts/klp-build $(DESTDIR)$(PREFIX)/bin/
	install -m 644 include/klp_convert.h $(DESTDIR)$(PREFIX)/include/klp/
	install -m 644 include/kpatch/kpatch-macros.h include/kpatch/kpatch-syscall.h \
		$(DESTDIR)$(PREFIX)/include/klp/kpatch/
	printf '%s\n' '/* Deprecated path: include <klp/klp_convert.h>. */' \
		'#include <klp/klp_convert.h>' > $(DESTDIR)$(PREFIX)/include/klp_convert.h
	chmod 644 $(DESTDIR)$(PREFIX)/include/klp_convert.h
	$(if $(MANS),install -m 644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man1/)

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(TOOLS)) klp-build) \
		$(DESTDIR)$(PREFIX)/include/klp/klp_convert.h \
		$(DESTDIR)$(PREFIX)/include/klp/kpatch/kpatch-macros.h \
		$(DESTDIR)$(PREFIX)/include/klp/kpatch/kpatch-syscall.h \
		$(DESTDIR)$(PREFIX)/include/klp_convert.h \
		$(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(MANS)))
	-rmdir $(DESTDIR)$(PREFIX)/include/klp/kpatch 2>/dev/null
	-rmdir $(DESTDIR)$(PREFIX)/include/klp 2>/dev/null

clean:
	rm -rf build build-san

FORCE:

.PHONY: all check demo bench fuzz install uninstall clean FORCE
