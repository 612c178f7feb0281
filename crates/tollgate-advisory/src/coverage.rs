//! Whether the index can answer for the ecosystems being scanned: `db-no-coverage` when
//! it holds nothing for one, `db-stale` when the newest record of one is older than the
//! allowed age. Measured from the records' own `modified` times, not from when the index
//! was built: re-importing a year-old export does not make its data new.

use jiff::Timestamp;
use tollgate_model::{Ecosystem, FileError};

use crate::Index;

/// Warning code: the index holds no record for a scanned ecosystem.
pub const DB_NO_COVERAGE: &str = "db-no-coverage";
/// Warning code: a scanned ecosystem's newest record is older than the allowed age.
pub const DB_STALE: &str = "db-stale";

/// The coverage warnings for `ecosystems` (each once), at time `now`.
pub fn coverage_warnings(
    index: &Index,
    ecosystems: impl IntoIterator<Item = Ecosystem>,
    max_age_days: u32,
    now: Timestamp,
) -> Vec<FileError> {
    let mut seen = Vec::new();
    let mut warnings = Vec::new();
    let path = index.path().display().to_string();
    for ecosystem in ecosystems {
        if seen.contains(&ecosystem) {
            continue;
        }
        seen.push(ecosystem);
        let stats = index
            .header()
            .ecosystems
            .get(ecosystem.as_str())
            .filter(|stats| stats.records > 0);
        let Some(stats) = stats else {
            warnings.push(warning(
                &path,
                DB_NO_COVERAGE,
                format!(
                    "the advisory index holds no {ecosystem} records, so {ecosystem} packages \
                     were not checked against any advisory: run `tollgate db update --ecosystem \
                     {ecosystem}` or import its OSV export"
                ),
            ));
            continue;
        };
        let newest = stats
            .newest_modified
            .as_deref()
            .and_then(|m| m.parse::<Timestamp>().ok());
        let age = newest.map(|newest| (now.as_second() - newest.as_second()) / 86_400);
        match age {
            Some(age) if age <= i64::from(max_age_days) => {}
            Some(age) => warnings.push(warning(
                &path,
                DB_STALE,
                format!(
                    "the newest {ecosystem} advisory record was modified {age} days ago \
                     (limit {max_age_days} days, --max-db-age): advisories published since are \
                     missing; run `tollgate db update`"
                ),
            )),
            None => warnings.push(warning(
                &path,
                DB_STALE,
                format!(
                    "no {ecosystem} advisory record says when it was modified, so the data's \
                     age is unknown: run `tollgate db update`"
                ),
            )),
        }
    }
    warnings
}

fn warning(path: &str, code: &str, message: String) -> FileError {
    FileError {
        code: Some(code.to_owned()),
        path: path.to_owned(),
        line: None,
        column: None,
        message,
    }
}
