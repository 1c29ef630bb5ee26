/* SPDX-License-Identifier: MIT */
/*
 * top_tui.c: mdbus-top's full-screen view (ncursesw). Samples once per
 * refresh period, redraws at once on a key. Flicker-free: every frame is
 * werase + draw + wnoutrefresh + doupdate, so curses sends only the cells
 * that changed (never clear(), which repaints the whole screen).
 */
#include <errno.h>
#include <locale.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools_run.h"
#include "top_out.h"
#include "top_rows.h"

enum { TOP_PAIR_OK = 1, TOP_PAIR_WARN, TOP_PAIR_BAD, TOP_PAIR_HEAD };
enum { TOP_VIEW_SESSIONS, TOP_VIEW_INSTRUMENTS, TOP_VIEW_READERS, TOP_VIEW_LATENCY, TOP_VIEW_BOOK };

struct top_tui {
	int view;
	int sess_sort, instr_sort;
	uint32_t sel; /* the selected instrument (id): its row, its book (b) */
	int sel_set;  /* b picks the first instrument with a book until arrows choose */
	int color;
	uint32_t *idx;
	size_t idx_cap;
	int64_t refresh_ns;
};

static void top_paint(const struct top_tui *u, int y, int x, int w, int pair, attr_t extra)
{
	if (x >= COLS)
		return;
	if (x + w > COLS)
		w = COLS - x;
	mvchgat(y, x, w, (u->color ? 0 : (pair == TOP_PAIR_BAD ? A_BOLD : 0)) | extra,
		(short)(u->color ? pair : 0), NULL);
}

static int top_verdict_pair(int verdict)
{
	return verdict == MDBUS_HEALTH_HEALTHY	  ? TOP_PAIR_OK
	       : verdict == MDBUS_HEALTH_DEGRADED ? TOP_PAIR_WARN
						  : TOP_PAIR_BAD;
}

static int top_status_pair(uint32_t st)
{
	return st == MDBUS_HEALTH_INSTR_LIVE   ? TOP_PAIR_OK
	       : st == MDBUS_HEALTH_INSTR_DOWN ? TOP_PAIR_BAD
					       : TOP_PAIR_WARN;
}

/* One line of text at row y, cut to the screen width. The bottom-right
 * cell is never written: curses would try to scroll. */
static void top_put(int y, const char *s)
{
	int w = y == LINES - 1 ? COLS - 1 : COLS;
	if (y < LINES && w > 0)
		mvaddnstr(y, 0, s, w);
}

/* Lines 0-3: the header, the liveness word painted, the view and sort. */
static void top_draw_header(const struct top_tui *u, const struct top_state *st, char *line,
			    size_t len)
{
	const struct top_snap *s = &st->cur;
	int64_t since = st->reattach_mono_ns ? s->now_mono_ns - st->reattach_mono_ns : -1;
	int recent = since >= 0 && since < 10000000000LL; /* re-attached within 10 s */
	char age[32];
	int bad;

	for (int n = 0; n < 3; n++) {
		top_hdr_line(st, n, line, len);
		top_put(n, line);
	}
	const char *live = top_liveness(s, &bad);
	top_hdr_line(st, 0, line, len);
	char *at = strstr(line, live);
	if (at)
		top_paint(u, 0, (int)(at - line), (int)strlen(live),
			  bad ? TOP_PAIR_BAD : TOP_PAIR_OK, A_BOLD);

	snprintf(line, len, "[%s]  sort: %s%s%s",
		 u->view == TOP_VIEW_SESSIONS  ? "sessions"
		 : u->view == TOP_VIEW_READERS ? "readers"
		 : u->view == TOP_VIEW_LATENCY ? "latency"
		 : u->view == TOP_VIEW_BOOK    ? "book"
					       : "instruments",
		 u->view == TOP_VIEW_SESSIONS  ? top_sess_sort_name(u->sess_sort)
		 : u->view == TOP_VIEW_READERS ? "slot"
		 : u->view == TOP_VIEW_LATENCY ? "name"
		 : u->view == TOP_VIEW_BOOK    ? "id"
					       : top_instr_sort_name(u->instr_sort),
		 recent ? "   re-attached to a new writer " : "",
		 recent ? top_fmt_age(age, sizeof(age), since) : "");
	if (recent)
		strncat(line, " ago", len - strlen(line) - 1);
	top_put(3, line);
}

/* Row i of the current view into line; returns the colour pair of its
 * state cell (0: leave it plain) and the cell's column and width. */
static int top_view_row(const struct top_tui *u, const struct top_snap *s, uint32_t i, char *line,
			size_t len, int *col, int *w)
{
	if (u->view == TOP_VIEW_SESSIONS) {
		const struct top_session *t = &s->sess[i];

		top_sess_row(s, t, line, len, COLS);
		*col = TOP_SESS_STATE_COL;
		*w = TOP_SESS_STATE_W;
		return top_verdict_pair(t->verdict);
	}
	const struct top_instr *t = &s->instr[i];

	top_instr_row(s, t, line, len, COLS);
	*col = TOP_INSTR_STATUS_COL;
	*w = TOP_INSTR_STATUS_W;
	return t->h.status ? top_status_pair(t->h.status) : 0;
}

