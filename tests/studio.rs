//! The studio as users run it: the real binary serving on 127.0.0.1, asked over raw HTTP (so
//! paths reach it exactly as written, `../` included), and driven in a real headless Chromium.

mod common;

use common::need;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const STORY: &str = "the-night-ferry";

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// Three people and three untagged lines: nobody can be sure who says which.
const UNCLEAR_SCENE: &str = "\n* * *\n\nThree of them waited on the quay: Nora, Sam and the harbour master.\n\n\
    \"Is that the last boat?\"\n\n\"It might be.\"\n\n\"Then we wait.\"\n";

/// A story, its voices, output and cache folders in a folder of their own.
struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Folder {
        let dir = tempfile::tempdir().unwrap();
        // The story, and a scene of three where no line says who speaks: guesses the page marks
        // as doubtful.
        let mut story = std::fs::read_to_string(common::root().join(format!("stories/{STORY}.txt"))).unwrap();
        story.push_str(UNCLEAR_SCENE);
        std::fs::write(dir.path().join(format!("{STORY}.txt")), story).unwrap();
        std::fs::create_dir_all(dir.path().join("voices")).unwrap();
        Folder { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn voices_file(&self) -> PathBuf {
        self.path(&format!("voices/{STORY}.toml"))
    }

    /// The binary run in this folder, with its voices, output and cache (paths as a user in it
    /// would type them).
    fn audiobook(&self, command: &str, output: &str, engine: &str) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_audiobook"));
        cmd.current_dir(self.dir.path()).args(["--voices", "voices", command, &format!("{STORY}.txt")]);
        cmd.args(["--output", output, "--cache", "cache", "--engine", engine]);
        cmd
    }
}

/// `audiobook studio` running, with the address it printed.
struct Studio {
    child: Child,
    port: u16,
    token: String,
    url: String,
}

impl Studio {
    fn start(folder: &Folder, engine: &str) -> Studio {
        let mut child = folder
            .audiobook("studio", "out", engine)
            .arg("--quiet")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start audiobook studio");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        let url = first.trim().strip_prefix("studio: ").unwrap_or_else(|| panic!("printed {first:?}")).to_string();
        let rest = url.strip_prefix("http://127.0.0.1:").expect("on 127.0.0.1");
        let (port, token) = rest.split_once("/?token=").expect("a token in the address");
        Studio { port: port.parse().unwrap(), token: token.to_string(), url: url.clone(), child }
    }

    /// Sends `request` as written and returns the status and body.
    fn raw(&self, request: &str) -> (u16, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let head_end = answer.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
        let head = String::from_utf8_lossy(&answer[..head_end]).to_string();
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
        (status, answer[head_end + 4..].to_vec())
    }

    fn get(&self, target: &str, token: Option<&str>) -> (u16, Vec<u8>) {
        let header = token.map_or(String::new(), |t| format!("x-studio-token: {t}\r\n"));
        self.raw(&format!(
            "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{header}Connection: close\r\n\r\n",
            self.port
        ))
    }

    fn post(&self, target: &str, body: &serde_json::Value) -> (u16, Vec<u8>) {
        let body = body.to_string();
        self.raw(&format!(
            "POST {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nx-studio-token: {}\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            self.token,
            body.len()
        ))
    }

