/* SPDX-License-Identifier: MIT */
/*
 * parse_bench.c -- throughput of libkreport on one large console stream.
 *
 * Builds a dmesg-like log in memory (deterministic: same seed, same bytes)
 * with whole crash reports (WARN, KASAN, Oops, lockdep, hung task) in about
 * 1% of its lines, or reads a file, then feeds it line by line through one
 * kr_ctx the way the collector does: time advances 1 ms per line, kr_tick
 * runs when kr_next_deadline says so, every report is popped and freed.
 * Only the feed loop is timed. Prints MB/s, lines/s, reports, peak RSS and
 * "result" lines for ./dev.sh bench. With --check, exits 1 unless every
 * generated report comes back with its class and guilty frame.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "kreport.h"

#define DEFAULT_SIZE_MB 100
#define DEFAULT_PASSES 3
#define DEFAULT_SEED 1
#define LINE_ROOM 4096 /* bytes reserved before formatting one line */

/* One report the generator embedded, in stream order. */
struct expect {
	enum kr_class cls;
	const char *frame;
};

/* Generator state: the growing log and what went into it. */
struct gen {
	uint64_t rng;
	char *buf;
	size_t len;
	size_t cap;
	size_t lines;
	size_t report_lines;
	uint64_t ktime_us;	/* printk time of the next line */
	bool callers;		/* this stretch prints [  T123] caller ids */
	char caller[8];		/* caller id of the next line */
	struct expect *exp;
	size_t nexp;
	size_t capexp;
};

/* What one pass through the parser saw. */
struct tally {
	size_t lines;
	size_t reports;
	size_t corrupted;
	size_t mismatches;	/* reports unlike the embedded one (--check) */
	size_t by_class[KR_CLASS__COUNT];
};

/* A function a report blames, with its module and source file. */
struct culprit {
	const char *fn;
	const char *mod; /* NULL when built in */
	const char *file;
};

static const struct culprit culprits[] = {
	{"ext4_writepages", NULL, "fs/ext4/inode.c"},
	{"ext4_free_blocks", NULL, "fs/ext4/mballoc.c"},
	{"btrfs_commit_transaction", "btrfs", "fs/btrfs/transaction.c"},
	{"xfs_trans_cancel", "xfs", "fs/xfs/xfs_trans.c"},
	{"nvme_queue_rq", "nvme", "drivers/nvme/host/pci.c"},
	{"e1000_clean_tx_irq", "e1000e", "drivers/net/ethernet/intel/e1000e/netdev.c"},
	{"iwl_mvm_rx_mpdu", "iwlmvm", "drivers/net/wireless/intel/iwlwifi/mvm/rxmq.c"},
	{"tcp_sendmsg_locked", NULL, "net/ipv4/tcp.c"},
	{"usb_submit_urb", NULL, "drivers/usb/core/urb.c"},
	{"xhci_queue_bulk_tx", NULL, "drivers/usb/host/xhci-ring.c"},
	{"amdgpu_bo_move", "amdgpu", "drivers/gpu/drm/amd/amdgpu/amdgpu_ttm.c"},
	{"drm_atomic_helper_commit_hw_done", "drm_kms_helper", "drivers/gpu/drm/drm_atomic_helper.c"},
	{"rtw89_pci_napi_poll", "rtw89_pci", "drivers/net/wireless/realtek/rtw89/pci.c"},
	{"snd_pcm_period_elapsed", "snd_pcm", "sound/core/pcm_lib.c"},
	{"blk_mq_dispatch_rq_list", NULL, "block/blk-mq.c"},
	{"crashme_write", "crashme", "/build/e2e-k1/crashme/crashme.c"},
};

/* Syscall-side callers placed under the culprit in call traces. */
static const char *const entries[] = {
	"proc_reg_write", "full_proxy_write", "kernfs_fop_write_iter",
	"sock_write_iter", "blkdev_write_iter", "do_iter_readv_writev",
};

static const char *const tasks[] = {
	"sh", "kworker/u8:3", "systemd-udevd", "fio", "stress-ng",
	"jbd2/sda1-8", "NetworkManager", "kworker/1:2H", "Xorg",
};

/* Taint and release as the CPU: line prints them, and as lockdep does. */
static const struct kernel {
	const char *cpu;
	const char *ident;
} kernels[] = {
	{"Tainted: G        W  OE      6.1.0-56-amd64 #1  Debian 6.1.192-2",
	    "6.1.0-56-amd64 #1 Tainted: G        W  OE     "},
	{"Not tainted 6.1.192 #2", "6.1.192 #2 Not tainted"},
	{"Tainted: G           O       6.12.95+deb12-amd64 #1 Debian 6.12.95-1~bpo12+1",
	    "6.12.95+deb12-amd64 #1 Tainted: G           O      "},
	{"Not tainted 6.14.0-rc1-00342-ga3783dbf2574 #7",
	    "6.14.0-rc1-00342-ga3783dbf2574 #7 Not tainted"},
};

/* The tokens a report template may use (see expand()). */
struct fill {
	const struct culprit *c;
	const char *entry;
	const char *task;
	const struct kernel *kernel;
	const char *lock_a;
	const char *lock_b;
	const char *subtype;
	const char *access;
	unsigned pid;
	unsigned cpu;
	unsigned line;
	uint64_t addr;
};

