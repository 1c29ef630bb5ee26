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
enum { TOP_VIEW_SESSIONS, TOP_VIEW_INSTRUMENTS };

struct top_tui {
	int view;
	int sess_sort, instr_sort;
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

static void top_draw(struct top_tui *u, const struct top_state *st)
{
	const struct top_snap *s = &st->cur;
	char line[512];
	int bad;

	werase(stdscr);
	if (LINES < 6 || COLS < 20) {
		top_put(0, "mdbus-top: terminal too small");
		goto out;
	}
	for (int n = 0; n < 3; n++) {
		top_hdr_line(st, n, line, sizeof(line));
		top_put(n, line);
	}
	const char *live = top_liveness(s, &bad);
	top_hdr_line(st, 0, line, sizeof(line));
	char *at = strstr(line, live);
	if (at)
		top_paint(u, 0, (int)(at - line), (int)strlen(live),
			  bad ? TOP_PAIR_BAD : TOP_PAIR_OK, A_BOLD);

	int64_t since = st->reattach_mono_ns ? s->now_mono_ns - st->reattach_mono_ns : -1;
	char age[32];
	snprintf(line, sizeof(line), "[%s]  sort: %s%s%s",
		 u->view == TOP_VIEW_SESSIONS ? "sessions" : "instruments",
		 u->view == TOP_VIEW_SESSIONS ? top_sess_sort_name(u->sess_sort)
					      : top_instr_sort_name(u->instr_sort),
		 since >= 0 && since < 10000000000LL ? "   re-attached to a new writer " : "",
		 since >= 0 && since < 10000000000LL ? top_fmt_age(age, sizeof(age), since) : "");
	if (since >= 0 && since < 10000000000LL)
		strncat(line, " ago", sizeof(line) - strlen(line) - 1);
	top_put(3, line);

	size_t need = (size_t)s->nsess + s->ninstr + 1;
	if (need > u->idx_cap) {
		uint32_t *p = realloc(u->idx, need * sizeof(*p));
		if (!p)
			goto out;
		u->idx = p;
		u->idx_cap = need;
	}
	if (!u->idx) /* not reached (idx_cap > 0 implies idx); tells the analyzer so */
		goto out;
	int y = 4, last = LINES - 2, shown = 0, total;
	if (u->view == TOP_VIEW_SESSIONS) {
		top_sess_heading(line, sizeof(line), COLS);
		top_put(y, line);
		top_paint(u, y++, 0, COLS, TOP_PAIR_HEAD, u->color ? 0 : A_REVERSE);
		top_sort_sessions(s, u->sess_sort, u->idx);
		total = (int)s->nsess;
		for (; shown < total && y <= last; shown++, y++) {
			const struct top_session *t = &s->sess[u->idx[shown]];
			top_sess_row(s, t, line, sizeof(line), COLS);
			top_put(y, line);
			top_paint(u, y, TOP_SESS_STATE_COL, TOP_SESS_STATE_W,
				  top_verdict_pair(t->verdict), 0);
		}
	} else {
		top_instr_heading(line, sizeof(line), COLS);
		top_put(y, line);
		top_paint(u, y++, 0, COLS, TOP_PAIR_HEAD, u->color ? 0 : A_REVERSE);
		top_sort_instruments(s, u->instr_sort, u->idx);
		total = (int)s->ninstr;
		for (; shown < total && y <= last; shown++, y++) {
			const struct top_instr *t = &s->instr[u->idx[shown]];
			top_instr_row(s, t, line, sizeof(line), COLS);
			top_put(y, line);
			if (t->h.status)
				top_paint(u, y, TOP_INSTR_STATUS_COL, TOP_INSTR_STATUS_W,
					  top_status_pair(t->h.status), 0);
		}
	}
	if (shown < total) {
		snprintf(line, sizeof(line), "... %d more", total - shown);
		top_put(last, line);
	}
	snprintf(line, sizeof(line), "q quit  s sort  i instruments  t sessions  refresh %.1fs",
		 (double)u->refresh_ns / 1e9);
	top_put(LINES - 1, line);
	top_paint(u, LINES - 1, 0, COLS - 1, TOP_PAIR_HEAD, u->color ? 0 : A_REVERSE);
out:
	wnoutrefresh(stdscr);
	doupdate();
}

int top_tui_run(struct top_state *st, int64_t refresh_ns)
{
	struct top_tui u = {.refresh_ns = refresh_ns};
	int rc = 0;

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
		u.color = 1;
	}

	int64_t next = tools_now_ns(CLOCK_MONOTONIC);
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
		if (tools_stop_requested())
			break;
		if (ch == 'q' || ch == 'Q')
			break;
		switch (ch) {
		case 's':
		case 'S':
			if (u.view == TOP_VIEW_SESSIONS)
				u.sess_sort = (u.sess_sort + 1) % TOP_SS__COUNT;
			else
				u.instr_sort = (u.instr_sort + 1) % TOP_IS__COUNT;
			break;
		case 'i':
		case 'I':
			u.view = TOP_VIEW_INSTRUMENTS;
			break;
		case 't':
		case 'T':
			u.view = TOP_VIEW_SESSIONS;
			break;
		default: /* KEY_RESIZE: curses already knows the new size */
			break;
		}
	}
	endwin();
	free(u.idx);
	return rc;
}
