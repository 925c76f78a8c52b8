# SPDX-License-Identifier: GPL-2.0
#
# vmcore_filter: fast, filtered kdump for big machines.
#
#   make deps        install what is missing from Debian's apt (run by the others)
#   make kernels     6.1 and 6.12, patched and stock, cached in $(VMCF_CACHE)
#   make module      vmcore_filter.ko against each patched kernel
#   make tools       the userspace collector
#   make check       unit tests and the QEMU selftests that fit CI (TAP)
#   make check-full  check plus the slow scenarios
#   make bench       the benchmarks, each printing ratios against makedumpfile
#   make demo        build, crash a QEMU guest, capture, show what crash says
#   make docs        the HTML documentation in build/docs (Sphinx, warnings fail)
#   make clean       remove build/ (the kernel cache stays; clean-cache for that)

VERSIONS	:= 6.1 6.12
FLAVOURS	:= patched stock
VMCF_CACHE	?= /var/cache/vmcore_filter
export VMCF_CACHE

B		:= build
# Static test programs for the guests, one per selftests/guest/*.c program.
GUEST_PROGS	:= $(B)/guest/vmcf-guest $(B)/guest/vmcore-mmap-test \
		   $(B)/guest/vmcf-abi-test
INITRAMFS	:= $(B)/guest/initramfs.gz
DEPS_STAMP	:= $(B)/.deps

CC		?= cc
CFLAGS		?= -O2 -g
CFLAGS		+= -std=c11 -Wall -Wextra -Werror

.PHONY: all deps kernels module tools guest check check-full bench demo docs clean clean-cache \
	install uninstall dkms-source

all: kernels module tools guest

# deps runs every time it is named (cheap when nothing is missing); the
# stamp lets file targets depend on it without rebuilding each time.
deps:
	@scripts/deps.sh
	@mkdir -p $(B) && touch $(DEPS_STAMP)

$(DEPS_STAMP):
	@scripts/deps.sh
	@mkdir -p $(B) && touch $@

kernels: $(DEPS_STAMP)
	@set -e; for v in $(VERSIONS); do for f in $(FLAVOURS); do \
		scripts/build-kernel.sh $$v $$f; done; done

