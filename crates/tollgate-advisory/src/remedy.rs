//! The command that moves a vulnerable package to its nearest fixed version, in the
//! words of the package manager that wrote the lockfile. A transitive npm-family package
//! is moved through its parent (the direct dependency that pulls it in), since installing
//! the child at top level would leave the parent's copy in place.

use tollgate_model::{LockfileFormat, Package};

/// The fix for `package` locked in a `format` file, when a `fixed` version exists.
/// `parent` is the direct dependency that pulls the package in when it is transitive.
pub fn fix_command(
    format: LockfileFormat,
    package: &Package,
    fixed: &str,
    parent: Option<&str>,
) -> String {
    let name = package.alias.as_deref().unwrap_or(&package.name);
    match format {
        LockfileFormat::CargoLock => format!("cargo update -p {name} --precise {fixed}"),
        LockfileFormat::PackageLock | LockfileFormat::NpmShrinkwrap => match parent {
            Some(parent) => format!(
                "npm install {parent}@latest (or `npm update {name}`: {name} {} is pulled in by {parent}; {fixed} fixes it)",
                package.version
            ),
            None => format!("npm install {name}@{fixed}"),
        },
        LockfileFormat::YarnClassic => match parent {
            Some(_) => format!("yarn upgrade {name}@{fixed} (or add a resolutions entry)"),
            None => format!("yarn upgrade {name}@{fixed}"),
        },
        LockfileFormat::YarnBerry => match parent {
            Some(_) => format!("yarn up -R {name}"),
            None => format!("yarn up {name}@{fixed}"),
        },
        LockfileFormat::PnpmLock => match parent {
            Some(_) => format!("pnpm update --depth Infinity {name}"),
            None => format!("pnpm update {name}@{fixed}"),
        },
        LockfileFormat::BunLock => format!("bun update {name}@{fixed}"),
        LockfileFormat::UvLock => format!("uv lock --upgrade-package {name}"),
        LockfileFormat::PoetryLock => format!("poetry update {name}"),
        LockfileFormat::PdmLock => format!("pdm update {name}"),
        LockfileFormat::PipfileLock => format!("pipenv update {name}"),
        LockfileFormat::Pylock => format!("re-lock with {name}>={fixed}"),
        LockfileFormat::Requirements => {
            format!("change the requirement to {name}=={fixed}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_model::Ecosystem;

    #[test]
    fn transitive_npm_packages_are_moved_through_their_parent() {
        let package = Package::new(Ecosystem::Npm, "qs", "6.5.0");
        let fix = fix_command(
            LockfileFormat::PackageLock,
            &package,
            "6.5.3",
            Some("express"),
        );
        assert!(fix.starts_with("npm install express@latest"), "{fix}");
        let fix = fix_command(LockfileFormat::PackageLock, &package, "6.5.3", None);
        assert_eq!(fix, "npm install qs@6.5.3");
        let crate_ = Package::new(Ecosystem::CratesIo, "time", "0.1.45");
        assert_eq!(
            fix_command(LockfileFormat::CargoLock, &crate_, "0.2.23", Some("chrono")),
            "cargo update -p time --precise 0.2.23"
        );
    }
}
