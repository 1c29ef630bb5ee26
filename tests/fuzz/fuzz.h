/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h: what every fuzz target in tests/fuzz shares. A target defines
 * LLVMFuzzerTestOneInput (and optionally LLVMFuzzerInitialize); it is linked
 * either with libFuzzer (meson -Dfuzz=true, clang) or with driver.c, which
 * replays the seed corpus and a fixed-seed stream of mutated inputs (suite
 * 'unit'). A broken property aborts through FUZZ_CHECK, so both runners
 * report it as a crash with the failing input kept.
 */
#ifndef MDBUS_FUZZ_H
#define MDBUS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property of the code under test that must hold for every input. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__,      \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Reads the input as consumable bytes: fuzz_take gives the next byte, 0 once
 * the input is used up, so every prefix of an input is a valid input. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fuzz_take(struct fuzz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

/* The next k bytes (k <= 8) as a little-endian integer. */
static inline uint64_t fuzz_take_u64(struct fuzz_in *in, unsigned k)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < k; i++)
		v |= (uint64_t)fuzz_take(in) << (8 * i);
	return v;
}

#endif /* MDBUS_FUZZ_H */
