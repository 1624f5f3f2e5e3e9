//! Symbols, lines and unwinding against real binaries: small C, C++ and Rust programs compiled here, cross-checked
//! with `nm` and gdb; the unwinder is run on snapshots (registers + stack) that gdb takes of a live process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rdb_engine::error::{Error, Result};
use rdb_engine::memory::{MemorySnapshot, ReadMemory};
use rdb_engine::regs::Registers;
use rdb_engine::symbols::ModuleSymbols;
use rdb_engine::unwind::unwind;

const PIE_BASE: u64 = 0x5555_5555_4000;
const LIBC: &str = "/lib/x86_64-linux-gnu/libc.so.6";

const DEMO_C: &str = r#"#include <stdio.h>

int inner(int x) {
    int y = x * 2;
    return y + 1;
}

int middle(int x) {
    int r = inner(x + 1);
    return r * 3;
}

int outer(int x) {
    int r = middle(x + 2);
    return r - 1;
}

int main(void) {
    int total = 0;
    for (int i = 0; i < 3; i++)
        total += i;
    /* a comment line */

    printf("%d\n", outer(total));
    return 0;
}
"#;

/// The same call chain, optimised, without frame pointers.
const DEMO_O2_C: &str = r#"#include <stdio.h>

__attribute__((noinline, noclone)) int inner(int x) {
    volatile int y = x * 2;
    return y + 1;
}

__attribute__((noinline, noclone)) int middle(int x) {
    volatile int pad[4] = {x, x, x, x};
    int r = inner(x + pad[1]);
    return r * 3 + pad[2];
}

__attribute__((noinline, noclone)) int outer(int x) {
    volatile int pad[2] = {x, x};
    int r = middle(x + pad[0]);
    return r - pad[1];
}

int main(int argc, char **argv) {
    (void)argv;
    printf("%d\n", outer(argc));
    return 0;
}
"#;

/// A fresh directory for one test's files.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("rdb-symbols-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Compile `source` (written as `name`) with `compiler` and `flags` into `dir/out`.
fn compile(dir: &TempDir, compiler: &str, name: &str, source: &str, flags: &[&str], out: &str) -> PathBuf {
    let src = dir.path(name);
    std::fs::write(&src, source).unwrap();
    let bin = dir.path(out);
    run(Command::new(compiler).args(flags).arg("-o").arg(&bin).arg(&src).current_dir(&dir.0));
    bin
}

/// `nm` values by symbol name (`dynamic`: the dynamic symbol table).
fn nm(bin: &Path, dynamic: bool) -> HashMap<String, u64> {
    let mut cmd = Command::new("nm");
    cmd.arg("--defined-only");
    if dynamic {
        cmd.arg("-D");
    }
    run(cmd.arg(bin))
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let value = u64::from_str_radix(parts.next()?, 16).ok()?;
            let _kind = parts.next()?;
            let name = parts.next()?;
            // Versioned dynamic names: `puts@@GLIBC_2.2.5`.
            Some((name.split('@').next()?.to_string(), value))
        })
        .collect()
}

/// Run gdb in batch mode on `bin`. Each command is an `-ex`: one that fails does not stop the others.
fn gdb(bin: &Path, dir: &TempDir, commands: &[String]) -> String {
    let mut cmd = Command::new("gdb");
    cmd.args(["-batch", "-nx"]);
    for c in commands {
        cmd.arg("-ex").arg(c);
    }
    let out = cmd.arg(bin).current_dir(&dir.0).output().expect("gdb");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// The first hex number after `marker` in `text`.
fn hex_after(text: &str, marker: &str) -> Option<u64> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let rest = rest.trim_start().strip_prefix("0x")?;
    let end = rest.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(rest.len());
    u64::from_str_radix(&rest[..end], 16).ok()
}

/// gdb's `info line FILE:LINE`: the (link-time) address it names.
fn gdb_line_addresses(bin: &Path, dir: &TempDir, file: &str, lines: &[u32]) -> HashMap<u32, u64> {
    let cmds: Vec<String> = lines.iter().map(|l| format!("info line {file}:{l}")).collect();
    let out = gdb(bin, dir, &cmds);
    lines
        .iter()
        .map(|&l| {
            let line_text = out
                .lines()
                .find(|t| t.starts_with(&format!("Line {l} of ")))
                .unwrap_or_else(|| panic!("gdb said nothing about line {l}:\n{out}"));
            (l, hex_after(line_text, "address").unwrap())
        })
        .collect()
}

