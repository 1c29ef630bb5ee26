/* SPDX-License-Identifier: MIT */
/*
 * core_session: the whole feedd core (daemon, loop, session driver) against
 * a scripted plain-WebSocket peer in a thread of this process. Script:
 *   connection 1: 101, ack the subscription, 5 trades, close frame 1000
 *   connection 2: 101, ack, 5 trades, then SIGTERM to the process; answers
 *                 feedd's close frame
 * Connection 2 sends a 101 of about 6 KB (two pages of feedd's header
 * buffer), and 16 KB of unsolicited pongs, the ack and its trades in one
 * write.
 * Checks: exit code 0, every trade on the bus with exact decimals (those
 * parsed from the same receive as the ack too), GAP on the first trade
 * after the reconnect only, UP/DOWN status ticks per connection, the
 * reconnect counted, nothing left open; and, while connection 2 is live,
 * that the pages only its start-up wrote are no longer resident (the
 * upgrade header's, rx beyond its first page).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "resolve.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

/* ASan builds keep feedd's buffers on the heap and release nothing. */
#if defined(__SANITIZE_ADDRESS__)
#define PEER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PEER_ASAN 1
#endif
#endif

#define PEER_PAD   6000 /* bytes of padding header in connection 2's 101 */
#define PEER_PONGS 128	/* unsolicited pongs before connection 2's ack */

struct peer {
	int lfd;
	const struct feed_daemon *d; /* feedd, for its connection's buffers */
	int resident;		     /* pages found resident that were released (-1: error) */
	const char *bus;
	int failed;    /* script step that went wrong, 0 = none */
	int closes;    /* close frames received from feedd */
	unsigned code; /* close code of the last one */
};

static int peer_read_frame(int fd, uint8_t *op, char *buf, size_t cap, size_t *len)
{
	uint8_t h[14];
	size_t n, need = 2;
	uint64_t plen;

	if (recv(fd, h, 2, MSG_WAITALL) != 2)
		return -1;
	plen = h[1] & 0x7f;
	if (plen == 126)
		need = 2;
	else if (plen == 127)
		need = 8;
	else
		need = 0;
	if (need && recv(fd, h + 2, need, MSG_WAITALL) != (ssize_t)need)
		return -1;
	if (plen == 126)
		plen = ((uint64_t)h[2] << 8) | h[3];
	else if (plen == 127)
		return -1;
	if (!(h[1] & 0x80) || plen > cap)
		return -1; /* client frames are masked; ours are small */
	if (recv(fd, h + 10, 4, MSG_WAITALL) != 4)
		return -1;
	if (plen && recv(fd, buf, plen, MSG_WAITALL) != (ssize_t)plen)
		return -1;
	for (n = 0; n < plen; n++)
		buf[n] = (char)(buf[n] ^ h[10 + (n & 3)]);
	*op = h[0] & 0x0f;
	*len = plen;
	return 0;
}

