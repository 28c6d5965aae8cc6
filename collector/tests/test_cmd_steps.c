/* SPDX-License-Identifier: MIT */
/*
 * test_cmd_steps.c -- the step commands end to end on a data directory
 * built through the store API the collector uses: two boards, a plan of
 * four steps (rk1 declared from the workstation, rk2 by marker lines and,
 * at step 4, by kernel release), reports appearing at step 3, panel noise
 * marked ignored, and one report with hostile text. Checks the exact
 * table, JSON and CSV output of query, bisect, sigs, steps and boards,
 * show's escaping, and the exit codes.
 */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "archive.h"
#include "cmd.h"
#include "kreport.h"
#include "store.h"
#include "testdir.h"

#define T0 1763700000000LL /* 2025-11-21T04:40:00Z */
#define STEP_MS 100000	   /* steps are 100 s apart */
#define PLAN_NAME "iter6-v3"

/* Titles of the fixture. The last one is hostile: a terminal escape
   (clear screen, set title), a bidi override and a byte that is not
   UTF-8. */
#define NOISE "WARNING in panel_bridge_enable"
#define UAF "KASAN: slab-use-after-free Read in vb2_buffer_done"
#define OOB "UBSAN: array-index-out-of-bounds in vb2_queue_init"
#define EVIL "BUG: \x1b[2J\x1b]0;pwned\x07 evil\xe2\x80\xae txt\xff"

/* Add a report of the fixture. */
static void
add(struct store *s, int64_t board, int64_t boot, const char *cls,
    const char *sub, const char *title, const char *sig, int64_t t,
    uint64_t line)
{
	struct kr_report r = {
		.cls = (enum kr_class)kr_class_from_name(cls),
		.subtype = (char *)sub, .title = (char *)title, .frame = "",
		.frame2 = "", .corrupt_reason = "", .first_line = line,
		.last_line = line + 2, .first_recv_ms = t,
		.last_recv_ms = t + 2, .first_ktime_us = -1,
		.last_ktime_us = -1, .access = "", .access_size = -1,
		.access_addr = "", .task = "", .pid = -1, .cpu = -1,
		.taint = "", .release = "", .hardware = "", .caller = "",
		.text = (char *)title, .nlines = 3,
	};

	snprintf(r.signature, sizeof(r.signature), "%s", sig);
	assert_int_equal(store_report_add(s, board, boot, "netconsole", &r,
	    NULL, NULL), 0);
}

/* Define the plan's four steps; step 4 boots "-step4" kernels. */
static void
define_plan(struct store *s)
{
	static const char *const patches[] = {"0001-a", "0002-b", "0003-c",
	    "0004-d"};
	struct store_step_def d = {.plan = "iter6-v3", .seq = -1};
	char name[2] = "1";
	int i;

	for (i = 0; i < 4; i++) {
		name[0] = (char)('1' + i);
		d.step = name;
		d.patch = patches[i];
		d.kernel = i == 3 ? "-step4" : NULL;
		assert_int_equal(store_step_define(s, &d, T0, NULL, NULL), 0);
	}
}

/* Begin a boot at t with release rel, ending the previous one (cleanly
   unless silent). */
static void
reboot(struct store *s, int64_t board, int64_t *boot, int64_t t,
    const char *rel, bool silent)
{
	if (*boot > 0 && !silent)
		assert_int_equal(store_boot_set_end_state(s, *boot,
		    STORE_END_CLEAN, t - 2, NULL), 0);
	if (*boot > 0)
		assert_int_equal(store_boot_end(s, *boot, t - 1, "reboot",
		    NULL), 0);
	assert_int_equal(store_boot_begin(s, board, t, boot, NULL), 0);
	assert_int_equal(store_boot_set_kernel(s, *boot, rel, NULL, NULL), 0);
}

/* One step of rk1: declared from the workstation. */
static void
rk1_step(struct store *s, int64_t rk1, int64_t *boot, int i)
{
	int64_t t = T0 + i * STEP_MS, step_id;
	struct store_step_def d = {.plan = "iter6-v3", .seq = -1};
	char name[2] = {(char)('1' + i), '\0'};

	d.step = name;
	assert_int_equal(store_step_define(s, &d, T0, &step_id, NULL), 0);
	assert_int_equal(store_step_run(s, rk1, step_id, t, -1,
	    STORE_RUN_START, t, NULL, NULL), 0);
	reboot(s, rk1, boot, t + 1000, "6.1.0-dev", false);
	add(s, rk1, *boot, "warn", "", NOISE, "00000000000000ee", t + 2000,
	    10);
	if (i >= 2)
		add(s, rk1, *boot, "kasan", "slab-use-after-free", UAF,
		    "00000000000000a1", t + 3000, 20);
	if (i == 3)
		add(s, rk1, *boot, "other", "", EVIL, "00000000000000f0",
		    t + 4000, 30);
}

