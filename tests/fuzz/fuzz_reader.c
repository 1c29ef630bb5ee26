/* SPDX-License-Identifier: MIT */
/*
 * fuzz_reader.c: the bus reader (libmdbus/reader.c, health.c) over corrupt
 * segments. A valid segment is built once by the real writer (instruments,
 * a lapped ring, a formatted health region with feed, session and
 * instrument records) and copied; for each input the copy goes to a bus file
 * in /dev/shm, the input's mutations are applied to the header, the
 * instrument table, the health region, the ring or the book region (some
 * before mdbus_reader_open, some after it, as a writer scribbling on a
 * segment already mapped), and the reader is driven through open,
 * instrument lookups, reads, waits, health snapshots, book reads and their
 * helpers, a re-attach and a follow.
 *
 * Properties: only documented return codes; a failed open leaves a one-line
 * reason and agrees with mdbus__seg_validate; every call returns (a POSIX
 * timer aborts, naming the call, if one runs for FZ_CALL_LIMIT_S); a read
 * loop ends within 2 x slots + 2 calls (each tick and each torn slot is
 * consumed once, so more is a loop that never ends); sequence numbers only
 * grow; -EBADMSG is sticky; strings handed out are NUL-terminated.
 *
 * Input: byte 0 = options (bit 0 start OLDEST, bit 1 batch reads, bits 2-3
 * file size: same/shorter/longer, bit 4 INSECURE, bit 5 the writer's lock
 * file exists, bit 6 it is held: writer liveness by lock or by pid), then
 * mutations of 1 + 2 + up to 8 bytes (see fz_mutate); a 0xff byte switches
 * to after-open ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "book_layout.h"
#include "fuzz.h"
#include "internal.h"
#include "mdbus_health.h"

#define FZ_SLOTS	 64u
#define FZ_INSTR	 8u
#define FZ_SESS		 4u
#define FZ_CALL_LIMIT_S	 10
#define FZ_MUTATIONS_MAX 64

static uint8_t *fz_tpl; /* the writer's segment, copied */
static size_t fz_tpl_size;
static char fz_bus[64], fz_path[MDBUS__PATH_MAX];
static char fz_lock[MDBUS__PATH_MAX], fz_lock_off[MDBUS__PATH_MAX + 8];
static int fz_fd = -1, fz_lock_fd = -1, fz_lock_there;
static uint8_t *fz_map; /* the bus file, writable, 2 x fz_tpl_size */
static timer_t fz_timer;
static const char *volatile fz_call = "(none)";

/* ---- the watchdog ------------------------------------------------------------ */

static void fz_hung(int sig)
{
	static const char msg[] = "fuzz_reader: call did not return: ";
	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, fz_call, strlen(fz_call));
	(void)!write(2, "\n", 1);
	abort();
}

static void fz_arm(int seconds)
{
	struct itimerspec it = {.it_value = {.tv_sec = seconds}};
	FUZZ_CHECK(timer_settime(fz_timer, 0, &it, NULL) == 0);
}

#define FZ_CALL(expr) (fz_call = #expr, (expr))

/* ---- the template segment ------------------------------------------------------ */

