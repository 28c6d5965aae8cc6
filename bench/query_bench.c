/* SPDX-License-Identifier: MIT */
/*
 * query_bench.c -- how fast `kcatch query` and `kcatch bisect` answer on
 * a big database (docs/performance.md, "Queries").
 *
 * Builds a data directory the way the collector fills one, through the
 * same store and archive API: B boards run a plan of S steps (declared
 * with store_step_run(), as `kcatch step start` does), each step a few
 * boots, every boot an archive of console lines with reports at spread
 * out lines, R reports in all over a pool of G signatures of 15 classes,
 * each step bringing G/S signatures never seen before. Deterministic
 * (fixed seed and clock). Then, on a fresh read-only store, times the
 * store calls behind `query --class C --step S` and `bisect PLAN`, and,
 * when the kcatch binary is found, the commands themselves (process
 * start and output included), each the median of several runs. Prints
 * "result" lines for ./dev.sh bench. --check exits 1 unless query and
 * bisect count what was generated.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "kreport.h"
#include "store.h"

#define BENCH_T0 1735689600000LL /* 2025-01-01T00:00:00Z */
#define BENCH_PLAN "bench"
#define BENCH_RUNS 7		 /* timed runs; the median is reported */
#define BENCH_MAX_STEPS 64

extern char **environ;

/* What to generate. */
struct params {
	int64_t reports;	/* R */
	int64_t lines;		/* archived lines in all */
	int boards;		/* B */
	int steps;		/* S */
	int boots_per_step;	/* per board */
	int64_t sigs;		/* G */
	bool archive;		/* write archives (else counters only) */
	bool check;
	bool keep;
	const char *dir;	/* data dir, NULL: a temporary one */
	const char *kcatch;	/* binary to time, NULL: look next to us */
	const char *qclass;	/* class and step of the timed query */
	int qstep;
};

/* A class and its share of reports (percent). */
struct share {
	const char *cls;
	const char *title;	/* printf format, %s = guilty function */
	int pct;
};

static const struct share shares[] = {
	{"warn", "WARNING in %s", 30},
	{"kasan", "KASAN: slab-use-after-free Read in %s", 15},
	{"lockdep", "possible deadlock in %s", 10},
	{"kcsan", "KCSAN: data-race in %s / vfs_read", 10},
	{"ubsan", "UBSAN: shift-out-of-bounds in %s", 8},
	{"hung-task", "INFO: task hung in %s", 5},
	{"rcu-stall", "INFO: rcu detected stall in %s", 5},
	{"oops", "BUG: unable to handle kernel paging request in %s", 4},
	{"bug", "kernel BUG in %s", 3},
	{"list-corruption", "BUG: corrupted list in %s", 2},
	{"refcount", "refcount bug in %s", 2},
	{"kfence", "KFENCE: use-after-free read in %s", 2},
	{"atomic-sleep", "BUG: sleeping function called from invalid "
	    "context in %s", 2},
	{"debug-objects", "ODEBUG bug in %s", 1},
	{"memory-leak", "memory leak in %s", 1},
};
#define NSHARES (sizeof(shares) / sizeof(shares[0]))

/* What was generated, for --check. */
struct truth {
	int64_t per_step[BENCH_MAX_STEPS];	    /* reports */
	int64_t per_step_class[BENCH_MAX_STEPS]; /* of qclass */
	int64_t boots;
};

/* splitmix64: the generator's random numbers. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The class share of signature g (weighted by pct). */
static const struct share *
sig_class(int64_t g)
{
	uint64_t s = (uint64_t)g * 2654435761ULL;
	int p = (int)(rnd(&s) % 100);
	size_t i;

	for (i = 0; i < NSHARES - 1; i++) {
		if (p < shares[i].pct)
			return &shares[i];
		p -= shares[i].pct;
	}
	return &shares[NSHARES - 1];
}

/* Monotonic ms. */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Give up with a message. */
static void __attribute__((noreturn))
die(const char *what, const char *cause)
{
	fprintf(stderr, "query_bench: %s: %s\n", what, cause ? cause : "?");
	exit(2);
}

#define BENCH_TEXT_MIN 1500	/* report text bytes: 1.5 to 4.5 KB, */
#define BENCH_TEXT_SPREAD 3000	/* like real KASAN/WARN reports */

/* The body of every report text: call-trace lines (cut per report). */
static char bench_body[BENCH_TEXT_MIN + BENCH_TEXT_SPREAD + 256];

