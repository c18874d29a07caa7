//! The command line's arguments: the commands, their options and the checks on their numbers.

use audiobook::export;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "audiobook", version, about = "Turns stories into multi-voice audiobooks")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Folder of voices files (`default.toml`, `<story>.toml`; default: `voices`).
    #[arg(long, global = true, value_name = "DIR")]
    pub voices: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Show how a story is split into chapters, scenes, narration and dialogue, and who speaks.
    Script {
        /// The story file (plain text, Markdown, HTML or EPUB).
        story: PathBuf,
        #[arg(long, value_enum, default_value_t = ScriptFormat::Text)]
        format: ScriptFormat,
        /// Only list dialogue lines whose speaker guess is below this confidence (0 to 1).
        #[arg(long, value_name = "X", value_parser = fraction, allow_negative_numbers = true)]
        min_confidence: Option<f32>,
        /// Only list the doubtful dialogue lines (same as --min-confidence 0.6).
        #[arg(long)]
        review: bool,
        /// Print the text extracted from the story, exactly: the text every span indexes.
        #[arg(long, conflicts_with_all = ["format", "min_confidence", "review"])]
        text: bool,
    },
    /// Show the characters and the voice each one gets.
    Cast {
        story: PathBuf,
        #[arg(long, value_enum, default_value_t = CastFormat::Table)]
        format: CastFormat,
        /// Save the cast to voices/<story>.toml for editing (keeps its other settings).
        #[arg(long)]
        write: bool,
        #[command(flatten)]
        engines: EngineArgs,
    },
    /// Render a story to one WAV per chapter plus manifest.json, captions, a cue sheet and labels.
    Render {
        story: PathBuf,
        #[command(flatten)]
        render: RenderArgs,
        #[command(flatten)]
        export: ExportArgs,
    },
    /// Regenerate captions, cue sheet, labels (and with --m4b an audiobook) from a render folder.
    Export {
        /// A folder written by `audiobook render` (it holds manifest.json).
        dir: PathBuf,
        #[command(flatten)]
        export: ExportArgs,
    },
    /// Render part of a story (a chapter, a scene, some lines, or one character's lines).
    Preview {
        story: PathBuf,
        /// The chapter to render (1-based).
        #[arg(long, conflicts_with_all = ["lines", "character"], value_parser = positive, allow_negative_numbers = true)]
        chapter: Option<usize>,
        /// The scene within --chapter (1-based).
        #[arg(long, requires = "chapter", value_parser = positive, allow_negative_numbers = true)]
        scene: Option<usize>,
        /// Script lines A..B (1-based, inclusive), as `audiobook script` numbers them.
        #[arg(long, value_name = "A..B", conflicts_with = "character")]
        lines: Option<String>,
        /// Every line of one character.
        #[arg(long, value_name = "NAME")]
        character: Option<String>,
        /// Play the preview when it is written.
        #[arg(long)]
        play: bool,
        /// Read the part aloud through the system's speech service instead of rendering it
        /// (builds with `--features speak` only).
        #[arg(long, conflicts_with = "play")]
        speak: bool,
        #[command(flatten)]
        render: RenderArgs,
    },
    /// Review who speaks, cast the voices and hear any part of a story, in the browser: serves a
    /// page on 127.0.0.1 at the address it prints (with a token), until Ctrl+C.
    Studio {
        story: PathBuf,
        /// The port on 127.0.0.1 (default: a free one).
        #[arg(long, default_value_t = 0, value_name = "N")]
        port: u16,
        #[command(flatten)]
        render: RenderArgs,
    },
    /// Serve synthesis requests for a library engine on stdin and stdout (started by the renderer
    /// itself, one process per parallel job).
    #[command(name = "__engine-worker", hide = true)]
    EngineWorker { engine: String },
    /// List the speech engines found on this machine and their voices.
    Voices {
        /// Render TEXT with every voice to output/voices/ for listening.
        #[arg(long, value_name = "TEXT")]
        sample: Option<String>,
        #[command(flatten)]
        engines: EngineArgs,
    },
}

