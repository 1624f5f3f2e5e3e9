//! A snapshot's module images on this machine: a dump records where each module was loaded from on the machine it
//! was taken on (`C:\app\x.dll`, `/opt/app/libx.so`), which is rarely where its file is here. A module whose
//! recorded path names no regular file is looked for by its file name in the image path (`.exepath`, cdb's `-i`),
//! as WinDbg does; its symbols and the code the snapshot left out come from the file found, while `lm` goes on
//! showing the recorded path. A live process's modules are where it loaded them: none of this applies to it.

use std::path::{Path, PathBuf};

use super::modules::file_name;
use super::{Notice, Session};

/// Where the file of a module recorded at `recorded` is on this machine: there, if it names a regular file; a
/// Wine path's Unix side (`Z:\work\x.exe` is `/work/x.exe`); else the first directory of `dirs` holding a file of
/// its name (any case for a Windows name, whose file system ignores case).
pub fn find_image(recorded: &Path, dirs: &[PathBuf]) -> Option<PathBuf> {
    if recorded.is_file() {
        return Some(recorded.to_path_buf());
    }
    let text = recorded.to_string_lossy();
    if let Some(unix) = wine_unix_side(&text).filter(|p| p.is_file()) {
        return Some(unix);
    }
    let name = file_name(recorded);
    if name.is_empty() || name == "." || name == ".." {
        return None;
    }
    let windows = is_windows_path(&text);
    dirs.iter().find_map(|dir| in_directory(dir, &name, windows))
}

/// `name` in `dir`: the exact name first, then (for a Windows name) any entry equal to it but for case.
fn in_directory(dir: &Path, name: &str, any_case: bool) -> Option<PathBuf> {
    let exact = dir.join(name);
    if exact.is_file() {
        return Some(exact);
    }
    if !any_case {
        return None;
    }
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(name))
        .map(|e| e.path())
        .filter(|p| p.is_file())
}

/// The kernel's own image in every process (the vdso): no file holds it anywhere, and a snapshot always records its
/// pages, so its absence is nothing to tell.
fn is_kernels(path: &Path) -> bool {
    let name = file_name(path);
    name.starts_with("linux-vdso.so") || name.starts_with("linux-gate.so") || name == "[vdso]"
}

/// Whether a recorded path was written by Windows: a drive letter (`C:\`) or a UNC share (`\\server\`).
fn is_windows_path(text: &str) -> bool {
    let bytes = text.as_bytes();
    (bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && matches!(bytes[2], b'\\' | b'/'))
        || text.starts_with("\\\\")
}

/// Wine's `Z:` drive is the Unix root: a module Wine loaded from `Z:\work\x.exe` is the file `/work/x.exe`.
fn wine_unix_side(text: &str) -> Option<PathBuf> {
    let rest = text.strip_prefix("Z:").or_else(|| text.strip_prefix("z:"))?;
    if !rest.starts_with(['\\', '/']) {
        return None;
    }
    Some(PathBuf::from(rest.replace('\\', "/")))
}

impl Session {
    /// `.exepath`, `-i`: where a snapshot's module images are looked for. Modules of an open snapshot not found yet
    /// are looked for again, and read from the file found when next needed (as `.sympath` reloads).
    pub fn set_image_path(&mut self, dirs: Vec<PathBuf>) {
        self.modules.image_path = dirs;
        if self.is_snapshot() {
            self.find_module_images();
        }
    }

    /// The directories `.exepath` set.
    pub fn image_path(&self) -> &[PathBuf] {
        &self.modules.image_path
    }

    /// Look again for the image of each module of a snapshot not found yet (the image path changed).
    fn find_module_images(&mut self) {
        let dirs = self.modules.image_path.clone();
        for module in self.modules.iter_mut() {
            if module.image.is_some() || module.path.is_file() {
                continue;
            }
            if let Some(found) = find_image(&module.path, &dirs) {
                module.image = Some(found);
                // Read again from the file found (a module looked at before had none).
                module.forget_symbols();
            }
        }
    }

    /// Say which modules of a snapshot just opened have no image here (each was looked for as it was added).
    pub(super) fn tell_missing_images(&mut self) {
        let missing: Vec<_> = self
            .modules
            .iter()
            .filter(|m| m.image.is_none() && !m.path.is_file() && !is_kernels(&m.path))
            .map(|m| (file_name(&m.path), m.path.clone()))
            .collect();
        for (name, path) in missing {
            self.notify(Notice::ImageNotFound { name, path });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rdb-images-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn a_recorded_path_that_exists_is_used_as_it_is() {
        let dir = temp_dir("here");
        let file = dir.join("libx.so");
        std::fs::write(&file, b"x").expect("write");
        assert_eq!(find_image(&file, &[]), Some(file));
    }

    #[test]
    fn a_missing_module_is_found_by_its_file_name_in_the_image_path() {
        let (empty, dir) = (temp_dir("empty"), temp_dir("found"));
        std::fs::write(dir.join("libx.so.1"), b"x").expect("write");
        std::fs::write(dir.join("Crash.EXE"), b"x").expect("write");
        let dirs = [empty, dir.clone()];
        assert_eq!(find_image(Path::new("/opt/app/libx.so.1"), &dirs), Some(dir.join("libx.so.1")));
        // A Unix name is exact; a Windows one ignores case, and its file name ends at the last backslash.
        assert_eq!(find_image(Path::new("/opt/app/LIBX.so.1"), &dirs), None);
        assert_eq!(find_image(Path::new("C:\\build\\out\\crash.exe"), &dirs), Some(dir.join("Crash.EXE")));
        assert_eq!(find_image(Path::new("C:\\build\\out\\other.dll"), &dirs), None);
        // A directory of the name is no image.
        std::fs::create_dir_all(dir.join("y.dll")).expect("dir");
        assert_eq!(find_image(Path::new("C:\\y.dll"), &dirs), None);
    }

    #[test]
    fn the_vdso_is_no_file_to_miss() {
        assert!(is_kernels(Path::new("linux-vdso.so.1")));
        assert!(is_kernels(Path::new("[vdso]")));
        assert!(!is_kernels(Path::new("/lib/libc.so.6")));
    }

    #[test]
    fn a_wine_path_is_its_unix_file_first() {
        let dir = temp_dir("wine");
        std::fs::write(dir.join("x.exe"), b"x").expect("write");
        let wine = format!("Z:{}", dir.join("x.exe").to_string_lossy().replace('/', "\\"));
        assert_eq!(find_image(Path::new(&wine), &[]), Some(dir.join("x.exe")));
        assert_eq!(wine_unix_side("C:\\x.exe"), None);
        assert_eq!(wine_unix_side("Z:x.exe"), None);
    }
}
