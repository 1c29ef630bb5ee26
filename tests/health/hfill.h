/* SPDX-License-Identifier: MIT */
/*
 * hfill.h: self-checking health records for the health tests. Every field
 * of a record filled for generation k is a function of k, so a reader that
 * got a mix of two generations (a torn copy) sees a mismatch.
 */
#ifndef HEALTH_TEST_HFILL_H
#define HEALTH_TEST_HFILL_H

#include <stdint.h>

#include "mdbus.h"

void hfill_feed(struct mdbus_health_feed *f, uint64_t k);
void hfill_session(struct mdbus_health_session *s, uint32_t idx, uint64_t k);
void hfill_instr(struct mdbus_health_instr *in, uint32_t id, uint64_t k);

/* 0 and *k = the generation if every field agrees, -1 if torn. */
int hcheck_feed(const struct mdbus_health_feed *f, uint64_t *k);
int hcheck_session(const struct mdbus_health_session *s, uint32_t idx, uint64_t *k);
int hcheck_instr(const struct mdbus_health_instr *in, uint32_t id, uint64_t *k);

#endif
