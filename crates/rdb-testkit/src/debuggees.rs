//! The debuggees: `tests/debuggees/` built for Linux (gcc, g++, rustc) and, with `tests/debuggees-windows/`, for
//! Windows (mingw-w64), each with its own `rdb-build:` flags; and `line_of`, which finds a source line by its
//! `/* @marker */` comment.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::build::{built_once, compile_once, source_directive};
use crate::paths::{repository_root, work_dir};

/// Where the debuggee sources live (`tests/debuggees/` at the repository root; `RDB_DEBUGGEES_DIR` overrides).
pub fn debuggee_sources() -> PathBuf {
    match std::env::var_os("RDB_DEBUGGEES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => repository_root().join("tests/debuggees"),
    }
}

/// Where the Windows-only debuggee sources live (`tests/debuggees-windows/`).
pub fn windows_debuggee_sources() -> PathBuf {
    repository_root().join("tests/debuggees-windows")
}

/// Where built Linux debuggees go: shared by every test binary.
pub fn debuggee_out_dir() -> PathBuf {
    work_dir().join("debuggees")
}

/// Builds `tests/debuggees/<name>.c` (or `.cc`, `.rs`) once per test process and returns the executable's path: C
/// with gcc, C++ with g++, Rust with rustc, unless the source's `rdb-compiler:` names another (`clang-14`).
/// `debuggee("plugin")` returns the shared library `libplugin.so`. Safe when test threads and test binaries race:
/// each build goes to a temporary name and is renamed into place; it is rebuilt when the source is newer.
pub fn debuggee(name: &str) -> PathBuf {
    built_once(name, || build_debuggee(name))
}

fn build_debuggee(name: &str) -> PathBuf {
    let src_dir = debuggee_sources();
    // C with gcc, C++ with g++, Rust with rustc.
    let Some((src, compiler)) = [("c", "gcc"), ("cc", "g++"), ("rs", "rustc")]
        .into_iter()
        .map(|(ext, compiler)| (src_dir.join(format!("{name}.{ext}")), compiler))
        .find(|(path, _)| path.exists())
    else {
        panic!("no debuggee source {name}.c, {name}.cc or {name}.rs in {}", src_dir.display());
    };
    let out_name = source_directive(&src, "rdb-output:").unwrap_or_else(|| name.to_string());
    // `rdb-compiler: clang-14` builds a C or C++ source with another compiler of the same flags.
    let chosen = source_directive(&src, "rdb-compiler:");
    let compiler = chosen.as_deref().unwrap_or(compiler);
    compile_once(&src, &debuggee_out_dir().join(out_name), |tmp| {
        let mut cmd;
        if compiler == "rustc" {
            let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
            cmd = Command::new(rustc);
            cmd.args(["-g", "-C", "opt-level=0", "--edition", "2021", "-o"]).arg(tmp).arg(&src);
            // A later `-C` wins: `rdb-build: -C opt-level=1` builds an optimized Rust debuggee.
            if let Some(flags) = source_directive(&src, "rdb-build:") {
                cmd.args(flags.split_whitespace());
            }
        } else {
            cmd = Command::new(compiler);
            cmd.args(["-g", "-O0", "-fno-omit-frame-pointer", "-pthread"]);
            cmd.arg("-o").arg(tmp).arg(&src);
            if let Some(flags) = source_directive(&src, "rdb-build:") {
                cmd.args(flags.split_whitespace());
            }
        }
        cmd
    })
}

/// Builds debuggee `name` for Windows with mingw-w64 (`x86_64-w64-mingw32-gcc -g`, DWARF inside the PE) once per
/// test process; returns `<name>.exe` (or the file its `rdb-output:` names, e.g. `wplugin.dll`).
/// The source is `tests/debuggees-windows/<name>.c`, else the portable `tests/debuggees/<name>.c` (POSIX threads
/// included: mingw-w64's winpthreads, linked statically) or `<name>.cc` (C++ with `x86_64-w64-mingw32-g++`, its
/// runtime DLLs copied beside it, so libstdc++ is a module of its own as on Linux).
pub fn windows_debuggee(name: &str) -> PathBuf {
    built_once(&format!("windows/{name}"), || {
        let src = [windows_debuggee_sources(), debuggee_sources()]
            .iter()
            .flat_map(|dir| [dir.join(format!("{name}.c")), dir.join(format!("{name}.cc"))])
            .find(|p| p.exists())
            .unwrap_or_else(|| {
                panic!("no debuggee source {name}.c or .cc in tests/debuggees-windows or tests/debuggees")
            });
        let cxx = src.extension().is_some_and(|e| e == "cc");
        // `rdb-build:` flags are for Linux's gcc in the portable sources: only Windows sources give mingw flags.
        let windows_source = src.starts_with(windows_debuggee_sources());
        let flags = if windows_source { source_directive(&src, "rdb-build:") } else { None };
        let out_name = windows_source
            .then(|| source_directive(&src, "rdb-output:"))
            .flatten()
            .unwrap_or_else(|| format!("{name}.exe"));
        let out = work_dir().join("debuggees-windows").join(out_name);
        if let Some(toolchain) = windows_source.then(|| source_directive(&src, "rdb-pdb:")).flatten() {
            return build_with_pdb(&src, &out, &toolchain, flags.as_deref().unwrap_or(""));
        }
        if cxx {
            copy_cxx_runtime(out.parent().expect("the debuggees' folder"));
        }
        compile_once(&src, &out, |tmp| {
            let compiler = if cxx { "x86_64-w64-mingw32-g++" } else { "x86_64-w64-mingw32-gcc" };
            let mut cmd = Command::new(compiler);
            cmd.args(["-g", "-O0", "-fno-omit-frame-pointer", "-o"]).arg(tmp).arg(&src);
            if let Some(flags) = flags {
                cmd.args(flags.split_whitespace());
            }
            if !windows_source && !cxx {
                // Built as on Linux (`-pthread`), and statically: winpthreads' DLL is then not needed beside them.
                cmd.args(["-pthread", "-static"]);
            }
            cmd
        })
    })
}

