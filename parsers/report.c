/* SPDX-License-Identifier: MIT */
/*
 * report.c -- turn the lines of a finished report into a struct kr_report:
 * stack frames, the guilty frame, fields (task, CPU, access, release ...),
 * the syzbot-style title, the corrupted verdict and the dedup signature.
 *
 * Runs once per report, so it may afford regexes (through engine.c, which
 * owns PCRE2); the skip lists of reporting machinery are plain name tables.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_int.h"

bool kr_field_match(size_t idx, const char *s, size_t n,
    const char *const *names, char **out, size_t nnames);

/* Field patterns, compiled once by engine.c. Index = enum below. */
enum {
	FP_CPU,
	FP_HW,
	FP_KASAN,
	FP_KASAN_TAG,
	FP_KCSAN,
	FP_KFENCE,
	FP_PF,
	FP_WNR,
	FP_LOCKDEP_TASK,
	FP_LOCKDEP_IDENT,
	FP_HUNG_IDENT,
	FP_MIGHT,
	FP_KMEMLEAK,
	FP_OLD_PID,
	FP__COUNT
};

// clang-format off
const char *const kr_field_patterns[] = {
	[FP_CPU] = "^CPU: (?<cpu>\\d+) (?:UID: \\d+ )?PID: (?<pid>\\d+) Comm: "
		   "(?<task>.*?) (?:Not tainted|Tainted: (?<taint>[A-Z ]*?))"
		   " +(?<release>\\S+) #",
	[FP_HW] = "^Hardware name: (?<hw>.+?)\\s*$",
	[FP_KASAN] = "^(?<access>Read|Write) of size (?<size>\\d+) at addr "
		     "(?<addr>[0-9a-f]+) by task (?<task>.+)/(?<pid>\\d+)",
	[FP_KASAN_TAG] = "^(?<access>Read|Write) at addr (?<addr>[0-9a-f]+) "
			 "by task (?<task>.+)/(?<pid>\\d+)",
	[FP_KCSAN] = "^(?<access>read|write)(?:-write)?(?: \\([a-z]+\\))* to "
		     "0x(?<addr>[0-9a-f]+) of (?<size>\\d+) bytes by (?:task "
		     "(?<pid>\\d+)|interrupt) on cpu (?<cpu>\\d+)",
	[FP_KFENCE] = "^(?:Out-of-bounds|Use-after-free|Invalid) (?<access>"
		      "read|write) at 0x(?<addr>[0-9a-f]+)",
	[FP_PF] = "^#PF: (?:supervisor|user) (?<access>read|write|instruction"
		  " fetch) access",
	[FP_WNR] = "^\\s*WnR = (?<wnr>[01])",
	[FP_LOCKDEP_TASK] = "^(?<task>.+?)/(?<pid>\\d+) (?:is trying to |is "
			    "leaving the kernel|is exiting|is freeing|just "
			    "changed|has |is still)",
	[FP_LOCKDEP_IDENT] = "^(?<release>\\d+\\.\\d+\\S*) #\\d+ (?:Not "
			     "tainted|Tainted:)",
	[FP_HUNG_IDENT] = "^\\s+(?:Not tainted|Tainted: [A-Z ]*?) +"
			  "(?<release>\\d\\S*) #",
	[FP_MIGHT] = "pid: (?<pid>\\d+), name: (?<task>.+?)\\s*$",
	[FP_KMEMLEAK] = "^\\s*comm \"(?<task>.*)\", pid (?<pid>\\d+)",
	/* 3.x dump_stack: "Pid: 1, comm: swapper/0 Not tainted 3.4.0 #1" */
	[FP_OLD_PID] = "^Pid: (?<pid>\\d+), comm: (?<task>.*?) (?:Not tainted|"
		       "Tainted: (?<taint>[A-Z ]*?)) +(?<release>\\S+) #",
};
// clang-format on
const size_t kr_nfield_patterns = FP__COUNT;

/* ---- skip lists: reporting machinery is never the guilty frame ---- */

struct skipgroup {
	unsigned bit;
	const char *const *names; /* "name" exact, "pre*" prefix */
};

static const char *const skip_common[] = { "dump_stack", "dump_stack_lvl",
	"__dump_stack", "show_stack", "dump_backtrace", "show_regs",
	"__show_regs", "show_trace_log_lvl", "printk", "_printk", "vprintk*",
	"panic", "__warn", "warn_slowpath*", "__warn_printk", "report_bug",
	"handle_bug", "exc_invalid_op", "asm_exc_invalid_op", "do_error_trap",
	"do_trap", "die", "__die", "__die_body", "oops_end", "bug_handler",
	"call_break_hook", "brk_handler", "do_debug_exception", "el1_dbg",
	"el1h_64_sync*", "el1_sync*", "el1_abort", "el1_da", "do_mem_abort",
	"do_translation_fault", "do_page_fault", "__do_kernel_fault",
	"die_kernel_fault", "do_bad_area", "page_fault_oops",
	"kernelmode_fixup_or_oops", "__bad_area_nosemaphore",
	"bad_area_nosemaphore", "no_context", "do_user_addr_fault",
	"do_kern_addr_fault", "exc_page_fault", "asm_exc_page_fault",
	"exc_general_protection", "asm_exc_general_protection",
	"exc_divide_error", "asm_exc_divide_error", "check_panic_on_warn",
	"__stack_chk_fail", "warn_bogus_irq_restore", "arm64_serror_panic",
	"do_serror", "el1h_64_error*", "el1_error", "__show_stack",
	"print_modules", "debug_locks_off", "memcpy*", "memset*", "memmove*",
	"__memcpy*", "__memset*", "__memmove*", "memcmp", "strlen", "strnlen",
	"strcpy", "strncpy", "strscpy*", "strcmp", "strncmp", "nmi_panic",
	"handle_bad_stack", "__bad_stack", NULL };
