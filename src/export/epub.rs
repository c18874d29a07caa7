//! A read-along EPUB 3: the story's text with media overlays (SMIL) whose clips are the
//! manifest's line times, so a reading app highlights each line as it is spoken.
//!
//! One XHTML document, one SMIL document and one AAC audio file (`audio/mp4`, encoded by ffmpeg
//! from the chapter's WAVs) per chapter. Each voiced line is a `<span id="lN">` (N its line number
//! in the script) carrying its kind as its class and its speaker as `data-speaker` (`narrator`
//! for lines the narrator speaks); the text between lines (quotation marks, spaces) comes from
//! the extracted text the render saved, so the page reads as the book does. The package passes
//! epubcheck.

use super::m4b::{concat_list, default_timeout, run};
use super::source::TEXT_FILE;
use super::{Book, Chapter, ExportError, Format, Line, millis, write_text};
use crate::script::Kind;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// AAC at this rate keeps an hour of speech near 30 MB, as in the `.m4b`.
const BITRATE: &str = "64k";

/// The read-along EPUB, as an export format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadAlongEpub {
    pub ffmpeg: PathBuf,
    /// How long ffmpeg may take per chapter; `None` scales with the chapter's length.
    pub timeout: Option<Duration>,
}

impl Format for ReadAlongEpub {
    fn write(&self, book: &Book, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
        let text = book
            .manifest
            .book
            .source_text
            .as_deref()
            .and_then(|name| std::fs::read_to_string(dir.join(Path::new(name).file_name()?)).ok())
            .or_else(|| std::fs::read_to_string(dir.join(TEXT_FILE)).ok());
        let work = tempfile::tempdir().map_err(|source| ExportError::Write { path: std::env::temp_dir(), source })?;
        let mut audio = Vec::new();
        for (n, chapter) in book.manifest.chapters.iter().enumerate() {
            audio.push(self.encode(chapter, dir, work.path(), n + 1)?);
        }
        let out = dir.join(format!("{}.epub", book.base_name()));
        let partial = dir.join(format!(".{}.epub.partial", book.base_name()));
        let result = package(book, text.as_deref(), &audio, book.cover(dir).as_deref(), &partial);
        if let Err(e) = result {
            let _ = std::fs::remove_file(&partial); // best effort: the error below matters more
            return Err(e);
        }
        std::fs::rename(&partial, &out).map_err(|source| ExportError::Write { path: out.clone(), source })?;
        Ok(vec![out])
    }
}

impl ReadAlongEpub {
    /// Encodes one chapter's WAVs (the file and its parts) to AAC; gives the file.
    fn encode(&self, chapter: &Chapter, dir: &Path, work: &Path, n: usize) -> Result<PathBuf, ExportError> {
        let dir = std::path::absolute(dir).map_err(|source| ExportError::Write { path: dir.to_path_buf(), source })?;
        let mut inputs = Vec::new();
        for name in std::iter::once(&chapter.file).chain(&chapter.parts) {
            let path = dir.join(Path::new(name).file_name().unwrap_or(name.as_ref()));
            if !path.is_file() {
                return Err(ExportError::MissingAudio { path });
            }
            inputs.push(path);
        }
        let list = write_text(&work.join(format!("chapter-{n:03}.txt")), &concat_list(&inputs))?;
        let out = work.join(format!("chapter-{n:03}.m4a"));
        let mut args: Vec<std::ffi::OsString> =
            ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i"]
                .map(Into::into)
                .to_vec();
        args.push(list.into());
        args.extend(
            // The fast coder: a third of the default's CPU; speech at 64 kb/s sounds the same.
            [
                "-map",
                "0:a",
                "-c:a",
                "aac",
                "-aac_coder",
                "fast",
                "-b:a",
                BITRATE,
                "-movflags",
                "+faststart",
                "-f",
                "mp4",
            ]
            .map(Into::into),
        );
        args.push(out.clone().into());
        let timeout = self.timeout.unwrap_or_else(|| default_timeout(chapter.duration_s));
        run(&self.ffmpeg, &args, timeout, &work.join(format!("chapter-{n:03}.log")))?;
        Ok(out)
    }
}

