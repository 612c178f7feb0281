//! How old the advisory index may be, and what `scan` and `diff` say when it is older or
//! covers none of the checked ecosystems: the `--max-db-age` flag, else the strictest
//! `[advisories] max-db-age` of the applying policies, else 7 days; a note when the index
//! itself is older, and the `db-stale` / `db-no-coverage` warnings of
//! `tollgate_advisory::coverage_warnings`. One place, so the two commands cannot drift.

use tollgate_advisory::Index;
use tollgate_model::{Ecosystem, FileError};
use tollgate_policy::Config;

use crate::commands::db::age_days;
use crate::commands::policies::PolicyGroup;

/// Days the advisory index may age before a warning, without a flag or policy value.
const DEFAULT_MAX_DB_AGE_DAYS: u32 = 7;

/// `[advisories] max-db-age` in whole days, else the default.
pub fn max_db_age_days(config: &Config) -> u32 {
    config
        .advisories
        .max_db_age
        .and_then(|age| u32::try_from(age.as_secs() / 86_400).ok())
        .unwrap_or(DEFAULT_MAX_DB_AGE_DAYS)
}

/// The limit: `flag`, else the strictest age any applying policy allows.
pub fn max_db_age(flag: Option<u32>, groups: &[PolicyGroup]) -> u32 {
    flag.unwrap_or_else(|| {
        groups
            .iter()
            .map(|group| max_db_age_days(&group.config))
            .min()
            .unwrap_or(DEFAULT_MAX_DB_AGE_DAYS)
    })
}

/// What the index's age and coverage give rise to.
#[derive(Debug, Default)]
pub struct Freshness {
    /// The index is older than the limit.
    pub note: Option<String>,
    /// `db-stale` and `db-no-coverage`, per checked ecosystem.
    pub warnings: Vec<FileError>,
}

/// The note and warnings for `index` over the checked `ecosystems`, at `max_db_age` days.
pub fn freshness(
    index: &Index,
    ecosystems: impl IntoIterator<Item = Ecosystem>,
    max_db_age: u32,
) -> Freshness {
    let note = age_days(&index.header().created)
        .filter(|age| *age > i64::from(max_db_age))
        .map(|age| {
            format!(
                "the advisory index is {age} days old (limit {max_db_age} days, --max-db-age): run `tollgate db update`"
            )
        });
    Freshness {
        note,
        warnings: tollgate_advisory::coverage_warnings(
            index,
            ecosystems,
            max_db_age,
            jiff::Timestamp::now(),
        ),
    }
}
