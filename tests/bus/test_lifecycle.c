/* SPDX-License-Identifier: MIT */
/*
 * Writer life cycle across processes: clean close (-ESHUTDOWN after drain),
 * a second writer refused (-EBUSY) while the first lives, dead-writer
 * takeover with an epoch change (-ESTALE, reattach), a writer killed in the
 * middle of a publish (-EOWNERDEAD, not a hang), file modes and read-only
 * reader mappings.
 */
#include "helpers.h"
#include "layout.h"

static void test_shutdown(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "life");
	pid_t pid = -1;
	int cmd = -1;
	CHECK_RC(th_spawn_writer(name, 64, 5, &pid, &cmd), 0);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	CHECK_RC(mdbus_reader_writer_alive(r), 1);
	close(cmd); /* the child closes its writer cleanly, segment kept */
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct mdbus_info info;
	CHECK_RC(mdbus_reader_info(r, &info), 0);
	CHECK(info.writer_state == MDBUS_WRITER_STOPPED);
	CHECK_RC(mdbus_reader_writer_alive(r), 0);
	struct mdbus_tick t;
	uint64_t seq;
	for (uint64_t i = 1; i <= 5; i++) { /* drain first */
		CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), 1);
		CHECK(seq == i && th_tick_ok(&t, i));
	}
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), -ESHUTDOWN);
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), -ESHUTDOWN);
	CHECK_RC(mdbus_reader_wait(r, 1000), -ESHUTDOWN);
	/* re-attaching to the same stopped segment is no success (a caller
	 * looping on it would spin) and does not replay it */
	uint64_t epoch = mdbus_reader_epoch(r);
	CHECK_RC(mdbus_reader_reattach(r), -ESHUTDOWN);
	CHECK(mdbus_reader_epoch(r) == epoch);
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), -ESHUTDOWN);
	/* following it: nothing new within the timeout, the reader unchanged */
	CHECK_RC(mdbus_reader_follow(&r, NULL, 50), -ETIMEDOUT);
	CHECK(mdbus_reader_epoch(r) == epoch);
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), -ESHUTDOWN);
	/* a new reader of a stopped bus reads what is left, then -ESHUTDOWN */
	mdbus_reader *r2 = th_reader(name, MDBUS_START_OLDEST);
	CHECK_RC(mdbus_reader_read(r2, (struct mdbus_tick[8]){0}, NULL, 8, NULL), 5);
	CHECK_RC(mdbus_reader_read(r2, &t, NULL, 1, NULL), -ESHUTDOWN);
	mdbus_reader_close(r2);
	mdbus_reader_close(r);
	th_bus_cleanup(name);
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_busy_and_takeover(void)
{
	char name[64], err[256] = "";
	th_bus_name(name, sizeof(name), "life");
	pid_t pid = -1;
	int cmd = -1;
	CHECK_RC(th_spawn_writer(name, 64, 10, &pid, &cmd), 0);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	uint64_t old_epoch = mdbus_reader_epoch(r);

	/* a second writer is refused while the first lives, and told who */
	struct mdbus_writer_opts o = {
		.bus = name, .slots = 128, .errbuf = err, .errlen = sizeof(err)};
	mdbus_writer *w = NULL;
	CHECK_RC(mdbus_writer_open(&w, &o), -EBUSY);
	CHECK(w == NULL);
	char pidstr[32];
	snprintf(pidstr, sizeof(pidstr), "pid %ld", (long)pid);
	CHECK(strstr(err, pidstr) != NULL);
	/* the refused writer left the live bus untouched */
	mdbus_reader *r3 = th_reader(name, MDBUS_START_LATEST);
	CHECK(mdbus_reader_epoch(r3) == old_epoch);
	mdbus_reader_close(r3);

	/* the writer dies (SIGKILL: no clean-up at all) */
	int status = th_kill(pid, SIGKILL);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(cmd);
	CHECK_RC(mdbus_reader_writer_alive(r), 0);

	/* its readers read what it published, then see nothing (no error) */
	struct mdbus_tick t;
	uint64_t seq;
	for (int i = 0; i < 4; i++)
		CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), 1);
	/* a new writer takes the dead writer's name over, even while another
	 * process hammers the liveness probe (LOCK_SH on the name lock) */
	pid_t prober = fork();
	CHECK(prober >= 0);
	if (prober == 0) {
		mdbus_reader *pr = th_reader(name, MDBUS_START_LATEST);
		int64_t end = th_now_ms() + 300;
		while (th_now_ms() < end)
			mdbus_reader_writer_alive(pr);
		_exit(0);
	}
	usleep(20 * 1000);
	err[0] = '\0';
	CHECK_RC(mdbus_writer_open(&w, &o), 0);
	CHECK(waitpid(prober, &status, 0) == prober);
	CHECK(mdbus_writer_epoch(w) != old_epoch);
	CHECK_RC(mdbus_reader_writer_alive(r), 0); /* ours is still dead */
	/* the old reader drains the old segment, then -ESTALE */
	for (uint64_t i = 5; i <= 10; i++) {
		CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), 1);
		CHECK(seq == i && th_tick_ok(&t, i));
	}
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), -ESTALE);
	CHECK_RC(mdbus_reader_wait(r, 1000), -ESTALE);
	CHECK_RC(mdbus_reader_reattach(r), 0);
	CHECK(mdbus_reader_epoch(r) == mdbus_writer_epoch(w));
	CHECK_RC(mdbus_reader_writer_alive(r), 1);
	struct mdbus_info info;
	CHECK_RC(mdbus_reader_info(r, &info), 0);
	CHECK(info.slots == 128 && info.writer_pid == (uint32_t)getpid());
	/* and follows the new writer from its first tick */
	struct mdbus_instrument in = {.price_decimals = 1};
	strcpy(in.venue, "v");
	strcpy(in.symbol, "A-B");
	CHECK_RC(mdbus_writer_add_instrument(w, &in, NULL), 0);
	th_tick(&t, 1);
	CHECK_RC(mdbus_writer_publish(w, &t, &seq), 0);
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), 1);
	CHECK(seq == 1 && th_tick_ok(&t, 1));
	struct mdbus_reader_stats st;
	mdbus_reader_stats(r, &st);
	CHECK(st.read == 11 && st.missed == 0 && st.torn == 0);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
	/* unlink_bus removed the segment and the lock file */
	struct stat sb;
	char p[256];
	CHECK_RC(mdbus_bus_path(name, p, sizeof(p)), 0);
	CHECK(stat(p, &sb) < 0 && errno == ENOENT);
	strcat(p, ".lock");
	CHECK(stat(p, &sb) < 0 && errno == ENOENT);
	th_bus_cleanup(name);
}

