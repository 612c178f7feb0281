//! Snapshot tests of `tollgate trust`'s report, table and JSON, over the trust crate's
//! Cargo fixture: a store with full, delta and imported audits, an exemption, a violation
//! and unvetted crates, evaluated against its Cargo.lock. A change to the rendering or to
//! a verdict shows up as a reviewed snapshot diff.

use std::path::Path;

use tollgate_report::trust::{TrustDocument, write_json, write_table};
use tollgate_trust::{Options, Store, evaluate};

/// Renders the fixture's report with `render`. Paths stay relative to this crate, so
/// the snapshots do not depend on where the repository is checked out.
fn render(render: impl Fn(&mut Vec<u8>, &TrustDocument<'_>) -> std::io::Result<()>) -> String {
    let fixture = Path::new("../tollgate-trust/tests/fixtures/cargo");
    let store = Store::load(&fixture.join("supply-chain")).expect("the fixture store loads");
    let inventory = tollgate_lockfile::inventory(&[fixture.join("Cargo.lock")]);
    let report = evaluate(&store, &inventory, &Options::default()).expect("it evaluates");
    let document = TrustDocument::new(
        "supply-chain".to_owned(),
        &report,
        store.warnings.clone(),
        inventory.errors.clone(),
    );
    let mut out = Vec::new();
    render(&mut out, &document).expect("rendering to memory cannot fail");
    String::from_utf8(out).expect("reports are UTF-8")
}

#[test]
fn trust_table() {
    insta::assert_snapshot!(render(|out, document| write_table(out, document, false)));
}

#[test]
fn trust_json() {
    insta::assert_snapshot!(render(write_json));
}