/*
 * Report templates: plain console text of real reports (shared/samples),
 * one line per string. $F culprit function, $M " [module]" or "", $S source
 * file, $L source line, $E entry function, $T task, $P pid, $C cpu, $K
 * taint and release, $I release and taint (lockdep order), $A an address,
 * $X and $Y lock names, $U KASAN subtype, $W "Read"/"Write".
 */
static const char *const tpl_warn[] = {
	"------------[ cut here ]------------",
	"WARNING: CPU: $C PID: $P at $S:$L $F+0x135/0x516$M",
	"Modules linked in: netconsole crashme(OE) reed_solomon virtio_net net_failover failover virtio_pci virtio_pci_legacy_dev virtio_pci_modern_dev virtio virtio_ring configfs",
	"CPU: $C PID: $P Comm: $T $K",
	"Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
	"RIP: 0010:$F+0x135/0x516$M",
	"Code: c6 fb e0 23 c0 48 8d 7c 24 30 e8 f6 f6 7a c1 85 c0 75 1b 31 d2 89 14 25 00 00 00 00 eb c1 48 c7 c7 d0 e0 23 c0 e8 8b 48 e6 c0 <0f> 0b eb b1 48 c7 c6 00 e1 23 c0 48 8d 7c 24 30 e8 c6 f6 7a c1 85",
	"RSP: 0018:ffffc900003dbd68 EFLAGS: 00000282",
	"RAX: 0000000000000000 RBX: 0000000000000008 RCX: c0000000ffffefff",
	"RDX: 0000000000000000 RSI: 00000000ffffefff RDI: 0000000000000001",
	"RBP: 0000000000000008 R08: 0000000000000000 R09: ffffc900003dbbe0",
	"R10: 0000000000000003 R11: ffffffff82ad4448 R12: 000000001b7a88f0",
	"R13: 000000001b7a88f0 R14: $A R15: 0000000000000000",
	"FS:  000000001b7a63c0(0000) GS:ffff88801f500000(0000) knlGS:0000000000000000",
	"CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033",
	"CR2: 0000000000559c5a CR3: 00000000062b4000 CR4: 0000000000750ee0",
	"PKRU: 55555554",
	"Call Trace:",
	" <TASK>",
	" $E+0x56/0xa0",
	" vfs_write+0xc7/0x3f0",
	" ksys_write+0x6b/0xf0",
	" do_syscall_64+0x5d/0xb0",
	" ? do_user_addr_fault+0x1b0/0x570",
	" ? exit_to_user_mode_prepare+0x44/0x240",
	" entry_SYSCALL_64_after_hwframe+0x6e/0xd8",
	"RIP: 0033:0x47b7a0",
	"Code: 40 00 48 c7 c2 e0 ff ff ff f7 d8 64 89 02 48 c7 c0 ff ff ff ff eb b7 0f 1f 00 80 3d e8 85 16 00 00 74 17 b8 01 00 00 00 0f 05 <48> 3d 00 f0 ff ff 77 58 c3 0f 1f 80 00 00 00 00 48 83 ec 28 48 89",
	"RSP: 002b:00007ffdad22ad08 EFLAGS: 00000202 ORIG_RAX: 0000000000000001",
	"RAX: ffffffffffffffda RBX: 0000000000000001 RCX: 000000000047b7a0",
	"RDX: 0000000000000008 RSI: 000000001b7a88f0 RDI: 0000000000000001",
	"RBP: 000000001b7a88f0 R08: 0000000000000000 R09: 00000000005e2740",
	"R10: 00000000000001b6 R11: 0000000000000202 R12: 0000000000000008",
	"R13: 000000001b7a63a0 R14: 0000000000000001 R15: 00007ffdad22ad70",
	" </TASK>",
	"---[ end trace 0000000000000000 ]---",
	NULL,
};

