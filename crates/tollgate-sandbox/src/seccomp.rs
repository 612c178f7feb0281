//! The third layer: a seccomp filter for what neither Landlock nor the namespaces govern.
//! Written by hand as a classic BPF program (no libseccomp, no build script), built in the
//! parent and installed by the child as the very last step before `exec`.
//!
//! Every refusal returns `EPERM` so that tools fail with an error they can report, never a
//! kill; the only kill is for a system call made through a foreign ABI (a 32-bit or x32 call
//! on x86_64), because there every number means something else and failing each call would
//! not even let the program exit.
//!
//! What is refused:
//! - sockets other than TCP/UDP over IPv4/IPv6, unix sockets and `NETLINK_ROUTE` (so no
//!   `IPPROTO_MPTCP`, which the Landlock TCP port rules do not cover, no raw or packet
//!   sockets, no `AF_VSOCK`, `AF_ALG`, `AF_BLUETOOTH`, other netlink families, ...),
//! - the kernel keyring (`keyctl`, `add_key`, `request_key`),
//! - `ptrace`, `process_vm_readv`/`writev`, `perf_event_open`, `bpf`, `userfaultfd`,
//!   `io_uring_*` (whose operations bypass this filter),
//! - mounting and namespaces: `mount`, `umount2`, `pivot_root`, `chroot`, the new mount API,
//!   `setns`, `unshare` and `clone` with any namespace flag (so no new user namespace, where
//!   the process would regain capabilities); `clone3` gets `ENOSYS`, because its flags live
//!   in memory the filter cannot read, and the C libraries then fall back to `clone`,
//! - extended attribute writes (`setxattr`, `removexattr` and their variants): this is how
//!   `setcap` writes file capabilities, and Landlock does not govern them,
//! - setuid/setgid bits: `chmod`/`fchmod`/`fchmodat`/`fchmodat2` and file creation
//!   (`open`/`openat`/`creat`/`mknod`/`mknodat`) with `S_ISUID` or `S_ISGID` in the mode,
//! - `TIOCSTI` and `TIOCLINUX` (terminal input injection), kernel modules, `kexec`,
//!   `reboot`, swap, `acct`, `quotactl`, file handles (`open_by_handle_at`), `syslog`.
#![allow(unsafe_code)]

use std::io;

// Classic BPF opcodes (linux/bpf_common.h).
// BPF_LD | BPF_W | BPF_ABS
const BPF_LD_W_ABS: u16 = 0x20;
// BPF_JMP | BPF_JEQ | BPF_K
const BPF_JMP_JEQ_K: u16 = 0x15;
// BPF_JMP | BPF_JSET | BPF_K
const BPF_JMP_JSET_K: u16 = 0x45;
// BPF_ALU | BPF_AND | BPF_K
const BPF_ALU_AND_K: u16 = 0x54;
// BPF_RET | BPF_K
const BPF_RET_K: u16 = 0x06;
/// `fchmodat2` (Linux 6.6), same number on x86_64 and aarch64.
const SYS_FCHMODAT2: libc::c_long = 452;

/// `struct seccomp_data` offsets: `nr` (u32), `arch` (u32), `instruction_pointer` (u64),
/// `args[6]` (u64 each; the low half comes first on the little-endian targets we support).
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const fn offset_arg(index: u32) -> u32 {
    16 + 8 * index
}

const RET_ALLOW: u32 = 0x7fff_0000;
const RET_KILL_PROCESS: u32 = libc::SECCOMP_RET_KILL_PROCESS;
const RET_EPERM: u32 = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;
const RET_ENOSYS: u32 = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7;
/// No filter for other CPUs ([`SUPPORTED`] is false, so it is never installed there).
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const AUDIT_ARCH: u32 = 0;

/// x32 system calls on x86_64 carry this bit; they are a foreign ABI for the filter.
#[cfg(target_arch = "x86_64")]
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// Every namespace flag of `clone`/`unshare`.
const NAMESPACE_FLAGS: u32 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWCGROUP
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | 0x80) as u32; // CLONE_NEWTIME

const SETUID_BITS: u32 = libc::S_ISUID | libc::S_ISGID;
/// `O_CREAT` and the `__O_TMPFILE` bit: the flags with which `open` uses its mode.
const CREATING_OPEN: u32 = (libc::O_CREAT | 0o20_000_000) as u32;

/// Whether a filter exists for this build's architecture.
pub(crate) const SUPPORTED: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