static void fz_fill_health(mdbus_writer *w)
{
	struct mdbus_health_feed f = {.pid = (uint32_t)getpid(), .state = 1, .heartbeat_count = 9};
	struct mdbus_health_session s;
	struct mdbus_health_instr in;
	size_t size;
	void *h = mdbus_writer_health(w, &size);

	FUZZ_CHECK(mdbus_health_writer_init(h, size, FZ_SESS, FZ_INSTR) == 0);
	f.heartbeat_mono_ns = mdbus_health_mono_ns();
	f.heartbeat_period_ms = 100000000; /* a day: the snapshots see a live feed */
	snprintf(f.config, sizeof(f.config), "/etc/mdbus/feedd.ini");
	snprintf(f.version, sizeof(f.version), "fuzz");
	FUZZ_CHECK(mdbus_health_publish_feed(h, &f) == 0);
	for (uint32_t i = 0; i < 2; i++) {
		memset(&s, 0, sizeof(s));
		snprintf(s.name, sizeof(s.name), "fuzz%u", i);
		snprintf(s.venue, sizeof(s.venue), "binance");
		snprintf(s.host, sizeof(s.host), "stream.binance.com");
		snprintf(s.last_error, sizeof(s.last_error), "tls: handshake failed");
		s.state = i == 0 ? MDBUS_HEALTH_ST_LIVE : MDBUS_HEALTH_ST_BACKOFF;
		s.last_msg_ns = f.heartbeat_mono_ns;
		s.next_reconnect_ns = f.heartbeat_mono_ns + 1000000000;
		s.last_error_class = i;
		s.streams = 4;
		s.subscriptions = 4 - i;
		FUZZ_CHECK(mdbus_health_publish_session(h, i, &s) == 0);
	}
	for (uint32_t i = 0; i < 3; i++) {
		memset(&in, 0, sizeof(in));
		in.ticks = 100 + i;
		in.status = MDBUS_HEALTH_INSTR_LIVE;
		FUZZ_CHECK(mdbus_health_publish_instr(h, i, &in) == 0);
	}
}

/* Books of instruments 0 (depth 4, 3 + 2 levels) and 2 (depth 8, left
 * half-written: its seq odd, as a writer that died in a publish). */
static void fz_fill_books(mdbus_writer *w)
{
	struct mdbus_book_level bids[3] = {{100, 1}, {99, 2}, {98, 3}},
				asks[2] = {{101, 4}, {102, 5}};
	struct mdbus_book_update u = {.status = MDBUS_BOOK_LIVE,
				      .checksum = MDBUS_BOOK_CK_OK,
				      .update_id = 7,
				      .bids = {.best = bids, .step = 1, .n = 3},
				      .asks = {.best = asks, .step = 1, .n = 2}};
	FUZZ_CHECK(mdbus_writer_book_add(w, 0, 4, NULL) == 0);
	FUZZ_CHECK(mdbus_writer_book_add(w, 2, 8, NULL) == 0);
	FUZZ_CHECK(mdbus_writer_book_publish(w, 0, &u) == 0);
	FUZZ_CHECK(mdbus_writer_book_publish(w, 2, &u) == 0);
}

static void fz_template(void)
{
	static const char *const syms[] = {"BTC-USDT", "ETH-USDT", "SOL-USDT"};
	struct mdbus_writer_opts wo = {
		.slots = FZ_SLOTS, .max_instruments = FZ_INSTR, .max_sessions = FZ_SESS};
	struct mdbus_instrument ins;
	struct mdbus_tick t;
	char name[64];
	mdbus_writer *w;
	uint32_t id;

	snprintf(name, sizeof(name), "fuzz-rdsrc-%ld", (long)getpid());
	wo.bus = name;
	FUZZ_CHECK(mdbus_writer_open_books(&w, &wo, 1024) == 0);
	for (uint32_t i = 0; i < 3; i++) {
		memset(&ins, 0, sizeof(ins));
		ins.price_decimals = 2;
		ins.qty_decimals = 6;
		snprintf(ins.venue, sizeof(ins.venue), "binance");
		snprintf(ins.symbol, sizeof(ins.symbol), "%s", syms[i]);
		snprintf(ins.native, sizeof(ins.native), "%.3s%s", syms[i], syms[i] + 4);
		FUZZ_CHECK(mdbus_writer_add_instrument(w, &ins, &id) == 0 && id == i);
	}
	fz_fill_health(w);
	fz_fill_books(w);
	for (uint64_t k = 1; k <= FZ_SLOTS + FZ_SLOTS / 2; k++) {
		memset(&t, 0, sizeof(t));
		t.instrument = (uint32_t)(k % 3);
		t.kind = MDBUS_KIND_TRADE;
		t.u.trade.price = (int64_t)k;
		t.u.trade.trade_id = k;
		FUZZ_CHECK(mdbus_writer_publish(w, &t, NULL) == 0);
	}
	/* One tick left half-written: its slot's seq odd, as a writer that
	 * died in mdbus_writer_publish leaves it. */
	const uint8_t *base = mdbus__writer_map(w, &fz_tpl_size);
	fz_tpl = malloc(fz_tpl_size);
	FUZZ_CHECK(fz_tpl != NULL);
	memcpy(fz_tpl, base, fz_tpl_size);
	mdbus_writer_close(w, 1);
	struct mdbus_seg_header *h = (struct mdbus_seg_header *)fz_tpl;
	struct mdbus_slot *ring = (struct mdbus_slot *)(fz_tpl + h->ring_off);
	uint64_t next = atomic_load(&h->write_seq) + 1;
	atomic_store(&ring[next & (FZ_SLOTS - 1)].seq, (next << 1) | 1u);
	const struct mdbus_book_dirent *d =
		(const struct mdbus_book_dirent *)(fz_tpl + h->book_off) + 2;
	struct mdbus_book_rec *rec = (struct mdbus_book_rec *)(fz_tpl + h->book_off + d->rec_off);
	atomic_fetch_add(&rec->seq, 1);
}