#[test]
fn c_program_symbols_lines_and_sources() {
    let dir = TempDir::new("c");
    let bin = compile(&dir, "gcc", "demo.c", DEMO_C, &["-g", "-O0"], "demo");
    let m = ModuleSymbols::load(&bin, PIE_BASE).unwrap();
    let values = nm(&bin, false);

    let main = PIE_BASE + values["main"];
    assert_eq!(m.lookup("main"), vec![main]);
    assert_eq!(m.lookup("inner"), vec![PIE_BASE + values["inner"]]);
    assert_eq!(m.lookup("no_such_function"), Vec::<u64>::new());
    let at = m.symbol_at(main + 3).unwrap();
    assert_eq!((at.name.as_str(), at.address), ("main", main));
    assert!(at.size > 3);
    assert_eq!(m.symbol_at(PIE_BASE - 1), None, "below the module");
    assert_eq!(m.symbol_at(m.range().1), None, "past the module");
    assert!(m.range().1 > main);

    let ma = m.matching("MA*");
    assert!(ma.iter().any(|s| s.name == "main" && s.address == main), "{ma:?}");
    assert!(ma.iter().all(|s| s.name.to_lowercase().starts_with("ma")));
    assert!(ma.windows(2).all(|w| w[0].address <= w[1].address));
    let mid = m.matching("?iddle");
    assert_eq!(mid.len(), 1);
    assert_eq!(mid[0].address, PIE_BASE + values["middle"]);

    // Lines, cross-checked with gdb's `info line`: 7 (blank) and 22/23 (comment, blank) have no code, so the next
    // line that has some counts; 20 is a `for` whose code is in several places (one breakpoint: the first).
    let lines = [4, 5, 6, 7, 9, 10, 14, 20, 21, 22, 23, 24];
    let expected = gdb_line_addresses(&bin, &dir, "demo.c", &lines);
    for line in lines {
        let want = PIE_BASE + expected[&line];
        assert_eq!(m.line_addresses("demo.c", line), vec![want], "line {line}");
    }
    assert_eq!(m.line_addresses(bin.with_file_name("demo.c").to_str().unwrap(), 9), m.line_addresses("demo.c", 9));
    assert_eq!(m.line_addresses("emo.c", 9), Vec::<u64>::new(), "whole path components only");
    assert_eq!(m.line_addresses("demo.c", 1000), Vec::<u64>::new());
    for line in [4, 5, 9, 10, 14, 24] {
        let addr = PIE_BASE + expected[&line];
        let src = m.source_line(addr).unwrap_or_else(|| panic!("no line for {addr:#x}"));
        assert_eq!(src.line, line);
        assert_eq!(src.file, dir.path("demo.c"));
        // The middle of the line's code is still that line.
        assert_eq!(m.source_line(addr + 1).map(|s| s.line), Some(line));
    }
    assert_eq!(m.source_line(PIE_BASE - 0x1000), None);
    assert!(m.has_dwarf());
    assert_eq!(m.entry(), PIE_BASE + values["_start"]);
}

/// Set the link-time address (`sh_addr`) of the ELF section `name`, if the file has one.
fn set_section_address(bytes: &mut [u8], name: &str, address: u64) {
    use object::{Object, ObjectSection};
    let Some(index) = object::File::parse(&*bytes).unwrap().section_by_name(name).map(|s| s.index().0) else { return };
    let table = u64::from_le_bytes(bytes[0x28..0x30].try_into().unwrap()) as usize;
    let field = table + 64 * index + 16;
    bytes[field..field + 8].copy_from_slice(&address.to_le_bytes());
}