fn syscall_number(nr: libc::c_long) -> u32 {
    // System call numbers are small non-negative constants.
    nr as u32
}

/// System calls refused whatever their arguments.
fn denied() -> Vec<libc::c_long> {
    let mut list = vec![
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_perf_event_open,
        libc::SYS_bpf,
        libc::SYS_userfaultfd,
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_move_mount,
        libc::SYS_open_tree,
        libc::SYS_fsopen,
        libc::SYS_fsconfig,
        libc::SYS_fsmount,
        libc::SYS_fspick,
        libc::SYS_mount_setattr,
        libc::SYS_setns,
        libc::SYS_setxattr,
        libc::SYS_lsetxattr,
        libc::SYS_fsetxattr,
        libc::SYS_removexattr,
        libc::SYS_lremovexattr,
        libc::SYS_fremovexattr,
        // setxattrat and removexattrat (Linux 6.13), same number on x86_64 and aarch64.
        463,
        466,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_kexec_load,
        libc::SYS_kexec_file_load,
        libc::SYS_reboot,
        libc::SYS_swapon,
        libc::SYS_swapoff,
        libc::SYS_acct,
        libc::SYS_quotactl,
        libc::SYS_name_to_handle_at,
        libc::SYS_open_by_handle_at,
        libc::SYS_syslog,
    ];
    list.sort_unstable();
    list.dedup();
    list
}