static const char *const skip_sanitizer[] = { "kasan_*", "__kasan_*",
	"___kasan_*", "____kasan_*", "__asan_*", "__hwasan_*",
	"check_region_inline", "check_memory_region*",
	"print_address_description*", "print_report", "describe_object*",
	"kfence_*", "__kfence_*", "kcsan_*", "__kcsan_*", "__tsan_*", "ubsan_*",
	"__ubsan_*", "ubsan_epilogue", "handle_overflow",
	"handle_null_ptr_deref", "handle_misaligned_access",
	"handle_object_size_mismatch", "ubsan_type_mismatch_common",
	"val_to_string", "kmsan_*", "__msan_*", "memcpy", "memset", "memmove",
	"__memcpy", "__memset", "__memmove", "memcmp", "strlen", "strnlen",
	"strcpy", "strncpy", "strscpy", "strcmp", "strncmp", "__fortify_*",
	"fortify_*", "instrument_*", "__instrument_*", "copy_page*",
	"end_report", "start_report", "report_el*", "mte_*",
	"do_tag_check_fault", NULL };
static const char *const skip_lock[] = { "lock_acquire*", "lock_release",
	"__lock_acquire", "__lock_release", "lock_acquired", "lock_contended",
	"_raw_spin_*", "_raw_read_*", "_raw_write_*", "__raw_spin_*",
	"__raw_read_*", "__raw_write_*", "do_raw_spin_*", "do_raw_read_*",
	"do_raw_write_*", "spin_bug", "spin_dump", "rwlock_bug",
	"queued_spin_*", "native_queued_spin_*", "__pv_queued_spin_*",
	"pv_queued_spin_*", "queued_read_*", "queued_write_*", "mutex_lock*",
	"__mutex_lock*", "mutex_unlock", "__mutex_unlock*", "mutex_trylock*",
	"down", "down_*", "__down*", "up", "up_*", "__up*", "rwsem_*",
	"__rwsem_*", "ww_mutex_*", "__ww_mutex_*", "rt_mutex*", "__rt_mutex*",
	"rt_spin_*", "lockdep_*", "__lockdep_*", "check_noncircular",
	"check_prev_add", "check_prevs_add", "validate_chain",
	"print_circular_bug*", "print_usage_bug", "print_bad_irq_dependency",
	"mark_lock*", "mark_usage", "print_lock*", "debug_check_no_locks_*",
	"check_irq_usage", "check_deadlock", "print_deadlock_bug",
	"valid_state", "mark_held_locks", "lock_is_held_type",
	"lockdep_rcu_suspicious", "print_unlock_imbalance_bug",
	"register_lock_class", "assign_lock_key", "look_up_lock_class",
	"__lockdep_init_map*", "lockdep_init_map*",
	"print_lock_nested_lock_not_held", "print_freed_lock_bug",
	"print_held_locks_bug", "hlock_class", "spin_lock*", "spin_unlock*",
	"read_lock*", "write_lock*", "preempt_count_*", "lock_timer_base",
	NULL };
static const char *const skip_sched[] = { "__schedule", "schedule",
	"schedule_timeout*", "schedule_preempt*", "io_schedule*",
	"schedule_hrtimeout*", "context_switch", "__switch_to*",
	"__wait_for_common", "wait_for_completion*", "do_wait_for_common",
	"wait_for_common*", "msleep*", "usleep_range*", "wait_woken",
	"__flush_work", "flush_work", "__cond_resched*", "_cond_resched",
	"preempt_schedule*", "__wait_on_bit*", "out_of_line_wait_on_bit*",
	"bit_wait*", "folio_wait_bit*", "wait_on_page_bit*", "__folio_lock*",
	"__lock_page*", "__wait_event*", "prepare_to_wait*", "finish_wait",
	"schedule_debug", "__schedule_bug", "do_task_dead", "ret_from_fork",
	"ret_from_fork_asm", "kthread", NULL };
static const char *const skip_alloc[] = { "kmalloc*", "__kmalloc*",
	"kmem_cache_alloc*", "__kmem_cache_alloc*", "slab_alloc*",
	"__slab_alloc*", "___slab_alloc", "slab_pre_alloc_hook*",
	"slab_post_alloc_hook*", "kzalloc*", "kcalloc*", "krealloc*",
	"__krealloc", "kmemdup*", "kstrdup*", "kvmalloc*", "kvzalloc*",
	"__kvmalloc*", "vmalloc*", "__vmalloc*", "vzalloc*", "alloc_pages*",
	"__alloc_pages*", "folio_alloc*", "__folio_alloc*", "get_free_pages",
	"__get_free_pages", "kmemleak_alloc*", "create_object*",
	"__create_object", "alloc_slab_page", "allocate_slab", "new_slab",
	"memdup_user*", "kmem_cache_zalloc", "kmalloc_large*",
	"__kmalloc_large*", "kmalloc_order*", "kmalloc_reserve", "__alloc_skb",
	"prepare_alloc_pages", "get_page_from_freelist", "__might_fault",
	"should_fail*", "fs_reclaim_*", "might_alloc", "alloc_debug_processing",
	"set_track*", "get_partial*", "__stack_depot*", "stack_depot_*",
	"check_bytes_and_report", "check_object", "kvasprintf*", "kasprintf",
	"kobject_set_name_vargs", "dev_set_name", "kstrdup_const", "kstrndup",
	"kmemdup_nul", "__kernel_unpoison_pages", "kernel_unpoison_pages",
	"unpoison_page", "check_poison_mem", "post_alloc_hook", "prep_new_page",
	"rmqueue*", "__rmqueue*", "poison_error", "check_element*",
	"__check_element", "mempool_alloc*", "mempool_free*", "remove_element",
	"add_element", NULL };
static const char *const skip_free[] = { "kfree*", "__kfree*",
	"kmem_cache_free*", "__kmem_cache_free*", "slab_free*", "__slab_free*",
	"do_slab_free", "free_debug_processing", "free_to_partial_list",
	"slab_err", "object_err", "print_trailer", "check_object",
	"check_bytes_and_report", "on_freelist", "check_slab",
	"free_consistency_checks", "__free_pages*", "free_pages*",
	"__free_pages_ok", "free_unref_page*", "kvfree*", "vfree*", "__vfree*",
	"free_pcp_prepare", "free_pages_prepare", "free_page_is_bad*",
	"bad_page", "kmemleak_free*", "___cache_free", "__cache_free",
	"kfree_sensitive", "check_free_page*", "free_tail_page_prepare",
	"__put_page", "put_page", "folio_put", "__folio_put", "print_bad_pte",
	"bad_page", "check_new_page*", "page_remove_rmap", "zap_pte_range_fail",
	NULL };