/* Fill bench_body with call-trace-like lines once. */
static void
body_init(void)
{
	size_t len = 0;
	int i = 0;

	while (len + 80 < sizeof(bench_body)) {
		len += (size_t)snprintf(bench_body + len, sizeof(bench_body) -
		    len, " drv_helper_%d+0x%x/0x%x [bench_mod]\n", i, i * 37 %
		    4096, 4096 + i);
		i++;
	}
}

/* A report's frames (the guilty one first). */
static struct kr_frame bench_frames[] = {
	{.func = NULL}, {.func = "drv_helper_1", .module = "bench_mod"},
	{.func = "process_one_work"}, {.func = "worker_thread"},
	{.func = "kthread"}, {.func = "ret_from_fork"},
};

/* One generated report: signature g at time t, archive line ln. */
static void
add_report(struct store *s, int64_t board, int64_t boot, int64_t g,
    int64_t t, uint64_t ln)
{
	static char text[sizeof(bench_body) + 160];
	const struct share *sh = sig_class(g);
	char title[128], fn[32], *cause = NULL;
	struct kr_report r = {
		.cls = (enum kr_class)kr_class_from_name(sh->cls),
		.subtype = "", .frame = fn, .frame2 = "", .corrupt_reason = "",
		.first_line = ln, .last_line = ln + 9, .first_recv_ms = t,
		.last_recv_ms = t + 9, .first_ktime_us = -1,
		.last_ktime_us = -1, .access = "", .access_size = -1,
		.access_addr = "", .task = "kworker/0:1", .pid = 42, .cpu = 0,
		.taint = "", .release = "6.12.0-bench", .hardware = "",
		.caller = "", .nlines = 10,
	};
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)g;

	snprintf(fn, sizeof(fn), "drv_func_%" PRId64, g);
	snprintf(title, sizeof(title), sh->title, fn);
	snprintf(text, sizeof(text), "%s\n%.*s", title, (int)(BENCH_TEXT_MIN +
	    (uint64_t)g * 7919 % BENCH_TEXT_SPREAD), bench_body);
	bench_frames[0].func = fn;
	r.title = title;
	r.text = text;
	r.frames = bench_frames;
	r.nframes = sizeof(bench_frames) / sizeof(bench_frames[0]);
	h *= 1099511628211ULL;
	snprintf(r.signature, sizeof(r.signature), "%016" PRIx64,
	    h ^ (h >> 29));
	if (store_report_add(s, board, boot, "netconsole", &r, NULL,
	    &cause) != 0)
		die("report", cause);
}

/* Append n console lines to an archive starting at time t. */
static void
add_lines(struct archive_writer *w, int64_t n, int64_t t, uint64_t *rng)
{
	struct archive_line l = {.seq = 0, .level = 6, .caller = "T1"};
	char text[160];
	int64_t i;

	for (i = 0; i < n; i++) {
		l.recv_ms = t + i;
		l.ktime_us = i * 1000;
		l.seq = (uint64_t)i;
		snprintf(text, sizeof(text), "usb 1-%d: new high-speed USB "
		    "device number %" PRIu64 " using xhci_hcd", (int)(i % 4),
		    rnd(rng) % 128);
		l.text = text;
		l.len = strlen(text);
		if (archive_writer_append(w, &l, NULL, NULL) != 0)
			die("archive", "append failed");
	}
}

/* Generation state of one boot. */
struct boot_ctx {
	const struct params *p;
	struct store *s;
	struct truth *tr;
	uint64_t rng;
	int64_t report_no;	/* reports generated so far */
	int64_t boot_no;	/* boots generated so far */
	int64_t nboots;		/* boots in all */
};

