//! The `audiobook` command line: parses arguments, calls the library, maps outcomes to exit codes.
//! The arguments are in `cli/args.rs`, the commands in `cli/commands.rs`.

use anyhow::{Context, Result, bail};
use audiobook::engine;
use audiobook::pipeline::{self, Pick, Story};
use clap::Parser;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Prints a line on stderr; a reader that went away (`audiobook render STORY 2>&1 | true`) stops
/// the printing, never the work.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

#[path = "cli/args.rs"]
mod args;
#[path = "cli/commands.rs"]
mod commands;

use args::{Cli, Command};
use commands::{
    cast_command, export_command, preview_command, render_command, script_command, speak_command, studio_command,
    voices_command,
};

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            note!("error: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes in one line, each cause said once: the library's messages already
/// quote the error they wrap ("cannot read x.txt: No such file or directory"), which would
/// otherwise be printed a second time as the next cause.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let cause = cause.to_string();
        if !out.contains(&cause) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&cause);
        }
    }
    out
}

/// A render allocates and frees buffers of a line's length (a few hundred KiB) thousands of
/// times. glibc serves each from a fresh `mmap` and returns it on free, so every line paid for
/// zero-filling its pages again (a tenth of the render's CPU went to page faults). Keeping
/// blocks up to 64 MiB on the heap reuses those pages; memory stays bounded by the largest lines
/// in flight.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; it is called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 20);
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn run(cli: Cli) -> Result<ExitCode> {
    let creates_it = matches!(cli.command, Command::Cast { write: true, .. });
    let voices = &voices_folder(cli.voices, creates_it)?;
    match cli.command {
        Command::Script { story, format, min_confidence, review, text } => {
            let story = read_story(&story, voices)?;
            if text {
                let mut out = std::io::stdout().lock();
                out.write_all(story.text.as_bytes()).and_then(|()| out.flush()).context("cannot write the text")?;
                return Ok(ExitCode::SUCCESS);
            }
            let threshold = min_confidence.or(review.then_some(audiobook::report::DOUBTFUL_BELOW));
            script_command(&story, format, threshold)
        }
        Command::Cast { story, format, write, engines } => {
            cast_command(&read_story(&story, voices)?, format, write, voices, &engines)
        }
        Command::Render { story, render, export } => {
            render_command(&story, &read_story(&story, voices)?, &render, &export)
        }
        Command::Export { dir, export } => export_command(&dir, &export),
        Command::Preview { story, chapter, scene, lines, character, play, speak, render } => {
            let pick = Pick { chapter, scene, lines, character };
            let story_data = read_story(&story, voices)?;
            if speak {
                return speak_command(&story_data, &pick);
            }
            preview_command(&story, &story_data, &pick, play, &render)
        }
        Command::Voices { sample, engines } => voices_command(sample.as_deref(), &engines, voices),
        Command::Studio { story, port, render } => studio_command(&story, voices, port, &render),
        Command::EngineWorker { engine } => {
            let code =
                engine::registry::serve_worker(&engine, &mut std::io::stdin().lock(), &mut std::io::stdout().lock());
            Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
        }
    }
}

/// The voices folder: `voices` unless given. One that was given must exist (unless the command
/// writes into it): a mistyped folder would quietly drop every voice choice.
fn voices_folder(given: Option<PathBuf>, created: bool) -> Result<PathBuf> {
    match given {
        Some(dir) if !dir.is_dir() && !created => {
            bail!("the voices folder {} does not exist; give a folder that does, or leave out --voices", dir.display())
        }
        Some(dir) => Ok(dir),
        None => Ok(PathBuf::from("voices")),
    }
}

/// Reads a story through the text stages, printing what the user should know.
fn read_story(path: &Path, voices: &Path) -> Result<Story> {
    let story = pipeline::read(path, voices)?;
    for w in &story.warnings {
        note!("warning: {}: {w}", path.display());
    }
    Ok(story)
}
