// The studio's page: the script, the cast and the player. Plain JavaScript, no build step.
// Every request carries the token the studio printed; text from the story only ever goes into
// the page as text (textContent), never as HTML.
"use strict";

const TOKEN = document.querySelector('meta[name="studio-token"]').content;
const $ = (id) => document.getElementById(id);

// What the page knows; `window.studio` lets the browser tests look at it.
const state = {
  story: null,      // GET /api/story
  voices: [],       // GET /api/voices
  colors: new Map(),
  lastPlay: null,   // the last file played, as /api/play answered
  playing: null,    // { run, segments, index }
  run: 0,           // each new play cancels the one before
  pendingSpeakerLine: null,
};
window.studio = state;

async function api(path, body) {
  const init = { method: body === undefined ? "GET" : "POST", headers: { "x-studio-token": TOKEN } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function fileUrl(name) {
  return "/files/" + name.split("/").map(encodeURIComponent).join("/") + "?token=" + TOKEN;
}

function say(message, isError) {
  const status = $("status");
  status.textContent = message;
  status.classList.toggle("error", !!isError);
}

function fail(error) {
  say(error.message || String(error), true);
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// Colours: the narrator grey, each character a hue of its own (golden-angle steps).
function colorOf(name) {
  if (!name) return "var(--narrator)";
  if (!state.colors.has(name)) return "hsl(0 0% 45%)";
  return state.colors.get(name);
}

function assignColors() {
  state.colors = new Map();
  state.story.characters.forEach((c, i) => {
    state.colors.set(c.name, `hsl(${Math.round((i * 137.508 + 200) % 360)} 62% 36%)`);
  });
}

// ---- The script ----

function renderScript() {
  const story = state.story;
  const script = $("script");
  const scroll = window.scrollY;
  script.replaceChildren();
  const titles = new Map(story.chapters.map((c) => [c.index, c.title]));
  let chapter = null, scene = null, chapterNode = null, sceneNode = null;
  for (const line of story.lines) {
    if (line.chapter !== chapter) {
      chapter = line.chapter;
      scene = null;
      chapterNode = el("section", { class: "chapter", dataset: { chapter } }, el("h2", { text: titles.get(chapter) || `Chapter ${chapter}` }));
      script.append(chapterNode);
    }
    if (line.scene !== scene) {
      scene = line.scene;
      sceneNode = el("div", { class: "scene", dataset: { scene } });
      chapterNode.append(sceneNode);
    }
    sceneNode.append(lineRow(line));
  }
  $("doubtful-count").textContent = story.lines.filter((l) => l.doubtful).length;
  const names = $("names");
  names.replaceChildren(...story.characters.map((c) => el("option", { value: c.name })));
  window.scrollTo(0, scroll);
}

function lineRow(line) {
  const classes = ["line", `kind-${line.kind}`];
  if (line.doubtful) classes.push("doubtful");
  const row = el("div", { class: classes.join(" "), dataset: { line: line.line } });
  row.style.setProperty("--c", line.kind === "dialogue" ? colorOf(line.speaker) : "var(--narrator)");
  let who;
  if (line.kind === "dialogue") {
    const why = `confidence ${line.confidence.toFixed(2)}` + (line.evidence ? ` (${line.evidence})` : "");
    who = el("button", {
      type: "button",
      class: "speaker" + (line.speaker ? "" : " unknown"),
      title: `Change who says this: ${why}`,
      text: line.speaker || "unknown",
      onclick: () => openSpeakerDialog(line.line),
    });
  } else {
    who = el("span", { class: "speaker-none" });
  }
  const hear = () => play(line.line, "line");
  const text = el("span", {
    class: "text",
    role: "button",
    tabindex: "0",
    title: "Hear this line",
    text: line.text,
    onclick: hear,
    onkeydown: (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), hear()),
  });
  const actions = el(
    "span",
    { class: "actions" },
    el("button", { type: "button", class: "play-scene", title: "Play the scene from this line", text: "\u25B6 scene", onclick: () => play(line.line, "scene") }),
    el("button", { type: "button", class: "play-chapter", title: "Play the chapter from this line", text: "\u25B6 chapter", onclick: () => play(line.line, "chapter") }),
  );
  row.append(el("span", { class: "num", text: line.line }), who, text, actions);
  return row;
}

function rowOf(n) {
  return document.querySelector(`.line[data-line="${n}"]`);
}

// ---- The player ----
// A play is a list of segments, each a file the studio rendered: the first line alone (so it
// starts as soon as that line is ready), then growing batches of the lines after it, each
// asked for while the one before plays.

const player = () => $("player");

async function play(line, until) {
  const run = ++state.run;
  stopAudio();
  $("stop").disabled = false;
  const lines = linesToPlay(line, until);
  state.playing = { run, lines, next: 0, segments: [], index: -1 };
  say(`Rendering line ${line}\u2026`);
  rowOf(line)?.classList.add("waiting");
  try {
    const first = await fetchSegment(state.playing);
    if (run !== state.run) return;
    startSegment(first, run);
    prefetch(run);
  } catch (error) {
    if (run === state.run) fail(error);
  } finally {
    rowOf(line)?.classList.remove("waiting");
  }
}

// The line numbers a play covers: to the end of the line, its scene or its chapter.
function linesToPlay(line, until) {
  const all = state.story.lines;
  const first = all[line - 1];
  const out = [];
  for (let i = line - 1; i < all.length; i++) {
    const l = all[i];
    if (until === "line" && i > line - 1) break;
    if (l.chapter !== first.chapter || (until === "scene" && l.scene !== first.scene)) break;
    out.push(l.line);
  }
  return out;
}

// Asks for the next batch of a play: 1 line, then 4, 16, 64... as long as they are.
async function fetchSegment(playing) {
  const count = Math.min(4 ** playing.segments.length, playing.lines.length - playing.next);
  if (count <= 0) return null;
  const line = playing.lines[playing.next];
  playing.next += count;
  const promise = api("/api/play", { line, until: "chapter", count });
  playing.segments.push(promise);
  return promise;
}

function prefetch(run) {
  const playing = state.playing;
  if (!playing || playing.run !== run || playing.next >= playing.lines.length) return;
  if (playing.segments.length > playing.index + 1) return;
  fetchSegment(playing).catch((error) => run === state.run && fail(error));
}

function startSegment(segment, run) {
  if (!segment || run !== state.run) return finishPlay();
  state.playing.index += 1;
  state.lastPlay = segment;
  const audio = player();
  audio.dataset.run = run;
  audio.src = fileUrl(segment.file);
  const from = segment.lines.length ? segment.lines[0].start_s : 0;
  const go = () => {
    // After the first segment, skip the silence at the start of the file.
    if (state.playing.index > 0 && from > 0) audio.currentTime = from;
    audio.play().catch((error) => {
      if (error.name !== "AbortError") fail(error);
    });
  };
  audio.addEventListener("loadedmetadata", go, { once: true });
  const what = segment.lines.length === 1 ? `line ${segment.lines[0].line}` : `lines ${segment.lines[0]?.line}\u2013${segment.lines.at(-1)?.line}`;
  const source = segment.synthesized > 0 ? `${segment.synthesized} spoken now` : "from the cache";
  say(`Playing ${what} (${source}, ready in ${Math.round(segment.render_ms)} ms)`);
  $("now-playing").textContent = what;
  prefetch(run);
}

async function nextSegment() {
  const playing = state.playing;
  if (!playing || String(playing.run) !== player().dataset.run) return;
  const next = playing.segments[playing.index + 1];
  if (!next) return finishPlay();
  try {
    startSegment(await next, playing.run);
  } catch (error) {
    fail(error);
    finishPlay();
  }
}

function finishPlay() {
  highlight(null);
  $("stop").disabled = true;
  $("now-playing").textContent = "";
  state.playing = null;
}

function stopAudio() {
  const audio = player();
  audio.pause();
  highlight(null);
}

function stop() {
  state.run += 1;
  stopAudio();
  finishPlay();
  say("Stopped.");
}

// The line being spoken, from the segment's line times.
function highlight(n) {
  const current = document.querySelector(".line.speaking");
  if (current && current.dataset.line === String(n)) return;
  current?.classList.remove("speaking");
  if (n === null) return;
  const row = rowOf(n);
  if (row) {
    row.classList.add("speaking");
    row.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
}

function follow() {
  const audio = player();
  const segment = state.lastPlay;
  if (!audio.paused && segment && state.playing) {
    const t = audio.currentTime;
    const line = segment.lines.find((l) => t >= l.start_s && t < l.end_s);
    highlight(line ? line.line : null);
  }
  requestAnimationFrame(follow);
}

// ---- Speakers ----

function openSpeakerDialog(n) {
  const line = state.story.lines[n - 1];
  state.pendingSpeakerLine = n;
  $("speaker-line").textContent = n;
  $("speaker-quote").textContent = line.text;
  $("speaker-why").textContent = line.speaker
    ? `Now ${line.speaker}, confidence ${line.confidence.toFixed(2)}${line.evidence ? ` (${line.evidence})` : ""}.`
    : "No speaker was found for this line.";
  const choice = $("speaker-choice");
  choice.replaceChildren(
    el("option", { value: "", text: "\u2014" }),
    ...state.story.characters.map((c) => el("option", { value: c.name, text: c.name, selected: c.name === line.speaker })),
  );
  $("speaker-new").value = "";
  $("speaker-dialog").showModal();
}

async function saveSpeaker() {
  const n = state.pendingSpeakerLine;
  const speaker = $("speaker-new").value.trim() || $("speaker-choice").value;
  if (!speaker) return say("Choose a character or type a name.", true);
  $("speaker-dialog").close();
  say(`Saving: line ${n} is spoken by ${speaker}\u2026`);
  try {
    setStory(await api("/api/speaker", { line: n, speaker }));
    say(`Saved to ${state.story.voices_file}: line ${n} is spoken by ${speaker}.`);
    await play(n, "line");
  } catch (error) {
    fail(error);
  }
}

// ---- The cast ----

function voiceOptions(current) {
  const groups = new Map();
  for (const v of state.voices) {
    if (!groups.has(v.engine)) groups.set(v.engine, el("optgroup", { label: v.engine }));
    const label = `${v.id} (${v.accent}${v.gender !== "unknown" ? ", " + v.gender : ""})`;
    const value = `${v.engine}\u0000${v.id}`;
    groups.get(v.engine).append(el("option", { value, text: label, selected: current.engine === v.engine && current.voice === v.id }));
  }
  return [...groups.values()];
}

function renderCast() {
  const story = state.story;
  const members = [{ name: null, label: "Narrator", voice: story.narrator.voice, saved: story.narrator.saved, meta: "narration" }];
  for (const c of story.characters) {
    const meta = `${c.gender === "unknown" ? "gender unknown" : c.gender} \u00B7 ${c.lines} line${c.lines === 1 ? "" : "s"}`;
    members.push({ name: c.name, label: c.name, voice: c.voice, saved: c.saved, meta, aliases: c.aliases });
  }
  $("cast").replaceChildren(...members.map(memberPanel));
}

function memberPanel(m) {
  const node = el("div", { class: "member", dataset: { name: m.name ?? "" } });
  node.style.setProperty("--c", m.name ? colorOf(m.name) : "var(--narrator)");
  const select = el("select", { class: "voice", "aria-label": `Voice of ${m.label}` }, ...voiceOptions(m.voice));
  const slider = (cls, value) => el("input", { type: "range", class: cls, min: "0.5", max: "2", step: "0.05", value: String(value) });
  const rate = slider("rate", m.voice.rate);
  const pitch = slider("pitch", m.voice.pitch);
  const rateOut = el("output", { text: Number(m.voice.rate).toFixed(2) });
  const pitchOut = el("output", { text: Number(m.voice.pitch).toFixed(2) });
  rate.addEventListener("input", () => (rateOut.textContent = Number(rate.value).toFixed(2)));
  pitch.addEventListener("input", () => (pitchOut.textContent = Number(pitch.value).toFixed(2)));
  const chosen = () => {
    const [engine, voice] = select.value.split("\u0000");
    return { engine, voice, rate: Number(rate.value), pitch: Number(pitch.value), volume: m.voice.volume };
  };
  const aliases = m.aliases && m.aliases.length ? ` \u00B7 also ${m.aliases.join(", ")}` : "";
  node.append(
    el("div", { class: "who" },
      el("span", { class: "swatch" }),
      el("strong", { text: m.label }),
      el("span", { class: "muted", text: m.meta + aliases }),
      el("span", { class: "source" + (m.saved ? " saved" : ""), text: m.saved ? "saved" : "automatic", title: m.saved ? "Set in the voices file" : "Chosen by the automatic cast" }),
    ),
    select,
    el("div", { class: "sliders" }, el("span", { text: "Rate" }), rate, rateOut, el("span", { text: "Pitch" }), pitch, pitchOut),
    el("div", { class: "buttons" },
      el("button", { type: "button", class: "audition", text: "Audition", title: "Hear one of their lines in this voice (nothing is saved)", onclick: () => audition(m.name, chosen()) }),
      el("button", { type: "button", class: "save-voice primary", text: "Save voice", onclick: () => saveVoice(m.name, chosen()) }),
    ),
  );
  if (m.name) {
    const to = el("input", { type: "text", class: "rename-to", list: "names", maxlength: "60", placeholder: "new name, or another character" });
    node.append(el("details", {},
      el("summary", { text: "Rename or merge" }),
      to, " ",
      el("button", { type: "button", class: "rename", text: "Rename", onclick: () => rename(m.name, to.value) }),
    ));
  }
  return node;
}

async function audition(character, voice) {
  const run = ++state.run;
  stopAudio();
  say(`Rendering an audition of ${voice.engine}:${voice.voice}\u2026`);
  try {
    const played = await api("/api/audition", { character, voice });
    if (run !== state.run) return;
    state.playing = { run, lines: played.lines.map((l) => l.line), next: Infinity, segments: [Promise.resolve(played)], index: -1 };
    $("stop").disabled = false;
    startSegment(played, run);
  } catch (error) {
    fail(error);
  }
}

async function saveVoice(character, voice) {
  say("Saving the voice\u2026");
  try {
    setStory(await api("/api/voice", { character, voice }));
    say(`Saved to ${state.story.voices_file}: ${character ?? "the narrator"} speaks as ${voice.engine}:${voice.voice}.`);
  } catch (error) {
    fail(error);
  }
}

async function rename(from, to) {
  to = to.trim();
  if (!to) return say("Type the new name, or the name of the character to merge into.", true);
  say(`Renaming ${from} to ${to}\u2026`);
  try {
    setStory(await api("/api/rename", { from, to }));
    say(`Saved to ${state.story.voices_file}: ${from} is now ${to}.`);
  } catch (error) {
    fail(error);
  }
}

function setStory(story) {
  state.story = story;
  assignColors();
  $("title").textContent = story.story;
  $("voices-file").textContent = `edits go to ${story.voices_file}`;
  renderScript();
  renderCast();
}

// ---- The full render ----

async function startRender() {
  try {
    showRender(await api("/api/render", {}));
    pollRender();
  } catch (error) {
    fail(error);
  }
}

async function pollRender() {
  try {
    const job = await api("/api/render");
    showRender(job);
    if (job.state === "running") setTimeout(pollRender, 500);
  } catch (error) {
    fail(error);
  }
}

function minutes(seconds) {
  return `${(seconds / 60).toFixed(1)} min`;
}

function showRender(job) {
  const bar = $("render-bar");
  const status = $("render-status");
  const files = $("render-files");
  $("render-start").disabled = job.state === "running";
  bar.hidden = job.state !== "running";
  if (job.state === "running") {
    const p = job.progress;
    if (!p.stage) {
      status.textContent = "Starting\u2026";
      bar.removeAttribute("value");
      return;
    }
    bar.max = Math.max(p.total, 1);
    bar.value = p.done;
    const left = p.left_s === null || p.left_s === undefined ? "" : `, about ${Math.ceil(p.left_s)} s left`;
    const stage = p.stage === "speaking" ? "Speaking the lines not in the cache" : "Writing the chapters";
    status.textContent = `${stage}: ${p.done} of ${p.total} lines, ${minutes(p.audio_s)} of audio${left}`;
  } else if (job.state === "done") {
    const r = job.result;
    status.textContent = `Done: ${minutes(r.audio_s)} of audio in ${r.wall_s.toFixed(1)} s; ${r.synthesized} line(s) spoken, ${r.cache_hits} from the cache` +
      (r.failures.length ? `; ${r.failures.length} line(s) could not be voiced` : "") + (r.export_error ? `; captions not written: ${r.export_error}` : "");
    files.replaceChildren(...r.files.map((f) => el("li", {}, el("a", { href: fileUrl(f), target: "_blank", rel: "noopener", text: f }))));
  } else if (job.state === "failed") {
    status.textContent = `The render failed: ${job.error}`;
  } else {
    status.textContent = "";
  }
}

// ---- Start ----

async function start() {
  $("only-doubtful").addEventListener("change", (e) => document.body.classList.toggle("only-doubtful", e.target.checked));
  $("stop").addEventListener("click", stop);
  $("speaker-save").addEventListener("click", saveSpeaker);
  $("speaker-cancel").addEventListener("click", () => $("speaker-dialog").close());
  $("speaker-new").addEventListener("keydown", (e) => e.key === "Enter" && saveSpeaker());
  $("render-start").addEventListener("click", startRender);
  player().addEventListener("ended", nextSegment);
  requestAnimationFrame(follow);
  try {
    const [story, voices] = await Promise.all([api("/api/story"), api("/api/voices")]);
    state.voices = voices;
    setStory(story);
    say(`${story.lines.length} lines, ${story.characters.length} characters.`);
    const job = await api("/api/render");
    showRender(job);
    if (job.state === "running") pollRender();
    document.body.dataset.ready = "true";
  } catch (error) {
    fail(error);
  }
}

start();