static const char *const skip_list[] = { "__list_add_valid*",
	"__list_del_entry_valid*", "__list_add", "list_add*", "list_del*",
	"__list_del_entry*", "list_move*", "__list_add_rcu", "list_splice*",
	"__list_del*", "list_replace*", NULL };
static const char *const skip_refcount[] = { "refcount_*", "__refcount_*",
	"kref_*", NULL };
static const char *const skip_odebug[] = { "debug_print_object",
	"debug_object_*", "__debug_object_*", "debug_check_no_obj_freed",
	"__debug_check_no_obj_freed", "debug_objects_*", "debug_timer_*",
	"debug_work_*", "debug_hrtimer_*", "debug_rcu_head_*", "debug_activate",
	"debug_deactivate", "init_timer_key", "__init_timer*",
	"destroy_timer_on_stack", "__init_work", "destroy_work_on_stack",
	"enqueue_timer", "__mod_timer", "mod_timer", "add_timer",
	"__queue_work", "queue_work_on", "__queue_delayed_work",
	"hrtimer_init*", "hrtimer_start_range_ns", "__hrtimer_init",
	"free_obj_work", NULL };
static const char *const skip_irq[] = { "__irq_exit_rcu", "irq_exit_rcu",
	"irq_exit", "__irq_exit*", "sysvec_*", "asm_sysvec_*", "__sysvec_*",
	"handle_irq*", "__handle_irq*", "common_interrupt",
	"asm_common_interrupt", "hrtimer_interrupt", "__hrtimer_run_queues",
	"__run_hrtimer", "tick_sched_timer", "tick_sched_handle*",
	"tick_nohz_*", "update_process_times", "rcu_sched_clock_irq",
	"rcu_pending", "check_cpu_stall", "print_cpu_stall*",
	"print_other_cpu_stall", "rcu_dump_cpu_stacks", "dump_cpu_task",
	"sched_show_task", "nmi_*", "default_do_nmi", "exc_nmi", "asm_exc_nmi",
	"end_repeat_nmi", "watchdog_timer_fn", "watchdog_overflow_callback",
	"watchdog_hardlockup_*", "__perf_event_overflow",
	"perf_event_nmi_handler", "handle_pmi_common", "intel_pmu_handle_irq",
	"perf_event_overflow", "__do_softirq", "do_softirq*", "el1_interrupt",
	"el1h_64_irq*", "el0_interrupt", "gic_handle_irq", "call_on_irq_stack",
	"do_interrupt_handler", "generic_handle_domain_irq",
	"handle_domain_irq", "__handle_domain_irq", "handle_percpu_devid_irq",
	"arch_timer_handler*", "timer_handler", "ipi_handler", "do_handle_IPI",
	"handle_IPI", "el1_irq", "__el1_irq", "trigger_single_cpu_backtrace",
	"arch_trigger_cpumask_backtrace", "nmi_trigger_cpumask_backtrace",
	"nmi_cpu_backtrace", "lockdep_hardirqs_*", "trace_hardirqs_*",
	"rcu_check_gp_start_stall", "rcu_irq_exit*", "irqentry_*",
	"__hrtimer_run*", "run_timer_softirq", "__run_timers", "call_timer_fn",
	"expire_timers", "handle_softirqs", "do_sched_softirq*",
	"arch_cpu_idle", "default_idle*", "cpu_do_idle", "do_idle",
	"cpu_startup_entry", NULL };
static const char *const skip_might[] = { "__might_resched", "__might_sleep",
	"___might_sleep", "might_sleep", "__might_fault", "might_fault",
	"__schedule_bug", "schedule_debug", "check_preemption_disabled",
	"debug_smp_processor_id", "__this_cpu_preempt_check", "__cant_sleep",
	"__cant_migrate", "might_alloc", NULL };
static const char *const skip_usercopy[] = { "_copy_to_user", "_copy_from_user",
	"copy_user_*", "__copy_user*", "copy_to_user*", "copy_from_user*",
	"raw_copy_*", "__arch_copy_*", "_copy_to_iter", "copyout", "copyin",
	"kmsan_copy_to_user", "instrument_copy_*", "__put_user*", "__get_user*",
	NULL };

static const struct skipgroup skipgroups[] = {
	{ KR_SKIP_COMMON, skip_common },
	{ KR_SKIP_SANITIZER, skip_sanitizer },
	{ KR_SKIP_LOCK, skip_lock },
	{ KR_SKIP_SCHED, skip_sched },
	{ KR_SKIP_ALLOC, skip_alloc },
	{ KR_SKIP_FREE, skip_free },
	{ KR_SKIP_LIST, skip_list },
	{ KR_SKIP_REFCOUNT, skip_refcount },
	{ KR_SKIP_ODEBUG, skip_odebug },
	{ KR_SKIP_IRQ, skip_irq },
	{ KR_SKIP_MIGHT, skip_might },
	{ KR_SKIP_USERCOPY, skip_usercopy },
};

static bool
name_in(const char *f, const char *const *names)
{
	size_t i, l;

	for (i = 0; names[i]; i++) {
		l = strlen(names[i]);
		if (names[i][l - 1] == '*') {
			if (!strncmp(f, names[i], l - 1))
				return true;
		} else if (!strcmp(f, names[i]))
			return true;
	}
	return false;
}

static bool
skipped(const char *f, unsigned mask)
{
	size_t i;

	for (i = 0; i < sizeof(skipgroups) / sizeof(skipgroups[0]); i++)
		if ((mask & skipgroups[i].bit) &&
		    name_in(f, skipgroups[i].names))
			return true;
	return false;
}

/* ---- frames ---- */

static bool
is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '$';
}

static bool
hexrun(const char **p, const char *e)
{
	const char *s = *p;

	while (*p < e && isxdigit((unsigned char)**p))
		(*p)++;
	return *p > s;
}

