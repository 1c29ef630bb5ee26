/* SPDX-License-Identifier: MIT */
/*
 * resolve.h: asynchronous name resolution for one session, c-ares driven by
 * the io_uring loop.
 *
 * Why c-ares and not a getaddrinfo thread: getaddrinfo cannot be cancelled,
 * so a shutdown in the middle of a slow lookup would either hang on the join
 * or leave a thread behind. c-ares is cancellable (ares_cancel/ares_destroy)
 * and exposes its sockets: each one is watched with an IORING_OP_POLL_ADD
 * through the ring, and ares_timeout() becomes one more loop deadline.
 *
 * Each session owns one resolver (its own ares channel), so cancelling one
 * session's lookup never disturbs another's. The channel lives only while a
 * lookup does: c-ares' query tables make it about 80 KB, which 1,000 sessions
 * would otherwise keep for good (80 MB); a reconnect's lookup makes a new one
 * (reading /etc/resolv.conf again). Numeric hosts ("127.0.0.1", "::1") are
 * answered synchronously without touching c-ares.
 */
#ifndef FEED_RESOLVE_H
#define FEED_RESOLVE_H

#include <stdint.h>
#include <sys/socket.h>

#include "loop.h"

#define FEED_RESOLVE_SLOTS 8 /* c-ares sockets watched at once per channel */

/* Result: err = 0 and the address (port filled in), or err < 0 with a
 * one-line reason. Called from feed_resolve_start (numeric host, hosts file)
 * or from feed_resolve_on_poll/on_timer; never after feed_resolve_cancel. */
typedef void (*feed_resolve_cb)(void *ud, int err, const struct sockaddr *sa, socklen_t salen,
				const char *reason);

struct feed_resolve_slot {
	int fd;		/* c-ares socket, -1 = free */
	unsigned want;	/* POLLIN/POLLOUT requested by c-ares */
	unsigned armed; /* mask of the poll in flight, 0 = none */
	uint32_t gen;	/* generation of the poll in flight */
};

struct feed_resolve {
	struct feed_loop *loop;
	unsigned index; /* session index for user_data */
	void *channel;	/* ares_channel, NULL but during a lookup */
	int active;	/* a lookup is outstanding: its answer is wanted */
	int busy;	/* calls into c-ares on the stack (its callbacks may run) */
	uint16_t port;
	feed_resolve_cb cb;
	void *ud;
	struct feed_resolve_slot slot[FEED_RESOLVE_SLOTS];
};

/* Prepares a resolver (no allocation yet). */
void feed_resolve_init(struct feed_resolve *r, struct feed_loop *loop, unsigned index,
		       feed_resolve_cb cb, void *ud);

/* If host is a name and no channel was made yet in this process, makes and
 * releases one now, so a resolver that cannot start (no memory, unreadable
 * configuration) fails at start-up, not at the first lookup. Returns 0 or
 * -ENOMEM. */
int feed_resolve_prepare(struct feed_resolve *r, const char *host);

/* Starts a lookup of host (A and AAAA, first answer wins). Returns 0 (the
 * callback fires now or later) or -errno (-ENOMEM, -EINVAL). */
int feed_resolve_start(struct feed_resolve *r, const char *host, uint16_t port);

/* Abandons the outstanding lookup; the callback will not fire for it. */
void feed_resolve_cancel(struct feed_resolve *r);

/* Earliest c-ares timeout as a CLOCK_MONOTONIC deadline, 0 if none. */
int64_t feed_resolve_deadline(struct feed_resolve *r, int64_t now_ns);

/* Drives c-ares timeouts (call when the deadline has passed). */
void feed_resolve_on_timer(struct feed_resolve *r);

/* Handles a FEED_OP_DNS_POLL completion for this resolver. */
void feed_resolve_on_poll(struct feed_resolve *r, uint64_t ud, int res);

/* Cancels polls, destroys the channel (closing its sockets). */
void feed_resolve_free(struct feed_resolve *r);

/* Parses a numeric IPv4/IPv6 address; returns 0 with *salen set, or -EINVAL. */
int feed_resolve_numeric(const char *host, uint16_t port, struct sockaddr_storage *ss,
			 socklen_t *salen);

/* Process-wide c-ares init/cleanup (main only). */
int feed_resolve_library_init(void);
void feed_resolve_library_cleanup(void);

#endif /* FEED_RESOLVE_H */