/// Writes the EPUB's zip: `mimetype` first and stored, as the format requires.
fn package(
    book: &Book,
    text: Option<&str>,
    audio: &[PathBuf],
    cover: Option<&Path>,
    out: &Path,
) -> Result<(), ExportError> {
    let fail = |reason: String| ExportError::Epub { path: out.to_path_buf(), reason };
    let file = std::fs::File::create(out).map_err(|source| ExportError::Write { path: out.to_path_buf(), source })?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut add = |name: &str, bytes: &[u8], compress: bool| -> Result<(), ExportError> {
        zip.start_file(name, if compress { deflated } else { stored }).map_err(|e| fail(e.to_string()))?;
        zip.write_all(bytes).map_err(|e| fail(e.to_string()))
    };
    add("mimetype", b"application/epub+zip", false)?;
    add("META-INF/container.xml", CONTAINER.as_bytes(), true)?;
    let lang = book.manifest.book.language.clone().filter(|l| !l.trim().is_empty()).unwrap_or_else(|| "en".into());
    let cover_name = cover.map(|c| {
        format!("images/cover.{}", c.extension().map_or("img".into(), |e| e.to_string_lossy().to_ascii_lowercase()))
    });
    let mut durations = Vec::new();
    for (n, chapter) in book.manifest.chapters.iter().enumerate() {
        let n = n + 1;
        add(&format!("OEBPS/{}", text_name(n)), chapter_xhtml(chapter, text, &lang).as_bytes(), true)?;
        let (smil, ms) = smil(chapter, n);
        durations.push(ms);
        add(&format!("OEBPS/{}", smil_name(n)), smil.as_bytes(), true)?;
        let bytes =
            std::fs::read(&audio[n - 1]).map_err(|source| ExportError::Write { path: audio[n - 1].clone(), source })?;
        add(&format!("OEBPS/{}", audio_name(n)), &bytes, false)?;
    }
    if let (Some(cover), Some(name)) = (cover, &cover_name) {
        let bytes = std::fs::read(cover).map_err(|source| ExportError::Write { path: cover.to_path_buf(), source })?;
        add(&format!("OEBPS/{name}"), &bytes, true)?;
    }
    add("OEBPS/style.css", STYLE.as_bytes(), true)?;
    add("OEBPS/nav.xhtml", nav(book, &lang).as_bytes(), true)?;
    add("OEBPS/content.opf", opf(book, &lang, &durations, cover_name.as_deref()).as_bytes(), true)?;
    let writer = zip.finish().map_err(|e| fail(e.to_string()))?;
    writer.into_inner().map_err(|e| fail(e.to_string()))?.sync_all().map_err(|e| fail(e.to_string()))
}

const CONTAINER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"#;

/// The class reading systems give the line being spoken (named in the package's metadata).
const ACTIVE_CLASS: &str = "-epub-media-overlay-active";

const STYLE: &str = "body { line-height: 1.5; }\n\
h2 { text-align: center; }\n\
.note { font-style: italic; }\n\
hr { width: 30%; margin: 1.5em auto; }\n\
.-epub-media-overlay-active { background-color: #fff3a8; }\n";

fn text_name(n: usize) -> String {
    format!("text/chapter-{n:03}.xhtml")
}

fn smil_name(n: usize) -> String {
    format!("smil/chapter-{n:03}.smil")
}

fn audio_name(n: usize) -> String {
    format!("audio/chapter-{n:03}.m4a")
}

/// The id of a line's element.
fn line_id(line: &Line, k: usize) -> String {
    if line.line > 0 { format!("l{}", line.line) } else { format!("k{k}") }
}

/// Whether a line has a clip: failed lines are silent and take no time.
fn has_clip(line: &Line) -> bool {
    line.is_voiced()
}

