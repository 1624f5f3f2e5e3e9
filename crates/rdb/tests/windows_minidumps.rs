//! Windows minidumps as Wine's dbghelp writes them (`MiniDumpWriteDump` from a program's unhandled-exception
//! filter, or from a plain call), opened with `-z` by rdb on Linux and by rdb.exe under Wine: the stop line, the
//! threads, the modules, the registers, the TEB and memory, each checked against what the program printed of
//! itself before it wrote the dump.

use std::path::{Path, PathBuf};

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine, run_under_wine, wine_path};

/// What `wminidump` printed of itself, and where its dump is.
struct Written {
    dump: PathBuf,
    exe: PathBuf,
    out: String,
}

impl Written {
    /// The value of the program's `<key> <value>` line: hex for an address, decimal for an id.
    fn value(&self, key: &str) -> u64 {
        let line = self
            .out
            .lines()
            .find_map(|l| l.trim_end().strip_prefix(&format!("{key} ")))
            .unwrap_or_else(|| panic!("wminidump printed no {key} line:\n{}", self.out));
        let parsed =
            if matches!(key, "pid" | "tid" | "idle") { line.parse().ok() } else { u64::from_str_radix(line, 16).ok() };
        parsed.unwrap_or_else(|| panic!("bad {key} line {line:?}"))
    }
}

/// Runs `wminidump <dump> <mode> [full]` under Wine; its dump goes in a scratch directory of its own.
fn write_dump(name: &str, mode: &str, full: bool) -> Written {
    write_dump_of("wminidump", name, mode, full)
}

