//! Runs the shipped typosquat engine over a labelled list and prints what it flagged.
//!
//! Input (stdin): one `label<TAB>ecosystem<TAB>name` per line, label `pos` or `neg`.
//! Output (stdout): one `label<TAB>ecosystem<TAB>name<TAB>target<TAB>technique` per input
//! line (empty target when not flagged), then recall and false-positive rate.
//! Driven by `scripts/eval-typosquat.py`, which builds the list from the corpus.

use std::io::{BufRead, Write};

use tollgate_model::Ecosystem;
use tollgate_policy::PopularNames;

fn main() -> std::io::Result<()> {
    let popular = PopularNames::shipped();
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut positives, mut found, mut negatives, mut false_positives) = (0u32, 0u32, 0u32, 0u32);
    let started = std::time::Instant::now();
    for line in stdin.lock().lines() {
        let line = line?;
        let mut fields = line.split('\t');
        let (Some(label), Some(ecosystem), Some(name)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let Ok(ecosystem) = ecosystem.parse::<Ecosystem>() else {
            continue;
        };
        let verdict = popular.squat_target(ecosystem, name);
        let (target, technique) = verdict
            .as_ref()
            .map_or((String::new(), String::new()), |m| {
                (m.target.clone(), m.technique.describe())
            });
        writeln!(out, "{label}\t{ecosystem}\t{name}\t{target}\t{technique}")?;
        match (label, verdict.is_some()) {
            ("pos", flagged) => {
                positives += 1;
                found += u32::from(flagged);
            }
            (_, flagged) => {
                negatives += 1;
                false_positives += u32::from(flagged);
            }
        }
    }
    let ratio = |a: u32, b: u32| {
        if b == 0 {
            0.0
        } else {
            f64::from(a) / f64::from(b)
        }
    };
    writeln!(
        out,
        "# recall {found}/{positives} = {:.3}; false positives {false_positives}/{negatives} = {:.4}; {} lookups in {:?} (index build included)",
        ratio(found, positives),
        ratio(false_positives, negatives),
        positives + negatives,
        started.elapsed()
    )
}