/// Builds a Windows debuggee whose symbols are in a PDB (CodeView), with clang-14 and lld-14, as its source's
/// `rdb-pdb:` says: `msvc` (`--target=x86_64-pc-windows-msvc`, linked by `lld-link` without a C runtime: the
/// source has its own entry point and its `rdb-build:` flags name it and the import libraries it calls) or `mingw`
/// (`--target=x86_64-w64-mingw32` with mingw's runtime). The PDB is `<name>.pdb` beside the `.exe`; an `msvc`
/// image records only that file name (`/pdbaltpath`), a `mingw` one the path it was written at, which is gone.
fn build_with_pdb(src: &Path, out: &Path, toolchain: &str, flags: &str) -> PathBuf {
    let pdb = out.with_extension("pdb");
    compile_once(src, out, |tmp| {
        let tmp_pdb = tmp.with_extension("tmp.pdb");
        let mut clang = vec!["clang-14".to_string(), "-gcodeview".into(), "-g".into(), "-O0".into()];
        match toolchain {
            "msvc" => clang.extend([
                "--target=x86_64-pc-windows-msvc".to_string(),
                "-fuse-ld=lld".into(),
                "-nostdlib".into(),
                format!("-Wl,/pdb:{}", tmp_pdb.display()),
                format!("-Wl,/pdbaltpath:{}", pdb.file_name().map(|f| f.to_string_lossy()).unwrap_or_default()),
            ]),
            "mingw" => clang.extend([
                "--target=x86_64-w64-mingw32".to_string(),
                "-fuse-ld=lld-14".into(),
                "-L/usr/lib/gcc/x86_64-w64-mingw32/12-win32".into(),
                format!("-Wl,--pdb={}", tmp_pdb.display()),
            ]),
            other => panic!("{}: rdb-pdb: {other}? (msvc or mingw)", src.display()),
        }
        clang.extend(flags.split_whitespace().map(str::to_string));
        clang.extend([src.display().to_string(), "-o".into(), tmp.display().to_string()]);
        // The PDB is moved into place before the image is (compile_once renames the image last).
        let quoted: Vec<String> = clang.iter().map(|a| format!("'{}'", a.replace('\'', "'\\''"))).collect();
        let script = format!("{} && mv '{}' '{}'", quoted.join(" "), tmp_pdb.display(), pdb.display());
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script]);
        cmd
    })
}

/// mingw's C++ runtime DLLs (libstdc++, libgcc's unwinder), beside the C++ debuggees that load them.
fn copy_cxx_runtime(dir: &Path) {
    let _ = fs::create_dir_all(dir);
    for dll in ["libstdc++-6.dll", "libgcc_s_seh-1.dll"] {
        let found = Command::new("x86_64-w64-mingw32-g++")
            .arg(format!("-print-file-name={dll}"))
            .output()
            .ok()
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| {
                panic!("mingw's {dll} not found (scripts/setup.sh installs g++-mingw-w64-x86-64-win32)")
            });
        let to = dir.join(dll);
        if !to.is_file() {
            fs::copy(&found, &to).unwrap_or_else(|e| panic!("copy {}: {e}", found.display()));
        }
    }
}

/// The 1-based line of `tests/debuggees/<file>` that holds the marker comment `@<marker>` (e.g. `line_of("hello.c",
/// "add")` finds `/* @add */`). Tests name lines this way so editing a debuggee does not break them.
pub fn line_of(file: &str, marker: &str) -> u32 {
    marker_line(&debuggee_sources().join(file), marker)
}

/// [`line_of`] for a Windows-only debuggee, in `tests/debuggees-windows/`.
pub fn windows_line_of(file: &str, marker: &str) -> u32 {
    marker_line(&windows_debuggee_sources().join(file), marker)
}

fn marker_line(path: &Path, marker: &str) -> u32 {
    let file = path.display();
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {file}: {e}"));
    let needle = format!("@{marker} ");
    let needle_end = format!("@{marker}*/");
    let hits: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&needle) || l.replace(' ', "").contains(&needle_end))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(hits.len(), 1, "marker @{marker} must be on exactly one line of {file}, found {hits:?}");
    hits[0] as u32
}
