//! espeak-ng's shared library, loaded at run time, so a line costs only its synthesis.
//!
//! Starting the `espeak-ng` program costs about 10 ms of CPU (it loads its phoneme tables and
//! dictionary every time), more than synthesizing a typical line. The library is the same code
//! without the start-up: it is opened with `dlopen` when present (Debian's `espeak-ng` package
//! pulls in `libespeak-ng1`), so it is never a build-time requirement.
//!
//! The library keeps its state in globals and is not thread-safe: one process holds one
//! synthesizer, and parallel synthesis uses several processes (see [`super::worker`]).

use libloading::Library;
use std::ffi::{CStr, CString, c_char, c_int, c_short, c_uint, c_void};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// The names the library goes by, most specific first.
const LIBRARY_NAMES: &[&str] = if cfg!(target_os = "macos") {
    &["libespeak-ng.1.dylib", "libespeak-ng.dylib", "/opt/homebrew/lib/libespeak-ng.dylib"]
} else if cfg!(windows) {
    &["libespeak-ng.dll", "espeak-ng.dll"]
} else {
    &["libespeak-ng.so.1", "libespeak-ng.so"]
};

// From espeak-ng's speak_lib.h (API revision 12), which has been stable since 2012.
const AUDIO_OUTPUT_SYNCHRONOUS: c_int = 2;
const INITIALIZE_DONT_EXIT: c_int = 0x8000;
const POS_CHARACTER: c_int = 1;
/// What the `espeak-ng` program passes, so both produce the same samples: espeakCHARS_AUTO (0:
/// detect the encoding), espeakPHONEMES (accept `[[phonemes]]`) and espeakENDPAUSE (end with a
/// sentence's pause).
const SYNTH_FLAGS: c_uint = 0x0100 | 0x1000;
const PARAMETER_RATE: c_int = 1;
const PARAMETER_VOLUME: c_int = 2;
const PARAMETER_PITCH: c_int = 3;
const EE_OK: c_int = 0;

/// speak_lib.h's `espeak_VOICE`, used only to select a voice by language.
#[repr(C)]
struct VoiceSelector {
    name: *const c_char,
    languages: *const c_char,
    identifier: *const c_char,
    gender: u8,
    age: u8,
    variant: u8,
    xx1: u8,
    score: c_int,
    spare: *mut c_void,
}

impl VoiceSelector {
    /// A selector that asks for a language (or a voice named like one) and nothing else.
    fn language(languages: &CStr) -> VoiceSelector {
        VoiceSelector {
            name: std::ptr::null(),
            languages: languages.as_ptr(),
            identifier: std::ptr::null(),
            gender: 0,
            age: 0,
            variant: 0,
            xx1: 0,
            score: 0,
            spare: std::ptr::null_mut(),
        }
    }
}

type SynthCallback = unsafe extern "C" fn(*mut c_short, c_int, *mut c_void) -> c_int;

/// The library's entry points, resolved once.
struct Api {
    synth: unsafe extern "C" fn(*const c_void, usize, c_uint, c_int, c_uint, c_uint, *mut c_uint, *mut c_void) -> c_int,
    set_voice_by_name: unsafe extern "C" fn(*const c_char) -> c_int,
    set_voice_by_properties: unsafe extern "C" fn(*const VoiceSelector) -> c_int,
    set_parameter: unsafe extern "C" fn(c_int, c_int, c_int) -> c_int,
    list_voices: unsafe extern "C" fn(*const VoiceSelector) -> *const *const VoiceSelector,
    text_to_phonemes: unsafe extern "C" fn(*mut *const c_void, c_int, c_int) -> *const c_char,
    sample_rate: u32,
    version: String,
    /// Its data folder (`espeak-ng-data`), where the voices are.
    data: Option<PathBuf>,
    /// The voice selected last, which a line in the same voice need not select again.
    current: Option<String>,
    /// Keeps the code above mapped.
    _library: Library,
}

/// The samples of the line being synthesized; the library hands them over through a callback
/// with no context pointer of ours, so they collect here.
static SAMPLES: Mutex<Vec<i16>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect(wav: *mut c_short, count: c_int, _events: *mut c_void) -> c_int {
    if !wav.is_null() && count > 0 {
        // SAFETY: espeak-ng passes `count` valid samples at `wav` for the duration of the call.
        let chunk = unsafe { std::slice::from_raw_parts(wav, count as usize) };
        if let Ok(mut samples) = SAMPLES.lock() {
            samples.extend_from_slice(chunk);
        }
    }
    0
}

