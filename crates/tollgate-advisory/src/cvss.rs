//! CVSS base scores for CVSS v3.0, v3.1 and v4.0 vectors.
//!
//! The arithmetic is RustSec's `cvss` crate (the one cargo-audit uses): the v3.1
//! specification's formulas and `Roundup`, and the v4.0 macro-vector table with its
//! interpolation step. This module only narrows it to what tollgate needs: a vector in,
//! a base score out, and an error that quotes the vector.

use std::str::FromStr;

/// A CVSS vector that could not be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CVSS vector `{vector}`: {reason}")]
pub struct CvssError {
    /// The vector as given.
    pub vector: String,
    /// What was wrong.
    pub reason: String,
}

/// The base metrics of CVSS v3.x, all of which a vector must give.
const V3_BASE_METRICS: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];

/// The base score (0.0 to 10.0) of a CVSS v3.0, v3.1 or v4.0 vector
/// (`CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H` is 9.8).
///
/// A v3 vector may carry temporal and environmental metrics, which do not change the
/// base score; they are dropped before scoring because the `cvss` crate refuses them. A
/// v3 vector missing a base metric is refused (the crate would score it as if `N`).
pub fn base_score(vector: &str) -> Result<f64, CvssError> {
    let error = |reason: String| CvssError {
        vector: vector.to_owned(),
        reason,
    };
    let vector = vector.trim();
    let scored = if vector.starts_with("CVSS:3.") {
        v3_base_vector(vector).map_err(error)?
    } else {
        vector.to_owned()
    };
    ::cvss::Cvss::from_str(&scored)
        .map(|parsed| parsed.score())
        .map_err(|cause| error(cause.to_string()))
}

/// `vector` with only its prefix and v3 base metrics, or which base metric is missing.
fn v3_base_vector(vector: &str) -> Result<String, String> {
    let mut components = vector.split('/');
    let mut base = components.next().unwrap_or_default().to_owned();
    let metrics: Vec<&str> = components.collect();
    for name in V3_BASE_METRICS {
        let component = metrics
            .iter()
            .find(|component| component.split(':').next() == Some(name))
            .ok_or_else(|| format!("the base metric {name} is missing"))?;
        base.push('/');
        base.push_str(component);
    }
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_scores() {
        // Scores as computed by FIRST's CVSS v3.1 and v4.0 calculators.
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            ("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
            // Temporal metrics do not change the base score.
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C",
                9.8,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N",
                8.7,
            ),
            (
                "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                8.5,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
                2.3,
            ),
        ];
        for (vector, expected) in cases {
            assert_eq!(base_score(vector).unwrap(), expected, "{vector}");
        }
    }

    #[test]
    fn refuses_bad_vectors() {
        for bad in [
            "CVSS:2.0/AV:N",
            "AV:N/AC:L",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
        ] {
            let error = base_score(bad).unwrap_err();
            assert_eq!(error.vector, bad);
        }
    }
}
