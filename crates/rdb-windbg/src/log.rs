//! `.logopen`'s file: the session's text written there too, as it is shown. One handle is shared by everything that
//! writes the session's text (the console's commands, and the front end's notices and echoed input), so a line is
//! logged whichever part of rdb printed it. It only copies lines: what they say is decided elsewhere.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The log file, if one is open: a cheap handle, cloned to each writer of the session's text.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Option<Open>>>);

struct Open {
    path: PathBuf,
    file: File,
}

impl Log {
    /// The file; a writer that panicked while holding it left nothing worse than a partial line.
    fn lock(&self) -> MutexGuard<'_, Option<Open>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Copy one line to the log, if one is open. A write that fails (a full disk) loses that line only: the
    /// session matters more than its log.
    pub fn line(&self, text: &str) {
        if let Some(open) = self.lock().as_mut() {
            let _ = writeln!(open.file, "{text}");
        }
    }

    /// Start logging to `path` (created, or emptied; with `append`, added to). Returns the log it replaces.
    pub(crate) fn open(&self, path: &Path, append: bool) -> std::io::Result<Option<PathBuf>> {
        let file = std::fs::OpenOptions::new().create(true).write(true).append(append).truncate(!append).open(path)?;
        let old = self.lock().replace(Open { path: path.to_path_buf(), file });
        Ok(old.map(|o| o.path))
    }

    /// The open log's path.
    pub(crate) fn path(&self) -> Option<PathBuf> {
        self.lock().as_ref().map(|o| o.path.clone())
    }

    /// Stop logging; the path of the log that was open.
    pub(crate) fn close(&self) -> Option<PathBuf> {
        self.lock().take().map(|o| o.path)
    }
}

/// What the console writes through: each line made [`printable`](crate::printable), then shown and logged.
pub(crate) struct Shown<'a> {
    pub out: &'a mut dyn crate::Output,
    pub log: Log,
}

impl crate::Output for Shown<'_> {
    fn line(&mut self, text: &str) {
        let text = crate::printable(text);
        self.out.line(&text);
        self.log.line(&text);
    }

    fn flush(&mut self) {
        self.out.flush();
    }
}
