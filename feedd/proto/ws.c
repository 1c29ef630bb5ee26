/* SPDX-License-Identifier: MIT */
/*
 * ws.c - WebSocket client framing on wslay's frame layer (see ws.h).
 *
 * wslay_frame_recv hands us each frame's payload in chunks straight from its
 * internal 4 KiB buffer; we check the header on the first chunk of a frame,
 * copy data into the one reassembly buffer and act when the frame is
 * complete.  An unfragmented message that fits one chunk is delivered from
 * wslay's buffer without a copy.  We never use wslay_event_*: it mallocs
 * every received message.
 */
#include "ws.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

/* wslay masks outgoing payload in 4096-byte pieces after a header of up to 14 bytes. */
_Static_assert(FEED_WS_OBUF >= 4096 + 14, "obuf must hold a frame header and one mask chunk");

/* Whole frames are staged here so a small frame becomes one TLS record, not
 * two. A frame is staged and flushed to the sink within one feed_ws_send
 * (the sink takes every byte), so the buffer holds nothing between calls
 * and one per thread serves every connection: 8 KiB that a connection
 * does not keep (the sink must not send on another feed_ws meanwhile). */
static _Thread_local uint8_t feed_ws_obuf[FEED_WS_OBUF];

/* wslay recv callback: give it as much of the pending input as fits. */
static ssize_t feed_ws_recv_cb(uint8_t *buf, size_t len, int flags, void *user_data)
{
	struct feed_ws *w = user_data;
	size_t n = w->in_len < len ? w->in_len : len;

	(void)flags;
	if (n == 0)
		return 0; /* wslay maps 0 to WSLAY_ERR_WANT_READ */
	memcpy(buf, w->in, n);
	w->in += n;
	w->in_len -= n;
	return (ssize_t)n;
}

static int feed_ws_flush(struct feed_ws *w)
{
	int r;

	if (w->olen == 0)
		return 0;
	r = w->cb.sink(w->ud, feed_ws_obuf, w->olen);
	w->olen = 0;
	return r;
}

/* wslay send callback: stage bytes; the sink sees whole frames (or 8 KiB pieces). */
static ssize_t feed_ws_send_cb(const uint8_t *data, size_t len, int flags, void *user_data)
{
	struct feed_ws *w = user_data;
	size_t done = 0;

	(void)flags;
	while (done < len) {
		size_t room = sizeof(feed_ws_obuf) - w->olen, n = len - done;
		if (room == 0) {
			int r = feed_ws_flush(w);
			if (r < 0) {
				w->sink_err = r;
				return -1;
			}
			continue;
		}
		if (n > room)
			n = room;
		memcpy(feed_ws_obuf + w->olen, data + done, n);
		w->olen += n;
		done += n;
	}
	return (ssize_t)len;
}

