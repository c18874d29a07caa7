//! The studio's HTTP server: the page, its API and the output folder's files, on 127.0.0.1.
//!
//! Every request passes [`check`] first: it must carry the token of the printed address (the
//! `token` query parameter, or the `x-studio-token` header for API calls) and a `Host` header
//! naming this server; anything else is refused before any route is looked at. The handlers are
//! thin: each turns a request into a call of [`Session`] on a blocking thread and its result
//! into JSON.
//!
//! | route | does |
//! |---|---|
//! | `GET /`, `/app.js`, `/app.css` | the page |
//! | `GET /api/story` | the script, characters and voices (read again when a file changed) |
//! | `GET /api/voices` | the voices of the engines |
//! | `POST /api/play` `{line, until, count}` | renders from a line to the end of it, its scene or chapter |
//! | `POST /api/audition` `{character, voice}` | one of the character's lines in another voice |
//! | `POST /api/speaker` `{line, speaker}` | a speaker correction, saved |
//! | `POST /api/rename` `{from, to}` | a rename or merge, saved |
//! | `POST /api/voice` `{character, voice}` | a voice (null character: the narrator), saved |
//! | `POST /api/render`, `GET /api/render` | starts the full render; its progress |
//! | `GET /files/NAME`, `/files/studio/NAME` | a file of the output folder (with ranges) |

use super::StudioError;
use super::guard::{self, TOKEN_HEADER};
use super::session::{Played, Rendered, Session, Settings, Until};
use crate::progress::{Snapshot, Watch};
use crate::voice::Voice;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequest, Json, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// The page, compiled in.
const PAGE: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/app.js");
const STYLE: &str = include_str!("page/app.css");

/// Files the studio keeps of its latest plays; older ones are removed.
const PLAYS_KEPT: u64 = 32;

/// A studio bound to its port, ready to serve.
pub struct Server {
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
}

/// What the handlers share.
pub struct Shared {
    settings: Settings,
    token: String,
    port: u16,
    session: RwLock<Arc<Session>>,
    /// Edits (and fresh readings) one at a time.
    edits: tokio::sync::Mutex<()>,
    plays: AtomicU64,
    render: Mutex<Job>,
}

/// The full render: none yet, running, or how it ended.
enum Job {
    Idle,
    Running(Arc<Watch>),
    Done(Rendered),
    Failed(String),
}

impl Server {
    /// Reads the story and binds 127.0.0.1:`port` (0: a free port).
    pub fn bind(settings: Settings, port: u16) -> Result<Server, StudioError> {
        let session = Session::open(&settings, None)?;
        let address = format!("127.0.0.1:{port}");
        let listen = |source| StudioError::Listen { address: address.clone(), source };
        let listener = std::net::TcpListener::bind(&address).map_err(listen)?;
        let port = listener.local_addr().map_err(listen)?.port();
        let token = guard::new_token().map_err(listen)?;
        clear_plays(&settings);
        let shared = Shared {
            settings,
            token,
            port,
            session: RwLock::new(Arc::new(session)),
            edits: tokio::sync::Mutex::new(()),
            plays: AtomicU64::new(0),
            render: Mutex::new(Job::Idle),
        };
        Ok(Server { listener, shared: Arc::new(shared) })
    }

    /// The address to open, with its token.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/?token={}", self.shared.port, self.shared.token)
    }

    /// Serves until interrupted (Ctrl+C).
    pub fn run(self) -> Result<(), StudioError> {
        let port = self.shared.port;
        let listen = |source| StudioError::Listen { address: format!("127.0.0.1:{port}"), source };
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(listen)?;
        runtime.block_on(async {
            self.listener.set_nonblocking(true).map_err(listen)?;
            let listener = tokio::net::TcpListener::from_std(self.listener).map_err(listen)?;
            let stop = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            axum::serve(listener, router(self.shared)).with_graceful_shutdown(stop).await.map_err(listen)
        })
    }
}

/// Binds and serves, after telling `announce` the address.
pub fn serve(settings: Settings, port: u16, announce: impl FnOnce(&str)) -> Result<(), StudioError> {
    let server = Server::bind(settings, port)?;
    announce(&server.url());
    server.run()
}

