// SPDX-License-Identifier: GPL-2.0
/*
 * vmcf-guest: small static helper for the QEMU guests.
 *
 *   vmcf-guest now                 print CLOCK_MONOTONIC as seconds.nanoseconds
 *   vmcf-guest maxrss CMD ARG...   run CMD, then print "maxrss KB" (its peak
 *                                  resident set) to stderr; CMD's exit status
 *   vmcf-guest fill anon MIB       fill MIB of anonymous memory with the pattern,
 *   vmcf-guest fill hugetlb MIB    or of MAP_HUGETLB memory, print "ready", and
 *                                  hold it until killed (or the kernel crashes)
 *
 * Every pattern page starts with VMCF_PATTERN_MAGIC, the page index and the
 * pid, so the host can find these pages in a vmcore and check how they were
 * classified; the rest of the page is a non-zero byte sequence derived from
 * the index.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VMCF_PATTERN_MAGIC "VMCF-PATTERN-PG"	/* 16 bytes with the NUL */
#define PAGE_SIZE 4096UL

static void fill_page(unsigned char *page, uint64_t index)
{
	uint64_t pid = (uint64_t)getpid();
	size_t i;

	memcpy(page, VMCF_PATTERN_MAGIC, 16);
	memcpy(page + 16, &index, sizeof(index));
	memcpy(page + 24, &pid, sizeof(pid));
	for (i = 32; i < PAGE_SIZE; i++)
		page[i] = (unsigned char)(((index * 131) + i * 7) % 251 + 1);
}

static int fill(const char *kind, unsigned long mib)
{
	size_t len = mib << 20;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
	unsigned char *mem;
	uint64_t i;

	if (strcmp(kind, "hugetlb") == 0)
		flags |= MAP_HUGETLB;
	else if (strcmp(kind, "anon") != 0) {
		fprintf(stderr, "vmcf-guest: unknown memory kind '%s'\n", kind);
		return 2;
	}
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "vmcf-guest: mmap %lu MiB %s: %s\n", mib, kind,
			strerror(errno));
		return 1;
	}
	for (i = 0; i < len / PAGE_SIZE; i++)
		fill_page(mem + i * PAGE_SIZE, i);
	printf("ready %s %lu MiB pid %d\n", kind, mib, getpid());
	fflush(stdout);
	for (;;)
		pause();
}

/* Peak RSS of a command: busybox time has no -v. */
static int maxrss(char **argv)
{
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("vmcf-guest: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "vmcf-guest: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("vmcf-guest: wait4");
		return 1;
	}
	fprintf(stderr, "maxrss %ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	struct timespec ts;

	if (argc == 2 && strcmp(argv[1], "now") == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "maxrss") == 0)
		return maxrss(argv + 2);
	if (argc == 4 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: vmcf-guest now | maxrss CMD... | fill anon|hugetlb MIB\n");
	return 2;
}
