//! The handlers through the router, with the embedded voice (always there), on a copy of a
//! story in a folder of its own.

use super::*;
use crate::engine::EngineConfig;
use crate::render::RenderOptions;
use axum::body::to_bytes;
use axum::http::Request as HttpRequest;
use std::path::PathBuf;
use tower::ServiceExt;

const STORY: &str = "the-night-ferry";

struct Studio {
    dir: tempfile::TempDir,
    shared: Arc<Shared>,
}

impl Studio {
    fn new(voices_file: Option<&str>) -> Studio {
        let dir = tempfile::tempdir().unwrap();
        let story = dir.path().join(format!("{STORY}.txt"));
        let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("stories/{STORY}.txt"));
        std::fs::copy(source, &story).unwrap();
        let voices = dir.path().join("voices");
        std::fs::create_dir_all(&voices).unwrap();
        if let Some(text) = voices_file {
            std::fs::write(voices.join(format!("{STORY}.toml")), text).unwrap();
        }
        let mut render = RenderOptions::new(STORY, dir.path().join("out"), dir.path().join("cache"));
        render.jobs = 2;
        let settings = Settings {
            story,
            voices,
            render,
            skip_notes: false,
            engines: EngineConfig::default(),
            engine: Some("embedded".into()),
        };
        let server = Server::bind(settings, 0).unwrap();
        Studio { dir, shared: server.shared }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.shared.port)
    }

    fn voices_file(&self) -> PathBuf {
        self.dir.path().join(format!("voices/{STORY}.toml"))
    }

    /// A request with the token in its header (API) and this server's host.
    async fn call(&self, method: &str, uri: &str, body: Option<serde_json::Value>) -> (StatusCode, Vec<u8>) {
        let request = HttpRequest::builder()
            .method(method)
            .uri(uri)
            .header("host", self.host())
            .header(TOKEN_HEADER, &self.shared.token)
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap();
        self.send(request).await
    }

    async fn send(&self, request: HttpRequest<Body>) -> (StatusCode, Vec<u8>) {
        let response = router(self.shared.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        (status, to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec())
    }

    async fn json(&self, method: &str, uri: &str, body: Option<serde_json::Value>) -> serde_json::Value {
        let (status, bytes) = self.call(method, uri, body).await;
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(status, StatusCode::OK, "{uri}: {value}");
        value
    }

    async fn story(&self) -> serde_json::Value {
        self.json("GET", "/api/story", None).await
    }
}

fn first_dialogue(story: &serde_json::Value) -> &serde_json::Value {
    story["lines"].as_array().unwrap().iter().find(|l| l["kind"] == "dialogue").unwrap()
}

