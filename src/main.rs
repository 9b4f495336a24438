//! The `rallylens` binary: parse the command line, run the command, map its error to the
//! documented exit code (`cli::exit_code`). Everything else lives in the library.

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `--version`: "0.1.0 (f61c6a6)", the git commit from build.rs ("unknown" outside git).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("RALLYLENS_GIT_COMMIT"), ")");

fn main() -> ExitCode {
    // Freed memory is kept for reuse until exit (mimalloc's default returns it after 10 ms):
    // a batch run frees and reallocates large buffers stage after stage, and a page the
    // kernel must fault in and zero again costs more than the copy that fills it. Analyze
    // returns what stays unused 200 ms, to bound its peak (rallylens::support::set_purge_delay).
    rallylens::support::set_purge_delay(-1);
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