/* One step of rk2: marker lines, and at step 4 only its kernel. */
static void
rk2_step(struct store *s, int64_t rk2, int64_t *boot, int i)
{
	int64_t t = T0 + i * STEP_MS;
	char name[2] = {(char)('1' + i), '\0'};

	/* Its step-2 boot stops without a word: a silent reset. */
	reboot(s, rk2, boot, t + 1500, i == 3 ? "6.1.0-step4" : "6.1.0-dev",
	    i == 2);
	if (i < 3)
		assert_int_equal(store_step_mark(s, *boot, STORE_MARK_LINE,
		    "iter6-v3", name, NULL, t + 1600, 5, NULL), 0);
	add(s, rk2, *boot, "warn", "", NOISE, "00000000000000ee", t + 2500,
	    10);
	if (i == 2) {
		add(s, rk2, *boot, "kasan", "slab-use-after-free", UAF,
		    "00000000000000a1", t + 3500, 20);
		add(s, rk2, *boot, "ubsan", "array-index-out-of-bounds", OOB,
		    "00000000000000b1", t + 3600, 30);
	}
	if (i == 3)
		add(s, rk2, *boot, "kasan", "slab-use-after-free", UAF,
		    "00000000000000a1", t + 3500, 20);
}

/* Archive the lines before rk1's last report (for show's context). */
static void
archive_boot(const char *dir, int64_t boot)
{
	struct archive_writer *w;
	struct archive_line l = {.ktime_us = -1, .seq = ARCHIVE_SEQ_NONE,
	    .level = -1};
	char text[64];
	int i;

	w = archive_writer_open(dir, "rk1", boot, NULL);
	assert_non_null(w);
	for (i = 1; i <= 32; i++) {
		snprintf(text, sizeof(text), i == 29 ? "line %d \x1b[31mred" :
		    "line %d", i);
		l.text = text;
		l.len = strlen(text);
		l.recv_ms = T0 + 3 * STEP_MS + 3000 + i;
		assert_int_equal(archive_writer_append(w, &l, NULL, NULL), 0);
	}
	assert_int_equal(archive_writer_close(w, NULL), 0);
}

/* The whole fixture in dir. */
static void
fixture(const char *dir)
{
	struct store *s = store_open_dir(dir, 0, NULL);
	int64_t rk1, rk2, boot1 = 0, boot2 = 0;
	int i;

	assert_non_null(s);
	assert_int_equal(store_board_upsert(s, "rk1", "10.0.0.1:6665", T0,
	    &rk1, NULL), 0);
	assert_int_equal(store_board_upsert(s, "rk2", "10.0.0.2:6665", T0,
	    &rk2, NULL), 0);
	define_plan(s);
	for (i = 0; i < 4; i++) {
		rk1_step(s, rk1, &boot1, i);
		rk2_step(s, rk2, &boot2, i);
	}
	assert_int_equal(store_boot_set_archive(s, boot1,
	    "archive/rk1/00000007.kca.gz", NULL), 0);
	assert_int_equal(store_sig_mark(s, "00000000000000ee",
	    STORE_SIG_IGNORED, "panel noise", T0, NULL, NULL), 1);
	assert_int_equal(store_sig_mark(s, "00000000000000f0",
	    STORE_SIG_KNOWN, "bug 123", T0, NULL, NULL), 1);
	assert_int_equal(store_close(s, NULL), 0);
	assert_int_equal(boot1, 7);
	archive_boot(dir, boot1);
}

/* Run a command with stdout and stderr in files; returns its code. */
static int
run(int (*cmd)(int, char **), const char *dir, const char *out,
    const char *first, ...)
{
	char *argv[32];
	const char *a;
	int argc = 0, fd, saved1, saved2, ret;
	va_list ap;

	argv[argc++] = (char *)first;
	va_start(ap, first);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 28)
		argv[argc++] = (char *)a;
	va_end(ap);
	if (dir != NULL) {
		argv[argc++] = "--data-dir";
		argv[argc++] = (char *)dir;
	}
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	saved1 = dup(1);
	saved2 = dup(2);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved1 >= 0 && saved2 >= 0);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	ret = cmd(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved1, 1);
	dup2(saved2, 2);
	close(saved1);
	close(saved2);
	return ret;
}

/* The contents of a file (malloc'd). */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* Run and compare the whole output with want. */
#define EXPECT(code, want, cmd, ...)                                        \
	do {                                                                \
		char *got_;                                                 \
		assert_int_equal(run(cmd, dir, out, __VA_ARGS__, NULL),    \
		    code);                                                  \
		got_ = slurp(out);                                          \
		if (strcmp(got_, want) != 0)                                \
			print_error("got:\n%s\nwant:\n%s\n", got_, want);  \
		assert_string_equal(got_, want);                            \
		free(got_);                                                 \
	} while (0)

/* ---- expected output (reviewed by hand, then frozen) ---------------- */