static const char *const tpl_kasan[] = {
	"==================================================================",
	"BUG: KASAN: $U in $F+0x5e/0x129$M",
	"$W of size 4 at addr $A by task $T/$P",
	"",
	"CPU: $C PID: $P Comm: $T $K",
	"Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
	"Call Trace:",
	" <TASK>",
	" dump_stack_lvl+0x4c/0x5f",
	" print_report+0x193/0x497",
	" ? __virt_addr_valid+0x111/0x280",
	" ? do_raw_spin_lock+0xef/0x180",
	" kasan_report+0xd7/0x190",
	" ? $F+0x5e/0x129$M",
	" $F+0x5e/0x129$M",
	" $E+0x20/0x34",
	" vfs_write+0x18a/0x6a0",
	" ? kernel_write+0x400/0x400",
	" ? lock_release+0x1d1/0x3d0",
	" ksys_write+0xb3/0x140",
	" ? __x64_sys_read+0x40/0x40",
	" do_syscall_64+0x3c/0x90",
	" entry_SYSCALL_64_after_hwframe+0x4b/0xb5",
	"RIP: 0033:0x47b7a0",
	"RSP: 002b:00007fffd02a0e98 EFLAGS: 00000202 ORIG_RAX: 0000000000000001",
	" </TASK>",
	"",
	"Allocated by task $P:",
	" kasan_save_stack+0x2f/0x50",
	" kasan_set_track+0x21/0x30",
	" __kasan_kmalloc+0x86/0x90",
	" $F+0x26/0x70$M",
	" $E+0x20/0x34",
	" vfs_write+0x18a/0x6a0",
	" ksys_write+0xb3/0x140",
	" do_syscall_64+0x3c/0x90",
	" entry_SYSCALL_64_after_hwframe+0x4b/0xb5",
	"",
	"Freed by task $P:",
	" kasan_save_stack+0x2f/0x50",
	" kasan_set_track+0x21/0x30",
	" kasan_save_free_info+0x2a/0x40",
	" ____kasan_slab_free+0x1b7/0x220",
	" __kmem_cache_free+0xcf/0x200",
	" $F+0x4a/0x129$M",
	" $E+0x20/0x34",
	" vfs_write+0x18a/0x6a0",
	" ksys_write+0xb3/0x140",
	" do_syscall_64+0x3c/0x90",
	" entry_SYSCALL_64_after_hwframe+0x4b/0xb5",
	"",
	"The buggy address belongs to the object at ffff888005272800",
	" which belongs to the cache kmalloc-1k of size 1024",
	"The buggy address is located 16 bytes inside of",
	" 1024-byte region [ffff888005272800, ffff888005272c00)",
	"",
	"The buggy address belongs to the physical page:",
	"page:(____ptrval____) refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x5270",
	"head:(____ptrval____) order:3 compound_mapcount:0 compound_pincount:0",
	"flags: 0x80000010200(slab|head|section=0|zone=1)",
	"raw: 0000080000010200 0000000000000000 dead000000000122 ffff888003841dc0",
	"raw: 0000000000000000 0000000080100010 00000001ffffffff 0000000000000000",
	"page dumped because: kasan: bad access detected",
	"",
	"Memory state around the buggy address:",
	" ffff888005272700: fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc",
	" ffff888005272780: fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc",
	">ffff888005272800: fa fb fb fb fb fb fb fb fb fb fb fb fb fb fb fb",
	"                         ^",
	" ffff888005272880: fb fb fb fb fb fb fb fb fb fb fb fb fb fb fb fb",
	" ffff888005272900: fb fb fb fb fb fb fb fb fb fb fb fb fb fb fb fb",
	"==================================================================",
	"Disabling lock debugging due to kernel taint",
	NULL,
};

static const char *const tpl_oops[] = {
	"BUG: kernel NULL pointer dereference, address: 0000000000000000",
	"#PF: supervisor write access in kernel mode",
	"#PF: error_code(0x0002) - not-present page",
	"PGD 60f4067 P4D 60f4067 PUD 525f067 PMD 0 ",
	"Oops: 0002 [#1] PREEMPT SMP NOPTI",
	"CPU: $C PID: $P Comm: $T $K",
	"Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
	"RIP: 0010:$F+0x120/0x516$M",
	"Code: c6 f7 e0 23 c0 48 8d 7c 24 30 e8 0b f7 7a c1 85 c0 74 5b 48 c7 c6 fb e0 23 c0 48 8d 7c 24 30 e8 f6 f6 7a c1 85 c0 75 1b 31 d2 <89> 14 25 00 00 00 00 eb c1 48 c7 c7 d0 e0 23 c0 e8 8b 48 e6 c0 0f",
	"RSP: 0018:ffffc900003f3db0 EFLAGS: 00000246",
	"RAX: 0000000000000000 RBX: 0000000000000005 RCX: c0000000ffffefff",
	"RDX: 0000000000000000 RSI: ffffffffc023e0fb RDI: ffffc900003f3de0",
	"RBP: 0000000000000005 R08: 0000000000000000 R09: ffffc900003f3c48",
	"R10: 0000000000000003 R11: ffffffff82ad4448 R12: 0000000028fcb8f0",
	"R13: 0000000028fcb8f0 R14: $A R15: 0000000000000000",
	"FS:  0000000028fc93c0(0000) GS:ffff88801f400000(0000) knlGS:0000000000000000",
	"CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033",
	"CR2: 0000000000000000 CR3: 0000000005e3a000 CR4: 0000000000750ef0",
	"PKRU: 55555554",
	"Call Trace:",
	" <TASK>",
	" $E+0x56/0xa0",
	" vfs_write+0xc7/0x3f0",
	" ksys_write+0x6b/0xf0",
	" do_syscall_64+0x5d/0xb0",
	" ? exit_to_user_mode_prepare+0x44/0x240",
	" entry_SYSCALL_64_after_hwframe+0x6e/0xd8",
	"RIP: 0033:0x47b7a0",
	"RSP: 002b:00007ffea5f338d8 EFLAGS: 00000202 ORIG_RAX: 0000000000000001",
	"RAX: ffffffffffffffda RBX: 0000000000000001 RCX: 000000000047b7a0",
	" </TASK>",
	"Modules linked in: netconsole crashme(OE) reed_solomon virtio_net net_failover failover virtio_pci virtio_pci_legacy_dev virtio_pci_modern_dev virtio virtio_ring configfs",
	"CR2: 0000000000000000",
	"---[ end trace 0000000000000000 ]---",
	NULL,
};

