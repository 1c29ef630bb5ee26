/* SPDX-License-Identifier: MIT */
/*
 * mdbus-replay FILE: publishes the ticks of a JSON-lines file (the
 * mdbus-tail --json format) onto a bus, flat out or at --rate ticks/s on an
 * absolute schedule, optionally in a --loop. The file is loaded and checked
 * first: every malformed line is reported as "FILE:LINE: reason", counted
 * and skipped, and the exit status is 1 if there was any.
 *
 * The bus segment is kept at exit (state STOPPED) so that readers can drain
 * it; --unlink removes it. --hold keeps the writer open after the last tick
 * so late readers can still attach to a live bus.
 *
 * Exit status: 0 all published; 1 bad lines skipped or a runtime error;
 * 2 usage error, unreadable file, or a bus that cannot be created (busy).
 */
#include <errno.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay_load.h"
#include "mdbus_units.h"
#include "tools_cli.h"
#include "tools_opt.h"
#include "tools_run.h"

#define REPLAY_BATCH 256 /* ticks per publish_batch + wake */
#define NS_PER_S     1000000000LL

struct replay_opts {
	const char *bus;
	const char *file;
	uint64_t rate; /* ticks/s, 0 = flat out */
	uint64_t slots;
	int loop;
	int unlink_bus;
	int64_t hold_ns; /* INT64_MAX = until a signal */
};

static void replay_usage(FILE *f)
{
	fprintf(f, "usage: mdbus-replay [options] FILE\n"
		   "Publishes the ticks of a JSON-lines file (mdbus-tail --json format; FILE '-'\n"
		   "is stdin) onto a bus it creates.\n\n" TOOLS_BUS_USAGE
		   "  -r, --rate N        N ticks/s on an absolute schedule (250k, 1.5M ok);\n"
		   "                      default: as fast as possible\n"
		   "      --loop          repeat the file until interrupted\n"
		   "  -s, --slots N       ring slots, a power of two >= 64 (default 64Ki = 65536)\n"
		   "      --hold DUR      keep the bus open DUR after the last tick (seconds,\n"
		   "                      500ms..., or 'forever' until SIGINT/SIGTERM)\n"
		   "      --keep          keep the segment file at exit (the default: readers can\n"
		   "                      drain it; its state says STOPPED)\n"
		   "      --unlink        remove the segment file at exit\n" TOOLS_STD_USAGE "\n"
		   "Bad lines are reported as FILE:LINE: reason and skipped.\n"
		   "Exit: 0 all published; 1 bad lines or runtime error; 2 usage error,\n"
		   "unreadable file or bus busy.\n");
}

static const char *replay_opt_hold(void *hold_ns, const char *arg)
{
	if (strcmp(arg, "forever") == 0 || strcmp(arg, "inf") == 0)
		*(int64_t *)hold_ns = INT64_MAX;
	else if (mdbus_units_parse_duration(arg, hold_ns) < 0)
		return "expected seconds (e.g. 2.5), a duration (500ms) or 'forever'";
	return NULL;
}

/* Returns 0 to go on, or 1 with the exit status in *status. */
static int replay_parse_args(int argc, char **argv, struct replay_opts *o, int *status)
{
	static const struct tools_cmd cmd = {"mdbus-replay", MDBUS_VERSION, replay_usage, 2, ""};
	const struct tools_opt opts[] = {
		{.name = "bus", .short_name = 'b', .kind = TOOLS_OPT_STR, .out = &o->bus},
		{.name = "rate",
		 .short_name = 'r',
		 .kind = TOOLS_OPT_COUNT,
		 .out = &o->rate,
		 .max = NS_PER_S,
		 .bad = "expected ticks/s from 0 to 1G (0 = flat out)"},
		{.name = "loop", .kind = TOOLS_OPT_SET, .out = &o->loop, .val = 1},
		{.name = "slots",
		 .short_name = 's',
		 .kind = TOOLS_OPT_COUNT,
		 .out = &o->slots,
		 .max = UINT32_MAX,
		 .bad = "expected an integer"},
		{.name = "hold", .kind = TOOLS_OPT_FN, .out = &o->hold_ns, .fn = replay_opt_hold},
		{.name = "keep", .kind = TOOLS_OPT_SET, .out = &o->unlink_bus, .val = 0},
		{.name = "unlink", .kind = TOOLS_OPT_SET, .out = &o->unlink_bus, .val = 1},
		TOOLS_OPT_STD_ROWS,
	};

	if (tools_opt_parse(&cmd, opts, sizeof(opts) / sizeof(opts[0]), argc, argv, status))
		return 1;
	if (argc - optind != 1) {
		*status = tools_usage_error(&cmd, "%s",
					    optind < argc ? "one FILE only" : "missing FILE");
		return 1;
	}
	o->file = argv[optind];
	return 0;
}