/// The process's espeak-ng library, initialized, or why it is not available.
fn api() -> Result<&'static Mutex<Api>, String> {
    static API: OnceLock<Result<Mutex<Api>, String>> = OnceLock::new();
    API.get_or_init(|| load().map(Mutex::new)).as_ref().map_err(Clone::clone)
}

/// Whether this process renders lines in forks: see [`bind_now_for_forks`].
static BIND_NOW: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes this process open the library with every symbol bound at once, for a process that will
/// render lines in forks of itself: a lazily bound symbol would be looked up again in every fork,
/// through the thirty-odd libraries espeak-ng pulls in (its audio output's), for half a
/// millisecond a line. A process that only lists voices binds lazily, which spares it those
/// lookups altogether. Call before anything else here.
pub fn bind_now_for_forks() {
    BIND_NOW.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Opens the library; see [`bind_now_for_forks`].
///
/// # Safety
/// As [`Library::new`].
unsafe fn open(name: &str) -> Result<Library, libloading::Error> {
    #[cfg(unix)]
    {
        use libloading::os::unix::{Library as Unix, RTLD_LAZY, RTLD_LOCAL, RTLD_NOW};
        let binding = if BIND_NOW.load(std::sync::atomic::Ordering::Relaxed) { RTLD_NOW } else { RTLD_LAZY };
        // SAFETY: as the caller's.
        unsafe { Unix::open(Some(name), binding | RTLD_LOCAL) }.map(Library::from)
    }
    #[cfg(not(unix))]
    // SAFETY: as the caller's.
    unsafe {
        Library::new(name)
    }
}

fn load() -> Result<Api, String> {
    let library = LIBRARY_NAMES
        .iter()
        // SAFETY: loading espeak-ng runs no initializers with preconditions of ours.
        .find_map(|name| unsafe { open(name) }.ok())
        .ok_or_else(|| format!("no espeak-ng library found (looked for {})", LIBRARY_NAMES.join(", ")))?;
    // SAFETY: the signatures are those of speak_lib.h; each symbol is checked to exist.
    unsafe {
        let symbol = |name: &str| format!("the espeak-ng library has no {name}");
        let initialize = *library
            .get::<unsafe extern "C" fn(c_int, c_int, *const c_char, c_int) -> c_int>(b"espeak_Initialize\0")
            .map_err(|_| symbol("espeak_Initialize"))?;
        let set_callback = *library
            .get::<unsafe extern "C" fn(SynthCallback)>(b"espeak_SetSynthCallback\0")
            .map_err(|_| symbol("espeak_SetSynthCallback"))?;
        let info = *library
            .get::<unsafe extern "C" fn(*mut *const c_char) -> *const c_char>(b"espeak_Info\0")
            .map_err(|_| symbol("espeak_Info"))?;
        let synth = *library.get(b"espeak_Synth\0").map_err(|_| symbol("espeak_Synth"))?;
        let set_voice_by_name =
            *library.get(b"espeak_SetVoiceByName\0").map_err(|_| symbol("espeak_SetVoiceByName"))?;
        let set_voice_by_properties =
            *library.get(b"espeak_SetVoiceByProperties\0").map_err(|_| symbol("espeak_SetVoiceByProperties"))?;
        let list_voices = *library.get(b"espeak_ListVoices\0").map_err(|_| symbol("espeak_ListVoices"))?;
        let set_parameter = *library.get(b"espeak_SetParameter\0").map_err(|_| symbol("espeak_SetParameter"))?;
        let text_to_phonemes = *library.get(b"espeak_TextToPhonemes\0").map_err(|_| symbol("espeak_TextToPhonemes"))?;

        let rate = initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, std::ptr::null(), INITIALIZE_DONT_EXIT);
        if rate <= 0 {
            return Err("espeak-ng could not start: is its data (espeak-ng-data) installed?".to_string());
        }
        set_callback(collect);
        let mut data_ptr: *const c_char = std::ptr::null();
        let version_ptr = info(&mut data_ptr);
        let version = if version_ptr.is_null() {
            "unknown".to_string()
        } else {
            CStr::from_ptr(version_ptr).to_string_lossy().split_whitespace().next().unwrap_or("unknown").to_string()
        };
        let data =
            (!data_ptr.is_null()).then(|| PathBuf::from(CStr::from_ptr(data_ptr).to_string_lossy().into_owned()));
        Ok(Api {
            synth,
            set_voice_by_name,
            set_voice_by_properties,
            list_voices,
            set_parameter,
            text_to_phonemes,
            sample_rate: rate as u32,
            version,
            data,
            current: None,
            _library: library,
        })
    }
}

