//! The nightly service and timer of `contrib/systemd/`: the keys README "On a server"
//! relies on, that the pipeline's lake, key and outputs are inside what the hardened
//! service may write, and `systemd-analyze verify` where it is installed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// section → key → values (a key may repeat), comments and blank lines left out.
type Unit = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn unit(name: &str) -> (PathBuf, Unit) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/systemd").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut u = Unit::new();
    let mut section = String::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
            continue;
        }
        let (k, v) = line.split_once('=').unwrap_or_else(|| panic!("{name}, line {}: not key=value: {line}", i + 1));
        assert!(!section.is_empty(), "{name}, line {}: a key before any section", i + 1);
        u.entry(section.clone()).or_default().entry(k.trim().to_string()).or_default().push(v.trim().to_string());
    }
    (path, u)
}

fn one<'a>(u: &'a Unit, section: &str, key: &str) -> &'a str {
    let v = u.get(section).and_then(|s| s.get(key)).unwrap_or_else(|| panic!("[{section}] {key}= is missing"));
    assert_eq!(v.len(), 1, "[{section}] {key}= is set {} times", v.len());
    &v[0]
}

#[test]
fn nightly_units_have_what_the_readme_says() {
    let (service_path, service) = unit("rallylens-nightly.service");
    let (timer_path, timer) = unit("rallylens-nightly.timer");

    assert_eq!(one(&service, "Service", "Type"), "oneshot");
    assert_eq!(one(&service, "Service", "User"), "rallylens");
    let workdir = PathBuf::from(one(&service, "Service", "WorkingDirectory"));
    assert!(workdir.is_absolute());
    let exec: Vec<&str> = one(&service, "Service", "ExecStart").split_whitespace().collect();
    assert_eq!(exec, ["/usr/local/bin/rallylens", "run", "pipelines/nightly.toml"]);
    for (k, v) in [
        ("ProtectSystem", "strict"),
        ("ProtectHome", "true"),
        ("PrivateTmp", "true"),
        ("PrivateNetwork", "true"),
        ("NoNewPrivileges", "true"),
        ("IOSchedulingClass", "idle"),
    ] {
        assert_eq!(one(&service, "Service", k), v, "[Service] {k}");
    }
    let nice: i32 = one(&service, "Service", "Nice").parse().unwrap();
    assert!(nice > 0, "Nice={nice}: a batch job goes after interactive work");
    assert!(!service["Service"].contains_key("Environment"), "an installed binary needs no environment");

    // Everything the run writes is inside ReadWritePaths= (ProtectSystem=strict makes the
    // rest read-only): the output folder, the lake and the key beside it. The exports are
    // only read.
    let writable: Vec<PathBuf> =
        service["Service"]["ReadWritePaths"].iter().flat_map(|v| v.split_whitespace()).map(PathBuf::from).collect();
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let p = rallylens::pipeline::Pipeline::load(&project.join("pipelines/nightly.toml")).unwrap();
    let on_server =
        |local: &Path| workdir.join(local.strip_prefix(project).expect("the pipeline's paths are in the project"));
    let key = rallylens::pseudo::Pseudonymizer::key_path(&p.lake);
    for written in [&p.output, &p.lake, &key] {
        let at = on_server(written);
        assert!(
            writable.iter().any(|w| at.starts_with(w)),
            "{} is not under ReadWritePaths={writable:?}",
            at.display()
        );
    }
    for input in &p.inputs {
        let at = on_server(&input.path);
        assert!(!writable.iter().any(|w| at.starts_with(w)), "the export {} need not be writable", at.display());
    }

    assert_eq!(one(&timer, "Timer", "OnCalendar"), "*-*-* 02:30:00");
    assert_eq!(one(&timer, "Timer", "Persistent"), "true");
    assert_eq!(one(&timer, "Install", "WantedBy"), "timers.target");
    // The timer starts the service of its own name (no Unit= needed).
    assert!(!timer["Timer"].contains_key("Unit"));
    assert_eq!(service_path.file_stem(), timer_path.file_stem());

    verify(&service_path, &timer_path);
}

/// `systemd-analyze verify` on copies whose ExecStart= names this build's binary (verify
/// checks that the program exists). Skipped, with a note, where systemd-analyze is missing.
fn verify(service: &Path, timer: &Path) {
    let probe = std::process::Command::new("systemd-analyze").arg("--version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("systemd-analyze is not installed: the units were only parsed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(service).unwrap().replace("/usr/local/bin/rallylens", env!("CARGO_BIN_EXE_rallylens"));
    let s = dir.path().join(service.file_name().unwrap());
    std::fs::write(&s, text).unwrap();
    let t = dir.path().join(timer.file_name().unwrap());
    std::fs::copy(timer, &t).unwrap();
    let o =
        std::process::Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&s).arg(&t).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "systemd-analyze verify failed:\n{err}");
    // Unknown or misspelt keys are only warnings: none may be left.
    let ours: Vec<&str> = err.lines().filter(|l| l.contains("rallylens-nightly")).collect();
    assert!(ours.is_empty(), "systemd-analyze verify warns:\n{}", ours.join("\n"));
}
