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

.PHONY: all deps kernels module tools guest check check-full bench demo clean clean-cache

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
		cp selftests/guest/Kbuild selftests/guest/vmcore_cb_test.c $$o/guest/; \
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

clean:
	rm -rf $(B)

clean-cache:
	rm -rf $(VMCF_CACHE)
