//! Where the kit finds what it runs (the repository's sources, the `rdb` binary) and where it puts what it makes
//! (`<target>/rdb-testkit/`, shared by every test binary of every crate, so a debuggee is built once).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The repository's root (the kit lives in `crates/rdb-testkit`).
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The directory cargo put the running test executable's profile in: `target/<profile>` for a test executable
/// `target/<profile>/deps/<name>-<hash>` (cargo's layout, as `assert_cmd` reads it), `target/<profile>` for a
/// program run from there directly.
fn profile_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().unwrap_or_else(|e| panic!("cannot find the running executable: {e}"));
        let mut dir = exe.parent().expect("an executable lives in a directory").to_path_buf();
        if dir.ends_with("deps") {
            dir.pop();
        }
        dir
    })
    .clone()
}

/// The kit's own directory under the target directory (`target/rdb-testkit/`): built debuggees, the Wine prefix,
/// files tests signal through. A library has no `CARGO_TARGET_TMPDIR`, and one directory for every test binary
/// means each debuggee is built once for all of them.
pub fn work_dir() -> PathBuf {
    let profile = profile_dir();
    let target = profile.parent().unwrap_or(&profile);
    target.join("rdb-testkit")
}

/// A fresh, empty directory for one test's files (a debuggee's library under a hostile name, a file to change
/// while rdb reads it): `<work dir>/scratch/<pid>-<name>`, unique to the test process and the name.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = work_dir().join("scratch").join(format!("{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// The `rdb` binary: `RDB_BIN` when set, else `rdb` beside the test executable's profile directory, where
/// `cargo test -p rdb` (or `cargo build -p rdb`) puts it.
pub fn rdb_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("RDB_BIN") {
            return PathBuf::from(bin);
        }
        let bin = profile_dir().join(format!("rdb{}", std::env::consts::EXE_SUFFIX));
        assert!(
            bin.is_file(),
            "the rdb binary is not at {}: build it with `cargo build -p rdb` (cargo test -p rdb builds it too), or \
             set RDB_BIN to its path",
            bin.display()
        );
        bin
    })
    .clone()
}

/// A path as `&str` (debuggee paths are always UTF-8 here).
pub fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Where `program` is on PATH, if it is installed.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.is_file())
}