#[test]
fn a_plt_past_the_end_of_the_address_space_holds_no_stubs() {
    // The fuzzer's file: a `.plt` at 0xffff_ffff_ffff_ffff overflowed the stubs' addresses.
    let dir = TempDir::new("plt-at-the-top");
    let bin = compile(&dir, "gcc", "demo.c", DEMO_C, &["-O0"], "demo");
    let mut bytes = std::fs::read(&bin).unwrap();
    for plt in [".plt", ".plt.sec"] {
        set_section_address(&mut bytes, plt, u64::MAX);
    }
    std::fs::write(&bin, &bytes).unwrap();
    let module = ModuleSymbols::load(&bin, PIE_BASE).unwrap();
    assert!(!module.lookup("main").is_empty());
    assert!(module.symbols().iter().all(|s| !s.name.ends_with("@plt")), "{:?}", module.symbols());
}

#[test]
fn a_symbol_whose_size_runs_past_the_end_of_the_address_space_ends_there() {
    // The fuzzer's file: `uf`'s extent of a function added its symbol's size to its address and overflowed.
    use object::{Object, ObjectSection, ObjectSymbol};
    let dir = TempDir::new("huge-symbol");
    let bin = compile(&dir, "gcc", "demo.c", DEMO_C, &["-O0"], "demo");
    let mut bytes = std::fs::read(&bin).unwrap();
    let (symtab, index) = {
        let obj = object::File::parse(&*bytes).unwrap();
        let symtab = obj.section_by_name(".symtab").unwrap().file_range().unwrap().0 as usize;
        (symtab, obj.symbols().find(|s| s.name() == Ok("inner")).unwrap().index().0)
    };
    let st_size = symtab + 24 * index + 16;
    bytes[st_size..st_size + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    std::fs::write(&bin, &bytes).unwrap();
    let module = ModuleSymbols::load(&bin, PIE_BASE).unwrap();
    let inner = module.lookup("inner")[0];
    assert_eq!(module.function_extent(inner + 1), Some((inner, u64::MAX)));
}

/// This process's peak resident memory, in kB.
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_compressed_section_that_claims_gigabytes_is_refused_before_it_costs_them() {
    // The fuzzer's file: a few hundred bytes of zlib said they held 2 GiB, and the decompressor reserved and zeroed
    // that much before failing (a larger claim runs rdb out of memory).
    use object::{Object, ObjectSection};
    let dir = TempDir::new("claims-gigabytes");
    let bin = compile(&dir, "gcc", "demo.c", DEMO_C, &["-g", "-gz=zlib", "-O0"], "demo");
    let mut bytes = std::fs::read(&bin).unwrap();
    let info = object::File::parse(&*bytes).unwrap().section_by_name(".debug_info").unwrap().file_range().unwrap().0;
    // Elf64_Chdr: ch_type (4), ch_reserved (4), ch_size (8).
    let ch_size = info as usize + 8;
    bytes[ch_size..ch_size + 8].copy_from_slice(&(1u64 << 31).to_le_bytes());
    std::fs::write(&bin, &bytes).unwrap();
    let before = peak_rss_kb();
    let module = ModuleSymbols::load(&bin, PIE_BASE).unwrap();
    let main = module.lookup("main")[0];
    assert_eq!(module.source_line(main), None, "no .debug_info to read lines with");
    let grown = peak_rss_kb().saturating_sub(before);
    assert!(grown < 512 * 1024, "the peak resident memory grew by {grown} kB");
}

#[test]
fn libc_exports_load_fast() {
    let base = 0x7fff_f000_0000;
    let t = std::time::Instant::now();
    let m = ModuleSymbols::load(Path::new(LIBC), base).unwrap();
    let elapsed = t.elapsed();
    eprintln!("libc: {} symbols in {elapsed:?}", m.symbol_count());
    let dynamic = nm(Path::new(LIBC), true);
    let puts = base + dynamic["puts"];
    assert_eq!(m.lookup("puts"), vec![puts]);
    assert_eq!(m.symbol_at(puts + 1).map(|s| s.name), Some("puts".to_string()));
    assert!(m.matching("pu?s").iter().any(|s| s.name == "puts" && s.address == puts));
    assert_eq!(m.lookup("malloc"), vec![base + dynamic["malloc"]]);
    // Data symbols are found too.
    assert_eq!(m.lookup("stdout"), vec![base + dynamic["stdout"]]);
    // strlen is an indirect function: its symbol is the resolver, and an IRELATIVE relocation names the GOT slot
    // its implementation goes to; puts is an ordinary function.
    let strlen = base + dynamic["strlen"];
    let slot = m.ifunc_slot(strlen).expect("strlen's slot");
    assert!(slot > strlen && slot < m.range().1, "the slot is in libc's data: {slot:#x}");
    assert_eq!(m.ifunc_slot(puts), None);
    // With libc6-dbg installed, its separate debug file gives lines (and local symbols).
    if m.debug_file().is_some() {
        assert!(m.has_dwarf());
        let src = m.source_line(puts).expect("a line for puts");
        assert!(src.file.ends_with("ioputs.c"), "{src:?}");
        assert!(m.lookup("__libc_start_call_main").len() == 1, "a local symbol from .symtab");
    }
}

#[test]
fn rust_names_are_demangled() {
    let dir = TempDir::new("rust");
    let src = "#[inline(never)]\nfn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\nfn main() {\n    let n = add(std::env::args().count() as i32, 2);\n    std::process::exit(if n > 100 { 1 } else { 0 });\n}\n";
    let bin = compile(&dir, "rustc", "demo.rs", src, &["-g", "-C", "opt-level=0", "--crate-name", "demo"], "demo");
    let m = ModuleSymbols::load(&bin, PIE_BASE).unwrap();
    let values = nm(&bin, false);
    let (raw, value) = values
        .iter()
        .find(|(name, _)| name.contains("4demo3add") || name.contains("4demo3add"))
        .map(|(n, v)| (n.clone(), *v))
        .or_else(|| {
            values.iter().find(|(n, _)| n.starts_with("_R") && n.contains("3add")).map(|(n, v)| (n.clone(), *v))
        })
        .expect("demo::add in nm");
    let add = PIE_BASE + value;
    assert_eq!(m.lookup("demo::add"), vec![add]);
    assert_eq!(m.lookup(&raw), vec![add], "the mangled name");
    assert_eq!(m.symbol_at(add + 2).map(|s| s.name), Some("demo::add".to_string()));
    assert_eq!(m.lookup("demo::main").len(), 1);
    assert!(m.matching("demo::*").iter().any(|s| s.name == "demo::main"));
    let src = m.source_line(m.line_addresses("demo.rs", 3)[0]).unwrap();
    assert_eq!((src.file.file_name().unwrap().to_str().unwrap(), src.line), ("demo.rs", 3));
    assert!(m.symbol_at(m.line_addresses("demo.rs", 3)[0]).unwrap().name == "demo::add");
}

#[test]
fn cpp_names_are_demangled() {
    let dir = TempDir::new("cpp");
    let src = "namespace ns {\nint func(int x) { return x * 2; }\nstruct C { int get(int a) const; };\nint C::get(int a) const { return a + 1; }\n}\nint main() { ns::C c; return ns::func(3) + c.get(1); }\n";
    let bin = compile(&dir, "g++", "demo.cpp", src, &["-g", "-O0"], "demo");
    let m = ModuleSymbols::load(&bin, PIE_BASE).unwrap();
    let values = nm(&bin, false);
    let func = PIE_BASE + values["_ZN2ns4funcEi"];
    assert_eq!(m.lookup("ns::func"), vec![func]);
    assert_eq!(m.lookup("ns::func(int)"), vec![func]);
    assert_eq!(m.lookup("_ZN2ns4funcEi"), vec![func]);
    assert_eq!(m.symbol_at(func + 1).map(|s| s.name), Some("ns::func(int)".to_string()));
    let get = PIE_BASE + values["_ZNK2ns1C3getEi"];
    assert_eq!(m.lookup("ns::C::get"), vec![get]);
    assert_eq!(m.symbol_at(get).map(|s| s.name), Some("ns::C::get(int) const".to_string()));
    assert!(m.matching("ns::*").len() >= 2);
}

/// Registers and stack of a stopped process, as gdb saw them.
struct Snapshot {
    regs: Registers,
    stack_base: u64,
    stack: Vec<u8>,
    /// The lowest mapped address of each mapped file.
    modules: Vec<(PathBuf, u64)>,
    /// gdb's backtrace: the pc of frames 1, 2, ...
    callers: Vec<u64>,
}

impl ReadMemory for Snapshot {
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        let off = address.checked_sub(self.stack_base).ok_or(Error::MemoryAccess(address))? as usize;
        if off >= self.stack.len() {
            return Err(Error::MemoryAccess(address));
        }
        let n = buf.len().min(self.stack.len() - off);
        buf[..n].copy_from_slice(&self.stack[off..off + n]);
        Ok(n)
    }
}

