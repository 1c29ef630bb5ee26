/* SPDX-License-Identifier: MIT */
/*
 * driver.c: runs a fuzz target without libFuzzer (any compiler, suite
 * 'unit'). Every file of the seed corpus goes through the target first, then
 * N inputs derived from it by a fixed-seed mutator (bit flips, interesting
 * bytes and integers, inserts, deletes, duplicated ranges, splices of two
 * files, pure random bytes), so each build, ASan/UBSan included, repeats the
 * same inputs. A crash, a sanitizer report or a FUZZ_CHECK ends the process
 * non-zero; an input that runs longer than the per-input limit aborts too.
 *
 *   driver [-n N] [-s SEED] [-t SECONDS] [-w FILE] PATH...
 *
 * PATH is a file or a directory (its regular files, in name order). With -w
 * FILE, the input that fails (crash, abort, sanitizer report) is written to
 * FILE before the process ends (replay: driver FILE).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#pragma weak LLVMFuzzerInitialize
/* In ASan/UBSan builds: called when a report ends the process. The name is
 * the sanitizers' interface. */
/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c) */
void __sanitizer_set_death_callback(void (*cb)(void));
#pragma weak __sanitizer_set_death_callback

#define DRV_MAX_INPUT ((size_t)64 * 1024) /* mutated inputs never grow past this */
#define DRV_MAX_FILES 4096

struct drv_file {
	char *name;
	uint8_t *data;
	size_t len;
};

static struct drv_file drv_files[DRV_MAX_FILES];
static size_t drv_nfiles;
static uint64_t drv_rng;
static const char *drv_current = "(none)";
static const char *drv_save_path; /* -w FILE */
static const uint8_t *drv_cur_p;  /* the input running now */
static size_t drv_cur_n;

static uint64_t drv_rand(void)
{
	/* xorshift64*: a fixed sequence per seed, the same in every build. */
	drv_rng ^= drv_rng >> 12;
	drv_rng ^= drv_rng << 25;
	drv_rng ^= drv_rng >> 27;
	return drv_rng * 0x2545f4914f6cdd1dull;
}

static size_t drv_below(size_t n)
{
	return n ? (size_t)(drv_rand() % n) : 0;
}

/* Writes the input running now to the -w file: async-signal-safe calls
 * only, as it runs from a signal handler or a sanitizer's death callback. */
static void drv_dump(void)
{
	static const char msg[] = "driver: failing input written to ";
	static const char what[] = "driver: failing input: ";
	int fd;

	if (drv_cur_p == NULL)
		return;
	(void)!write(2, what, sizeof(what) - 1);
	(void)!write(2, drv_current, strlen(drv_current));
	(void)!write(2, "\n", 1);
	if (drv_save_path == NULL)
		return;
	fd = open(drv_save_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	(void)!write(fd, drv_cur_p, drv_cur_n);
	close(fd);
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, drv_save_path, strlen(drv_save_path));
	(void)!write(2, "\n", 1);
	drv_cur_p = NULL;
}

static void drv_fatal(int sig)
{
	drv_dump();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void drv_alarm(int sig)
{
	static const char msg[] = "driver: input did not finish within the time limit: ";
	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, drv_current, strlen(drv_current));
	(void)!write(2, "\n", 1);
	abort();
}

static int drv_load_file(const char *path)
{
	struct stat st;
	FILE *f;

	if (drv_nfiles == DRV_MAX_FILES)
		return -E2BIG;
	f = fopen(path, "rb");
	if (f == NULL)
		return -errno;
	if (fstat(fileno(f), &st) < 0 || (uint64_t)st.st_size > DRV_MAX_INPUT) {
		fclose(f);
		return -EFBIG;
	}
	struct drv_file *d = &drv_files[drv_nfiles];
	d->len = (size_t)st.st_size;
	d->data = malloc(d->len ? d->len : 1);
	d->name = strdup(path);
	if (d->data == NULL || d->name == NULL || fread(d->data, 1, d->len, f) != d->len) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	drv_nfiles++;
	return 0;
}

static int drv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int drv_load(const char *path)
{
	struct stat st;
	struct dirent *e;
	char *names[DRV_MAX_FILES];
	size_t n = 0;
	int rc = 0;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return drv_load_file(path);
	DIR *d = opendir(path);
	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL && n < DRV_MAX_FILES) {
		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&names[n], "%s/%s", path, e->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), drv_cmp);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			rc = drv_load_file(names[i]);
		free(names[i]);
	}
	return rc;
}

/* Runs one input from an exactly-sized heap copy: a read past its end is an
 * ASan report, as under libFuzzer. */
static void drv_run(const uint8_t *p, size_t n, const char *what, unsigned limit_s)
{
	uint8_t *copy = malloc(n ? n : 1);

	if (copy == NULL) {
		fprintf(stderr, "driver: out of memory\n");
		exit(2);
	}
	memcpy(copy, p, n);
	drv_current = what;
	drv_cur_p = p;
	drv_cur_n = n;
	alarm(limit_s);
	LLVMFuzzerTestOneInput(copy, n);
	alarm(0);
	drv_cur_p = NULL;
	free(copy);
}

static const uint8_t drv_bytes[] = {0,	 1,   0x7f, 0x80, 0xff, '"',  '\\', '{',
				    '}', '[', ']',  ',',  ':',	'\n', '\r', ' ',
				    '=', '.', '-',  '0',  '9',	'e',  'u',  '['};