/// The studio's routes, behind [`check`].
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/app.js", get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }))
        .route("/app.css", get(|| async { asset(STYLE, "text/css; charset=utf-8") }))
        .route("/api/story", get(story))
        .route("/api/voices", get(voices))
        .route("/api/play", post(play))
        .route("/api/audition", post(audition))
        .route("/api/speaker", post(speaker))
        .route("/api/rename", post(rename))
        .route("/api/voice", post(voice))
        .route("/api/render", get(render_progress).post(render_start))
        .route("/files/{*name}", get(file))
        .fallback(|| async { refuse(StatusCode::NOT_FOUND, "no such page") })
        .layer(middleware::from_fn_with_state(shared.clone(), check))
        .with_state(shared)
}

/// Lets a request through only with the token and this server's host; adds the headers that
/// keep the page and its token to itself.
async fn check(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !guard::is_own_host(host, shared.port) {
        return refuse(StatusCode::FORBIDDEN, "this studio answers only at the address it printed");
    }
    // A page of another site cannot know the token; a browser names it anyway when it posts.
    let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok());
    if let Some(origin) = origin
        && !origin.strip_prefix("http://").is_some_and(|host| guard::is_own_host(Some(host), shared.port))
    {
        return refuse(StatusCode::FORBIDDEN, "requests from other sites are refused");
    }
    let given =
        headers.get(TOKEN_HEADER).and_then(|h| h.to_str().ok()).or_else(|| guard::query_token(request.uri().query()));
    if !given.is_some_and(|t| guard::same_token(t, &shared.token)) {
        return refuse(StatusCode::FORBIDDEN, "open the address the studio printed: it carries the token");
    }
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// A refusal, in words.
fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

impl IntoResponse for StudioError {
    fn into_response(self) -> Response {
        let status = match self {
            StudioError::Invalid(_) => StatusCode::BAD_REQUEST,
            StudioError::Busy => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        refuse(status, &self.to_string())
    }
}

async fn page(State(shared): State<Arc<Shared>>) -> Response {
    let html = PAGE.replace("{{TOKEN}}", &shared.token);
    let policy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; media-src 'self'; \
                  img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    let headers = [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CONTENT_SECURITY_POLICY, policy)];
    (headers, html).into_response()
}

fn asset(body: &'static str, kind: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

impl Shared {
    /// The current reading, read again first when the story or a voices file changed on disk.
    async fn session(self: &Arc<Self>) -> Result<Arc<Session>, StudioError> {
        let current = self.current();
        if !current.is_stale(&self.settings) {
            return Ok(current);
        }
        let _one_at_a_time = self.edits.lock().await;
        self.refresh().await
    }

    /// [`Shared::session`] for a caller that holds the edits' lock.
    async fn refresh(self: &Arc<Self>) -> Result<Arc<Session>, StudioError> {
        let current = self.current();
        if !current.is_stale(&self.settings) {
            return Ok(current);
        }
        let me = self.clone();
        let fresh = blocking(move || Session::open(&me.settings, Some(&current))).await?;
        Ok(self.replace(fresh))
    }

    fn current(&self) -> Arc<Session> {
        self.session.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn replace(&self, session: Session) -> Arc<Session> {
        let session = Arc::new(session);
        *self.session.write().unwrap_or_else(PoisonError::into_inner) = session.clone();
        session
    }

    /// Makes an edit on a blocking thread, one at a time, and keeps the reading it gives.
    async fn edit(
        self: &Arc<Self>,
        change: impl FnOnce(&Session, &Settings) -> Result<Session, StudioError> + Send + 'static,
    ) -> Result<Arc<Session>, StudioError> {
        let _one_at_a_time = self.edits.lock().await;
        let session = self.refresh().await?;
        let me = self.clone();
        let edited = blocking(move || change(&session, &me.settings)).await?;
        Ok(self.replace(edited))
    }

    /// The next play's file name; the play before the last few is removed.
    fn next_play(&self) -> String {
        let n = self.plays.fetch_add(1, Ordering::Relaxed) + 1;
        if n > PLAYS_KEPT {
            let _ = std::fs::remove_file(self.settings.plays_dir().join(play_name(n - PLAYS_KEPT)));
        }
        play_name(n)
    }
}

fn play_name(n: u64) -> String {
    format!("play-{n}.wav")
}

/// Removes the plays of an earlier studio.
fn clear_plays(settings: &Settings) {
    let Ok(entries) = std::fs::read_dir(settings.plays_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("play-") && name.ends_with(".wav") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Runs blocking work (reading, rendering) off the server's threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StudioError> + Send + 'static,
) -> Result<T, StudioError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) => Err(StudioError::Invalid(format!("the studio failed at this request: {e}"))),
    }
}