    fn json(&self, target: &str, body: Option<&serde_json::Value>) -> serde_json::Value {
        let (status, bytes) = match body {
            Some(body) => self.post(target, body),
            None => self.get(target, Some(&self.token.clone())),
        };
        let value =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{target}: {}", String::from_utf8_lossy(&bytes)));
        assert_eq!(status, 200, "{target}: {value}");
        value
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// espeak-ng when installed (required in CI), else the embedded voice.
fn engine() -> &'static str {
    if need(on_path("espeak-ng").is_some(), "espeak-ng", "AUDIOBOOK_REQUIRE_ENGINES") {
        "espeak-ng"
    } else {
        "embedded"
    }
}

#[test]
fn the_studio_answers_only_with_its_token_and_only_its_files() {
    let folder = Folder::new();
    std::fs::write(folder.path("secret.txt"), "not for the web").unwrap();
    let studio = Studio::start(&folder, "embedded");
    let token = studio.token.clone();
    assert_eq!(token.len(), 64, "a 256-bit token");

    // The page, with the token in the address only.
    assert_eq!(studio.get("/", None).0, 403);
    assert_eq!(studio.get(&format!("/?token={}", "f".repeat(64)), None).0, 403);
    assert_eq!(studio.get(&format!("/?token={}", &token[..63]), None).0, 403);
    let (status, page) = studio.get(&format!("/?token={token}"), None);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&page).contains("audiobook studio"));
    // The API, with the token in a header (or the address).
    assert_eq!(studio.get("/api/story", None).0, 403);
    assert_eq!(studio.get("/api/story", Some("wrong")).0, 403);
    assert_eq!(studio.get("/api/story", Some(&token)).0, 200);
    assert_eq!(studio.get(&format!("/api/story?token={token}"), None).0, 200);
    // Another host name for this machine, as a page on another site would send.
    let rebound =
        format!("GET /?token={token} HTTP/1.1\r\nHost: evil.example:{}\r\nConnection: close\r\n\r\n", studio.port);
    assert_eq!(studio.raw(&rebound).0, 403);

    // A file of the output folder is served by name; nothing else is.
    studio.json("/api/play", Some(&serde_json::json!({ "line": 1 })));
    assert_eq!(studio.get(&format!("/files/studio/play-1.wav?token={token}"), None).0, 200);
    assert_eq!(studio.get("/files/studio/play-1.wav", None).0, 403);
    for target in [
        "/files/../secret.txt",
        "/files/../../secret.txt",
        "/files/studio/../../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/%2E%2E%2Fsecret.txt",
        "/files/studio/%2e%2e/%2e%2e/secret.txt",
        "/files/..%2f..%2fsecret.txt",
        "/files/%2fetc%2fpasswd",
        "/files//etc/passwd",
        "/files/studio/..%5c..%5csecret.txt",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/secret.txt",
        "/etc/passwd",
        "/files/",
    ] {
        for with_token in [false, true] {
            let target = if with_token { format!("{target}?token={token}") } else { target.to_string() };
            let (status, body) = studio.get(&target, None);
            assert!(status == 403 || status == 404 || status == 400, "{target}: {status}");
            assert!(!String::from_utf8_lossy(&body).contains("not for the web"), "{target} leaked the file");
            if !with_token {
                assert_eq!(status, 403, "{target} without the token");
            }
        }
    }
    // A link inside the folder pointing out of it is not followed.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(folder.path("secret.txt"), folder.path("out/studio/link.wav")).unwrap();
        assert_eq!(studio.get(&format!("/files/studio/link.wav?token={token}"), None).0, 404);
    }

    // Only 127.0.0.1 listens: not the IPv6 loopback, not the machine's own address on its
    // network (the one a packet out would leave from; a connected UDP socket sends nothing).
    assert!(TcpStream::connect(("::1", studio.port)).is_err(), "listening on ::1");
    let outward = std::net::UdpSocket::bind("0.0.0.0:0").and_then(|s| s.connect("192.0.2.1:9").and(s.local_addr()));
    match outward {
        Ok(own) if !own.ip().is_loopback() && !own.ip().is_unspecified() => {
            let reached = TcpStream::connect_timeout(&(own.ip(), studio.port).into(), Duration::from_millis(500));
            assert!(reached.is_err(), "the studio answers on {}", own.ip());
        }
        _ => eprintln!("no network address besides the loopback: only ::1 was tried"),
    }
}

/// Time from a play request to the first byte of its audio, cached and not, against the
/// engine's own time for the same lines: logged, not asserted (the machine's load decides).
#[test]
fn time_to_first_audio_is_logged() {
    let mut engines = vec!["embedded"];
    if engine() != "embedded" {
        engines.push(engine());
    }
    for engine in engines {
        log_time_to_first_audio(engine);
    }
}