static const char *const want_query_all =
	    "ID  TIME                  BOARD  PLAN      STEP  PATCH   CLASS  "
	    "SUBTYPE                    TITLE                                "
	    "               SIGNATURE         SOURCE      CORRUPTED\n"
	    " 1  2025-11-21T04:40:02Z  rk1    iter6-v3  1     0001-a  warn   "
	    "-                          WARNING in panel_bridge_enable       "
	    "               00000000000000ee  netconsole  no\n"
	    " 2  2025-11-21T04:40:02Z  rk2    iter6-v3  1     0001-a  warn   "
	    "-                          WARNING in panel_bridge_enable       "
	    "               00000000000000ee  netconsole  no\n"
	    " 3  2025-11-21T04:41:42Z  rk1    iter6-v3  2     0002-b  warn   "
	    "-                          WARNING in panel_bridge_enable       "
	    "               00000000000000ee  netconsole  no\n"
	    " 4  2025-11-21T04:41:42Z  rk2    iter6-v3  2     0002-b  warn   "
	    "-                          WARNING in panel_bridge_enable       "
	    "               00000000000000ee  netconsole  no\n"
	    " 5  2025-11-21T04:43:22Z  rk1    iter6-v3  3     0003-c  warn   "
	    "-                          WARNING in panel_bridge_enable       "
	    "               00000000000000ee  netconsole  no\n"
	    " 7  2025-11-21T04:43:22Z  rk2    iter6-v3  3     0003-c  warn   "
	    "-                          WARNING in panel_bridge_enable       "
	    "               00000000000000ee  netconsole  no\n"
	    " 6  2025-11-21T04:43:23Z  rk1    iter6-v3  3     0003-c  kasan  "
	    "slab-use-after-free        KASAN: slab-use-after-free Read in vb"
	    "2_buffer_done  00000000000000a1  netconsole  no\n"
	    " 8  2025-11-21T04:43:23Z  rk2    iter6-v3  3     0003-c  kasan  "
	    "slab-use-after-free        KASAN: slab-use-after-free Read in vb"
	    "2_buffer_done  00000000000000a1  netconsole  no\n"
	    " 9  2025-11-21T04:43:23Z  rk2    iter6-v3  3     0003-c  ubsan  "
	    "array-index-out-of-bounds  UBSAN: array-index-out-of-bounds in v"
	    "b2_queue_init  00000000000000b1  netconsole  no\n"
	    "10  2025-11-21T04:45:02Z  rk1    iter6-v3  4     0004-d  warn   "
	    "-                          WARNING in panel_bridge_enable       "
	    "               00000000000000ee  netconsole  no\n"
	    "13  2025-11-21T04:45:02Z  rk2    iter6-v3  4     0004-d  warn   "
	    "-                          WARNING in panel_bridge_enable       "
	    "               00000000000000ee  netconsole  no\n"
	    "11  2025-11-21T04:45:03Z  rk1    iter6-v3  4     0004-d  kasan  "
	    "slab-use-after-free        KASAN: slab-use-after-free Read in vb"
	    "2_buffer_done  00000000000000a1  netconsole  no\n"
	    "14  2025-11-21T04:45:03Z  rk2    iter6-v3  4     0004-d  kasan  "
	    "slab-use-after-free        KASAN: slab-use-after-free Read in vb"
	    "2_buffer_done  00000000000000a1  netconsole  no\n"
	    "12  2025-11-21T04:45:04Z  rk1    iter6-v3  4     0004-d  other  "
	    "-                          BUG: \\x1b[2J\\x1b]0;pwned\\x07 evil"
	    "\\u202e txt\\xff     00000000000000f0  netconsole  no\n";

static const char *const want_query_json_step3 =
	    "{\"id\":5,\"time\":\"2025-11-21T04:43:22.000Z\",\"board\":\"rk1"
	    "\",\"plan\":\"iter6-v3\",\"step\":\"3\",\"patch\":\"0003-c\",\"c"
	    "lass\":\"warn\",\"subtype\":null,\"title\":\"WARNING in panel_br"
	    "idge_enable\",\"signature\":\"00000000000000ee\",\"source\":\"ne"
	    "tconsole\",\"corrupted\":false,\"time_ms\":1763700202000,\"boot"
	    "\":5,\"step_source\":\"cli\",\"state\":\"ignored\"}\n"
	    "{\"id\":7,\"time\":\"2025-11-21T04:43:22.500Z\",\"board\":\"rk2"
	    "\",\"plan\":\"iter6-v3\",\"step\":\"3\",\"patch\":\"0003-c\",\"c"
	    "lass\":\"warn\",\"subtype\":null,\"title\":\"WARNING in panel_br"
	    "idge_enable\",\"signature\":\"00000000000000ee\",\"source\":\"ne"
	    "tconsole\",\"corrupted\":false,\"time_ms\":1763700202500,\"boot"
	    "\":6,\"step_source\":\"marker\",\"state\":\"ignored\"}\n"
	    "{\"id\":6,\"time\":\"2025-11-21T04:43:23.000Z\",\"board\":\"rk1"
	    "\",\"plan\":\"iter6-v3\",\"step\":\"3\",\"patch\":\"0003-c\",\"c"
	    "lass\":\"kasan\",\"subtype\":\"slab-use-after-free\",\"title\":"
	    "\"KASAN: slab-use-after-free Read in vb2_buffer_done\",\"signatu"
	    "re\":\"00000000000000a1\",\"source\":\"netconsole\",\"corrupted"
	    "\":false,\"time_ms\":1763700203000,\"boot\":5,\"step_source\":\""
	    "cli\",\"state\":\"new\"}\n"
	    "{\"id\":8,\"time\":\"2025-11-21T04:43:23.500Z\",\"board\":\"rk2"
	    "\",\"plan\":\"iter6-v3\",\"step\":\"3\",\"patch\":\"0003-c\",\"c"
	    "lass\":\"kasan\",\"subtype\":\"slab-use-after-free\",\"title\":"
	    "\"KASAN: slab-use-after-free Read in vb2_buffer_done\",\"signatu"
	    "re\":\"00000000000000a1\",\"source\":\"netconsole\",\"corrupted"
	    "\":false,\"time_ms\":1763700203500,\"boot\":6,\"step_source\":\""
	    "marker\",\"state\":\"new\"}\n"
	    "{\"id\":9,\"time\":\"2025-11-21T04:43:23.600Z\",\"board\":\"rk2"
	    "\",\"plan\":\"iter6-v3\",\"step\":\"3\",\"patch\":\"0003-c\",\"c"
	    "lass\":\"ubsan\",\"subtype\":\"array-index-out-of-bounds\",\"tit"
	    "le\":\"UBSAN: array-index-out-of-bounds in vb2_queue_init\",\"si"
	    "gnature\":\"00000000000000b1\",\"source\":\"netconsole\",\"corru"
	    "pted\":false,\"time_ms\":1763700203600,\"boot\":6,\"step_source"
	    "\":\"marker\",\"state\":\"new\"}\n";

