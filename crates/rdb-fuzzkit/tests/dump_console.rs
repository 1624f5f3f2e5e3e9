//! exception stored in it), `.ecxr`, `.exr -1`, `.lastevent` and `!analyze -v` on the crash, and the one line every
//! command that would run or change it answers. The dump is the in-memory process (`hello` stopped in `add`) made
//! to have crashed on its second thread, with the crash's context recorded apart, as a minidump written by a
//! handler records it.

use std::path::PathBuf;

use rdb_engine::regs::Registers;
use rdb_engine::target::{
    Event, EventKind, Exception, ExceptionKind, ModuleRecord, Pid, Region, Snapshot, SnapshotFormat, SnapshotOs,
    Target, Tid,
};
use rdb_engine::{Error, Result};
use rdb_fuzzkit::commands::run_on;
use rdb_fuzzkit::process::{BASE, MemoryProcess, TIDS, module_path};

/// The in-memory process as a crash's dump.
struct Crash {
    process: MemoryProcess,
    /// The exception, on the second thread; `None` for a dump taken of a process that did not crash.
    exception: Option<Exception>,
    /// The crash's own registers: the first thread's, in `add`, with a mark in rax.
    context: Registers,
    /// Where the dump says the module was loaded from (not on this machine), the module's code left out of it.
    elsewhere: Option<PathBuf>,
}

const MARK: u64 = 0xdead;

impl Crash {
    fn new() -> Crash {
        let mut process = MemoryProcess::new();
        let mut context = process.registers(TIDS[0]).expect("thread 0");
        context.rax = MARK;
        let exception = Exception {
            kind: ExceptionKind::AccessViolation { fault_address: Some(0), write: None, signal: Some(11) },
            address: context.rip,
            first_chance: false,
        };
        Crash { process, exception: Some(exception), context, elsewhere: None }
    }

    fn module_size(&mut self) -> u64 {
        self.process.modules()[0].size
    }
}

impl Target for Crash {
    fn pid(&self) -> Pid {
        self.process.pid()
    }
    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        let end = BASE + self.module_size();
        if self.elsewhere.is_some() && (BASE..end).contains(&address) {
            return Err(Error::MemoryAccess(address));
        }
        let n = self.process.read_memory(address, buf)?;
        Ok(n)
    }
    fn registers(&mut self, tid: Tid) -> Result<Registers> {
        self.process.registers(tid)
    }
    fn threads(&self) -> Vec<Tid> {
        self.process.threads()
    }
    fn memory_regions(&mut self) -> Result<Vec<Region>> {
        self.process.memory_regions()
    }
    fn snapshot(&mut self) -> Option<&mut dyn Snapshot> {
        Some(self)
    }
}

impl Snapshot for Crash {
    fn modules(&mut self) -> Vec<ModuleRecord> {
        let mut modules = self.process.modules();
        if let Some(path) = &self.elsewhere {
            modules[0].path = path.clone();
        }
        modules
    }
    fn event(&mut self) -> Option<Event> {
        let exception = self.exception.clone()?;
        Some(Event { pid: self.pid(), tid: TIDS[1], kind: EventKind::Exception(exception) })
    }
    fn exception_context(&mut self) -> Option<Registers> {
        Some(self.context)
    }
    fn warnings(&mut self) -> Vec<String> {
        vec!["the dump's file ends early: memory past 0x7fff0000 is missing".into()]
    }
    fn os(&mut self) -> SnapshotOs {
        SnapshotOs::Linux
    }

    fn format(&mut self) -> SnapshotFormat {
        SnapshotFormat::CoreFile
    }
}

fn has(text: &[String], line: &str) {
    assert!(text.iter().any(|l| l == line), "no {line:?} in {text:#?}");
}

fn has_part(text: &[String], part: &str) {
    assert!(text.iter().any(|l| l.contains(part)), "no {part:?} in {text:#?}");
}

/// The lines after the first one that `starts`.
fn after<'a>(text: &'a [String], starts: &str) -> &'a [String] {
    let at = text.iter().position(|l| l.starts_with(starts)).unwrap_or_else(|| panic!("no {starts:?} in {text:#?}"));
    &text[at + 1..]
}

#[test]
fn a_dump_with_an_exception_opens_as_windbg_says() {
    let text = run_on(Box::new(Crash::new()), "");
    has(&text, "Linux core dump file: only the process's writable memory and threads are available");
    has(&text, "WARNING: the dump's file ends early: memory past 0x7fff0000 is missing");
    has_part(&text, "ModLoad: 00005555`55554000");
    has(&text, "This dump file has an exception of interest stored in it.");
    has(&text, "The stored exception information can be accessed via .ecxr.");
    has(&text, "(4d2.4d7): Access violation - code c0000005 (!!! second chance !!!)");
    // The instruction at the crash writes: the access is judged from it, as at a live stop.
    has(&text, "Attempt to write to address 00000000`00000000");
}