/// A chapter's page: its lines in their paragraphs, scenes apart.
fn chapter_xhtml(chapter: &Chapter, text: Option<&str>, lang: &str) -> String {
    let mut body = String::new();
    let mut open: Option<(usize, &'static str, usize)> = None; // (paragraph, tag, end of its last line)
    let mut scene = None;
    for (k, line) in chapter.lines.iter().enumerate() {
        let span = line_span(line, text);
        if open.is_some_and(|(p, _, _)| p != line.paragraph || line.paragraph == 0)
            || scene.is_some_and(|s| s != line.scene)
        {
            close(&mut body, &mut open, text);
        }
        if scene.is_some_and(|s| s != line.scene) {
            body.push_str("<hr/>\n");
        }
        scene = Some(line.scene);
        match (&mut open, span, text) {
            (Some((_, _, end)), Some((start, _)), Some(t)) if *end > 0 && *end <= start => {
                body.push_str(&escape(&t[*end..start].replace(['\n', '\r'], " ")));
            }
            (Some(_), _, _) => body.push(' '),
            (None, _, _) => {
                let (tag, class) = match line.kind {
                    Kind::Heading => ("h2", ""),
                    Kind::Note => ("p", " class=\"note\""),
                    Kind::Narration | Kind::Dialogue => ("p", ""),
                };
                let _ = write!(body, "<{tag}{class}>");
                if let (Some((start, _)), Some(t)) = (span, text) {
                    let from = t[..start].rfind('\n').map_or(0, |i| i + 1);
                    body.push_str(&escape(&t[from..start]));
                }
                open = Some((line.paragraph, tag, 0));
            }
        }
        let words = match (span, text) {
            (Some((start, end)), Some(t)) => t[start..end].replace(['\n', '\r'], " "),
            _ => line.text.clone(),
        };
        let speaker = line.speaker.as_deref().filter(|s| !s.trim().is_empty()).unwrap_or("narrator");
        let kind = line.kind.name();
        let _ = write!(
            body,
            "<span id=\"{}\" class=\"{}\" data-speaker=\"{}\">{}</span>",
            line_id(line, k),
            escape(kind),
            escape(speaker),
            escape(&words)
        );
        if let Some((_, _, end)) = &mut open {
            *end = span.map_or(0, |(_, e)| e);
        }
    }
    close(&mut body, &mut open, text);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n\
<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" xml:lang=\"{lang}\" lang=\"{lang}\">\n\
<head>\n<meta charset=\"UTF-8\"/>\n<title>{title}</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"../style.css\"/>\n</head>\n\
<body>\n<section epub:type=\"chapter\" id=\"chapter\">\n{body}</section>\n</body>\n</html>\n",
        lang = escape(lang),
        title = escape(&chapter.title),
    )
}

