//! Rendering: the last stage of the data flow. Turns an inventory or a list of findings
//! into text for people (tables, Markdown) or for machines (JSON, SARIF).
//!
//! Renderers write to any `io::Write` and never decide exit codes; the CLI does.

pub mod findings;
pub mod install;
pub mod inventory;
pub mod markdown;
pub mod sarif;
mod table;
