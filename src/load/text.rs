//! Plain text: bytes to text. UTF-8 (a BOM is stripped); UTF-16 with a BOM (what Windows Notepad
//! saves as "Unicode"), or without one when its zero bytes show it; UTF-8 with a few bad bytes (a
//! story pasted together from two sources) as UTF-8 with only those bytes read as Windows-1252; a
//! file with no UTF-8 at all as Windows-1252. Each guess or repair gives one warning. The decoded
//! text is what every span indexes (and what `audiobook script STORY --text` prints): for a file
//! with a BOM, offsets count from after it.

use super::{Encoding, Text};

/// Why some bytes are not a story.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("the file holds no text, only white space")]
    Blank,
    #[error("it contains NUL bytes")]
    Nul,
    #[error("{0}% of it are control characters")]
    Control(usize),
    /// The file's first bytes are those of a known binary format.
    #[error("it looks like {0}")]
    Looks(&'static str),
}

/// Decodes a story's bytes.
pub fn decode(bytes: &[u8]) -> Result<Text, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if utf16_bom(bytes).is_none() && utf16_without_bom(bytes).is_none() {
        if let Some(what) = binary_kind(bytes) {
            return Err(DecodeError::Looks(what));
        }
        if bytes.contains(&0) {
            return Err(DecodeError::Nul);
        }
    }
    let (text, encoding, warnings) = to_string(bytes);
    let control = text.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c')).count();
    let total = text.chars().count().max(1);
    if control * 10 > total {
        return Err(DecodeError::Control(control * 100 / total));
    }
    if text.trim().is_empty() {
        return Err(DecodeError::Blank);
    }
    Ok(Text::plain(text, encoding, warnings))
}

/// What a file is, in words, when its first bytes are those of a common binary format.
pub(crate) fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"\x7FELF", "a Linux program or library"),
        (b"\x1F\x8B", "a gzip-compressed file"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"Rar!\x1A\x07", "a RAR archive"),
        (b"\xFD7zXZ\x00", "an xz-compressed file"),
        (b"\x28\xB5\x2F\xFD", "a zstd-compressed file"),
        (b"OggS\x00", "an Ogg audio file"),
        (b"fLaC", "a FLAC audio file"),
        (b"\xCA\xFE\xBA\xBE", "a macOS program"),
        (b"\xCF\xFA\xED\xFE", "a macOS program"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
    ];
    if let Some((_, what)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
        return Some(what);
    }
    // Formats whose signature is plain letters: only with the binary header that follows it.
    let binary_head = bytes[..bytes.len().min(32)].contains(&0);
    if !binary_head {
        return None;
    }
    let riff = |kind: &[u8]| bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(kind);
    match () {
        _ if riff(b"WAVE") => Some("a WAV sound file"),
        _ if riff(b"AVI ") => Some("an AVI video"),
        _ if riff(b"WEBP") => Some("a WebP image"),
        _ if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") => Some("a GIF image"),
        _ if bytes.starts_with(b"ID3") => Some("an MP3 audio file"),
        _ if bytes.starts_with(b"MZ") => Some("a Windows program"),
        _ if bytes.get(4..8) == Some(b"ftyp") => Some("an MP4 or M4A/M4B media file"),
        _ => None,
    }
}

/// The UTF-16 encoding a byte order mark announces.
fn utf16_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    if bytes.starts_with(b"\xFF\xFE") {
        Some(encoding_rs::UTF_16LE)
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// UTF-16 without a byte order mark, told by its zero bytes: in text written in a Latin script,
/// most of every other byte is zero (the odd ones little-endian, the even ones big-endian; curly
/// quotes and dashes are not) and almost none of the others is. Binary that happens to look so
/// is still refused by its control characters.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(4096) & !1];
    if head.len() < 8 || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let zeros = |parity: usize| head.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count() * 2 * 100 / head.len();
    match (zeros(0), zeros(1)) {
        (even, odd) if odd >= 70 && even <= 5 => Some(encoding_rs::UTF_16LE),
        (even, odd) if even >= 70 && odd <= 5 => Some(encoding_rs::UTF_16BE),
        _ => None,
    }
}

/// Bytes as a string: UTF-8 without its BOM, UTF-16 after its BOM, UTF-8 with its invalid bytes
/// read as Windows-1252, or Windows-1252 when it holds no UTF-8 at all; a warning for each
/// fallback.
pub(crate) fn to_string(bytes: &[u8]) -> (String, Encoding, Vec<String>) {
    if let Some(utf16) = utf16_bom(bytes) {
        let (s, had_errors) = utf16.decode_without_bom_handling(&bytes[2..]);
        let warnings = if had_errors {
            vec![format!(
                "some of the {} is damaged (an odd byte or a broken character); those characters are read as \u{FFFD}",
                utf16.name()
            )]
        } else {
            Vec::new()
        };
        return (s.into_owned(), Encoding::Utf16, warnings);
    }
    if let Some(utf16) = utf16_without_bom(bytes) {
        let (s, _) = utf16.decode_without_bom_handling(bytes);
        let warning = format!("read as {} from its zero bytes (it has no byte order mark)", utf16.name());
        return (s.into_owned(), Encoding::Utf16, vec![warning]);
    }
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let bytes = &bytes[bom..];
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), Encoding::Utf8, Vec::new()),
        Err(e) if !has_multibyte_utf8(bytes) => {
            let (s, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            let warning =
                format!("not UTF-8 (first non-UTF-8 byte at offset {}); read as Windows-1252", bom + e.valid_up_to());
            (s.into_owned(), Encoding::Windows1252, vec![warning])
        }
        Err(_) => repair(bytes, bom),
    }
}