/// Run `bin` under gdb to `breakpoint` and take a snapshot.
fn snapshot(bin: &Path, dir: &TempDir, breakpoint: &str) -> Snapshot {
    let sizes = [8192u64, 4096, 2048, 1024];
    let mut cmds = vec![
        "set backtrace past-main on".to_string(),
        format!("break {breakpoint}"),
        "run".into(),
        "info registers".into(),
    ];
    for size in sizes {
        cmds.push(format!("dump binary memory {} $rsp $rsp+{size}", dir.path(&format!("stack{size}.bin")).display()));
    }
    cmds.extend(["info proc mappings".to_string(), "bt".into(), "kill".into()]);
    let out = gdb(bin, dir, &cmds);

    let mut regs = Registers::default();
    let after_stop = &out[out.find("\nBreakpoint 1, ").unwrap_or_else(|| panic!("no stop:\n{out}"))..];
    for line in after_stop.lines() {
        let mut parts = line.split_whitespace();
        let (Some(name), Some(value)) = (parts.next(), parts.next()) else { continue };
        if let Some(hex) = value.strip_prefix("0x")
            && let Ok(v) = u64::from_str_radix(hex, 16)
        {
            regs.set(name, v);
        }
        if line.starts_with("#") {
            break;
        }
    }
    assert_ne!(regs.rsp, 0, "no registers:\n{out}");
    let stack = sizes
        .iter()
        .filter_map(|s| std::fs::read(dir.path(&format!("stack{s}.bin"))).ok())
        .find(|b| !b.is_empty())
        .unwrap_or_else(|| panic!("no stack dump:\n{out}"));

    let mut modules: Vec<(PathBuf, u64)> = Vec::new();
    let mut callers = Vec::new();
    for line in out.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() >= 6 && cols[0].starts_with("0x") && cols[5].starts_with('/') {
            let start = u64::from_str_radix(&cols[0][2..], 16).unwrap();
            let path = PathBuf::from(cols[5]);
            match modules.iter_mut().find(|(p, _)| *p == path) {
                Some((_, base)) => *base = (*base).min(start),
                None => modules.push((path, start)),
            }
        }
        if let Some(rest) = line.strip_prefix('#') {
            let frame: usize = rest.split_whitespace().next().unwrap().parse().unwrap();
            if frame > 0 {
                callers.push(hex_after(rest, " ").unwrap());
            }
        }
    }
    Snapshot { stack_base: regs.rsp, regs, stack, modules, callers }
}