/* The Readers pane: the registered readers in slot order. */
static void top_draw_readers(const struct top_tui *u, const struct top_snap *s, char *line,
			     size_t len)
{
	int y = 4, last = LINES - 2, shown = 0;

	top_reader_heading(line, len);
	top_put(y, line);
	top_paint(u, y++, 0, COLS, TOP_PAIR_HEAD, u->color ? 0 : A_REVERSE);
	for (; shown < s->nreaders && y <= last; shown++, y++) {
		top_reader_row(s, &s->readers[shown], line, len);
		top_put(y, line);
	}
	if (shown < s->nreaders) {
		snprintf(line, len, "... %d more", s->nreaders - shown);
		top_put(last, line);
	}
}

/* The Latency pane: per session (by name) p50/p99 of each hop, then the
 * loop iteration time. */
static void top_draw_latency(const struct top_tui *u, const struct top_snap *s, char *line,
			     size_t len)
{
	int y = 4, last = LINES - 3;
	uint32_t shown = 0;

	top_lat_heading(line, len);
	top_put(y, line);
	top_paint(u, y++, 0, COLS, TOP_PAIR_HEAD, u->color ? 0 : A_REVERSE);
	top_sort_sessions(s, TOP_SS_NAME, u->idx);
	for (; shown < s->nsess && y <= last; shown++, y++) {
		top_lat_row(&s->sess[u->idx[shown]], line, len);
		top_put(y, line);
	}
	if (shown < s->nsess) {
		snprintf(line, len, "... %u more", s->nsess - shown);
		top_put(y++, line);
	}
	top_lat_loop(s, line, len);
	top_put(y, line);
}

/* The book pane (key b): the selected instrument's book status and
 * counters, then its top levels, bids and asks side by side. */
static void top_draw_book(struct top_tui *u, const struct top_snap *s, char *line, size_t len)
{
	int y = 4, last = LINES - 2;

	if (!u->sel_set) /* the first instrument that has a book */
		for (uint32_t i = 0; i < s->ninstr; i++)
			if (s->instr[i].book.err != -ENOENT) {
				u->sel = i;
				break;
			}
	if (u->sel >= s->ninstr && s->ninstr)
		u->sel = s->ninstr - 1; /* KEY_DOWN past the last */
	if (u->sel >= s->ninstr) {
		top_put(y, "no instruments on this bus");
		return;
	}
	const struct top_instr *t = &s->instr[u->sel];
	top_book_title(t, line, len);
	top_put(y++, line);
	if (t->book.err)
		return;
	top_book_ladder_heading(line, len);
	top_put(++y, line);
	top_paint(u, y++, 0, COLS, TOP_PAIR_HEAD, u->color ? 0 : A_REVERSE);
	for (uint32_t i = 0; i < TOP_BOOK_LEVELS && y <= last; i++, y++) {
		if (i >= t->book.nbids && i >= t->book.nasks)
			break;
		top_book_ladder_row(t, i, line, len);
		top_put(y, line);
	}
}

/* The REST table at the bottom of the sessions view (rows last - n .. last,
 * a blank line above its heading); returns the last row left for the
 * sessions. Not drawn when it would leave fewer than 3 session rows. */
static int top_draw_rest(const struct top_tui *u, const struct top_snap *s, char *line, size_t len,
			 int last)
{
	uint32_t *first = u->idx + s->nsess, n = top_rest_venues(s, first);
	int y;

	if (!n || last - (int)n - 2 < 4 + 3)
		return last;
	y = last - (int)n;
	top_rest_heading(line, len);
	top_put(y, line);
	top_paint(u, y, 0, COLS, TOP_PAIR_HEAD, u->color ? 0 : A_REVERSE);
	for (uint32_t i = 0; i < n; i++) {
		top_rest_row(s, first[i], line, len);
		top_put(y + 1 + (int)i, line);
	}
	return y - 2;
}

/* The view's heading at line 4, then its sorted rows while they fit. */
static void top_draw_table(struct top_tui *u, const struct top_snap *s, char *line, size_t len)
{
	int y = 4, last = LINES - 2, shown = 0, total;

	if (u->view == TOP_VIEW_BOOK) {
		top_draw_book(u, s, line, len);
		return;
	}

	if (u->view == TOP_VIEW_READERS) {
		top_draw_readers(u, s, line, len);
		return;
	}
	if (u->view == TOP_VIEW_LATENCY) {
		top_draw_latency(u, s, line, len);
		return;
	}
	if (u->view == TOP_VIEW_SESSIONS) {
		last = top_draw_rest(u, s, line, len, last);
		top_sess_heading(line, len, COLS);
		top_sort_sessions(s, u->sess_sort, u->idx);
		total = (int)s->nsess;
	} else {
		top_instr_heading(line, len, COLS);
		top_sort_instruments(s, u->instr_sort, u->idx);
		total = (int)s->ninstr;
	}
	top_put(y, line);
	top_paint(u, y++, 0, COLS, TOP_PAIR_HEAD, u->color ? 0 : A_REVERSE);
	for (; shown < total && y <= last; shown++, y++) {
		int col, w, pair = top_view_row(u, s, u->idx[shown], line, len, &col, &w);

		top_put(y, line);
		if (pair)
			top_paint(u, y, col, w, pair, 0);
		if (u->view == TOP_VIEW_INSTRUMENTS && u->sel_set && u->idx[shown] == u->sel)
			top_paint(u, y, 0, 4, 0, A_REVERSE); /* the selected row's id */
	}
	if (shown < total) {
		snprintf(line, len, "... %d more", total - shown);
		top_put(last, line);
	}
}

