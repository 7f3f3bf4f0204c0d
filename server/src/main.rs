use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Every file Digna writes (the database and its -wal, backups and their keys, exports,
    // the seal key) is readable by its owner only, and every folder it makes is hers.
    #[cfg(unix)]
    // SAFETY: umask only sets this process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
    // glibc gives each thread that contends for the heap an arena of its own (up to eight
    // per core), and memory freed in one is not reused by the others: under the ingest
    // benchmark's load the server peaked at 113 MB with them, 66 MB with two (issue 18).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes this process's allocator; it runs before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run())
}

async fn run() -> ExitCode {
    let cli = server::cli::Cli::parse();
    match server::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
