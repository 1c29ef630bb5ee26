/* SPDX-License-Identifier: MIT */
/*
 * Corrupt segments: every kind of bad header gives its documented error and
 * a one-line reason, never a crash; and a reader stays in bounds when the
 * header is scribbled on after it attached. Cases go through real files in
 * /dev/shm (mdbus_reader_open) and through the pure validator with scripted
 * bytes (mdbus__seg_validate).
 */
#include <stddef.h>

#include "helpers.h"
#include "internal.h"

static unsigned char *good; /* a valid segment's bytes */
static size_t good_size;
static char bus[64];

static void write_file(const char *name, const void *buf, size_t len)
{
	char p[256];
	CHECK_RC(mdbus_bus_path(name, p, sizeof(p)), 0);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	CHECK(fd >= 0);
	CHECK(write(fd, buf, len) == (ssize_t)len);
	close(fd);
}

static int try_open(const char *name, char *err, size_t errlen)
{
	struct mdbus_reader_opts o = {.bus = name, .errbuf = err, .errlen = errlen};
	mdbus_reader *r = NULL;
	err[0] = '\0';
	int rc = mdbus_reader_open(&r, &o);
	if (rc == 0) {
		CHECK(r != NULL);
		mdbus_reader_close(r);
	} else {
		CHECK(r == NULL);
	}
	return rc;
}

typedef void (*mutator)(struct mdbus_seg_header *h);

/* Applies m to a copy of the good segment, stores it as a bus and checks
 * both the validator and the reader return want with a reason. */
static void expect(const char *what, mutator m, size_t len, int want)
{
	unsigned char *buf = calloc(1, good_size);
	CHECK(buf != NULL);
	memcpy(buf, good, good_size);
	if (m != NULL)
		m((struct mdbus_seg_header *)buf);
	char err[256];
	int v = len >= MDBUS_HEADER_SIZE ? mdbus__seg_validate(buf, len, err, sizeof(err))
					 : -EMSGSIZE;
	write_file(bus, buf, len);
	int rc = try_open(bus, err, sizeof(err));
	if (rc != want || v != want || (want != 0 && err[0] == 0) || strchr(err, 10) != NULL) {
		fprintf(stderr, "%s: open %d (%s), validate %d, want %d; reason '%s'\n", what, rc,
			mdbus_strerror(rc), v, want, err);
		exit(1);
	}
	printf("%-28s -> %-16s %s\n", what, mdbus_strerror(rc), err);
	free(buf);
}

#define MUT(n, body)                                                                               \
	static void n(struct mdbus_seg_header *h)                                                  \
	{                                                                                          \
		body;                                                                              \
	}
MUT(m_zero_magic, atomic_store(&h->magic, 0))
MUT(m_bad_magic, atomic_store(&h->magic, 0x1234))
MUT(m_abi, h->abi_version = MDBUS_ABI_VERSION + 1)
MUT(m_header_size, h->header_size = 8192)
MUT(m_total_big, h->total_size += 4096)
MUT(m_total_small, h->total_size -= 4096)
MUT(m_instr_out, h->instr_off = h->total_size)
MUT(m_instr_in_header, h->instr_off = 64)
MUT(m_instr_misaligned, h->instr_off += 8)
MUT(m_instr_size_huge, h->instr_size = UINT64_MAX - 63; h->instr_capacity = 0x1ffffff)
MUT(m_health_out, h->health_off = h->total_size - 64)
MUT(m_health_size, h->health_size += 64)
MUT(m_ring_out, h->ring_off = h->total_size)
MUT(m_ring_wrap, h->ring_off = UINT64_MAX & ~(uint64_t)63)
MUT(m_ring_overlap, h->ring_off = h->health_off)
MUT(m_slots_pow2, h->slots = 100; h->ring_size = 6400)
MUT(m_slots_zero, h->slots = 0; h->ring_size = 0)
MUT(m_ring_size, h->ring_size -= 64)
MUT(m_slots_more, h->slots *= 2)
MUT(m_slot_size, h->slot_size = 32)
MUT(m_entry_size, h->instr_entry_size = 64)
MUT(m_instr_count, atomic_store(&h->instr_count, h->instr_capacity + 1))

static void make_good(void)
{
	char name[64], p[256];
	th_bus_name(name, sizeof(name), "corrupt-src");
	mdbus_writer *w = th_writer(name, 64);
	struct mdbus_tick t;
	th_tick(&t, 1);
	CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);
	mdbus_writer_close(w, 0);
	CHECK_RC(mdbus_bus_path(name, p, sizeof(p)), 0);
	int fd = open(p, O_RDONLY);
	CHECK(fd >= 0);
	struct stat sb;
	CHECK(fstat(fd, &sb) == 0);
	good_size = (size_t)sb.st_size;
	good = malloc(good_size);
	CHECK(good != NULL && read(fd, good, good_size) == (ssize_t)good_size);
	close(fd);
	th_bus_cleanup(name);
}

