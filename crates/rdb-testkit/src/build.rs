//! Building a program once for many tests: a per-source build directive (`rdb-build:`, `rdb-output:`), a build
//! to a temporary name renamed into place (test threads and test binaries race), and a memo per test process.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

/// Runs `build` once per test process for `key` and remembers its result.
pub fn built_once(key: &str, build: impl FnOnce() -> PathBuf) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let map = BUILT.get_or_init(|| Mutex::new(HashMap::new()));
    // One lock for all names: builds are short, and this keeps gcc runs from piling up on 2 cores.
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = map.get(key) {
        return path.clone();
    }
    let path = build();
    map.insert(key.to_string(), path.clone());
    path
}

/// A debuggee says how it is built in its own source, rr-style: `rdb-build: <extra compiler flags>` and
/// `rdb-output: <file name>` anywhere in a comment.
pub fn source_directive(src: &Path, key: &str) -> Option<String> {
    let text = fs::read_to_string(src).unwrap_or_default();
    text.lines().find_map(|l| l.split_once(key).map(|(_, v)| v.trim().trim_end_matches("*/").trim().to_string()))
}

/// Builds `out` from `src` with the compiler command `compiler(tmp)` makes, unless `out` is newer than `src`.
/// Safe when test threads and test binaries race: the compiler writes a temporary name that is renamed into place.
pub fn compile_once(src: &Path, out: &Path, compiler: impl FnOnce(&Path) -> Command) -> PathBuf {
    if is_up_to_date(src, out) {
        return out.to_path_buf();
    }
    let out_dir = out.parent().expect("an output directory");
    fs::create_dir_all(out_dir).expect("create the debuggee output directory");
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let file_name = out.file_name().expect("an output file name").to_string_lossy();
    let tmp = out_dir.join(format!(".{file_name}.tmp.{}.{nanos}", std::process::id()));
    let mut cmd = compiler(&tmp);
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run the compiler for {}: {e} (run scripts/setup.sh)", src.display()));
    if !output.status.success() {
        let _ = fs::remove_file(&tmp);
        panic!(
            "building debuggee {} failed ({:?}):\n{}{}",
            src.display(),
            cmd,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    fs::rename(&tmp, out).unwrap_or_else(|e| panic!("rename {} -> {}: {e}", tmp.display(), out.display()));
    out.to_path_buf()
}

/// Whether `out` is newer than `src` and than every source `src` includes by a quoted name from its own directory
/// (`#include "vars.c"`, Rust's `include!("rust_values.rs")`: a debuggee built from another's source with other
/// flags or another compiler).
fn is_up_to_date(src: &Path, out: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    let dir = src.parent().unwrap_or(Path::new("."));
    let included: Vec<_> = fs::read_to_string(src)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("#include \"").or_else(|| l.strip_prefix("include!(\""))?;
            rest.split('"').next().map(|name| dir.join(name))
        })
        .filter_map(|p| modified(&p))
        .collect();
    let newest = included.into_iter().chain(modified(src)).max();
    match (newest, modified(out)) {
        (Some(s), Some(o)) => o >= s,
        _ => false,
    }
}