/*
 * Parse " ? func+0x12/0x34 [mod]" (x86), " func+0x20/0x1b8 [mod] (P)"
 * (arm64), "[<ffffffff8104f3a5>] func+0x.." (old x86, kmemleak). The
 * function is copied with its .cold/.isra/.part suffix removed.
 */
static bool
parse_frame(const char *t, size_t n, char *func, size_t fsz, char *mod,
    size_t msz, bool *unrel)
{
	const char *p = t, *e = t + n, *fs, *fe;

	*unrel = false;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p + 1 < e && p[0] == '?' && p[1] == ' ') {
		*unrel = true;
		p += 2;
	}
	if (p + 2 < e && p[0] == '[' && p[1] == '<') {
		p += 2;
		if (!hexrun(&p, e) || p + 2 >= e || p[0] != '>' || p[1] != ']')
			return false;
		p += 2;
		while (p < e && *p == ' ')
			p++;
		if (p + 1 < e && p[0] == '?' && p[1] == ' ') {
			*unrel = true;
			p += 2;
		}
	}
	fs = p;
	while (p < e && is_ident(*p))
		p++;
	fe = p;
	if (fe == fs || !isalpha((unsigned char)*fs) ? (fe == fs || *fs != '_')
						     : false)
		return false;
	if (p + 3 > e || memcmp(p, "+0x", 3))
		return false;
	p += 3;
	if (!hexrun(&p, e) || p + 3 > e || memcmp(p, "/0x", 3))
		return false;
	p += 3;
	if (!hexrun(&p, e))
		return false;
	if (func) {
		size_t l = (size_t)(fe - fs);
		const char *dot = memchr(fs, '.', l);

		if (dot && dot > fs)
			l = (size_t)(dot - fs);
		if (l >= fsz)
			l = fsz - 1;
		memcpy(func, fs, l);
		func[l] = '\0';
	}
	if (mod) {
		mod[0] = '\0';
		while (p < e && *p == ' ')
			p++;
		if (p < e && *p == '[') {
			const char *ms = ++p;

			while (p < e && *p != ']' && *p != ' ')
				p++;
			if (p < e && (size_t)(p - ms) < msz) {
				memcpy(mod, ms, (size_t)(p - ms));
				mod[p - ms] = '\0';
			}
		}
	}
	return true;
}

bool
kr_is_frame_line(const char *s, size_t len)
{
	bool u;

	return parse_frame(s, len, NULL, 0, NULL, 0, &u);
}

/* "RIP: 0010:func+0x.." or "pc : func+0x.." -> func (kernel text only). */
static bool
parse_pc(const char *t, size_t n, char *func, size_t fsz)
{
	char mod[64];
	bool u;

	if (n > 10 && !memcmp(t, "RIP: ", 5) && t[9] == ':')
		return parse_frame(
		    t + 10, n - 10, func, fsz, mod, sizeof(mod), &u);
	if (n > 5 && !memcmp(t, "pc : ", 5))
		return parse_frame(
		    t + 5, n - 5, func, fsz, mod, sizeof(mod), &u);
	return false;
}

static const char *
line_at(const struct kr_open *o, size_t i, size_t *n)
{
	*n = o->lines[i].len;
	return o->buf + o->lines[i].off;
}

static bool
sstarts(const char *t, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && !memcmp(t, lit, l);
}

static const char *
ltrim(const char *t, size_t *n)
{
	while (*n && (*t == ' ' || *t == '\t')) {
		t++;
		(*n)--;
	}
	return t;
}

/* Collect the primary call trace: the first trace section after the
 * header. Frames inside <IRQ>/<NMI> are marked so stalls can skip them. */
static void
collect_frames(const struct kr_open *o, struct kr_report *r, bool **irqflags)
{
	size_t i, n, cap = 0;
	bool in = false, irq = false, done = false;
	char func[128], mod[64];

	*irqflags = NULL;
	for (i = o->hdr_line + 1; i < o->nlines && !done; i++) {
		const char *t = line_at(o, i, &n), *p;
		size_t m = n;
		bool unrel;

		p = ltrim(t, &m);
		if (sstarts(p, m, "Call Trace:") ||
		    sstarts(p, m, "Call trace:") ||
		    (sstarts(p, m, "backtrace") && m < 40 && p[m - 1] == ':')) {
			if (r->nframes)
				break;
			in = true;
			continue;
		}
		if (!in)
			continue;
		if (sstarts(p, m, "<IRQ>") || sstarts(p, m, "<NMI>") ||
		    sstarts(p, m, "<SOFTIRQ>")) {
			irq = true;
			continue;
		}
		if (sstarts(p, m, "</IRQ>") || sstarts(p, m, "</NMI>") ||
		    sstarts(p, m, "</SOFTIRQ>")) {
			irq = false;
			continue;
		}
		if (sstarts(p, m, "<TASK>") || sstarts(p, m, "<#")) {
			continue;
		}
		if (sstarts(p, m, "</TASK>")) {
			done = true;
			continue;
		}
		if (!parse_frame(
			t, n, func, sizeof(func), mod, sizeof(mod), &unrel)) {
			/* x86 user regs inside <TASK> ... </TASK> */
			if (sstarts(p, m, "RIP:") || sstarts(p, m, "Code:") ||
			    sstarts(p, m, "R") || sstarts(p, m, "FS:") ||
			    sstarts(p, m, "CS:") || sstarts(p, m, "CR") ||
			    sstarts(p, m, "DR") || sstarts(p, m, "PKRU"))
				continue;
			if (r->nframes)
				break;
			continue;
		}
		if (r->nframes == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct kr_frame *nf =
			    realloc(r->frames, nc * sizeof(*nf));
			bool *ni = realloc(*irqflags, nc * sizeof(*ni));

			if (nf)
				r->frames = nf;
			if (ni)
				*irqflags = ni;
			if (nf == NULL || ni == NULL)
				return;
			cap = nc;
		}
		r->frames[r->nframes].func = strdup(func);
		r->frames[r->nframes].module = mod[0] ? strdup(mod) : NULL;
		r->frames[r->nframes].unreliable = unrel;
		(*irqflags)[r->nframes] = irq;
		r->nframes++;
	}
}