/// Whether some valid UTF-8 sequence of two bytes or more is in `bytes`.
fn has_multibyte_utf8(bytes: &[u8]) -> bool {
    bytes.utf8_chunks().any(|chunk| chunk.valid().len() != chunk.valid().chars().count())
}

/// UTF-8 with its invalid bytes (each maximal run of them) read as Windows-1252; one warning
/// with how many bytes were repaired and where the first was. `offset` is where `bytes` starts
/// in the file (after a BOM).
fn repair(bytes: &[u8], offset: usize) -> (String, Encoding, Vec<String>) {
    let mut out = String::with_capacity(bytes.len() + 16);
    let mut run: Vec<u8> = Vec::new();
    let (mut repaired, mut first) = (0, None);
    let mut at = 0;
    for chunk in bytes.utf8_chunks() {
        if !chunk.valid().is_empty() && !run.is_empty() {
            out.push_str(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(&run).0);
            run.clear();
        }
        out.push_str(chunk.valid());
        at += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            first.get_or_insert(at);
            repaired += chunk.invalid().len();
            run.extend_from_slice(chunk.invalid());
            at += chunk.invalid().len();
        }
    }
    out.push_str(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(&run).0);
    let first = first.unwrap_or(0);
    let line = 1 + bytes[..first].iter().filter(|&&b| b == b'\n').count();
    let warning = format!(
        "{repaired} byte{} {} not valid UTF-8 (the first on line {line}, byte offset {}); read {} as Windows-1252 and the rest as UTF-8",
        if repaired == 1 { "" } else { "s" },
        if repaired == 1 { "is" } else { "are" },
        offset + first,
        if repaired == 1 { "it" } else { "them" },
    );
    (out, Encoding::Utf8Repaired, vec![warning])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_is_stripped() {
        let t = decode(b"\xEF\xBB\xBFHello").unwrap();
        assert_eq!(t.text, "Hello");
        assert_eq!(t.encoding, Encoding::Utf8);
    }

    #[test]
    fn windows_1252_falls_back_with_warning() {
        let t = decode(b"I can\x92t \x93go\x94").unwrap();
        assert_eq!(t.text, "I can\u{2019}t \u{201C}go\u{201D}");
        assert_eq!(t.encoding, Encoding::Windows1252);
        assert_eq!(t.warnings.len(), 1);
    }

    #[test]
    fn utf16_with_a_bom_is_read() {
        let text = "\u{201C}Caf\u{E9}?\u{201D} she asked.\r\n";
        let le: Vec<u8> = b"\xFF\xFE".iter().copied().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let be: Vec<u8> = b"\xFE\xFF".iter().copied().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect();
        for bytes in [le, be] {
            let t = decode(&bytes).unwrap();
            assert_eq!(t.text, text);
            assert_eq!(t.encoding, Encoding::Utf16);
            assert!(t.warnings.is_empty());
        }
    }

    #[test]
    fn utf16_without_a_bom_is_told_by_its_zero_bytes() {
        let text = "\u{201C}Caf\u{E9}?\u{201D} she asked.\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [le, be] {
            let t = decode(&bytes).unwrap();
            assert_eq!(t.text, text);
            assert_eq!(t.warnings.len(), 1);
        }
        // Binary with zero bytes is not taken for it.
        assert_eq!(decode(b"\x01\0\x02\0\x03\0\x04\0\x05\0"), Err(DecodeError::Control(100)));
    }

    #[test]
    fn mostly_utf8_keeps_its_utf8_and_repairs_only_the_bad_bytes() {
        let bytes = b"\xE2\x80\x9CCaf\xC3\xA9,\xE2\x80\x9D she said.\nI can\x92t \x93go\x94 \xE2\x80\x94 no.\n";
        let t = decode(bytes).unwrap();
        assert_eq!(t.text, "\u{201C}Caf\u{E9},\u{201D} she said.\nI can\u{2019}t \u{201C}go\u{201D} \u{2014} no.\n");
        assert_eq!(t.encoding, Encoding::Utf8Repaired);
        assert_eq!(t.warnings.len(), 1);
        let w = &t.warnings[0];
        assert!(w.contains("3 bytes") && w.contains("line 2") && w.contains("offset 28"), "{w}");
    }

    #[test]
    fn a_run_of_bad_bytes_is_read_together() {
        // "Ã©" in Windows-1252 is two bytes that are invalid as UTF-8 one by one.
        let (s, _, w) = to_string("caf\u{E9} ".bytes().chain(*b"\xC3\xC3 ok").collect::<Vec<_>>().as_slice());
        assert_eq!(s, "caf\u{E9} \u{C3}\u{C3} ok");
        assert!(w[0].starts_with("2 bytes"), "{w:?}");
    }

    #[test]
    fn refuses_binary_and_empty() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(decode(b"  \n\n"), Err(DecodeError::Blank));
        assert_eq!(decode(b"PK\x03\x04\x00\x00"), Err(DecodeError::Nul));
        assert!(matches!(decode(&[1u8, 2, 3, 4, 5, b'a']), Err(DecodeError::Control(_))));
        assert_eq!(decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Err(DecodeError::Looks("a PNG image")));
        assert_eq!(decode(b"RIFF\x24\x08\0\0WAVEfmt "), Err(DecodeError::Looks("a WAV sound file")));
        assert_eq!(decode(b"\x7FELF\x02\x01\x01\0"), Err(DecodeError::Looks("a Linux program or library")));
        // Letters that happen to start like a signature are still text.
        assert!(decode(b"GIF89a was the name of the ship.").is_ok());
        assert!(decode(b"MZ said nothing.").is_ok());
    }
}
