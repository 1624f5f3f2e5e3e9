//! ELF core files opened with `rdb -z`: a core gdb's `gcore` took at a breakpoint in `postmortem`, and a core the
//! kernel wrote when `crash` died of SIGSEGV. gdb, reading the same core, is the oracle for the stack, the
//! registers, the threads, the modules and the locals. A dump only reads: what would run or change the program
//! says so in one line and the session goes on; a core cut short opens with what is left, and a file that is no
//! core is one line.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use rdb_testkit::prelude::*;
use regex::Regex;

/// gdb in batch mode on `program` (and `core`), each command's output after a `==name==` line.
fn gdb(program: &Path, core: Option<&Path>, commands: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("gdb");
    cmd.args(["-batch", "-nx", "-ex", "set pagination off", "-ex", "set debuginfod enabled off"]);
    for (name, command) in commands {
        cmd.arg("-ex").arg(format!("echo =={name}==\\n")).arg("-ex").arg(command);
    }
    cmd.arg(program);
    if let Some(core) = core {
        cmd.arg(core);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("gdb (installed by scripts/setup.sh) does not run: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// The output of gdb's command `name` in `out`.
fn gdb_section<'a>(out: &'a str, name: &str) -> &'a str {
    let marker = format!("=={name}==\n");
    let start = out.find(&marker).unwrap_or_else(|| panic!("no {name} in gdb's output:\n{out}")) + marker.len();
    let rest = &out[start..];
    let end = Regex::new(r"(?m)^==[^=\n]+==$").unwrap().find(rest).map(|m| m.start()).unwrap_or(rest.len());
    &rest[..end]
}

fn captures(text: &str, re: &str) -> Vec<Vec<String>> {
    Regex::new(re)
        .unwrap()
        .captures_iter(text)
        .map(|c| c.iter().map(|m| m.map(|m| m.as_str().to_string()).unwrap_or_default()).collect())
        .collect()
}

fn hex(text: &str) -> u64 {
    u64::from_str_radix(&text.replace('`', ""), 16).unwrap_or_else(|_| panic!("not hex: {text}"))
}

/// `postmortem` stopped at @inspect in gdb and dumped with `gcore` (once per test process): (program, core).
fn gcore_of_postmortem() -> &'static (PathBuf, PathBuf) {
    static CORE: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    CORE.get_or_init(|| {
        let program = debuggee("postmortem");
        let core = scratch_dir("gcore").join("postmortem.core");
        let line = line_of("postmortem.c", "inspect");
        let out = gdb(
            &program,
            None,
            &[
                ("break", &format!("break postmortem.c:{line}")),
                ("run", "run"),
                ("gcore", &format!("gcore {}", core.display())),
                ("kill", "kill"),
            ],
        );
        assert!(core.is_file(), "gdb's gcore wrote no core at {}:\n{out}", core.display());
        (program, core)
    })
}

/// The function of a `k` row's call site (`postmortem!inspect+0x29` → `inspect`).
fn function_of(site: &str) -> &str {
    let name = site.split_once('!').map_or(site, |(_, f)| f);
    name.split_once('+').map_or(name, |(f, _)| f)
}

/// `rip=…` and `rsp=…` of an `r` dump.
fn rip_rsp(text: &str) -> (u64, u64) {
    let reg = |name: &str| {
        captures(text, &format!(r"{name}=([0-9a-f]{{16}})")).first().map(|c| hex(&c[1])).unwrap_or_else(|| {
            panic!("no {name} in:\n{text}");
        })
    };
    (reg("rip"), reg("rsp"))
}

/// `info registers rip rsp` of gdb.
fn gdb_rip_rsp(text: &str) -> (u64, u64) {
    let reg = |name: &str| {
        captures(text, &format!(r"(?m)^{name}\s+0x([0-9a-f]+)")).first().map(|c| hex(&c[1])).unwrap_or_else(|| {
            panic!("gdb gives no {name}:\n{text}");
        })
    };
    (reg("rip"), reg("rsp"))
}

