/* SPDX-License-Identifier: MIT */
/*
 * rules.c -- the report rule table: one row per report header.
 *
 * Rules are data. Each row says which literal a normalised console line must
 * start with (the prefilter: a line that starts with none of these never runs
 * a regex), the PCRE2 header pattern, the class and subtype, the title
 * template, the end marker and how the guilty frame is found. Order matters:
 * the first matching row wins, so specific rows come before generic ones
 * (lockdep's "WARNING: possible ..." before the plain WARNING).
 *
 * Named groups a header may set: subtype, access, func, func2, task, pid,
 * cpu, reason, kind, addr, size. Title templates expand {subtype}, {Access}
 * ("Read"/"Write"), {access}, {frame}, {frame2}, {reason}, {kind}; the text
 * " in {frame}" (and " / {frame2}") disappears when there is no frame.
 * Format sources: linux-source-6.1 files named per row, and
 * shared/reference/kernel-formats.md section 4 for older/newer variants.
 */
#include <string.h>

#include "kr_int.h"

#define FUNC "(?<func>[A-Za-z0-9_.$]+)(?:\\+0x[0-9a-f]+/0x[0-9a-f]+)?"
#define FUNC2 "(?<func2>[A-Za-z0-9_.$]+)(?:\\+0x[0-9a-f]+/0x[0-9a-f]+)?"
#define END_TRACE "^---\\[ end trace"
#define END_FRAME "^={20,}\\s*$"
#define END_FRAME_OR_TRACE "^(?:={20,}\\s*$|---\\[ end trace)"

/* The "in" part most reports share. */
#define IN_FRAME " in {frame}"

// clang-format off
/* the table is laid out by hand, one rule a block */
#define RULE(...) {__VA_ARGS__}