fn load_modules(snap: &Snapshot) -> Vec<ModuleSymbols> {
    snap.modules.iter().filter_map(|(path, base)| ModuleSymbols::load(path, *base).ok()).collect()
}

/// The function names of the frames, with the module's file name where it is not the program.
fn frame_names(frames: &[rdb_engine::unwind::Frame], modules: &[ModuleSymbols]) -> Vec<String> {
    frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let pc = if i == 0 { f.regs.rip } else { f.regs.rip - 1 };
            modules
                .iter()
                .find(|m| m.contains(pc))
                .and_then(|m| m.symbol_at(pc))
                .map(|s| s.name)
                .unwrap_or_else(|| format!("{pc:#x}"))
        })
        .collect()
}

fn check_against_gdb(snap: &mut Snapshot, modules: &[ModuleSymbols], use_cfi: bool) -> Vec<String> {
    let module_at = |pc: u64| if use_cfi { modules.iter().find(|m| m.contains(pc)) } else { None };
    let regs = snap.regs;
    let frames = unwind(&regs, &module_at, snap, 32);
    let names = frame_names(&frames, modules);
    assert!(frames.len() >= 4, "{names:?}");
    assert_eq!(names[..4], ["inner", "middle", "outer", "main"], "{names:?}");
    for i in 1..4 {
        assert_eq!(frames[i].regs.rip, snap.callers[i - 1], "frame {i} pc, as gdb's bt says");
        assert_eq!(frames[i - 1].return_address, Some(frames[i].regs.rip));
        assert!(frames[i].regs.rsp > frames[i - 1].regs.rsp);
    }
    assert_eq!(frames[0].regs, snap.regs);
    names
}

