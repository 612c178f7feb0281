//! Detection and false-positive rates over the labelled set (`tests/labelled/`): packages
//! built with npm pack / python -m build / cargo package that reproduce documented
//! incidents, and benign look-alikes.

use std::path::Path;

use tollgate_analysis::{PackageFiles, Rule, VerdictLevel, analyze_package};
use tollgate_model::Severity;

struct Label {
    archive: String,
    malicious: bool,
    rules: Vec<String>,
}

fn labels(dir: &Path) -> Vec<Label> {
    let text = std::fs::read_to_string(dir.join("labels.txt")).expect("labels.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            let archive = words.next().expect("archive").to_owned();
            let malicious = match words.next() {
                Some("malicious") => true,
                Some("benign") => false,
                other => panic!("{archive}: bad label {other:?}"),
            };
            Label {
                archive,
                malicious,
                rules: words.map(str::to_owned).collect(),
            }
        })
        .collect()
}

#[test]
fn labelled_set_detection_and_false_positive_rates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/labelled");
    let labels = labels(&dir);
    let (mut malicious, mut detected, mut benign, mut false_positives) = (0, 0, 0, 0);
    for label in &labels {
        let bytes = std::fs::read(dir.join("built").join(&label.archive)).expect("built archive");
        let files = PackageFiles::from_archive(&label.archive, &bytes).expect("readable archive");
        let report = analyze_package(&label.archive, &files).expect("a manifest");
        assert!(
            report.state.runs_code(),
            "{}: every sample runs install-time code",
            label.archive
        );
        let flagged = report.max_severity() >= Some(Severity::High);
        println!(
            "{}: verdict {} {} {:?}",
            label.archive,
            report.verdict.level.as_str(),
            report.verdict.score,
            report
                .verdict
                .reasons
                .iter()
                .map(|r| format!("{}+{}", r.rule, r.points))
                .collect::<Vec<_>>()
        );
        if label.malicious {
            assert_eq!(
                report.verdict.level,
                VerdictLevel::Malicious,
                "{}: a reconstruction of a real attack is judged malicious",
                label.archive
            );
            malicious += 1;
            detected += usize::from(flagged);
            for rule in &label.rules {
                let rule = Rule::ALL
                    .iter()
                    .find(|r| r.id() == rule)
                    .expect("known rule id");
                assert!(
                    report.findings.iter().any(|f| f.rule == *rule),
                    "{}: expected `{rule}`, got {:#?}",
                    label.archive,
                    report.findings
                );
            }
        } else {
            assert_eq!(
                report.verdict.level,
                VerdictLevel::Clean,
                "{}: build code is judged clean",
                label.archive
            );
            benign += 1;
            false_positives += usize::from(flagged);
            if flagged {
                eprintln!("false positive: {} {:#?}", label.archive, report.findings);
            }
        }
    }
    let detection = detected as f64 / malicious as f64;
    let false_positive = false_positives as f64 / benign as f64;
    println!(
        "labelled set: {malicious} malicious, {benign} benign; detection {detection:.2}, false positives {false_positive:.2}"
    );
    assert_eq!((malicious, benign), (9, 9));
    assert_eq!(detected, malicious, "detection rate {detection}");
    assert_eq!(false_positives, 0, "false-positive rate {false_positive}");
}
