/* SPDX-License-Identifier: MIT */
/* consumer: print the ticks of a bus. Usage: consumer [BUS] [COUNT]
 * Build: cc consumer.c $(pkg-config --cflags --libs mdbus) */
#include <stdio.h>
#include <stdlib.h>

#include <mdbus.h>

int main(int argc, char **argv)
{
	struct mdbus_reader_opts o = {.bus = argc > 1 ? argv[1] : NULL,
				      .start = MDBUS_START_OLDEST};
	long count = argc > 2 ? strtol(argv[2], NULL, 10) : -1;
	char err[256] = "";
	o.errbuf = err, o.errlen = sizeof(err);
	mdbus_reader *r;
	int rc = mdbus_reader_open(&r, &o);
	if (rc < 0) {
		fprintf(stderr, "consumer: %s: %s\n", mdbus_strerror(rc), err);
		return 1;
	}
	while (count != 0) {
		struct mdbus_tick t;
		struct mdbus_instrument in;
		uint64_t seq, missed;
		rc = mdbus_reader_next(r, &t, &seq, &missed);
		if (rc == 0)
			rc = mdbus_reader_wait(r, 1000);
		else if (rc == -ESTALE || rc == -EOWNERDEAD)
			rc = mdbus_reader_reattach(r);
		else if (rc == 1 && mdbus_reader_instrument(r, t.instrument, &in) == 0) {
			char px[MDBUS_DECIMAL_STR_MAX], qty[MDBUS_DECIMAL_STR_MAX];
			mdbus_decimal_format(t.u.trade.price, in.price_decimals, px, sizeof(px));
			mdbus_decimal_format(t.u.trade.qty, in.qty_decimals, qty, sizeof(qty));
			printf("%llu %s %s %s %s %s missed=%llu\n", (unsigned long long)seq,
			       in.venue, in.symbol, mdbus_kind_name(t.kind), px, qty,
			       (unsigned long long)missed);
			count--;
		}
		if (rc < 0 && rc != -ETIMEDOUT) {
			fprintf(stderr, "consumer: %s\n", mdbus_strerror(rc));
			break;
		}
	}
	mdbus_reader_close(r);
	return rc < 0 && rc != -ESHUTDOWN && rc != -ETIMEDOUT;
}
