//! The launched program's standard streams, as `output` events. The adapter's own standard output is the
//! protocol, so the program must not write there: its output and error go to files of their own (appended to,
//! so a `restart` that opens them again keeps the reader's place), and a thread follows each as it grows and
//! sends what is new; its input is the null device (the adapter's input is the protocol too).

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdb_engine::debugger::{Redirect, Stdio};

use crate::server::Input;

/// How often a stream's file is looked at for new output.
const POLL: Duration = Duration::from_millis(10);

pub struct Streams {
    files: [PathBuf; 2],
    followers: Vec<Arc<Mutex<Follower>>>,
    done: Arc<AtomicBool>,
    /// The files outlive the session: a program detached from writes on to them.
    kept: bool,
}

impl Streams {
    /// Files for a program's output and error, followed into `to`; the `Stdio` to launch it with.
    pub fn start(to: Sender<Input>) -> std::io::Result<(Streams, Stdio)> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir();
        let name = |which: &str| dir.join(format!("rdb-dap-{}-{n}.{which}", std::process::id()));
        let files = [name("stdout"), name("stderr")];
        let done = Arc::new(AtomicBool::new(false));
        let mut followers = Vec::new();
        for (path, category) in files.iter().zip(["stdout", "stderr"]) {
            std::fs::File::create(path)?;
            let file = std::fs::File::open(path)?;
            let follower =
                Arc::new(Mutex::new(Follower { file, at: 0, pending: Vec::new(), category, to: to.clone() }));
            followers.push(follower.clone());
            let done = done.clone();
            std::thread::Builder::new().name(format!("rdb-dap-{category}")).spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    if let Ok(mut f) = follower.lock()
                        && !f.poll()
                    {
                        return;
                    }
                    std::thread::sleep(POLL);
                }
            })?;
        }
        let redirect = |path: &PathBuf| Some(Redirect { path: path.clone(), append: true });
        let stdio = Stdio {
            terminal: None,
            input: Some(PathBuf::from(if cfg!(windows) { "NUL" } else { "/dev/null" })),
            output: redirect(&files[0]),
            error: redirect(&files[1]),
        };
        Ok((Streams { files, followers, done, kept: false }, stdio))
    }

    /// Send everything written so far now, ahead of whatever the caller sends next through the same channel (the
    /// program's last words before its `exited`).
    pub fn sync(&self) {
        for f in &self.followers {
            if let Ok(mut f) = f.lock() {
                f.poll();
            }
        }
    }
}

impl Streams {
    /// Keep the files when the session ends (the program, detached, goes on writing to them): their paths.
    pub fn keep(&mut self) -> &[PathBuf; 2] {
        self.kept = true;
        &self.files
    }
}

impl Drop for Streams {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if self.kept {
            return;
        }
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// One stream's file and how far it has been sent.
struct Follower {
    file: std::fs::File,
    at: u64,
    /// Bytes of a UTF-8 character cut by a read, waiting for the rest.
    pending: Vec<u8>,
    category: &'static str,
    to: Sender<Input>,
}

impl Follower {
    /// Send what was added since the last time; `false` once the session is gone.
    fn poll(&mut self) -> bool {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if self.file.seek(SeekFrom::Start(self.at)).is_err() {
                break;
            }
            match self.file.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    self.at += n as u64;
                    self.pending.extend_from_slice(&buf[..n]);
                }
            }
        }
        let cut = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        if cut == 0 {
            return true;
        }
        let text = String::from_utf8_lossy(&self.pending[..cut]).into_owned();
        self.pending.drain(..cut);
        self.to.send(Input::Output { category: self.category, text }).is_ok()
    }
}
