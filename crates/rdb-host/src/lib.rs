//! rdb on the machine it runs on: the one crate that names this OS's backend. Every front end (the console, the gdb
//! remote server, and later DAP and the Python package) gets its targets here — live ones from this OS's backend,
//! dumps from `rdb_dumps` over a mapped file — so choosing a backend, mapping files and hearing the OS's stop and end
//! requests are written once.
//!
//! Nothing here decides anything about debugging: that is the engine's (`rdb_engine`).

pub mod command_line;
mod mapping;
pub mod signals;
mod streams;
pub mod terminal;

use std::path::Path;

use rdb_engine::Result;
use rdb_engine::debugger::{Host, Launch};
use rdb_engine::target::{Pid, Target};

pub use mapping::{map_file, open_regular};

/// Launch the program `launch` names, with its standard streams, environment and directory as it says; with
/// `follow_children`, the processes it creates are debugged too, where the target can.
#[cfg(target_os = "linux")]
pub fn launch(launch: &Launch, follow_children: bool) -> Result<Box<dyn Target>> {
    use rdb_engine::target::ProcessFamily;
    let streams = streams::open(&launch.stdio)?;
    let place =
        rdb_linux::Place { environment: launch.environment.apply(std::env::vars_os(), false), cwd: launch.cwd.clone() };
    let mut target = rdb_linux::LinuxTarget::launch_with(
        &launch.program,
        &launch.args,
        streams.files.map(|f| f.map(Into::into)),
        streams.terminal,
        &place,
    )?;
    target.follow_children(follow_children)?;
    Ok(Box::new(target))
}

/// Attach to the running process `pid`.
#[cfg(target_os = "linux")]
pub fn attach(pid: u32) -> Result<Box<dyn Target>> {
    Ok(Box::new(rdb_linux::LinuxTarget::attach(pid)?))
}

/// Windows starts a program with one command line, the one `CommandLine:` shows; its environment is the inherited
/// one only when nothing changes it (names compared as Windows compares them, ignoring case).
#[cfg(windows)]
pub fn launch(launch: &Launch, follow_children: bool) -> Result<Box<dyn Target>> {
    let line = command_line::native(&launch.program, &launch.args);
    let handles = streams::open(&launch.stdio)?.files.map(|f| f.map(Into::into));
    let place = rdb_windows::Place {
        environment: (!launch.environment.inherits()).then(|| launch.environment.apply(std::env::vars_os(), true)),
        cwd: launch.cwd.clone(),
    };
    Ok(Box::new(rdb_windows::WindowsTarget::launch(&launch.program, &line, handles, follow_children, &place)?))
}

#[cfg(windows)]
pub fn attach(pid: u32) -> Result<Box<dyn Target>> {
    Ok(Box::new(rdb_windows::WindowsTarget::attach(pid)?))
}

/// This machine as the debugger's [`Host`]: targets launched and attached with this OS's backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Native;

impl Host for Native {
    fn launch(&mut self, launch: &Launch, follow_children: bool) -> Result<Box<dyn Target>> {
        self::launch(launch, follow_children)
    }

    fn attach(&mut self, pid: Pid) -> Result<Box<dyn Target>> {
        self::attach(pid)
    }

    fn command_line(&self, launch: &Launch) -> String {
        command_line::native(&launch.program, &launch.args)
    }

    fn open_dump(&mut self, path: &Path) -> Result<Box<dyn Target>> {
        let bytes = map_file(path).map_err(|e| rdb_engine::err!("{}: {e}", path.display()))?;
        rdb_dumps::open(path, bytes)
    }

    fn write_dump(
        &mut self,
        view: &mut rdb_engine::dump::ProcessView<'_>,
        kind: rdb_engine::dump::DumpKind,
        path: &Path,
        overwrite: bool,
    ) -> Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true);
        if overwrite {
            options.create(true).truncate(true);
        } else {
            // Refused here too, not only by the engine's look: the file may have appeared since.
            options.create_new(true);
        }
        let file = options.open(path).map_err(|e| rdb_engine::err!("{}: {e}", path.display()))?;
        let written = rdb_dumps::write::write(view, kind, file);
        if written.is_err() {
            // A dump cut short is no dump: nothing is left that a reader would take for one.
            let _ = std::fs::remove_file(path);
        }
        written
    }
}

/// Let the engine map module files with this OS's mmap instead of reading them whole. Call once, before the first
/// target.
pub fn install() {
    rdb_engine::symbols::source::set_file_mapper(map_file);
}
