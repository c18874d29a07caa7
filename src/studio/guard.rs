//! What every request must pass before the studio answers it: the token of the printed address,
//! a host header naming this server (so a web page cannot reach it under a name of its own), and,
//! for files, a plain name inside the output folder.

use std::path::{Path, PathBuf};

/// The header API calls may carry the token in, instead of the `token` query parameter.
pub const TOKEN_HEADER: &str = "x-studio-token";

/// A token of 32 random bytes from the operating system, as 64 hexadecimal digits.
pub fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(format!("no random numbers: {e}")))?;
    Ok(crate::util::hex(&bytes))
}

/// Whether `given` is `token`, compared in time that does not depend on where they differ.
pub fn same_token(given: &str, token: &str) -> bool {
    let (a, b) = (given.as_bytes(), token.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let differ = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(differ) == 0
}

/// The `token` parameter of a query string, as given (the token is plain hex).
pub fn query_token(query: Option<&str>) -> Option<&str> {
    query?.split('&').find_map(|pair| pair.strip_prefix("token="))
}

/// Whether a `Host` header names this server: 127.0.0.1 or localhost, on its port.
pub fn is_own_host(host: Option<&str>, port: u16) -> bool {
    let Some(host) = host else { return false };
    let Some((name, p)) = host.rsplit_once(':') else { return false };
    p.parse::<u16>() == Ok(port) && (name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost"))
}

/// The file of the output folder `dir` that a request names, or `None`: a name (`01-one.wav`),
/// or a name in the studio's folder (`studio/play-1.wav`), of letters, digits, `.`, `-` and `_`
/// (not starting with `.`), that is a regular file, not a link, inside the folder once every
/// link on the way is followed. Nothing else from a request reaches the file system.
pub fn output_file(dir: &Path, requested: &str) -> Option<PathBuf> {
    let parts: Vec<&str> = requested.split('/').collect();
    let plain = |part: &&str| {
        !part.is_empty()
            && part.len() <= 128
            && !part.starts_with('.')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    let allowed = match parts.as_slice() {
        [name] => plain(name),
        [folder, name] => *folder == super::session::PLAYS_DIR && plain(name),
        _ => false,
    };
    if !allowed {
        return None;
    }
    let path = parts.iter().fold(dir.to_path_buf(), |p, part| p.join(part));
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    let (real, root) = (path.canonicalize().ok()?, dir.canonicalize().ok()?);
    real.starts_with(&root).then_some(path)
}

/// The media type of a file of the output folder, by its extension.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "wav" => "audio/wav",
        "m4b" => "audio/mp4",
        "json" => "application/json",
        "vtt" => "text/vtt; charset=utf-8",
        "srt" | "cue" | "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same_token(&a, &a.clone()));
        assert!(!same_token(&b, &a));
        assert!(!same_token(&a[..63], &a));
        assert!(!same_token("", &a));
    }

    #[test]
    fn the_token_comes_from_its_own_parameter() {
        assert_eq!(query_token(Some("a=1&token=abc&b=2")), Some("abc"));
        assert_eq!(query_token(Some("xtoken=abc")), None);
        assert_eq!(query_token(None), None);
    }

    #[test]
    fn only_this_server_is_a_host() {
        assert!(is_own_host(Some("127.0.0.1:8080"), 8080));
        assert!(is_own_host(Some("localhost:8080"), 8080));
        assert!(!is_own_host(Some("127.0.0.1:8081"), 8080));
        assert!(!is_own_host(Some("evil.example:8080"), 8080));
        assert!(!is_own_host(Some("127.0.0.1"), 8080));
        assert!(!is_own_host(None, 8080));
    }

    #[test]
    fn only_plain_names_of_the_folder_are_files() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        std::fs::create_dir_all(dir.join("studio")).unwrap();
        std::fs::write(dir.join("01-one.wav"), b"RIFF").unwrap();
        std::fs::write(dir.join("studio/play-1.wav"), b"RIFF").unwrap();
        std::fs::write(dir.join(".hidden"), b"x").unwrap();
        std::fs::write(root.path().join("secret.txt"), b"x").unwrap();
        assert_eq!(output_file(&dir, "01-one.wav"), Some(dir.join("01-one.wav")));
        assert_eq!(output_file(&dir, "studio/play-1.wav"), Some(dir.join("studio/play-1.wav")));
        for bad in [
            "../secret.txt",
            "..",
            "studio/../01-one.wav",
            "studio/../../secret.txt",
            "/etc/passwd",
            "studio",
            ".hidden",
            "other/01-one.wav",
            "01-one.wav/",
            "",
            "missing.wav",
            "a\\..\\secret.txt",
            "%2e%2e/secret.txt",
        ] {
            assert_eq!(output_file(&dir, bad), None, "{bad:?} was served");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.path().join("secret.txt"), dir.join("link.txt")).unwrap();
            assert_eq!(output_file(&dir, "link.txt"), None, "a link out of the folder");
        }
    }
}