async fn story(State(shared): State<Arc<Shared>>) -> Result<Json<serde_json::Value>, StudioError> {
    Ok(Json(shared.session().await?.to_json(&shared.settings)))
}

async fn voices(State(shared): State<Arc<Shared>>) -> Result<Json<serde_json::Value>, StudioError> {
    Ok(Json(shared.session().await?.voices_json()))
}

/// A request's JSON body; one that does not read is refused in words, as the studio's other
/// errors are.
struct Ask<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Ask<T> {
    type Rejection = StudioError;

    async fn from_request(request: Request, state: &S) -> Result<Ask<T>, StudioError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Ask(value)),
            Err(rejection) => Err(StudioError::Invalid(rejection.body_text())),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlayRequest {
    /// 1-based.
    line: usize,
    #[serde(default = "line_only")]
    until: Until,
    /// At most this many lines.
    #[serde(default)]
    count: Option<usize>,
}

fn line_only() -> Until {
    Until::Line
}

async fn play(State(shared): State<Arc<Shared>>, Ask(ask): Ask<PlayRequest>) -> Result<Json<Played>, StudioError> {
    let session = shared.session().await?;
    let name = shared.next_play();
    let me = shared.clone();
    let played = blocking(move || {
        let mut lines = session.span(ask.line, ask.until)?;
        lines.truncate(ask.count.unwrap_or(usize::MAX).max(1));
        session.play(&me.settings, lines, &name, None)
    });
    Ok(Json(played.await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VoiceRequest {
    /// The character; none for the narrator.
    #[serde(default)]
    character: Option<String>,
    voice: Voice,
}

async fn audition(State(shared): State<Arc<Shared>>, Ask(ask): Ask<VoiceRequest>) -> Result<Json<Played>, StudioError> {
    let session = shared.session().await?;
    let name = shared.next_play();
    let me = shared.clone();
    let played = blocking(move || session.audition(&me.settings, ask.character.as_deref(), ask.voice, &name));
    Ok(Json(played.await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeakerRequest {
    line: usize,
    speaker: String,
}

async fn speaker(
    State(shared): State<Arc<Shared>>,
    Ask(ask): Ask<SpeakerRequest>,
) -> Result<Json<serde_json::Value>, StudioError> {
    let session = shared.edit(move |s, settings| s.correct(settings, ask.line, &ask.speaker)).await?;
    Ok(Json(session.to_json(&shared.settings)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenameRequest {
    from: String,
    to: String,
}

async fn rename(
    State(shared): State<Arc<Shared>>,
    Ask(ask): Ask<RenameRequest>,
) -> Result<Json<serde_json::Value>, StudioError> {
    let session = shared.edit(move |s, settings| s.rename(settings, &ask.from, &ask.to)).await?;
    Ok(Json(session.to_json(&shared.settings)))
}

async fn voice(
    State(shared): State<Arc<Shared>>,
    Ask(ask): Ask<VoiceRequest>,
) -> Result<Json<serde_json::Value>, StudioError> {
    let session = shared.edit(move |s, settings| s.set_voice(settings, ask.character.as_deref(), ask.voice)).await?;
    Ok(Json(session.to_json(&shared.settings)))
}

/// Starts the full render on a thread of its own, unless one is running.
async fn render_start(State(shared): State<Arc<Shared>>) -> Result<Json<serde_json::Value>, StudioError> {
    let session = shared.session().await?;
    let watch = Arc::new(Watch::new());
    {
        let mut job = shared.render.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(*job, Job::Running(_)) {
            return Err(StudioError::Busy);
        }
        *job = Job::Running(watch.clone());
    }
    let me = shared.clone();
    let started = std::thread::Builder::new().name("studio-render".into()).spawn(move || {
        let outcome = match session.render_all(&me.settings, watch) {
            Ok(rendered) => Job::Done(rendered),
            Err(e) => Job::Failed(e.to_string()),
        };
        *me.render.lock().unwrap_or_else(PoisonError::into_inner) = outcome;
    });
    if let Err(e) = started {
        *shared.render.lock().unwrap_or_else(PoisonError::into_inner) = Job::Failed(e.to_string());
        return Err(StudioError::Invalid(format!("cannot start the render: {e}")));
    }
    Ok(Json(render_state(&shared)))
}

async fn render_progress(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    Json(render_state(&shared))
}

fn render_state(shared: &Shared) -> serde_json::Value {
    let job = shared.render.lock().unwrap_or_else(PoisonError::into_inner);
    match &*job {
        Job::Idle => serde_json::json!({ "state": "idle" }),
        Job::Running(watch) => {
            let progress: Snapshot = watch.snapshot();
            serde_json::json!({ "state": "running", "progress": progress })
        }
        Job::Done(rendered) => serde_json::json!({ "state": "done", "result": rendered }),
        Job::Failed(error) => serde_json::json!({ "state": "failed", "error": error }),
    }
}

/// A file of the output folder, by name, whole or the byte range asked for.
async fn file(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let Some(path) = guard::output_file(&shared.settings.render.out_dir, &name) else {
        return refuse(StatusCode::NOT_FOUND, "no such file in the output folder");
    };
    let Ok(mut opened) = tokio::fs::File::open(&path).await else {
        return refuse(StatusCode::NOT_FOUND, "no such file in the output folder");
    };
    let Ok(len) = opened.metadata().await.map(|m| m.len()) else {
        return refuse(StatusCode::NOT_FOUND, "no such file in the output folder");
    };
    let range = headers.get(header::RANGE).and_then(|r| r.to_str().ok()).map(|r| byte_range(r, len));
    let (status, start, end) = match range {
        None => (StatusCode::OK, 0, len),
        Some(Some((start, end))) => (StatusCode::PARTIAL_CONTENT, start, end),
        Some(None) => {
            let mut refused = refuse(StatusCode::RANGE_NOT_SATISFIABLE, "that range is not in the file");
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                refused.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return refused;
        }
    };
    use tokio::io::AsyncSeekExt;
    if opened.seek(std::io::SeekFrom::Start(start)).await.is_err() {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file");
    }
    let body = if method == Method::HEAD { Body::empty() } else { stream(opened, end - start) };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(guard::content_type(&path)));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    response
}

/// `bytes=A-B`, `bytes=A-` or `bytes=-N` as a half-open range of a file of `len` bytes; `None`
/// when it is not in the file (or asks for several ranges).
fn byte_range(header: &str, len: u64) -> Option<(u64, u64)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = match (a.is_empty(), b.is_empty()) {
        (true, false) => (len.saturating_sub(b.parse().ok()?), len),
        (false, true) => (a.parse().ok()?, len),
        (false, false) => (a.parse().ok()?, b.parse::<u64>().ok()?.saturating_add(1).min(len)),
        (true, true) => return None,
    };
    (start < end).then_some((start, end))
}

/// The next `len` bytes of a file as a body, read a block at a time.
fn stream(file: tokio::fs::File, len: u64) -> Body {
    use tokio::io::AsyncReadExt;
    const BLOCK: u64 = 64 * 1024;
    let blocks = futures_util::stream::unfold((file, len), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = vec![0u8; BLOCK.min(left) as usize];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), (file, left - n as u64)))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    });
    Body::from_stream(blocks)
}

#[cfg(test)]
mod tests;