static const char *
first_good_frame(
    const struct kr_report *r, const bool *irq, unsigned skip, bool skip_irq)
{
	size_t i;

	for (i = 0; i < r->nframes; i++) {
		if (r->frames[i].unreliable || r->frames[i].func == NULL)
			continue;
		if (skip_irq && irq && irq[i])
			continue;
		if (skipped(r->frames[i].func, skip))
			continue;
		return r->frames[i].func;
	}
	/* every frame was irq context: take the first acceptable one */
	if (skip_irq)
		return first_good_frame(r, irq, skip, false);
	/* a remote task's stack may be all "? " (nohz_full): use them */
	for (i = 0; i < r->nframes; i++)
		if (r->frames[i].func && !skipped(r->frames[i].func, skip))
			return r->frames[i].func;
	return NULL;
}

/* "..., at: func+0x1c/0x40" of the first lock line after the header. */
static bool
frame_from_at(const struct kr_open *o, char *func, size_t fsz)
{
	size_t i, n;
	bool u;

	for (i = o->hdr_line + 1; i < o->nlines; i++) {
		const char *t = line_at(o, i, &n);
		const char *a = memmem(t, n, ", at: ", 6);

		if (a == NULL)
			continue;
		a += 6;
		if (parse_frame(a, (size_t)(t + n - a), func, fsz, NULL, 0, &u))
			return true;
	}
	return false;
}

static bool
frame_from_pc(const struct kr_open *o, char *func, size_t fsz, unsigned skip)
{
	size_t i, n;

	for (i = o->hdr_line; i < o->nlines; i++) {
		const char *t = line_at(o, i, &n);

		if (parse_pc(t, n, func, fsz))
			return !skipped(func, skip);
	}
	return false;
}

/* ---- fields ---- */

static void
set_str(char **dst, char *val)
{
	if (val == NULL)
		return;
	if (*dst && **dst) {
		free(val);
		return;
	}
	free(*dst);
	*dst = val;
}

static void
set_num(int64_t *dst, char *val)
{
	if (val && *dst < 0)
		*dst = strtoll(val, NULL, 10);
	free(val);
}

static void
lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void
apply_fields(struct kr_report *r, size_t fp, const char *t, size_t n)
{
	static const char *const names[] = { "cpu", "pid", "task", "taint",
		"release", "hw", "access", "size", "addr", "wnr" };
	char *v[10] = { 0 };
	int64_t cpu = r->cpu;

	if (!kr_field_match(fp, t, n, names, v, 10))
		return;
	set_num(&cpu, v[0]);
	r->cpu = (int)cpu;
	set_num(&r->pid, v[1]);
	set_str(&r->task, v[2]);
	if (v[3]) {
		size_t l = strlen(v[3]);

		while (l && v[3][l - 1] == ' ')
			v[3][--l] = '\0';
	}
	set_str(&r->taint, v[3]);
	set_str(&r->release, v[4]);
	set_str(&r->hardware, v[5]);
	lower(v[6]);
	if (v[6] && !strcmp(v[6], "instruction fetch")) {
		free(v[6]);
		v[6] = strdup("exec");
	}
	set_str(&r->access, v[6]);
	set_num(&r->access_size, v[7]);
	set_str(&r->access_addr, v[8]);
	if (v[9])
		set_str(&r->access, strdup(v[9][0] == '1' ? "write" : "read"));
	free(v[9]);
}

static void
extract_fields(const struct kr_open *o, struct kr_report *r)
{
	size_t i, n;

	for (i = 0; i < o->nlines; i++) {
		const char *t = line_at(o, i, &n);

		if (n < 4)
			continue;
		if (sstarts(t, n, "CPU: "))
			apply_fields(r, FP_CPU, t, n);
		else if (sstarts(t, n, "Pid: "))
			apply_fields(r, FP_OLD_PID, t, n);
		else if (sstarts(t, n, "Hardware name: "))
			apply_fields(r, FP_HW, t, n);
		else if (sstarts(t, n, "Read ") || sstarts(t, n, "Write ")) {
			apply_fields(r, FP_KASAN, t, n);
			apply_fields(r, FP_KASAN_TAG, t, n);
		} else if (sstarts(t, n, "read") || sstarts(t, n, "write"))
			apply_fields(r, FP_KCSAN, t, n);
		else if (sstarts(t, n, "Out-of-bounds ") ||
		    sstarts(t, n, "Use-after-free ") ||
		    sstarts(t, n, "Invalid "))
			apply_fields(r, FP_KFENCE, t, n);
		else if (sstarts(t, n, "#PF: "))
			apply_fields(r, FP_PF, t, n);
		else if (memmem(t, n, "WnR = ", 6))
			apply_fields(r, FP_WNR, t, n);
		else if (memmem(t, n, " is ", 4) || memmem(t, n, " just ", 6) ||
		    memmem(t, n, " has ", 5))
			apply_fields(r, FP_LOCKDEP_TASK, t, n);
		else if (memmem(t, n, " #", 2) && memmem(t, n, "ainted", 6)) {
			apply_fields(r, FP_LOCKDEP_IDENT, t, n);
			apply_fields(r, FP_HUNG_IDENT, t, n);
		} else if (memmem(t, n, ", name: ", 8))
			apply_fields(r, FP_MIGHT, t, n);
		else if (memmem(t, n, "comm \"", 6))
			apply_fields(r, FP_KMEMLEAK, t, n);
	}
}

/* ---- subtype, title ---- */

struct remap {
	const char *from; /* prefix of the kernel's words */
	const char *subtype;
	const char *words; /* title words, NULL: the kernel's own */
};