#[test]
fn unwinds_a_gdb_snapshot_with_cfi_and_frame_pointers() {
    let dir = TempDir::new("unwind-o0");
    let bin = compile(&dir, "gcc", "demo.c", DEMO_C, &["-g", "-O0"], "demo");
    let mut snap = snapshot(&bin, &dir, "inner");
    assert_eq!(snap.modules[0].1, PIE_BASE, "gdb runs the program without ASLR");
    let modules = load_modules(&snap);
    let names = check_against_gdb(&mut snap, &modules, true);
    // Through main into libc (its CFI): the frame after main is in libc.
    let libc = modules.iter().find(|m| m.path().to_str().unwrap().contains("libc.so")).expect("libc mapped");
    let frames = {
        let module_at = |pc: u64| modules.iter().find(|m| m.contains(pc));
        let regs = snap.regs;
        unwind(&regs, &module_at, &mut snap, 32)
    };
    eprintln!("frames: {:?}\ngdb callers: {:x?}", frame_names(&frames, &modules), snap.callers);
    assert!(frames.len() >= 5, "{names:?}");
    assert!(libc.contains(frames[4].regs.rip), "{names:?}");
    assert_eq!(frames[4].regs.rip, snap.callers[3]);
    // gdb stops its backtrace where the CFI says the return address is undefined (`_start`); so do we, or where
    // the stack snapshot ends.
    assert!(frames.len() <= snap.callers.len() + 1, "{names:?} vs {:x?}", snap.callers);
    // Frame pointers alone find the same callers in -O0 code.
    check_against_gdb(&mut snap, &modules, false);
}

#[test]
fn unwinds_at_a_function_entry_and_in_the_plt() {
    let dir = TempDir::new("unwind-entry");
    let bin = compile(&dir, "gcc", "demo.c", DEMO_C, &["-g", "-O0"], "demo");
    // At inner's first instruction (before `push rbp`): only the CFI knows the frame.
    let mut snap = snapshot(&bin, &dir, "*inner");
    let modules = load_modules(&snap);
    check_against_gdb(&mut snap, &modules, true);

    // In printf's PLT stub, whose CFA is a DWARF expression.
    let mut snap = snapshot(&bin, &dir, "*'printf@plt'");
    let module_at = |pc: u64| modules.iter().find(|m| m.contains(pc));
    let regs = snap.regs;
    let frames = unwind(&regs, &module_at, &mut snap, 8);
    let names = frame_names(&frames, &modules);
    assert!(frames.len() >= 2, "{names:?}");
    assert_eq!(names[0], "printf@plt");
    assert_eq!(names[1], "main");
    assert_eq!(frames[1].regs.rip, snap.callers[0]);
    assert_eq!(frames[1].regs.rsp, snap.regs.rsp + 8);
}

#[test]
fn unwinds_optimised_code_without_frame_pointers() {
    let dir = TempDir::new("unwind-o2");
    let bin = compile(&dir, "gcc", "demo.c", DEMO_O2_C, &["-g", "-O2", "-fomit-frame-pointer"], "demo");
    let mut snap = snapshot(&bin, &dir, "inner");
    let modules = load_modules(&snap);
    check_against_gdb(&mut snap, &modules, true);
}