#[derive(Args, Clone)]
pub struct EngineArgs {
    /// Use only this engine: piper, espeak-ng, flite, festival, say, sapi or embedded.
    #[arg(long)]
    pub engine: Option<String>,
    /// Seconds one line may take before its engine is stopped (1 to 86400).
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = seconds, allow_negative_numbers = true)]
    pub timeout: u64,
}

#[derive(Args, Clone)]
pub struct RenderArgs {
    #[command(flatten)]
    pub engines: EngineArgs,
    /// Output folder (default: output/<story name>).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Cache of rendered lines (default: output/.cache).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Lines synthesized at once (default: the number of cores; at most 4 per core).
    #[arg(long, short, value_parser = jobs, allow_negative_numbers = true)]
    pub jobs: Option<usize>,
    /// The book's sample rate in Hz, 8000 to 192000 (default: 24000, or 22050 when the narrator's
    /// engine renders at 22.05 kHz, as espeak-ng does)
    #[arg(long, value_parser = sample_rate, allow_negative_numbers = true)]
    pub sample_rate: Option<u32>,
    /// Leave author's notes and disclaimers out of the audio.
    #[arg(long)]
    pub skip_notes: bool,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Clone)]
pub struct ExportArgs {
    /// Also write one .m4b audiobook with chapter markers (needs ffmpeg).
    #[arg(long)]
    m4b: bool,
    /// The book's title (default: the book's own, else the story name).
    #[arg(long, value_name = "T")]
    pub title: Option<String>,
    /// The book's author (default: the book's own, from an EPUB or an AO3 download).
    #[arg(long, value_name = "A")]
    pub author: Option<String>,
    /// Also write a read-along EPUB 3: the text, highlighted line by line as the audio plays
    /// (needs ffmpeg).
    #[arg(long)]
    pub epub: bool,
}

impl ExportArgs {
    pub fn options(&self) -> export::ExportOptions {
        let m4b = if self.m4b { export::Audiobook::M4b } else { export::Audiobook::Skip };
        let epub = if self.epub { export::ReadAlong::Epub } else { export::ReadAlong::Skip };
        export::ExportOptions {
            title: self.title.clone(),
            author: self.author.clone(),
            m4b,
            epub,
            ..Default::default()
        }
    }
}

/// A whole number in `range`, or a message that names the range.
fn whole_number<T: TryFrom<u64> + Copy>(
    s: &str,
    range: std::ops::RangeInclusive<u64>,
    what: &str,
) -> Result<T, String> {
    let (lo, hi) = (*range.start(), *range.end());
    let bound = if hi == u64::MAX { format!("from {lo} up") } else { format!("from {lo} to {hi}") };
    let wrong = || format!("{what} must be a whole number {bound} (got {s:?})");
    let n: u64 = s.trim().parse().map_err(|_| wrong())?;
    if !range.contains(&n) {
        return Err(wrong());
    }
    T::try_from(n).map_err(|_| wrong())
}

fn positive(s: &str) -> Result<usize, String> {
    whole_number(s, 1..=u64::MAX, "it")
}

fn seconds(s: &str) -> Result<u64, String> {
    whole_number(s, 1..=86_400, "the timeout in seconds")
}

fn sample_rate(s: &str) -> Result<u32, String> {
    whole_number(s, 8_000..=192_000, "the sample rate in Hz")
}

/// At most four jobs per core: more only adds engine processes waiting for a core.
fn jobs(s: &str) -> Result<usize, String> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    whole_number(s, 1..=4 * cores, &format!("the number of jobs ({cores} cores here)"))
}

fn fraction(s: &str) -> Result<f32, String> {
    match s.trim().parse::<f32>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("it must be a number from 0 to 1 (got {s:?})")),
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ScriptFormat {
    /// A readable script.
    Text,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CastFormat {
    /// A readable table.
    Table,
    /// The JSON contract.
    Json,
}