/* One boot of board b at step st starting at t. */
static void
gen_boot(struct boot_ctx *c, const char *board, int64_t board_id, int st,
    int64_t t, int64_t *prev)
{
	const struct params *p = c->p;
	int64_t boot, i, n, lines = p->lines / c->nboots, g, avail;
	struct store_counts d = {.lines = lines, .bytes = lines * 60};
	struct archive_writer *w = NULL;
	char *cause = NULL, rel[128];

	c->boot_no++;
	n = p->reports * c->boot_no / c->nboots - c->report_no;
	if (*prev > 0 && (store_boot_set_end_state(c->s, *prev,
	    c->boot_no % 7 ? STORE_END_CLEAN : STORE_END_SILENT_RESET, t - 2,
	    &cause) != 0 || store_boot_end(c->s, *prev, t - 1, "reboot",
	    &cause) != 0))
		die("boot end", cause);
	if (store_boot_begin(c->s, board_id, t, &boot, &cause) != 0 ||
	    store_boot_set_kernel(c->s, boot, "6.12.0-bench", NULL,
	    &cause) != 0 || store_boot_count(c->s, boot, &d, t + lines,
	    &cause) != 0)
		die("boot", cause);
	if (p->archive) {
		if ((w = archive_writer_open(p->dir, board, boot,
		    &cause)) == NULL)
			die("archive", cause);
		add_lines(w, lines, t, &c->rng);
		if (archive_writer_close(w, &cause) != 0)
			die("archive", cause);
		snprintf(rel, sizeof(rel), "archive/%s/%08" PRId64 ".kca.gz",
		    board, boot);
		if (store_boot_set_archive(c->s, boot, rel, &cause) != 0)
			die("archive", cause);
	}
	/* Signatures < avail exist by step st: each step adds G/S. */
	avail = p->sigs * (st + 1) / p->steps;
	for (i = 0; i < n; i++) {
		g = (int64_t)(rnd(&c->rng) % (uint64_t)avail);
		add_report(c->s, board_id, boot, g, t + lines * i / n,
		    (uint64_t)(lines * i / n + 1));
		c->tr->per_step[st]++;
		if (strcmp(sig_class(g)->cls, p->qclass) == 0)
			c->tr->per_step_class[st]++;
	}
	c->report_no += n;
	c->tr->boots++;
	*prev = boot;
}

/* Build the whole data dir. */
static void
generate(const struct params *p, struct truth *tr)
{
	struct boot_ctx c = {.p = p, .tr = tr, .rng = 1};
	struct store_step_def def = {.plan = BENCH_PLAN, .seq = -1};
	int64_t board_id[16], prev[16] = {0}, step_id, t;
	char name[16][16], sn[16], patch[32], *cause = NULL;
	int b, st, k;

	c.nboots = (int64_t)p->boards * p->steps * p->boots_per_step;
	if ((c.s = store_open_dir(p->dir, 0, &cause)) == NULL)
		die("open", cause);
	for (b = 0; b < p->boards; b++) {
		snprintf(name[b], sizeof(name[b]), "board%d", b);
		if (store_board_upsert(c.s, name[b], "10.0.0.1:6665", BENCH_T0,
		    &board_id[b], &cause) != 0)
			die("board", cause);
	}
	for (st = 0; st < p->steps; st++) {
		snprintf(sn, sizeof(sn), "%d", st + 1);
		snprintf(patch, sizeof(patch), "%04d-bench-patch", st + 1);
		def.step = sn;
		def.patch = patch;
		if (store_step_define(c.s, &def, BENCH_T0, &step_id,
		    &cause) != 0)
			die("step", cause);
		for (b = 0; b < p->boards; b++) {
			t = BENCH_T0 + (int64_t)st * 86400000;
			if (store_step_run(c.s, board_id[b], step_id, t, -1,
			    STORE_RUN_START, t, NULL, &cause) != 0)
				die("step run", cause);
			/* A step lasts a day; its boots share it. */
			for (k = 0; k < p->boots_per_step; k++)
				gen_boot(&c, name[b], board_id[b], st,
				    t + 1000 + (int64_t)k * (86400000 /
				    (p->boots_per_step + 1)), &prev[b]);
		}
	}
	if (store_close(c.s, &cause) != 0)
		die("close", cause);
}

/* Counting callback of store_report_query(). */
static int
count_cb(const struct store_report_row *r, void *arg)
{
	(void)r;
	(*(int64_t *)arg)++;
	return 0;
}

/* qsort of doubles. */
static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n samples (sorts v). */
static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), dbl_cmp);
	return v[n / 2];
}

/* Time store_report_query(class, step); *rows gets the row count. */
static double
time_query(struct store *s, const struct params *p, int64_t limit,
    int64_t *rows)
{
	const char *cls[] = {p->qclass};
	struct store_filter f = {.since_ms = -1, .until_ms = -1,
	    .classes = cls, .nclasses = 1, .limit = limit};
	double v[BENCH_RUNS], t;
	char step[16], *cause = NULL;
	int i;

	snprintf(step, sizeof(step), "%d", p->qstep);
	f.step = step;
	for (i = 0; i < BENCH_RUNS; i++) {
		*rows = 0;
		t = now_ms();
		if (store_report_query(s, &f, count_cb, rows, &cause) != 0)
			die("query", cause);
		v[i] = now_ms() - t;
	}
	return median(v, BENCH_RUNS);
}