static const char *const want_query_csv_evil =
	    "id,time,board,plan,step,patch,class,subtype,title,signature,sour"
	    "ce,corrupted,boot,step_source,state\r\n"
	    "12,2025-11-21T04:45:04.000Z,rk1,iter6-v3,4,0004-d,other,,BUG: \\"
	    "x1b[2J\\x1b]0;pwned\\x07 evil\\u202e txt\\xff,00000000000000f0,n"
	    "etconsole,no,7,cli,known\r\n";

static const char *const want_query_new_in =
	    "ID  TIME                  BOARD  PLAN      STEP  PATCH   CLASS  "
	    "SUBTYPE                    TITLE                                "
	    "               SIGNATURE         SOURCE      CORRUPTED\n"
	    " 6  2025-11-21T04:43:23Z  rk1    iter6-v3  3     0003-c  kasan  "
	    "slab-use-after-free        KASAN: slab-use-after-free Read in vb"
	    "2_buffer_done  00000000000000a1  netconsole  no\n"
	    " 8  2025-11-21T04:43:23Z  rk2    iter6-v3  3     0003-c  kasan  "
	    "slab-use-after-free        KASAN: slab-use-after-free Read in vb"
	    "2_buffer_done  00000000000000a1  netconsole  no\n"
	    " 9  2025-11-21T04:43:23Z  rk2    iter6-v3  3     0003-c  ubsan  "
	    "array-index-out-of-bounds  UBSAN: array-index-out-of-bounds in v"
	    "b2_queue_init  00000000000000b1  netconsole  no\n";

static const char *const want_query_limit =
	    "ID  TIME                  BOARD  PLAN      STEP  PATCH   CLASS  "
	    "SUBTYPE              TITLE                                      "
	    "         SIGNATURE         SOURCE      CORRUPTED\n"
	    "11  2025-11-21T04:45:03Z  rk1    iter6-v3  4     0004-d  kasan  "
	    "slab-use-after-free  KASAN: slab-use-after-free Read in vb2_buff"
	    "er_done  00000000000000a1  netconsole  no\n"
	    "14  2025-11-21T04:45:03Z  rk2    iter6-v3  4     0004-d  kasan  "
	    "slab-use-after-free  KASAN: slab-use-after-free Read in vb2_buff"
	    "er_done  00000000000000a1  netconsole  no\n";

static const char *const want_bisect_table =
	    "plan iter6-v3, every board\n"
	    "   STEP  PATCH   BOOTS  REPORTS  NEW  NEW-REPORTS  WEDGES  VERDI"
	    "CT      CLASSES\n"
	    "   1     0001-a      2        0    0            0       0  clean"
	    "        -\n"
	    "   2     0002-b      2        0    0            0       1  wedge"
	    "d       -\n"
	    ">  3     0003-c      2        3    2            3       0  new-r"
	    "eports  kasan=2 ubsan=1\n"
	    "   4     0004-d      2        3    0            0       0  clean"
	    "        kasan=2 other=1\n"
	    "first step with new reports: 3\n";

