# SPDX-License-Identifier: GPL-2.0-only
#
# make              build the tools into build/
# make check        install missing Debian packages (as root), then run every test
# make demo         boot the Debian kernel and show a livepatch working
# make bench        benchmarks (klp-convert, klp-symbols)
# make fuzz         run each fuzz harness (FUZZ_SECONDS each)
# make install      PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= gcc
PKG_CONFIG ?= pkg-config

CFLAGS ?= -O2 -g
BASE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -iquote lib \
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

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(patsubst lib/%.c,$(O)/lib/%.o,$(LIB_SRCS))
TOOL_SRCS := $(wildcard tools/*.c)
TOOLS := $(patsubst tools/%.c,$(O)/%,$(TOOL_SRCS))
MANS := $(wildcard man/*.1)

all: $(TOOLS)

$(O)/lib/%.o: lib/%.c $(wildcard lib/*.h) | $(O)/lib
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/tools/%.o: tools/%.c $(wildcard lib/*.h) | $(O)/tools
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/libklp.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(O)/%: $(O)/tools/%.o $(O)/libklp.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/lib $(O)/tools:
	mkdir -p $@

.PRECIOUS: $(O)/tools/%.o

# The tests build their fixtures at run time and find the tools through KLP_BIN.
# Unit tests run against the plain build and again under ASan/UBSan; the
# real-kernel tests boot the Debian kernel under qemu.
check:
	@scripts/install-deps --check-or-install
	$(MAKE) all
	$(MAKE) SAN=1 all
	KLP_BIN=$(CURDIR)/build prove tests/unit/*.t
	KLP_BIN=$(CURDIR)/build-san prove tests/unit/*.t
	KLP_BIN=$(CURDIR)/build prove tests/e2e/*.t

demo: all
	@scripts/install-deps --check-or-install
	tests/e2e/demo.sh

bench: all
	bench/run

fuzz:
	fuzz/run $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 755 scripts/klp-build $(DESTDIR)$(PREFIX)/bin/
	install -m 644 include/klp_convert.h $(DESTDIR)$(PREFIX)/include/
	$(if $(MANS),install -m 644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man1/)

clean:
	rm -rf build build-san

.PHONY: all check demo bench fuzz install clean