/* Client mask keys must be unpredictable (RFC 6455 5.3): take them from OpenSSL's DRBG. */
static int feed_ws_genmask_cb(uint8_t *buf, size_t len, void *user_data)
{
	(void)user_data;
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

static int feed_ws_newctx(struct feed_ws *w)
{
	static const struct wslay_frame_callbacks cbs = {
		.send_callback = feed_ws_send_cb,
		.recv_callback = feed_ws_recv_cb,
		.genmask_callback = feed_ws_genmask_cb,
	};

	if (w->fctx)
		wslay_frame_context_free(w->fctx);
	w->fctx = NULL;
	if (wslay_frame_context_init(&w->fctx, &cbs, w) != 0) {
		w->fctx = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void feed_ws_clear(struct feed_ws *w)
{
	w->in = NULL;
	w->in_len = 0;
	w->msg_len = 0;
	w->msg_opcode = 0;
	w->in_msg = 0;
	w->fr_active = 0;
	w->fr_opcode = 0;
	w->fr_fin = 0;
	w->fr_len = 0;
	w->fr_got = 0;
	w->ctl_len = 0;
	w->close_sent = 0;
	w->close_received = 0;
	w->close_code = 0;
	w->failed = 0;
	w->discard = 0;
	w->sink_err = 0;
	w->olen = 0;
	w->close_reason[0] = '\0';
	w->err[0] = '\0';
}

int feed_ws_init(struct feed_ws *w, uint8_t *msgbuf, size_t max_message,
		 const struct feed_ws_cb *cb, void *ud)
{
	memset(w, 0, sizeof(*w));
	if (!msgbuf || max_message == 0 || !cb || !cb->sink)
		return -EINVAL;
	w->msg = msgbuf;
	w->msg_cap = max_message;
	w->cb = *cb;
	w->ud = ud;
	return feed_ws_newctx(w);
}

void feed_ws_reset(struct feed_ws *w)
{
	feed_ws_clear(w);
	/*
	 * wslay has no reset: a connection that died mid-frame leaves its parser
	 * mid-frame, so take a fresh context (once per attempt, not per message).
	 */
	if (feed_ws_newctx(w) != 0)
		snprintf(w->err, sizeof(w->err), "out of memory resetting WebSocket state");
}

void feed_ws_free(struct feed_ws *w)
{
	if (!w)
		return;
	if (w->fctx)
		wslay_frame_context_free(w->fctx);
	w->fctx = NULL;
}

int feed_ws_send(struct feed_ws *w, uint8_t opcode, const uint8_t *p, size_t n)
{
	struct wslay_frame_iocb iocb;
	int r;

	if (!w->fctx)
		return -ENOMEM;
	if (w->close_sent)
		return -EPIPE; /* nothing may follow our close frame */
	if ((opcode & 0x8) && n > 125)
		return -EINVAL;
	memset(&iocb, 0, sizeof(iocb));
	iocb.fin = 1;
	iocb.opcode = opcode;
	iocb.mask = 1;
	iocb.payload_length = n;
	iocb.data = p;
	iocb.data_length = n;
	w->sink_err = 0;
	do {
		ssize_t s = wslay_frame_send(w->fctx, &iocb);
		if (s < 0) {
			/* Our send callback never refuses, so this is a sink or RNG failure. */
			r = w->sink_err ? w->sink_err : -EIO;
			snprintf(w->err, sizeof(w->err), "frame send failed (%s)",
				 w->sink_err ? "output" : "mask generation");
			w->olen = 0;
			w->failed = 1;
			return r;
		}
		iocb.data += s;
		iocb.data_length -= (size_t)s;
	} while (iocb.data_length > 0);
	if (opcode == WSLAY_CONNECTION_CLOSE)
		w->close_sent = 1;
	return feed_ws_flush(w);
}

int feed_ws_close(struct feed_ws *w, uint16_t code, const char *reason)
{
	uint8_t buf[125];
	size_t n = 0, rl;

	if (w->close_sent)
		return -EALREADY;
	buf[n++] = (uint8_t)(code >> 8);
	buf[n++] = (uint8_t)(code & 0xff);
	if (reason) {
		rl = strlen(reason);
		if (rl > sizeof(buf) - 2)
			rl = sizeof(buf) - 2;
		memcpy(buf + n, reason, rl);
		n += rl;
	}
	return feed_ws_send(w, WSLAY_CONNECTION_CLOSE, buf, n);
}

/* Record the error, queue our close (once), stop reading. */
static int feed_ws_fail(struct feed_ws *w, uint16_t code, int err, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	w->failed = 1;
	w->in_len = 0;
	if (!w->close_sent) {
		r = feed_ws_close(w, code, "protocol error");
		if (r < 0 && r != -EALREADY)
			return r;
	}
	return err;
}

/* Close codes a peer may send (RFC 6455 7.4.1, 7.4.2; IANA registry 1012-1014). */
static int feed_ws_close_code_ok(unsigned code)
{
	if (code >= 3000 && code <= 4999)
		return 1;
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

static int feed_ws_control(struct feed_ws *w, uint8_t opcode)
{
	switch (opcode) {
	case WSLAY_PING:
		/* After our close, the peer is expected to answer it, not our pongs. */
		if (w->close_sent)
			return 0;
		return feed_ws_send(w, WSLAY_PONG, w->ctl, w->ctl_len);
	case WSLAY_PONG:
		if (w->cb.on_pong && !w->discard)
			w->cb.on_pong(w->ud, w->ctl, w->ctl_len);
		return 0;
	case WSLAY_CONNECTION_CLOSE: {
		uint16_t code = 1005; /* "no status received" */
		size_t rl = 0;
		if (w->ctl_len == 1)
			return feed_ws_fail(w, FEED_WS_CLOSE_PROTOCOL, -EPROTO,
					    "close frame with a 1-byte payload");
		if (w->ctl_len >= 2) {
			code = (uint16_t)(w->ctl[0] << 8 | w->ctl[1]);
			if (!feed_ws_close_code_ok(code))
				return feed_ws_fail(w, FEED_WS_CLOSE_PROTOCOL, -EPROTO,
						    "invalid close code %u", code);
			rl = w->ctl_len - 2;
			if (rl > sizeof(w->close_reason) - 1)
				rl = sizeof(w->close_reason) - 1;
			memcpy(w->close_reason, w->ctl + 2, rl);
			/* The reason ends up in log lines: no control characters. */
			for (size_t i = 0; i < rl; i++) {
				unsigned char ch = (unsigned char)w->close_reason[i];
				if (ch < 0x20 || ch == 0x7f)
					w->close_reason[i] = '?';
			}
		}
		w->close_reason[rl] = '\0';
		w->close_received = 1;
		w->close_code = code;
		w->in_len = 0; /* nothing after a close frame is meaningful */
		if (!w->close_sent) {
			/* Echo the peer's code; "no code" is answered with a normal close. */
			int r = feed_ws_close(w, code == 1005 ? FEED_WS_CLOSE_NORMAL : code, NULL);
			if (r < 0 && r != -EALREADY)
				return r;
		}
		if (w->cb.on_close)
			w->cb.on_close(w->ud, code, w->close_reason);
		return 0;
	}
	}
	return 0;
}

/*
 * A message over max_message: queue close 1009 and switch to discard mode.
 * Framing is still intact, so we keep parsing (delivering nothing) to find
 * the peer's answering close frame; hanging up at once would make the
 * kernel reset the connection under the peer's unread 1009.
 */
static int feed_ws_toobig(struct feed_ws *w, unsigned long long total)
{
	int r;

	snprintf(w->err, sizeof(w->err), "message too big (%llu > max_message %zu)", total,
		 w->msg_cap);
	w->discard = 1;
	if (!w->close_sent) {
		r = feed_ws_close(w, FEED_WS_CLOSE_TOO_BIG, "message too big");
		if (r < 0 && r != -EALREADY)
			return r;
	}
	return -EMSGSIZE;
}

/* First chunk of a frame: validate its header; 1 if fully delivered already (zero copy). */
static int feed_ws_frame_start(struct feed_ws *w, const struct wslay_frame_iocb *io)
{
	uint8_t op = io->opcode;

	if (io->mask)
		return feed_ws_fail(w, FEED_WS_CLOSE_PROTOCOL, -EPROTO, "masked frame from server");
	if (io->rsv)
		return feed_ws_fail(w, FEED_WS_CLOSE_PROTOCOL, -EPROTO,
				    "reserved bits set (no extension negotiated)");
	switch (op) {
	case WSLAY_CONTINUATION_FRAME:
		if (!w->in_msg)
			return feed_ws_fail(w, FEED_WS_CLOSE_PROTOCOL, -EPROTO,
					    "continuation frame without a message start");
		break;
	case WSLAY_TEXT_FRAME:
	case WSLAY_BINARY_FRAME:
		if (w->in_msg)
			return feed_ws_fail(w, FEED_WS_CLOSE_PROTOCOL, -EPROTO,
					    "new message inside a fragmented message");
		if (io->fin && io->data_length == io->payload_length &&
		    io->payload_length <= w->msg_cap && !w->discard) {
			/* Whole message in wslay's buffer: deliver without copying. */
			if (w->cb.on_message)
				w->cb.on_message(w->ud, io->data, io->data_length,
						 op == WSLAY_BINARY_FRAME);
			return 1;
		}
		w->in_msg = 1;
		w->msg_opcode = op;
		w->msg_len = 0;
		break;
	case WSLAY_CONNECTION_CLOSE:
	case WSLAY_PING:
	case WSLAY_PONG:
		/* wslay already rejected control frames over 125 bytes or without FIN. */
		w->ctl_len = 0;
		break;
	default:
		return feed_ws_fail(w, FEED_WS_CLOSE_PROTOCOL, -EPROTO, "reserved opcode 0x%x", op);
	}
	w->fr_active = 1;
	w->fr_opcode = op;
	w->fr_fin = io->fin;
	w->fr_len = io->payload_length;
	w->fr_got = 0;
	if (!(op & 0x8) && !w->discard && io->payload_length > w->msg_cap - w->msg_len)
		return feed_ws_toobig(w, (unsigned long long)w->msg_len + io->payload_length);
	return 0;
}

/* One chunk of the current frame: buffer it; a complete frame is a control
 * frame to answer or, with FIN, the end of a message to deliver. */
static int feed_ws_chunk(struct feed_ws *w, const struct wslay_frame_iocb *io)
{
	int r;

	if (w->fr_opcode & 0x8) {
		memcpy(w->ctl + w->ctl_len, io->data, io->data_length);
		w->ctl_len += io->data_length;
	} else if (!w->discard) {
		memcpy(w->msg + w->msg_len, io->data, io->data_length);
		w->msg_len += io->data_length;
	}
	w->fr_got += io->data_length;
	if (w->fr_got < w->fr_len)
		return 0;
	w->fr_active = 0;
	if (w->fr_opcode & 0x8) {
		r = feed_ws_control(w, w->fr_opcode);
		return r < 0 ? r : 0;
	}
	if (w->fr_fin) {
		w->in_msg = 0;
		if (w->cb.on_message && !w->discard)
			w->cb.on_message(w->ud, w->msg, w->msg_len,
					 w->msg_opcode == WSLAY_BINARY_FRAME);
		w->msg_len = 0;
	}
	return 0;
}

int feed_ws_input(struct feed_ws *w, const uint8_t *p, size_t n)
{
	struct wslay_frame_iocb io;
	int r, ret = 0;

	if (w->failed || w->close_received)
		return w->failed ? -EPROTO : 0;
	if (!w->fctx)
		return -ENOMEM;
	w->in = p;
	w->in_len = n;
	for (;;) {
		ssize_t s;
		memset(&io, 0, sizeof(io));
		s = wslay_frame_recv(w->fctx, &io);
		if (s == WSLAY_ERR_WANT_READ)
			break;
		if (s < 0)
			return feed_ws_fail(w, FEED_WS_CLOSE_PROTOCOL, -EPROTO,
					    "bad frame header (oversized or fragmented control "
					    "frame, or non-minimal length)");
		r = w->fr_active ? 0 : feed_ws_frame_start(w, &io);
		if (r == -EMSGSIZE)
			ret = r; /* reported at the end; the rest is parsed and dropped */
		else if (r < 0)
			return r;
		if (r != 1) /* 1: delivered whole from wslay's buffer */
			r = feed_ws_chunk(w, &io);
		if (r < 0)
			return r;
		if (w->failed)
			return -EPROTO;
		if (w->close_received)
			break;
	}
	w->in = NULL;
	w->in_len = 0;
	return ret;
}