/* Time store_bisect() of the plan; *out gets the last result. */
static double
time_bisect(struct store *s, struct store_bisect_step **out, size_t *n)
{
	double v[BENCH_RUNS], t;
	int64_t plan;
	char *cause = NULL;
	int i;

	if (store_plan_find(s, BENCH_PLAN, &plan, &cause) != 1)
		die("plan", cause);
	for (i = 0; i < BENCH_RUNS; i++) {
		if (i > 0)
			store_bisect_free(*out, *n);
		t = now_ms();
		if (store_bisect(s, plan, 0, out, n, &cause) != 0)
			die("bisect", cause);
		v[i] = now_ms() - t;
	}
	return median(v, BENCH_RUNS);
}

/* Wall time of one kcatch run (stdout to /dev/null), -1 on failure. */
static double
time_cmd(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	double t = now_ms();
	int status;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return now_ms() - t;
}

/* Median wall time of a kcatch command line, -1 on failure. */
static double
time_kcatch(char *const argv[])
{
	double v[BENCH_RUNS];
	int i;

	for (i = 0; i < BENCH_RUNS; i++)
		if ((v[i] = time_cmd(argv)) < 0)
			return -1;
	return median(v, BENCH_RUNS);
}

/* Print one result line for ./dev.sh bench and a human line. */
static void
result(const char *metric, double value, const char *unit)
{
	printf("result\tquery_bench\t%s\t%.1f\t%s\n", metric, value, unit);
}

/* Time the commands themselves (when the binary is there). */
static void
time_commands(const struct params *p)
{
	char step[16], *dir = (char *)p->dir, *k = (char *)p->kcatch;
	char *q[] = {k, "query", "--data-dir", dir, "--class",
	    (char *)p->qclass, "--step", step, "--json", NULL};
	char *ql[] = {k, "query", "--data-dir", dir, "--class",
	    (char *)p->qclass, "--step", step, "--limit", "100", NULL};
	char *b[] = {k, "bisect", BENCH_PLAN, "--data-dir", dir, "--json",
	    NULL};
	char *bt[] = {k, "bisect", BENCH_PLAN, "--data-dir", dir, NULL};
	double v;

	if (k == NULL || access(k, X_OK) != 0) {
		printf("kcatch binary not found: commands not timed\n");
		return;
	}
	snprintf(step, sizeof(step), "%d", p->qstep);
	if ((v = time_kcatch(q)) >= 0)
		result("cmd_query_json_ms", v, "ms");
	if ((v = time_kcatch(ql)) >= 0)
		result("cmd_query_limit_ms", v, "ms");
	if ((v = time_kcatch(b)) >= 0)
		result("cmd_bisect_json_ms", v, "ms");
	if ((v = time_kcatch(bt)) >= 0)
		result("cmd_bisect_table_ms", v, "ms");
}

/* Check query and bisect against what was generated. 0 ok. */
static int
check(const struct params *p, const struct truth *tr, int64_t rows,
    const struct store_bisect_step *v, size_t n)
{
	int64_t boots = 0;
	int bad = 0;
	size_t i;

	if (rows != tr->per_step_class[p->qstep - 1]) {
		fprintf(stderr, "check: query gave %" PRId64 " rows, "
		    "generated %" PRId64 "\n", rows,
		    tr->per_step_class[p->qstep - 1]);
		bad = 1;
	}
	for (i = 0; i < n; i++) {
		boots += v[i].boots;
		if (v[i].reports != tr->per_step[i] || (i > 0 &&
		    v[i].new_signatures == 0)) {
			fprintf(stderr, "check: step %zu: %" PRId64 " reports "
			    "(generated %" PRId64 "), %" PRId64 " new\n", i + 1,
			    v[i].reports, tr->per_step[i], v[i].new_signatures);
			bad = 1;
		}
	}
	if (n != (size_t)p->steps || boots != tr->boots) {
		fprintf(stderr, "check: %zu steps, %" PRId64 " boots\n", n,
		    boots);
		bad = 1;
	}
	return bad;
}

/* nftw callback: remove one entry. */
static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* Bytes under a directory (nftw callback state). */
static int64_t du_total;

/* nftw callback: add one file's size. */
static int
du_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)path;
	(void)f;
	if (flag == FTW_F)
		du_total += st->st_size;
	return 0;
}