static int peer_send_frame(int fd, uint8_t op, const char *p, size_t n)
{
	uint8_t h[4] = {(uint8_t)(0x80 | op), 0, 0, 0};
	size_t hl = 2;

	if (n < 126) {
		h[1] = (uint8_t)n;
	} else {
		h[1] = 126;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hl = 4;
	}
	if (send(fd, h, hl, MSG_NOSIGNAL) != (ssize_t)hl)
		return -1;
	return send(fd, p, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* Appends a text frame to out (cap bytes, *len used). 0 or -1. */
static int peer_frame_into(char *out, size_t cap, size_t *len, const char *p, size_t n)
{
	if (n >= 126 || *len + 2 + n > cap)
		return -1;
	out[(*len)++] = (char)0x81;
	out[(*len)++] = (char)n;
	memcpy(out + *len, p, n);
	*len += n;
	return 0;
}

/* pad: bytes of an extra header line in the 101 (0: none). */
static int peer_upgrade(int fd, size_t pad)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	char req[4096], key[128], resp[256 + PEER_PAD];
	unsigned char md[20], b64[64];
	unsigned int mdlen = 0;
	size_t n = 0;
	char *k, *e;

	while (n < sizeof(req) - 1) {
		ssize_t r = recv(fd, req + n, sizeof(req) - 1 - n, 0);

		if (r <= 0)
			return -1;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	k = strcasestr(req, "Sec-WebSocket-Key:");
	if (!k)
		return -1;
	k += strlen("Sec-WebSocket-Key:");
	while (*k == ' ')
		k++;
	e = strstr(k, "\r\n");
	if (!e || (size_t)(e - k) + sizeof(guid) > sizeof(key))
		return -1;
	snprintf(key, sizeof(key), "%.*s%s", (int)(e - k), k, guid);
	EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha1(), NULL);
	EVP_EncodeBlock(b64, md, (int)mdlen);
	if (pad > PEER_PAD)
		return -1;
	n = (size_t)snprintf(resp, sizeof(resp),
			     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n",
			     (char *)b64);
	if (pad) {
		n += (size_t)snprintf(resp + n, sizeof(resp) - n, "X-Pad: ");
		memset(resp + n, 'x', pad);
		n += pad;
		resp[n++] = '\r';
		resp[n++] = '\n';
	}
	resp[n++] = '\r';
	resp[n++] = '\n';
	return send(fd, resp, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

static void peer_wait_trades(const char *bus, int want)
{
	struct mdbus_reader_opts o = {.bus = bus, .start = MDBUS_START_OLDEST};
	struct mdbus_tick t;
	mdbus_reader *r;
	int n = 0;

	for (int i = 0; i < 500 && n < want; i++) {
		if (mdbus_reader_open(&r, &o) == 0) {
			n = 0;
			while (mdbus_reader_next(r, &t, NULL, NULL) == 1)
				n += t.kind == MDBUS_KIND_TRADE;
			mdbus_reader_close(r);
		}
		if (n < want)
			usleep(10 * 1000);
	}
}

/* Pages of [p, p + n) resident now, or -1. */
static int peer_pages_in(const void *p, size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), np = (n + pg - 1) / pg;
	unsigned char vec[64];
	int in = 0;

	if (((uintptr_t)p % pg) != 0 || np > sizeof(vec) || mincore((void *)p, n, vec) < 0)
		return -1;
	for (size_t i = 0; i < np; i++)
		in += vec[i] & 1;
	return in;
}

/* Connection 2 is live: its upgrade header's pages went back at OPEN, and
 * rx's, written by the burst beyond the first page, at LIVE: no page that
 * lies wholly in rx past its first pg bytes is resident. */
static int peer_released(const struct peer *pe)
{
	const struct feed_sconn *c = &pe->d->sess[0].conns[0];
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t lo = pg + (pg - (uintptr_t)c->rx % pg) % pg; /* offsets in rx */
	size_t hi = lo + (FEED_RX_BUF - lo) / pg * pg;
	int hdr, rx;

#ifdef PEER_ASAN
	return 0;
#endif
	hdr = peer_pages_in(c->conn.up.hdr, c->conn.up.hdr_cap);
	rx = peer_pages_in(c->rx + lo, hi - lo);
	if (hdr < 0 || rx < 0)
		return -1;
	if (hdr || rx)
		fprintf(stderr, "resident after LIVE: %d header pages, %d rx pages\n", hdr, rx);
	return hdr + rx;
}

/* The ack of request id, then 5 trades: frame by frame, or (last) in one
 * write after PEER_PONGS unsolicited pongs (125 bytes each, ignored), so
 * that feedd parses the trades from the receive that took it LIVE, which
 * filled about 16 KB of its receive buffer. */
static int peer_data(int fd, long id, int last)
{
	char msg[256], all[PEER_PONGS * 127 + 1024];
	size_t n = 0;

	for (int i = 0; last && i < PEER_PONGS; i++) {
		all[n++] = (char)0x8a;
		all[n++] = 125;
		memset(all + n, 'p', 125);
		n += 125;
	}
	snprintf(msg, sizeof(msg), "{\"result\":null,\"id\":%ld}", id);
	if (last ? peer_frame_into(all, sizeof(all), &n, msg, strlen(msg)) < 0
		 : peer_send_frame(fd, 1, msg, strlen(msg)) < 0)
		return -1;
	for (int t = 1; t <= 5; t++) {
		snprintf(msg, sizeof(msg),
			 "{\"e\":\"trade\",\"E\":1700000000000,\"s\":\"BTCUSDT\",\"t\":%d,"
			 "\"p\":\"65000.10\",\"q\":\"0.001\",\"T\":1700000000000,\"m\":true}",
			 last * 10 + t);
		if (last ? peer_frame_into(all, sizeof(all), &n, msg, strlen(msg)) < 0
			 : peer_send_frame(fd, 1, msg, strlen(msg)) < 0)
			return -1;
	}
	return !last || send(fd, all, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* One connection of the script; last = send SIGTERM instead of closing. */
static int peer_conn(struct peer *pe, int last)
{
	char buf[4096];
	uint8_t op = 0;
	size_t len = 0;
	const char *id;
	int fd, rc = -1;

	fd = accept(pe->lfd, NULL, NULL);
	if (fd < 0)
		return -1;
	if (peer_upgrade(fd, last ? PEER_PAD : 0) < 0 ||
	    peer_read_frame(fd, &op, buf, sizeof(buf) - 1, &len) < 0 || op != 1)
		goto out;
	buf[len] = '\0';
	id = strstr(buf, "\"id\":");
	if (!strstr(buf, "SUBSCRIBE") || !id)
		goto out;
	if (peer_data(fd, strtol(id + 5, NULL, 10), last) < 0)
		goto out;
	if (last) {
		/* The signal must not overtake the trades: wait until all ten
		 * are on the bus (they travel on the socket, it on the ring). */
		peer_wait_trades(pe->bus, 10);
		pe->resident = peer_released(pe);
		kill(getpid(), SIGTERM);
	} else if (peer_send_frame(fd, 8, "\x03\xe8", 2) < 0)
		goto out;
	/* Until feedd's close frame (ours answered) or EOF. */
	while (peer_read_frame(fd, &op, buf, sizeof(buf), &len) == 0) {
		if (op == 8) {
			pe->closes++;
			pe->code =
				len >= 2 ? ((unsigned)(uint8_t)buf[0] << 8) | (uint8_t)buf[1] : 0;
			if (last)
				peer_send_frame(fd, 8, buf, len >= 2 ? 2 : 0);
			break;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static void *peer_main(void *arg)
{
	struct peer *pe = arg;

	if (peer_conn(pe, 0) < 0)
		pe->failed = 1;
	else if (peer_conn(pe, 1) < 0)
		pe->failed = 2;
	return NULL;
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	char cfgtext[1024], err[512], bus[64];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	struct feed_config cfg;
	struct feed_daemon d;
	struct peer pe = {.lfd = -1, .d = &d, .bus = bus};
	pthread_t th;
	sigset_t set;
	int code;

	/* Blocked before the peer thread exists so it inherits the mask and
	 * SIGTERM can only arrive through feedd's signalfd. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	pe.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(pe.lfd >= 0);
	CHECK(bind(pe.lfd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(listen(pe.lfd, 4) == 0);
	CHECK(getsockname(pe.lfd, (struct sockaddr *)&a, &alen) == 0);
	snprintf(bus, sizeof(bus), "core-session-%d", (int)getpid());
	snprintf(cfgtext, sizeof(cfgtext),
		 /* refdata = no: the scripted peer takes exactly the session's
		  * two connections */
		 "[bus]\nname = %s\nslots = 1024\n[feed]\nshutdown_timeout = 2s\nrefdata = no\n"
		 "[session t]\nvenue = binance\nurl = ws://127.0.0.1:%u/ws\n"
		 "symbols = BTC-USDT\nchannels = trades\nreconnect_initial = 50ms\n"
		 "reconnect_jitter = 0\nping_interval = 20s\n",
		 bus, ntohs(a.sin_port));
	CHECK(feed_config_load_string(cfgtext, "core_session.ini", &cfg, err, sizeof(err)) == 0);
	CHECK(pthread_create(&th, NULL, peer_main, &pe) == 0);
	CHECK(feed_resolve_library_init() == 0);
	code = feed_daemon_init(&d, &cfg) == 0 ? feed_daemon_run(&d) : 1;
	feed_daemon_free(&d);
	feed_resolve_library_cleanup();
	pthread_join(th, NULL);
	close(pe.lfd);
	feed_config_free(&cfg);
	CHECK(code == 0);
	CHECK(pe.failed == 0);
	CHECK(pe.closes == 2);	/* its answer to our close, then its own */
	CHECK(pe.code == 1001); /* going away: shutdown */
	CHECK(pe.resident == 0);

	{
		struct mdbus_reader_opts o = {.bus = bus, .start = MDBUS_START_OLDEST};
		struct mdbus_health_session hs;
		struct mdbus_tick t;
		mdbus_reader *r;
		int trades = 0, gaps = 0, up = 0, down = 0, bad = 0, gap_at = -1;
		uint32_t reasons[2] = {0, 0};

		CHECK(mdbus_reader_open(&r, &o) == 0);
		while (mdbus_reader_next(r, &t, NULL, NULL) == 1) {
			if (t.kind == MDBUS_KIND_TRADE) {
				bad += t.u.trade.price != 6500010000000 ||
				       t.u.trade.qty != 100000 || !(t.flags & MDBUS_FLAG_SELL) ||
				       t.exch_ts != INT64_C(1700000000000) * 1000000;
				if (t.flags & MDBUS_FLAG_GAP) {
					gaps++;
					gap_at = (int)t.u.trade.trade_id;
				}
				trades++;
			} else if (t.kind == MDBUS_KIND_STATUS) {
				up += t.u.status.code == MDBUS_STATUS_UP;
				if (t.u.status.code == MDBUS_STATUS_DOWN && down < 2)
					reasons[down++] = t.u.status.reason;
			}
		}
		CHECK(trades == 10 && bad == 0);
		CHECK(gaps == 1 && gap_at == 11); /* first trade of connection 2 */
		CHECK(up == 2 && down == 2);
		CHECK(reasons[0] == FEED_ERR_SERVER_CLOSE && reasons[1] == FEED_ERR_SHUTDOWN);
		CHECK(mdbus_health_snapshot_session(r, 0, &hs) == 0);
		CHECK(hs.connects == 2 && hs.reconnects == 1 && hs.ticks == 10);
		CHECK(hs.state == FEED_ST_STOPPED);
		mdbus_reader_close(r);
	}
	snprintf(err, sizeof(err), "/dev/shm/mdbus-%s", bus);
	unlink(err);
	snprintf(err, sizeof(err), "/dev/shm/mdbus-%s.lock", bus);
	unlink(err);
	snprintf(err, sizeof(err), "/dev/shm/mdbus-%s.readers", bus);
	unlink(err);
	printf("core_session: ok\n");
	return 0;
}
