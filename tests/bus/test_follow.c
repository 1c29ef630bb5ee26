/* SPDX-License-Identifier: MIT */
/*
 * mdbus_reader_follow: opens a bus that appears later; times out (reader
 * unchanged) while no new writer comes; wakes for a successor of a stopped
 * segment and reads it, another ring size, from its first tick; reports a
 * file it cannot use once (-EBADMSG, reason in errbuf) and then waits for
 * another; releases every mapping and descriptor across many re-attaches;
 * costs next to no CPU while it waits (printed: the figure in follow.c).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <pthread.h>

#include "helpers.h"

static int64_t tf_cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

/* Open descriptors of this process. */
static int tf_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Mappings of this process whose file is the bus `name`. */
static int tf_maps(const char *name)
{
	char line[512], path[128];
	int n = 0;
	snprintf(path, sizeof(path), "/dev/shm/mdbus-%s\n", name);
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t l = strlen(line), p = strlen(path);
		n += l >= p && strcmp(line + l - p, path) == 0;
	}
	fclose(f);
	return n;
}

/* A thread that opens a writer on name after delay_ms, publishes one tick,
 * and closes keeping the segment (a thread, not a child: the memory checker
 * then sees one process, whose every allocation is freed). */
struct tf_later {
	pthread_t thread;
	const char *name;
	int delay_ms;
	uint32_t slots;
};

static void *tf_writer_main(void *arg)
{
	struct tf_later *l = arg;
	usleep((useconds_t)l->delay_ms * 1000);
	mdbus_writer *w = th_writer(l->name, l->slots);
	struct mdbus_tick t;
	th_tick(&t, 1);
	CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);
	mdbus_writer_close(w, 0);
	return NULL;
}

static void tf_writer_later(struct tf_later *l, const char *name, int delay_ms, uint32_t slots)
{
	l->name = name;
	l->delay_ms = delay_ms;
	l->slots = slots;
	CHECK(pthread_create(&l->thread, NULL, tf_writer_main, l) == 0);
}

static void tf_reap(struct tf_later *l)
{
	CHECK(pthread_join(l->thread, NULL) == 0);
}

static void tf_read_one(mdbus_reader *r)
{
	struct mdbus_tick t;
	uint64_t seq;
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), 1);
	CHECK(seq == 1 && th_tick_ok(&t, 1));
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), -ESHUTDOWN);
}

static void test_open_and_follow(void)
{
	char name[64], err[256] = "";
	th_bus_name(name, sizeof(name), "follow");
	struct mdbus_reader_opts o = {
		.bus = name, .start = MDBUS_START_OLDEST, .errbuf = err, .errlen = sizeof(err)};
	mdbus_reader *r = NULL;
	CHECK_RC(mdbus_reader_follow(NULL, &o, 0), -EINVAL);
	/* no bus: the open waits, then times out with the reason */
	int64_t t0 = th_now_ms();
	CHECK_RC(mdbus_reader_follow(&r, &o, 100), -ETIMEDOUT);
	CHECK(r == NULL && th_now_ms() - t0 >= 100 && strstr(err, "no bus") != NULL);
	/* the bus appears later: the open waits for it */
	struct tf_later l;
	tf_writer_later(&l, name, 100, 64);
	CHECK_RC(mdbus_reader_follow(&r, &o, 10000), 0);
	CHECK(r != NULL);
	tf_reap(&l);
	tf_read_one(r);
	/* stopped, no successor: nothing new, the reader keeps its place */
	uint64_t epoch = mdbus_reader_epoch(r);
	CHECK_RC(mdbus_reader_follow(&r, NULL, 0), -ETIMEDOUT);
	CHECK_RC(mdbus_reader_follow(&r, &o, 60), -ETIMEDOUT);
	CHECK(mdbus_reader_epoch(r) == epoch);
	/* while it waits CPU-free, a successor with a bigger ring comes */
	tf_writer_later(&l, name, 300, 1024);
	int64_t c0 = tf_cpu_us();
	t0 = th_now_ms();
	CHECK_RC(mdbus_reader_follow(&r, &o, 20000), 0);
	int64_t waited = th_now_ms() - t0, cpu = tf_cpu_us() - c0;
	tf_reap(&l);
	printf("follow: woke %lld ms after it began waiting (writer after 300 ms), "
	       "%lld us CPU\n",
	       (long long)waited, (long long)cpu);
	CHECK(mdbus_reader_epoch(r) != epoch);
	struct mdbus_info info;
	CHECK_RC(mdbus_reader_info(r, &info), 0);
	CHECK(info.slots == 1024);
	tf_read_one(r);
	struct mdbus_reader_stats st;
	mdbus_reader_stats(r, &st);
	CHECK(st.read == 2); /* counters carry over */
	mdbus_reader_close(r);
	th_bus_cleanup(name);
}

