//! Starting a program under ptrace: fork, let the parent seize the child, then the child disables address-space
//! randomisation and runs execve; the target is returned stopped at the exec, before any of the program's code ran.
//! The child reports an exec failure through a close-on-exec pipe.

use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::ptrace as nptrace;
use nix::unistd::{Pid, pipe2};
use rdb_engine::{Error, Result};

use crate::LinuxTarget;
use crate::ptrace::{self, Run, WaitStatus};

/// Where a launched program starts: its whole environment (the front end's engine decided it) and its directory
/// (rdb's own when `None`).
#[derive(Debug, Clone, Default)]
pub struct Place {
    pub environment: Vec<(OsString, OsString)>,
    pub cwd: Option<PathBuf>,
}

impl Place {
    /// rdb's own environment and directory.
    pub fn inherited() -> Place {
        Place { environment: std::env::vars_os().collect(), cwd: None }
    }
}

impl LinuxTarget {
    /// Launch `program` (a path, a file in the current directory, or else looked up in PATH) with `args` under ptrace. Returns with the process
    /// stopped right after execve: nothing of its code has run. The first events are `ProcessCreated`, then
    /// `ModuleLoaded` for the dynamic loader (none for a static executable).
    pub fn launch(program: &Path, args: &[String]) -> Result<LinuxTarget> {
        LinuxTarget::launch_with(program, args, [None, None, None], false, &Place::inherited())
    }

    /// As [`LinuxTarget::launch`], with the program's standard input, output and error on the descriptors given
    /// (rdb's own where `None`); with `new_session`, in a session of its own whose controlling terminal is its
    /// standard input (`--tty`), as gdb starts a program on another terminal; with the environment and in the
    /// directory `place` gives.
    pub fn launch_with(
        program: &Path,
        args: &[String],
        streams: [Option<OwnedFd>; 3],
        new_session: bool,
        place: &Place,
    ) -> Result<LinuxTarget> {
        let fail = |e: Errno| Error::msg(format!("cannot launch '{}': {}", program.display(), e.desc()));
        let path = resolve(program).map_err(fail)?;
        // The program is found from rdb's directory, as the user named it, wherever it then runs.
        let path = match &place.cwd {
            Some(_) => std::path::absolute(&path).map_err(|_| fail(Errno::ENOENT))?,
            None => path,
        };
        let cstring = |s: &OsStr| CString::new(s.as_bytes()).map_err(|_| fail(Errno::EINVAL));
        let c_path = cstring(path.as_os_str())?;
        let c_cwd = match &place.cwd {
            Some(dir) => {
                if !dir.is_dir() {
                    return Err(Error::msg(format!(
                        "cannot launch '{}': '{}' is not a directory",
                        program.display(),
                        dir.display()
                    )));
                }
                Some(cstring(dir.as_os_str())?)
            }
            None => None,
        };
        let mut argv = vec![cstring(program.as_os_str())?];
        for a in args {
            argv.push(cstring(OsStr::new(a))?);
        }
        let mut envp = Vec::new();
        for (k, v) in &place.environment {
            let mut kv = k.clone().into_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            // A variable with a NUL cannot be passed on; leave it out.
            if let Ok(c) = CString::new(kv) {
                envp.push(c);
            }
        }
        let argv_ptrs: Vec<*const libc::c_char> =
            argv.iter().map(|a| a.as_ptr()).chain(std::iter::once(std::ptr::null())).collect();
        let envp_ptrs: Vec<*const libc::c_char> =
            envp.iter().map(|e| e.as_ptr()).chain(std::iter::once(std::ptr::null())).collect();
        let (go_read, go_write) = pipe2(OFlag::O_CLOEXEC).map_err(fail)?;
        let (err_read, err_write) = pipe2(OFlag::O_CLOEXEC).map_err(fail)?;

        // SAFETY: the child only makes async-signal-safe calls (read, write, close, personality, setpgid, setsid,
        // chdir, dup2, fcntl, ioctl, signal, sigprocmask, execve, _exit) on data prepared before the fork, and never
        // returns.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(fail(Errno::last()));
        }
        if pid == 0 {
            let fds = ChildFds {
                go_read: go_read.as_raw_fd(),
                go_write: go_write.as_raw_fd(),
                err_read: err_read.as_raw_fd(),
                err_write: err_write.as_raw_fd(),
                streams: streams.each_ref().map(|s| s.as_ref().map_or(-1, |fd| fd.as_raw_fd())),
                new_session,
                cwd: c_cwd.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
            };
            child(&fds, &c_path, &argv_ptrs, &envp_ptrs);
        }
        drop(go_read);
        drop(err_write);
        drop(streams);
        let mut target = LinuxTarget::new(pid, true);
        match nptrace::seize(Pid::from_raw(pid), ptrace::options(true)) {
            Ok(()) => {}
            Err(e) => {
                drop(go_write);
                reap(pid);
                return Err(fail(e));
            }
        }
        target.threads.add(pid, pid, true);
        // Let the child go on to execve.
        let go = nix::unistd::write(&go_write, &[1u8]);
        drop(go_write);
        if let Err(e) = go {
            return Err(fail(e));
        }
        match wait_for_exec(pid) {
            Ok(true) => {
                if let Some(t) = target.threads.get_mut(pid) {
                    t.running = false;
                }
                target.on_exec()?;
                Ok(target)
            }
            Ok(false) => {
                target.mark_gone();
                Err(fail(exec_errno(err_read)))
            }
            Err(e) => Err(fail(e)),
        }
    }
}

struct ChildFds {
    go_read: i32,
    go_write: i32,
    err_read: i32,
    err_write: i32,
    /// The program's standard input, output and error; -1 for rdb's own.
    streams: [i32; 3],
    new_session: bool,
    /// The directory to change to, NUL-terminated; null to stay in rdb's.
    cwd: *const libc::c_char,
}