#[test]
fn ecxr_makes_the_crash_the_current_context_until_a_thread_is_chosen() {
    let mark = format!("rax={MARK:016x}");
    // From the first thread: .ecxr goes to the crash's thread, with the crash's registers, for r and k alike.
    let text = run_on(Box::new(Crash::new()), "~0s; .ecxr; r rax; k; ~");
    let ecxr = after(&text, "00005555`5555514d 897dfc          mov     dword ptr [rbp-4],edi");
    assert!(ecxr[0].starts_with(&format!("{mark} ")), "{ecxr:#?}");
    has(ecxr, &mark);
    let k = after(ecxr, "Child-SP");
    assert!(k[0].contains("hello!add+0x4") && k[2].contains("hello!outer+0x"), "{k:#?}");
    assert!(!k.iter().any(|l| l.contains("hello!tick")), "{k:#?}");
    has_part(k, ".  1  Id: 4d2.4d7");
    // Choosing a thread, even the same one, gives it its own registers back.
    let text = run_on(Box::new(Crash::new()), ".ecxr; ~1s; r rax; k");
    let at = text.iter().rposition(|l| l == "hello!tick+0x4:").expect("~1s's location");
    let chosen = &text[at + 1..];
    assert_eq!(chosen[1], "rax=0000000000000000", "{chosen:#?}");
    has_part(chosen, "hello!tick+0x4 [");
}

#[test]
fn exr_lastevent_and_analyze_describe_the_crash() {
    let text = run_on(Box::new(Crash::new()), ".exr -1; .lastevent; !analyze -v");
    has(&text, "ExceptionAddress: 00005555`5555514d (hello!add+0x4)");
    has(&text, "   ExceptionCode: c0000005 (Access violation)");
    has(&text, "   Parameter[0]: 0000000000000001");
    has(&text, "   Parameter[1]: 0000000000000000");
    has(&text, "Last event: 4d2.4d7: Access violation - code c0000005 (!!! second chance !!!)");
    let analysis = after(&text, "*                        Exception Analysis");
    has(analysis, "WRITE_ADDRESS:  00000000`00000000 ");
    has(analysis, "PRIMARY_PROBLEM_CLASS:  NULL_POINTER_WRITE");
    has(analysis, "EXCEPTION_CODE_STR:  c0000005");
    has(analysis, "FAULTING_THREAD:  4d7");
    has_part(analysis, "mov     dword ptr [rbp-4],edi");
    has(analysis, "SYMBOL_NAME:  hello!add+4");
    has(analysis, "MODULE_NAME: hello");
    has(analysis, "FAILURE_BUCKET_ID:  NULL_POINTER_WRITE_c0000005_hello!add");
    let stack = after(analysis, "STACK_TEXT:");
    assert!(stack[0].ends_with(": hello!add+0x4"), "{stack:#?}");
    assert!(stack[3].ends_with(": hello!main+0x46"), "{stack:#?}");
}

#[test]
fn a_dump_without_an_exception_has_nothing_to_analyze() {
    let crash = Crash { exception: None, ..Crash::new() };
    let text = run_on(Box::new(crash), "!analyze -v; .ecxr");
    has(&text, "There is nothing to analyze: the debuggee stopped for no exception (.lastevent says why)");
    has(&text, "^ no exception: the last event was not one in '.ecxr'");
}

#[test]
fn every_command_that_would_run_or_change_a_dump_says_so_in_one_line() {
    let commands = [
        "g",
        "gh",
        "gn",
        "t",
        "p",
        "gu",
        "pc",
        "tc",
        "bp hello!add",
        "bu hello!main",
        "bm hello!a*",
        "ba w4 @rsp",
        "bpm @rsp 4",
        "eb @rsp 1",
        "ed @rsp 1",
        "r rax=1",
        ".detach",
        ".restart",
        ".childdbg 1",
    ];
    let text = run_on(Box::new(Crash::new()), &(commands.join("; ") + "; bl; q"));
    for command in commands {
        has(&text, &format!("^ this is a dump: it cannot run or be changed in '{command}'"));
    }
    assert!(!text.iter().any(|l| l.contains(" e Disable")), "no breakpoint was added: {text:#?}");
    assert_eq!(text.last().map(String::as_str), Some("quit:"));
}

#[test]
fn a_module_not_where_the_dump_says_is_found_in_the_image_path() {
    let crash = Crash { elsewhere: Some(PathBuf::from("/nonexistent/build/hello")), ..Crash::new() };
    let data = module_path().parent().expect("data dir").display().to_string();
    let text = run_on(Box::new(crash), &format!("u hello!add L1; .exepath {data}\nu hello!add L1; lm; .ecxr; k"));
    has(
        &text,
        "no image for hello (/nonexistent/build/hello): its symbols and code are unknown; give its folder with -i or \
         .exepath",
    );
    has_part(&text, "in 'u hello!add L1'");
    has(&text, &format!("Executable image search path is: {data}"));
    // Found: its symbols and its code (left out of the dump) come from the file; lm shows the recorded path.
    let found = after(&text, "Executable image search path is:");
    has_part(found, "push    rbp");
    has_part(found, "/nonexistent/build/hello");
    has_part(found, "hello!middle+0x");
}

#[test]
fn ecxr_starts_again_at_the_crash_s_own_frame_and_dv_reads_its_variables() {
    // The crash's thread stands in tick by its own registers; .frame chose one of its frames before .ecxr.
    let text = run_on(Box::new(Crash::new()), ".frame 1; .ecxr; .frame; dv");
    let after_ecxr = after(&text, &format!("rax={MARK:016x} "));
    let frame = after(after_ecxr, "00005555`5555514d");
    assert!(frame[0].starts_with("00 ") && frame[0].contains("hello!add+0x4"), "{frame:#?}");
    // add's parameters, not tick's.
    has_part(frame, " a = ");
    has_part(frame, " b = ");
    assert!(!frame.iter().any(|l| l.contains(" i = ")), "{frame:#?}");
}