static const char *const tpl_lockdep[] = {
	"",
	"======================================================",
	"WARNING: possible circular locking dependency detected",
	"$I",
	"------------------------------------------------------",
	"$T/$P is trying to acquire lock:",
	"ffffffff82232fa8 ($X){+.+.}-{3:3}, at: $F+0x1c/0x40$M",
	"",
	"but task is already holding lock:",
	"ffffffff82232ee8 ($Y){+.+.}-{3:3}, at: $F+0xe/0x40$M",
	"",
	"which lock already depends on the new lock.",
	"",
	"",
	"the existing dependency chain (in reverse order) is:",
	"",
	"-> #1 ($Y){+.+.}-{3:3}:",
	"       __mutex_lock+0x130/0x1310",
	"       $E+0x1c/0x40",
	"       vfs_write+0x18a/0x6a0",
	"       ksys_write+0xb3/0x140",
	"       do_syscall_64+0x3c/0x90",
	"       entry_SYSCALL_64_after_hwframe+0x4b/0xb5",
	"",
	"-> #0 ($X){+.+.}-{3:3}:",
	"       __lock_acquire+0x1c0a/0x3360",
	"       lock_acquire+0x14f/0x370",
	"       __mutex_lock+0x130/0x1310",
	"       $F+0x1c/0x40$M",
	"       vfs_write+0x18a/0x6a0",
	"       ksys_write+0xb3/0x140",
	"       do_syscall_64+0x3c/0x90",
	"       entry_SYSCALL_64_after_hwframe+0x4b/0xb5",
	"",
	"other info that might help us debug this:",
	"",
	" Possible unsafe locking scenario:",
	"",
	"       CPU0                    CPU1",
	"       ----                    ----",
	"  lock($Y);",
	"                               lock($X);",
	"                               lock($Y);",
	"  lock($X);",
	"",
	" *** DEADLOCK ***",
	"",
	"1 lock held by $T/$P:",
	" #0: ffffffff82232ee8 ($Y){+.+.}-{3:3}, at: $F+0xe/0x40$M",
	"",
	"stack backtrace:",
	"CPU: $C PID: $P Comm: $T $K",
	"Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
	"Call Trace:",
	" <TASK>",
	" dump_stack_lvl+0x4c/0x5f",
	" check_noncircular+0x235/0x270",
	" ? print_circular_bug+0x210/0x210",
	" __lock_acquire+0x1c0a/0x3360",
	" lock_acquire+0x14f/0x370",
	" ? $F+0x1c/0x40$M",
	" __mutex_lock+0x130/0x1310",
	" ? $F+0x1c/0x40$M",
	" $F+0x1c/0x40$M",
	" $E+0x2e3/0x400",
	" vfs_write+0x18a/0x6a0",
	" ksys_write+0xb3/0x140",
	" do_syscall_64+0x3c/0x90",
	" entry_SYSCALL_64_after_hwframe+0x4b/0xb5",
	"RIP: 0033:0x47b7a0",
	"RSP: 002b:00007ffcc2672bd8 EFLAGS: 00000202 ORIG_RAX: 0000000000000001",
	" </TASK>",
	NULL,
};

static const char *const tpl_hung[] = {
	"INFO: task $T:$P blocked for more than 122 seconds.",
	"      $K",
	"\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.",
	"task:$T    state:D stack:0     pid:$P   ppid:2      flags:0x00004000",
	"Call Trace:",
	" <TASK>",
	" __schedule+0x34d/0xa00",
	" schedule+0x5a/0xd0",
	" schedule_timeout+0x94/0x150",
	" ? __bpf_trace_tick_stop+0x10/0x10",
	" $F+0x22/0x30$M",
	" kthread+0xda/0x100",
	" ? kthread_complete_and_exit+0x20/0x20",
	" ret_from_fork+0x22/0x30",
	" </TASK>",
	NULL,
};

/* A report kind: its template and the class the parser should give it. */
struct report_kind {
	enum kr_class cls;
	const char *const *tpl;
};