static const char *const want_bisect_json =
	    "{\"plan\":\"iter6-v3\",\"step\":\"1\",\"seq\":1,\"patch\":\"0001"
	    "-a\",\"boots\":2,\"reports\":0,\"new_signatures\":0,\"new_report"
	    "s\":0,\"classes\":{},\"wedges\":0,\"verdict\":\"clean\",\"first_"
	    "new\":false}\n"
	    "{\"plan\":\"iter6-v3\",\"step\":\"2\",\"seq\":2,\"patch\":\"0002"
	    "-b\",\"boots\":2,\"reports\":0,\"new_signatures\":0,\"new_report"
	    "s\":0,\"classes\":{},\"wedges\":1,\"verdict\":\"wedged\",\"first"
	    "_new\":false}\n"
	    "{\"plan\":\"iter6-v3\",\"step\":\"3\",\"seq\":3,\"patch\":\"0003"
	    "-c\",\"boots\":2,\"reports\":3,\"new_signatures\":2,\"new_report"
	    "s\":3,\"classes\":{\"kasan\":2,\"ubsan\":1},\"wedges\":0,\"verdi"
	    "ct\":\"new-reports\",\"first_new\":true}\n"
	    "{\"plan\":\"iter6-v3\",\"step\":\"4\",\"seq\":4,\"patch\":\"0004"
	    "-d\",\"boots\":2,\"reports\":3,\"new_signatures\":0,\"new_report"
	    "s\":0,\"classes\":{\"kasan\":2,\"other\":1},\"wedges\":0,\"verdi"
	    "ct\":\"clean\",\"first_new\":false}\n";

static const char *const want_bisect_rk2_csv =
	    "plan,step,seq,patch,boots,reports,new_signatures,new_reports,wed"
	    "ges,verdict,first_new,classes\r\n"
	    "iter6-v3,1,1,0001-a,1,0,0,0,0,clean,no,-\r\n"
	    "iter6-v3,2,2,0002-b,1,0,0,0,1,wedged,no,-\r\n"
	    "iter6-v3,3,3,0003-c,1,2,2,2,0,new-reports,yes,kasan=1;ubsan=1\r"
	    "\n"
	    "iter6-v3,4,4,0004-d,1,1,0,0,0,clean,no,kasan=1\r\n";

static const char *const want_sigs_table =
	    "SIGNATURE         STATE    COUNT  FIRST                 LAST    "
	    "              CLASS  TITLE                                      "
	    "         BOARDS   STEPS                                        N"
	    "OTE\n"
	    "00000000000000ee  ignored      8  2025-11-21T04:40:02Z  2025-11-"
	    "21T04:45:02Z  warn   WARNING in panel_bridge_enable             "
	    "         rk1,rk2  iter6-v3/1,iter6-v3/2,iter6-v3/3,iter6-v3/4  p"
	    "anel noise\n"
	    "00000000000000a1  new          4  2025-11-21T04:43:23Z  2025-11-"
	    "21T04:45:03Z  kasan  KASAN: slab-use-after-free Read in vb2_buff"
	    "er_done  rk1,rk2  iter6-v3/3,iter6-v3/4                        -"
	    "\n"
	    "00000000000000b1  new          1  2025-11-21T04:43:23Z  2025-11-"
	    "21T04:43:23Z  ubsan  UBSAN: array-index-out-of-bounds in vb2_que"
	    "ue_init  rk2      iter6-v3/3                                   -"
	    "\n"
	    "00000000000000f0  known        1  2025-11-21T04:45:04Z  2025-11-"
	    "21T04:45:04Z  other  BUG: \\x1b[2J\\x1b]0;pwned\\x07 evil\\u202e"
	    " txt\\xff     rk1      iter6-v3/4                               "
	    "    bug 123\n";

static const char *const want_sigs_json_known =
	    "{\"signature\":\"00000000000000f0\",\"state\":\"known\",\"count"
	    "\":1,\"first_seen\":\"2025-11-21T04:45:04.000Z\",\"last_seen\":"
	    "\"2025-11-21T04:45:04.000Z\",\"class\":\"other\",\"title\":\"BUG"
	    ": \\u001B[2J\\u001B]0;pwned\\u0007 evil\\\\xe2\\\\x80\\\\xae txt"
	    "\\\\xff\",\"boards\":[\"rk1\"],\"steps\":[\"iter6-v3/4\"],\"note"
	    "\":\"bug 123\",\"first_seen_ms\":1763700304000,\"last_seen_ms\":"
	    "1763700304000}\n";

static const char *const want_steps_table =
	    "PLAN      SEQ  STEP  PATCH   KERNEL  COMMIT  BOOTS  REPORTS  BOA"
	    "RDS   DESCRIPTION\n"
	    "iter6-v3    1  1     0001-a  -       -           2        2  -  "
	    "      -\n"
	    "iter6-v3    2  2     0002-b  -       -           2        2  -  "
	    "      -\n"
	    "iter6-v3    3  3     0003-c  -       -           2        5  -  "
	    "      -\n"
	    "iter6-v3    4  4     0004-d  -step4  -           2        5  rk1"
	    ",rk2  -\n";

static const char *const want_boards_json =
	    "{\"board\":\"rk1\",\"address\":\"10.0.0.1:6665\",\"last_seen\":n"
	    "ull,\"boots\":4,\"reports\":7,\"boot\":7,\"boot_open\":true,\"pl"
	    "an\":\"iter6-v3\",\"step\":\"4\",\"patch\":\"0004-d\",\"step_sou"
	    "rce\":\"cli\"}\n"
	    "{\"board\":\"rk2\",\"address\":\"10.0.0.2:6665\",\"last_seen\":n"
	    "ull,\"boots\":4,\"reports\":7,\"boot\":8,\"boot_open\":true,\"pl"
	    "an\":\"iter6-v3\",\"step\":\"4\",\"patch\":\"0004-d\",\"step_sou"
	    "rce\":\"release\"}\n";

