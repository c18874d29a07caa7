//! Presenting a script, a cast and voices: the JSON Lines contract and readable tables.

use crate::cast::Cast;
use crate::engine::{VoiceInfo, catalogue};
use crate::script::{Kind, Line, Script};
use serde::Serialize;
use std::io::{self, Write};

/// One object of `script --format jsonl` (the contract's fields, then extras).
#[derive(Serialize)]
struct JsonLine<'a> {
    chapter: usize,
    scene: usize,
    paragraph: usize,
    kind: Kind,
    start: usize,
    end: usize,
    text: &'a str,
    speaker: Option<&'a str>,
    confidence: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<&'a str>,
    /// 1-based line number, as `--lines` and voices files take it.
    line: usize,
}

/// Writes one JSON object per line, in document order.
pub fn write_jsonl(out: &mut impl Write, text: &str, script: &Script) -> io::Result<()> {
    for (i, l) in script.lines.iter().enumerate() {
        let obj = JsonLine {
            chapter: l.chapter,
            scene: l.scene,
            paragraph: l.paragraph,
            kind: l.kind,
            start: l.span.start,
            end: l.span.end,
            text: &text[l.span.range()],
            speaker: l.speaker.as_deref(),
            confidence: (l.confidence * 1000.0).round() / 1000.0,
            evidence: l.evidence.as_deref(),
            line: i + 1,
        };
        serde_json::to_writer(&mut *out, &obj)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// ANSI colours, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Always,
    Never,
}

/// Writes a readable script: chapter and scene markers, speaker labels, narration indented.
pub fn write_text(out: &mut impl Write, text: &str, script: &Script, color: Color) -> io::Result<()> {
    let paint = |code: &str, s: &str| match color {
        Color::Always => format!("\x1b[{code}m{s}\x1b[0m"),
        Color::Never => s.to_string(),
    };
    let (mut chapter, mut scene) = (0, 0);
    for (i, l) in script.lines.iter().enumerate() {
        if l.chapter != chapter {
            chapter = l.chapter;
            scene = l.scene;
            let title = script.chapters.get(chapter - 1).map_or("", |c| c.title.as_str());
            writeln!(out, "{}", paint("1;34", &format!("== Chapter {chapter}: {title}")))?;
        } else if l.scene != scene {
            scene = l.scene;
            writeln!(out, "{}", paint("34", &format!("-- Scene {scene}")))?;
        }
        let body = one_line(&text[l.span.range()]);
        match l.kind {
            Kind::Dialogue => {
                let who = l.speaker.as_deref().unwrap_or("?");
                let conf = format!("{:.0}%", l.confidence * 100.0);
                writeln!(out, "{:>5} {} {}: {}", i + 1, paint("1;33", who), paint("2", &conf), body)?;
            }
            Kind::Narration => writeln!(out, "{:>5}     {}", i + 1, body)?,
            Kind::Heading => writeln!(out, "{:>5} {}", i + 1, paint("1", &body))?,
            Kind::Note => writeln!(out, "{:>5} {}", i + 1, paint("2;3", &format!("[note] {body}")))?,
        }
    }
    Ok(())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Below this confidence a speaker guess is doubtful: what `audiobook script --review` lists and
/// the studio marks.
pub const DOUBTFUL_BELOW: f32 = 0.6;

/// Whether a line is dialogue below a confidence threshold.
pub fn is_doubtful(l: &Line, min_confidence: f32) -> bool {
    l.kind == Kind::Dialogue && l.confidence < min_confidence
}

/// The cast as a table: each character's gender, lines, words, share of the words and voice.
pub fn write_cast(out: &mut impl Write, text: &str, script: &Script, cast: &Cast) -> io::Result<()> {
    let total_words: usize = script.lines.iter().map(|l| text[l.span.range()].split_whitespace().count()).sum();
    writeln!(out, "{:<24} {:<8} {:>6} {:>7} {:>6}  voice", "character", "gender", "lines", "words", "share")?;
    writeln!(out, "{:<24} {:<8} {:>6} {:>7} {:>6}  {}", "(narrator)", "", "", "", "", cast.narrator.label())?;
    for m in &cast.members {
        let c = &m.character;
        let share = 100.0 * c.words as f64 / total_words.max(1) as f64;
        let gender = format!("{:?}", c.gender).to_lowercase();
        let (name, lines, words, voice) = (&c.name, c.lines, c.words, m.voice.label());
        writeln!(out, "{name:<24} {gender:<8} {lines:>6} {words:>7} {share:>5.1}%  {voice}")?;
    }
    Ok(())
}

/// The voices of the engines found, one per row, with their measured intelligibility and
/// naturalness (see [`crate::engine::catalogue`]).
pub fn write_voices(out: &mut impl Write, voices: &[VoiceInfo]) -> io::Result<()> {
    let header = ("engine", "voice", "accent", "gender", "kind", "intelligibility", "naturalness");
    let (e, v, a, g, k, i, n) = header;
    writeln!(out, "{e:<10} {v:<28} {a:<12} {g:<8} {k:<8} {i:<15} {n}")?;
    for v in voices {
        let kind = match (catalogue::sounds_natural(&v.engine, &v.id), v.natural) {
            (true, _) => "neural",
            (false, true) => "natural",
            (false, false) => "formant",
        };
        let score = v.intelligibility.map_or("-".to_string(), |s| format!("{s:.2}"));
        let measured = catalogue::NATURALNESS.iter().find(|m| m.0 == v.engine && m.1 == v.id);
        let natural = measured.map_or("-".to_string(), |m| format!("{:.2}", m.2));
        let gender = format!("{:?}", v.gender).to_lowercase();
        writeln!(out, "{:<10} {:<28} {:<12} {gender:<8} {kind:<8} {score:<15} {natural}", v.engine, v.id, v.accent)?;
    }
    Ok(())
}