static const struct report_kind report_kinds[] = {
	{KR_CLASS_WARN, tpl_warn},
	{KR_CLASS_KASAN, tpl_kasan},
	{KR_CLASS_OOPS, tpl_oops},
	{KR_CLASS_LOCKDEP, tpl_lockdep},
	{KR_CLASS_HUNG_TASK, tpl_hung},
};

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Print a message and exit (allocation failure, bad usage, I/O). */
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "parse_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* Next pseudo-random number (splitmix64: fast, deterministic). */
static uint64_t
rnd64(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform number in [0, n). */
static unsigned
rnd(struct gen *g, unsigned n)
{
	return (unsigned)(rnd64(g) % n);
}

/* Make room for n more bytes in the log. */
static void
reserve(struct gen *g, size_t n)
{
	size_t cap = g->cap ? g->cap : 1 << 20;
	char *p;

	if (g->len + n <= g->cap)
		return;
	while (cap < g->len + n)
		cap *= 2;
	if ((p = realloc(g->buf, cap)) == NULL)
		die("out of memory (%zu bytes)", cap);
	g->buf = p;
	g->cap = cap;
}

/* Append the console prefix: "[ 1234.567890]" and maybe "[  T123]". */
static void
put_prefix(struct gen *g)
{
	char id[8];
	int n;

	reserve(g, LINE_ROOM);
	n = snprintf(g->buf + g->len, LINE_ROOM, "[%5" PRIu64 ".%06" PRIu64 "]",
	    g->ktime_us / 1000000, g->ktime_us % 1000000);
	g->len += (size_t)n;
	if (g->callers) {
		snprintf(id, sizeof(id), "%s", g->caller);
		n = snprintf(g->buf + g->len, LINE_ROOM, "[%6s]", id);
		g->len += (size_t)n;
	}
	g->buf[g->len++] = ' ';
}

/* Append one formatted line with its prefix. */
static void __attribute__((format(printf, 2, 3)))
put_line(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	put_prefix(g);
	va_start(ap, fmt);
	n = vsnprintf(g->buf + g->len, LINE_ROOM - 64, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= LINE_ROOM - 64)
		die("generated line too long");
	g->len += (size_t)n;
	g->buf[g->len++] = '\n';
	g->lines++;
}

/* Append text to the log (no prefix, no newline). */
static void
put_text(struct gen *g, const char *s, size_t n)
{
	reserve(g, n);
	memcpy(g->buf + g->len, s, n);
	g->len += n;
}

/* Pick the caller id of an ordinary line: a task or an interrupt CPU. */
static void
pick_caller(struct gen *g)
{
	if (rnd(g, 8) == 0)
		snprintf(g->caller, sizeof(g->caller), "C%u", rnd(g, 4));
	else
		snprintf(g->caller, sizeof(g->caller), "T%u", 1 + rnd(g, 30000));
}

/* Append one ordinary (non-report) console line. */
static void
put_ordinary(struct gen *g)
{
	static const char *const ifs[] = {"eth0", "enp3s0", "wlan0", "wlp2s0",
	    "veth3a1f2c9", "br-5e1d2f7a9c01", "eno1"};
	static const char *const disks[] = {"sda1", "sdb2", "nvme0n1p2",
	    "dm-0", "mmcblk0p2", "loop7"};
	const char *ifn = ifs[rnd(g, NITEMS(ifs))];
	const char *disk = disks[rnd(g, NITEMS(disks))];
	unsigned a = rnd(g, 256), b = rnd(g, 256), n = rnd(g, 65536);

	pick_caller(g);
	switch (rnd(g, 24)) {
	case 0:
		put_line(g, "usb %u-%u: new high-speed USB device number %u using xhci_hcd",
		    1 + a % 4, 1 + b % 8, 2 + n % 120);
		break;
	case 1:
		put_line(g, "usb %u-%u: New USB device found, idVendor=%04x, idProduct=%04x, bcdDevice=%2u.%02u",
		    1 + a % 4, 1 + b % 8, n, rnd(g, 65536), a % 10, b % 100);
		break;
	case 2:
		put_line(g, "usb %u-%u: Product: USB%u.0 Hub", 1 + a % 4,
		    1 + b % 8, 2 + a % 2);
		break;
	case 3:
		put_line(g, "EXT4-fs (%s): mounted filesystem %08x-%04x-%04x-%04x-%012" PRIx64 " with ordered data mode. Quota mode: none.",
		    disk, (unsigned)rnd64(g), a, b, n,
		    (uint64_t)(rnd64(g) & 0xffffffffffffULL));
		break;
	case 4:
		put_line(g, "EXT4-fs (%s): re-mounted. Quota mode: none.", disk);
		break;
	case 5:
		put_line(g, "IPv6: ADDRCONF(NETDEV_CHANGE): %s: link becomes ready", ifn);
		break;
	case 6:
		put_line(g, "e1000e 0000:00:1f.6 %s: NIC Link is Up %u Mbps Full Duplex, Flow Control: Rx/Tx",
		    ifn, a % 2 ? 1000 : 100);
		break;
	case 7:
		put_line(g, "[UFW BLOCK] IN=%s OUT= MAC=01:00:5e:00:00:fb:%02x:%02x:5e:%02x:2a:1c:08:00 SRC=192.168.%u.%u DST=224.0.0.251 LEN=%u TOS=0x00 PREC=0x00 TTL=255 ID=%u DF PROTO=UDP SPT=5353 DPT=5353 LEN=%u",
		    ifn, a, b, a, b, a, 60 + n % 1400, n, 40 + n % 1300);
		break;
	case 8:
		put_line(g, "audit: type=1400 audit(%u.%03u:%u): apparmor=\"DENIED\" operation=\"open\" profile=\"snap.firefox.firefox\" name=\"/proc/%u/mountinfo\" pid=%u comm=\"firefox\" requested_mask=\"r\" denied_mask=\"r\" fsuid=1000 ouid=1000",
		    1700000000 + n, a, 100 + b, n, n);
		break;
	case 9:
		put_line(g, "sd %u:0:0:0: [sd%c] %u 512-byte logical blocks: (%u GB/%u GiB)",
		    a % 8, 'a' + b % 4, n * 4096, n / 256, n / 275);
		break;
	case 10:
		put_line(g, "ata%u: SATA link up 6.0 Gbps (SStatus 133 SControl 300)",
		    1 + a % 6);
		break;
	case 11:
		put_line(g, "nvme nvme%u: %u/0/0 default/read/poll queues",
		    a % 2, 2 + b % 30);
		break;
	case 12:
		put_line(g, "systemd-journald[%u]: Received client request to flush runtime journal.",
		    100 + n);
		break;
	case 13:
		put_line(g, "r8169 0000:%02x:00.0 %s: Link is Down", a, ifn);
		break;
	case 14:
		put_line(g, "%s: authenticate with %02x:%02x:%02x:%02x:%02x:%02x",
		    ifn, a, b, n & 0xff, n >> 8, a ^ b, b ^ 0x5a);
		break;
	case 15:
		put_line(g, "perf: interrupt took too long (%u > %u), lowering kernel.perf_event_max_sample_rate to %u",
		    2500 + n % 5000, 2500 + n % 4000, 25000 + n % 50000);
		break;
	case 16:
		put_line(g, "TCP: request_sock_TCP: Possible SYN flooding on port %u. Sending cookies.  Check SNMP counters.",
		    n);
		break;
	case 17:
		put_line(g, "kauditd_printk_skb: %u callbacks suppressed", 1 + a);
		break;
	case 18:
		put_line(g, "loop%u: detected capacity change from 0 to %u",
		    a % 32, 8 * n);
		break;
	case 19:
		put_line(g, "br-5e1d2f7a9c01: port %u(veth%07x) entered forwarding state",
		    1 + a % 8, n * 97);
		break;
	case 20:
		put_line(g, "device veth%07x entered promiscuous mode", n * 97);
		break;
	case 21:
		put_line(g, "input: Logitech USB Receiver as /devices/pci0000:00/0000:00:14.0/usb1/1-%u/1-%u:1.%u/0003:046D:C52B.%04X/input/input%u",
		    1 + a % 8, 1 + a % 8, b % 3, n, 10 + b);
		break;
	case 22:
		put_line(g, "xhci_hcd 0000:00:14.0: new USB bus registered, assigned bus number %u",
		    1 + a % 4);
		break;
	default:
		put_line(g, "wireguard: wg0: Handshake for peer %u (192.0.2.%u:51820) did not complete after 5 seconds, retrying (try %u)",
		    1 + a % 16, b, 2 + n % 20);
		break;
	}
	g->ktime_us += rnd(g, 2000);
	if (rnd(g, 1000) == 0)
		g->ktime_us += 1000000 + rnd(g, 60000000);
}

/* Expand one template line into out (size LINE_ROOM); returns its length. */
static size_t
expand(const char *tpl, const struct fill *f, char *out)
{
	char *o = out, *end = out + LINE_ROOM - 256;
	const char *s;
	char tmp[32];

	for (; *tpl != '\0' && o < end; tpl++) {
		if (*tpl != '$' || tpl[1] == '\0') {
			*o++ = *tpl;
			continue;
		}
		s = tmp;
		switch (*++tpl) {
		case 'F': s = f->c->fn; break;
		case 'S': s = f->c->file; break;
		case 'E': s = f->entry; break;
		case 'T': s = f->task; break;
		case 'K': s = f->kernel->cpu; break;
		case 'I': s = f->kernel->ident; break;
		case 'X': s = f->lock_a; break;
		case 'Y': s = f->lock_b; break;
		case 'U': s = f->subtype; break;
		case 'W': s = f->access; break;
		case 'M':
			if (f->c->mod == NULL)
				s = "";
			else
				snprintf(tmp, sizeof(tmp), " [%s]", f->c->mod);
			break;
		case 'L': snprintf(tmp, sizeof(tmp), "%u", f->line); break;
		case 'P': snprintf(tmp, sizeof(tmp), "%u", f->pid); break;
		case 'C': snprintf(tmp, sizeof(tmp), "%u", f->cpu); break;
		case 'A':
			snprintf(tmp, sizeof(tmp), "%016" PRIx64, f->addr);
			break;
		default: die("bad template token $%c", *tpl);
		}
		while (*s != '\0' && o < end)
			*o++ = *s++;
	}
	return (size_t)(o - out);
}

/* Remember that the report just generated should come back as (cls, fn). */
static void
add_expect(struct gen *g, enum kr_class cls, const char *fn)
{
	struct expect *p;
	size_t cap;

	if (g->nexp == g->capexp) {
		cap = g->capexp ? g->capexp * 2 : 256;
		if ((p = realloc(g->exp, cap * sizeof(*p))) == NULL)
			die("out of memory");
		g->exp = p;
		g->capexp = cap;
	}
	g->exp[g->nexp].cls = cls;
	g->exp[g->nexp].frame = fn;
	g->nexp++;
}

/* Append one whole crash report of a random kind, then a quiet gap. */
static void
put_report(struct gen *g)
{
	static const char *const locks[] = {"&dev->mutex", "&sb->s_type->i_mutex_key#12",
	    "rtnl_mutex", "&mm->mmap_lock", "(wq_completion)events", "&q->sysfs_lock"};
	const struct report_kind *k = &report_kinds[rnd(g, NITEMS(report_kinds))];
	struct fill f;
	char line[LINE_ROOM];
	const char *const *t;
	size_t n;
	unsigned i = rnd(g, NITEMS(locks));

	f.c = &culprits[rnd(g, NITEMS(culprits))];
	f.entry = entries[rnd(g, NITEMS(entries))];
	f.task = tasks[rnd(g, NITEMS(tasks))];
	f.kernel = &kernels[rnd(g, NITEMS(kernels))];
	f.lock_a = locks[i];
	f.lock_b = locks[(i + 1 + rnd(g, NITEMS(locks) - 1)) % NITEMS(locks)];
	f.subtype = rnd(g, 2) ? "slab-use-after-free" : "slab-out-of-bounds";
	f.access = rnd(g, 2) ? "Read" : "Write";
	f.pid = 2 + rnd(g, 30000);
	f.cpu = rnd(g, 8);
	f.line = 10 + rnd(g, 3000);
	f.addr = 0xffff888000000000ULL | (rnd64(g) & 0xffffff8ULL);

	snprintf(g->caller, sizeof(g->caller), "T%u", f.pid);
	for (t = k->tpl; *t != NULL; t++) {
		n = expand(*t, &f, line);
		put_prefix(g);
		put_text(g, line, n);
		put_text(g, "\n", 1);
		g->lines++;
		g->report_lines++;
		g->ktime_us += rnd(g, 40);
	}
	add_expect(g, k->cls, f.c->fn);
	g->ktime_us += 3000000 + rnd(g, 10000000);
}

/* Generate about size bytes of log into g. */
static void
generate(struct gen *g, size_t size, uint64_t seed)
{
	size_t until_report, stretch = 0;

	memset(g, 0, sizeof(*g));
	g->rng = seed;
	g->ktime_us = 4000000 + rnd(g, 1000000);
	reserve(g, size + LINE_ROOM);
	until_report = 2000 + rnd(g, 6000);
	while (g->len < size) {
		if (stretch-- == 0) {
			/* A new stretch (a new boot, another config). */
			stretch = 10000 + rnd(g, 90000);
			g->callers = rnd(g, 3) == 0;
		}
		if (until_report-- == 0) {
			put_report(g);
			until_report = 2000 + rnd(g, 6000);
		} else {
			put_ordinary(g);
		}
	}
}

/* Read a whole file into memory. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f;
	char *buf = NULL, *p;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		die("%s: %s", path, strerror(errno));
	for (;;) {
		if (cap - len < (1 << 20)) {
			cap = cap ? cap * 2 : 16 << 20;
			if ((p = realloc(buf, cap)) == NULL)
				die("out of memory");
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	*lenp = len;
	return buf;
}

/* Pop, count, check and free every finished report. */
static void
drain(struct kr_ctx *ctx, struct tally *t, const struct expect *exp,
    size_t nexp)
{
	struct kr_report *r;
	const struct expect *e;

	while ((r = kr_next(ctx)) != NULL) {
		if (exp != NULL) {
			e = t->reports < nexp ? &exp[t->reports] : NULL;
			if (e == NULL || r->cls != e->cls ||
			    strcmp(r->frame, e->frame) != 0 || r->corrupted) {
				if (t->mismatches++ < 10)
					fprintf(stderr, "report %zu (lines %" PRIu64 "-%" PRIu64 "): got %s '%s' frame '%s'%s%s, want %s frame '%s'\n",
					    t->reports + 1, r->first_line,
					    r->last_line, kr_class_name(r->cls),
					    r->title, r->frame,
					    r->corrupted ? " corrupted: " : "",
					    r->corrupt_reason,
					    e ? kr_class_name(e->cls) : "nothing",
					    e ? e->frame : "");
			}
		}
		t->reports++;
		t->corrupted += r->corrupted;
		if ((unsigned)r->cls < KR_CLASS__COUNT)
			t->by_class[r->cls]++;
		kr_report_free(r);
	}
}

/*
 * Feed buf to a fresh context line by line: line N is received at N ms,
 * kr_tick runs once the deadline passes, kr_flush at the end.
 */
static void
run_pass(const char *buf, size_t len, struct tally *t,
    const struct expect *exp, size_t nexp)
{
	struct kr_ctx *ctx;
	const char *p = buf, *end = buf + len, *nl;
	char *cause = NULL;
	int64_t deadline = -1, now;
	uint64_t ref = 0;

	if ((ctx = kr_new(NULL, &cause)) == NULL)
		die("kr_new: %s", cause ? cause : "out of memory");
	memset(t, 0, sizeof(*t));
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		now = (int64_t)++ref;
		if (deadline >= 0 && now >= deadline)
			kr_tick(ctx, now);
		if (kr_feed_text(ctx, p, (size_t)(nl - p), now, ref) != 0)
			die("kr_feed: out of memory at line %" PRIu64, ref);
		deadline = kr_next_deadline(ctx);
		drain(ctx, t, exp, nexp);
		p = nl + 1;
	}
	kr_flush(ctx);
	drain(ctx, t, exp, nexp);
	t->lines = ref;
	kr_free(ctx);
}

