//! The `audiobook` command line: parses arguments, calls the library, maps outcomes to exit codes.

use anyhow::{Context, Result, bail};
use audiobook::cast::{self, Cast};
use audiobook::engine::{self, Engine, EngineConfig};
use audiobook::progress::Display;
use audiobook::render::{self, RenderOptions, RenderReport, Selection};
use audiobook::script::Script;
use audiobook::{attribute, config, export, load, report, segment};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "audiobook", version, about = "Turns stories into multi-voice audiobooks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Folder of voices files (`default.toml`, `<story>.toml`).
    #[arg(long, global = true, default_value = "voices", value_name = "DIR")]
    voices: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Show how a story is split into chapters, scenes, narration and dialogue, and who speaks.
    Script {
        /// The story file (plain text, Markdown, HTML or EPUB).
        story: PathBuf,
        #[arg(long, value_enum, default_value_t = ScriptFormat::Text)]
        format: ScriptFormat,
        /// Only list dialogue lines whose speaker guess is below this confidence (0 to 1).
        #[arg(long, value_name = "X")]
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
        #[arg(long, conflicts_with_all = ["lines", "character"])]
        chapter: Option<usize>,
        /// The scene within --chapter (1-based).
        #[arg(long, requires = "chapter")]
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
    /// Use only this engine: espeak-ng, flite, festival, say, sapi or embedded.
    #[arg(long)]
    engine: Option<String>,
    /// Seconds one line may take before its engine is stopped.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
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
    /// Lines synthesized at once (default: the number of cores).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// The book's sample rate in Hz (default: 24000, or 22050 when the narrator's engine renders
    /// at 22.05 kHz, as espeak-ng does)
    #[arg(long)]
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
    /// The book's title (default: the book's own, else the story name).
    #[arg(long, value_name = "T")]
    title: Option<String>,
    /// The book's author (default: the book's own, from an EPUB or an AO3 download).
    #[arg(long, value_name = "A")]
    author: Option<String>,
    /// Also write a read-along EPUB 3: the text, highlighted line by line as the audio plays
    /// (needs ffmpeg).
    #[arg(long)]
    epub: bool,
}

