//! The commands: each reads what it needs through the library and prints or writes the outcome.

use super::args::{CastFormat, EngineArgs, ExportArgs, RenderArgs, ScriptFormat};
use super::read_story;
use anyhow::{Context, Result, bail};
use audiobook::cast::Cast;
use audiobook::engine::{Engine, EngineConfig, Engines};
use audiobook::manifest::Manifest;
use audiobook::pipeline::{Pick, Story};
use audiobook::plan::{self, Selection};
use audiobook::progress::Display;
use audiobook::render::{self, RenderOptions};
use audiobook::{config, export, report, studio};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

pub fn script_command(story: &Story, format: ScriptFormat, threshold: Option<f32>) -> Result<ExitCode> {
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

pub fn cast_command(
    story: &Story,
    format: CastFormat,
    write: bool,
    voices: &Path,
    args: &EngineArgs,
) -> Result<ExitCode> {
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

pub fn render_command(path: &Path, story: &Story, args: &RenderArgs, exports: &ExportArgs) -> Result<ExitCode> {
    let mut opts = render_options(story, args);
    (opts.book, opts.beside) = export::source::prepare(
        &story.text,
        story.format,
        &story.metadata,
        exports.title.as_deref(),
        exports.author.as_deref(),
    );
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

pub fn export_command(dir: &Path, args: &ExportArgs) -> Result<ExitCode> {
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
pub fn studio_command(path: &Path, voices: &Path, port: u16, args: &RenderArgs) -> Result<ExitCode> {
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

pub fn preview_command(path: &Path, story: &Story, pick: &Pick, play: bool, args: &RenderArgs) -> Result<ExitCode> {
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
pub fn speak_command(story: &Story, pick: &Pick) -> Result<ExitCode> {
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
pub fn speak_command(_story: &Story, _pick: &Pick) -> Result<ExitCode> {
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

pub fn voices_command(sample: Option<&str>, args: &EngineArgs, voices: &Path) -> Result<ExitCode> {
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
