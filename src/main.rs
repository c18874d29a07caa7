//! The `audiobook` command line: parses arguments, calls the library, maps errors to exit codes.

use anyhow::{Context, Result};
use audiobook::report;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "audiobook", version, about = "Turns stories into multi-voice audiobooks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show how a story is split into chapters, scenes, narration and dialogue.
    Script {
        /// The story file (plain text).
        story: PathBuf,
        #[arg(long, value_enum, default_value_t = ScriptFormat::Text)]
        format: ScriptFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ScriptFormat {
    /// A readable script.
    Text,
    /// One JSON object per line.
    Jsonl,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Script { story, format } => script(&story, format),
    }
}

fn script(story: &PathBuf, format: ScriptFormat) -> Result<ExitCode> {
    let text = audiobook::load::load(story)?;
    for w in &text.warnings {
        eprintln!("warning: {}: {w}", story.display());
    }
    let mut script = audiobook::segment::segment(&text);
    audiobook::attribute::attribute(&text.text, &mut script);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        ScriptFormat::Jsonl => report::write_jsonl(&mut out, &text.text, &script),
        ScriptFormat::Text => {
            let color = if std::io::stdout().is_terminal() { report::Color::Always } else { report::Color::Never };
            report::write_text(&mut out, &text.text, &script, color)
        }
    }
    .context("cannot write the script")?;
    out.flush().context("cannot write the script")?;
    Ok(ExitCode::SUCCESS)
}