fn statement(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// Builds the program. Layout: check the ABI, load the number, then for each rule a
/// self-contained block that either returns or falls through to the next rule with the
/// number reloaded.
struct Builder {
    program: Vec<libc::sock_filter>,
}

impl Builder {
    fn load(&mut self, offset: u32) {
        self.program.push(statement(BPF_LD_W_ABS, offset));
    }

    /// `if nr == number { return ret }`.
    fn deny(&mut self, number: libc::c_long, ret: u32) {
        self.program
            .push(jump(BPF_JMP_JEQ_K, syscall_number(number), 0, 1));
        self.program.push(statement(BPF_RET_K, ret));
    }

    /// `if nr == number { block }`, where `block` ends by reloading the number so that the
    /// next rule can follow.
    fn when(&mut self, number: libc::c_long, block: Vec<libc::sock_filter>) {
        // The block plus the reload; blocks are a handful of instructions.
        let skip = u8::try_from(block.len() + 1).unwrap_or(u8::MAX);
        self.program
            .push(jump(BPF_JMP_JEQ_K, syscall_number(number), 0, skip));
        self.program.extend(block);
        self.load(OFFSET_NR);
    }
}

/// `if arg & bits { return EPERM }` for one argument.
fn deny_bits(arg: u32, bits: u32) -> Vec<libc::sock_filter> {
    vec![
        statement(BPF_LD_W_ABS, offset_arg(arg)),
        jump(BPF_JMP_JSET_K, bits, 0, 1),
        statement(BPF_RET_K, RET_EPERM),
    ]
}

/// For `open`-like calls: if the flags create a file and the mode has setuid/setgid bits.
fn deny_setuid_creation(flags_arg: u32, mode_arg: u32) -> Vec<libc::sock_filter> {
    vec![
        statement(BPF_LD_W_ABS, offset_arg(flags_arg)),
        jump(BPF_JMP_JSET_K, CREATING_OPEN, 0, 3),
        statement(BPF_LD_W_ABS, offset_arg(mode_arg)),
        jump(BPF_JMP_JSET_K, SETUID_BITS, 0, 1),
        statement(BPF_RET_K, RET_EPERM),
    ]
}

/// `socket(domain, type, protocol)`: unix, NETLINK_ROUTE, and TCP/UDP over IPv4/IPv6.
fn socket_rule() -> Vec<libc::sock_filter> {
    let domain = offset_arg(0);
    let kind = offset_arg(1);
    let protocol = offset_arg(2);
    let type_mask = !((libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC) as u32);
    vec![
        // 0
        statement(BPF_LD_W_ABS, domain),
        jump(BPF_JMP_JEQ_K, libc::AF_UNIX as u32, 0, 1),
        statement(BPF_RET_K, RET_ALLOW),
        jump(BPF_JMP_JEQ_K, libc::AF_NETLINK as u32, 0, 4),
        // 4: netlink
        statement(BPF_LD_W_ABS, protocol),
        jump(BPF_JMP_JEQ_K, libc::NETLINK_ROUTE as u32, 0, 1),
        statement(BPF_RET_K, RET_ALLOW),
        statement(BPF_RET_K, RET_EPERM),
        // 8
        jump(BPF_JMP_JEQ_K, libc::AF_INET as u32, 2, 0),
        jump(BPF_JMP_JEQ_K, libc::AF_INET6 as u32, 1, 0),
        statement(BPF_RET_K, RET_EPERM),
        // 11: IPv4/IPv6, look at the type without its flags
        statement(BPF_LD_W_ABS, kind),
        statement(BPF_ALU_AND_K, type_mask),
        jump(BPF_JMP_JEQ_K, libc::SOCK_STREAM as u32, 0, 5),
        // 14: stream: protocol 0 or TCP
        statement(BPF_LD_W_ABS, protocol),
        jump(BPF_JMP_JEQ_K, 0, 2, 0),
        jump(BPF_JMP_JEQ_K, libc::IPPROTO_TCP as u32, 1, 0),
        statement(BPF_RET_K, RET_EPERM),
        statement(BPF_RET_K, RET_ALLOW),
        // 19
        jump(BPF_JMP_JEQ_K, libc::SOCK_DGRAM as u32, 0, 5),
        // 20: datagram: protocol 0 or UDP
        statement(BPF_LD_W_ABS, protocol),
        jump(BPF_JMP_JEQ_K, 0, 2, 0),
        jump(BPF_JMP_JEQ_K, libc::IPPROTO_UDP as u32, 1, 0),
        statement(BPF_RET_K, RET_EPERM),
        statement(BPF_RET_K, RET_ALLOW),
        // 25: raw, packet, SCTP, ...
        statement(BPF_RET_K, RET_EPERM),
    ]
}

/// The whole filter program.
pub(crate) fn program() -> Vec<libc::sock_filter> {
    let mut builder = Builder {
        program: Vec::with_capacity(160),
    };
    builder.load(OFFSET_ARCH);
    builder.program.push(jump(BPF_JMP_JEQ_K, AUDIT_ARCH, 1, 0));
    builder.program.push(statement(BPF_RET_K, RET_KILL_PROCESS));
    builder.load(OFFSET_NR);
    #[cfg(target_arch = "x86_64")]
    {
        builder
            .program
            .push(jump(BPF_JMP_JSET_K, X32_SYSCALL_BIT, 0, 1));
        builder.program.push(statement(BPF_RET_K, RET_KILL_PROCESS));
    }
    for number in denied() {
        builder.deny(number, RET_EPERM);
    }
    builder.deny(libc::SYS_clone3, RET_ENOSYS);
    builder.when(libc::SYS_socket, socket_rule());
    builder.when(
        libc::SYS_socketpair,
        vec![
            statement(BPF_LD_W_ABS, offset_arg(0)),
            jump(BPF_JMP_JEQ_K, libc::AF_UNIX as u32, 1, 0),
            statement(BPF_RET_K, RET_EPERM),
        ],
    );
    builder.when(libc::SYS_unshare, deny_bits(0, NAMESPACE_FLAGS));
    builder.when(libc::SYS_clone, deny_bits(0, NAMESPACE_FLAGS));
    builder.when(
        libc::SYS_ioctl,
        vec![
            statement(BPF_LD_W_ABS, offset_arg(1)),
            jump(BPF_JMP_JEQ_K, libc::TIOCSTI as u32, 1, 0),
            jump(BPF_JMP_JEQ_K, libc::TIOCLINUX as u32, 0, 1),
            statement(BPF_RET_K, RET_EPERM),
        ],
    );
    builder.when(libc::SYS_fchmod, deny_bits(1, SETUID_BITS));
    builder.when(libc::SYS_fchmodat, deny_bits(2, SETUID_BITS));
    builder.when(SYS_FCHMODAT2, deny_bits(2, SETUID_BITS));
    builder.when(libc::SYS_openat, deny_setuid_creation(2, 3));
    builder.when(libc::SYS_mknodat, deny_bits(2, SETUID_BITS));
    // openat2 takes its flags and mode in a struct the filter cannot read; C libraries use
    // openat for open(), so ENOSYS only affects programs that probe for openat2.
    builder.deny(libc::SYS_openat2, RET_ENOSYS);
    #[cfg(target_arch = "x86_64")]
    {
        builder.when(libc::SYS_chmod, deny_bits(1, SETUID_BITS));
        builder.when(libc::SYS_creat, deny_bits(1, SETUID_BITS));
        builder.when(libc::SYS_mknod, deny_bits(1, SETUID_BITS));
        builder.when(libc::SYS_open, deny_setuid_creation(1, 2));
    }
    builder.program.push(statement(BPF_RET_K, RET_ALLOW));
    builder.program
}

/// Installs `program` on the calling thread. `no_new_privs` must already be set (Landlock's
/// `restrict_self` sets it). Called in the forked child: no allocation.
pub(crate) fn install(program: &[libc::sock_filter]) -> io::Result<()> {
    let fprog = libc::sock_fprog {
        len: u16::try_from(program.len()).map_err(|_| io::Error::from_raw_os_error(libc::E2BIG))?,
        filter: program.as_ptr().cast_mut(),
    };
    // SAFETY: `fprog` points at `program`, which outlives the call; the kernel copies it.
    let result = unsafe {
        libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER,
            &fprog as *const libc::sock_fprog,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Installs `program` on the calling thread with a listener (`SECCOMP_FILTER_FLAG_NEW_LISTENER`)
/// and returns the listener's descriptor ([`crate::notify`]). As [`install`] otherwise.
pub(crate) fn install_with_listener(program: &[libc::sock_filter]) -> io::Result<libc::c_int> {
    let fprog = libc::sock_fprog {
        len: u16::try_from(program.len()).map_err(|_| io::Error::from_raw_os_error(libc::E2BIG))?,
        filter: program.as_ptr().cast_mut(),
    };
    // SAFETY: `fprog` points at `program`, which outlives the call; the kernel copies it.
    let listener = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
            &fprog as *const libc::sock_fprog,
        )
    };
    if listener < 0 {
        return Err(io::Error::last_os_error());
    }
    libc::c_int::try_from(listener).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))
}

