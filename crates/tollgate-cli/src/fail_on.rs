//! `--fail-on` of `scan`, `diff` and `policy`: a severity, or the name of an install-time
//! code verdict (`suspicious`, `malicious`) meaning the severity that verdict's
//! `install-code` finding carries (`tollgate_analysis::verdict_severity`), so that a
//! threshold can be written in the terms `inspect --fail-on` and `--deep` reports use.

use tollgate_analysis::{VerdictLevel, verdict_severity};
use tollgate_model::Severity;

/// Parses a `--fail-on` value (clap's `value_parser`).
pub fn parse(text: &str) -> Result<Severity, String> {
    if let Ok(severity) = text.parse::<Severity>() {
        return Ok(severity);
    }
    match text.to_ascii_lowercase().as_str() {
        // `clean` would mean info, a threshold nobody means by a verdict name.
        name @ ("suspicious" | "malicious") => name.parse::<VerdictLevel>().map(verdict_severity),
        _ => Err(format!(
            "`{text}` is neither a severity (info, low, medium, high, critical) nor a verdict \
             (suspicious, malicious)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_names_take_the_severity_of_their_findings() {
        assert_eq!(
            parse("suspicious"),
            Ok(verdict_severity(VerdictLevel::Suspicious))
        );
        assert_eq!(
            parse("Malicious"),
            Ok(verdict_severity(VerdictLevel::Malicious))
        );
        assert_eq!(parse("medium"), Ok(Severity::Medium));
        assert!(parse("clean").is_err());
        assert!(parse("bad").unwrap_err().contains("suspicious"));
    }
}
