//! One module per subcommand.

pub mod db;
pub mod install;
pub mod inventory;
pub mod run;
pub mod scan;
