/* SPDX-License-Identifier: MIT */
/*
 * python.c: `mdbus-bench python`, the Python module's benchmark. The
 * measuring is python/bench.py (Reader.read_batch and next() rates, publish
 * -> visible in Python, and what the desks' websockets + json + Decimal
 * stack pays per Binance message), run by the python3 the module was built
 * for against this build tree's module and writer: the subject is Python,
 * so the timing loops are too. This mode only starts it, so that every
 * benchmark of the project starts from mdbus-bench.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static void bench_python_usage(FILE *f)
{
	fputs("usage: mdbus-bench python [options]  the Python module: read_batch and next() "
	      "rates,\n"
	      "                                      publish -> visible in Python, the desks' "
	      "stack\n"
	      "      --quick         small runs (a smoke test)\n"
	      "  -j, --json          one JSON document on stdout\n" TOOLS_STD_USAGE
	      "Runs python/bench.py of this build tree (meson option python).\n",
	      f);
}

int bench_python_main(int argc, char **argv)
{
	int quick = 0, json = 0;
	const struct tools_opt opts[] = {
		BENCH_FLAG("quick", 0, &quick, 1),
		BENCH_FLAG("json", 'j', &json, 1),
		BENCH_HELP,
	};
	int rc = bench_opts("mdbus-bench python", bench_python_usage, opts,
			    sizeof(opts) / sizeof(opts[0]), argc, argv);

	if (rc >= 0)
		return rc;
#ifdef BENCH_PY_SCRIPT
	char *args[] = {BENCH_PY_EXE, BENCH_PY_SCRIPT, "--build", BENCH_BUILD_ROOT, NULL, NULL,
			NULL};
	int n = 4;

	if (quick)
		args[n++] = "--quick";
	if (json)
		args[n++] = "--json";
	if (access(BENCH_PY_SCRIPT, R_OK) < 0) {
		tools_error("mdbus-bench",
			    "python: %s: not found (the mode runs from the build tree)",
			    BENCH_PY_SCRIPT);
		return 1;
	}
	setenv("PYTHONPATH", BENCH_PY_PATH, 1);
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
	fflush(stdout);
	execv(BENCH_PY_EXE, args);
	tools_error("mdbus-bench", "python: %s: %s", BENCH_PY_EXE, strerror(errno));
	return 1;
#else
	tools_error("mdbus-bench", "python: the Python module is not built (meson option python)");
	return 1;
#endif
}