/* Room in u->idx for one index per session and instrument, and one more
 * per session. */
static int top_idx_reserve(struct top_tui *u, const struct top_snap *s)
{
	/* Sessions or instruments in display order, then the REST venues. */
	size_t need = 2 * (size_t)s->nsess + s->ninstr + 1;

	if (need > u->idx_cap) {
		uint32_t *p = realloc(u->idx, need * sizeof(*p));
		if (!p)
			return -ENOMEM;
		u->idx = p;
		u->idx_cap = need;
	}
	return 0;
}

static void top_draw(struct top_tui *u, const struct top_state *st)
{
	char line[512];

	werase(stdscr);
	if (LINES < 6 || COLS < 20) {
		top_put(0, "mdbus-top: terminal too small");
	} else {
		top_draw_header(u, st, line, sizeof(line));
		/* idx is non-NULL once reserved: tells the analyzer so */
		if (top_idx_reserve(u, &st->cur) == 0 && u->idx) {
			top_draw_table(u, &st->cur, line, sizeof(line));
			snprintf(line, sizeof(line),
				 "q quit s sort i instr t sess r readers l lat b book "
				 "refresh %.1fs",
				 (double)u->refresh_ns / 1e9);
			top_put(LINES - 1, line);
			top_paint(u, LINES - 1, 0, COLS - 1, TOP_PAIR_HEAD,
				  u->color ? 0 : A_REVERSE);
		}
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* Curses set-up: raw keys, no cursor, colours when the terminal has them.
 * Returns 0 or -ENOTTY. */
static int top_tui_init(struct top_tui *u)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -ENOTTY;
	setlocale(LC_ALL, "");
	if (!initscr())
		return -ENOTTY;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(TOP_PAIR_OK, COLOR_GREEN, -1);
		init_pair(TOP_PAIR_WARN, COLOR_YELLOW, -1);
		init_pair(TOP_PAIR_BAD, COLOR_RED, -1);
		init_pair(TOP_PAIR_HEAD, COLOR_BLACK, COLOR_CYAN);
		u->color = 1;
	}
	return 0;
}

/* One key; returns 1 to quit. */
static int top_tui_key(struct top_tui *u, int ch)
{
	switch (ch) {
	case 'q':
	case 'Q':
		return 1;
	case 's':
	case 'S':
		if (u->view == TOP_VIEW_SESSIONS)
			u->sess_sort = (u->sess_sort + 1) % TOP_SS__COUNT;
		else if (u->view == TOP_VIEW_INSTRUMENTS)
			u->instr_sort = (u->instr_sort + 1) % TOP_IS__COUNT;
		return 0;
	case 'i':
	case 'I':
		u->view = TOP_VIEW_INSTRUMENTS;
		return 0;
	case 't':
	case 'T':
		u->view = TOP_VIEW_SESSIONS;
		return 0;
	case 'r':
	case 'R':
		u->view = TOP_VIEW_READERS;
		return 0;
	case 'l':
	case 'L':
		u->view = TOP_VIEW_LATENCY;
		return 0;
	case 'b':
	case 'B':
		u->view = TOP_VIEW_BOOK;
		return 0;
	case KEY_UP:
	case KEY_DOWN:
		/* the selection moves by instrument id (its book in the book pane) */
		u->sel = ch == KEY_UP ? (u->sel ? u->sel - 1 : 0) : u->sel + 1;
		u->sel_set = 1;
		return 0;
	default: /* KEY_RESIZE: curses already knows the new size */
		return 0;
	}
}

int top_tui_run(struct top_state *st, int64_t refresh_ns)
{
	struct top_tui u = {.refresh_ns = refresh_ns};
	int64_t next;
	int rc = top_tui_init(&u);

	if (rc < 0)
		return rc;
	next = tools_now_ns(CLOCK_MONOTONIC);
	for (;;) {
		int64_t now = tools_now_ns(CLOCK_MONOTONIC);
		if (now >= next) {
			if (top_state_sample(st) == -ENOMEM) {
				rc = -ENOMEM;
				break;
			}
			next += refresh_ns;
			if (next <= now)
				next = now + refresh_ns;
		}
		top_draw(&u, st);
		int64_t wait_ms = (next - tools_now_ns(CLOCK_MONOTONIC)) / 1000000;
		timeout(wait_ms < 1 ? 1 : (int)wait_ms);
		int ch = getch();
		if (tools_stop_requested() || top_tui_key(&u, ch))
			break;
	}
	endwin();
	free(u.idx);
	return rc;
}
