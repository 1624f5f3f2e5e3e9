//! Where the workspace and its target directory are, and running the build commands of the tasks.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if status.success() { Ok(()) } else { Err(format!("{:?} failed ({status})", cmd.get_program())) }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace root").to_path_buf()
}

/// The workspace's target directory, wherever `CARGO_TARGET_DIR` or a config put it: cargo runs this program as
/// `<target>/<profile>/xtask`.
pub fn target_dir(root: &Path) -> PathBuf {
    if let Ok(exe) = std::env::current_exe()
        && let Some(profile_dir) = exe.parent()
        && let Some(target) = profile_dir.parent()
        && target.join("CACHEDIR.TAG").exists()
    {
        return target.to_path_buf();
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}
