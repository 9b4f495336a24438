//! The `rallylens` binary: parse the command line, run the command, map its error to the
//! documented exit code (`cli::exit_code`). Everything else lives in the library.

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `--version`: "0.1.0 (f61c6a6)", the git commit from build.rs ("unknown" outside git).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("RALLYLENS_GIT_COMMIT"), ")");

/// mimalloc's `mi_option_purge_delay` (its number in `mimalloc.h`, v2 and v3 alike).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

fn main() -> ExitCode {
    // Never hand freed memory back to the kernel before exit (-1; mimalloc's default purges
    // after 10-100 ms): a batch run frees and reallocates large buffers stage after stage,
    // and on a VM a page the kernel must fault in and zero again costs more than the copy
    // that fills it (analyze at 10 M actions: ~0.5 s less).
    // `MIMALLOC_PURGE_DELAY` (mimalloc's own variable) set in the environment wins: peak
    // memory then follows what is live rather than what ever was (docs/scale.md).
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an integer option; mimalloc reads options on every purge decision.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
    let cli = rallylens::cli::parse(VERSION);
    match rallylens::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (`rallylens lake x | head`) is not a failure.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            rallylens::cli::exit_code(&e)
        }
    }
}