/// `program` with every `EPERM` answer replaced by `SECCOMP_RET_USER_NOTIF`, for
/// [`install_with_listener`]: tollgate's listener answers those calls with `EPERM` and
/// records them. The kill and `ENOSYS` answers stay (`ENOSYS` is a fallback, not a refusal).
pub(crate) fn notifying(program: &[libc::sock_filter]) -> Vec<libc::sock_filter> {
    program
        .iter()
        .map(|&instruction| {
            if instruction.code == BPF_RET_K && instruction.k == RET_EPERM {
                statement(BPF_RET_K, libc::SECCOMP_RET_USER_NOTIF)
            } else {
                instruction
            }
        })
        .collect()
}

/// Names of the system calls the filter may refuse with `EPERM`, for reports.
pub(crate) const NAMES: &[(libc::c_long, &str)] = &[
    (libc::SYS_keyctl, "keyctl"),
    (libc::SYS_add_key, "add_key"),
    (libc::SYS_request_key, "request_key"),
    (libc::SYS_ptrace, "ptrace"),
    (libc::SYS_process_vm_readv, "process_vm_readv"),
    (libc::SYS_process_vm_writev, "process_vm_writev"),
    (libc::SYS_perf_event_open, "perf_event_open"),
    (libc::SYS_bpf, "bpf"),
    (libc::SYS_userfaultfd, "userfaultfd"),
    (libc::SYS_io_uring_setup, "io_uring_setup"),
    (libc::SYS_io_uring_enter, "io_uring_enter"),
    (libc::SYS_io_uring_register, "io_uring_register"),
    (libc::SYS_mount, "mount"),
    (libc::SYS_umount2, "umount2"),
    (libc::SYS_pivot_root, "pivot_root"),
    (libc::SYS_chroot, "chroot"),
    (libc::SYS_move_mount, "move_mount"),
    (libc::SYS_open_tree, "open_tree"),
    (libc::SYS_fsopen, "fsopen"),
    (libc::SYS_fsconfig, "fsconfig"),
    (libc::SYS_fsmount, "fsmount"),
    (libc::SYS_fspick, "fspick"),
    (libc::SYS_mount_setattr, "mount_setattr"),
    (libc::SYS_setns, "setns"),
    (libc::SYS_setxattr, "setxattr"),
    (libc::SYS_lsetxattr, "lsetxattr"),
    (libc::SYS_fsetxattr, "fsetxattr"),
    (libc::SYS_removexattr, "removexattr"),
    (libc::SYS_lremovexattr, "lremovexattr"),
    (libc::SYS_fremovexattr, "fremovexattr"),
    (463, "setxattrat"),
    (466, "removexattrat"),
    (libc::SYS_init_module, "init_module"),
    (libc::SYS_finit_module, "finit_module"),
    (libc::SYS_delete_module, "delete_module"),
    (libc::SYS_kexec_load, "kexec_load"),
    (libc::SYS_kexec_file_load, "kexec_file_load"),
    (libc::SYS_reboot, "reboot"),
    (libc::SYS_swapon, "swapon"),
    (libc::SYS_swapoff, "swapoff"),
    (libc::SYS_acct, "acct"),
    (libc::SYS_quotactl, "quotactl"),
    (libc::SYS_name_to_handle_at, "name_to_handle_at"),
    (libc::SYS_open_by_handle_at, "open_by_handle_at"),
    (libc::SYS_syslog, "syslog"),
    (libc::SYS_socket, "socket"),
    (libc::SYS_socketpair, "socketpair"),
    (libc::SYS_unshare, "unshare"),
    (libc::SYS_clone, "clone"),
    (libc::SYS_ioctl, "ioctl"),
    (libc::SYS_fchmod, "fchmod"),
    (libc::SYS_fchmodat, "fchmodat"),
    (SYS_FCHMODAT2, "fchmodat2"),
    (libc::SYS_openat, "openat"),
    (libc::SYS_mknodat, "mknodat"),
    #[cfg(target_arch = "x86_64")]
    (libc::SYS_chmod, "chmod"),
    #[cfg(target_arch = "x86_64")]
    (libc::SYS_creat, "creat"),
    #[cfg(target_arch = "x86_64")]
    (libc::SYS_mknod, "mknod"),
    #[cfg(target_arch = "x86_64")]
    (libc::SYS_open, "open"),
];

