//! Puts the git commit into `rallylens --version` (env `RALLYLENS_GIT_COMMIT`):
//! `git rev-parse --short HEAD`, or "unknown" where there is no git checkout (a source
//! tarball) or no git. Only HEAD and the branch it names are watched, so the crate is
//! rebuilt when the commit changes and at no other time.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    // `--git-path` finds the files in a worktree too (they live in the main repository).
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    for name in ["HEAD", branch.as_deref().unwrap_or("HEAD"), "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", name]).filter(|p| Path::new(p).exists()) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rustc-env=RALLYLENS_GIT_COMMIT={commit}");
}