static void fz_cleanup(void)
{
	if (fz_fd >= 0)
		unlink(fz_path);
	if (fz_lock_fd >= 0) {
		unlink(fz_lock);
		unlink(fz_lock_off);
	}
}

/* libFuzzer's signature. */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2};
	char bus[MDBUS_BUS_NAME_MAX];

	(void)argc, (void)argv;
	fz_template();
	snprintf(fz_bus, sizeof(fz_bus), "fuzz-reader-%ld", (long)getpid());
	FUZZ_CHECK(mdbus__bus_paths(fz_bus, bus, fz_path, fz_lock) == 0);
	fz_fd = open(fz_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	FUZZ_CHECK(fz_fd >= 0);
	/* The writer's lock file waits under another name until an input
	 * asks for it (fz_lock_set). */
	snprintf(fz_lock_off, sizeof(fz_lock_off), "%s.off", fz_lock);
	fz_lock_fd = open(fz_lock_off, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	FUZZ_CHECK(fz_lock_fd >= 0);
	atexit(fz_cleanup);
	FUZZ_CHECK(ftruncate(fz_fd, (off_t)(2 * fz_tpl_size)) == 0);
	fz_map = mmap(NULL, 2 * fz_tpl_size, PROT_READ | PROT_WRITE, MAP_SHARED, fz_fd, 0);
	FUZZ_CHECK(fz_map != MAP_FAILED);
	signal(SIGUSR2, fz_hung);
	FUZZ_CHECK(timer_create(CLOCK_MONOTONIC, &sev, &fz_timer) == 0);
	return 0;
}

/* ---- mutations ------------------------------------------------------------------ */

struct fz_mut {
	uint8_t op;
	uint16_t off;
	uint64_t val;
};

static const uint64_t fz_consts[] = {
	0,	    1,	       2,	   63,	       64,
	4095,	    4096,      0x7fffffff, 0x80000000, 0xffffffff,
	1ull << 32, INT64_MAX, 1ull << 63, UINT64_MAX, UINT64_MAX - 63};
/* Header fields a reader trusts or re-reads (offset, width). */
static const uint8_t fz_fields[][2] = {{0, 8},	 {8, 4},   {12, 4},  {16, 8},  {24, 8},	 {40, 8},
				       {48, 8},	 {56, 8},  {64, 8},  {72, 8},  {80, 8},	 {88, 4},
				       {92, 4},	 {96, 4},  {100, 4}, {104, 4}, {128, 4}, {132, 4},
				       {136, 4}, {192, 8}, {200, 8}, {255, 1}, {0, 1},	 {191, 1},
				       {140, 4}, {144, 8}, {152, 8}, {160, 8}, {168, 4}, {172, 4}};
#define FZ_NFIELDS (sizeof(fz_fields) / sizeof(fz_fields[0]))

/* Applies one mutation to the bus file of fsize bytes. op % 8 picks the
 * place: 0 header bytes, 1 a header field, 2 instrument table, 3 health
 * region, 4 ring bytes, 5 a forged slot seq near write_seq, 6 anywhere, 7
 * the book region (directory and records); (op / 8) % 4 the width (1, 2,
 * 4, 8); (op / 32) % 5 the kind: 0 store val,
 * 1 add a small signed delta, 2 store a constant, 3 xor val, 4 fill 64 bytes
 * with val's low byte (e.g. a text field without its NUL). */
static void fz_mutate(const struct fz_mut *m, size_t fsize)
{
	const struct mdbus_seg_header *h = (const struct mdbus_seg_header *)fz_tpl;
	unsigned place = m->op % 8, width = 1u << ((m->op / 8) % 4), kind = (m->op / 32) % 5;
	uint64_t base = 0, len = fz_tpl_size, v = m->val, old = 0;

	switch (place) {
	case 0:
		len = 272;
		break;
	case 1:
		base = fz_fields[m->off % FZ_NFIELDS][0];
		width = fz_fields[m->off % FZ_NFIELDS][1];
		len = width;
		break;
	case 2:
		base = h->instr_off, len = h->instr_size;
		break;
	case 3:
		base = h->health_off, len = h->health_size;
		break;
	case 4:
		base = h->ring_off, len = h->ring_size;
		break;
	case 5: {
		uint64_t n = atomic_load(&h->write_seq) - FZ_SLOTS + ((m->val & 0xff) >> 1);
		base = h->ring_off + (uint64_t)(m->off % FZ_SLOTS) * MDBUS_SLOT_SIZE;
		len = width = 8;
		kind = 0;
		v = (n << 1) | (m->val & 1);
		break;
	}
	case 7: /* the first 512 bytes hold the directory and both records */
		base = h->book_off, len = h->book_size < 512 ? h->book_size : 512;
		break;
	default:
		break;
	}
	uint64_t at = base + (place == 1 || place == 5 ? 0 : m->off % len);
	if (kind == 4) {
		size_t n = at + 64 <= fsize ? 64 : (at < fsize ? fsize - at : 0);
		memset(fz_map + at, (int)(m->val & 0xff), n);
		return;
	}
	if (at + width > fsize)
		return;
	memcpy(&old, fz_map + at, width);
	if (kind == 1)
		v = old + (uint64_t)(int64_t)(int8_t)(m->val & 0xff);
	else if (kind == 2)
		v = fz_consts[m->val % (sizeof(fz_consts) / sizeof(fz_consts[0]))];
	else if (kind == 3)
		v ^= old;
	memcpy(fz_map + at, &v, width);
}

/* ---- driving the reader --------------------------------------------------------- */

static int fz_read_rc_ok(int rc)
{
	return rc >= 0 || rc == -ESTALE || rc == -ESHUTDOWN || rc == -EOWNERDEAD || rc == -EBADMSG;
}

/* Reads until nothing is left; returns the last result. */
static int fz_read_all(mdbus_reader *r, int batch)
{
	struct mdbus_tick t[8];
	struct mdbus_reader_stats st0, st1;
	struct mdbus_info info;
	uint64_t seqs[8], last = 0, missed, ticks = 0;
	unsigned calls;
	int rc = 0;

	FUZZ_CHECK(FZ_CALL(mdbus_reader_info(r, &info)) == 0);
	mdbus_reader_stats(r, &st0);
	for (calls = 0; calls < 2 * info.slots + 2; calls++) {
		if (batch)
			rc = FZ_CALL(mdbus_reader_read(r, t, seqs, 8, &missed));
		else
			rc = FZ_CALL(mdbus_reader_next(r, t, &seqs[0], &missed));
		FUZZ_CHECK(fz_read_rc_ok(rc) && rc <= (batch ? 8 : 1));
		for (int i = 0; i < rc; i++) {
			FUZZ_CHECK(seqs[i] > last);
			last = seqs[i];
		}
		ticks += rc > 0 ? (uint64_t)rc : 0;
		if (rc == 0 || rc == -ESTALE || rc == -ESHUTDOWN || rc == -EBADMSG)
			break;
	}
	/* Each slot gives at most one tick and one torn report. */
	FUZZ_CHECK(calls < 2 * info.slots + 2);
	FUZZ_CHECK(ticks <= info.slots);
	mdbus_reader_stats(r, &st1);
	FUZZ_CHECK(st1.read - st0.read == ticks);
	if (rc == -EBADMSG) {
		FUZZ_CHECK(st1.corrupt > 0); /* now or before a failed re-attach */
		FUZZ_CHECK(FZ_CALL(mdbus_reader_next(r, t, NULL, NULL)) == -EBADMSG);
		FUZZ_CHECK(FZ_CALL(mdbus_reader_wait(r, 0)) == -EBADMSG);
	}
	return rc;
}

static int fz_check_rc_ok(int rc)
{
	return rc == -EINVAL || rc == -EAGAIN || rc == -EBADMSG || rc == -EPROTONOSUPPORT ||
	       rc == -ERANGE;
}

#define FZ_TERMINATED(a) (strnlen((a), sizeof(a)) < sizeof(a))

static void fz_health_session(mdbus_reader *r, uint32_t idx)
{
	struct mdbus_health_session s;
	int rc = FZ_CALL(mdbus_health_snapshot_session(r, idx, &s));

	FUZZ_CHECK(rc == 0 || fz_check_rc_ok(rc) || rc == -ENOENT || rc == -ENODATA);
	if (rc == 0) {
		char why[MDBUS_HEALTH_TEXT_MAX];
		FUZZ_CHECK(FZ_TERMINATED(s.name) && FZ_TERMINATED(s.venue) &&
			   FZ_TERMINATED(s.host));
		FUZZ_CHECK(FZ_TERMINATED(s.last_error) && FZ_TERMINATED(s.verdict_reason));
		/* The pure verdict on whatever the record holds. */
		int v = FZ_CALL(
			mdbus_health_session_verdict(&s, mdbus_health_mono_ns(), why, sizeof(why)));
		FUZZ_CHECK(v == MDBUS_HEALTH_HEALTHY || v == MDBUS_HEALTH_DEGRADED ||
			   v == MDBUS_HEALTH_DOWN);
		FUZZ_CHECK(FZ_TERMINATED(why));
	}
}

/* Long: one call after the other over the health API, each checked. */
static void fz_health(mdbus_reader *r)
{
	struct mdbus_health_geom g;
	struct mdbus_health_feed f;
	struct mdbus_health_instr in;
	uint32_t idx;
	size_t size;
	int rc, raw;

	const void *region = mdbus_reader_health(r, &size);
	rc = FZ_CALL(mdbus_health_geometry(r, &g));
	raw = FZ_CALL(mdbus_health_check(region, size, NULL));
	FUZZ_CHECK(rc == raw && (rc == 0 || fz_check_rc_ok(rc)));
	if (rc == 0)
		FUZZ_CHECK(g.session_count <= g.max_sessions && g.region_size <= size);
	rc = FZ_CALL(mdbus_health_session_count(r));
	FUZZ_CHECK(rc >= 0 || fz_check_rc_ok(rc));
	rc = FZ_CALL(mdbus_health_snapshot_feed(r, &f));
	FUZZ_CHECK(rc == 0 || fz_check_rc_ok(rc) || rc == -ENODATA);
	if (rc == 0)
		FUZZ_CHECK(FZ_TERMINATED(f.config) && FZ_TERMINATED(f.version));
	for (uint32_t i = 0; i < FZ_SESS + 2; i++)
		fz_health_session(r, i);
	for (uint32_t i = 0; i < FZ_INSTR + 2; i++) {
		rc = FZ_CALL(mdbus_health_snapshot_instr(r, i, &in));
		FUZZ_CHECK(rc == 0 || fz_check_rc_ok(rc) || rc == -ENODATA);
		rc = FZ_CALL(mdbus_health_instr_status(r, i));
		FUZZ_CHECK(rc >= 0 || fz_check_rc_ok(rc));
	}
	rc = FZ_CALL(mdbus_health_find_session(r, "fuzz1", &idx));
	FUZZ_CHECK(rc == -ENOENT || fz_check_rc_ok(rc) || (rc == 0 && idx < g.max_sessions));
	rc = FZ_CALL(mdbus_health_feed_alive(r, 0));
	FUZZ_CHECK(rc == 0 || rc == 1 || rc < 0);
	rc = FZ_CALL(mdbus_health_session_healthy(r, "fuzz0"));
	FUZZ_CHECK(rc == 0 || rc == 1 || rc == -ENOENT || fz_check_rc_ok(rc));
}

static void fz_instruments(mdbus_reader *r)
{
	struct mdbus_instrument in;
	struct mdbus_info info;
	uint32_t n, id;

	FUZZ_CHECK(FZ_CALL(mdbus_reader_info(r, &info)) == 0);
	n = FZ_CALL(mdbus_reader_instrument_count(r));
	FUZZ_CHECK(n <= info.max_instruments);
	for (uint32_t i = 0; i < n && i < FZ_INSTR + 2; i++) {
		FUZZ_CHECK(FZ_CALL(mdbus_reader_instrument(r, i, &in)) == 0 && in.id == i);
		FUZZ_CHECK(FZ_TERMINATED(in.venue) && FZ_TERMINATED(in.symbol) &&
			   FZ_TERMINATED(in.native));
		int rc = FZ_CALL(mdbus_reader_lookup(r, in.venue, in.symbol, &id));
		FUZZ_CHECK((rc == 0 && id <= i) || rc == -ENOENT);
	}
	FUZZ_CHECK(FZ_CALL(mdbus_reader_instrument(r, n, &in)) == -ENOENT);
	int alive = FZ_CALL(mdbus_reader_writer_alive(r));
	FUZZ_CHECK(alive == 0 || alive == 1 || alive < 0);
}

/* Every instrument's book (and one beyond): only documented results, a
 * copy never beyond what was asked or the book's depth, helpers sane. */
static void fz_books(mdbus_reader *r)
{
	static struct mdbus_book_snapshot s;
	for (uint32_t i = 0; i < FZ_INSTR + 2; i++) {
		for (uint32_t want = 0; want < 3; want += 2) {
			memset(&s, 0xa5, sizeof(s));
			int rc = FZ_CALL(mdbus_book_read(r, i, want, &s));
			FUZZ_CHECK(rc == 0 || rc == -ENOENT || rc == -EAGAIN || rc == -EBADMSG);
			if (rc != 0)
				continue;
			FUZZ_CHECK(s.instrument == i && s.depth >= 1 &&
				   s.depth <= MDBUS_BOOK_LEVELS_MAX);
			FUZZ_CHECK(s.nbids <= s.depth && s.nasks <= s.depth);
			FUZZ_CHECK(want == 0 || (s.nbids <= want && s.nasks <= want));
			FUZZ_CHECK(s.status <= MDBUS_BOOK_REST &&
				   s.checksum <= MDBUS_BOOK_CK_MISMATCH);
			const struct mdbus_book_level *b, *a;
			rc = FZ_CALL(mdbus_book_best(&s, &b, &a));
			FUZZ_CHECK((rc == 0 && (b != NULL || a != NULL)) ||
				   (rc == -ENOENT && b == NULL && a == NULL));
			int64_t q, n;
			rc = FZ_CALL(mdbus_book_volume_to(&s, MDBUS_BOOK_ASK, INT64_MAX, &q, &n));
			FUZZ_CHECK(rc == -EOVERFLOW || (rc >= 0 && (uint32_t)rc <= s.nasks));
			(void)FZ_CALL(mdbus_book_qty_at(&s, MDBUS_BOOK_BID, 99));
		}
	}
}

/* The writer's lock file at its name or not, held (a live writer) or not. */
static void fz_lock_set(int there, int held)
{
	if (there != fz_lock_there) {
		FUZZ_CHECK(rename(there ? fz_lock_off : fz_lock, there ? fz_lock : fz_lock_off) ==
			   0);
		fz_lock_there = there;
	}
	FUZZ_CHECK(flock(fz_lock_fd, held ? LOCK_EX | LOCK_NB : LOCK_UN) == 0);
}

/* The bus file for this input: the template at the size bits 2-3 ask for. */
static size_t fz_prepare(uint8_t opts, struct fuzz_in *in)
{
	size_t fsize = fz_tpl_size, cut = (size_t)fuzz_take_u64(in, 2) * 64;

	if (((opts >> 2) & 3) == 1)
		fsize = cut < fz_tpl_size ? fz_tpl_size - cut : 0;
	else if (((opts >> 2) & 3) == 2)
		fsize = fz_tpl_size + cut % fz_tpl_size;
	FUZZ_CHECK(ftruncate(fz_fd, (off_t)fsize) == 0);
	memcpy(fz_map, fz_tpl, fsize < fz_tpl_size ? fsize : fz_tpl_size);
	if (fsize > fz_tpl_size)
		memset(fz_map + fz_tpl_size, 0, fsize - fz_tpl_size);
	return fsize;
}

static void fz_open_failed(int rc, const char *err, size_t fsize)
{
	char why[256];

	FUZZ_CHECK(rc == -EAGAIN || rc == -EBADMSG || rc == -EPROTONOSUPPORT || rc == -EMSGSIZE ||
		   rc == -ERANGE);
	FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
	if (fsize >= MDBUS_HEADER_SIZE)
		FUZZ_CHECK(mdbus__seg_validate(fz_map, fsize, why, sizeof(why)) == rc);
}

/* The calls on an open reader, in order (closes it). */
static void fz_drive(mdbus_reader *r, uint8_t opts)
{
	int rc;

	fz_instruments(r);
	fz_books(r);
	(void)fz_read_all(r, opts & 2);
	rc = FZ_CALL(mdbus_reader_wait(r, 0));
	FUZZ_CHECK(rc == 0 || rc == -ETIMEDOUT || rc == -EINTR || rc == -ESTALE ||
		   rc == -ESHUTDOWN || rc == -EOWNERDEAD || rc == -EBADMSG);
	fz_health(r);
	rc = FZ_CALL(mdbus_reader_reattach(r));
	FUZZ_CHECK(rc == 0 || rc == -EAGAIN || rc == -EBADMSG || rc == -EPROTONOSUPPORT ||
		   rc == -EMSGSIZE || rc == -ERANGE || rc == -ESHUTDOWN || rc == -ESTALE ||
		   rc == -EOWNERDEAD);
	rc = FZ_CALL(mdbus_reader_follow(&r, NULL, 0)); /* one look, no wait */
	FUZZ_CHECK(rc == 0 || rc == -ETIMEDOUT || rc == -EBADMSG || rc == -EPROTONOSUPPORT ||
		   rc == -EMSGSIZE || rc == -ERANGE);
	fz_instruments(r);
	fz_books(r);
	(void)fz_read_all(r, !(opts & 2));
	fz_health(r);
	mdbus_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct fz_mut after[FZ_MUTATIONS_MAX];
	struct mdbus_reader_opts ro = {.bus = fz_bus};
	mdbus_reader *r = NULL;
	unsigned nafter = 0, nmut = 0;
	char err[256];
	int late = 0, rc;

	uint8_t opts = fuzz_take(&in);
	size_t fsize = fz_prepare(opts, &in);
	fz_lock_set(!!(opts & 0x20), !!(opts & 0x40));
	while (in.n > 0 && nmut++ < FZ_MUTATIONS_MAX) {
		struct fz_mut m;
		m.op = fuzz_take(&in);
		if (m.op == 0xff) {
			late = 1;
			continue;
		}
		m.off = (uint16_t)fuzz_take_u64(&in, 2);
		m.val = fuzz_take_u64(&in, 8);
		if (late)
			after[nafter++] = m;
		else
			fz_mutate(&m, fsize);
	}

	fz_arm(FZ_CALL_LIMIT_S);
	ro.start = opts & 1 ? MDBUS_START_OLDEST : MDBUS_START_LATEST;
	ro.flags = opts & 16 ? MDBUS_READER_INSECURE : 0;
	ro.errbuf = err;
	ro.errlen = sizeof(err);
	rc = FZ_CALL(mdbus_reader_open(&r, &ro));
	if (rc < 0) {
		FUZZ_CHECK(r == NULL);
		fz_open_failed(rc, err, fsize);
	} else {
		for (unsigned i = 0; i < nafter; i++)
			fz_mutate(&after[i], fsize);
		fz_drive(r, opts);
	}
	fz_arm(0);
	return 0;
}