/// The modules `lm` lists: (start, end, path).
fn lm_rows(text: &str) -> Vec<(u64, u64, String)> {
    captures(text, &format!(r"(?m)^({ADDR}) ({ADDR}) +\S+ +.*?(/\S+)$"))
        .iter()
        .map(|c| (addr(&c[1]), addr(&c[2]), c[3].clone()))
        .collect()
}

#[test]
fn a_gcore_reads_as_gdb_reads_it() {
    let (program, core) = gcore_of_postmortem();
    let stdin = [
        mark("k"),
        "k".into(),
        mark("r"),
        "r".into(),
        mark("threads"),
        "~".into(),
        mark("lm"),
        "lm".into(),
        mark("dv"),
        "dv".into(),
        mark("xmm0"),
        "r xmm0:uq".into(),
        mark("da"),
        "da postmortem!greeting".into(),
        mark("db"),
        "db postmortem!greeting L10".into(),
        "q".into(),
    ]
    .join("\n");
    let run = rdb(&["-z", s(core)], &stdin);
    let oracle = gdb(
        program,
        Some(core),
        &[
            ("bt", "bt"),
            ("regs", "info registers rip rsp"),
            ("threads", "info threads"),
            ("libs", "info sharedlibrary"),
            ("files", "info files"),
            ("locals", "info locals"),
            ("xmm0", "p/x $xmm0.v2_int64"),
        ],
    );
    let context = |what: &str| format!("{what}\n---- gdb:\n{oracle}\n{}", run.dump());

    // The stack: gdb's functions, in order, start rdb's (which goes on past main, into libc's start).
    let gdb_functions: Vec<String> = captures(gdb_section(&oracle, "bt"), r"(?m)^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+) \(")
        .into_iter()
        .map(|c| c[1].clone())
        .collect();
    assert_eq!(gdb_functions, ["inspect", "main"], "{}", context("gdb's own stack"));
    let frames = run.section("k").frames();
    let rdb_functions: Vec<&str> = frames.iter().map(|f| function_of(&f.site)).collect();
    assert!(rdb_functions.starts_with(&["inspect", "main"]), "{}", context(&format!("k: {rdb_functions:?}")));
    assert!(run.section("k").text.contains("postmortem.c @ "), "{}", context("k gives source lines"));

    // The registers of the thread that stopped.
    assert_eq!(rip_rsp(run.section("r").text), gdb_rip_rsp(gdb_section(&oracle, "regs")), "{}", context("rip, rsp"));

    // Every thread.
    let gdb_threads = captures(gdb_section(&oracle, "threads"), r"(?m)^\*?\s+\d+\s+(?:Thread|LWP)").len();
    let rdb_threads = captures(run.section("threads").text, r"(?m)^[ .#]\s*\d+\s+Id: ").len();
    assert_eq!((rdb_threads, gdb_threads), (2, 2), "{}", context("threads"));

    // The modules: the executable's .text lies in its module, and each library's text range (gdb gives text
    // ranges, lm whole images) lies in the module of the same file.
    let modules = lm_rows(run.section("lm").text);
    assert!(modules.iter().any(|m| m.2 == s(program)), "{}", context("lm lists the program"));
    let text = captures(gdb_section(&oracle, "files"), r"(?m)^\s+0x([0-9a-f]+) - 0x([0-9a-f]+) is \.text$");
    let (text_start, text_end) = (hex(&text[0][1]), hex(&text[0][2]));
    let exe = modules.iter().find(|m| m.2 == s(program)).unwrap();
    assert!(exe.0 <= text_start && text_end <= exe.1, "{}", context(&format!("the program's module {exe:x?}")));
    let libs =
        captures(gdb_section(&oracle, "libs"), r"(?m)^0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+\S+\s+(?:\(\*\)\s+)?(/\S+)$");
    let libc = libs.iter().find(|l| l[3].contains("libc.so")).unwrap_or_else(|| panic!("{}", context("gdb: no libc")));
    let (from, to) = (hex(&libc[1]), hex(&libc[2]));
    let module = modules
        .iter()
        .find(|m| Path::new(&m.2).file_name() == Path::new(&libc[3]).file_name())
        .unwrap_or_else(|| panic!("{}", context("lm: no libc")));
    assert!(
        module.0 <= from && to <= module.1,
        "{}",
        context(&format!("libc's text {from:#x}-{to:#x} in {module:x?}"))
    );

    // The locals, as gdb gives them, and the parameter.
    let dv = run.section("dv").text;
    let locals = captures(gdb_section(&oracle, "locals"), r"(?m)^(\w+) = (-?\d+)(?: '.')?$");
    assert_eq!(locals.len(), 3, "{}", context("gdb's integer locals"));
    for local in &locals {
        let (name, value) = (&local[1], &local[2]);
        let shown = captures(dv, &format!(r"(?m)^\s*{name} = 0n(-?\d+)"));
        assert_eq!(shown.first().map(|c| &c[1]), Some(value), "{}", context(&format!("dv's {name}")));
    }
    assert!(Regex::new(r"(?m)^\s*depth = 0n21$").unwrap().is_match(dv), "{}", context("the parameter"));
    assert!(gdb_section(&oracle, "locals").contains("ratio = 5.25"), "{}", context("gdb's double"));
    assert!(Regex::new(r"(?m)^\s*ratio = 5.25$").unwrap().is_match(dv), "{}", context("the double"));

    // The SSE registers (the core's NT_PRFPREG): rdb gives xmm0's high quadword first, gdb its low one.
    let gdb_xmm0 = captures(gdb_section(&oracle, "xmm0"), r"\{0x([0-9a-f]+), 0x([0-9a-f]+)\}");
    let (low, high) = (hex(&gdb_xmm0[0][1]), hex(&gdb_xmm0[0][2]));
    assert_eq!(low, 0x4015_0000_0000_0000, "{}", context("gdb: 5.25 in xmm0"));
    run.section("xmm0").assert_contains(&format!("xmm0={high:016x} {low:016x}"));

    // The global string, from the core's memory.
    run.section("da").assert_matches(&format!(r#"(?m)^{ADDR}  "hello from the core"$"#));
    run.section("db")
        .assert_matches(&format!(r"(?m)^{ADDR}  68 65 6c 6c 6f 20 66 72-6f 6d 20 74 68 65 20 63  hello from the c$"));
}

/// `crash` run in a fresh directory with core dumps allowed (once per test process); returns the core the kernel
/// wrote there.
fn kernel_core_of_crash() -> &'static Path {
    static CORE: OnceLock<PathBuf> = OnceLock::new();
    CORE.get_or_init(|| kernel_core(&debuggee("crash"), "kernel-core"))
}

#[test]
fn a_kernel_core_of_a_crash_stops_at_the_access_violation() {
    let core = kernel_core_of_crash();
    let run = rdb(&["-z", s(core)], &format!("{}\nk\n{}\nr\nq\n", mark("k"), mark("r")));
    let stop = Regex::new(&second_chance_re("Access violation", "c0000005")).unwrap();
    assert!(stop.is_match(&run.stdout), "the stop names the access violation\n{}", run.dump());
    run.assert_contains("Attempt to write to address 00000000`00000000");
    run.assert_contains("Linux core dump file: only the process's writable memory and threads are available");
    run.section("k").assert_frames_start_with(&["crash!crash_here", "crash!main"]);
    let oracle = gdb(&debuggee("crash"), Some(core), &[("regs", "info registers rip rsp"), ("bt", "bt 1")]);
    assert!(gdb_section(&oracle, "bt").contains("crash_here"), "gdb's oracle:\n{oracle}");
    assert_eq!(
        rip_rsp(run.section("r").text),
        gdb_rip_rsp(gdb_section(&oracle, "regs")),
        "gdb:\n{oracle}\n{}",
        run.dump()
    );
}

#[test]
fn what_would_run_or_change_the_program_is_one_line_and_the_session_goes_on() {
    let (_, core) = gcore_of_postmortem();
    let commands = ["g", "t", "p", "eb @rsp 1", "r rax=1", "bp postmortem!main"];
    let mut stdin = String::new();
    for (i, command) in commands.iter().enumerate() {
        stdin += &format!("{}\n{command}\n{}\n? 1+1\n", mark(&format!("c{i}")), mark(&format!("after{i}")));
    }
    stdin += &format!("{}\nr rip\nq\n", mark("end"));
    let run = rdb(&["-z", s(core)], &stdin);
    for (i, command) in commands.iter().enumerate() {
        let said: Vec<&str> = run.section(&format!("c{i}")).text.lines().filter(|l| !l.trim().is_empty()).collect();
        // The engine's wording is its own; a breakpoint may be taken into the table without a word.
        let allowed = if command.starts_with("bp") { 0..=1 } else { 1..=1 };
        assert!(allowed.contains(&said.len()), "{command}: {said:?}\n{}", run.dump());
        assert_eq!(run.section(&format!("after{i}")).evaluation(), 2, "after {command}\n{}", run.dump());
    }
    let (gdb_rip, _) = {
        let (program, core) = gcore_of_postmortem();
        gdb_rip_rsp(gdb_section(&gdb(program, Some(core), &[("regs", "info registers rip rsp")]), "regs"))
    };
    run.section("end").assert_contains(&format!("rip={gdb_rip:016x}"));
    assert!(run.status.success(), "{}", run.dump());
}

#[test]
fn a_core_cut_short_opens_and_a_file_that_is_no_core_is_one_line() {
    // The kernel writes its notes first, then the memory (gdb's gcore writes its notes last).
    let bytes = std::fs::read(kernel_core_of_crash()).unwrap();
    let dir = scratch_dir("bad-cores");

    // Cut in its memory: the threads and the memory before the cut are still there.
    let cut = dir.join("cut.core");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let run = rdb(&["-z", s(&cut)], &format!("{}\nr rip\n{}\nk\n{}\n? 1+1\nq\n", mark("r"), mark("k"), mark("eval")));
    run.section("r").assert_matches(r"rip=[0-9a-f]{16}");
    // The stack is in the last pages of the core, gone: k says what it can, in a line or more, and goes on.
    assert!(!run.section("k").text.trim().is_empty(), "{}", run.dump());
    assert_eq!(run.section("eval").evaluation(), 2, "{}", run.dump());
    assert!(run.status.success(), "{}", run.dump());

    // Cut inside its program headers, garbage, another machine's core: refused in one line, exit code not 0.
    let mut arm = bytes[..4096].to_vec();
    arm[18..20].copy_from_slice(&183u16.to_le_bytes());
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for (name, content, says) in [
        ("headers.core", bytes[..70].to_vec(), "cut short"),
        ("garbage.core", garbage, "neither an ELF core file nor a minidump"),
        ("arm.core", arm, "AArch64"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        let run = rdb(&["-z", s(&path)], "k\nq\n");
        assert!(!run.status.success(), "{name}\n{}", run.dump());
        let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{name}: one line\n{}", run.dump());
        assert!(lines[0].contains(name), "{name}: the line names the file\n{}", run.dump());
        assert!(lines[0].contains(says), "{name}: {says}\n{}", run.dump());
    }
}

#[test]
fn a_linux_core_reads_the_same_in_rdb_exe_under_wine() {
    // The reader names no OS: rdb.exe reads a Linux core as rdb does, and finds the modules' files by their Linux
    // paths (Wine's Z: drive is the Unix root).
    let core = kernel_core_of_crash();
    let stdin = format!("{}\nk\n{}\nr\n{}\nlm\nq\n", mark("k"), mark("r"), mark("lm"));
    let linux = rdb(&["-z", s(core)], &stdin);
    let wine = Backend::Windows.rdb(&["-z", &Backend::Windows.path_arg(core)], &stdin);
    let stop = Regex::new(&second_chance_re("Access violation", "c0000005")).unwrap();
    assert!(stop.is_match(&wine.stdout), "the stop names the access violation\n{}", wine.dump());
    wine.section("k").assert_frames_start_with(&["crash!crash_here", "crash!main"]);
    assert_eq!(rip_rsp(wine.section("r").text), rip_rsp(linux.section("r").text), "{}\n{}", wine.dump(), linux.dump());
    assert_eq!(
        lm_rows(wine.section("lm").text),
        lm_rows(linux.section("lm").text),
        "{}\n{}",
        wine.dump(),
        linux.dump()
    );
    assert!(lm_rows(linux.section("lm").text).iter().any(|m| m.2.ends_with("/crash")), "{}", linux.dump());
}
