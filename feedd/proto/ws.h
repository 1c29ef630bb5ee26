/* SPDX-License-Identifier: MIT */
/*
 * ws.h - WebSocket client framing (RFC 6455) on wslay's low-level
 * wslay_frame_* API.  No I/O and no allocation per message: received
 * fragments are reassembled into one buffer of max_message bytes given at
 * init; outgoing frames (always masked, as a client must) go to the sink
 * callback, which must accept every byte.
 *
 * Control frames are handled here: ping -> pong with the same payload,
 * pong -> on_pong, close -> echo the code once and report on_close.
 * A protocol violation queues close 1002 and stops parsing (-EPROTO, and
 * -EPROTO for any later input).  A message over max_message queues close
 * 1009 and returns -EMSGSIZE once; parsing goes on in discard mode (no
 * messages or pongs delivered) so the peer's answering close is still seen.
 * The reason is in ws->err.
 */
#ifndef FEED_WS_H
#define FEED_WS_H

#include <stddef.h>
#include <stdint.h>
#include <wslay/wslay.h>

#define FEED_WS_CLOSE_NORMAL   1000
#define FEED_WS_CLOSE_PROTOCOL 1002
#define FEED_WS_CLOSE_TOO_BIG  1009

/* wslay masks payload in 4096-byte chunks; plus the largest frame header (14). */
#define FEED_WS_OBUF 8192

struct feed_ws_cb {
	/* Complete message; p is valid only during the call. */
	void (*on_message)(void *ud, const uint8_t *p, size_t n, int binary);
	void (*on_pong)(void *ud, const uint8_t *p, size_t n);
	/* Peer close frame; code 1005 when the frame had no code. */
	void (*on_close)(void *ud, uint16_t code, const char *reason);
	/* Outgoing frame bytes; must take all n.  0 or -errno. */
	int (*sink)(void *ud, const uint8_t *p, size_t n);
};

struct feed_ws {
	wslay_frame_context_ptr fctx; /* allocated once at init */
	struct feed_ws_cb cb;
	void *ud;
	const uint8_t *in; /* bytes handed to wslay by the recv callback */
	size_t in_len;
	uint8_t *msg; /* reassembly buffer, max_message bytes (not owned) */
	size_t msg_cap;
	size_t msg_len;
	uint8_t msg_opcode; /* opcode of the message in progress */
	uint8_t in_msg;	    /* a fragmented message is in progress */
	uint8_t fr_active;  /* a frame's header was seen, payload still coming */
	uint8_t fr_opcode;
	uint8_t fr_fin;
	uint64_t fr_len;  /* payload length of the current frame */
	uint64_t fr_got;  /* payload bytes of it seen so far */
	uint8_t ctl[128]; /* control frame payload (max 125) */
	size_t ctl_len;
	int close_sent;	     /* our close frame went to the sink */
	int close_received;  /* peer close frame seen */
	uint16_t close_code; /* code from the peer's close frame */
	int failed;	     /* protocol error seen: ignore further input */
	int discard;	     /* oversize seen (1009 sent): parse on, deliver nothing, await close */
	int sink_err;	     /* error from the sink during wslay_frame_send */
	size_t olen;	     /* bytes staged (ws.c's obuf, one per thread: empty between calls) */
	char close_reason[128]; /* peer's close reason, NUL-terminated */
	char err[128];
};

/* Bind the reassembly buffer and callbacks; allocates wslay's context once. 0 or -ENOMEM/-EIO. */
int feed_ws_init(struct feed_ws *w, uint8_t *msgbuf, size_t max_message,
		 const struct feed_ws_cb *cb, void *ud);

/* Forget per-connection state (partial message, close flags); no allocation. */
void feed_ws_reset(struct feed_ws *w);

/*
 * Parse received bytes, firing callbacks for whole messages and control
 * frames.  0 when all bytes were used; -EPROTO (close 1002 queued; later
 * input is ignored and returns -EPROTO), -EMSGSIZE (close 1009 queued, once;
 * later input is parsed and dropped) or a sink error.
 */
int feed_ws_input(struct feed_ws *w, const uint8_t *p, size_t n);

/* Send one masked frame: opcode WSLAY_TEXT_FRAME, WSLAY_BINARY_FRAME, WSLAY_PING... */
int feed_ws_send(struct feed_ws *w, uint8_t opcode, const uint8_t *p, size_t n);

/* Send a close frame once (reason truncated to fit 125 bytes).  -EALREADY if already sent. */
int feed_ws_close(struct feed_ws *w, uint16_t code, const char *reason);

/* Free wslay's context; safe on a zeroed w and NULL. */
void feed_ws_free(struct feed_ws *w);

#endif /* FEED_WS_H */
