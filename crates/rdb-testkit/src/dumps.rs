//! Dumps for the tests: the kernel's core of a program that crashes (gdb's `gcore`, Wine's dbghelp, minidump-writer
//! and rdb's own `.dump` are driven by the tests that need them), and rust-minidump's reading of a minidump, the
//! independent reader rdb's own minidumps are checked with.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::paths::scratch_dir;

/// Run `program` (which must die of SIGSEGV) in a fresh scratch directory named `name`, with core dumps allowed,
/// and return the core the kernel wrote there. Fails, saying why, where this machine's kernel writes no core file
/// into the crashing process's directory (`kernel.core_pattern` a pipe or a path elsewhere, a hard limit of 0).
pub fn kernel_core(program: &Path, name: &str) -> PathBuf {
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").expect("/proc/sys/kernel/core_pattern");
    let pattern = pattern.trim();
    assert!(
        !pattern.starts_with('|'),
        "/proc/sys/kernel/core_pattern is a pipe ({pattern}): the kernel hands cores to that program instead of \
         writing a file, so this test cannot get one (set it to `core`: echo core > /proc/sys/kernel/core_pattern)"
    );
    assert!(
        !pattern.contains('/'),
        "/proc/sys/kernel/core_pattern ({pattern}) writes cores to another directory: this test looks for one in the \
         crashing process's working directory (set it to `core`)"
    );
    let dir = scratch_dir(name);
    let mut cmd = Command::new(program);
    cmd.current_dir(&dir);
    // SAFETY: getrlimit and setrlimit are async-signal-safe and touch nothing of the parent's; this runs in the
    // forked child only. The soft limit is raised to the hard one (raising the hard limit would need privileges).
    unsafe {
        cmd.pre_exec(|| {
            let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_CORE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let status = cmd.output().unwrap_or_else(|e| panic!("{} does not run: {e}", program.display())).status;
    assert_eq!(status.signal(), Some(libc::SIGSEGV), "{} dies of SIGSEGV", program.display());
    assert!(
        status.core_dumped(),
        "the kernel wrote no core of {} (core_pattern {pattern}; is the hard limit of core sizes, ulimit -Hc, 0?)",
        program.display()
    );
    std::fs::read_dir(&dir)
        .expect("the scratch directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("core")))
        .unwrap_or_else(|| panic!("no core in {} (core_pattern {pattern})", dir.display()))
}

/// A minidump's bytes, read whole (the minidump crate reads from anything that derefs to bytes).
pub struct DumpBytes(Vec<u8>);

impl std::ops::Deref for DumpBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// The minidump at `path` as rust-minidump reads it.
pub fn read_minidump(path: &Path) -> minidump::Minidump<'static, DumpBytes> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    minidump::Minidump::read(DumpBytes(bytes)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `len` bytes a minidump holds at `address`, if its memory covers them.
pub fn minidump_memory_at(dump: &minidump::Minidump<'static, DumpBytes>, address: u64, len: usize) -> Option<Vec<u8>> {
    let memory = dump.get_memory()?;
    let range = memory.memory_at_address(address)?;
    let offset = (address - range.base_address()) as usize;
    range.bytes().get(offset..offset.checked_add(len)?).map(<[u8]>::to_vec)
}