/* Seconds on the monotonic clock. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Peak resident set size so far, in MB. */
static double
peak_rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss * 1024 / 1e6;
}

/* Compare doubles for qsort. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Print the per-class counts of a pass, and the generated ones. */
static void
print_classes(const struct tally *t, const struct gen *g)
{
	size_t want[KR_CLASS__COUNT] = {0}, i;

	if (g != NULL)
		for (i = 0; i < g->nexp; i++)
			want[g->exp[i].cls]++;
	for (i = 0; i < KR_CLASS__COUNT; i++) {
		if (t->by_class[i] == 0 && want[i] == 0)
			continue;
		if (g != NULL)
			printf("  %-18s %8zu (generated %zu)\n",
			    kr_class_name((enum kr_class)i), t->by_class[i],
			    want[i]);
		else
			printf("  %-18s %8zu\n",
			    kr_class_name((enum kr_class)i), t->by_class[i]);
	}
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: parse_bench [-s MB] [-S SEED] [-n PASSES] [-o OUT] [--check]\n"
	    "       parse_bench [-n PASSES] FILE\n"
	    "  -s MB      size of the generated log (default %d)\n"
	    "  -S SEED    generator seed (default %d)\n"
	    "  -n PASSES  timed passes, the median is reported (default %d)\n"
	    "  -o OUT     also write the generated log to OUT\n"
	    "  --check    exit 1 unless every generated report is found with\n"
	    "             its class and guilty frame, and none is extra\n",
	    DEFAULT_SIZE_MB, DEFAULT_SEED, DEFAULT_PASSES);
	exit(2);
}

