/* SPDX-License-Identifier: MIT */
/*
 * report_json.h -- one report as a JSON object (jansson). Shared by
 * `kcatch parse --json`, the store's frames column and later `query`/`tail`
 * so every tool spells the fields the same way.
 */
#ifndef KCATCH_REPORT_JSON_H
#define KCATCH_REPORT_JSON_H

#include <jansson.h>

#include "kreport.h"

/* New reference to an object with every field of r; NULL on OOM.
 * The caller owns the reference (json_decref). */
json_t *report_json(const struct kr_report *r);

/* New reference to the frames array [{"func","module","unreliable"}]. */
json_t *report_json_frames(const struct kr_report *r);

/* New reference to a JSON string of untrusted text; invalid UTF-8 bytes
 * become "\\xHH". NULL s gives JSON null. */
json_t *report_json_str(const char *s);

#endif /* KCATCH_REPORT_JSON_H */