/// Whether the library can be loaded and started in this process.
pub fn available() -> Result<(), String> {
    api().map(drop)
}

/// The library's version ("1.51"), as `espeak-ng --version` reports it.
pub fn version() -> Result<String, String> {
    Ok(api()?.lock().map_err(|_| poisoned())?.version.clone())
}

/// Where the library is and where its data is, once it is loaded in this process: what a
/// listing of its voices depends on. `None` where the library's file cannot be found (outside
/// Linux).
pub fn files() -> Result<Option<(PathBuf, PathBuf)>, String> {
    let data = api()?.lock().map_err(|_| poisoned())?.data.clone();
    Ok(loaded_library_file().zip(data))
}

/// The file the dynamic loader mapped for the library, from this process's memory map.
fn loaded_library_file() -> Option<PathBuf> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    // Each line ends with the mapped file's absolute path, which may hold spaces; a file replaced
    // since it was mapped ends in " (deleted)" and is not the one a listing should follow.
    let paths = maps.lines().filter_map(|line| line.find('/').map(|at| &line[at..]));
    paths.filter(|path| !path.ends_with(" (deleted)")).find_map(|path| {
        let name = path.rsplit('/').next()?;
        LIBRARY_NAMES.iter().any(|n| name.starts_with(n)).then(|| PathBuf::from(path))
    })
}

/// A voice as espeak-ng lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListedVoice {
    /// Its first language ("en-gb"; "variant" for a variant).
    pub language: String,
    /// Its file within the voices folder ("gmw/en", "!v/f1").
    pub file: String,
    pub female: bool,
}

/// The voices for `language` ("en", or "variant" for the variants), as `espeak-ng
/// --voices=LANGUAGE` lists them, without starting the program.
pub fn list_voices(language: &str) -> Result<Vec<ListedVoice>, String> {
    let api = api()?.lock().map_err(|_| poisoned())?;
    let language = CString::new(language).map_err(|_| "a language holds a NUL byte".to_string())?;
    let spec = VoiceSelector::language(&language);
    let mut voices = Vec::new();
    // SAFETY: espeak-ng returns a null-terminated array of voices that stays valid until the next
    // call, which the lock holds off; each voice's `languages` is a list of (priority byte,
    // NUL-terminated language) ending with a zero byte, and `identifier` a C string.
    unsafe {
        let mut entry = (api.list_voices)(&spec);
        while !entry.is_null() && !(*entry).is_null() {
            let voice = &**entry;
            if !voice.languages.is_null() && !voice.identifier.is_null() && *voice.languages != 0 {
                voices.push(ListedVoice {
                    language: CStr::from_ptr(voice.languages.add(1)).to_string_lossy().into_owned(),
                    file: CStr::from_ptr(voice.identifier).to_string_lossy().into_owned(),
                    female: voice.gender == 2,
                });
            }
            entry = entry.add(1);
        }
    }
    Ok(voices)
}

