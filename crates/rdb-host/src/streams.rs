//! A launch's standard streams opened as files, for the backend to give the program: `--tty`'s terminal for all
//! three, then each redirection in its place (`< in.txt` read, `> out.txt` created or emptied, `>>` added to).

use std::fs::{File, OpenOptions};
use std::path::Path;

use rdb_engine::debugger::{Redirect, Stdio};
use rdb_engine::{Error, Result};

pub(crate) struct Streams {
    /// Standard input, output and error; `None` where the program gets rdb's own.
    pub files: [Option<File>; 3],
    /// `--tty`'s terminal given: it is the program's controlling terminal too, in a session of its own (a Windows
    /// program has no controlling terminal: the device is only its three streams).
    #[cfg(unix)]
    pub terminal: bool,
}

pub(crate) fn open(stdio: &Stdio) -> Result<Streams> {
    let mut files: [Option<File>; 3] = [None, None, None];
    if let Some(device) = &stdio.terminal {
        let tty = open_terminal(device).map_err(|e| failed(device, e))?;
        files = [
            Some(tty.try_clone().map_err(|e| failed(device, e))?),
            Some(tty.try_clone().map_err(|e| failed(device, e))?),
            Some(tty),
        ];
    }
    if let Some(input) = &stdio.input {
        files[0] = Some(File::open(input).map_err(|e| failed(input, e))?);
    }
    for (slot, redirect) in [(1, &stdio.output), (2, &stdio.error)] {
        if let Some(Redirect { path, append }) = redirect {
            let file = OpenOptions::new().create(true).write(true).append(*append).truncate(!*append).open(path);
            files[slot] = Some(file.map_err(|e| failed(path, e))?);
        }
    }
    Ok(Streams {
        files,
        #[cfg(unix)]
        terminal: stdio.terminal.is_some(),
    })
}

fn failed(path: &Path, e: std::io::Error) -> Error {
    Error::msg(format!("cannot open '{}' for the debuggee: {e}", path.display()))
}

/// The device, read and write; on Unix without making it rdb's own controlling terminal.
fn open_terminal(device: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOCTTY);
    }
    options.open(device)
}