/* Deadline of the k-th tick since t0 at `rate` ticks/s: computed from k
 * each time, never accumulated, so rounding never drifts. */
static int64_t replay_deadline(int64_t t0, uint64_t k, uint64_t rate)
{
	return t0 + (int64_t)((unsigned __int128)k * NS_PER_S / rate);
}

/* How many ticks are due at `now` counting from tick k (at least 1). */
static uint64_t replay_due(int64_t t0, uint64_t k, uint64_t rate, int64_t now)
{
	uint64_t upto = (uint64_t)((unsigned __int128)(uint64_t)(now - t0) * rate / NS_PER_S) + 1;

	return upto > k ? upto - k : 1;
}

/* Publishes d's ticks (instrument fields already writer ids). Returns 0, or
 * -EINTR when a stop was requested, or a publish error. *published counts. */
static int replay_publish(mdbus_writer *w, const struct replay_data *d, const struct replay_opts *o,
			  uint64_t *published, uint64_t *passes)
{
	int64_t t0 = tools_now_ns(CLOCK_MONOTONIC);
	uint64_t k = 0; /* ticks published so far: the schedule's index */
	int rc;

	do {
		size_t i = 0;

		while (i < d->nticks) {
			size_t n = d->nticks - i;

			if (tools_stop_requested())
				return -EINTR;
			if (n > REPLAY_BATCH)
				n = REPLAY_BATCH;
			if (o->rate) {
				int64_t next = replay_deadline(t0, k, o->rate);
				int64_t now = tools_now_ns(CLOCK_MONOTONIC);
				uint64_t due;

				if (next > now) {
					rc = tools_sleep_until(CLOCK_MONOTONIC, next);
					if (rc < 0)
						return rc;
					now = tools_now_ns(CLOCK_MONOTONIC);
				}
				/* Everything already due goes out in one batch: at
				 * high rates we publish in bursts between sleeps
				 * but stay on schedule. */
				due = replay_due(t0, k, o->rate, now);
				if (due < n)
					n = (size_t)due;
			}
			rc = mdbus_writer_publish_batch(w, d->ticks + i, n);
			if (rc < 0)
				return rc;
			mdbus_writer_wake(w);
			i += n;
			k += n;
			*published = k;
		}
		(*passes)++;
	} while (o->loop);
	return 0;
}

/* Registers the file's instruments and rewrites each tick's instrument
 * index to the writer's id. Returns 0 or an mdbus error (printed). */
static int replay_register(mdbus_writer *w, struct replay_data *d)
{
	uint32_t *ids = calloc(d->ninstr ? d->ninstr : 1, sizeof(*ids));
	int rc = 0;

	if (!ids)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->ninstr && rc == 0; i++) {
		rc = mdbus_writer_add_instrument(w, &d->instr[i], &ids[i]);
		if (rc < 0)
			tools_error("mdbus-replay", "instrument %s/%s: %s", d->instr[i].venue,
				    d->instr[i].symbol, mdbus_strerror(rc));
	}
	if (rc == 0)
		for (size_t i = 0; i < d->nticks; i++)
			d->ticks[i].instrument = ids[d->ticks[i].instrument];
	free(ids);
	return rc;
}

/* Loads and checks the whole file. Returns 0, or the exit status (2
 * unreadable, 1 nothing to replay) after saying why. */
