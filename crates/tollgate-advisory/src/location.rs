//! Where the advisory database lives: `--db DIR`, else `TOLLGATE_DB`, else the platform's
//! cache directory (`$XDG_CACHE_HOME/tollgate/db` or `~/.cache/tollgate/db` on Linux,
//! `~/Library/Caches/tollgate/db` on macOS, `%LOCALAPPDATA%\tollgate\db` on Windows).

use std::path::PathBuf;

use crate::Error;

/// The environment variable that names the database directory.
pub const DB_ENV: &str = "TOLLGATE_DB";

/// Resolves the database directory from an explicit choice, the environment, or the
/// platform cache directory.
pub fn resolve_db_dir(explicit: Option<PathBuf>) -> Result<PathBuf, Error> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os(DB_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    platform_cache_dir()
        .map(|cache| cache.join("tollgate").join("db"))
        .ok_or(Error::NoLocation)
}

fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

#[cfg(target_os = "windows")]
fn platform_cache_dir() -> Option<PathBuf> {
    env_dir("LOCALAPPDATA")
}

#[cfg(target_os = "macos")]
fn platform_cache_dir() -> Option<PathBuf> {
    env_dir("HOME").map(|home| home.join("Library").join("Caches"))
}

#[cfg(not(any(target_os = "windows", target_os = "macos")))]
fn platform_cache_dir() -> Option<PathBuf> {
    env_dir("XDG_CACHE_HOME").or_else(|| env_dir("HOME").map(|home| home.join(".cache")))
}
