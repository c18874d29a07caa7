//! Loading: bytes to text. UTF-8 (a BOM is stripped), else Windows-1252 with a warning.
//! Offsets everywhere else are UTF-8 byte offsets into [`Text::text`].
//!
//! In: a story file's path (or its bytes). Out: a [`Text`], the decoded story with what the user
//! should know about how it was read.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// How the bytes were decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

/// A decoded story.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub text: String,
    pub encoding: Encoding,
    /// Things the user should know (a fallback encoding).
    pub warnings: Vec<String>,
}

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
}

/// Decodes a story's bytes.
pub fn decode(bytes: &[u8]) -> Result<Text, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.contains(&0) {
        return Err(DecodeError::Nul);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (text, encoding, warnings) = match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), Encoding::Utf8, Vec::new()),
        Err(e) => {
            let (s, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            let warning =
                format!("not valid UTF-8 (first bad byte at offset {}); read as Windows-1252", e.valid_up_to());
            (s.into_owned(), Encoding::Windows1252, vec![warning])
        }
    };
    let control = text.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c')).count();
    let total = text.chars().count().max(1);
    if control * 10 > total {
        return Err(DecodeError::Control(control * 100 / total));
    }
    if text.trim().is_empty() {
        return Err(DecodeError::Blank);
    }
    Ok(Text { text, encoding, warnings })
}

/// Reads and decodes a story file.
pub fn load(path: &Path) -> Result<Text> {
    let owned = || PathBuf::from(path);
    if path.is_dir() {
        return Err(Error::IsDirectory { path: owned() });
    }
    let bytes = std::fs::read(path).map_err(|source| Error::Read { path: owned(), source })?;
    decode(&bytes).map_err(|e| match e {
        DecodeError::Empty | DecodeError::Blank => Error::Empty { path: owned() },
        other => Error::Binary { path: owned(), reason: other.to_string() },
    })
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
    fn refuses_binary_and_empty() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(decode(b"  \n\n"), Err(DecodeError::Blank));
        assert_eq!(decode(b"PK\x03\x04\x00\x00"), Err(DecodeError::Nul));
        assert!(matches!(decode(&[1u8, 2, 3, 4, 5, b'a']), Err(DecodeError::Control(_))));
    }
}
