//! What the seccomp listener ([`tollgate_sandbox::Policy::report_syscalls`]) costs: starts
//! the same sandboxed command with reporting on and off, alternating so that a changing load
//! hits both alike, and prints wall-clock figures and the CPU time of the whole run (the
//! sandboxed processes and tollgate's own threads, the listener's included).
//!
//! ```sh
//! cargo run --release -p tollgate-sandbox --example seccomp_listener_cost -- 200
//! ```
//!
//! Two commands: `/bin/true` (start-up: the socket pair, the thread, the listener sent over
//! `SCM_RIGHTS`), and a Python loop making 1,000 refused `keyctl` calls (each one a round
//! trip to the listener with it on, a plain `EPERM` with it off). Needs `python3`.
#![allow(unsafe_code)]

use std::time::{Duration, Instant};

use tollgate_sandbox::{KernelSupport, Plan, Policy};

const REFUSED_LOOP: &str = "import ctypes, platform\n\
libc = ctypes.CDLL(None, use_errno=True)\n\
nr = {'x86_64': 250, 'aarch64': 219}[platform.machine()]\n\
for _ in range(1000):\n    libc.syscall(nr, ctypes.c_long(0), ctypes.c_long(-3), ctypes.c_long(0))\n";

/// User + system time of this process and its reaped children, in seconds.
fn cpu_seconds() -> f64 {
    let mut total = 0.0;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        // SAFETY: getrusage writes one local struct.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(who, &mut usage);
            usage
        };
        for time in [usage.ru_utime, usage.ru_stime] {
            total += time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
        }
    }
    total
}

struct Series {
    wall: Vec<Duration>,
    cpu: f64,
}

impl Series {
    fn print(&mut self, label: &str) {
        self.wall.sort();
        let runs = self.wall.len();
        let mean = self.wall.iter().sum::<Duration>() / runs as u32;
        println!(
            "{label:<28} min {:>7.2} ms  median {:>7.2} ms  mean {:>7.2} ms  CPU {:>6.2} ms/run",
            self.wall[0].as_secs_f64() * 1e3,
            self.wall[runs / 2].as_secs_f64() * 1e3,
            mean.as_secs_f64() * 1e3,
            self.cpu / runs as f64 * 1e3,
        );
    }
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|runs| runs.parse().ok())
        .unwrap_or(100);
    let project = std::env::temp_dir().join(format!("listener-cost-{}", std::process::id()));
    std::fs::create_dir_all(&project).expect("project dir");
    let home = std::env::var_os("HOME").expect("HOME");
    let plans: Vec<Plan> = [true, false]
        .into_iter()
        .map(|report| {
            let mut policy = Policy::new(&project, &home);
            policy.report_syscalls = report;
            let plan = Plan::new(policy, KernelSupport::probe()).expect("plan");
            plan.check().expect("full sandbox");
            plan
        })
        .collect();
    let commands: [(&str, &str, Vec<&str>); 2] = [
        ("true", "/bin/true", vec![]),
        ("1,000 refused keyctl", "python3", vec!["-c", REFUSED_LOOP]),
    ];
    for (name, program, args) in &commands {
        let mut series: Vec<Series> = (0..2)
            .map(|_| Series {
                wall: Vec::new(),
                cpu: 0.0,
            })
            .collect();
        for round in 0..runs + 5 {
            for (plan, series) in plans.iter().zip(series.iter_mut()) {
                let cpu = cpu_seconds();
                let start = Instant::now();
                let status = plan
                    .command(program.as_ref(), args)
                    .expect("command")
                    .status()
                    .expect("run");
                plan.started();
                let _ = plan.denials("");
                let elapsed = start.elapsed();
                assert!(status.success(), "{name}: {status}");
                // The first rounds warm the caches.
                if round >= 5 {
                    series.wall.push(elapsed);
                    series.cpu += cpu_seconds() - cpu;
                }
            }
        }
        series[0].print(&format!("{name}, listener on"));
        series[1].print(&format!("{name}, listener off"));
    }
    let _ = std::fs::remove_dir_all(&project);
}