static int replay_load_file(const char *file, struct replay_data *d)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	int rc;

	if (!f) {
		tools_error("mdbus-replay", "%s: %s", file, strerror(errno));
		return 2;
	}
	rc = replay_data_load(d, f, file, stderr);
	if (f != stdin)
		fclose(f);
	if (rc < 0) {
		tools_error("mdbus-replay", "%s: %s", file, mdbus_strerror(rc));
		return 2;
	}
	if (d->nticks == 0) {
		tools_error("mdbus-replay", "%s: no ticks to replay (%" PRIu64 " bad lines)", file,
			    d->bad);
		return 1;
	}
	return 0;
}

/* Creates the bus sized for d. Returns 0 or an mdbus error (printed). */
static int replay_open_bus(mdbus_writer **w, const char *bus, const struct replay_opts *o,
			   const struct replay_data *d)
{
	char err[256] = "";
	struct mdbus_writer_opts wo = {
		.bus = bus,
		.slots = (uint32_t)o->slots,
		.max_instruments = d->ninstr > 4096 ? d->ninstr : 0,
		.group = (gid_t)-1,
		.errbuf = err,
		.errlen = sizeof(err),
	};
	int rc = mdbus_writer_open(w, &wo);

	if (rc < 0)
		tools_error("mdbus-replay", "bus '%s': %s", bus, err[0] ? err : mdbus_strerror(rc));
	return rc;
}

/* Publishes, says how it went on stderr, then holds the bus if asked.
 * Returns 0, or 1 after a publish error. */
static int replay_run(mdbus_writer *w, const char *bus, const struct replay_opts *o,
		      const struct replay_data *d)
{
	int64_t t_start = tools_now_ns(CLOCK_MONOTONIC);
	uint64_t published = 0, passes = 0;
	int rc = replay_publish(w, d, o, &published, &passes);
	double secs = (double)(tools_now_ns(CLOCK_MONOTONIC) - t_start) / 1e9;

	if (rc < 0 && rc != -EINTR)
		tools_error("mdbus-replay", "publish: %s", mdbus_strerror(rc));
	fprintf(stderr,
		"mdbus-replay: %s: %" PRIu64 " ticks published on bus '%s' (%" PRIu64
		" pass%s, %" PRIu32 " instrument%s) in %.3f s%s; %" PRIu64 " bad line%s skipped\n",
		o->file, published, bus, passes, passes == 1 ? "" : "es", d->ninstr,
		d->ninstr == 1 ? "" : "s", secs, rc == -EINTR ? " (interrupted)" : "", d->bad,
		d->bad == 1 ? "" : "s");
	if (rc == 0 && o->hold_ns > 0) {
		int64_t now = tools_now_ns(CLOCK_MONOTONIC);
		int64_t until = o->hold_ns > INT64_MAX - now ? INT64_MAX : now + o->hold_ns;

		tools_sleep_until(CLOCK_MONOTONIC, until); /* a signal ends it early */
	}
	return rc < 0 && rc != -EINTR ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct replay_opts o = {0};
	struct replay_data d = {0};
	char bus[MDBUS_BUS_NAME_MAX + 1];
	mdbus_writer *w = NULL;
	int rc, status;

	if (replay_parse_args(argc, argv, &o, &rc))
		return rc;
	rc = tools_bus_resolve(o.bus, bus, sizeof(bus));
	if (rc < 0) {
		tools_error("mdbus-replay", "bad bus name '%s': %s",
			    o.bus ? o.bus : getenv(MDBUS_BUS_ENV), mdbus_strerror(rc));
		return 2;
	}
	rc = tools_signals_init();
	if (rc < 0) {
		tools_error("mdbus-replay", "signals: %s", mdbus_strerror(rc));
		return 1;
	}
	status = replay_load_file(o.file, &d);
	if (status == 0 && replay_open_bus(&w, bus, &o, &d) < 0)
		status = 2;
	if (status) {
		replay_data_free(&d);
		return status;
	}
	status = d.bad ? 1 : 0;
	if (replay_register(w, &d) < 0)
		status = 1;
	else {
		mdbus_writer_set_state(w, MDBUS_WRITER_RUNNING);
		status |= replay_run(w, bus, &o, &d);
	}
	mdbus_writer_close(w, o.unlink_bus);
	replay_data_free(&d);
	return status;
}
