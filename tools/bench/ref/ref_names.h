/* SPDX-License-Identifier: MIT */
/* ref_names.h: force-included (-include) into writer_ref.c and reader_ref.c so
 * that the pre-change copies of libmdbus's writer and reader export
 * mdbus_ref_* names and link next to the real ones (see thru.c). */
#ifndef BENCH_REF_NAMES_H
#define BENCH_REF_NAMES_H
#define mdbus__reader_attach_mem      mdbus_ref__reader_attach_mem
#define mdbus__writer_map	      mdbus_ref__writer_map
#define mdbus_reader_close	      mdbus_ref_reader_close
#define mdbus_reader_epoch	      mdbus_ref_reader_epoch
#define mdbus_reader_health	      mdbus_ref_reader_health
#define mdbus_reader_info	      mdbus_ref_reader_info
#define mdbus_reader_instrument	      mdbus_ref_reader_instrument
#define mdbus_reader_instrument_count mdbus_ref_reader_instrument_count
#define mdbus_reader_lookup	      mdbus_ref_reader_lookup
#define mdbus_reader_next	      mdbus_ref_reader_next
#define mdbus_reader_open	      mdbus_ref_reader_open
#define mdbus_reader_read	      mdbus_ref_reader_read
#define mdbus_reader_reattach	      mdbus_ref_reader_reattach
#define mdbus_reader_stats	      mdbus_ref_reader_stats
#define mdbus_reader_wait	      mdbus_ref_reader_wait
#define mdbus_reader_writer_alive     mdbus_ref_reader_writer_alive
#define mdbus_writer_add_instrument   mdbus_ref_writer_add_instrument
#define mdbus_writer_close	      mdbus_ref_writer_close
#define mdbus_writer_epoch	      mdbus_ref_writer_epoch
#define mdbus_writer_health	      mdbus_ref_writer_health
#define mdbus_writer_open	      mdbus_ref_writer_open
#define mdbus_writer_publish	      mdbus_ref_writer_publish
#define mdbus_writer_publish_batch    mdbus_ref_writer_publish_batch
#define mdbus_writer_seq	      mdbus_ref_writer_seq
#define mdbus_writer_set_state	      mdbus_ref_writer_set_state
#define mdbus_writer_wake	      mdbus_ref_writer_wake
#endif
