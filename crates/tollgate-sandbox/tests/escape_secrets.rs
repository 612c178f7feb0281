//! Escape case: the project's own secrets. `.env` files (API keys, database passwords) and a
//! project `.npmrc`/`.pypirc` with registry tokens are plain files in the project, which the
//! sandbox must show. Each probe reads them outside first (it must see the secret), then
//! inside, where `.env` is empty and the credentials lines are gone, also through a symbolic
//! link, and writes to the copies fail rather than reach the host file.

mod common;

use common::{Lab, assert_failed_inside, file_content};

fn plant(lab: &Lab) {
    let project = lab.project.path();
    std::fs::write(project.join(".env"), "API_KEY=planted-dotenv\n").expect(".env");
    std::fs::write(project.join(".env.production"), "DB=planted-prod\n").expect(".env.*");
    std::fs::write(project.join("secrets.txt"), "planted-linked\n").expect("target");
    std::os::unix::fs::symlink("secrets.txt", project.join(".envrc")).expect("link");
    std::fs::write(
        project.join(".npmrc"),
        "registry=https://registry.example/\n//registry.example/:_authToken=planted-npm\n",
    )
    .expect(".npmrc");
    std::fs::write(
        project.join(".pypirc"),
        "[pypi]\nusername = __token__\npassword = planted-pypi\n",
    )
    .expect(".pypirc");
}

const READ_ALL: &str = "cat .env .env.production .envrc secrets.txt .npmrc .pypirc";

#[test]
fn project_secret_files_are_not_readable() {
    let lab = Lab::new();
    plant(&lab);
    let plain = lab.outside(READ_ALL);
    let plain_out = String::from_utf8_lossy(&plain.stdout);
    for secret in [
        "planted-dotenv",
        "planted-prod",
        "planted-linked",
        "planted-npm",
        "planted-pypi",
    ] {
        assert!(plain_out.contains(secret), "outside must read {secret}");
    }
    let inside = lab.inside(READ_ALL);
    let shown = String::from_utf8_lossy(&inside.stdout);
    assert!(
        inside.status.success(),
        "the files must still exist: {inside:?}"
    );
    assert!(
        !shown.contains("planted-"),
        "ESCAPE: secret readable: {shown}"
    );
    assert!(
        shown.contains("registry=https://registry.example/"),
        "npm settings stay: {shown}"
    );
}

#[test]
fn the_copies_cannot_be_written_through() {
    let lab = Lab::new();
    plant(&lab);
    let script = "echo overwritten > .env";
    let plain = lab.outside(script);
    assert!(plain.status.success());
    std::fs::write(lab.project.path().join(".env"), "API_KEY=planted-dotenv\n").expect("restore");
    let inside = lab.inside(script);
    assert_failed_inside(&inside, script);
    assert_eq!(
        file_content(&lab.project.path().join(".env")),
        "API_KEY=planted-dotenv\n",
        "the host .env must be untouched"
    );
}

#[test]
fn the_fetch_phase_keeps_registry_credentials_but_not_dotenv() {
    let lab = Lab::new();
    plant(&lab);
    let mut policy = lab.policy();
    policy.keep_credentials = true;
    let inside = lab.inside_with(policy, READ_ALL, None);
    let shown = String::from_utf8_lossy(&inside.stdout);
    assert!(inside.status.success(), "{inside:?}");
    assert!(
        shown.contains("planted-npm"),
        "the fetch needs its token: {shown}"
    );
    assert!(
        !shown.contains("planted-dotenv") && !shown.contains("planted-linked"),
        "ESCAPE: .env readable in the fetch phase: {shown}"
    );
}