static const uint64_t drv_ints[] = {
	0,	    1,		63,	    64,	       255,	   4096,       0x7fffffff,
	0x80000000, 0xffffffff, 1ull << 32, INT64_MAX, 1ull << 63, UINT64_MAX, UINT64_MAX - 1};

/* Long: one switch over the mutation kinds, each a few lines. */
static size_t drv_mutate_once(uint8_t *b, size_t n, size_t cap)
{
	size_t at = drv_below(n), len;

	switch (drv_rand() % 9) {
	case 0: /* flip a bit */
		if (n)
			b[at] ^= (uint8_t)(1u << drv_below(8));
		break;
	case 1: /* a random byte */
		if (n)
			b[at] = (uint8_t)drv_rand();
		break;
	case 2: /* a byte that matters to some grammar */
		if (n)
			b[at] = drv_bytes[drv_below(sizeof(drv_bytes))];
		break;
	case 3: { /* an interesting integer, 1..8 bytes little-endian */
		uint64_t v = drv_ints[drv_below(sizeof(drv_ints) / sizeof(drv_ints[0]))];
		len = 1 + drv_below(8);
		for (size_t i = 0; i < len && at + i < n; i++)
			b[at + i] = (uint8_t)(v >> (8 * i));
		break;
	}
	case 4: /* insert random bytes */
		len = 1 + drv_below(8);
		if (n + len > cap)
			break;
		memmove(b + at + len, b + at, n - at);
		for (size_t i = 0; i < len; i++)
			b[at + i] = (uint8_t)drv_rand();
		n += len;
		break;
	case 5: /* delete a range */
		len = drv_below(n - at + 1);
		memmove(b + at, b + at + len, n - at - len);
		n -= len;
		break;
	case 6: { /* duplicate a range somewhere else */
		size_t from = drv_below(n);
		len = drv_below(n - from + 1);
		if (len > 64)
			len = 64;
		if (n + len > cap)
			break;
		uint8_t tmp[64];
		memcpy(tmp, b + from, len);
		memmove(b + at + len, b + at, n - at);
		memcpy(b + at, tmp, len);
		n += len;
		break;
	}
	case 7: /* truncate */
		n = at;
		break;
	default: { /* splice: our prefix, another file's suffix */
		const struct drv_file *o = &drv_files[drv_below(drv_nfiles)];
		size_t from = drv_below(o->len);
		len = o->len - from;
		if (at + len > cap)
			len = cap - at;
		memcpy(b + at, o->data + from, len);
		n = at + len;
		break;
	}
	}
	return n;
}

/* Input i of the generated stream into b (capacity DRV_MAX_INPUT). */
static size_t drv_generate(uint8_t *b)
{
	size_t n;

	if (drv_nfiles == 0 || drv_below(16) == 0) {
		n = drv_below(512);
		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)drv_rand();
		return n;
	}
	const struct drv_file *f = &drv_files[drv_below(drv_nfiles)];
	memcpy(b, f->data, f->len);
	n = f->len;
	for (size_t k = 1 + drv_below(6); k > 0; k--)
		n = drv_mutate_once(b, n, DRV_MAX_INPUT);
	return n;
}

static void drv_signals(void)
{
	signal(SIGALRM, drv_alarm);
	signal(SIGABRT, drv_fatal);
	if (__sanitizer_set_death_callback != NULL) {
		__sanitizer_set_death_callback(drv_dump); /* the sanitizer keeps SEGV */
	} else {
		signal(SIGSEGV, drv_fatal);
		signal(SIGBUS, drv_fatal);
		signal(SIGFPE, drv_fatal);
	}
}

static void drv_usage(void)
{
	fprintf(stderr, "usage: driver [-n N] [-s SEED] [-t SECONDS] [-w FILE] PATH...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long count = 1000, limit_s = 30;
	unsigned long long seed = 1;
	struct timespec t0, t1;
	char what[64];
	int opt;

	while ((opt = getopt(argc, argv, "n:s:t:w:")) != -1) {
		if (opt == 'n')
			count = strtoul(optarg, NULL, 0);
		else if (opt == 's')
			seed = strtoull(optarg, NULL, 0);
		else if (opt == 't')
			limit_s = strtoul(optarg, NULL, 0);
		else if (opt == 'w')
			drv_save_path = optarg;
		else
			drv_usage();
	}
	if (optind >= argc || limit_s == 0)
		drv_usage();
	for (int i = optind; i < argc; i++) {
		int rc = drv_load(argv[i]);
		if (rc < 0) {
			fprintf(stderr, "driver: %s: %s\n", argv[i], strerror(-rc));
			return 2;
		}
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	drv_signals();
	drv_rng = seed * 0x9e3779b97f4a7c15ull + 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < drv_nfiles; i++)
		drv_run(drv_files[i].data, drv_files[i].len, drv_files[i].name, (unsigned)limit_s);
	uint8_t *buf = malloc(DRV_MAX_INPUT);
	if (buf == NULL)
		return 2;
	for (unsigned long i = 0; i < count; i++) {
		size_t n = drv_generate(buf);
		snprintf(what, sizeof(what), "generated input %lu (seed %llu)", i, seed);
		drv_run(buf, n, what, (unsigned)limit_s);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("driver: %zu corpus files and %lu generated inputs (seed %llu) passed in %.2f s\n",
	       drv_nfiles, count, seed,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(buf);
	for (size_t i = 0; i < drv_nfiles; i++) {
		free(drv_files[i].data);
		free(drv_files[i].name);
	}
	return 0;
}