impl ExportArgs {
    fn options(&self) -> export::ExportOptions {
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
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
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
    let voices = cli.voices.as_path();
    match cli.command {
        Command::Script { story, format, min_confidence, review, text } => {
            let story = read_story(&story, voices)?;
            if text {
                let mut out = std::io::stdout().lock();
                out.write_all(story.text.as_bytes()).and_then(|()| out.flush()).context("cannot write the text")?;
                return Ok(ExitCode::SUCCESS);
            }
            let threshold = min_confidence.or(review.then_some(0.6));
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
        Command::Voices { sample, engines } => voices_command(sample.as_deref(), &engines),
        Command::EngineWorker { engine } => {
            let stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let code = engine::worker::serve(&engine, std::io::stdin().lock(), stdout);
            Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
        }
    }
}

/// A story read, segmented and attributed, with its voices files applied.
struct Story {
    name: String,
    text: String,
    script: Script,
    characters: Vec<attribute::Character>,
    config: config::Loaded,
    /// The file's format and what the book says about itself (title, author, cover).
    format: load::Format,
    metadata: load::Metadata,
}

fn read_story(path: &Path, voices: &Path) -> Result<Story> {
    let text = load::load(path)?;
    for w in &text.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
    let mut script = segment::segment(&text);
    let characters = attribute::attribute(&text.text, &mut script);
    let name = path.file_stem().map_or_else(|| "story".to_string(), |s| s.to_string_lossy().into_owned());
    let config = config::load(voices, &name)?;
    let mut characters = characters;
    config.apply_to_script(&text.text, &mut script, &mut characters)?;
    Ok(Story { name, text: text.text, script, characters, config, format: text.format, metadata: text.metadata })
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

/// The engines asked for; `cache` is a render's cache, where they may keep their voice listings.
fn engines(args: &EngineArgs, cache: Option<&Path>) -> Result<Vec<Arc<dyn Engine>>> {
    // This very program serves as the worker process of library engines, unless told to run
    // every engine as its program (to debug an engine, or to use a wrapper script on PATH).
    let programs_only = std::env::var_os("AUDIOBOOK_ENGINE_WORKERS").is_some_and(|v| v == "0");
    let worker = if programs_only { None } else { std::env::current_exe().ok() };
    let saved = cache.map(|dir| dir.join(ENGINES_DIR));
    let config = EngineConfig { timeout: Duration::from_secs(args.timeout.max(1)), worker, saved };
    match &args.engine {
        Some(name) => Ok(vec![engine::by_name(name, &config)?]),
        None => Ok(engine::discover(&config)),
    }
}

/// Where in a render cache the engines keep what they learned about themselves.
const ENGINES_DIR: &str = "engines";

/// The automatic cast with the voices files' choices on top.
fn cast_for(story: &Story, args: &EngineArgs, cache: Option<&Path>) -> Result<Cast> {
    let engines = engines(args, cache)?;
    let mut cast = cast::auto_cast(&story.characters, &engines).context("no voice is available on this machine")?;
    story.config.apply_to_cast(&mut cast, &engines)?;
    Ok(cast)
}

fn cast_command(story: &Story, format: CastFormat, write: bool, voices: &Path, args: &EngineArgs) -> Result<ExitCode> {
    let cast = cast_for(story, args, None)?;
    let mut out = std::io::stdout().lock();
    match format {
        CastFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&cast.to_json())?)?,
        CastFormat::Table => write_cast_table(&mut out, story, &cast)?,
    }
    if write {
        let path = config::write_cast(voices, &story.name, &cast)?;
        eprintln!("wrote {}; edit it to change voices, names, speakers and pronunciations", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn write_cast_table(out: &mut impl Write, story: &Story, cast: &Cast) -> std::io::Result<()> {
    let total_words: usize =
        story.script.lines.iter().map(|l| story.text[l.span.range()].split_whitespace().count()).sum();
    writeln!(out, "{:<24} {:<8} {:>6} {:>7} {:>6}  voice", "character", "gender", "lines", "words", "share")?;
    writeln!(out, "{:<24} {:<8} {:>6} {:>7} {:>6}  {}", "(narrator)", "", "", "", "", cast.narrator.label())?;
    for m in &cast.members {
        let c = &m.character;
        let share = 100.0 * c.words as f64 / total_words.max(1) as f64;
        let gender = format!("{:?}", c.gender).to_lowercase();
        writeln!(
            out,
            "{:<24} {:<8} {:>6} {:>7} {:>5.1}%  {}",
            c.name,
            gender,
            c.lines,
            c.words,
            share,
            m.voice.label()
        )?;
    }
    Ok(())
}

fn render_options(story: &Story, args: &RenderArgs) -> RenderOptions {
    let out_dir = args.output.clone().unwrap_or_else(|| PathBuf::from("output").join(&story.name));
    let cache = args.cache.clone().unwrap_or_else(|| PathBuf::from("output").join(".cache"));
    let mut opts = RenderOptions::new(&story.name, out_dir, cache);
    if let Some(j) = args.jobs {
        opts.jobs = j.max(1);
    }
    opts.sample_rate = args.sample_rate;
    opts.skip_notes = args.skip_notes || story.config.skip_notes();
    opts.pronunciations = story.config.pronunciations().clone();
    opts.pauses = story.config.pauses();
    opts.display = if args.quiet { Display::Hidden } else { Display::Auto };
    opts
}

fn render_command(path: &Path, story: &Story, args: &RenderArgs, exports: &ExportArgs) -> Result<ExitCode> {
    let mut opts = render_options(story, args);
    opts.book = export::source::save(
        &opts.out_dir,
        &story.text,
        story.format,
        &story.metadata,
        exports.title.as_deref(),
        exports.author.as_deref(),
    )?;
    let cast = cast_for(story, &args.engines, Some(&opts.cache_dir))?;
    let report = render::render(&story.text, &story.script, &cast.casting(), &opts)
        .with_context(|| format!("cannot render {}", path.display()))?;
    let code = finish(&report, &opts, args.quiet)?;
    // Exported even when some lines failed: the manifest is written and the rest is worth having.
    let written = export::export_all(&opts.out_dir, &exports.options())
        .context("the chapters and manifest.json are written, but not the listening outputs")?;
    if !args.quiet {
        eprintln!("wrote {} caption, cue sheet, label and audiobook file(s)", written.len());
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
fn finish(report: &RenderReport, opts: &RenderOptions, quiet: bool) -> Result<ExitCode> {
    if !quiet {
        let rtf = if report.wall_s > 0.0 { report.audio_s / report.wall_s } else { 0.0 };
        eprintln!(
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
    if report.failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for f in &report.failures {
        eprintln!("error: line {} ({}) was not voiced: {}", f.line, f.voice, f.error);
    }
    eprintln!("error: {} line(s) could not be voiced; everything else was written", report.failures.len());
    Ok(ExitCode::FAILURE)
}

/// Which part of a story `preview` renders.
struct Pick {
    chapter: Option<usize>,
    scene: Option<usize>,
    lines: Option<String>,
    character: Option<String>,
}

fn pick_lines(story: &Story, pick: &Pick) -> Result<Vec<usize>> {
    let lines = &story.script.lines;
    let chosen: Vec<usize> = if let Some(range) = &pick.lines {
        let (a, b) = parse_range(range)?;
        (a.saturating_sub(1)..b.min(lines.len())).collect()
    } else if let Some(name) = &pick.character {
        let wanted = name.to_lowercase();
        let known = story.characters.iter().any(|c| c.name.to_lowercase() == wanted);
        if !known {
            let names: Vec<&str> = story.characters.iter().map(|c| c.name.as_str()).collect();
            bail!("no character called {name:?}; the characters are: {}", names.join(", "));
        }
        (0..lines.len()).filter(|&i| lines[i].speaker.as_deref().is_some_and(|s| s.to_lowercase() == wanted)).collect()
    } else {
        let chapter = pick.chapter.unwrap_or(1);
        if chapter == 0 || chapter > story.script.chapters.len() {
            bail!("the story has chapters 1 to {}; there is no chapter {chapter}", story.script.chapters.len());
        }
        (0..lines.len())
            .filter(|&i| lines[i].chapter == chapter && pick.scene.is_none_or(|s| lines[i].scene == s))
            .collect()
    };
    if chosen.is_empty() {
        bail!("nothing to preview: the selection holds no lines");
    }
    Ok(chosen)
}

fn parse_range(s: &str) -> Result<(usize, usize)> {
    let bad = || anyhow::anyhow!("--lines takes A..B, 1-based and inclusive, for example 10..25 (got {s:?})");
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let a: usize = a.trim().parse().map_err(|_| bad())?;
    let b: usize = b.trim().trim_start_matches('=').parse().map_err(|_| bad())?;
    if a == 0 || b < a {
        return Err(bad());
    }
    Ok((a, b))
}

fn preview_command(path: &Path, story: &Story, pick: &Pick, play: bool, args: &RenderArgs) -> Result<ExitCode> {
    let indexes = pick_lines(story, pick)?;
    let mut opts = render_options(story, args);
    let cast = cast_for(story, &args.engines, Some(&opts.cache_dir))?;
    let file = opts.out_dir.join("preview.wav");
    opts.selection = Selection::Lines { indexes, file: file.clone() };
    let report = render::render(&story.text, &story.script, &cast.casting(), &opts)
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
    use audiobook::plan;
    let lines: Vec<audiobook::speak::Utterance> = pick_lines(story, pick)?
        .into_iter()
        .filter_map(|i| {
            let line = &story.script.lines[i];
            let text =
                plan::pronounce(&plan::spoken_text(&story.text[line.span.range()]), story.config.pronunciations());
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

fn voices_command(sample: Option<&str>, args: &EngineArgs) -> Result<ExitCode> {
    let engines = engines(args, None)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<10} {:<28} {:<12} {:<8} {:<8} intelligibility", "engine", "voice", "accent", "gender", "kind")?;
    for engine in &engines {
        for v in engine.voices() {
            let kind = if v.natural { "natural" } else { "formant" };
            let score = v.intelligibility.map_or("-".to_string(), |s| format!("{s:.2}"));
            let gender = format!("{:?}", v.gender).to_lowercase();
            writeln!(out, "{:<10} {:<28} {:<12} {:<8} {:<8} {score}", v.engine, v.id, v.accent, gender, kind)?;
        }
    }
    if let Some(text) = sample {
        write_samples(&engines, text)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_samples(engines: &[Arc<dyn Engine>], text: &str) -> Result<()> {
    let dir = PathBuf::from("output").join("voices");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut failed = 0;
    for engine in engines {
        for v in engine.voices() {
            let file = dir.join(format!("{}-{}.wav", engine.name(), render::slug(&v.id)));
            let result = engine
                .synthesize(&v.id, engine::Prosody::default(), text)
                .map_err(anyhow::Error::from)
                .and_then(|pcm| write_wav(&file, &pcm));
            if let Err(e) = result {
                failed += 1;
                eprintln!("warning: {}:{}: {e:#}", engine.name(), v.id);
            }
        }
    }
    eprintln!(
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
