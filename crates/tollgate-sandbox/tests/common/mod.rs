//! A laboratory for escape tests: a fake home with planted secrets, a project, and a
//! directory outside both. Every payload is run twice, once plainly (it must succeed, or
//! the test proves nothing) and once in the sandbox (it must fail).

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;
use tollgate_sandbox::denials::Denial;
use tollgate_sandbox::{KernelSupport, Plan, Policy};

pub mod net;

/// Secrets planted in the fake home; none may appear in sandboxed output.
pub const SSH_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY----- planted-ssh-secret";
/// See [`SSH_KEY`].
pub const AWS_KEY: &str = "aws_secret_access_key = planted-aws-secret";

pub struct Lab {
    pub home: TempDir,
    pub project: TempDir,
    pub outside: TempDir,
}

impl Lab {
    pub fn new() -> Lab {
        let lab = Lab {
            home: TempDir::new().expect("temp home"),
            project: TempDir::new().expect("temp project"),
            outside: TempDir::new().expect("temp outside"),
        };
        let home = lab.home.path();
        std::fs::create_dir_all(home.join(".ssh")).expect("mkdir .ssh");
        std::fs::create_dir_all(home.join(".aws")).expect("mkdir .aws");
        std::fs::write(home.join(".ssh/id_rsa"), SSH_KEY).expect("plant ssh key");
        std::fs::write(home.join(".aws/credentials"), AWS_KEY).expect("plant aws key");
        std::fs::write(lab.outside.path().join("victim"), "original").expect("victim");
        // World-traversable, so the payloads that run as `nobody` can reach them.
        for dir in [home, lab.project.path(), lab.outside.path()] {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        lab
    }

    pub fn policy(&self) -> Policy {
        let mut policy = Policy::new(self.project.path(), self.home.path());
        policy
            .set_env
            .push(("HOME".into(), self.home.path().into()));
        policy
    }

    /// `bash -c script` without the sandbox.
    pub fn outside(&self, script: &str) -> Output {
        self.outside_as(script, None)
    }

    pub fn outside_as(&self, script: &str, uid: Option<u32>) -> Output {
        let mut command = Command::new("/bin/bash");
        command
            .args(["-c", script])
            .env("HOME", self.home.path())
            .current_dir(self.project.path());
        if let Some(uid) = uid {
            command.uid(uid).gid(uid);
        }
        command.output().expect("run outside")
    }

    /// `bash -c script` inside the sandbox described by `policy`.
    pub fn inside_with(&self, policy: Policy, script: &str, uid: Option<u32>) -> Output {
        run_in(&full_plan(policy), script, uid).0
    }

    /// Runs `outside` without the sandbox, where it must succeed (or the test proves
    /// nothing), then `inside` in the sandbox of `policy`; what it did inside, with the
    /// plan's denials.
    #[allow(dead_code)]
    pub fn both(
        &self,
        policy: Policy,
        outside: &str,
        inside: &str,
        uid: Option<u32>,
    ) -> (Output, Vec<Denial>) {
        let plain = self.outside_as(outside, uid);
        assert!(
            plain.status.success(),
            "the probe must work outside the sandbox to prove anything: {outside}\n{}",
            String::from_utf8_lossy(&plain.stderr)
        );
        run_in(&full_plan(policy), inside, uid)
    }

    #[allow(dead_code)]
    pub fn inside(&self, script: &str) -> Output {
        self.inside_with(self.policy(), script, None)
    }

    #[allow(dead_code)]
    pub fn path(&self, dir: &TempDir, name: &str) -> String {
        dir.path().join(name).display().to_string()
    }
}

/// The plan of `policy` on this kernel, which must support the full sandbox.
pub fn full_plan(policy: Policy) -> Plan {
    let plan = Plan::new(policy, KernelSupport::probe()).expect("plan");
    plan.check()
        .expect("this machine must support the full sandbox");
    plan
}

/// `bash -c script` in `plan`'s sandbox (as `uid` and the same gid when given): what it
/// did, and the plan's denials (its error output read for the kernel's).
pub fn run_in(plan: &Plan, script: &str, uid: Option<u32>) -> (Output, Vec<Denial>) {
    let mut command = plan
        .command("/bin/bash".as_ref(), ["-c", script])
        .expect("command");
    if let Some(uid) = uid {
        command.uid(uid).gid(uid);
    }
    let output = command.output().expect("run inside");
    let denials = plan.denials(&String::from_utf8_lossy(&output.stderr));
    (output, denials)
}

/// Asserts that `script` succeeds outside and fails inside, and that no planted secret
/// leaks into the sandboxed output.
#[allow(dead_code)]
pub fn assert_blocked(lab: &Lab, script: &str) -> Output {
    let plain = lab.outside(script);
    assert!(
        plain.status.success(),
        "the payload must work outside the sandbox to prove anything: {script}\nstderr: {}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let sandboxed = lab.inside(script);
    assert_failed_inside(&sandboxed, script);
    sandboxed
}

/// As [`assert_blocked`], with the payload run as `uid` (and the same gid) both times.
#[allow(dead_code)]
pub fn assert_blocked_as(lab: &Lab, script: &str, uid: u32) -> Output {
    let plain = lab.outside_as(script, Some(uid));
    assert!(
        plain.status.success(),
        "the payload must work outside the sandbox (as uid {uid}) to prove anything: {script}\nstderr: {}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let sandboxed = lab.inside_with(lab.policy(), script, Some(uid));
    assert_failed_inside(&sandboxed, script);
    sandboxed
}

pub fn assert_failed_inside(sandboxed: &Output, script: &str) {
    let stdout = String::from_utf8_lossy(&sandboxed.stdout);
    assert!(
        !sandboxed.status.success(),
        "ESCAPE: succeeded inside the sandbox: {script}\nstdout: {stdout}"
    );
    assert!(!stdout.contains("planted-"), "secret leaked: {stdout}");
}

#[allow(dead_code)]
pub fn file_content(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read back")
}