# Out-of-tree modules for every kernel in build/kernels, built in copies
# under build/modules/KERNEL/ so builds for different kernels never mix:
# vmcore_filter.ko and the test module that hides pfns from /proc/vmcore.
module: kernels
	@set -e; for k in $(B)/kernels/*; do \
		o=$(CURDIR)/$(B)/modules/$$(basename $$k); \
		mkdir -p $$o/guest $$o/module $$o/include; \
		cp -r include/uapi $$o/include/; \
		cp module/Kbuild module/*.[ch] module/*.def $$o/module/; \
		cp selftests/guest/Kbuild selftests/guest/vmcore_cb_test.c selftests/guest/vmcf_abi_mismatch.c $$o/guest/; \
		$(MAKE) -s -C $$k M=$$o/module W=1 modules; \
		$(MAKE) -s -C $$k M=$$o/guest modules; \
	done

COLLECTOR	:= $(B)/tools/vmcore-dump

tools: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory -C tools O=$(CURDIR)/$(B)/tools

$(B)/guest/%: selftests/guest/%.c include/uapi/linux/vmcore_filter.h $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iinclude/uapi -static -pthread -o $@ $<

$(INITRAMFS): $(GUEST_PROGS) selftests/guest/init scripts/mkinitramfs.sh tools
	scripts/mkinitramfs.sh $@ $(COLLECTOR) $(filter-out %/vmcf-guest,$(GUEST_PROGS))

guest: $(INITRAMFS)

check: kernels module tools guest
	@selftests/run.sh $(sort $(wildcard selftests/*.t))

check-full: kernels module tools guest
	@VMCF_FULL=1 selftests/run.sh $(sort $(wildcard selftests/*.t))

bench: kernels module tools guest
	@set -e; for b in $(sort $(wildcard scripts/bench-*.sh)); do $$b; done

demo: kernels module tools guest
	@scripts/demo.sh

# Documentation/*.rst as HTML; any Sphinx warning is an error.  Skipped,
# with a message, where sphinx-build is missing (make deps installs it).
docs:
	@if command -v sphinx-build > /dev/null 2>&1; then \
		sphinx-build -W -b html Documentation $(B)/docs; \
	else \
		echo "docs: sphinx-build not found (python3-sphinx; make deps installs it): skipped"; \
	fi

# Install the collector, the uapi header, the docs and (given KDIR) the
# module; DESTDIR and PREFIX are honoured.  dkms-source puts what DKMS
# builds from in $(DESTDIR)/usr/src/vmcore_filter-VERSION.
PREFIX		?= /usr/local
# kdump integration (Documentation/kdump-integration.rst): vmcf-collect and
# vmcf-kdump-params in sbin, kdump-tools' makedumpfile shim in libexec, and
# the hook, drop-ins and snippets in share, with PREFIX in their paths; the
# admin copies them into place.
KDUMP_SHARE	:= $(PREFIX)/share/vmcore_filter/kdump
KDUMP_FILES	:= collect.conf debian/default-kdump-tools debian/kdump-tools.service.d.conf \
		   debian/modprobe-zero-mode.conf fedora/kdump.conf fedora/kdump.service.d.conf
KDUMP_EXECS	:= debian/initramfs-tools-hook fedora/dracut/90vmcore_filter/module-setup.sh
VERSION		:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DOCS		:= $(wildcard Documentation/*.rst) README.md

install: tools
	install -D -m 0755 $(COLLECTOR) $(DESTDIR)$(PREFIX)/sbin/vmcore-dump
	install -D -m 0644 include/uapi/linux/vmcore_filter.h \
		$(DESTDIR)$(PREFIX)/include/linux/vmcore_filter.h
	install -d $(DESTDIR)$(PREFIX)/share/doc/vmcore_filter
	install -m 0644 $(DOCS) $(DESTDIR)$(PREFIX)/share/doc/vmcore_filter/
	install -m 0755 scripts/kdump/vmcf-collect scripts/kdump/vmcf-kdump-params \
		$(DESTDIR)$(PREFIX)/sbin/
	install -D -m 0755 scripts/kdump/makedumpfile-shim \
		$(DESTDIR)$(PREFIX)/libexec/vmcore_filter/kdump-tools/makedumpfile
	set -e; for f in $(KDUMP_FILES) $(KDUMP_EXECS); do \
		install -d $(DESTDIR)$(KDUMP_SHARE)/$$(dirname $$f); \
		sed -e 's|/usr/local/sbin|$(PREFIX)/sbin|g' \
		    -e 's|/usr/local/libexec|$(PREFIX)/libexec|g' \
			scripts/kdump/$$f > $(DESTDIR)$(KDUMP_SHARE)/$$f; \
		chmod 0644 $(DESTDIR)$(KDUMP_SHARE)/$$f; \
	done; \
	for f in $(KDUMP_EXECS); do chmod 0755 $(DESTDIR)$(KDUMP_SHARE)/$$f; done
ifneq ($(KDIR),)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module modules
	install -D -m 0644 module/vmcore_filter.ko \
		$(DESTDIR)/lib/modules/$$($(MAKE) -s -C $(KDIR) kernelrelease)/extra/vmcore_filter.ko
endif

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/vmcore-dump \
		$(DESTDIR)$(PREFIX)/include/linux/vmcore_filter.h
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/vmcore_filter
	rm -f $(DESTDIR)$(PREFIX)/sbin/vmcf-collect $(DESTDIR)$(PREFIX)/sbin/vmcf-kdump-params
	rm -rf $(DESTDIR)$(PREFIX)/libexec/vmcore_filter $(DESTDIR)$(PREFIX)/share/vmcore_filter
	rm -f $(DESTDIR)/lib/modules/*/extra/vmcore_filter.ko

dkms-source:
	install -d $(DESTDIR)/usr/src/vmcore_filter-$(VERSION)/module \
		$(DESTDIR)/usr/src/vmcore_filter-$(VERSION)/include/uapi/linux
	install -m 0644 dkms.conf $(DESTDIR)/usr/src/vmcore_filter-$(VERSION)/
	install -m 0644 module/Kbuild module/*.[ch] module/*.def \
		$(DESTDIR)/usr/src/vmcore_filter-$(VERSION)/module/
	install -m 0644 include/uapi/linux/vmcore_filter.h \
		$(DESTDIR)/usr/src/vmcore_filter-$(VERSION)/include/uapi/linux/

clean:
	rm -rf $(B)

clean-cache:
	rm -rf $(VMCF_CACHE)