/* Print the usage to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: query_bench [-r REPORTS] [-l LINES] [-b BOARDS] "
	    "[-s STEPS] [-B BOOTS_PER_STEP]\n"
	    "           [-g SIGNATURES] [-d DIR] [--keep] [--no-archive] "
	    "[--check]\n"
	    "           [--kcatch PATH] [--class C] [--step N]\n");
}

/* Parse argv into p. */
static void
parse_args(int argc, char **argv, struct params *p)
{
	static const struct option opts[] = {
		{"keep", no_argument, NULL, 'k'},
		{"no-archive", no_argument, NULL, 'n'},
		{"check", no_argument, NULL, 'c'},
		{"kcatch", required_argument, NULL, 'K'},
		{"class", required_argument, NULL, 'C'},
		{"step", required_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "r:l:b:s:B:g:d:", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'r': p->reports = strtoll(optarg, NULL, 10); break;
		case 'l': p->lines = strtoll(optarg, NULL, 10); break;
		case 'b': p->boards = atoi(optarg); break;
		case 's': p->steps = atoi(optarg); break;
		case 'B': p->boots_per_step = atoi(optarg); break;
		case 'g': p->sigs = strtoll(optarg, NULL, 10); break;
		case 'd': p->dir = optarg; break;
		case 'k': p->keep = true; break;
		case 'n': p->archive = false; break;
		case 'c': p->check = true; break;
		case 'K': p->kcatch = optarg; break;
		case 'C': p->qclass = optarg; break;
		case 'S': p->qstep = atoi(optarg); break;
		default: usage(stderr); exit(1);
		}
	}
	if (p->reports < 1 || p->lines < 0 || p->boards < 1 ||
	    p->boards > 16 || p->steps < 1 || p->steps > BENCH_MAX_STEPS ||
	    p->boots_per_step < 1 || p->sigs < p->steps || p->qstep < 1 ||
	    p->qstep > p->steps || kr_class_from_name(p->qclass) <= 0) {
		usage(stderr);
		exit(1);
	}
}

/* The kcatch next to this program in a build tree, NULL when none. */
static char *
find_kcatch(void)
{
	char self[PATH_MAX], *slash, *k;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return NULL;
	*slash = '\0';
	if (asprintf(&k, "%s/../collector/kcatch", self) < 0)
		return NULL;
	return k;
}

/* Time the store calls, print, check. Returns the exit code. */
static int
measure(const struct params *p, const struct truth *tr)
{
	struct store_bisect_step *v = NULL;
	struct store *s;
	char *cause = NULL;
	int64_t rows, lrows;
	double q, ql, b;
	size_t n = 0;
	int bad = 0;

	if ((s = store_open_dir(p->dir, STORE_READONLY, &cause)) == NULL)
		die("open", cause);
	q = time_query(s, p, 0, &rows);
	ql = time_query(s, p, 100, &lrows);
	b = time_bisect(s, &v, &n);
	printf("query --class %s --step %d: %" PRId64 " rows in %.1f ms "
	    "(--limit 100: %.1f ms); bisect of %zu steps: %.1f ms\n",
	    p->qclass, p->qstep, rows, q, ql, n, b);
	result("query_rows", (double)rows, "rows");
	result("query_ms", q, "ms");
	result("query_limit_ms", ql, "ms");
	result("bisect_ms", b, "ms");
	if (p->check)
		bad = check(p, tr, rows, v, n);
	store_bisect_free(v, n);
	store_close(s, NULL);
	time_commands(p);
	return bad;
}

int
main(int argc, char **argv)
{
	struct params p = {.reports = 1000000, .lines = 10000000, .boards = 2,
	    .steps = 10, .boots_per_step = 50, .sigs = 5000, .archive = true,
	    .qclass = "kasan", .qstep = 5};
	static struct truth tr;
	char tmpl[] = "/tmp/kcatch-query-bench-XXXXXX";
	char *found = NULL;
	double t;
	int rc;

	parse_args(argc, argv, &p);
	body_init();
	if (p.dir == NULL && (p.dir = mkdtemp(tmpl)) == NULL)
		die("mkdtemp", strerror(errno));
	if (p.kcatch == NULL)
		p.kcatch = found = find_kcatch();
	printf("generating %" PRId64 " reports, %" PRId64 " lines, %d boards, "
	    "%d steps, %d boots per step and board, %" PRId64 " signatures "
	    "in %s\n", p.reports, p.lines, p.boards, p.steps,
	    p.boots_per_step, p.sigs, p.dir);
	t = now_ms();
	generate(&p, &tr);
	t = now_ms() - t;
	nftw(p.dir, du_entry, 16, FTW_PHYS);
	printf("generated in %.1f s: %.1f MB on disk\n", t / 1e3,
	    (double)du_total / 1e6);
	result("generate_s", t / 1e3, "s");
	result("data_dir_mb", (double)du_total / 1e6, "MB");
	rc = measure(&p, &tr);
	if (!p.keep)
		nftw(p.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(found);
	if (p.check)
		printf("check: %s\n", rc ? "FAILED" : "ok");
	return rc;
}