const struct kr_rule kr_rules[] = {
	/* ---- sanitizers: mm/kasan/report.c, kernel/kcsan/report.c,
	 *      mm/kfence/report.c, mm/kmsan/report.c ---- */
	RULE(.name = "kasan-free", .cls = KR_CLASS_KASAN,
	    .prefix = "BUG: KASAN: ",
	    .header = "^BUG: KASAN: (?<subtype>double-free|invalid-free|"
		      "double-free or invalid-free)(?: in " FUNC ")?",
	    .title = "KASAN: {subtype}" IN_FRAME, .end = END_FRAME,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_FRAME | KR_F_FRAME_HDR |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_SANITIZER | KR_SKIP_FREE,
	    .text = "KASAN double or invalid free"),
	RULE(.name = "kasan", .cls = KR_CLASS_KASAN, .prefix = "BUG: KASAN: ",
	    .header = "^BUG: KASAN: (?<subtype>[a-z-]+) in " FUNC,
	    .title = "KASAN: {subtype} {Access}" IN_FRAME, .end = END_FRAME,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_FRAME | KR_F_FRAME_HDR |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_SANITIZER,
	    .text = "KASAN invalid access (generic, sw-tags and hw-tags)"),
	RULE(.name = "kcsan-assert", .cls = KR_CLASS_KCSAN,
	    .prefix = "BUG: KCSAN: ",
	    .header = "^BUG: KCSAN: assert: race in " FUNC "(?: / " FUNC2 ")?",
	    .subtype = "assert-race",
	    .title = "KCSAN: assert: race in {frame} / {frame2}",
	    .end = END_FRAME,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_FRAME | KR_F_FRAME_HDR |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_SANITIZER,
	    .text = "KCSAN ASSERT_EXCLUSIVE_* violation"),
	RULE(.name = "kcsan", .cls = KR_CLASS_KCSAN, .prefix = "BUG: KCSAN: ",
	    .header = "^BUG: KCSAN: (?<subtype>[a-z-]+) in " FUNC
		      "(?: / " FUNC2 ")?",
	    .title = "KCSAN: {subtype} in {frame} / {frame2}",
	    .end = END_FRAME,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_FRAME | KR_F_FRAME_HDR |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_SANITIZER, .text = "KCSAN data race"),
	RULE(.name = "kfence", .cls = KR_CLASS_KFENCE,
	    .prefix = "BUG: KFENCE: ",
	    .header = "^BUG: KFENCE: (?<kind>(?<subtype>out-of-bounds|"
		      "use-after-free|invalid|invalid free|memory corruption)"
		      "(?: (?<access>read|write))?) in " FUNC,
	    .title = "KFENCE: {kind}" IN_FRAME, .end = END_FRAME,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_FRAME | KR_F_FRAME_HDR |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_SANITIZER,
	    .text = "KFENCE sampled memory error"),
	RULE(.name = "kmsan", .cls = KR_CLASS_KMSAN, .prefix = "BUG: KMSAN: ",
	    .header = "^BUG: KMSAN: (?<subtype>[a-z-]+) in " FUNC,
	    .title = "KMSAN: {subtype}" IN_FRAME, .end = END_FRAME,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_FRAME | KR_F_FRAME_HDR |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_SANITIZER | KR_SKIP_USERCOPY,
	    .text = "KMSAN uninitialised value use"),

	/* ---- UBSAN: lib/ubsan.c (6.1: ==== frame; >=6.5: cut here +
	 *      end trace; <5.x: "Undefined behaviour in") ---- */
	RULE(.name = "ubsan-old", .cls = KR_CLASS_UBSAN, .prefix = "UBSAN: ",
	    .header = "^UBSAN: Undefined behaviour in ", .subtype = "",
	    .title = "UBSAN: {subtype}" IN_FRAME, .end = END_FRAME_OR_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_FRAME | KR_F_PULL_CUT |
		     KR_F_NEED_FRAME | KR_F_ABSORB_WARN,
	    .skip = KR_SKIP_COMMON | KR_SKIP_SANITIZER,
	    .text = "UBSAN report, pre-5.x wording (kind on the next line)"),
	RULE(.name = "ubsan", .cls = KR_CLASS_UBSAN, .prefix = "UBSAN: ",
	    .header = "^UBSAN: (?<subtype>[a-z-]+) in ",
	    .title = "UBSAN: {subtype}" IN_FRAME, .end = END_FRAME_OR_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_FRAME | KR_F_PULL_CUT |
		     KR_F_NEED_FRAME | KR_F_ABSORB_WARN,
	    .skip = KR_SKIP_COMMON | KR_SKIP_SANITIZER,
	    .text = "UBSAN undefined behaviour"),

	/* ---- lockdep: kernel/locking/lockdep.c, spinlock_debug.c ---- */
	RULE(.name = "lockdep-circular", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "WARNING: possible circular",
	    .header = "^WARNING: possible circular locking dependency",
	    .subtype = "circular-dependency",
	    .title = "possible deadlock" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_FRAME_AT |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "lockdep: lock order cycle"),
	RULE(.name = "lockdep-recursive", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "WARNING: possible recursive",
	    .header = "^WARNING: possible recursive locking detected",
	    .subtype = "recursive-locking",
	    .title = "possible deadlock" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_FRAME_AT |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "lockdep: same lock class taken twice"),
	RULE(.name = "lockdep-irq-inversion", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "WARNING: possible irq lock",
	    .header = "^WARNING: possible irq lock inversion",
	    .subtype = "irq-lock-inversion",
	    .title = "possible deadlock" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK | KR_SKIP_IRQ,
	    .text = "lockdep: irq lock inversion"),
	RULE(.name = "lockdep-safe-unsafe", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "WARNING: ",
	    .header = "^WARNING: [A-Z]+-safe -> [A-Z]+-unsafe lock order",
	    .subtype = "irq-safe-unsafe-order",
	    .title = "possible deadlock" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK | KR_SKIP_IRQ,
	    .text = "lockdep: irq-safe -> irq-unsafe lock order"),
	RULE(.name = "lockdep-inconsistent", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "WARNING: inconsistent lock",
	    .header = "^WARNING: inconsistent lock state",
	    .subtype = "inconsistent-lock-state",
	    .title = "inconsistent lock state" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_NEED_FRAME |
		     KR_F_SKIP_IRQ,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK | KR_SKIP_IRQ,
	    .text = "lockdep: lock used in and out of irq context"),
	RULE(.name = "lockdep-rcu", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "WARNING: suspicious RCU",
	    .header = "^WARNING: suspicious RCU usage",
	    .subtype = "suspicious-rcu-usage",
	    .title = "WARNING: suspicious RCU usage" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "lockdep: RCU dereference outside a read section"),
	RULE(.name = "lockdep-unlock-balance", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "WARNING: bad unlock",
	    .header = "^WARNING: bad unlock balance detected",
	    .subtype = "bad-unlock-balance",
	    .title = "WARNING: bad unlock balance" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "lockdep: releasing a lock that is not held"),
	RULE(.name = "lockdep-held-freed", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "WARNING: held lock freed",
	    .header = "^WARNING: held lock freed", .subtype = "held-lock-freed",
	    .title = "WARNING: held lock freed" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK | KR_SKIP_FREE,
	    .text = "lockdep: memory holding a held lock freed"),
	RULE(.name = "lockdep-return-user", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "WARNING: lock held when",
	    .header = "^WARNING: lock held when returning to user space",
	    .subtype = "lock-held-returning-to-user",
	    .title = "WARNING: lock held when returning to user space"
		     IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_FRAME_AT,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "lockdep: syscall returned with a lock held"),
	RULE(.name = "lockdep-nested", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "WARNING: Nested lock",
	    .header = "^WARNING: Nested lock was not taken",
	    .subtype = "nested-lock-not-taken",
	    .title = "WARNING: Nested lock was not taken" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "lockdep: nest_lock not held"),
	RULE(.name = "lockdep-still-held", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "WARNING: ",
	    .header = "^WARNING: (?<task>.+)/(?<pid>\\d+) still has locks held",
	    .subtype = "lock-held-at-exit",
	    .title = "WARNING: still has locks held" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "lockdep: task exits holding locks"),
	RULE(.name = "lockdep-wait-context", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "[ BUG: Invalid wait",
	    .header = "^\\[ BUG: Invalid wait context \\]",
	    .subtype = "invalid-wait-context",
	    .title = "BUG: Invalid wait context" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_FRAME_AT |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "lockdep: sleeping lock inside a raw spinlock"),
	RULE(.name = "lockdep-old", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "[ INFO: possible|INFO: possible ",
	    .header = "^(?:\\[ )?INFO: possible (?<kind>circular|recursive)"
		      " locking",
	    .subtype = NULL, .title = "possible deadlock" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_FRAME_AT |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "lockdep, pre-4.15 \"[ INFO: ... ]\" framing"),
	RULE(.name = "lockdep-old-inconsistent", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "[ INFO: inconsistent",
	    .header = "^\\[ INFO: inconsistent lock state",
	    .subtype = "inconsistent-lock-state",
	    .title = "inconsistent lock state" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_NEED_FRAME |
		     KR_F_SKIP_IRQ,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK | KR_SKIP_IRQ,
	    .text = "lockdep inconsistent state, pre-4.15 framing"),
	RULE(.name = "lockdep-old-rcu", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "[ INFO: suspicious RCU",
	    .header = "^\\[ INFO: suspicious RCU usage",
	    .subtype = "suspicious-rcu-usage",
	    .title = "WARNING: suspicious RCU usage" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "suspicious RCU usage, pre-4.15 framing"),
	RULE(.name = "lockdep-nonstatic", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "INFO: trying to register",
	    .header = "^INFO: trying to register non-static key",
	    .subtype = "non-static-key",
	    .title = "INFO: trying to register non-static key" IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "lockdep: lock used without init"),
	RULE(.name = "lockdep-limit", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "BUG: MAX_",
	    .header = "^BUG: (?<reason>MAX_[A-Z_]+ too low!)",
	    .subtype = "lockdep-limit", .title = "BUG: {reason}",
	    .flags = KR_F_TRACE_END | KR_F_NO_FRAME,
	    .text = "lockdep ran out of a static table"),
	RULE(.name = "spinlock-debug", .cls = KR_CLASS_LOCKDEP,
	    .prefix = "BUG: ",
	    .header = "^BUG: (?<kind>(?<lk>spinlock|rwlock) (?:bad magic|"
		      "recursion|wrong owner|wrong CPU|already unlocked|"
		      "lockup suspected|cpu recursion|[a-z ]+?))"
		      " on CPU#(?<cpu>\\d+), (?<task>.+)/(?<pid>\\d+)(?:, |$)",
	    .subtype = NULL, .title = "BUG: {kind}" IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LOCK,
	    .text = "spinlock/rwlock debug (CONFIG_DEBUG_SPINLOCK)"),

	/* ---- memory checkers whose message precedes a WARN/BUG ---- */
	RULE(.name = "list-double-add", .cls = KR_CLASS_LIST_CORRUPTION,
	    .prefix = "list_add double add",
	    .header = "^list_add double add", .subtype = "double-add",
	    .title = "BUG: corrupted list" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_ABSORB_WARN |
		     KR_F_ABSORB_DIE | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LIST,
	    .text = "lib/list_debug.c: node added twice"),
	RULE(.name = "list-add", .cls = KR_CLASS_LIST_CORRUPTION,
	    .prefix = "list_add corruption",
	    .header = "^list_add corruption", .subtype = "list-add",
	    .title = "BUG: corrupted list" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_ABSORB_WARN |
		     KR_F_ABSORB_DIE | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LIST,
	    .text = "lib/list_debug.c: list_add on a corrupted list"),
	RULE(.name = "list-del", .cls = KR_CLASS_LIST_CORRUPTION,
	    .prefix = "list_del corruption",
	    .header = "^list_del corruption", .subtype = "list-del",
	    .title = "BUG: corrupted list" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_ABSORB_WARN |
		     KR_F_ABSORB_DIE | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_LIST,
	    .text = "lib/list_debug.c: list_del of a corrupted entry"),
	RULE(.name = "odebug", .cls = KR_CLASS_DEBUG_OBJECTS,
	    .prefix = "ODEBUG: ",
	    .header = "^ODEBUG: (?<kind>[a-z_]+ [a-z_ ]+?) \\(active state",
	    .subtype = NULL, .title = "ODEBUG bug" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_ABSORB_WARN |
		     KR_F_ABSORB_DIE | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_ODEBUG | KR_SKIP_FREE,
	    .text = "lib/debugobjects.c: object lifetime violation"),
	RULE(.name = "refcount-underflow", .cls = KR_CLASS_REFCOUNT,
	    .prefix = "refcount_t: underflow",
	    .header = "^refcount_t: underflow", .subtype = "underflow",
	    .title = "refcount bug" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_ABSORB_WARN |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_REFCOUNT,
	    .text = "lib/refcount.c: dropped below zero"),
	RULE(.name = "refcount-addition", .cls = KR_CLASS_REFCOUNT,
	    .prefix = "refcount_t: addition",
	    .header = "^refcount_t: addition on 0",
	    .subtype = "addition-on-zero", .title = "refcount bug" IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_ABSORB_WARN |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_REFCOUNT,
	    .text = "lib/refcount.c: increment of a dead object"),
	RULE(.name = "refcount-saturated", .cls = KR_CLASS_REFCOUNT,
	    .prefix = "refcount_t: saturated",
	    .header = "^refcount_t: saturated", .subtype = "saturated",
	    .title = "refcount bug" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_ABSORB_WARN |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_REFCOUNT,
	    .text = "lib/refcount.c: overflowed"),
	RULE(.name = "refcount-dec-zero", .cls = KR_CLASS_REFCOUNT,
	    .prefix = "refcount_t: decrement",
	    .header = "^refcount_t: decrement hit 0",
	    .subtype = "decrement-hit-zero", .title = "refcount bug" IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_ABSORB_WARN |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_REFCOUNT,
	    .text = "lib/refcount.c: refcount_dec() hit zero"),

	/* ---- scheduler / atomic context: kernel/sched/core.c,
	 *      lib/smp_processor_id.c ---- */
	RULE(.name = "might-sleep", .cls = KR_CLASS_ATOMIC_SLEEP,
	    .prefix = "BUG: sleeping function",
	    .header = "^BUG: sleeping function called from invalid context",
	    .subtype = "sleeping-in-atomic",
	    .title = "BUG: sleeping function called from invalid context"
		     IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_MIGHT | KR_SKIP_SCHED |
		    KR_SKIP_LOCK | KR_SKIP_ALLOC | KR_SKIP_USERCOPY,
	    .text = "might_sleep() in atomic context"),
	RULE(.name = "sched-atomic", .cls = KR_CLASS_ATOMIC_SLEEP,
	    .prefix = "BUG: scheduling while",
	    .header = "^BUG: scheduling while atomic: (?<task>.*)/(?<pid>\\d+)"
		      "/0x",
	    .subtype = "scheduling-while-atomic",
	    .title = "BUG: scheduling while atomic" IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_MIGHT | KR_SKIP_SCHED |
		    KR_SKIP_LOCK,
	    .text = "schedule() with preemption disabled"),
	RULE(.name = "smp-processor-id", .cls = KR_CLASS_ATOMIC_SLEEP,
	    .prefix = "BUG: using ",
	    .header = "^BUG: using (?<kind>[a-z_]+)\\(\\) in preemptible",
	    .subtype = "smp-processor-id-preemptible",
	    .title = "BUG: using {kind}() in preemptible code" IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_MIGHT,
	    .text = "per-CPU access with preemption enabled"),

	/* ---- stack corruption: kernel/panic.c __stack_chk_fail,
	 *      kernel/sched/core.c schedule_debug, x86 traps.c ---- */
	RULE(.name = "stack-guard", .cls = KR_CLASS_STACK_CORRUPTION,
	    .prefix = "BUG: ",
	    .header = "^BUG: (?:[A-Z]+ )?stack guard page was hit",
	    .subtype = "stack-guard-page",
	    .title = "BUG: stack guard page was hit" IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_ABSORB_DIE | KR_F_FRAME_PC | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "x86: kernel stack overflowed into its guard page"),
	RULE(.name = "double-fault", .cls = KR_CLASS_STACK_CORRUPTION,
	    .prefix = "PANIC: double fault",
	    .header = "^PANIC: double fault", .subtype = "stack-overflow",
	    .title = "kernel stack overflow" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_ABSORB_DIE | KR_F_FRAME_PC,
	    .skip = KR_SKIP_COMMON,
	    .text = "x86 double fault (usually a stack overflow)"),

	RULE(.name = "arm64-stack-overflow", .cls = KR_CLASS_STACK_CORRUPTION,
	    .prefix = "Insufficient stack space",
	    .header = "^Insufficient stack space to handle exception",
	    .subtype = "stack-overflow",
	    .title = "kernel stack overflow" IN_FRAME,
	    .flags = KR_F_ABSORB_DIE | KR_F_FRAME_PC | KR_F_NEED_FRAME |
		     KR_F_TRACE_END,
	    .skip = KR_SKIP_COMMON,
	    .text = "arm64 handle_bad_stack(): kernel stack overflow"),

	/* ---- lockups, stalls, hangs: kernel/watchdog*.c,
	 *      kernel/rcu/tree_stall.h, kernel/hung_task.c,
	 *      kernel/workqueue.c ---- */
	RULE(.name = "soft-lockup", .cls = KR_CLASS_SOFT_LOCKUP,
	    .prefix = "watchdog: BUG: soft lockup|BUG: soft lockup",
	    .header = "^(?:watchdog: )?BUG: soft lockup - CPU#(?<cpu>\\d+)"
		      " stuck for \\d+s! \\[(?<task>.*):(?<pid>\\d+)\\]",
	    .subtype = "", .title = "BUG: soft lockup" IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_FRAME_PC | KR_F_NEED_FRAME |
		     KR_F_SKIP_IRQ,
	    .skip = KR_SKIP_COMMON | KR_SKIP_IRQ | KR_SKIP_LOCK,
	    .text = "CPU stuck in kernel without scheduling"),
	RULE(.name = "hard-lockup", .cls = KR_CLASS_HARD_LOCKUP,
	    .prefix = "watchdog: |NMI watchdog: |Watchdog detected hard",
	    .header = "^(?:(?:NMI )?watchdog: )?(?:CPU\\d+: )?Watchdog detected"
		      " hard LOCKUP on cpu (?<cpu>\\d+)",
	    .subtype = "", .title = "BUG: hard lockup" IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_FRAME_PC | KR_F_FOREIGN,
	    .skip = KR_SKIP_COMMON | KR_SKIP_IRQ | KR_SKIP_LOCK,
	    .text = "CPU stuck with interrupts off"),
	RULE(.name = "rcu-self", .cls = KR_CLASS_RCU_STALL,
	    .prefix = "rcu: INFO: |INFO: rcu",
	    .header = "^(?:rcu: )?INFO: rcu_\\w+ self-detected stall",
	    .subtype = "self-detected",
	    .title = "INFO: rcu detected stall" IN_FRAME,
	    .flags = KR_F_FOREIGN | KR_F_FRAME_PC | KR_F_SKIP_IRQ,
	    .skip = KR_SKIP_COMMON | KR_SKIP_IRQ | KR_SKIP_LOCK,
	    .text = "RCU stall seen by the stalled CPU itself"),
	RULE(.name = "rcu-expedited", .cls = KR_CLASS_RCU_STALL,
	    .prefix = "rcu: INFO: |INFO: rcu",
	    .header = "^(?:rcu: )?INFO: rcu_\\w+ detected expedited stalls",
	    .subtype = "expedited",
	    .title = "INFO: rcu detected stall" IN_FRAME,
	    .flags = KR_F_FOREIGN | KR_F_FRAME_PC | KR_F_SKIP_IRQ,
	    .skip = KR_SKIP_COMMON | KR_SKIP_IRQ | KR_SKIP_LOCK,
	    .text = "expedited RCU grace period stalled"),
	RULE(.name = "rcu-stall", .cls = KR_CLASS_RCU_STALL,
	    .prefix = "rcu: INFO: |INFO: rcu",
	    .header = "^(?:rcu: )?INFO: rcu_(?!tasks)\\w+ detected stalls?",
	    .subtype = "detected-stalls",
	    .title = "INFO: rcu detected stall" IN_FRAME,
	    .flags = KR_F_FOREIGN | KR_F_FRAME_PC | KR_F_SKIP_IRQ,
	    .skip = KR_SKIP_COMMON | KR_SKIP_IRQ | KR_SKIP_LOCK,
	    .text = "RCU grace period stalled on other CPUs/tasks"),
	RULE(.name = "rcu-tasks", .cls = KR_CLASS_RCU_STALL,
	    .prefix = "INFO: rcu_tasks",
	    .header = "^INFO: rcu_tasks\\w* detected stalls on tasks",
	    .subtype = "tasks", .title = "INFO: rcu detected stall" IN_FRAME,
	    .flags = KR_F_FOREIGN | KR_F_SKIP_IRQ | KR_F_FRAME_PC,
	    .skip = KR_SKIP_COMMON | KR_SKIP_IRQ | KR_SKIP_SCHED,
	    .text = "RCU-tasks grace period stalled"),
	RULE(.name = "rcu-starved", .cls = KR_CLASS_RCU_STALL,
	    .prefix = "rcu: ",
	    .header = "^rcu: (?<flavor>rcu_\\w+) kthread starved for",
	    .subtype = "kthread-starved",
	    .title = "INFO: rcu detected stall" IN_FRAME,
	    .flags = KR_F_FOREIGN | KR_F_SKIP_IRQ | KR_F_TRACE_END |
		     KR_F_ADDENDUM,
	    .skip = KR_SKIP_COMMON | KR_SKIP_IRQ | KR_SKIP_SCHED,
	    .text = "RCU grace-period kthread starved (alone)"),
	RULE(.name = "hung-task", .cls = KR_CLASS_HUNG_TASK,
	    .prefix = "INFO: task ",
	    .header = "^INFO: task (?<task>.*):(?<pid>\\d+) blocked for more"
		      " than",
	    .subtype = "", .title = "INFO: task hung" IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_SCHED | KR_SKIP_LOCK,
	    .text = "task in D state longer than hung_task_timeout_secs"),
	RULE(.name = "wq-lockup", .cls = KR_CLASS_WORKQUEUE_LOCKUP,
	    .prefix = "BUG: workqueue lockup",
	    .header = "^BUG: workqueue lockup - pool", .subtype = "pool-stuck",
	    .title = "BUG: workqueue lockup",
	    .flags = KR_F_NO_FRAME | KR_F_FOREIGN,
	    .text = "kernel/workqueue.c watchdog: a pool made no progress"),
	RULE(.name = "wq-leak", .cls = KR_CLASS_WORKQUEUE_LOCKUP,
	    .prefix = "BUG: workqueue leaked",
	    .header = "^BUG: workqueue leaked (?:atomic, lock or RCU|lock or"
		      " atomic): (?<task>.+?)(?:\\[\\d+\\]|/0x[0-9a-f]+/\\d+)",
	    .subtype = "leaked-atomic",
	    .title = "BUG: workqueue leaked lock or atomic" IN_FRAME,
	    .frame_re = "(?:last function: |workfn=)(?<func>[A-Za-z0-9_.$]+)",
	    .flags = KR_F_TRACE_END,
	    .skip = KR_SKIP_COMMON | KR_SKIP_SCHED,
	    .text = "work function returned in atomic context (6.1 and 6.12 wording)"),

	/* ---- memory: mm/kmemleak.c, mm/slub.c, mm/page_alloc.c,
	 *      mm/memory.c, kernel/fork.c, mm/page_poison.c ---- */
	RULE(.name = "kmemleak", .cls = KR_CLASS_MEMORY_LEAK,
	    .prefix = "unreferenced object",
	    .header = "^unreferenced object 0x[0-9a-f]+ \\(size (?<size>\\d+)",
	    .subtype = "unreferenced-object", .title = "memory leak" IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_ALLOC,
	    .text = "kmemleak record (from debugfs or a console copy)"),
	RULE(.name = "kmemleak-notice", .cls = KR_CLASS_MEMORY_LEAK,
	    .prefix = "kmemleak: ",
	    .header = "^kmemleak: \\d+ new suspected memory leaks?",
	    .subtype = "suspected-leaks",
	    .title = "kmemleak: new suspected memory leaks",
	    .flags = KR_F_NO_FRAME | KR_F_TRACE_END,
	    .text = "kmemleak scan notice; details in debugfs"),
	RULE(.name = "slub", .cls = KR_CLASS_SLAB_CORRUPTION,
	    .prefix = "BUG ",
	    .header = "^BUG (?<cache>[^ ]+) \\((?:Not tainted|Tainted:[^)]*)\\):"
		      " (?<kind>.+)$",
	    .subtype = NULL, .title = "SLUB: {kind}" IN_FRAME,
	    .flags = KR_F_PULL_FRAME | KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_FREE | KR_SKIP_ALLOC,
	    .text = "SLUB debug found a corrupted object or slab"),
	RULE(.name = "bad-page-state", .cls = KR_CLASS_BAD_PAGE,
	    .prefix = "BUG: Bad page state",
	    .header = "^BUG: Bad page state in process (?<task>\\S+)",
	    .subtype = "bad-page-state",
	    .title = "BUG: Bad page state" IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_FREE | KR_SKIP_ALLOC,
	    .text = "mm/page_alloc.c bad_page()"),
	RULE(.name = "bad-page-map", .cls = KR_CLASS_BAD_PAGE,
	    .prefix = "BUG: Bad page map in",
	    .header = "^BUG: Bad page map in process (?<task>\\S+)",
	    .subtype = "bad-page-map", .title = "BUG: Bad page map" IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_FREE,
	    .text = "mm/memory.c print_bad_pte()"),
	RULE(.name = "bad-rss", .cls = KR_CLASS_BAD_PAGE,
	    .prefix = "BUG: Bad rss-counter",
	    .header = "^BUG: Bad rss-counter state", .subtype = "bad-rss-counter",
	    .title = "BUG: Bad rss-counter state",
	    .flags = KR_F_NO_FRAME | KR_F_TRACE_END,
	    .text = "kernel/fork.c check_mm()"),
	RULE(.name = "page-poison", .cls = KR_CLASS_BAD_PAGE,
	    .prefix = "pagealloc: ",
	    .header = "^pagealloc: (?:memory corruption|single bit error)",
	    .subtype = "page-poison",
	    .title = "pagealloc: memory corruption" IN_FRAME,
	    .flags = KR_F_TRACE_END | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_ALLOC,
	    .text = "mm/page_poison.c: a free page was written"),

	/* ---- WARN: kernel/panic.c __warn(); >=6.19 and 3.12-6.18 ---- */
	RULE(.name = "warn-new", .cls = KR_CLASS_WARN, .prefix = "WARNING: ",
	    .header = "^WARNING: (?:\\[[^\\]]*\\] )?(?:\\S+:\\d+ )?at " FUNC
		      "(?: \\[[\\w-]+\\])?, CPU#(?<cpu>\\d+): (?<task>.*)/"
		      "(?<pid>\\d+)",
	    .subtype = "", .title = "WARNING" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_FRAME_HDR |
		     KR_F_NEED_FRAME | KR_F_WARN,
	    .skip = KR_SKIP_COMMON,
	    .text = "WARN_ON() hit, 6.19+ banner"),
	RULE(.name = "warn", .cls = KR_CLASS_WARN, .prefix = "WARNING: ",
	    .header = "^WARNING: CPU: (?<cpu>\\d+) PID: (?<pid>\\d+) at "
		      "(?:\\S+:\\d+ )?" FUNC,
	    .subtype = "", .title = "WARNING" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_FRAME_HDR |
		     KR_F_NEED_FRAME | KR_F_WARN,
	    .skip = KR_SKIP_COMMON,
	    .text = "WARN_ON() hit, 3.12-6.18 banner"),
	RULE(.name = "warn-ancient", .cls = KR_CLASS_WARN,
	    .prefix = "WARNING: at ",
	    .header = "^WARNING: at \\S+:\\d+ " FUNC "\\(\\)",
	    .subtype = "", .title = "WARNING" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_FRAME_HDR |
		     KR_F_NEED_FRAME | KR_F_WARN,
	    .skip = KR_SKIP_COMMON,
	    .text = "WARN_ON() hit, pre-3.12 banner"),

	/* ---- BUG(), faults, die(): arch/x86/{mm/fault.c,kernel/traps.c,
	 *      kernel/dumpstack.c}, arch/arm64/{mm/fault.c,kernel/traps.c}
	 *      ---- */
	RULE(.name = "kernel-bug", .cls = KR_CLASS_BUG,
	    .prefix = "kernel BUG at ",
	    .header = "^kernel BUG at (?<file>[^:]+):\\d+!", .subtype = "",
	    .title = "kernel BUG" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_PULL_CUT | KR_F_ABSORB_DIE |
		     KR_F_FRAME_PC | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "BUG() / BUG_ON() hit"),
	RULE(.name = "x86-null", .cls = KR_CLASS_OOPS,
	    .prefix = "BUG: kernel NULL pointer",
	    .header = "^BUG: kernel NULL pointer dereference, address:"
		      " (?<addr>[0-9a-f]+)",
	    .subtype = "null-ptr-deref",
	    .title = "BUG: unable to handle kernel NULL pointer dereference"
		     IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_ABSORB_DIE | KR_F_FRAME_PC |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "x86: NULL pointer dereference"),
	RULE(.name = "x86-pf", .cls = KR_CLASS_OOPS,
	    .prefix = "BUG: unable to handle",
	    .header = "^BUG: unable to handle (?:page fault for address|kernel"
		      " paging request at):? (?<addr>[0-9a-f]+)",
	    .subtype = "paging-request",
	    .title = "BUG: unable to handle kernel paging request" IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_ABSORB_DIE | KR_F_FRAME_PC |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "x86: bad kernel address"),
	RULE(.name = "x86-null-old", .cls = KR_CLASS_OOPS,
	    .prefix = "BUG: unable to handle kernel NULL",
	    .header = "^BUG: unable to handle kernel NULL pointer dereference",
	    .subtype = "null-ptr-deref",
	    .title = "BUG: unable to handle kernel NULL pointer dereference"
		     IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_ABSORB_DIE | KR_F_FRAME_PC |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "x86: NULL pointer dereference, pre-4.20 wording"),
	RULE(.name = "arm64-null", .cls = KR_CLASS_OOPS,
	    .prefix = "Unable to handle kernel NULL",
	    .header = "^Unable to handle kernel NULL pointer dereference at"
		      " virtual address (?<addr>[0-9a-f]+)",
	    .subtype = "null-ptr-deref",
	    .title = "BUG: unable to handle kernel NULL pointer dereference"
		     IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_ABSORB_DIE | KR_F_FRAME_PC |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "arm64: NULL pointer dereference"),
	RULE(.name = "arm64-pf", .cls = KR_CLASS_OOPS,
	    .prefix = "Unable to handle kernel ",
	    .header = "^Unable to handle kernel (?:paging request|execute from"
		      " non-executable memory|write to read-only memory|"
		      "access to user memory[a-z ]*|[a-z -]+) at virtual"
		      " address (?<addr>[0-9a-f]+)",
	    .subtype = "paging-request",
	    .title = "BUG: unable to handle kernel paging request" IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_ABSORB_DIE | KR_F_FRAME_PC |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "arm64: bad kernel address"),
	RULE(.name = "serror", .cls = KR_CLASS_SERROR,
	    .prefix = "SError Interrupt on CPU",
	    .header = "^SError Interrupt on CPU(?<cpu>\\d+)", .subtype = "",
	    .title = "SError Interrupt" IN_FRAME,
	    .flags = KR_F_ABSORB_DIE | KR_F_FRAME_PC | KR_F_TRACE_END,
	    .skip = KR_SKIP_COMMON | KR_SKIP_IRQ,
	    .text = "arm64 asynchronous external abort"),
	RULE(.name = "gpf", .cls = KR_CLASS_OOPS,
	    .prefix = "general protection fault",
	    .header = "^general protection fault",
	    .subtype = "general-protection-fault",
	    .title = "general protection fault" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_DIE | KR_F_FRAME_PC |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "x86 #GP in the kernel, pre-6.10 banner"),
	RULE(.name = "x86-die-gpf", .cls = KR_CLASS_OOPS,
	    .prefix = "Oops: general protection",
	    .header = "^Oops: general protection fault",
	    .subtype = "general-protection-fault",
	    .title = "general protection fault" IN_FRAME, .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_DIE | KR_F_FRAME_PC |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "x86 #GP in the kernel, 6.10+ banner"),
	RULE(.name = "x86-divide", .cls = KR_CLASS_OOPS,
	    .prefix = "divide error: |Oops: divide error",
	    .header = "^(?:Oops: )?divide error: [0-9a-f]+ \\[#\\d+\\]",
	    .subtype = "divide-error", .title = "divide error" IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_DIE | KR_F_FRAME_PC |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON, .text = "x86 #DE in the kernel"),
	RULE(.name = "x86-ud", .cls = KR_CLASS_OOPS,
	    .prefix = "invalid opcode: |Oops: invalid opcode",
	    .header = "^(?:Oops: )?invalid opcode: [0-9a-f]+ \\[#\\d+\\]",
	    .subtype = "invalid-opcode", .title = "invalid opcode" IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_DIE | KR_F_FRAME_PC |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON, .text = "x86 #UD in the kernel"),
	RULE(.name = "arm64-internal", .cls = KR_CLASS_OOPS,
	    .prefix = "Internal error: ",
	    .header = "^Internal error: (?<kind>[^:]+):",
	    .subtype = "internal-error", .title = "Internal error" IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_DIE | KR_F_FRAME_PC |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "arm64 die() with no fault line before it"),
	RULE(.name = "x86-oops", .cls = KR_CLASS_OOPS, .prefix = "Oops: ",
	    .header = "^Oops: (?:Oops: )?[0-9a-f]{4} \\[#\\d+\\]",
	    .subtype = "internal-error", .title = "Internal error" IN_FRAME,
	    .end = END_TRACE,
	    .flags = KR_F_END_REQUIRED | KR_F_DIE | KR_F_FRAME_PC |
		     KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "x86 die() with no fault line before it"),

	/* ---- panics that are their own report ---- */
	RULE(.name = "stack-protector", .cls = KR_CLASS_STACK_CORRUPTION,
	    .prefix = "Kernel panic - not syncing: stack-protector",
	    .header = "^Kernel panic - not syncing: stack-protector: Kernel"
		      " stack is corrupted in: " FUNC,
	    .subtype = "stack-protector",
	    .title = "stack-protector: Kernel stack is corrupted" IN_FRAME,
	    .end = "^(?:---\\[ end Kernel panic|Rebooting in \\d+ seconds)",
	    .flags = KR_F_FRAME_HDR | KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON,
	    .text = "kernel/panic.c __stack_chk_fail()"),
	RULE(.name = "stack-end", .cls = KR_CLASS_STACK_CORRUPTION,
	    .prefix = "Kernel panic - not syncing: corrupted stack",
	    .header = "^Kernel panic - not syncing: corrupted stack end",
	    .subtype = "stack-end-corrupted",
	    .title = "corrupted stack end" IN_FRAME,
	    .end = "^(?:---\\[ end Kernel panic|Rebooting in \\d+ seconds)",
	    .flags = KR_F_NEED_FRAME,
	    .skip = KR_SKIP_COMMON | KR_SKIP_SCHED,
	    .text = "kernel/sched/core.c schedule_debug(): STACK_END_MAGIC gone"),

	/* ---- panic: kernel/panic.c ---- */
	RULE(.name = "panic", .cls = KR_CLASS_PANIC,
	    .prefix = "Kernel panic - not syncing: ",
	    .header = "^Kernel panic - not syncing: (?<reason>.*)$",
	    .subtype = "", .title = "kernel panic: {reason}",
	    .end = "^(?:---\\[ end Kernel panic|Rebooting in \\d+ seconds)",
	    .flags = KR_F_PANIC | KR_F_FOREIGN,
	    .skip = KR_SKIP_COMMON,
	    .text = "panic() with no report before it"),

	/* ---- anything else the kernel calls a BUG ---- */
	RULE(.name = "bug-other", .cls = KR_CLASS_OTHER, .prefix = "BUG: ",
	    .header = "^BUG: (?<reason>[A-Za-z].*)$", .subtype = "",
	    .title = "BUG: {reason}",
	    .flags = KR_F_TRACE_END,
	    .skip = KR_SKIP_COMMON | KR_SKIP_ALLOC | KR_SKIP_FREE,
	    .text = "other BUG: lines (frame from the stack, not in the title)"),
};