/// Ends the open paragraph with the text after its last line up to the end of that line of the
/// source (a closing quotation mark).
fn close(body: &mut String, open: &mut Option<(usize, &'static str, usize)>, text: Option<&str>) {
    let Some((_, tag, end)) = open.take() else { return };
    if let Some(t) = text
        && end > 0
        && end <= t.len()
    {
        let to = t[end..].find('\n').map_or(t.len(), |i| end + i);
        body.push_str(&escape(&t[end..to]));
    }
    let _ = writeln!(body, "</{tag}>");
}

/// A line's span in the extracted text, when the text is there and the span fits it.
fn line_span(line: &Line, text: Option<&str>) -> Option<(usize, usize)> {
    let [start, end] = line.span;
    let t = text?;
    (start < end && end <= t.len() && t.is_char_boundary(start) && t.is_char_boundary(end)).then_some((start, end))
}

/// A chapter's media overlay: one `<par>` per voiced line, its clip the line's manifest times.
/// Gives the document and its duration in milliseconds (the sum of its clips).
fn smil(chapter: &Chapter, n: usize) -> (String, u64) {
    let mut pars = String::new();
    let mut total = 0;
    for (k, line) in chapter.lines.iter().enumerate().filter(|(_, l)| has_clip(l)) {
        let (begin, end) = (millis(line.start_s), millis(line.end_s));
        total += end.saturating_sub(begin);
        let id = line_id(line, k);
        let _ = writeln!(
            pars,
            "    <par id=\"p-{id}\">\n      <text src=\"../{text}#{id}\"/>\n      <audio src=\"../{audio}\" clipBegin=\"{b}\" clipEnd=\"{e}\"/>\n    </par>",
            text = text_name(n),
            audio = audio_name(n),
            b = clock(begin),
            e = clock(end),
        );
    }
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<smil xmlns=\"http://www.w3.org/ns/SMIL\" xmlns:epub=\"http://www.idpf.org/2007/ops\" version=\"3.0\">\n\
  <body>\n  <seq id=\"seq-{n}\" epub:textref=\"../{text}#chapter\" epub:type=\"chapter\">\n{pars}  </seq>\n  </body>\n</smil>\n",
        text = text_name(n),
    );
    (doc, total)
}

/// A SMIL clock value in seconds: `12.345s`.
fn clock(ms: u64) -> String {
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

/// A duration as `h:mm:ss.fff`, as the package's `media:duration` wants it.
fn duration(ms: u64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}:{:02}.{:03}", s / 3600, s / 60 % 60, s % 60, ms % 1000)
}

fn nav(book: &Book, lang: &str) -> String {
    let mut items = String::new();
    for (n, chapter) in book.manifest.chapters.iter().enumerate() {
        let _ = writeln!(items, "      <li><a href=\"{}\">{}</a></li>", text_name(n + 1), escape(&chapter.title));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n\
<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" xml:lang=\"{lang}\" lang=\"{lang}\">\n\
<head>\n<meta charset=\"UTF-8\"/>\n<title>{title}</title>\n</head>\n<body>\n\
  <nav epub:type=\"toc\" id=\"toc\">\n    <h1>{title}</h1>\n    <ol>\n{items}    </ol>\n  </nav>\n</body>\n</html>\n",
        lang = escape(lang),
        title = escape(&book.title),
    )
}

fn opf(book: &Book, lang: &str, durations: &[u64], cover: Option<&str>) -> String {
    let mut meta = String::new();
    let _ = writeln!(meta, "    <dc:identifier id=\"uid\">urn:uuid:{}</dc:identifier>", uuid(book));
    let _ = writeln!(meta, "    <dc:title>{}</dc:title>", escape(&book.title));
    if let Some(author) = &book.author {
        let _ = writeln!(meta, "    <dc:creator>{}</dc:creator>", escape(author));
    }
    let _ = writeln!(meta, "    <dc:language>{}</dc:language>", escape(lang));
    let _ = writeln!(meta, "    <meta property=\"dcterms:modified\">{}</meta>", now_utc());
    let _ = writeln!(meta, "    <meta property=\"media:duration\">{}</meta>", duration(durations.iter().sum()));
    for (n, ms) in durations.iter().enumerate() {
        let _ = writeln!(
            meta,
            "    <meta property=\"media:duration\" refines=\"#smil-{}\">{}</meta>",
            n + 1,
            duration(*ms)
        );
    }
    let _ = writeln!(meta, "    <meta property=\"media:active-class\">{ACTIVE_CLASS}</meta>");
    let mut items = String::new();
    let mut spine = String::new();
    let _ = writeln!(
        items,
        "    <item id=\"nav\" href=\"nav.xhtml\" media-type=\"application/xhtml+xml\" properties=\"nav\"/>"
    );
    let _ = writeln!(items, "    <item id=\"css\" href=\"style.css\" media-type=\"text/css\"/>");
    if let Some(cover) = cover {
        let _ = writeln!(
            items,
            "    <item id=\"cover\" href=\"{cover}\" media-type=\"{}\" properties=\"cover-image\"/>",
            image_type(cover)
        );
    }
    for n in 1..=book.manifest.chapters.len() {
        let _ = writeln!(
            items,
            "    <item id=\"chapter-{n}\" href=\"{}\" media-type=\"application/xhtml+xml\" media-overlay=\"smil-{n}\"/>",
            text_name(n)
        );
        let _ = writeln!(
            items,
            "    <item id=\"smil-{n}\" href=\"{}\" media-type=\"application/smil+xml\"/>",
            smil_name(n)
        );
        let _ = writeln!(items, "    <item id=\"audio-{n}\" href=\"{}\" media-type=\"audio/mp4\"/>", audio_name(n));
        let _ = writeln!(spine, "    <itemref idref=\"chapter-{n}\"/>");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"uid\" xml:lang=\"{lang}\">\n\
  <metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n{meta}  </metadata>\n\
  <manifest>\n{items}  </manifest>\n  <spine>\n{spine}  </spine>\n</package>\n",
        lang = escape(lang),
    )
}