static const char *const want_show_evil =
	    "report 12: BUG: \\x1b[2J\\x1b]0;pwned\\x07 evil\\u202e txt\\xff"
	    "\n"
	    "  class       other\n"
	    "  signature   00000000000000f0  known, 1 reports, first 2025-11-"
	    "21T04:45:04Z, last 2025-11-21T04:45:04Z\n"
	    "  note        bug 123\n"
	    "  board       rk1\n"
	    "  boot        7, 2025-11-21T04:45:01Z, running, release 6.1.0-de"
	    "v\n"
	    "  step        iter6-v3 4, patch 0004-d (from cli)\n"
	    "  time        2025-11-21T04:45:04.000Z to 2025-11-21T04:45:04.00"
	    "2Z\n"
	    "  source      netconsole\n"
	    "  lines       30-32 of the boot's archive\n"
	    "  corrupted   no\n"
	    "\n"
	    "frames:\n"
	    "\n"
	    "signature history:\n"
	    "PLAN      STEP  PATCH   BOARD  COUNT  FIRST                 LAST"
	    "\n"
	    "iter6-v3  4     0004-d  rk1        1  2025-11-21T04:45:04Z  2025"
	    "-11-21T04:45:04Z\n"
	    "\n"
	    "context (2 lines before):\n"
	    "      28  2025-11-21T04:45:03.028Z  line 28\n"
	    "      29  2025-11-21T04:45:03.029Z  line 29 \\x1b[31mred\n"
	    "\n"
	    "report text:\n"
	    "  BUG: \\x1b[2J\\x1b]0;pwned\\x07 evil\\u202e txt\\xff\n";


/* Table, JSON lines and CSV of every listing, byte for byte. */
static void
test_cmd_outputs(void **state)
{
	char *dir = *state, out[256];

	snprintf(out, sizeof(out), "%s/out", dir);
	fixture(dir);
	EXPECT(0, want_query_all, cmd_query, "query");
	EXPECT(0, want_query_json_step3, cmd_query, "query", "--json",
	    "--step", "3");
	EXPECT(0, want_query_csv_evil, cmd_query, "query", "--board", "rk1",
	    "--class", "other", "--format", "csv");
	EXPECT(0, want_query_new_in, cmd_query, "query", "--new-in", "3",
	    "--plan", "iter6-v3");
	EXPECT(0, want_query_limit, cmd_query, "query", "--limit", "2",
	    "--class", "kasan", "--since", "2025-11-21T04:43:23Z", "--until",
	    "2025-11-21T04:45:04Z");
	EXPECT(0, want_bisect_table, cmd_bisect, "bisect", "iter6-v3");
	EXPECT(0, want_bisect_json, cmd_bisect, "bisect", "iter6-v3",
	    "--json");
	EXPECT(0, want_bisect_rk2_csv, cmd_bisect, "bisect", "iter6-v3",
	    "--board", "rk2", "--format", "csv");
	EXPECT(0, want_sigs_table, cmd_sigs, "sigs");
	EXPECT(0, want_sigs_json_known, cmd_sigs, "sigs", "--json", "--state",
	    "known");
	EXPECT(0, want_steps_table, cmd_steps, "steps");
	EXPECT(0, want_boards_json, cmd_boards, "boards", "--json");
	EXPECT(0, want_show_evil, cmd_show, "show", "12", "--context", "2");
	/* Empty results are not errors. */
	EXPECT(0, "", cmd_query, "query", "--json", "--board", "nope");
	EXPECT(0, "", cmd_sigs, "sigs", "--json", "--class", "kcsan");
}

/* Board text never reaches the terminal raw, in any output. */
static void
test_cmd_no_raw_escapes(void **state)
{
	static const char *const argvs[][4] = {
		{"query", NULL}, {"query", "--format", "csv", NULL},
		{"query", "--json", NULL}, {"sigs", NULL},
		{"sigs", "--json", NULL}, {"show", "12", NULL},
		{"show", "12", "--json", NULL},
	};
	char *dir = *state, out[256], *got;
	size_t i, j;

	snprintf(out, sizeof(out), "%s/out", dir);
	fixture(dir);
	for (i = 0; i < sizeof(argvs) / sizeof(argvs[0]); i++) {
		int (*cmd)(int, char **) = argvs[i][0][0] == 'q' ? cmd_query :
		    argvs[i][0][1] == 'i' ? cmd_sigs : cmd_show;

		assert_int_equal(run(cmd, dir, out, argvs[i][0], argvs[i][1],
		    argvs[i][1] != NULL ? argvs[i][2] : NULL, NULL), 0);
		got = slurp(out);
		for (j = 0; got[j] != '\0'; j++) {
			unsigned char c = (unsigned char)got[j];

			if (c == 0x1b || c == 0x07 || c == 0xff || (c < 0x20 &&
			    c != '\n' && c != '\r'))
				fail_msg("%s: raw byte 0x%02x at %zu",
				    argvs[i][0], c, j);
		}
		assert_null(strstr(got, "\xe2\x80\xae"));
		free(got);
	}
}

