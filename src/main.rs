//! The `audiobook` command line: parses arguments, calls the library, maps outcomes to exit codes.

use anyhow::{Context, Result, bail};
use audiobook::cast::Cast;
use audiobook::engine::{self, Engine, EngineConfig, Engines};
use audiobook::manifest::Manifest;
use audiobook::pipeline::{self, Pick, Story};
use audiobook::plan::{self, Selection};
use audiobook::progress::Display;
use audiobook::render::{self, RenderOptions};
use audiobook::{config, export, report, studio};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Prints a line on stderr; a reader that went away (`audiobook render STORY 2>&1 | true`) stops
/// the printing, never the work.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(name = "audiobook", version, about = "Turns stories into multi-voice audiobooks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Folder of voices files (`default.toml`, `<story>.toml`; default: `voices`).
    #[arg(long, global = true, value_name = "DIR")]
    voices: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Show how a story is split into chapters, scenes, narration and dialogue, and who speaks.
    Script {
        /// The story file (plain text).
        story: PathBuf,
        #[arg(long, value_enum, default_value_t = ScriptFormat::Text)]
        format: ScriptFormat,
        /// Only list dialogue lines whose speaker guess is below this confidence (0 to 1).
        #[arg(long, value_name = "X", value_parser = fraction, allow_negative_numbers = true)]
        min_confidence: Option<f32>,
        /// Only list the doubtful dialogue lines (same as --min-confidence 0.6).
        #[arg(long)]
        review: bool,
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
struct EngineArgs {
    /// Use only this engine: piper, espeak-ng, flite, festival, say, sapi or embedded.
    #[arg(long)]
    engine: Option<String>,
    /// Seconds one line may take before its engine is stopped (1 to 86400).
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = seconds, allow_negative_numbers = true)]
    timeout: u64,
}

