//! Every engine in one table, and the set of engines one command uses.
//!
//! Adding an engine is one file (or folder) beside this one, which defines its [`Entry`], plus
//! one row in [`ENGINES`]: `--engine`, discovery, voices files, `audiobook voices` and the
//! worker processes all read the table.

use super::{Engine, EngineConfig, EngineError, embedded, espeak, festival, flite, piper, sapi, say};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// One engine as the registry knows it.
pub struct Entry {
    /// The name `--engine` and voices files take.
    pub name: &'static str,
    /// What to install when it is missing (a Debian package, or where to find it).
    pub package: &'static str,
    /// The settings a voices file may give it under `[engines.NAME]`.
    pub settings: &'static [&'static str],
    /// Builds it with the given settings, or says why it is not available here. Cheap: looks
    /// things up, starts nothing.
    pub build: fn(&EngineConfig) -> Result<Arc<dyn Engine>, EngineError>,
    /// For engines whose library runs in worker processes of this program
    /// (`audiobook __engine-worker NAME`): serves one worker on the given input and output and
    /// returns its exit code.
    pub serve: Option<Serve>,
}

/// Serves one worker process on its input and output; returns its exit code.
pub type Serve = fn(&mut dyn Read, &mut dyn Write) -> i32;

/// Every engine, in the order [`Engines::discover`] prefers them; the embedded one, always
/// available, last.
pub const ENGINES: &[Entry] =
    &[piper::ENTRY, festival::ENTRY, flite::ENTRY, espeak::ENTRY, say::ENTRY, sapi::ENTRY, embedded::ENTRY];

/// The names of every engine, in order.
pub fn names() -> Vec<&'static str> {
    ENGINES.iter().map(|e| e.name).collect()
}

fn entry(name: &str) -> Result<&'static Entry, EngineError> {
    ENGINES
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| EngineError::UnknownEngine { name: name.to_string(), valid: names().join(", ") })
}

/// The engine called `name`, built with `config`, or why it is not available here.
pub fn by_name(name: &str, config: &EngineConfig) -> Result<Arc<dyn Engine>, EngineError> {
    (entry(name)?.build)(config)
}

/// Checks that every engine a config has settings for exists and takes those settings.
pub fn check_settings(config: &EngineConfig) -> Result<(), EngineError> {
    for (engine, table) in &config.settings {
        let entry = entry(engine)?;
        if let Some(key) = table.keys().find(|k| !entry.settings.contains(&k.as_str())) {
            let takes = if entry.settings.is_empty() { "none".to_string() } else { entry.settings.join(", ") };
            return Err(EngineError::Setting {
                engine: engine.clone(),
                key: key.clone(),
                message: format!("{engine} has no such setting (it takes: {takes})"),
            });
        }
    }
    Ok(())
}

/// Serves a worker process for the engine called `name` (`audiobook __engine-worker NAME`).
pub fn serve_worker(name: &str, input: &mut dyn Read, output: &mut dyn Write) -> i32 {
    match ENGINES.iter().find(|e| e.name == name).and_then(|e| e.serve) {
        Some(serve) => serve(input, output),
        None => {
            let _ = writeln!(output, "err no library engine `{name}`");
            1
        }
    }
}

/// The engines a command uses: the chosen ones (one given with `--engine`, or every one found
/// here), which the automatic cast picks voices from, and any other a voices file names, built
/// on first use with the same settings.
pub struct Engines {
    config: EngineConfig,
    chosen: Vec<Arc<dyn Engine>>,
    others: Mutex<BTreeMap<String, Arc<dyn Engine>>>,
}

impl Engines {
    /// Every engine installed here, best first, the embedded one last. Cheap: looks programs up
    /// on `PATH` and starts none of them.
    pub fn discover(config: EngineConfig) -> Engines {
        let chosen = ENGINES.iter().filter_map(|e| (e.build)(&config).ok()).collect();
        Engines { config, chosen, others: Mutex::default() }
    }

    /// Only the engine called `name`.
    pub fn only(name: &str, config: EngineConfig) -> Result<Engines, EngineError> {
        let chosen = vec![by_name(name, &config)?];
        Ok(Engines { config, chosen, others: Mutex::default() })
    }

    /// These very engines (tests use stand-ins); others by name are built with default settings.
    pub fn of(engines: Vec<Arc<dyn Engine>>) -> Engines {
        Engines { config: EngineConfig::default(), chosen: engines, others: Mutex::default() }
    }

    /// The chosen engines, best first.
    pub fn chosen(&self) -> &[Arc<dyn Engine>] {
        &self.chosen
    }

    /// The engine called `name`: a chosen one, or one built now with the same settings.
    pub fn get(&self, name: &str) -> Result<Arc<dyn Engine>, EngineError> {
        if let Some(engine) = self.chosen.iter().find(|e| e.name() == name) {
            return Ok(engine.clone());
        }
        let mut others = self.others.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(engine) = others.get(name) {
            return Ok(engine.clone());
        }
        let engine = by_name(name, &self.config)?;
        others.insert(name.to_string(), engine.clone());
        Ok(engine)
    }

    /// Every voice of the chosen engines, engine by engine, each engine's best first.
    pub fn voices(&self) -> Vec<super::VoiceInfo> {
        self.chosen.iter().flat_map(|e| e.voices()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_engine_lists_the_valid_ones() {
        let Err(err) = by_name("loquendo", &EngineConfig::default()) else { panic!("accepted") };
        let message = err.to_string();
        assert!(names().iter().all(|n| message.contains(n)), "{message}");
    }

    #[test]
    fn embedded_is_always_discovered_last() {
        let engines = Engines::discover(EngineConfig::default());
        assert_eq!(engines.chosen().last().map(|e| e.name()), Some(embedded::NAME));
    }

    #[test]
    fn engines_named_later_are_built_with_the_same_settings() {
        let engines = Engines::only(embedded::NAME, EngineConfig::default()).unwrap();
        assert!(engines.get("loquendo").is_err());
        let a = engines.get(embedded::NAME).unwrap();
        assert!(Arc::ptr_eq(&a, &engines.chosen()[0]));
    }

    #[test]
    fn settings_are_checked_against_the_engine() {
        let mut config = EngineConfig::default();
        config.settings.insert("flite".into(), toml::Table::from_iter([("progam".to_string(), "x".into())]));
        let err = check_settings(&config).unwrap_err().to_string();
        assert!(err.contains("progam") && err.contains("program"), "{err}");
        config.settings.insert("flite".into(), toml::Table::from_iter([("program".to_string(), "x".into())]));
        assert!(check_settings(&config).is_ok());
        config.settings.insert("loquendo".into(), toml::Table::new());
        assert!(check_settings(&config).is_err());
    }
}