fn image_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// A stable identifier for the book: a name-based UUID of its story, title and chapters.
fn uuid(book: &Book) -> String {
    let mut h = Sha256::new();
    h.update(book.manifest.story.as_bytes());
    h.update(book.title.as_bytes());
    for c in &book.manifest.chapters {
        h.update(format!("|{}|{}|{}", c.index, c.title, c.duration_s).as_bytes());
    }
    let mut b: Vec<u8> = h.finalize()[..16].to_vec();
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// The current time as `YYYY-MM-DDThh:mm:ssZ`.
fn now_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest / 60 % 60, rest % 60)
}

/// The calendar date of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Escapes text for XML content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::line;

    #[test]
    fn dates_and_clocks() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(clock(12_345), "12.345s");
        assert_eq!(duration(3_725_500), "1:02:05.500");
    }

    #[test]
    fn lines_keep_the_text_between_them() {
        let text = "Chapter 1\n\n\u{201C}Hi,\u{201D} said Ann. \u{201C}Tea?\u{201D}";
        let mut lines = vec![
            line(1, Kind::Heading, None, "Chapter 1", 0.4, 1.0),
            line(1, Kind::Dialogue, Some("Ann"), "Hi,", 1.5, 2.0),
            line(1, Kind::Narration, None, "said Ann.", 2.0, 2.5),
            line(1, Kind::Dialogue, Some("Ann"), "Tea?", 2.6, 3.0),
        ];
        let spans = [[0, 9], [14, 17], [21, 30], [34, 38]];
        for (i, (l, s)) in lines.iter_mut().zip(spans).enumerate() {
            l.line = i + 1;
            l.paragraph = if i == 0 { 1 } else { 2 };
            l.span = s;
        }
        let chapter = Chapter {
            index: 1,
            title: "Chapter 1".into(),
            file: "01.wav".into(),
            duration_s: 3.5,
            lines,
            ..Chapter::default()
        };
        let page = chapter_xhtml(&chapter, Some(text), "en");
        assert!(
            page.contains("<h2><span id=\"l1\" class=\"heading\" data-speaker=\"narrator\">Chapter 1</span></h2>"),
            "{page}"
        );
        assert!(
            page.contains(
                "<p>\u{201C}<span id=\"l2\" class=\"dialogue\" data-speaker=\"Ann\">Hi,</span>\u{201D} <span id=\"l3\""
            ),
            "{page}"
        );
        assert!(page.contains(">Tea?</span>\u{201D}</p>"), "{page}");
        let (smil, ms) = smil(&chapter, 1);
        assert!(smil.contains("<text src=\"../text/chapter-001.xhtml#l2\"/>"), "{smil}");
        assert!(smil.contains("clipBegin=\"1.500s\" clipEnd=\"2.000s\""), "{smil}");
        assert_eq!(ms, 600 + 500 + 500 + 400);
    }
}