/// Whether the kernel accepts seccomp filters (`PR_GET_SECCOMP` fails with `EINVAL` on a
/// kernel built without it).
pub(crate) fn available() -> bool {
    // SAFETY: prctl with integer arguments only.
    SUPPORTED && unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) } >= 0
}

/// One line per refused group, for `--explain`.
pub(crate) fn describe() -> &'static [&'static str] {
    &[
        "socket(): only unix, NETLINK_ROUTE and TCP/UDP over IPv4/IPv6 (no MPTCP, raw, packet, vsock, ...)",
        "keyctl, add_key, request_key (kernel keyring)",
        "ptrace, process_vm_readv/writev, perf_event_open, bpf, userfaultfd, io_uring_*",
        "mount, umount, pivot_root, chroot, the new mount API, setns; unshare/clone with namespace flags (clone3: ENOSYS)",
        "setxattr/removexattr family (file capabilities, user.* attributes)",
        "chmod/open/mknod with setuid or setgid bits",
        "TIOCSTI/TIOCLINUX ioctls, kernel modules, kexec, reboot, swap, acct, quotactl, file handles, syslog",
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notifying_program_only_changes_the_eperm_answers() {
        let plain = program();
        let notifying = notifying(&plain);
        assert_eq!(plain.len(), notifying.len());
        let changed = plain
            .iter()
            .zip(&notifying)
            .filter(|(a, b)| (a.code, a.k) != (b.code, b.k))
            .count();
        let eperm = plain
            .iter()
            .filter(|i| i.code == BPF_RET_K && i.k == RET_EPERM)
            .count();
        assert!(eperm > 10);
        assert_eq!(changed, eperm);
        assert!(
            notifying
                .iter()
                .all(|i| !(i.code == BPF_RET_K && i.k == RET_EPERM))
        );
    }

    #[test]
    fn every_refused_call_has_a_name() {
        for number in denied() {
            assert!(NAMES.iter().any(|(nr, _)| *nr == number), "{number}");
        }
    }

    #[test]
    fn program_fits_the_kernel_limit_and_ends_by_allowing() {
        let program = program();
        assert!(program.len() < 4096, "{}", program.len());
        let last = program.last().expect("not empty");
        assert_eq!((last.code, last.k), (BPF_RET_K, RET_ALLOW));
    }

    #[test]
    fn every_jump_stays_inside_the_program() {
        let program = program();
        for (index, instruction) in program.iter().enumerate() {
            if instruction.code & 0x07 == 0x05 {
                let far = index + 1 + usize::from(instruction.jt.max(instruction.jf));
                assert!(far < program.len(), "jump at {index} leaves the program");
            }
        }
    }
}