#[derive(Args, Clone)]
struct RenderArgs {
    #[command(flatten)]
    engines: EngineArgs,
    /// Output folder (default: output/<story name>).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Cache of rendered lines (default: output/.cache).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Lines synthesized at once (default: the number of cores; at most 4 per core).
    #[arg(long, short, value_parser = jobs, allow_negative_numbers = true)]
    jobs: Option<usize>,
    /// The book's sample rate in Hz, 8000 to 192000 (default: 24000, or 22050 when the narrator's
    /// engine renders at 22.05 kHz, as espeak-ng does)
    #[arg(long, value_parser = sample_rate, allow_negative_numbers = true)]
    sample_rate: Option<u32>,
    /// Leave author's notes and disclaimers out of the audio.
    #[arg(long)]
    skip_notes: bool,
    /// No progress bar and no summary.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Clone)]
struct ExportArgs {
    /// Also write one .m4b audiobook with chapter markers (needs ffmpeg).
    #[arg(long)]
    m4b: bool,
    /// The book's title (default: the story name).
    #[arg(long, value_name = "T")]
    title: Option<String>,
    /// The book's author.
    #[arg(long, value_name = "A")]
    author: Option<String>,
}

impl ExportArgs {
    fn options(&self) -> export::ExportOptions {
        let m4b = if self.m4b { export::Audiobook::M4b } else { export::Audiobook::Skip };
        export::ExportOptions { title: self.title.clone(), author: self.author.clone(), m4b, ..Default::default() }
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
enum ScriptFormat {
    /// A readable script.
    Text,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
enum CastFormat {
    /// A readable table.
    Table,
    /// The JSON contract.
    Json,
}

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
        Command::Script { story, format, min_confidence, review } => {
            let threshold = min_confidence.or(review.then_some(0.6));
            script_command(&read_story(&story, voices)?, format, threshold)
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

fn script_command(story: &Story, format: ScriptFormat, threshold: Option<f32>) -> Result<ExitCode> {
    let mut script = story.script.clone();
    if let Some(t) = threshold {
        script.lines.retain(|l| report::is_doubtful(l, t));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        ScriptFormat::Jsonl => report::write_jsonl(&mut out, &story.text, &script),
        ScriptFormat::Text => {
            let color = if std::io::stdout().is_terminal() { report::Color::Always } else { report::Color::Never };
            report::write_text(&mut out, &story.text, &script, color)
        }
    }
    .and_then(|()| out.flush())
    .context("cannot write the script")?;
    Ok(ExitCode::SUCCESS)
}

/// The engines asked for, with the voices files' settings; `cache` is a render's cache, where
/// they may keep their voice listings.
fn engines(args: &EngineArgs, cache: Option<&Path>, voices: &Path, config: &config::Loaded) -> Result<Engines> {
    let config = config.engine_config(engine_base(args, cache, voices))?;
    match &args.engine {
        Some(name) => Ok(Engines::only(name, config)?),
        None => Ok(Engines::discover(config)),
    }
}

/// The engine settings of the command line, before the voices files' own.
fn engine_base(args: &EngineArgs, cache: Option<&Path>, voices: &Path) -> EngineConfig {
    // This very program serves as the worker process of library engines, unless told to run
    // every engine as its program (to debug an engine, or to use a wrapper script on PATH).
    let programs_only = std::env::var_os("AUDIOBOOK_ENGINE_WORKERS").is_some_and(|v| v == "0");
    let worker = if programs_only { None } else { std::env::current_exe().ok() };
    let saved = cache.map(|dir| dir.join(ENGINES_DIR));
    let voices = Some(voices.to_path_buf());
    EngineConfig { timeout: Duration::from_secs(args.timeout.max(1)), worker, saved, voices, ..Default::default() }
}

/// Where in a render cache the engines keep what they learned about themselves.
const ENGINES_DIR: &str = "engines";

/// The automatic cast with the voices files' choices on top, and the engines it speaks through.
fn cast_for(story: &Story, args: &EngineArgs, cache: Option<&Path>) -> Result<(Cast, Engines)> {
    let engines = engines(args, cache, &story.voices_dir, &story.config)?;
    let cast = story.cast(&engines)?;
    Ok((cast, engines))
}

fn cast_command(story: &Story, format: CastFormat, write: bool, voices: &Path, args: &EngineArgs) -> Result<ExitCode> {
    let (cast, _) = cast_for(story, args, None)?;
    let mut out = std::io::stdout().lock();
    match format {
        CastFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&cast.to_json())?)?,
        CastFormat::Table => report::write_cast(&mut out, &story.text, &story.script, &cast)?,
    }
    if write {
        let path = config::write_cast(voices, &story.name, &cast)?;
        note!("wrote {}; edit it to change voices, names, speakers and pronunciations", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn render_options(story: &Story, args: &RenderArgs) -> RenderOptions {
    let out_dir = args.output.clone().unwrap_or_else(|| PathBuf::from("output").join(&story.name));
    let cache = args.cache.clone().unwrap_or_else(|| PathBuf::from("output").join(".cache"));
    let mut opts = RenderOptions::new(&story.name, out_dir, cache);
    if let Some(j) = args.jobs {
        opts.jobs = j;
    }
    opts.sample_rate = args.sample_rate;
    opts.skip_notes = args.skip_notes || story.config.skip_notes();
    opts.pronunciations = story.config.pronunciations().clone();
    opts.pauses = story.config.pauses();
    opts.display = if args.quiet { Display::Hidden } else { Display::Auto };
    opts
}

fn render_command(path: &Path, story: &Story, args: &RenderArgs, exports: &ExportArgs) -> Result<ExitCode> {
    let opts = render_options(story, args);
    let (cast, engines) = cast_for(story, &args.engines, Some(&opts.cache_dir))?;
    let report = render::render(&story.text, &story.script, &cast, &engines, &opts)
        .with_context(|| format!("cannot render {}", path.display()))?;
    let code = finish(&report, &opts, args.quiet)?;
    // Exported even when some lines failed: the manifest is written and the rest is worth having.
    let written = export::export_all(&opts.out_dir, &exports.options())
        .context("the chapters and manifest.json are written, but not the listening outputs")?;
    if !args.quiet {
        note!("wrote {} caption, cue sheet, label and audiobook file(s)", written.len());
    }
    Ok(code)
}

fn export_command(dir: &Path, args: &ExportArgs) -> Result<ExitCode> {
    let written = export::export_all(dir, &args.options())?;
    let mut out = std::io::stdout().lock();
    for path in written {
        writeln!(out, "{}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the summary and failures; a render with failures exits non-zero.
fn finish(report: &Manifest, opts: &RenderOptions, quiet: bool) -> Result<ExitCode> {
    if !quiet {
        let rtf = if report.wall_s > 0.0 { report.audio_s / report.wall_s } else { 0.0 };
        note!(
            "wrote {} file(s) to {}{}: {:.1} min of audio in {:.1} s ({:.0}x real time); {} line(s) synthesized, {} from cache{}",
            report.chapters.len() - report.chapters_kept,
            opts.out_dir.display(),
            if report.chapters_kept > 0 {
                format!(" ({} unchanged chapter(s) kept)", report.chapters_kept)
            } else {
                String::new()
            },
            report.audio_s / 60.0,
            report.wall_s,
            rtf,
            report.synthesized,
            report.cache_hits,
            if report.fallbacks > 0 {
                format!(", {} in the narrator's voice after their own failed", report.fallbacks)
            } else {
                String::new()
            },
        );
    }
    for warning in &report.warnings {
        note!("warning: {warning}");
    }
    if report.failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for f in &report.failures {
        note!("error: line {} ({}) was not voiced: {}", f.line, f.voice, f.error);
    }
    note!("error: {} line(s) could not be voiced; everything else was written", report.failures.len());
    Ok(ExitCode::FAILURE)
}

/// Serves the studio: the render's settings as `render` takes them, so the studio plays what a
/// render makes.
fn studio_command(path: &Path, voices: &Path, port: u16, args: &RenderArgs) -> Result<ExitCode> {
    let story = read_story(path, voices)?;
    let render = render_options(&story, args);
    let settings = studio::Settings {
        story: path.to_path_buf(),
        voices: voices.to_path_buf(),
        skip_notes: args.skip_notes,
        engines: engine_base(&args.engines, Some(&render.cache_dir), voices),
        engine: args.engines.engine.clone(),
        render,
    };
    let quiet = args.quiet;
    studio::serve(settings, port, |url| {
        println!("studio: {url}");
        let _ = std::io::stdout().flush();
        if !quiet {
            note!("Open that address in a browser (it carries the studio's token); Ctrl+C stops the studio.");
        }
    })
    .with_context(|| format!("cannot run the studio for {}", path.display()))?;
    Ok(ExitCode::SUCCESS)
}

fn preview_command(path: &Path, story: &Story, pick: &Pick, play: bool, args: &RenderArgs) -> Result<ExitCode> {
    let indexes = story.pick(pick)?;
    let mut opts = render_options(story, args);
    let (cast, engines) = cast_for(story, &args.engines, Some(&opts.cache_dir))?;
    let file = opts.out_dir.join("preview.wav");
    opts.selection = Selection::Lines { indexes, file: file.clone() };
    let report = render::render(&story.text, &story.script, &cast, &engines, &opts)
        .with_context(|| format!("cannot render a preview of {}", path.display()))?;
    let code = finish(&report, &opts, args.quiet)?;
    if play {
        play_file(&file)?;
    }
    Ok(code)
}

/// Reads the picked lines aloud with the platform's speech service.
#[cfg(feature = "speak")]
fn speak_command(story: &Story, pick: &Pick) -> Result<ExitCode> {
    let lines: Vec<audiobook::speak::Utterance> = story
        .pick(pick)?
        .into_iter()
        .filter_map(|i| {
            let line = &story.script.lines[i];
            let text = plan::spoken(&story.text[line.span.range()], story.config.pronunciations());
            plan::is_speakable(&text).then(|| audiobook::speak::Utterance { speaker: line.speaker.clone(), text })
        })
        .collect();
    audiobook::speak::say_all(&lines)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "speak"))]
fn speak_command(_story: &Story, _pick: &Pick) -> Result<ExitCode> {
    bail!(
        "this build has no live speech; rebuild with `cargo build --release --features speak` (on Linux it needs the packages libspeechd-dev and clang), or use --play"
    )
}

/// Plays a WAV with the first player found.
fn play_file(file: &Path) -> Result<()> {
    for player in ["paplay", "aplay", "afplay", "ffplay"] {
        let mut cmd = std::process::Command::new(player);
        if player == "ffplay" {
            cmd.args(["-nodisp", "-autoexit", "-loglevel", "error"]);
        }
        match cmd.arg(file).status() {
            Ok(status) if status.success() => return Ok(()),
            Ok(status) => bail!("{player} could not play {} ({status})", file.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => bail!("cannot run {player}: {e}"),
        }
    }
    bail!("no audio player found (tried paplay, aplay, afplay, ffplay); the preview is at {}", file.display())
}

fn voices_command(sample: Option<&str>, args: &EngineArgs, voices: &Path) -> Result<ExitCode> {
    let engines = engines(args, None, voices, &config::load_defaults(voices)?)?;
    let engines = engines.chosen();
    let voices: Vec<_> = engines.iter().flat_map(|e| e.voices()).collect();
    report::write_voices(&mut std::io::stdout().lock(), &voices)?;
    if let Some(text) = sample {
        write_samples(engines, text)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_samples(engines: &[Arc<dyn Engine>], text: &str) -> Result<()> {
    let dir = PathBuf::from("output").join("voices");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut failed = 0;
    for engine in engines {
        for v in engine.voices() {
            let file = dir.join(format!("{}-{}.wav", engine.name(), plan::slug(&v.id)));
            let result = engine
                .synthesize(&v.id, audiobook::voice::Prosody::default(), text)
                .map_err(anyhow::Error::from)
                .and_then(|pcm| write_wav(&file, &pcm));
            if let Err(e) = result {
                failed += 1;
                note!("warning: {}:{}: {e:#}", engine.name(), v.id);
            }
        }
    }
    note!(
        "samples written to {}{}",
        dir.display(),
        if failed > 0 { format!(" ({failed} failed)") } else { String::new() }
    );
    Ok(())
}

fn write_wav(path: &Path, pcm: &audiobook::audio::Pcm) -> Result<()> {
    let mut writer = audiobook::audio::wav::ChapterWriter::create(path, pcm.sample_rate)?;
    writer.write(pcm)?;
    writer.finish()?;
    Ok(())
}