#[tokio::test]
async fn requests_without_the_token_or_from_elsewhere_are_refused() {
    let studio = Studio::new(None);
    let plain =
        |uri: &str, host: String| HttpRequest::builder().uri(uri).header("host", host).body(Body::empty()).unwrap();
    let token = studio.shared.token.clone();
    for uri in ["/", "/app.js", "/api/story", "/files/manifest.json", "/nothing"] {
        assert_eq!(studio.send(plain(uri, studio.host())).await.0, StatusCode::FORBIDDEN, "{uri} without a token");
        let wrong = format!("{uri}?token={}", "0".repeat(64));
        assert_eq!(
            studio.send(plain(&wrong, studio.host())).await.0,
            StatusCode::FORBIDDEN,
            "{uri} with a wrong token"
        );
    }
    let good = format!("/?token={token}");
    let (status, page) = studio.send(plain(&good, studio.host())).await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains(&format!("/app.js?token={token}")) && !page.contains("{{TOKEN}}"));
    // Another name for this machine (a web page's own domain pointed here) is refused.
    assert_eq!(
        studio.send(plain(&good, format!("evil.example:{}", studio.shared.port))).await.0,
        StatusCode::FORBIDDEN
    );
    let posted = HttpRequest::builder()
        .method("POST")
        .uri(format!("/api/render?token={token}"))
        .header("host", studio.host())
        .header("origin", "http://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(studio.send(posted).await.0, StatusCode::FORBIDDEN);
    let known = format!("/nothing?token={token}");
    assert_eq!(studio.send(plain(&known, studio.host())).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_story_comes_with_its_characters_and_doubtful_lines() {
    let studio = Studio::new(None);
    let story = studio.story().await;
    assert_eq!(story["story"], STORY);
    let lines = story["lines"].as_array().unwrap();
    assert!(lines.len() > 20);
    assert_eq!(lines[0]["line"], 1);
    assert!(lines.iter().all(|l| l["doubtful"] == (l["kind"] == "dialogue" && l["confidence"].as_f64() < Some(0.6))));
    let characters = story["characters"].as_array().unwrap();
    assert!(!characters.is_empty());
    assert!(characters.iter().all(|c| c["voice"]["engine"] == "embedded" && c["saved"] == false));
    let voices = studio.json("GET", "/api/voices", None).await;
    assert!(voices.as_array().unwrap().len() >= 2, "{voices}");
}

#[tokio::test]
async fn a_line_plays_from_a_file_of_the_output_folder_with_its_times() {
    let studio = Studio::new(None);
    let story = studio.story().await;
    let n = first_dialogue(&story)["line"].as_u64().unwrap();
    let played = studio.json("POST", "/api/play", Some(serde_json::json!({ "line": n }))).await;
    assert_eq!(played["file"], "studio/play-1.wav");
    assert_eq!(played["lines"][0]["line"], n);
    assert!(played["synthesized"].as_u64() >= Some(1));
    let (start, end) = (played["lines"][0]["start_s"].as_f64().unwrap(), played["lines"][0]["end_s"].as_f64().unwrap());
    assert!(0.0 < start && start < end && end <= played["duration_s"].as_f64().unwrap());
    let (status, wav) = studio.call("GET", "/files/studio/play-1.wav", None).await;
    assert_eq!(status, StatusCode::OK);
    let pcm = crate::engine::wav::parse(&wav).unwrap();
    let seconds = pcm.samples.len() as f64 / f64::from(pcm.sample_rate);
    assert!((seconds - played["duration_s"].as_f64().unwrap()).abs() < 0.01, "{seconds} s");

    // Again: from the cache this time, into the next file.
    let again = studio.json("POST", "/api/play", Some(serde_json::json!({ "line": n }))).await;
    assert_eq!((again["file"].as_str(), again["synthesized"].as_u64()), (Some("studio/play-2.wav"), Some(0)));

    // A range, as an audio element asks for one.
    let ranged = HttpRequest::builder()
        .uri("/files/studio/play-1.wav")
        .header("host", studio.host())
        .header(TOKEN_HEADER, &studio.shared.token)
        .header("range", "bytes=4-11")
        .body(Body::empty())
        .unwrap();
    let (status, part) = studio.send(ranged).await;
    assert_eq!((status, part.as_slice()), (StatusCode::PARTIAL_CONTENT, &wav[4..12]));

    // A scene from a line onward, a few lines at most.
    let scene =
        studio.json("POST", "/api/play", Some(serde_json::json!({ "line": 1, "until": "scene", "count": 3 }))).await;
    let numbers: Vec<u64> = scene["lines"].as_array().unwrap().iter().map(|l| l["line"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [1, 2, 3]);
}

#[tokio::test]
async fn no_path_from_a_request_leaves_the_output_folder() {
    let studio = Studio::new(None);
    std::fs::write(studio.dir.path().join("secret.txt"), "secret").unwrap();
    for uri in [
        "/files/../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/%2E%2E%2Fsecret.txt",
        "/files/studio/../../secret.txt",
        "/files/studio/%2e%2e/%2e%2e/secret.txt",
        "/files//etc/passwd",
        "/files/%2Fetc%2Fpasswd",
        "/files/..%5csecret.txt",
    ] {
        let (status, body) = studio.call("GET", uri, None).await;
        assert!(status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST, "{uri}: {status}");
        assert!(!String::from_utf8_lossy(&body).contains("secret\""), "{uri}");
    }
}

#[tokio::test]
async fn a_speaker_correction_is_saved_with_the_comments_and_read_back() {
    let studio = Studio::new(Some("# My notes on this story.\n[pronunciations]\nNora = \"Norah\" # as in the play\n"));
    let story = studio.story().await;
    let n = first_dialogue(&story)["line"].as_u64().unwrap();
    let corrected =
        studio.json("POST", "/api/speaker", Some(serde_json::json!({ "line": n, "speaker": "The Captain" }))).await;
    let line = &corrected["lines"][n as usize - 1];
    assert_eq!((line["speaker"].as_str(), line["confidence"].as_f64()), (Some("The Captain"), Some(1.0)));
    let captain = corrected["characters"].as_array().unwrap().iter().find(|c| c["name"] == "The Captain").unwrap();
    assert_eq!(captain["lines"], 1);
    let text = std::fs::read_to_string(studio.voices_file()).unwrap();
    assert!(text.contains("# My notes on this story.") && text.contains("# as in the play"), "{text}");
    assert!(text.contains(&format!("line = {n}")) && text.contains("speaker = \"The Captain\""), "{text}");

    // Narration has no speaker; a line that is not there is said so.
    let narration = corrected["lines"].as_array().unwrap().iter().find(|l| l["kind"] == "narration").unwrap();
    let (status, body) = studio
        .call("POST", "/api/speaker", Some(serde_json::json!({ "line": narration["line"], "speaker": "X" })))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("not dialogue"));
    let (status, body) =
        studio.call("POST", "/api/speaker", Some(serde_json::json!({ "line": 0, "speaker": "X" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("there is no line 0"));
}

#[tokio::test]
async fn voices_and_renames_are_saved_and_the_cast_follows() {
    let studio = Studio::new(None);
    let story = studio.story().await;
    let name = story["characters"][0]["name"].as_str().unwrap().to_string();
    let voice =
        serde_json::json!({ "engine": "embedded", "voice": "kal16-deep", "rate": 1.1, "pitch": 0.9, "volume": 1.0 });
    let cast = studio.json("POST", "/api/voice", Some(serde_json::json!({ "character": name, "voice": voice }))).await;
    let member = cast["characters"].as_array().unwrap().iter().find(|c| c["name"] == name.as_str()).unwrap();
    assert_eq!(member["voice"]["voice"], "kal16-deep");
    assert_eq!(member["saved"], true);
    let narrator = serde_json::json!({ "engine": "embedded", "voice": "kal16-slow" });
    let cast = studio.json("POST", "/api/voice", Some(serde_json::json!({ "voice": narrator }))).await;
    assert_eq!(
        (cast["narrator"]["voice"]["voice"].as_str(), cast["narrator"]["saved"].as_bool()),
        (Some("kal16-slow"), Some(true))
    );

    // Renamed, the character keeps the voice saved under the old name.
    let renamed = studio.json("POST", "/api/rename", Some(serde_json::json!({ "from": name, "to": "Skipper" }))).await;
    let skipper = renamed["characters"].as_array().unwrap().iter().find(|c| c["name"] == "Skipper").unwrap();
    assert_eq!((skipper["voice"]["voice"].as_str(), skipper["saved"].as_bool()), (Some("kal16-deep"), Some(true)));
    assert!(skipper["aliases"].as_array().unwrap().iter().any(|a| a == name.as_str()));
    let file =
        crate::config::parse(&studio.voices_file(), &std::fs::read_to_string(studio.voices_file()).unwrap()).unwrap();
    assert_eq!(file.renames[&name], "Skipper");
    assert!(file.characters.contains_key("Skipper") && !file.characters.contains_key(&name));

    // An audition plays one of their lines in another voice and saves nothing.
    let before = std::fs::read_to_string(studio.voices_file()).unwrap();
    let other = serde_json::json!({ "engine": "embedded", "voice": "kal16-high" });
    let heard =
        studio.json("POST", "/api/audition", Some(serde_json::json!({ "character": "Skipper", "voice": other }))).await;
    assert_eq!(heard["lines"].as_array().unwrap().len(), 1);
    assert_eq!(std::fs::read_to_string(studio.voices_file()).unwrap(), before);

    // Voices that do not exist, or prosody out of range, are refused and change nothing.
    for bad in [
        serde_json::json!({ "character": "Skipper", "voice": { "engine": "embedded", "voice": "nobody" } }),
        serde_json::json!({ "character": "Skipper", "voice": { "engine": "embedded", "voice": "kal16", "rate": 9.0 } }),
        serde_json::json!({ "character": "Nobody", "voice": { "engine": "embedded", "voice": "kal16" } }),
    ] {
        let (status, body) = studio.call("POST", "/api/voice", Some(bad.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        let said: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(said["error"].as_str().is_some_and(|e| !e.is_empty()), "{said}");
    }
    assert_eq!(std::fs::read_to_string(studio.voices_file()).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_made_at_once_are_all_kept() {
    let studio = Studio::new(None);
    let story = studio.story().await;
    let dialogue: Vec<u64> = story["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "dialogue")
        .map(|l| l["line"].as_u64().unwrap())
        .take(3)
        .collect();
    let correct = |n: u64| {
        studio.call("POST", "/api/speaker", Some(serde_json::json!({ "line": n, "speaker": format!("Voice {n}") })))
    };
    let (a, b, c) = tokio::join!(correct(dialogue[0]), correct(dialogue[1]), correct(dialogue[2]));
    assert!([a.0, b.0, c.0].iter().all(|s| *s == StatusCode::OK));
    let story = studio.story().await;
    for n in dialogue {
        assert_eq!(story["lines"][n as usize - 1]["speaker"], format!("Voice {n}"));
    }
}

#[tokio::test]
async fn an_edit_by_hand_is_read_at_the_next_request() {
    let studio = Studio::new(None);
    let story = studio.story().await;
    let n = first_dialogue(&story)["line"].as_u64().unwrap();
    // A second later, so the file's time surely differs.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(studio.voices_file(), format!("[[corrections]]\nline = {n}\nspeaker = \"Ghost\"\n")).unwrap();
    let story = studio.story().await;
    assert_eq!(story["lines"][n as usize - 1]["speaker"], "Ghost");
}

#[tokio::test]
async fn the_full_render_runs_once_at_a_time_and_reports_its_files() {
    let studio = Studio::new(None);
    let started = studio.json("POST", "/api/render", None).await;
    assert!(started["state"] == "running" || started["state"] == "done", "{started}");
    let (status, _) = studio.call("POST", "/api/render", None).await;
    assert!(status == StatusCode::CONFLICT || status == StatusCode::OK, "{status}");
    let mut seen_progress = false;
    let job = loop {
        let job = studio.json("GET", "/api/render", None).await;
        if job["state"] != "running" {
            break job;
        }
        seen_progress |= job["progress"]["total"].as_u64() > Some(0);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(job["state"], "done", "{job}");
    let files = job["result"]["files"].as_array().unwrap();
    assert!(!files.is_empty());
    for f in files {
        let (status, _) = studio.call("GET", &format!("/files/{}", f.as_str().unwrap()), None).await;
        assert_eq!(status, StatusCode::OK, "{f}");
    }
    assert!(studio.dir.path().join("out/manifest.json").is_file());
    assert!(job["result"]["export_error"].is_null(), "{job}");
    let captions = std::fs::read_dir(studio.dir.path().join("out")).unwrap().flatten();
    assert!(captions.into_iter().any(|e| e.path().extension().is_some_and(|x| x == "vtt")), "captions written");
    eprintln!("progress seen while running: {seen_progress}");
}

#[test]
fn byte_ranges() {
    assert_eq!(byte_range("bytes=0-", 10), Some((0, 10)));
    assert_eq!(byte_range("bytes=2-4", 10), Some((2, 5)));
    assert_eq!(byte_range("bytes=5-100", 10), Some((5, 10)));
    assert_eq!(byte_range("bytes=-3", 10), Some((7, 10)));
    assert_eq!(byte_range("bytes=10-", 10), None);
    assert_eq!(byte_range("bytes=0-1,4-5", 10), None);
    assert_eq!(byte_range("items=0-1", 10), None);
    assert_eq!(byte_range("bytes=-", 10), None);
}