/* Exit codes: 0 ok, 1 bad arguments (with usage), 2 no database. */
static void
test_cmd_exit_codes(void **state)
{
	char *dir = *state, out[256], missing[300], *got;

	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(missing, sizeof(missing), "%s/none", dir);
	assert_int_equal(run(cmd_query, missing, out, "query", NULL), 2);
	got = slurp(out);
	assert_non_null(strstr(got, "no database"));
	free(got);
	assert_int_equal(run(cmd_bisect, missing, out, "bisect", "p", NULL),
	    2);
	assert_int_equal(run(cmd_show, missing, out, "show", "1", NULL), 2);
	assert_int_equal(run(cmd_sigs, missing, out, "sigs", NULL), 2);
	assert_int_equal(run(cmd_steps, missing, out, "steps", NULL), 2);
	assert_int_equal(run(cmd_boards, missing, out, "boards", NULL), 2);
	assert_int_equal(run(cmd_step, missing, out, "step", "end", "rk1",
	    NULL), 2);
	fixture(dir);
	assert_int_equal(run(cmd_query, dir, out, "query", "--bogus", NULL),
	    1);
	got = slurp(out);
	assert_non_null(strstr(got, "usage: kcatch query"));
	free(got);
	assert_int_equal(run(cmd_query, dir, out, "query", "--class", "nope",
	    NULL), 1);
	assert_int_equal(run(cmd_query, dir, out, "query", "--limit", "0",
	    NULL), 1);
	assert_int_equal(run(cmd_query, dir, out, "query", "--since",
	    "yesterday", NULL), 1);
	assert_int_equal(run(cmd_query, dir, out, "query", "--format", "xml",
	    NULL), 1);
	assert_int_equal(run(cmd_query, dir, out, "query", "--state", "old",
	    NULL), 1);
	assert_int_equal(run(cmd_query, dir, out, "query", "extra", NULL), 1);
	assert_int_equal(run(cmd_query, dir, out, "query", "--since", "2h",
	    NULL), 0);
	assert_int_equal(run(cmd_bisect, dir, out, "bisect", NULL), 1);
	assert_int_equal(run(cmd_bisect, dir, out, "bisect", "nope", NULL), 1);
	assert_int_equal(run(cmd_bisect, dir, out, "bisect", "iter6-v3",
	    "--board", "nope", NULL), 1);
	assert_int_equal(run(cmd_show, dir, out, "show", "999", NULL), 1);
	assert_int_equal(run(cmd_show, dir, out, "show", "x", NULL), 1);
	assert_int_equal(run(cmd_sig, dir, out, "sig", "mark", "abcd",
	    "known", NULL), 1);
	assert_int_equal(run(cmd_sig, dir, out, "sig", "mark", "0000",
	    "known", NULL), 1); /* more than one */
	assert_int_equal(run(cmd_sig, dir, out, "sig", "mark",
	    "00000000000000a1", "bogus", NULL), 1);
	assert_int_equal(run(cmd_step, dir, out, "step", "end", "nope",
	    NULL), 1);
	assert_int_equal(run(cmd_step, dir, out, "step", "reassign", "nope",
	    NULL), 1);
	assert_int_equal(run(cmd_step, dir, out, "step", "start", "rk1",
	    "--plan", "p", NULL), 1);
	assert_int_equal(run(cmd_step, dir, out, "step", "start", "rk1",
	    "--plan", "p", "--step", "a b", NULL), 1);
	assert_int_equal(run(cmd_step, dir, out, "step", "fly", NULL), 1);
	assert_int_equal(run(cmd_step, dir, out, "step", "reassign", "rk1",
	    "--plan", "p", "--step", "1", NULL), 1); /* no range */
	assert_int_equal(run(cmd_query, dir, out, "query", "--help", NULL), 0);
}

