//! Attaching to a running process: seize and interrupt every thread, then report the process, its modules and
//! threads, and a break-in, as WinDbg does when it attaches.

use nix::errno::Errno;
use nix::sys::ptrace as nptrace;
use nix::unistd::Pid;
use rdb_engine::target::{EventKind, Exception, ExceptionKind, LoaderRendezvous};
use rdb_engine::{Error, Result};

use crate::{LinuxTarget, Pending, image, procfs, ptrace, regs};

impl LinuxTarget {
    /// Attach to every thread of a running process. Returns with all threads stopped; the first events are
    /// `ProcessCreated`, `ModuleLoaded` for each module in the loader's list, `ThreadCreated` for each thread
    /// but the first, and a `BreakIn` exception.
    pub fn attach(pid: u32) -> Result<LinuxTarget> {
        let fail = |why: &str| Error::msg(format!("cannot attach to process {pid}: {why}"));
        let errno = |e: Errno| fail(e.desc());
        let pid = i32::try_from(pid).ok().filter(|&p| p > 0).ok_or_else(|| errno(Errno::ESRCH))?;
        if pid == std::process::id() as i32 {
            return Err(fail("that is the debugger itself"));
        }
        match procfs::tgid(pid) {
            None => return Err(errno(Errno::ESRCH)),
            Some(tgid) if tgid != pid => return Err(fail(&format!("it is a thread of process {tgid}"))),
            Some(_) => {}
        }
        if let Err(e) = nptrace::seize(Pid::from_raw(pid), ptrace::options(false)) {
            let zombie = procfs::status_field(pid, None, "State").is_some_and(|s| s.starts_with('Z'));
            return Err(if zombie { fail("its main thread has exited") } else { errno(e) });
        }
        let mut target = LinuxTarget::new(pid, false);
        target.threads.add(pid, pid, true);
        // Threads may be born while we attach: list again until no new one shows up. Threads created by threads
        // already seized are traced by the kernel and announce themselves through clone events.
        let mut seized = vec![pid];
        loop {
            let mut new = false;
            for tid in procfs::tasks(pid).unwrap_or_default() {
                if seized.contains(&tid) {
                    continue;
                }
                seized.push(tid);
                if nptrace::seize(Pid::from_raw(tid), ptrace::options(false)).is_ok() {
                    target.threads.add(pid, tid, true);
                    new = true;
                }
            }
            if !new {
                break;
            }
        }
        target.stop_all()?;
        if target.gone {
            return Err(fail("it exited"));
        }
        target.memory = crate::memory::Memory::open(pid);
        let exe = image::exe(pid).map_err(|e| fail(&e.to_string()))?;
        // What the threads reported while being stopped comes after the attach events.
        let later: Vec<Pending> = std::mem::take(&mut target.queue)
            .into_iter()
            .filter(|p| !matches!(p.event.kind, EventKind::ThreadExited { .. }))
            .collect();
        let image = exe.image.clone();
        target.exe = Some(exe);
        target.push(
            pid,
            EventKind::ProcessCreated {
                image_base: image.base,
                image_size: image.size,
                entry: target.exe.as_ref().map_or(0, |e| e.entry),
                path: image.path,
            },
            None,
        );
        for module in target.sync_modules().unwrap_or_default() {
            target.push(pid, module, None);
        }
        let announced: Vec<i32> = later
            .iter()
            .filter(|p| matches!(p.event.kind, EventKind::ThreadCreated { .. }))
            .map(|p| p.event.tid as i32)
            .collect();
        let live: Vec<i32> = target.threads.live().map(|t| t.tid).collect();
        for &tid in live.iter().filter(|&&t| t != pid && !announced.contains(&t)) {
            target.push(tid, EventKind::ThreadCreated { start: None }, None);
        }
        // The break-in, on the main thread (or the first thread alive if it has exited).
        let on = if live.contains(&pid) { pid } else { live.first().copied().unwrap_or(pid) };
        let address = regs::get(on).map(|r| r.rip).unwrap_or(0);
        let exception = Exception { kind: ExceptionKind::BreakIn, address, first_chance: true };
        target.push(on, EventKind::Exception(exception), None);
        target.queue.extend(later);
        Ok(target)
    }
}