/* Parse a decimal option argument in [min, max]. */
static unsigned long
num_arg(const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
		die("bad number '%s' (%lu..%lu)", s, min, max);
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"check", no_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	struct gen g;
	struct tally t = {0};
	const char *out = NULL, *input = NULL;
	const struct expect *exp = NULL;
	unsigned long size_mb = DEFAULT_SIZE_MB, passes = DEFAULT_PASSES;
	uint64_t seed = DEFAULT_SEED;
	bool check = false;
	double secs[16], t0, med, mb, rss_before;
	char *buf;
	size_t len, i;
	FILE *f;
	int ch;

	while ((ch = getopt_long(argc, argv, "s:S:n:o:", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': size_mb = num_arg(optarg, 1, 16384); break;
		case 'S': seed = num_arg(optarg, 0, ~0UL); break;
		case 'n': passes = num_arg(optarg, 1, NITEMS(secs)); break;
		case 'o': out = optarg; break;
		case 'c': check = true; break;
		default: usage();
		}
	}
	if (argc - optind > 1 || (argc - optind == 1 && (out || check)))
		usage();
	memset(&g, 0, sizeof(g));
	if (argc - optind == 1) {
		input = argv[optind];
		buf = slurp(input, &len);
	} else {
		t0 = now_s();
		generate(&g, size_mb * 1000000, seed);
		buf = g.buf;
		len = g.len;
		printf("generated %.1f MB, %zu lines, %zu reports in %zu lines "
		    "(%.2f%%), seed %" PRIu64 ", in %.2f s\n",
		    len / 1e6, g.lines, g.nexp, g.report_lines,
		    100.0 * g.report_lines / g.lines, seed, now_s() - t0);
		if (check)
			exp = g.exp;
	}
	if (out != NULL) {
		if ((f = fopen(out, "wb")) == NULL ||
		    fwrite(buf, 1, len, f) != len || fclose(f) != 0)
			die("%s: %s", out, strerror(errno));
	}

	rss_before = peak_rss_mb();
	for (i = 0; i < passes; i++) {
		t0 = now_s();
		run_pass(buf, len, &t, exp, g.nexp);
		secs[i] = now_s() - t0;
		printf("pass %zu: %.3f s, %.1f MB/s, %.2f M lines/s, %zu reports\n",
		    i + 1, secs[i], len / 1e6 / secs[i],
		    t.lines / 1e6 / secs[i], t.reports);
	}
	qsort(secs, passes, sizeof(secs[0]), cmp_double);
	med = secs[passes / 2];
	mb = len / 1e6;

	printf("%s: %.1f MB, %zu lines, median of %lu: %.3f s\n",
	    input ? input : "generated log", mb, t.lines, passes, med);
	printf("throughput: %.1f MB/s, %.2f M lines/s\n", mb / med,
	    t.lines / 1e6 / med);
	printf("reports: %zu (%zu corrupted)\n", t.reports, t.corrupted);
	print_classes(&t, input ? NULL : &g);
	printf("peak RSS: %.1f MB (%.1f MB before parsing, input %.1f MB)\n",
	    peak_rss_mb(), rss_before, mb);
	printf("result\tparse\tthroughput\t%.1f\tMB/s\n", mb / med);
	printf("result\tparse\tlines\t%.2f\tM lines/s\n", t.lines / 1e6 / med);
	printf("result\tparse\treports\t%zu\treports\n", t.reports);
	printf("result\tparse\tpeak_rss\t%.1f\tMB\n", peak_rss_mb());

	if (check && (t.mismatches > 0 || t.reports != g.nexp)) {
		printf("check: FAILED: %zu of %zu reports differ, %zu found\n",
		    t.mismatches, g.nexp, t.reports);
		free(buf);
		free(g.exp);
		return 1;
	}
	if (check)
		printf("check: all %zu generated reports found\n", g.nexp);
	free(buf);
	free(g.exp);
	return 0;
}
