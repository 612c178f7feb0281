//! One module per subcommand, plus the pieces two of them share (`policies`, `db_age`).

pub mod check;
pub mod db;
pub mod db_age;
pub mod diff;
pub mod diff_policy;
pub mod hook;
pub mod init;
pub mod inspect;
pub mod install;
pub mod install_code;
pub mod inventory;
pub mod mcp;
pub mod policies;
pub mod policy;
pub mod run;
pub mod scan;
pub mod shim;
pub mod trust;
pub mod venv_guard;