/* A reader attached to a good segment whose header is then scribbled on. */
static void scribble_after_open(void)
{
	write_file(bus, good, good_size);
	mdbus_reader *r = th_reader(bus, MDBUS_START_OLDEST);
	char p[256];
	CHECK_RC(mdbus_bus_path(bus, p, sizeof(p)), 0);
	int fd = open(p, O_RDWR);
	CHECK(fd >= 0);
	struct mdbus_seg_header *h =
		mmap(NULL, good_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(h != MAP_FAILED);
	close(fd);
	atomic_store(&h->instr_count, 0xffffffffu);
	h->slots = 1u << 30;
	h->ring_off = UINT64_MAX - 4095;
	h->instr_off = 1ull << 60;
	atomic_store(&h->write_seq, UINT64_MAX / 4);
	CHECK(mdbus_reader_instrument_count(r) == 16); /* clamped to capacity */
	struct mdbus_instrument in;
	CHECK_RC(mdbus_reader_instrument(r, 15, &in), 0);
	CHECK_RC(mdbus_reader_instrument(r, 16, &in), -ENOENT);
	CHECK(strlen(in.venue) < sizeof(in.venue) && strlen(in.symbol) < sizeof(in.symbol));
	CHECK_RC(mdbus_reader_lookup(r, "nope", "X-Y", NULL), -ENOENT);
	struct mdbus_tick t;
	uint64_t seq;
	CHECK_RC(mdbus_reader_next(r, &t, &seq, NULL), 1);
	CHECK(seq == 1 && th_tick_ok(&t, 1));
	/* garbage in a slot: a seq beyond write_seq + 1 is corruption, refused
	 * at once (not walked as a lap for ever), never out of bounds */
	struct mdbus_slot *ring =
		(struct mdbus_slot *)((char *)h + ((struct mdbus_seg_header *)good)->ring_off);
	atomic_store(&ring[2].seq, UINT64_MAX - 1);
	uint64_t missed = 0;
	int rc = mdbus_reader_next(r, &t, &seq, &missed);
	CHECK_RC(rc, -EBADMSG);
	CHECK_RC(mdbus_reader_next(r, &t, &seq, &missed), -EBADMSG); /* sticky */
	munmap(h, good_size);
	mdbus_reader_close(r);
}

/* Random bytes over the header's geometry fields: never a crash, and when the
 * validator accepts, every region really is inside the buffer. */
static void fuzz_validator(void)
{
	struct mdbus_seg_header *h = malloc(good_size);
	CHECK(h != NULL);
	uint64_t x = 42;
	int accepted = 0;
	for (int i = 0; i < 20000; i++) {
		memcpy(h, good, good_size);
		unsigned char *b = (unsigned char *)h;
		int flips = 1 + i % 4;
		for (int k = 0; k < flips; k++) {
			x = th_mix(x + (uint64_t)i);
			size_t off = 8 + (x % (140 - 8)); /* abi_version .. instr_count */
			b[off] = (unsigned char)(x >> 32);
		}
		char err[256];
		int rc = mdbus__seg_validate(h, good_size, err, sizeof(err));
		CHECK(rc == 0 || rc == -ERANGE || rc == -EMSGSIZE || rc == -EPROTONOSUPPORT);
		if (rc == 0) {
			accepted++;
			CHECK(h->ring_off + h->ring_size <= good_size);
			CHECK(h->instr_off + h->instr_size <= good_size);
			CHECK(h->health_off + h->health_size <= good_size);
			CHECK(h->slots * 64ull == h->ring_size);
		} else {
			CHECK(err[0] != '\0');
		}
	}
	CHECK(accepted > 0); /* flips of reserved/unused bytes stay valid */
	free(h);
}

int main(void)
{
	make_good();
	th_bus_name(bus, sizeof(bus), "corrupt");
	char err[256];

	CHECK_RC(try_open(bus, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "no bus") != NULL);

	expect("valid copy", NULL, good_size, 0);
	expect("empty file", NULL, 0, -EMSGSIZE);
	expect("shorter than header", NULL, MDBUS_HEADER_SIZE - 1, -EMSGSIZE);
	expect("truncated ring", NULL, good_size - 4096, -EMSGSIZE);
	expect("zero magic", m_zero_magic, good_size, -EAGAIN);
	expect("wrong magic", m_bad_magic, good_size, -EBADMSG);
	expect("wrong abi", m_abi, good_size, -EPROTONOSUPPORT);
	expect("header_size", m_header_size, good_size, -ERANGE);
	expect("total_size > file", m_total_big, good_size, -EMSGSIZE);
	expect("total_size < file", m_total_small, good_size, -ERANGE);
	expect("instr region outside", m_instr_out, good_size, -ERANGE);
	expect("instr region in header", m_instr_in_header, good_size, -ERANGE);
	expect("instr misaligned", m_instr_misaligned, good_size, -ERANGE);
	expect("instr size huge", m_instr_size_huge, good_size, -ERANGE);
	expect("health region outside", m_health_out, good_size, -ERANGE);
	expect("health size", m_health_size, good_size, -ERANGE);
	expect("ring region outside", m_ring_out, good_size, -ERANGE);
	expect("ring offset wraps", m_ring_wrap, good_size, -ERANGE);
	expect("ring overlaps health", m_ring_overlap, good_size, -ERANGE);
	expect("slots not power of two", m_slots_pow2, good_size, -ERANGE);
	expect("slots zero", m_slots_zero, good_size, -ERANGE);
	expect("ring_size != slots*64", m_ring_size, good_size, -ERANGE);
	expect("slots past the ring", m_slots_more, good_size, -ERANGE);
	expect("slot_size", m_slot_size, good_size, -ERANGE);
	expect("instr_entry_size", m_entry_size, good_size, -ERANGE);
	expect("instr_count > capacity", m_instr_count, good_size, -ERANGE);

	scribble_after_open();
	fuzz_validator();
	free(good);
	th_bus_cleanup(bus);
	return 0;
}