static const struct remap remaps[] = {
	{ "circular", "circular-dependency", NULL },
	{ "recursive", "recursive-locking", NULL },
	{ "double-free or invalid-free", "double-free", NULL },
	{ "invalid free", "invalid-free", NULL },
	{ "invalid", "invalid-access", NULL },
	{ "Redzone overwritten", "redzone-overwritten", NULL },
	{ "Slab has", "free-count-mismatch", "free count mismatch" },
	{ "Wrong object count", "wrong-object-count", "Wrong object count" },
	{ "Wrong number of objects", "wrong-object-count",
	    "Wrong number of objects" },
	{ "Freechain corrupt", "freechain-corrupt", NULL },
	{ "Freepointer corrupt", "freepointer-corrupt", NULL },
	{ "Object already free", "object-already-free", NULL },
	{ "Invalid object pointer", "invalid-object-pointer",
	    "Invalid object pointer" },
	{ "Padding overwritten", "padding-overwritten", NULL },
	{ "Object padding overwritten", "object-padding-overwritten", NULL },
	{ "Poison overwritten", "poison-overwritten", NULL },
	{ "Objects remaining", "objects-remaining", "Objects remaining" },
};

/* Cut free text before its first token holding a digit; trim. */
static char *
cut_numbers(const char *s)
{
	char *out = strdup(s ? s : "");
	char *p, *tok;
	size_t l;

	if (out == NULL)
		return NULL;
	for (p = out, tok = out; *p; p++) {
		if (*p == ' ')
			tok = p + 1;
		else if (isdigit((unsigned char)*p)) {
			*tok = '\0';
			break;
		}
	}
	l = strlen(out);
	while (l && strchr(" ,:;-=(", out[l - 1]))
		out[--l] = '\0';
	return out;
}

/* Copy without trailing blanks (a panic reason as printed). */
static char *
trimmed(const char *s)
{
	char *o = strdup(s);
	size_t l = o ? strlen(o) : 0;

	while (l && (o[l - 1] == ' ' || o[l - 1] == '\t'))
		o[--l] = '\0';
	return o;
}

/* "free active" -> "free-active"; digits and punctuation collapse. */
static char *
slugify(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	bool dash = false;

	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		if (isalnum((unsigned char)*s) || *s == '_') {
			if (dash && o > out)
				*o++ = '-';
			*o++ = (char)tolower((unsigned char)*s);
			dash = false;
		} else
			dash = true;
	}
	*o = '\0';
	return out;
}

static const struct remap *
find_remap(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(remaps) / sizeof(remaps[0]); i++) {
		size_t l = strlen(remaps[i].from);

		/* whole words: "invalid" must not catch "invalid-free" */
		if (!strncmp(kind, remaps[i].from, l) &&
		    (kind[l] == '\0' || kind[l] == ' ' || kind[l] == '.' ||
			kind[l] == ':' || kind[l] == ','))
			return &remaps[i];
	}
	return NULL;
}

/* UBSAN pre-5.x: the kind is on the line after the header. */
static char *
ubsan_old_subtype(const struct kr_open *o)
{
	static const struct {
		const char *needle, *subtype;
	} k[] = {
		{ "out of range for type", "array-index-out-of-bounds" },
		{ "shift exponent", "shift-out-of-bounds" },
		{ "left shift of", "shift-out-of-bounds" },
		{ "signed integer overflow", "signed-integer-overflow" },
		{ "negation of", "signed-integer-overflow" },
		{ "load of value", "invalid-load" },
		{ "division by zero", "division-overflow" },
		{ "division of", "division-overflow" },
		{ "null pointer", "null-ptr-deref" },
		{ "misaligned address", "misaligned-access" },
		{ "with insufficient space", "object-size-mismatch" },
		{ "unreachable", "unreachable" },
	};
	size_t i, j, n;

	for (i = o->hdr_line + 1; i < o->nlines && i < o->hdr_line + 4; i++) {
		const char *t = line_at(o, i, &n);

		for (j = 0; j < sizeof(k) / sizeof(k[0]); j++)
			if (memmem(t, n, k[j].needle, strlen(k[j].needle)))
				return strdup(k[j].subtype);
	}
	return strdup("undefined-behaviour");
}

static void
append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	char *nb;

	if (*buf == NULL)
		return;
	if (*len + n + 1 > *cap) {
		size_t nc = (*cap + n + 1) * 2;

		if ((nb = realloc(*buf, nc)) == NULL) {
			free(*buf);
			*buf = NULL;
			return;
		}
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Expand a title template; drop " in {frame}" etc. when empty. */
static char *
expand_title(const char *tpl, const char *const *keys, const char *const *vals,
    size_t nk)
{
	size_t len = 0, cap = 64, i;
	char *out = malloc(cap);
	const char *p = tpl;

	if (out == NULL)
		return NULL;
	out[0] = '\0';
	while (*p && out) {
		const char *br = strchr(p, '{'), *ke;
		const char *val = NULL;

		if (br == NULL || (ke = strchr(br, '}')) == NULL) {
			append(&out, &len, &cap, p, strlen(p));
			break;
		}
		for (i = 0; i < nk; i++)
			if (strlen(keys[i]) == (size_t)(ke - br - 1) &&
			    !memcmp(br + 1, keys[i], (size_t)(ke - br - 1)))
				val = vals[i];
		if (val == NULL || *val == '\0') {
			/* drop the connecting word before an empty field */
			const char *cut = br;

			if (cut - p >= 4 && !memcmp(cut - 4, " in ", 4))
				cut -= 4;
			else if (cut - p >= 3 && !memcmp(cut - 3, " / ", 3))
				cut -= 3;
			else if (cut - p >= 1 && cut[-1] == ' ')
				cut -= 1;
			append(&out, &len, &cap, p, (size_t)(cut - p));
		} else {
			append(&out, &len, &cap, p, (size_t)(br - p));
			append(&out, &len, &cap, val, strlen(val));
		}
		p = ke + 1;
	}
	return out;
}

static void
signature(struct kr_report *r)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *parts[3] = { kr_class_name(r->cls), r->subtype, r->title };
	size_t i;
	const unsigned char *p;

	for (i = 0; i < 3; i++) {
		for (p = (const unsigned char *)parts[i]; *p; p++) {
			h ^= *p;
			h *= 0x100000001b3ULL;
		}
		h ^= 0xff;
		h *= 0x100000001b3ULL;
	}
	snprintf(r->signature, sizeof(r->signature), "%016llx",
	    (unsigned long long)h);
}

static char *
clean_func(char *f)
{
	char *dot;

	if (f && (dot = strchr(f, '.')) && dot > f)
		*dot = '\0';
	return f;
}