/// [`write_dump`] with `program` built from wminidump's source another way.
fn write_dump_of(program: &str, name: &str, mode: &str, full: bool) -> Written {
    let exe = windows_debuggee(program);
    let dump = scratch_dir(name).join(format!("{name}.dmp"));
    let mut args = vec![wine_path(&dump), mode.to_string()];
    if full {
        args.push("full".into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run_under_wine(&exe, &args);
    let expected = if mode == "crash" { 3 } else { 0 };
    assert_eq!(code, expected, "wminidump {args:?} exit code\n{out}\n{err}");
    assert!(out.contains("dump written"), "{out}\n{err}");
    assert!(dump.is_file(), "no dump at {}", dump.display());
    Written { dump, exe, out }
}

fn dir_of(path: &Path) -> &str {
    s(path.parent().expect("a file is in a directory"))
}

/// `lm`'s row for a module whose path ends with `file` (case-insensitive): its start and end.
fn lm_row(section: &Section, file: &str) -> (u64, u64) {
    let rows = section.all_matches(&format!(r"(?m)^({ADDR}) ({ADDR}) +\S+ .*?(\S+)\s*$"));
    rows.iter()
        .find(|r| r[3].to_ascii_lowercase().ends_with(&file.to_ascii_lowercase()))
        .map(|r| (addr(&r[1]), addr(&r[2])))
        .unwrap_or_else(|| panic!("lm lists no {file}\n{}", section.text))
}

#[test]
fn a_full_dump_written_at_a_crash_opens_at_the_access_violation() {
    let w = write_dump("crash-full", "crash", true);
    let (pid, tid, idle) = (w.value("pid"), w.value("tid"), w.value("idle"));
    let stdin = format!(
        "{}\n~\n{}\nlm\n{}\nr\n{}\nr mxcsr\n{}\n.lastevent\n{}\n!teb\n{}\ndb {:x} L10\n{}\n? @$peb\n{}\n.ecxr\n{}\nk\n{}\n? wminidump!pattern\n{}\n!analyze -v\n",
        mark("threads"),
        mark("lm"),
        mark("r"),
        mark("mxcsr"),
        mark("lastevent"),
        mark("teb"),
        mark("db"),
        w.value("pattern"),
        mark("peb"),
        mark("ecxr"),
        mark("k"),
        mark("x"),
        mark("analyze"),
    );
    let run = rdb(&["-z", s(&w.dump), "-i", dir_of(&w.exe)], &stdin);

    let stop = run.assert_matches(&second_chance_re("Access violation", "c0000005"));
    assert_eq!((addr(&stop[1]), addr(&stop[2])), (pid, tid), "the stop names the crashing thread\n{}", run.dump());
    run.assert_contains("Attempt to write to address 00000000`00000000");
    run.assert_contains("User Mini Dump File with Full Memory (Windows): only application data is available");

    let threads = run.section("threads").all_matches(r"(?m)^[. #] +(\d+) +Id: ([0-9a-f]+)\.([0-9a-f]+) ");
    let ids: Vec<(u64, u64)> = threads.iter().map(|t| (addr(&t[2]), addr(&t[3]))).collect();
    assert_eq!(ids, [(pid, tid), (pid, idle)], "~ lists both threads in order\n{}", run.dump());

    let lm = run.section("lm");
    let (exe_start, exe_end) = lm_row(&lm, "wminidump.exe");
    assert_eq!(exe_start, w.value("exe"), "{}", run.dump());
    assert!(exe_end > exe_start);
    assert_eq!(lm_row(&lm, "ntdll.dll").0, w.value("ntdll"), "{}", run.dump());
    assert_eq!(lm_row(&lm, "kernel32.dll").0, w.value("kernel32"), "{}", run.dump());
    // The executable first, its path as Wine wrote it.
    lm.assert_matches(&format!(r"(?m)\A\s*start .*\n{ADDR} {ADDR} .* {}\s*$", regex::escape(&wine_path(&w.exe))));

    // rip is in crash_here, a few instructions in: the context of the exception (Wine's dbghelp gives the
    // crashing thread that context in the thread list too).
    let rip = addr(&run.section("r").assert_matches(r"rip=([0-9a-f]{16})")[1]);
    // The x87 and SSE state from the context's FXSAVE area: the MXCSR the program set.
    run.section("mxcsr").assert_matches(r"(?m)^mxcsr=00009f80$");
    let crash_here = w.value("crash_here");
    assert!(
        (crash_here..crash_here + 0x80).contains(&rip),
        "rip {rip:#x} in crash_here ({crash_here:#x})\n{}",
        run.dump()
    );

    run.section("lastevent").assert_matches(&format!(
        r"(?m)^Last event: {pid:x}\.{tid:x}: Access violation - code c0000005 \(!!! second chance !!!\)$"
    ));

    let teb = run.section("teb");
    let at = teb.assert_matches(r"(?m)^TEB at ([0-9a-f]{16})$");
    assert_eq!(addr(&at[1]), w.value("teb"), "{}", run.dump());
    let client = teb.assert_matches(r"(?m)^    ClientId: +([0-9a-f]{16}) \. ([0-9a-f]{16})$");
    assert_eq!((addr(&client[1]), addr(&client[2])), (pid, tid), "{}", run.dump());
    let peb_in_teb = addr(&teb.assert_matches(r"(?m)^    PEB Address: +([0-9a-f]{16})$")[1]);
    assert_eq!(run.section("peb").evaluation(), peb_in_teb, "@$peb is the TEB's PEB\n{}", run.dump());

    // The global the program filled, from the dump's memory.
    run.section("db").assert_matches(&format!(
        r"(?m)^{} +03 0a 11 18 1f 26 2d 34-3b 42 49 50 57 5e 65 6c ",
        regex::escape(&fmt_addr(w.value("pattern")))
    ));

    // The program's image, found along -i where Wine's path names it, gives its DWARF: the crash's context walks
    // from crash_here to main, the global has its address, and the analysis blames the program, not Windows.
    run.section("ecxr").assert_matches(r"rip=([0-9a-f]{16})");
    run.section("k").assert_frames_start_with(&["wminidump!crash_here", "wminidump!main"]);
    assert_eq!(run.section("x").evaluation(), w.value("pattern"), "{}", run.dump());
    let analysis = run.section("analyze");
    analysis.assert_matches(r"(?m)^PRIMARY_PROBLEM_CLASS:  NULL_POINTER_WRITE$");
    analysis.assert_matches(r"(?m)^FAILURE_BUCKET_ID:  NULL_POINTER_WRITE_c0000005_wminidump\.exe!crash_here$");

    // rdb.exe under Wine reads the same dump the same way.
    let stdin = format!("{}\n~\n{}\nlm\n", mark("threads"), mark("lm"));
    let win = rdb_wine(&["-z", &wine_path(&w.dump)], &stdin);
    let stop = win.assert_matches(&second_chance_re("Access violation", "c0000005"));
    assert_eq!((addr(&stop[1]), addr(&stop[2])), (pid, tid), "{}", win.dump());
    assert_eq!(win.section("threads").count(r"(?m)^[. #] +\d+ +Id: "), 2, "{}", win.dump());
    let lm = win.section("lm");
    assert_eq!(lm_row(&lm, "wminidump.exe").0, w.value("exe"), "{}", win.dump());
    assert_eq!(lm_row(&lm, "ntdll.dll").0, w.value("ntdll"), "{}", win.dump());
    assert_eq!(lm_row(&lm, "kernel32.dll").0, w.value("kernel32"), "{}", win.dump());
    // A full dump is large (the whole process): kept only when the test fails.
    let _ = std::fs::remove_file(&w.dump);
}

#[test]
fn a_small_dump_holds_the_stacks_and_not_the_rest() {
    let w = write_dump("crash-small", "crash", false);
    let stdin = format!(
        "{}\ndb {:x} L10\n{}\n!peb\n{}\n~1 r\n{}\nlm\n",
        mark("db"),
        w.value("pattern"),
        mark("peb"),
        mark("idle"),
        mark("lm")
    );
    let run = rdb(&["-z", s(&w.dump)], &stdin);
    run.assert_contains("User Mini Dump File (Windows): only registers, stacks and portions of memory are available");
    let stop = run.assert_matches(&second_chance_re("Access violation", "c0000005"));
    assert_eq!(addr(&stop[2]), w.value("tid"), "{}", run.dump());
    // A normal dump holds no globals and no TEB: each read is refused in one line.
    run.section("db").assert_matches(r"Memory access error at ");
    run.section("peb").assert_matches(r"the dump does not hold the TEB at [0-9a-fx]+, where the PEB's address is");
    // The other thread's registers are in the dump: it waits in the system, in ntdll.
    let rip = addr(&run.section("idle").assert_matches(r"rip=([0-9a-f]{16})")[1]);
    let (start, end) = lm_row(&run.section("lm"), "ntdll.dll");
    assert_eq!(start, w.value("ntdll"), "{}", run.dump());
    assert!((start..end).contains(&rip), "the idle thread waits in ntdll: rip {rip:#x}\n{}", run.dump());
}

#[test]
fn a_dump_written_without_an_exception_opens_with_no_event() {
    let w = write_dump("plain", "plain", false);
    let stdin = format!("{}\n.lastevent\n{}\n~\n{}\nr\n", mark("lastevent"), mark("threads"), mark("r"));
    let run = rdb(&["-z", s(&w.dump)], &stdin);
    run.assert_not_matches(r"Access violation|second chance");
    run.section("lastevent").assert_matches(r"(?m)^Last event: [0-9a-f]+\.[0-9a-f]+: ");
    assert_eq!(run.section("threads").count(r"(?m)^[. #] +\d+ +Id: "), 2, "{}", run.dump());
    // Wine's dbghelp records no context for the thread that calls MiniDumpWriteDump without an exception: one line.
    run.section("r").assert_matches(r"the dump holds no registers for thread 0x[0-9a-f]+");
}

#[test]
fn damaged_copies_of_a_wine_dump_open_with_what_they_hold_or_are_refused_in_one_line() {
    let w = write_dump("damaged", "crash", false);
    let bytes = std::fs::read(&w.dump).expect("read the dump");
    let dir = scratch_dir("damaged-copies");
    let stdin = "~\nr\nlm\ndb @rsp L40\n!peb\n!teb\nk\n.lastevent\n";
    let mut copies: Vec<Vec<u8>> = Vec::new();
    // Cut inside the header, the directory, the streams' records, and the memory.
    for len in [0, 4, 31, 32, 64, 100, 200, 400, 800, 1500, 3000, 6000, 12000, bytes.len() / 2, bytes.len() - 1] {
        copies.push(bytes[..len.min(bytes.len())].to_vec());
    }
    // Bytes flipped where the structure is (the first pages: directory, threads, modules, contexts).
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..30 {
        let mut damaged = bytes.clone();
        for _ in 0..8 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed >> 8) as usize % damaged.len().min(0x3000);
            damaged[at] ^= (seed >> 40) as u8 | 1;
        }
        copies.push(damaged);
    }
    for (i, copy) in copies.iter().enumerate() {
        let path = dir.join(format!("copy{i}.dmp"));
        std::fs::write(&path, copy).expect("write a copy");
        // `rdb` fails the test on a panic or a hang; a refused dump is one line on stderr.
        let run = rdb(&["-z", s(&path)], stdin);
        if !run.stdout.contains("Loading Dump File") || run.status.code() != Some(0) {
            let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            assert!(lines.len() <= 1, "copy {i}: more than one line of refusal\n{}", run.dump());
        }
        // Cut in its memory, the dump still holds its threads and modules (Wine's dbghelp writes the exception and
        // the misc information after the memory, so those are lost with it).
        if i == 13 || i == 14 {
            run.assert_matches(r"(?m)^rip=[0-9a-f]{16} ");
            assert!(run.count(r"(?m)^ModLoad: ") >= 3, "copy {i}\n{}", run.dump());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_dump_of_a_program_whose_symbols_are_in_a_pdb_reads_them_on_linux() {
    // A small dump (the stacks, the modules): its code and symbols come from the image and its PDB, moved into a
    // folder of their own as a crash's reader would have them, found along -i and -y.
    let w = write_dump_of("wminidump_pdb", "crash-pdb", "crash", false);
    let symbols = scratch_dir("crash-pdb-symbols");
    for file in [w.exe.clone(), w.exe.with_extension("pdb")] {
        std::fs::copy(&file, symbols.join(file.file_name().unwrap())).unwrap();
    }
    let crash_line = windows_line_of("wminidump.c", "crash");
    let stdin = format!(
        "{}\n.ecxr\n{}\nk\n{}\nlm v m wminidump_pdb\n{}\n!analyze -v\n",
        mark("ecxr"),
        mark("k"),
        mark("lm"),
        mark("analyze")
    );
    let dir = s(&symbols);
    let run = rdb(&["-z", s(&w.dump), "-i", dir, "-y", dir], &stdin);
    run.assert_matches(&second_chance_re("Access violation", "c0000005"));
    let k = run.section("k");
    k.assert_frames_start_with(&["wminidump_pdb!crash_here", "wminidump_pdb!main"]);
    k.assert_matches(&format!(r"(?m)wminidump_pdb!crash_here\+0x[0-9a-f]+ \[.*wminidump\.c @ {crash_line}\]$"));
    run.section("lm").assert_contains("pdb symbols");
    run.section("analyze")
        .assert_matches(r"(?m)^FAILURE_BUCKET_ID:  NULL_POINTER_WRITE_c0000005_wminidump_pdb\.exe!crash_here$");
}