fn log_time_to_first_audio(engine: &str) {
    let folder = Folder::new();
    let studio = Studio::start(&folder, engine);
    let story = studio.json("/api/story", None);
    // Lines of text not heard before ("I said." comes back from the cache the second time).
    let mut seen = std::collections::HashSet::new();
    let lines: Vec<u64> = story["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] != "heading" && seen.insert(l["text"].as_str().unwrap().to_string()))
        .map(|l| l["line"].as_u64().unwrap())
        .take(13)
        .collect();
    // The first play starts the engine's processes: not counted.
    studio.json("/api/play", Some(&serde_json::json!({ "line": lines[0] })));
    let first_audio = |line: u64| {
        let started = Instant::now();
        let played = studio.json("/api/play", Some(&serde_json::json!({ "line": line })));
        let target = format!("/files/{}?token={}", played["file"].as_str().unwrap(), studio.token);
        let mut stream = TcpStream::connect(("127.0.0.1", studio.port)).unwrap();
        write!(stream, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n", studio.port)
            .unwrap();
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).unwrap();
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap();
        (ms, played)
    };
    let uncached: Vec<(f64, serde_json::Value)> = lines[1..].iter().map(|&l| first_audio(l)).collect();
    let cached: Vec<f64> = lines[1..].iter().map(|&l| first_audio(l).0).collect();
    assert!(uncached.iter().all(|(_, p)| p["synthesized"].as_u64() >= Some(1)), "the first plays spoke");

    // The engine's own time for the same pieces, in-process, warm: the same voices.
    let voice_of = |line: &serde_json::Value| -> serde_json::Value {
        let speaker = line["speaker"].as_str().filter(|_| line["kind"] == "dialogue");
        let member = speaker.and_then(|s| story["characters"].as_array().unwrap().iter().find(|c| c["name"] == s));
        member.map_or_else(|| story["narrator"]["voice"].clone(), |m| m["voice"].clone())
    };
    let config = audiobook::engine::EngineConfig {
        worker: Some(PathBuf::from(env!("CARGO_BIN_EXE_audiobook"))),
        ..Default::default()
    };
    let engines = audiobook::engine::Engines::only(engine, config).unwrap();
    let speak = |n: u64| {
        let line = &story["lines"][n as usize - 1];
        let voice: audiobook::voice::Voice = serde_json::from_value(voice_of(line)).unwrap();
        let text = audiobook::plan::spoken(line["text"].as_str().unwrap(), &Default::default());
        let e = engines.get(&voice.engine).unwrap();
        let started = Instant::now();
        for piece in audiobook::plan::chunks(&text, audiobook::plan::MAX_CHUNK_CHARS) {
            e.synthesize_16(&voice.id, voice.prosody, &piece).unwrap();
        }
        started.elapsed().as_secs_f64() * 1000.0
    };
    speak(lines[0]);
    let own: Vec<f64> = lines[1..].iter().map(|&l| speak(l)).collect();
    let over: Vec<f64> = uncached.iter().zip(&own).map(|((ms, _), own)| ms - own).collect();
    let render: Vec<f64> = uncached.iter().map(|(_, p)| p["render_ms"].as_f64().unwrap()).collect();
    eprintln!(
        "studio ({engine}, {} lines): first byte of audio, uncached {}; the engine's own time {}; \
         uncached minus the engine's time {}; cached {} (the render inside, uncached {})",
        own.len(),
        summary(&uncached.iter().map(|u| u.0).collect::<Vec<_>>()),
        summary(&own),
        summary(&over),
        summary(&cached),
        summary(&render),
    );
}

/// "median M ms (min A, max B)".
fn summary(values: &[f64]) -> String {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    format!("median {:.1} ms (min {:.1}, max {:.1})", v[v.len() / 2], v[0], v[v.len() - 1])
}

/// Chromium and its WebDriver, when both are installed.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = on_path("chromium").or_else(|| on_path("chromium-browser")).or_else(|| on_path("google-chrome"));
    let driver = on_path("chromedriver");
    chromium.zip(driver)
}