/* The ids query --json prints for the arguments, as "1 3". */
static char *
query_ids(const char *dir, const char *out, const char *a1, const char *a2,
    const char *a3, const char *a4)
{
	char *got, *line, *save = NULL, *ids = calloc(1, 256);
	json_t *o;

	assert_non_null(ids);
	assert_int_equal(run(cmd_query, dir, out, "query", "--json", a1, a2,
	    a3, a4, NULL), 0);
	got = slurp(out);
	for (line = strtok_r(got, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		o = json_loads(line, 0, NULL);
		assert_non_null(o);
		snprintf(ids + strlen(ids), 256 - strlen(ids), "%s%lld",
		    *ids ? " " : "", (long long)json_integer_value(
		    json_object_get(o, "id")));
		json_decref(o);
	}
	free(got);
	return ids;
}

#define EXPECT_IDS(want, ...)                                               \
	do {                                                                \
		char *ids_ = query_ids(dir, out, __VA_ARGS__);             \
		assert_string_equal(ids_, want);                            \
		free(ids_);                                                 \
	} while (0)

/* The step commands: start, end, add, reassign (a boot, everything) and
   sig mark, their effects checked through query, boards and bisect. */
static void
test_cmd_step_declare(void **state)
{
	char *dir = *state, out[256], *got;
	json_t *o;

	snprintf(out, sizeof(out), "%s/out", dir);
	fixture(dir);
	EXPECT_IDS("1 2", "--step", "1", NULL, NULL);
	/* rk1's step-2 boot (3) was really step 1. */
	assert_int_equal(run(cmd_step, dir, out, "step", "reassign", "--boot",
	    "3", "--plan", "iter6-v3", "--step", "1", NULL), 0);
	got = slurp(out);
	assert_string_equal(got, "board rk1: plan iter6-v3 step 1 from "
	    "2025-11-21T04:41:41Z to 2025-11-21T04:43:21Z (1 reports "
	    "attributed again)\nattributed again: 0 reports and 0 boots "
	    "changed\n");
	free(got);
	EXPECT_IDS("1 2 3", "--step", "1", NULL, NULL);
	EXPECT_IDS("", "--step", "2", "--board", "rk1");
	/* rk2's boot 4 says step 2 in its stream: the marker wins. */
	assert_int_equal(run(cmd_step, dir, out, "step", "reassign", "--boot",
	    "4", "--plan", "iter6-v3", "--step", "1", NULL), 0);
	EXPECT_IDS("4", "--step", "2", "--board", "rk2");
	/* A board declared before it ever sent anything. */
	assert_int_equal(run(cmd_step, dir, out, "step", "start", "rk9",
	    "--plan", PLAN_NAME, "--step", "1", NULL), 0);
	got = slurp(out);
	assert_non_null(strstr(got, "board 'rk9' has sent nothing yet"));
	free(got);
	assert_int_equal(run(cmd_step, dir, out, "step", "start", "rk9",
	    "--plan", PLAN_NAME, "--step", "2", NULL), 0);
	got = slurp(out);
	assert_null(strstr(got, "sent nothing"));
	free(got);
	/* rk1 moves to another plan, then to no step. */
	assert_int_equal(run(cmd_step, dir, out, "step", "start", "rk1",
	    "--plan", "other", "--step", "x", "--patch", "0009-z", NULL), 0);
	got = slurp(out);
	assert_non_null(strstr(got, "board rk1: plan other step x from "));
	free(got);
	EXPECT(0, "{\"board\":\"rk1\",\"address\":\"10.0.0.1:6665\","
	    "\"last_seen\":null,\"boots\":4,\"reports\":7,\"boot\":7,"
	    "\"boot_open\":true,\"plan\":\"other\",\"step\":\"x\","
	    "\"patch\":\"0009-z\",\"step_source\":\"cli\"}\n"
	    "{\"board\":\"rk2\",\"address\":\"10.0.0.2:6665\","
	    "\"last_seen\":null,\"boots\":4,\"reports\":7,\"boot\":8,"
	    "\"boot_open\":true,\"plan\":\"iter6-v3\",\"step\":\"4\","
	    "\"patch\":\"0004-d\",\"step_source\":\"release\"}\n"
	    "{\"board\":\"rk9\",\"address\":null,\"last_seen\":null,"
	    "\"boots\":0,\"reports\":0,\"boot\":null,\"boot_open\":false,"
	    "\"plan\":\"iter6-v3\",\"step\":\"2\",\"patch\":\"0002-b\","
	    "\"step_source\":\"cli\"}\n",
	    cmd_boards, "boards", "--json");
	assert_int_equal(run(cmd_step, dir, out, "step", "end", "rk1", NULL),
	    0);
	/* A step defined with the exact release rk2 runs: it takes over
	   the open boot from the "-step4" suffix. */
	assert_int_equal(run(cmd_step, dir, out, "step", "add", "--plan",
	    "iter6-v3", "--step", "5", "--kernel", "6.1.0-step4",
	    "--description", "exact kernel", NULL), 0);
	EXPECT_IDS("13 14", "--step", "5", NULL, NULL);
	EXPECT_IDS("10 11 12", "--step", "4", NULL, NULL);
	/* From scratch: nothing changes any more. */
	assert_int_equal(run(cmd_step, dir, out, "step", "reassign", NULL),
	    0);
	got = slurp(out);
	assert_string_equal(got,
	    "attributed again: 0 reports and 0 boots changed\n");
	free(got);
	/* Triage: a known signature is never new. */
	assert_int_equal(run(cmd_sig, dir, out, "sig", "mark", "00000000000000a",
	    "known", "--note", "fixed in 0005", NULL), 0);
	got = slurp(out);
	assert_string_equal(got, "signature 00000000000000a1: known\n");
	free(got);
	assert_int_equal(run(cmd_bisect, dir, out, "bisect", "iter6-v3",
	    "--json", NULL), 0);
	got = slurp(out);
	o = json_loads(strchr(strchr(got, '\n') + 1, '\n') + 1,
	    JSON_DISABLE_EOF_CHECK, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "step")),
	    "3");
	assert_int_equal(json_integer_value(json_object_get(o,
	    "new_signatures")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "reports")), 3);
	json_decref(o);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)
		T(test_cmd_outputs),
		T(test_cmd_no_raw_escapes),
		T(test_cmd_exit_codes),
		T(test_cmd_step_declare),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
