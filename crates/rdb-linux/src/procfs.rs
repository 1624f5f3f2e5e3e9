//! The few /proc files the backend reads: a process's threads, fields of its status file (signal masks, Tgid),
//! its auxiliary vector, its executable and where its heap starts.

use std::path::PathBuf;

/// The thread ids of a process, in ascending order.
pub(crate) fn tasks(pid: i32) -> std::io::Result<Vec<i32>> {
    let mut tids: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/task"))?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    tids.sort_unstable();
    Ok(tids)
}

/// One field of /proc/pid/status, or of /proc/pid/task/tid/status when `tid` is given.
pub(crate) fn status_field(pid: i32, tid: Option<i32>, name: &str) -> Option<String> {
    let path = match tid {
        Some(tid) => format!("/proc/{pid}/task/{tid}/status"),
        None => format!("/proc/{pid}/status"),
    };
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key == name).then(|| value.trim().to_string())
    })
}

/// A signal-set field of a status file (SigCgt, SigIgn, SigBlk, ShdPnd…) as a mask: bit `n - 1` is signal `n`.
pub(crate) fn signal_set(pid: i32, tid: Option<i32>, name: &str) -> Option<u64> {
    u64::from_str_radix(&status_field(pid, tid, name)?, 16).ok()
}

/// The process a thread belongs to.
pub(crate) fn tgid(tid: i32) -> Option<i32> {
    status_field(tid, None, "Tgid")?.parse().ok()
}

/// The auxiliary vector of a process as the kernel keeps it.
pub(crate) fn auxv_bytes(pid: i32) -> std::io::Result<Vec<u8>> {
    std::fs::read(format!("/proc/{pid}/auxv"))
}

/// The auxiliary vector of a process, as (type, value) pairs.
pub(crate) fn auxv(pid: i32) -> std::io::Result<Vec<(u64, u64)>> {
    let bytes = auxv_bytes(pid)?;
    let word = |b: &[u8]| b.try_into().map(u64::from_le_bytes).unwrap_or(0);
    Ok(bytes.chunks_exact(16).map(|c| (word(&c[..8]), word(&c[8..]))).take_while(|&(t, _)| t != 0).collect())
}

/// The path of a process's executable.
pub(crate) fn exe(pid: i32) -> std::io::Result<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe"))
}

/// Where the program break starts (the heap `brk` grows up from), field 47 of /proc/pid/stat.
pub(crate) fn start_brk(pid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields from the third on follow the command name, which is in parentheses and may hold anything.
    let rest = &text[text.rfind(')')? + 1..];
    rest.split_whitespace().nth(47 - 3)?.parse().ok()
}