/// A mingw-w64 PE: COFF symbols, DWARF lines and `.pdata` unwinding, at a rebased address. Needs the mingw-w64
/// cross compiler (Debian's gcc-mingw-w64-x86-64, installed by scripts/setup.sh).
#[test]
fn mingw_pe_symbols_lines_and_pdata() {
    let compiler = "x86_64-w64-mingw32-gcc";
    assert!(
        Command::new(compiler).arg("--version").output().is_ok(),
        "{compiler} is not installed: run scripts/setup.sh"
    );
    let dir = TempDir::new("pe");
    let exe = compile(&dir, compiler, "demo.c", DEMO_C, &["-g", "-O0"], "demo.exe");
    let image_base = 0x1_4000_0000u64;
    let base = 0x7ff6_1234_0000u64;
    let rebase = |va: u64| va - image_base + base;
    let m = ModuleSymbols::load(&exe, base).unwrap();
    assert!(m.is_pe());
    assert_eq!(m.bias(), base.wrapping_sub(image_base));
    let values = nm(&exe, false);
    let (inner, middle) = (rebase(values["inner"]), rebase(values["middle"]));
    assert_eq!(m.lookup("inner"), vec![inner]);
    assert_eq!(m.lookup("main"), vec![rebase(values["main"])]);
    assert_eq!(m.symbol_at(middle + 3).map(|s| s.name), Some("middle".to_string()));
    assert_eq!(m.symbol_at(base - 1), None);

    let lines = [4, 7, 9, 14];
    let expected = gdb_line_addresses(&exe, &dir, "demo.c", &lines);
    for line in lines {
        assert_eq!(m.line_addresses("demo.c", line), vec![rebase(expected[&line])], "line {line}");
    }
    assert_eq!(m.source_line(rebase(expected[&9])).map(|s| s.line), Some(9));

    // middle: push rbp; mov rbp, rsp; sub rsp, 0x30 (.seh_pushreg rbp, .seh_setframe rbp 0, .seh_stackalloc 0x30).
    // Seen from inner (pc = the return address after `call inner`): rsp = S, rbp = S + 0x30, [S+0x30] = the
    // caller's rbp, [S+0x38] = the return address into outer.
    let s = 0x5f_f000u64;
    let mut words = vec![0u64; 16];
    words[6] = 0xcafe_0000;
    words[7] = rebase(values["outer"]) + 0x10;
    let mut mem = MemorySnapshot::from_words(s, &words);
    let call_ret = {
        // The return address after `call inner` in middle: the end of line 9's code.
        let after = m.line_addresses("demo.c", 10)[0];
        assert!(after > middle && after < middle + 0x30);
        after
    };
    let regs = Registers { rip: call_ret, rsp: s, rbp: s + 0x30, ..Default::default() };
    let caller = m.unwind_frame(&regs, false, &mut mem).expect("pdata unwinds middle");
    assert_eq!((caller.rip, caller.rsp, caller.rbp), (rebase(values["outer"]) + 0x10, s + 0x40, 0xcafe_0000));
    // At middle's first instruction: nothing pushed yet, the return address is at [rsp].
    let regs = Registers { rip: middle, rsp: s + 0x38, rbp: 0xcafe_0000, ..Default::default() };
    let caller = m.unwind_frame(&regs, true, &mut mem).expect("pdata unwinds middle's entry");
    assert_eq!((caller.rip, caller.rsp, caller.rbp), (rebase(values["outer"]) + 0x10, s + 0x40, 0xcafe_0000));
}

/// A line of an inline function, inlined into two functions at -O2: one address per copy, as gdb's `break` finds.
#[test]
fn inlined_lines_get_one_address_per_copy() {
    let dir = TempDir::new("inline");
    let src = "#include <stdio.h>\nstatic inline int sq(int x) {\n    return x * x + 1;\n}\n__attribute__((noinline)) int f(int a) { return sq(a) + 2; }\n__attribute__((noinline)) int g(int a) { return sq(a + 1) * 3; }\nint main(int argc, char **argv) { (void)argv; printf(\"%d %d\\n\", f(argc), g(argc)); return 0; }\n";
    let bin = compile(&dir, "gcc", "inl.c", src, &["-g", "-O2"], "inl");
    let m = ModuleSymbols::load(&bin, PIE_BASE).unwrap();
    let out = gdb(&bin, &dir, &["break inl.c:3".to_string(), "info breakpoints".to_string()]);
    let mut expected: Vec<u64> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("1.") || (l.starts_with("1 ") && !l.contains("<MULTIPLE>")))
        .filter_map(|l| hex_after(l, " y "))
        .map(|a| PIE_BASE + a)
        .collect();
    expected.sort_unstable();
    assert!(expected.len() >= 2, "gdb found fewer copies than expected:\n{out}");
    assert_eq!(m.line_addresses("inl.c", 3), expected, "{out}");
    let names: Vec<String> = expected.iter().map(|&a| m.symbol_at(a).unwrap().name).collect();
    assert_eq!(names, ["f", "g"]);
}