struct hdr {
	char *subtype, *kind, *func, *func2, *reason, *task, *pid, *cpu, *addr,
	    *access;
};

static void
header_groups(const struct kr_open *o, struct hdr *h)
{
	size_t n;
	const char *t = line_at(o, o->hdr_line, &n);
	const struct kr_rule *ru = o->rule;

	h->subtype = kr_header_group(ru, t, n, "subtype");
	h->kind = kr_header_group(ru, t, n, "kind");
	h->func = clean_func(kr_header_group(ru, t, n, "func"));
	h->func2 = clean_func(kr_header_group(ru, t, n, "func2"));
	h->reason = kr_header_group(ru, t, n, "reason");
	h->task = kr_header_group(ru, t, n, "task");
	h->pid = kr_header_group(ru, t, n, "pid");
	h->cpu = kr_header_group(ru, t, n, "cpu");
	h->addr = kr_header_group(ru, t, n, "addr");
	h->access = kr_header_group(ru, t, n, "access");
}

static void
hdr_free(struct hdr *h)
{
	free(h->subtype);
	free(h->kind);
	free(h->func);
	free(h->func2);
	free(h->reason);
	free(h->task);
	free(h->pid);
	free(h->cpu);
	free(h->addr);
	free(h->access);
}

static char *
pick_frame(const struct kr_open *o, struct kr_report *r, const bool *irq,
    const struct hdr *h)
{
	unsigned f = o->rule->flags, skip = o->rule->skip;
	char buf[128];

	if (f & KR_F_NO_FRAME)
		return strdup("");
	if (o->rule->frame_re) {
		size_t i, n;

		for (i = o->hdr_line + 1; i < o->nlines; i++) {
			const char *t = line_at(o, i, &n);
			char *g = kr_frame_re_group(o->rule, t, n);

			if (g)
				return clean_func(g);
		}
	}
	if ((f & KR_F_FRAME_HDR) && h->func && !skipped(h->func, skip))
		return strdup(h->func);
	if ((f & KR_F_FRAME_AT) && frame_from_at(o, buf, sizeof(buf)) &&
	    !skipped(buf, skip))
		return strdup(buf);
	if ((f & KR_F_FRAME_PC) && frame_from_pc(o, buf, sizeof(buf), skip))
		return strdup(buf);
	{
		const char *g =
		    first_good_frame(r, irq, skip, (f & KR_F_SKIP_IRQ) != 0);

		if (g)
			return strdup(g);
	}
	/* a header function that is itself a helper beats nothing */
	if ((f & KR_F_FRAME_HDR) && h->func)
		return strdup(h->func);
	return strdup("");
}

/* A stall whose grace-period kthread starved is a different bug (the
 * kthread never ran) than a CPU stuck in the kernel. */
static bool
rcu_starved(const struct kr_open *o)
{
	size_t i, n;

	for (i = o->hdr_line; i < o->nlines; i++) {
		const char *t = line_at(o, i, &n);

		if (memmem(t, n, " kthread starved for ", 21))
			return true;
	}
	return false;
}

static void
decide_subtype(const struct kr_open *o, struct kr_report *r, struct hdr *h,
    char **kindwords)
{
	const struct remap *rm;
	const char *src;

	*kindwords = NULL;
	if (!strcmp(o->rule->name, "ubsan-old")) {
		r->subtype = ubsan_old_subtype(o);
		return;
	}
	if (r->cls == KR_CLASS_RCU_STALL && rcu_starved(o)) {
		r->subtype = strdup("kthread-starved");
		return;
	}
	if (o->rule->subtype) {
		r->subtype = strdup(o->rule->subtype);
		if (h->kind)
			*kindwords = cut_numbers(h->kind);
		return;
	}
	src = h->subtype ? h->subtype : h->kind ? h->kind : "";
	if (h->kind && !strcmp(o->rule->name, "kfence") && h->subtype)
		src = h->subtype;
	rm = find_remap(src);
	r->subtype = rm ? strdup(rm->subtype) : slugify(src);
	if (h->kind) {
		const struct remap *km = find_remap(h->kind);

		*kindwords = (km && km->words) ? strdup(km->words)
					       : cut_numbers(h->kind);
	}
}

static void
decide_corrupted(
    const struct kr_open *o, struct kr_report *r, const struct hdr *h)
{
	unsigned f = o->rule->flags;
	const char *why = NULL;
	char buf[160];

	if ((f & KR_F_END_REQUIRED) && !o->ended && !o->panicked) {
		snprintf(buf, sizeof(buf), "no end marker: %s",
		    o->cut_reason ? o->cut_reason : "cut short");
		why = buf;
	} else if ((f & KR_F_TRACE_END) && !o->ended && !o->panicked &&
	    o->in_trace && o->trace_has_task && o->cut_reason) {
		snprintf(buf, sizeof(buf), "call trace cut: %s", o->cut_reason);
		why = buf;
	} else if ((f & KR_F_NEED_FRAME) && r->frame[0] == '\0')
		why = "no guilty frame found";
	else if ((f & KR_F_PANIC) && h->reason &&
	    kr_panic_reason_refers(h->reason))
		why = "panic without the report it refers to";
	r->corrupted = why != NULL;
	r->corrupt_reason = strdup(why ? why : "");
}

static void
join_text(const struct kr_open *o, struct kr_report *r)
{
	size_t i, len = 0;
	char *p;

	for (i = 0; i < o->nlines; i++)
		len += o->lines[i].len + 1;
	if ((r->text = malloc(len + 1)) == NULL)
		return;
	for (p = r->text, i = 0; i < o->nlines; i++) {
		memcpy(p, o->buf + o->lines[i].off, o->lines[i].len);
		p += o->lines[i].len;
		*p++ = '\n';
	}
	*p = '\0';
	r->nlines = o->nlines;
}

static bool
report_strings_ok(const struct kr_report *r)
{
	return r->subtype && r->title && r->frame && r->frame2 &&
	    r->corrupt_reason && r->access && r->access_addr && r->task &&
	    r->taint && r->release && r->hardware && r->caller && r->text;
}