// clang-format on
const size_t kr_nrules = sizeof(kr_rules) / sizeof(kr_rules[0]);

size_t
kr_rule_count(void)
{
	return kr_nrules;
}

/*
 * Panic reasons that follow from the report just before them and so are
 * attached to it even after it ended: the refers list plus init dying
 * (an Oops in init kills it). A lone "Attempted to kill init!" is a
 * real panic of its own, not a lost report.
 */
bool
kr_panic_reason_attaches(const char *reason)
{
	return kr_panic_reason_refers(reason) ||
	    !strncmp(reason, "Attempted to kill init!", 23);
}

/*
 * Panic reasons that only restate an earlier report (kernel/panic.c,
 * arch die(), hung_task.c, watchdog.c, rcu): a panic with one of these
 * and no report before it lost that report.
 */
bool
kr_panic_reason_refers(const char *reason)
{
	static const char *const refers[] = {
		"Fatal exception",
		"Oops",
		"kernel: panic_on_warn set",
		"panic_on_warn set",
		"hung_task: blocked tasks",
		"softlockup: hung tasks",
		"Hard LOCKUP",
		"hardlockup:",
		"RCU Stall",
		"KASAN: panic_on_warn",
		"kasan.fault=panic",
		"Asynchronous SError Interrupt",
		"panic_on_oops",
		"kernel stack overflow",
	};
	size_t i;

	for (i = 0; i < sizeof(refers) / sizeof(refers[0]); i++)
		if (!strncmp(reason, refers[i], strlen(refers[i])))
			return true;
	return false;
}
