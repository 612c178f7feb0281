//! CVSS base scores: a CVSS v3.0/v3.1 calculator, and the rating of CVSS v4 vectors.
//!
//! v3: the base-score formulas of the CVSS v3.1 specification, section 7.1, with its
//! `Roundup` (section Appendix A). v3.0 vectors use the same formulas (the 3.1 changes to
//! the base metrics are only the rounding function, which 3.1 made exact).
//!
//! v4: the v4 base score is defined by a lookup table over "macro vectors" plus an
//! interpolation step; it is not implemented here. A v4-only advisory takes the
//! database's own severity when it gives one (see `osv.rs`).

/// A CVSS vector that could not be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CVSS v3 vector `{vector}`: {reason}")]
pub struct CvssError {
    /// The vector as given.
    pub vector: String,
    /// What was wrong.
    pub reason: String,
}

/// The base score (0.0 to 10.0) of a CVSS v3.0 or v3.1 vector
/// (`CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H` is 9.8).
pub fn v3_base_score(vector: &str) -> Result<f64, CvssError> {
    let error = |reason: String| CvssError {
        vector: vector.to_owned(),
        reason,
    };
    let mut parts = vector.trim().split('/');
    match parts.next() {
        Some("CVSS:3.0" | "CVSS:3.1") => {}
        other => return Err(error(format!("expected a CVSS:3.x prefix, got {other:?}"))),
    }
    let mut metrics: [Option<&str>; 8] = [None; 8];
    const NAMES: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
    for part in parts {
        let Some((name, value)) = part.split_once(':') else {
            return Err(error(format!("expected METRIC:VALUE, got `{part}`")));
        };
        if let Some(slot) = NAMES.iter().position(|n| *n == name) {
            if let Some(metric) = metrics.get_mut(slot) {
                *metric = Some(value);
            }
        }
        // Temporal and environmental metrics do not change the base score.
    }
    let [
        Some(av),
        Some(ac),
        Some(pr),
        Some(ui),
        Some(s),
        Some(c),
        Some(i),
        Some(a),
    ] = metrics
    else {
        return Err(error(
            "a base metric (AV, AC, PR, UI, S, C, I, A) is missing".to_owned(),
        ));
    };
    let bad = |metric: &str, value: &str| error(format!("unknown value `{value}` for {metric}"));
    let scope_changed = match s {
        "U" => false,
        "C" => true,
        other => return Err(bad("S", other)),
    };
    let attack_vector = match av {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        other => return Err(bad("AV", other)),
    };
    let attack_complexity = match ac {
        "L" => 0.77,
        "H" => 0.44,
        other => return Err(bad("AC", other)),
    };
    let privileges = match (pr, scope_changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        (other, _) => return Err(bad("PR", other)),
    };
    let user_interaction = match ui {
        "N" => 0.85,
        "R" => 0.62,
        other => return Err(bad("UI", other)),
    };
    let impact_value = |metric: &str, value: &str| match value {
        "H" => Ok(0.56),
        "L" => Ok(0.22),
        "N" => Ok(0.0),
        other => Err(bad(metric, other)),
    };
    let iss: f64 = 1.0
        - (1.0 - impact_value("C", c)?)
            * (1.0 - impact_value("I", i)?)
            * (1.0 - impact_value("A", a)?);
    let impact: f64 = if scope_changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability: f64 =
        8.22 * attack_vector * attack_complexity * privileges * user_interaction;
    if impact <= 0.0 {
        return Ok(0.0);
    }
    let score = if scope_changed {
        roundup((1.08 * (impact + exploitability)).min(10.0))
    } else {
        roundup((impact + exploitability).min(10.0))
    };
    Ok(score)
}

/// CVSS v3.1 `Roundup`: the smallest number with one decimal that is >= the input,
/// computed on integers to avoid floating-point artefacts (spec Appendix A).
fn roundup(value: f64) -> f64 {
    let scaled = (value * 100_000.0).round() as i64;
    if scaled % 10_000 == 0 {
        scaled as f64 / 100_000.0
    } else {
        ((scaled / 10_000) + 1) as f64 / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_scores() {
        // Scores as computed by FIRST's CVSS v3.1 calculator.
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            ("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ];
        for (vector, expected) in cases {
            assert_eq!(v3_base_score(vector).unwrap(), expected, "{vector}");
        }
    }

    #[test]
    fn refuses_bad_vectors() {
        for bad in [
            "CVSS:2.0/AV:N",
            "AV:N/AC:L",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
        ] {
            assert!(v3_base_score(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roundup_is_exact() {
        assert_eq!(roundup(4.02), 4.1);
        assert_eq!(roundup(4.0), 4.0);
        assert_eq!(roundup(4.000_001), 4.0);
    }
}
