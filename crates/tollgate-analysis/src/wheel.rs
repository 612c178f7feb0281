//! Wheel compatibility: does a locked wheel fit the machine that will install it? When none
//! does, pip and uv fall back to the sdist and run its build backend, so "a wheel is locked"
//! is not enough to say "no code runs".
//!
//! The check reads the wheel file name (`{dist}-{version}(-{build})?-{python}-{abi}-{platform}.whl`,
//! PEP 427 / the platform compatibility tags spec) and compares the platform tags with the
//! target's operating system and architecture. The Python minor version is not known here, so
//! any CPython 3 / `py3` / `abi3` tag is accepted: the answer errs towards "a wheel fits", and
//! the evidence says which wheel was taken.

/// The platform a lockfile will be installed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WheelTarget {
    /// `linux`, `macos` or `windows` (Rust's `std::env::consts::OS` spelling).
    pub os: &'static str,
    /// `x86_64`, `aarch64`, `x86`, ... (Rust's `std::env::consts::ARCH` spelling).
    pub arch: &'static str,
}

impl WheelTarget {
    /// The machine tollgate runs on.
    pub fn host() -> Self {
        WheelTarget {
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
        }
    }

    /// `linux x86_64`, for evidence.
    pub fn describe(&self) -> String {
        format!("{} {}", self.os, self.arch)
    }

    /// Whether the wheel named `filename` can be installed on this target.
    pub fn fits(&self, filename: &str) -> bool {
        let Some(stem) = filename.strip_suffix(".whl") else {
            return false;
        };
        let parts: Vec<&str> = stem.split('-').collect();
        // name-version-python-abi-platform, with an optional build tag before python.
        let [.., python, _abi, platform] = parts.as_slice() else {
            return false;
        };
        if parts.len() < 5 {
            return false;
        }
        python.split('.').any(python_fits) && platform.split('.').any(|tag| self.platform_fits(tag))
    }

    fn platform_fits(&self, tag: &str) -> bool {
        if tag == "any" {
            return true;
        }
        let arch = match self.arch {
            "x86" => "i686",
            other => other,
        };
        match self.os {
            "linux" => {
                (tag.starts_with("manylinux")
                    || tag.starts_with("musllinux")
                    || tag.starts_with("linux_"))
                    && tag.ends_with(arch)
            }
            "macos" => {
                let mac_arch = if arch == "aarch64" { "arm64" } else { arch };
                tag.starts_with("macosx_")
                    && (tag.ends_with(mac_arch)
                        || tag.ends_with("universal2")
                        || tag.ends_with("universal"))
            }
            "windows" => match arch {
                "x86_64" => tag == "win_amd64",
                "aarch64" => tag == "win_arm64",
                "i686" => tag == "win32",
                _ => false,
            },
            _ => false,
        }
    }
}

/// Python 3 implementations tollgate assumes: `py3`, `py2.py3`, `cp3X`, `abi3` builds are
/// tagged `cp3X` too. PyPy (`pp3X`) wheels fit PyPy only and are not counted.
fn python_fits(tag: &str) -> bool {
    tag == "py3" || tag.starts_with("py3") || tag.starts_with("cp3")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINUX_X86: WheelTarget = WheelTarget {
        os: "linux",
        arch: "x86_64",
    };
    const MAC_ARM: WheelTarget = WheelTarget {
        os: "macos",
        arch: "aarch64",
    };
    const WINDOWS: WheelTarget = WheelTarget {
        os: "windows",
        arch: "x86_64",
    };

    #[test]
    fn pure_python_wheels_fit_everywhere() {
        for target in [LINUX_X86, MAC_ARM, WINDOWS] {
            assert!(target.fits("six-1.16.0-py2.py3-none-any.whl"));
            assert!(target.fits("requests-2.32.3-py3-none-any.whl"));
        }
        assert!(!LINUX_X86.fits("oldlib-1.0-py2-none-any.whl"));
    }

    #[test]
    fn platform_wheels_fit_their_platform_only() {
        let numpy = "numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
        assert!(LINUX_X86.fits(numpy));
        assert!(!MAC_ARM.fits(numpy));
        assert!(!WINDOWS.fits(numpy));
        assert!(MAC_ARM.fits("pyyaml-6.0.2-cp312-cp312-macosx_11_0_arm64.whl"));
        assert!(MAC_ARM.fits("cffi-1.17.1-cp311-cp311-macosx_10_9_universal2.whl"));
        assert!(WINDOWS.fits("pyyaml-6.0.2-cp312-cp312-win_amd64.whl"));
        assert!(!WINDOWS.fits("pyyaml-6.0.2-cp312-cp312-win32.whl"));
        assert!(LINUX_X86.fits("cryptography-43.0.0-cp39-abi3-musllinux_1_2_x86_64.whl"));
        assert!(!LINUX_X86.fits("cryptography-43.0.0-cp39-abi3-manylinux_2_28_aarch64.whl"));
    }

    #[test]
    fn build_tags_pypy_and_garbage() {
        assert!(LINUX_X86.fits("pkg-1.0-1-py3-none-any.whl"));
        assert!(!LINUX_X86.fits("pkg-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl"));
        assert!(!LINUX_X86.fits("pkg-1.0.tar.gz"));
        assert!(!LINUX_X86.fits("not-a-wheel.whl"));
        assert!(!LINUX_X86.fits(".whl"));
    }
}