static void
fill_defaults(struct kr_report *r)
{
	if (!r->access)
		r->access = strdup("");
	if (!r->access_addr)
		r->access_addr = strdup("");
	if (!r->task)
		r->task = strdup("");
	if (!r->taint)
		r->taint = strdup("");
	if (!r->release)
		r->release = strdup("");
	if (!r->hardware)
		r->hardware = strdup("");
}

static void
header_fields(struct kr_report *r, struct hdr *h)
{
	int64_t cpu = -1;

	if (h->task)
		set_str(&r->task, h->task), h->task = NULL;
	set_num(&r->pid, h->pid);
	h->pid = NULL;
	set_num(&cpu, h->cpu);
	h->cpu = NULL;
	r->cpu = (int)cpu;
	set_str(&r->access_addr, h->addr);
	h->addr = NULL;
	lower(h->access);
	set_str(&r->access, h->access);
	h->access = NULL;
}

struct kr_report *
kr_build_report(const struct kr_open *o)
{
	struct kr_report *r = calloc(1, sizeof(*r));
	struct hdr h = { 0 };
	bool *irq = NULL;
	char *kindwords = NULL, *reason = NULL, *frame2;
	const char *Access = "";

	if (r == NULL || o->nlines == 0) {
		free(r);
		return NULL;
	}
	r->cls = o->rule->cls;
	r->pid = r->access_size = -1;
	r->cpu = -1;
	r->first_line = o->lines[0].ref;
	r->last_line = o->lines[o->nlines - 1].ref;
	r->first_recv_ms = o->lines[0].recv_ms;
	r->last_recv_ms = o->lines[o->nlines - 1].recv_ms;
	r->first_ktime_us = o->lines[0].ktime_us;
	r->last_ktime_us = o->lines[o->nlines - 1].ktime_us;
	r->caller = strdup(o->caller);
	header_groups(o, &h);
	header_fields(r, &h);
	extract_fields(o, r);
	fill_defaults(r);
	collect_frames(o, r, &irq);
	r->frame = pick_frame(o, r, irq, &h);
	free(irq);
	frame2 = h.func2 ? strdup(h.func2) : strdup("");
	if (r->frame && frame2 && frame2[0] && strcmp(r->frame, frame2) > 0 &&
	    r->cls == KR_CLASS_KCSAN) {
		char *t = r->frame; /* KCSAN pairs sorted */

		r->frame = frame2;
		frame2 = t;
	}
	r->frame2 = frame2;
	decide_subtype(o, r, &h, &kindwords);
	reason = cut_numbers(h.reason);
	if (r->access && !strcmp(r->access, "read"))
		Access = "Read";
	else if (r->access && !strcmp(r->access, "write"))
		Access = "Write";
	{
		const char *keys[] = { "subtype", "Access", "access", "frame",
			"frame2", "reason", "kind" };
		const char *vals[] = { r->subtype ? r->subtype : "", Access,
			r->access ? r->access : "", r->frame ? r->frame : "",
			r->frame2 ? r->frame2 : "", reason ? reason : "",
			kindwords ? kindwords : "" };

		r->title = expand_title(o->rule->title, keys, vals, 7);
	}
	if (o->panic_reason)
		r->panic = trimmed(o->panic_reason);
	if (r->frame)
		decide_corrupted(o, r, &h);
	join_text(o, r);
	free(kindwords);
	free(reason);
	hdr_free(&h);
	if (!report_strings_ok(r)) {
		kr_report_free(r);
		return NULL;
	}
	signature(r);
	return r;
}

void
kr_report_free(struct kr_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nframes; i++) {
		free(r->frames[i].func);
		free(r->frames[i].module);
	}
	free(r->frames);
	free(r->subtype);
	free(r->title);
	free(r->frame);
	free(r->frame2);
	free(r->corrupt_reason);
	free(r->access);
	free(r->access_addr);
	free(r->task);
	free(r->taint);
	free(r->release);
	free(r->hardware);
	free(r->caller);
	free(r->panic);
	free(r->text);
	free(r);
}

static const char *const class_names[KR_CLASS__COUNT] = {
	[KR_CLASS_NONE] = "none",
	[KR_CLASS_KASAN] = "kasan",
	[KR_CLASS_KCSAN] = "kcsan",
	[KR_CLASS_KFENCE] = "kfence",
	[KR_CLASS_KMSAN] = "kmsan",
	[KR_CLASS_UBSAN] = "ubsan",
	[KR_CLASS_LOCKDEP] = "lockdep",
	[KR_CLASS_WARN] = "warn",
	[KR_CLASS_BUG] = "bug",
	[KR_CLASS_OOPS] = "oops",
	[KR_CLASS_PANIC] = "panic",
	[KR_CLASS_STACK_CORRUPTION] = "stack-corruption",
	[KR_CLASS_RCU_STALL] = "rcu-stall",
	[KR_CLASS_HUNG_TASK] = "hung-task",
	[KR_CLASS_SOFT_LOCKUP] = "soft-lockup",
	[KR_CLASS_HARD_LOCKUP] = "hard-lockup",
	[KR_CLASS_WORKQUEUE_LOCKUP] = "workqueue-lockup",
	[KR_CLASS_LIST_CORRUPTION] = "list-corruption",
	[KR_CLASS_DEBUG_OBJECTS] = "debug-objects",
	[KR_CLASS_ATOMIC_SLEEP] = "atomic-sleep",
	[KR_CLASS_REFCOUNT] = "refcount",
	[KR_CLASS_MEMORY_LEAK] = "memory-leak",
	[KR_CLASS_SLAB_CORRUPTION] = "slab-corruption",
	[KR_CLASS_BAD_PAGE] = "bad-page",
	[KR_CLASS_SERROR] = "serror",
	[KR_CLASS_OTHER] = "other",
};

const char *
kr_class_name(enum kr_class c)
{
	if ((int)c < 0 || c >= KR_CLASS__COUNT)
		return "none";
	return class_names[c];
}

int
kr_class_from_name(const char *name)
{
	int i;

	for (i = 0; i < KR_CLASS__COUNT; i++)
		if (name && !strcmp(name, class_names[i]))
			return i;
	return -1;
}
