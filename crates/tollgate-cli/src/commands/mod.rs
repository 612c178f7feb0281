//! One module per subcommand.

pub mod check;
pub mod db;
pub mod diff;
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