/* A file at the name that is not a segment: reported once, then waited past. */
static void test_refused(void)
{
	char name[64], err[256] = "", path[256];
	th_bus_name(name, sizeof(name), "follow");
	mdbus_writer *w = th_writer(name, 64);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	mdbus_writer_close(w, 1); /* stopped and removed */
	CHECK_RC(mdbus_bus_path(name, path, sizeof(path)), 0);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	char junk[4096];
	memset(junk, 'x', sizeof(junk));
	CHECK(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	close(fd);
	struct mdbus_reader_opts o = {.errbuf = err, .errlen = sizeof(err)};
	CHECK_RC(mdbus_reader_follow(&r, &o, 0), -EBADMSG);
	CHECK(err[0] != '\0');
	CHECK_RC(mdbus_reader_follow(&r, &o, 50), -ETIMEDOUT); /* not reported again */
	unlink(path);
	struct tf_later l;
	tf_writer_later(&l, name, 50, 64);
	CHECK_RC(mdbus_reader_follow(&r, &o, 10000), 0);
	tf_reap(&l);
	tf_read_one(r);
	mdbus_reader_close(r);
	th_bus_cleanup(name);
}

/* Many re-attaches, each to another segment: one mapping, no new fd. */
static void test_no_leak(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "follow");
	mdbus_writer *w = th_writer(name, 64);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	mdbus_writer_close(w, 0);
	int fds = tf_fds();
	for (int i = 0; i < 20; i++) {
		w = th_writer(name, i % 2 ? 64 : 128);
		uint64_t epoch = mdbus_writer_epoch(w);
		mdbus_writer_close(w, 0);
		CHECK_RC(mdbus_reader_follow(&r, NULL, 10000), 0);
		CHECK(mdbus_reader_epoch(r) == epoch);
		CHECK(tf_maps(name) == 1);
	}
	CHECK(tf_fds() == fds);
	mdbus_reader_close(r);
	CHECK(tf_maps(name) == 0);
	th_bus_cleanup(name);
}

/* Idle cost: a follow of 3 s with nobody coming. */
static void test_idle_cpu(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "follow");
	mdbus_writer *w = th_writer(name, 64);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	mdbus_writer_close(w, 1); /* no futex to wake: the polling path */
	int64_t c0 = tf_cpu_us(), t0 = th_now_ms();
	CHECK_RC(mdbus_reader_follow(&r, NULL, 3000), -ETIMEDOUT);
	int64_t cpu = tf_cpu_us() - c0, wall = th_now_ms() - t0;
	printf("follow: %lld us CPU in %lld ms of waiting (%.4f %%)\n", (long long)cpu,
	       (long long)wall, 100.0 * (double)cpu / (double)(wall * 1000));
	CHECK(wall >= 3000);
	CHECK(cpu * 20 < wall * 1000); /* under 5 %: a spin would be ~100 % */
	mdbus_reader_close(r);
	th_bus_cleanup(name);
}

int main(void)
{
	test_open_and_follow();
	test_refused();
	test_no_leak();
	test_idle_cpu();
	printf("test_follow: ok\n");
	return 0;
}