/// The forked child: wait for the parent's go-ahead, then become the program.
fn child(fds: &ChildFds, path: &CString, argv: &[*const libc::c_char], envp: &[*const libc::c_char]) -> ! {
    // SAFETY: async-signal-safe system calls on valid descriptors and on buffers and NUL-terminated arrays built
    // before the fork, which stay alive as this function never returns.
    unsafe {
        libc::close(fds.go_write);
        libc::close(fds.err_read);
        let mut byte = 0u8;
        loop {
            let n = libc::read(fds.go_read, (&raw mut byte).cast(), 1);
            if n == 1 {
                break;
            }
            if n == 0 || *libc::__errno_location() != libc::EINTR {
                libc::_exit(127);
            }
        }
        // As gdb does: the same addresses at every run.
        let persona = libc::personality(0xffff_ffff);
        if persona != -1 {
            libc::personality((persona | libc::ADDR_NO_RANDOMIZE) as libc::c_ulong);
        }
        // A process group of its own: a Ctrl-C typed at rdb's terminal reaches rdb only, which breaks in through
        // the interrupter, instead of also delivering SIGINT to the program (while rdb has the terminal: rdb hands
        // it to this group while the program runs, see rdb_host's terminal). On a terminal of its own, a session of
        // its own, that terminal its controlling one (failing that, it still has it as its streams).
        if fds.new_session {
            libc::setsid();
        } else {
            libc::setpgid(0, 0);
        }
        for (target, &fd) in fds.streams.iter().enumerate() {
            if fd < 0 {
                continue;
            }
            if fd == target as i32 {
                libc::fcntl(fd, libc::F_SETFD, 0);
            } else if libc::dup2(fd, target as i32) < 0 {
                libc::_exit(127);
            }
        }
        if fds.new_session && fds.streams[0] >= 0 {
            libc::ioctl(0, libc::TIOCSCTTY, 0);
        }
        // The debugger's signal settings are not the program's (Rust ignores SIGPIPE; rdb on a terminal ignores
        // SIGTTOU, to take its terminal back from the background).
        if !fds.cwd.is_null() && libc::chdir(fds.cwd) != 0 {
            let errno = *libc::__errno_location();
            libc::write(fds.err_write, (&raw const errno).cast(), std::mem::size_of::<i32>());
            libc::_exit(127);
        }
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::signal(libc::SIGTTOU, libc::SIG_DFL);
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
        libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr());
        let errno = *libc::__errno_location();
        libc::write(fds.err_write, (&raw const errno).cast(), std::mem::size_of::<i32>());
        libc::_exit(127);
    }
}

/// Wait for the child's exec stop (`true`) or its death after a failed exec (`false`).
fn wait_for_exec(pid: i32) -> std::result::Result<bool, Errno> {
    loop {
        match ptrace::wait(pid, libc::__WALL)? {
            Some((_, WaitStatus::Stopped { event: libc::PTRACE_EVENT_EXEC, .. })) => return Ok(true),
            Some((_, WaitStatus::Exited(_) | WaitStatus::Signaled(_))) => return Ok(false),
            // A signal before the exec is passed on; other stops (exit, interrupt) just go on.
            Some((_, WaitStatus::Stopped { signal, event: 0 })) => {
                let _ = ptrace::resume(pid, Run::Continue, Some(signal));
            }
            Some(_) => {
                let _ = ptrace::resume(pid, Run::Continue, None);
            }
            None => return Err(Errno::ECHILD),
        }
    }
}

/// The errno the child reported for its failed execve.
fn exec_errno(err_read: OwnedFd) -> Errno {
    let mut buf = [0u8; 4];
    match nix::unistd::read(&err_read, &mut buf) {
        Ok(4) => Errno::from_raw(i32::from_ne_bytes(buf)),
        _ => Errno::ENOEXEC,
    }
}

/// Kill and reap a child that never became a debuggee.
fn reap(pid: i32) {
    let _ = nix::sys::signal::kill(Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
    let _ = ptrace::wait(pid, libc::__WALL);
}

/// The file execve will run: `program` itself if it names a path or a file in the current directory (as gdb and
/// cdb take `prog`), else the first executable match in PATH.
fn resolve(program: &Path) -> std::result::Result<PathBuf, Errno> {
    let bytes = program.as_os_str().as_bytes();
    if bytes.is_empty() {
        return Err(Errno::ENOENT);
    }
    if bytes.contains(&b'/') || program.is_file() {
        return check_executable(program).map(|()| program.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let mut found = Errno::ENOENT;
    for dir in std::env::split_paths(&path) {
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
        let candidate = dir.join(program);
        match check_executable(&candidate) {
            Ok(()) => return Ok(candidate),
            // Remember a match that exists but cannot run, as execvp does.
            Err(Errno::EACCES) => found = Errno::EACCES,
            Err(_) => {}
        }
    }
    Err(found)
}

fn check_executable(path: &Path) -> std::result::Result<(), Errno> {
    let meta = std::fs::metadata(path).map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::ENOENT)))?;
    if meta.is_dir() || meta.permissions().mode() & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    nix::unistd::access(path, nix::unistd::AccessFlags::X_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution() {
        assert_eq!(resolve(Path::new("")), Err(Errno::ENOENT));
        assert_eq!(resolve(Path::new("/nonexistent/x")), Err(Errno::ENOENT));
        assert_eq!(resolve(Path::new("/")), Err(Errno::EACCES));
        assert!(resolve(Path::new("sh")).is_ok());
        assert_eq!(resolve(Path::new("surely-no-such-program-rdb")), Err(Errno::ENOENT));
    }
}
