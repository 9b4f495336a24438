//! The `rallylens` binary: parse the command line, run the command, map its error to the
//! documented exit code (`cli::exit_code`). Everything else lives in the library.

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `--version`: "0.1.0 (f61c6a6)", the git commit from build.rs ("unknown" outside git).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("RALLYLENS_GIT_COMMIT"), ")");

/// mimalloc's `mi_option_purge_delay` (its number in `mimalloc.h`, v2 and v3 alike).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
/// How long freed memory stays unused before it goes back to the kernel (see `main`).
const PURGE_DELAY_MS: std::ffi::c_long = 200;

fn main() -> ExitCode {
    // Hand freed memory back to the kernel only once it has stayed unused for 200 ms
    // (mimalloc's default: 10 ms). A batch run frees and reallocates large buffers stage
    // after stage, and on a VM a page the kernel must fault in and zero again costs about as
    // much as the copy that fills it (3 ms/MB here): memory reused within a stage stays; what
    // a finished stage leaves is returned, so the peak follows what is live. Measured at
    // 100 M actions (docs/scale.md): never returning it (-1) was 2-3 s faster but peaked at
    // 8.4 GB instead of 6.1 GB; 0 was 6-10 s slower for no less memory.
    // `MIMALLOC_PURGE_DELAY` (mimalloc's own variable, ms; -1 = never) set in the environment wins.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an integer option; mimalloc reads options on every purge decision.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
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