/// Says `text` with `voice` at espeak-ng's own rate (words per minute), pitch (0-99) and
/// amplitude (0-200) settings; returns the samples and their rate.
pub fn synthesize(
    voice: &str,
    (wpm, pitch, amplitude): (u32, u32, u32),
    text: &str,
) -> Result<(Vec<i16>, u32), String> {
    let mut api = api()?.lock().map_err(|_| poisoned())?;
    // A NUL would end the text early; it carries nothing a listener would hear.
    let text = CString::new(text.replace('\0', " ")).expect("NUL bytes were replaced");
    SAMPLES.lock().map_err(|_| poisoned())?.clear();
    // SAFETY: the library was initialized in synchronous mode, so `espeak_Synth` returns only
    // after its last callback; the lock above keeps other threads of this process out.
    let status = unsafe {
        select(&mut api, voice)?;
        for (parameter, value) in [(PARAMETER_RATE, wpm), (PARAMETER_VOLUME, amplitude), (PARAMETER_PITCH, pitch)] {
            (api.set_parameter)(parameter, value as c_int, 0);
        }
        let bytes = text.as_bytes_with_nul();
        (api.synth)(
            bytes.as_ptr().cast(),
            bytes.len(),
            0,
            POS_CHARACTER,
            0,
            SYNTH_FLAGS,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    let samples = std::mem::take(&mut *SAMPLES.lock().map_err(|_| poisoned())?);
    if status != EE_OK {
        return Err(format!("espeak-ng could not synthesize the line (error {status})"));
    }
    Ok((samples, api.sample_rate))
}

/// One clause of text as espeak-ng phonemizes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhonemeClause {
    /// Its phonemes in IPA, words separated by spaces, as `espeak-ng -q --ipa` prints them.
    pub phonemes: String,
    /// The bytes of the text espeak-ng read for it: the clause, its punctuation, and (unless it is
    /// the last) the first character of the next clause, which espeak-ng reads ahead.
    pub read: std::ops::Range<usize>,
    /// Whether it ends the text.
    pub last: bool,
}

/// The IPA phonemes of `text` in `voice` ("en-us"), clause by clause, as espeak-ng's
/// `espeak_TextToPhonemes` gives them: what neural voices trained on espeak-ng's phonemes
/// (Piper's) take as input. Shares the process's one synthesizer, under its lock.
pub fn phonemize(voice: &str, text: &str) -> Result<Vec<PhonemeClause>, String> {
    // espeakCHARS_AUTO (UTF-8 where it is valid) and espeakPHONEMES_IPA, with no separator
    // between phonemes.
    const CHARS_AUTO: c_int = 0;
    const PHONEMES_IPA: c_int = 0x02;
    let mut api = api()?.lock().map_err(|_| poisoned())?;
    let text = CString::new(text.replace('\0', " ")).expect("NUL bytes were replaced");
    let start = text.as_ptr() as usize;
    let end = start + text.as_bytes().len();
    let mut clauses = Vec::new();
    // SAFETY: the lock keeps other threads of this process out; espeak-ng reads the
    // NUL-terminated text at `cursor`, moves `cursor` past the clause it phonemized (null at the
    // end) and returns a NUL-terminated string it owns, copied before the next call.
    unsafe {
        select(&mut api, voice)?;
        let mut cursor: *const c_void = text.as_ptr().cast();
        while !cursor.is_null() {
            let from = (cursor as usize).clamp(start, end) - start;
            let phonemes = (api.text_to_phonemes)(&mut cursor, CHARS_AUTO, PHONEMES_IPA);
            let to = if cursor.is_null() { end - start } else { (cursor as usize).clamp(start, end) - start };
            let phonemes = if phonemes.is_null() {
                String::new()
            } else {
                CStr::from_ptr(phonemes).to_string_lossy().into_owned()
            };
            let stuck = !cursor.is_null() && to <= from;
            clauses.push(PhonemeClause { phonemes, read: from..to.max(from), last: cursor.is_null() || stuck });
            if stuck {
                // No progress: stop rather than ask again forever.
                break;
            }
        }
    }
    Ok(clauses)
}

/// Loads `voice` now, so later lines in this process (or its forks) need not: espeak-ng keeps the
/// last language's dictionary and phoneme tables loaded, and reloads them only for another
/// language.
pub fn preload(voice: &str) -> Result<(), String> {
    let mut api = api()?.lock().map_err(|_| poisoned())?;
    // SAFETY: as in `synthesize`.
    unsafe { select(&mut api, voice) }
}

/// Selects a voice as the program does: by a voice file's name ("en-us+f3"), else by language.
/// Selecting the voice already selected is skipped: it would only reread the voice's file.
///
/// # Safety
/// The library must be initialized and no other thread may be using it.
unsafe fn select(api: &mut Api, voice: &str) -> Result<(), String> {
    if api.current.as_deref() == Some(voice) {
        return Ok(());
    }
    let name = CString::new(voice).map_err(|_| format!("voice name `{voice}` holds a NUL byte"))?;
    let selected = unsafe {
        (api.set_voice_by_name)(name.as_ptr()) == EE_OK
            || (api.set_voice_by_properties)(&VoiceSelector::language(&name)) == EE_OK
    };
    api.current = selected.then(|| voice.to_string());
    if selected { Ok(()) } else { Err(format!("espeak-ng has no voice `{voice}`")) }
}

fn poisoned() -> String {
    "an earlier line panicked inside espeak-ng".to_string()
}
