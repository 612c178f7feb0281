//! What the running kernel can enforce, learned at run time (never assumed from the
//! kernel version): the Landlock ABI, whether an unprivileged process may create a user
//! namespace (and so the mount, PID, IPC, UTS and network namespaces inside it), whether
//! seccomp filters are available, and whether `mount_setattr` (Linux 5.12) exists, which
//! the constructed file-system view needs to make its mounts read-only recursively.
#![allow(unsafe_code)]

use landlock::{ABI, LandlockStatus, RestrictSelf};

/// The protections the running kernel offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelSupport {
    /// The Landlock ABI version the kernel reports (0 when Landlock is missing or disabled).
    pub landlock_abi: i32,
    /// Whether this process can create a new user namespace (and so a network namespace).
    pub user_namespaces: bool,
    /// Whether seccomp filters can be installed (and this build has a filter for the CPU).
    pub seccomp: bool,
    /// Whether the kernel has `mount_setattr` (needed for the constructed view).
    pub mount_setattr: bool,
}

impl KernelSupport {
    /// Asks the kernel. Costs one `landlock_create_ruleset` version query and one short-lived
    /// child process that tries `unshare(CLONE_NEWUSER)`.
    pub fn probe() -> KernelSupport {
        KernelSupport {
            landlock_abi: landlock_abi(),
            user_namespaces: crate::launch::can_unshare_user(),
            seccomp: crate::seccomp::available(),
            mount_setattr: has_mount_setattr(),
        }
    }

    /// Whether the constructed file-system view can be built.
    pub fn mount_view(&self) -> bool {
        self.user_namespaces && self.mount_setattr
    }

    /// The Landlock ABI to build rules for: what the kernel has, capped at the newest ABI
    /// whose rights this crate was written and tested for (6: scopes).
    pub(crate) fn ruleset_abi(&self) -> ABI {
        match self.landlock_abi {
            i32::MIN..=0 => ABI::Unsupported,
            1 => ABI::V1,
            2 => ABI::V2,
            3 => ABI::V3,
            4 => ABI::V4,
            5 => ABI::V5,
            _ => ABI::V6,
        }
    }
}

/// The kernel's Landlock ABI version. A `RestrictSelf` with no flag and no `no_new_privs`
/// makes no restricting syscall; it only reports what the kernel supports.
fn landlock_abi() -> i32 {
    match RestrictSelf::default().no_new_privs(false).apply() {
        Ok(status) => match status.landlock {
            LandlockStatus::Available {
                effective_abi,
                kernel_abi,
            } => kernel_abi.unwrap_or(effective_abi as i32),
            LandlockStatus::NotEnabled | LandlockStatus::NotImplemented => 0,
        },
        Err(_) => 0,
    }
}

/// `mount_setattr` with an invalid descriptor fails with `EBADF` where it exists and with
/// `ENOSYS` where it does not; it changes nothing either way.
fn has_mount_setattr() -> bool {
    // SAFETY: an empty path, no attribute struct (size 0): the kernel reads no memory.
    let result = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            -1,
            c"".as_ptr(),
            0,
            std::ptr::null::<u8>(),
            0,
        )
    };
    result == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ENOSYS)
}
