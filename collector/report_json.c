/* SPDX-License-Identifier: MIT */
/*
 * report_json.c -- serialise a struct kr_report with jansson. Field names
 * are a public contract (kcatch parse --json): add, never rename.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_json.h"

json_t *
report_json_frames(const struct kr_report *r)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < r->nframes; i++) {
		json_t *f = json_object();

		if (f) {
			json_object_set_new(
			    f, "func", report_json_str(r->frames[i].func));
			json_object_set_new(f, "module",
			    r->frames[i].module
				? report_json_str(r->frames[i].module)
				: json_null());
			json_object_set_new(f, "unreliable",
			    json_boolean(r->frames[i].unreliable));
		}

		if (f == NULL || json_array_append_new(a, f) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/*
 * A JSON string for untrusted board text. jansson only takes valid UTF-8;
 * text that is not gets every byte >= 0x80 written as "\\xHH" so nothing
 * is silently dropped.
 */
json_t *
report_json_str(const char *s)
{
	json_t *j = json_string(s);
	char *buf, *o;
	const unsigned char *p;

	if (j != NULL || s == NULL)
		return j ? j : json_null();
	if ((buf = malloc(strlen(s) * 4 + 1)) == NULL)
		return NULL;
	for (o = buf, p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80)
			o += sprintf(o, "\\x%02x", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	j = json_string(buf);
	free(buf);
	return j;
}

/* Integer or null when unknown (< 0). */
static json_t *
num_or_null(long long v)
{
	return v < 0 ? json_null() : json_integer(v);
}

json_t *
report_json(const struct kr_report *r)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	json_object_set_new(o, "class", json_string(kr_class_name(r->cls)));
	json_object_set_new(o, "subtype", report_json_str(r->subtype));
	json_object_set_new(o, "title", report_json_str(r->title));
	json_object_set_new(o, "frame", report_json_str(r->frame));
	json_object_set_new(o, "frame2", report_json_str(r->frame2));
	json_object_set_new(o, "signature", json_string(r->signature));
	json_object_set_new(o, "corrupted", json_boolean(r->corrupted));
	json_object_set_new(
	    o, "corrupt_reason", report_json_str(r->corrupt_reason));
	json_object_set_new(
	    o, "first_line", json_integer((json_int_t)r->first_line));
	json_object_set_new(
	    o, "last_line", json_integer((json_int_t)r->last_line));
	json_object_set_new(
	    o, "first_ktime_us", num_or_null(r->first_ktime_us));
	json_object_set_new(o, "last_ktime_us", num_or_null(r->last_ktime_us));
	json_object_set_new(o, "first_recv_ms", json_integer(r->first_recv_ms));
	json_object_set_new(o, "last_recv_ms", json_integer(r->last_recv_ms));
	json_object_set_new(o, "access", report_json_str(r->access));
	json_object_set_new(o, "access_size", num_or_null(r->access_size));
	json_object_set_new(o, "access_addr", report_json_str(r->access_addr));
	json_object_set_new(o, "task", report_json_str(r->task));
	json_object_set_new(o, "pid", num_or_null(r->pid));
	json_object_set_new(o, "cpu", num_or_null(r->cpu));
	json_object_set_new(o, "taint", report_json_str(r->taint));
	json_object_set_new(o, "release", report_json_str(r->release));
	json_object_set_new(o, "hardware", report_json_str(r->hardware));
	json_object_set_new(o, "caller", report_json_str(r->caller));
	json_object_set_new(
	    o, "panic", r->panic ? report_json_str(r->panic) : json_null());
	json_object_set_new(o, "lines", json_integer((json_int_t)r->nlines));
	json_object_set_new(o, "frames", report_json_frames(r));
	json_object_set_new(o, "text", report_json_str(r->text));
	return o;
}