/// chromedriver on a free port, stopped with the browser it started when dropped (even when a
/// test fails half-way, with its session still open).
struct Driver(Child, u16);

impl Driver {
    fn start(program: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = Command::new(program);
        command.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
        // A process group of its own: the browser's processes are in it too.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("start chromedriver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver(child, port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Ok(group) = i32::try_from(self.0.id()) {
            // SAFETY: kill only sends a signal, to the group this test started.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `script` in the page until it returns true.
async fn until(client: &fantoccini::Client, what: &str, script: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let value = client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{what}: {e}"));
        if value == serde_json::Value::Bool(true) {
            return;
        }
        let status = client.execute("return document.getElementById('status').textContent", vec![]).await;
        assert!(Instant::now() < deadline, "timed out waiting for {what}; the page says {status:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn js(client: &fantoccini::Client, script: &str) -> serde_json::Value {
    client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Clicks an element, scrolled to the middle of the window first (clear of the sticky header
/// and player, as a user would have it).
async fn click(client: &fantoccini::Client, css: &str) {
    let element = client.find(fantoccini::Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    let arg = serde_json::to_value(&element).unwrap();
    client.execute("arguments[0].scrollIntoView({ block: 'center' })", vec![arg]).await.unwrap();
    element.click().await.unwrap_or_else(|e| panic!("{css}: {e}"));
}

#[test]
fn in_the_browser_edits_reach_the_voices_file_and_the_render() {
    let found = browser();
    if !need(found.is_some(), "a headless browser (chromium and chromedriver)", "AUDIOBOOK_REQUIRE_ENGINES") {
        return;
    }
    let (chromium, chromedriver) = found.unwrap();
    let engine = engine();
    let folder = Folder::new();
    let studio = Studio::start(&folder, engine);
    let driver = Driver::start(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (corrected, voiced, voice) = runtime.block_on(async {
        let mut capabilities = serde_json::Map::new();
        let args = [
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--autoplay-policy=no-user-gesture-required".into(),
            "--window-size=1360,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": chromium.display().to_string(), "args": args }),
        );
        let client = fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.1))
            .await
            .expect("a Chromium session");
        let result = drive(&client, &studio, &folder).await;
        client.close().await.unwrap();
        result
    });
    drop(driver);

    // The voices file holds both edits.
    let text = std::fs::read_to_string(folder.voices_file()).unwrap();
    let file: toml::Table = text.parse().unwrap();
    let corrections = file["corrections"].as_array().unwrap();
    assert!(
        corrections
            .iter()
            .any(|c| c["line"].as_integer() == Some(corrected as i64) && c["speaker"].as_str() == Some("The Captain")),
        "{text}"
    );
    assert_eq!(file["characters"][&voiced]["voice"].as_str(), Some(voice.as_str()), "{text}");

    // `audiobook render` makes what the studio made: the page's render is in `out`; this one,
    // through the same cache, goes to `again`.
    drop(studio);
    let status = folder.audiobook("render", "again", engine).arg("--quiet").status().unwrap();
    assert!(status.success());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.path("again/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["synthesized"], 0, "every line was in the cache the studio filled");
    let lines: Vec<&serde_json::Value> =
        manifest["chapters"].as_array().unwrap().iter().flat_map(|c| c["lines"].as_array().unwrap()).collect();
    let line = |n: u64| lines.iter().find(|l| l["line"] == n).unwrap_or_else(|| panic!("line {n} in the manifest"));
    assert_eq!(line(corrected)["speaker"], "The Captain");
    let spoken_by = lines.iter().find(|l| l["speaker"] == voiced.as_str() && l["kind"] == "dialogue").unwrap();
    assert_eq!(spoken_by["voice"]["voice"], voice.as_str());
    for chapter in manifest["chapters"].as_array().unwrap() {
        let name = chapter["file"].as_str().unwrap();
        let (studio_wav, cli_wav) =
            (std::fs::read(folder.path("out").join(name)), std::fs::read(folder.path("again").join(name)));
        assert!(studio_wav.unwrap() == cli_wav.unwrap(), "{name} differs between the studio's render and render's");
    }
}

/// The browser part: returns the corrected line, the character whose voice changed and the
/// voice it got.
async fn drive(client: &fantoccini::Client, studio: &Studio, folder: &Folder) -> (u64, String, String) {
    client.goto(&studio.url).await.unwrap();
    until(client, "the page to load the story", "return document.body.dataset.ready === 'true'").await;
    let count = js(client, "return document.querySelectorAll('.line').length").await;
    let lines = js(client, "return studio.story.lines.length").await;
    assert_eq!(count, lines, "every line is shown");
    assert!(js(client, "return document.querySelectorAll('.line.doubtful').length > 0").await == true);

    // The filter shows the doubtful lines only.
    click(client, "#only-doubtful").await;
    let hidden =
        js(client, "return [...document.querySelectorAll('.line')].filter(l => l.offsetParent === null).length").await;
    let plain = js(client, "return document.querySelectorAll('.line:not(.doubtful)').length").await;
    assert_eq!(hidden, plain);
    click(client, "#only-doubtful").await;

    // Correct a speaker: a new name, saved, then heard.
    let n = js(client, "return studio.story.lines.find(l => l.kind === 'dialogue' && l.doubtful).line")
        .await
        .as_u64()
        .unwrap();
    click(client, &format!(".line[data-line='{n}'] .speaker")).await;
    until(client, "the speaker dialog", "return document.getElementById('speaker-dialog').open").await;
    client.find(fantoccini::Locator::Id("speaker-new")).await.unwrap().send_keys("The Captain").await.unwrap();
    click(client, "#speaker-save").await;
    let heard = format!(
        "return !!studio.lastPlay && studio.lastPlay.lines.length === 1 && studio.lastPlay.lines[0].line === {n}"
    );
    until(client, "the corrected line to play", &heard).await;
    let shown =
        js(client, &format!("return document.querySelector(\".line[data-line='{n}'] .speaker\").textContent")).await;
    assert_eq!(shown, "The Captain");
    let text = std::fs::read_to_string(folder.voices_file()).unwrap();
    assert!(text.contains("speaker = \"The Captain\""), "{text}");

    // Change a character's voice to another of the machine's voices, and save it.
    let name = js(client, "return studio.story.characters.filter(c => c.name !== 'The Captain').sort((a, b) => b.lines - a.lines)[0].name")
        .await
        .as_str()
        .unwrap()
        .to_string();
    let member = format!(".member[data-name=\"{name}\"]");
    let choice = js(
        client,
        &format!(
            "const s = document.querySelector('{} select.voice'); \
             const c = studio.story.characters.find(c => c.name === {name:?}); \
             const n = studio.story.narrator.voice; \
             const engine = s.value.split('\\u0000')[0]; \
             const others = [...s.options].filter(o => o.value !== s.value && o.value.startsWith(engine + '\\u0000') \
               && o.value !== n.engine + '\\u0000' + n.voice); \
             const o = others.find(o => o.textContent.includes(', ' + c.gender + ')')) || others[0]; \
             s.value = o.value; s.dispatchEvent(new Event('change')); return o.value.split('\\u0000')[1]",
            member.replace('\'', "\\'")
        ),
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    click(client, &format!("{member} input.pitch")).await;
    click(client, &format!("{member} .save-voice")).await;
    let saved = format!("return studio.story.characters.find(c => c.name === {name:?}).voice.voice === {choice:?}");
    until(client, "the voice to be saved", &saved).await;

    // Play one of their lines: the audio element gets a WAV of the length its header says, the
    // length the studio reported, and the line is highlighted while it is spoken.
    let m = js(
        client,
        &format!("return studio.story.lines.find(l => l.kind === 'dialogue' && l.speaker === {name:?}).line"),
    )
    .await
    .as_u64()
    .unwrap();
    click(client, &format!(".line[data-line='{m}'] .text")).await;
    let playing = format!(
        "const a = document.getElementById('player'); return !!studio.lastPlay && studio.lastPlay.lines[0].line === {m} \
         && a.src.includes(studio.lastPlay.file) && a.readyState >= 1"
    );
    until(client, "the line's audio", &playing).await;
    until(
        client,
        "the line to be highlighted",
        &format!("return !!document.querySelector(\".line.speaking[data-line='{m}']\")"),
    )
    .await;
    let lengths = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; const a = document.getElementById('player'); \
             fetch(a.src).then(r => r.arrayBuffer()).then(b => { \
               const v = new DataView(b); let at = 12, rate = 0, align = 0, bytes = 0; \
               while (at + 8 <= b.byteLength) { \
                 const id = String.fromCharCode(v.getUint8(at), v.getUint8(at+1), v.getUint8(at+2), v.getUint8(at+3)); \
                 const size = v.getUint32(at + 4, true); \
                 if (id === 'fmt ') { rate = v.getUint32(at + 12, true); align = v.getUint16(at + 20, true); } \
                 if (id === 'data') { bytes = size; break; } \
                 at += 8 + size + (size % 2); } \
               done({ header: bytes / align / rate, element: a.duration, reported: studio.lastPlay.duration_s, \
                      type: String.fromCharCode(v.getUint8(8), v.getUint8(9), v.getUint8(10), v.getUint8(11)) }); })",
            vec![],
        )
        .await
        .unwrap();
    let seconds = |key: &str| lengths[key].as_f64().unwrap_or_else(|| panic!("{key}: {lengths}"));
    assert_eq!(lengths["type"], "WAVE");
    assert!(seconds("header") > 0.3, "{lengths}");
    assert!((seconds("element") - seconds("header")).abs() < 0.01, "{lengths}");
    assert!((seconds("reported") - seconds("header")).abs() < 0.01, "{lengths}");

    // The screenshot README shows: the script, the cast, a line being spoken.
    let png = client.screenshot().await.unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("studio.png");
    std::fs::write(&shot, &png).unwrap();
    if std::env::var_os("AUDIOBOOK_UPDATE_SCREENSHOT").is_some_and(|v| v == "1") {
        std::fs::write(common::root().join("docs/studio.png"), &png).unwrap();
    }
    eprintln!("screenshot: {}", shot.display());

    // A scene from a short line onward: its first line alone, then the next ones in a second
    // file; the highlight follows into it.
    let k = js(
        client,
        "const ls = studio.story.lines; return ls.find((l, i) => i > 0 && i + 1 < ls.length && l.kind !== 'heading' \
           && l.text.length < 40 && ls[i + 1].scene === l.scene && ls[i + 1].chapter === l.chapter).line",
    )
    .await
    .as_u64()
    .unwrap();
    click(client, "#stop").await;
    click(client, &format!(".line[data-line='{k}'] .play-scene")).await;
    let next = format!("return !!document.querySelector(\".line.speaking[data-line='{}']\")", k + 1);
    until(client, "the scene's second line to be highlighted", &next).await;
    let files = js(client, "return studio.playing.segments.length").await;
    assert!(files.as_u64() >= Some(2), "the scene came in one file: {files}");

    // The whole book from the page, with its progress.
    click(client, "#stop").await;
    click(client, "#render-start").await;
    until(
        client,
        "the render to finish",
        "return document.getElementById('render-status').textContent.startsWith('Done')",
    )
    .await;
    let files = js(client, "return document.querySelectorAll('#render-files a').length").await;
    assert!(files.as_u64() >= Some(1), "{files}");
    (n, name, choice)
}