/* Maps a segment read-write behind the library's back (test-only). */
static struct mdbus_seg_header *map_rw(const char *name, size_t *size)
{
	char p[256];
	CHECK_RC(mdbus_bus_path(name, p, sizeof(p)), 0);
	int fd = open(p, O_RDWR);
	CHECK(fd >= 0);
	struct stat sb;
	CHECK(fstat(fd, &sb) == 0);
	void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	close(fd);
	*size = (size_t)sb.st_size;
	return m;
}

static void test_torn(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "life");
	pid_t pid = -1;
	int cmd = -1;
	CHECK_RC(th_spawn_writer(name, 64, 3, &pid, &cmd), 0);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	size_t size;
	struct mdbus_seg_header *h = map_rw(name, &size);
	struct mdbus_slot *ring = (struct mdbus_slot *)((char *)h + h->ring_off);
	/* The writer "starts" tick 4 and never finishes it. */
	atomic_store(&ring[4 & 63].seq, (4u << 1) | 1u);
	struct mdbus_tick t;
	uint64_t seq;
	for (uint64_t i = 1; i <= 3; i++)
		CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), 1);
	/* writer alive: a slow writer, not an error; and no hang */
	int64_t t0 = th_now_ms();
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), 0);
	/* a half-written tick is not data: wait sleeps (here: times out) */
	CHECK_RC(mdbus_reader_wait(r, 50), -ETIMEDOUT);
	CHECK(th_now_ms() - t0 < 2000);
	th_kill(pid, SIGKILL);
	close(cmd);
	t0 = th_now_ms();
	/* the writer is dead: wait returns at once so next() can report it */
	CHECK_RC(mdbus_reader_wait(r, 5000), 0);
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), -EOWNERDEAD);
	CHECK(th_now_ms() - t0 < 1000);
	struct mdbus_reader_stats st;
	mdbus_reader_stats(r, &st);
	CHECK(st.torn == 1 && st.read == 3);
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), 0); /* skipped, not stuck */

	/* the same through mdbus_reader_read: ticks first, the error next call */
	mdbus_reader *r2 = th_reader(name, MDBUS_START_OLDEST);
	struct mdbus_tick buf[8];
	CHECK_RC(mdbus_reader_read(r2, buf, NULL, 8, NULL), 3);
	CHECK_RC(mdbus_reader_read(r2, buf, NULL, 8, NULL), -EOWNERDEAD);
	CHECK_RC(mdbus_reader_read(r2, buf, NULL, 8, NULL), 0);
	mdbus_reader_close(r2);
	munmap(h, size);
	mdbus_reader_close(r);
	th_bus_cleanup(name);
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_modes(void)
{
	char name[64], p[256];
	th_bus_name(name, sizeof(name), "life");
	mdbus_writer *w = th_writer(name, 64);
	struct stat sb;
	CHECK_RC(mdbus_bus_path(name, p, sizeof(p)), 0);
	CHECK(stat(p, &sb) == 0 && (sb.st_mode & 07777) == 0640);
	CHECK(sb.st_gid == getegid());
	mdbus_writer_close(w, 1);
	char lp[300];
	snprintf(lp, sizeof(lp), "%s.lock", p);
	if (geteuid() == 0) { /* only root may give files to any group */
		struct mdbus_writer_opts og = {.bus = name, .slots = 64, .group = 4242};
		CHECK_RC(mdbus_writer_open(&w, &og), 0);
		CHECK(stat(p, &sb) == 0 && sb.st_gid == 4242 && (sb.st_mode & 07777) == 0640);
		CHECK(stat(lp, &sb) == 0 && sb.st_gid == 4242);
		mdbus_writer_close(w, 1);
	}
	struct mdbus_writer_opts o = {.bus = name, .slots = 64, .mode = 0600, .group = (gid_t)-1};
	CHECK_RC(mdbus_writer_open(&w, &o), 0);
	CHECK(stat(p, &sb) == 0 && (sb.st_mode & 07777) == 0600);
	CHECK(stat(lp, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	struct mdbus_tick t;
	th_tick(&t, 1);
	struct mdbus_instrument in = {.price_decimals = 1};
	strcpy(in.venue, "v");
	strcpy(in.symbol, "A-B");
	CHECK_RC(mdbus_writer_add_instrument(w, &in, NULL), 0);
	CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);

	/* A reader's mapping is read-only: a write through it kills the child
	 * with SIGSEGV, and the bus is unchanged. */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* the default action, not a sanitizer's SEGV report */
		signal(SIGSEGV, SIG_DFL);
		mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
		size_t hs;
		volatile unsigned char *h = (volatile unsigned char *)mdbus_reader_health(r, &hs);
		h[0] = 0xff;
		_exit(0); /* not reached */
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	size_t hs;
	CHECK(((unsigned char *)mdbus_writer_health(w, &hs))[0] == 0);

	/* and it is mapped r--s in /proc/self/maps */
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f != NULL);
	char line[512];
	int seen = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, p) == NULL || strstr(line, ".lock") != NULL)
			continue;
		char perms[8];
		CHECK(sscanf(line, "%*s %7s", perms) == 1);
		if (strcmp(perms, "r--s") == 0)
			seen++;
	}
	fclose(f);
	CHECK(seen == 1);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
	th_bus_cleanup(name);
}

int main(void)
{
	test_shutdown();
	test_busy_and_takeover();
	test_torn();
	test_modes();
	return 0;
}
