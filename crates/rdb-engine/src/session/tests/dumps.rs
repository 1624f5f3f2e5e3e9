//! `.dump`'s judgement against the scripted fake target: the view a writer gets (registers as the user sees them,
//! memory without the engine's int3s, the stop's exception), the OS's writer run with the patches lifted and put
//! back, and the refusals (an existing file, a core of a Windows process).

use super::*;
use crate::debugger::{Debugger, Host, Launch};
use crate::dump::{DumpKind, ProcessView};

const BP: u64 = ENTRY + 0x10;

/// What the host was given to write: the kind, the threads' rips, the byte at the breakpoint as the view reads it.
type Written = Rc<RefCell<Vec<(DumpKind, Vec<u64>, u8, Option<u32>)>>>;

struct Recorder(Written);

impl Host for Recorder {
    fn launch(&mut self, _: &Launch, _: bool) -> Result<Box<dyn Target>> {
        Err(Error::msg("no launches here"))
    }
    fn attach(&mut self, _: Pid) -> Result<Box<dyn Target>> {
        Err(Error::msg("no attaching here"))
    }
    fn command_line(&self, _: &Launch) -> String {
        String::new()
    }
    fn write_dump(
        &mut self,
        view: &mut ProcessView<'_>,
        kind: DumpKind,
        _path: &std::path::Path,
        _overwrite: bool,
    ) -> Result<()> {
        let mut byte = [0u8];
        view.memory.read_exact(BP, &mut byte)?;
        let rips = view.threads.iter().map(|t| t.registers.rip).collect();
        let code = view.exception.as_ref().map(|e| e.exception.kind.code());
        self.0.borrow_mut().push((kind, rips, byte[0], code));
        Ok(())
    }
}

/// A debugger whose process stands on the engine's breakpoint at `BP` (its int3 in memory), then exits with 3.
fn at_breakpoint(state: State) -> (Debugger, Rc<RefCell<State>>, Written) {
    let state = Rc::new(RefCell::new(state));
    {
        let mut s = state.borrow_mut();
        s.memory.insert(BP, STEPS_ALONE[0]);
        s.regs.insert(TID, Registers { rip: ENTRY - 0x10, rsp: 0x7fff_0000, ..Default::default() });
    }
    let script: Script = VecDeque::from([
        Box::new(|_: &mut State| {
            event(EventKind::ProcessCreated {
                image_base: EXE_BASE,
                image_size: 0x2000,
                entry: ENTRY,
                path: PathBuf::from("/nonexistent/demo"),
            })
        }) as Box<dyn FnMut(&mut State) -> Event>,
        breakpoint_at(ENTRY),
        breakpoint_at(BP),
        single_step_to(BP + 1),
        exit(3),
    ]);
    let written: Written = Rc::default();
    let mut dbg = Debugger::new(Box::new(Recorder(written.clone())), Box::new(|_| {}));
    dbg.open(Box::new(Fake { state: state.clone(), script })).unwrap();
    dbg.session_mut().add_breakpoint(TID, code_at(BP)).unwrap();
    let stop = dbg.session_mut().go(None).unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint(vec![0]));
    assert_eq!(state.borrow().byte(BP), 0xcc, "the int3 is in the process while it is stopped");
    (dbg, state, written)
}

fn nowhere() -> PathBuf {
    PathBuf::from("/nonexistent/rdb-test/dump.dmp")
}

#[test]
fn a_writer_sees_the_program_s_bytes_and_the_user_s_registers() {
    let (mut dbg, state, written) = at_breakpoint(State::default());
    for kind in [DumpKind::FullMinidump, DumpKind::SmallMinidump, DumpKind::Core] {
        dbg.write_dump(kind, &nowhere(), false).unwrap();
    }
    let written = written.borrow();
    assert_eq!(written.len(), 3);
    for (kind, rips, byte, code) in written.iter() {
        assert_eq!(rips, &[BP], "{kind:?}: rip on the breakpoint, as r shows it");
        assert_eq!(*byte, STEPS_ALONE[0], "{kind:?}: the program's byte, not the int3");
        assert_eq!(*code, Some(0x8000_0003), "{kind:?}: the stop's exception");
    }
    assert_eq!(state.borrow().byte(BP), 0xcc, "the process is left as it was");
    drop(written);
    let stop = dbg.session_mut().go(None).unwrap();
    assert_eq!(stop.reason, StopReason::ProcessExited(ExitStatus::Code(3)));
}

#[test]
fn after_a_step_a_dump_records_the_step_not_the_breakpoint_before() {
    let (mut dbg, _, written) = at_breakpoint(State::default());
    let stop = dbg.session_mut().run(Resumption::StepInto { tid: TID }).unwrap();
    assert_eq!(stop.reason, StopReason::Step);
    dbg.write_dump(DumpKind::SmallMinidump, &nowhere(), false).unwrap();
    let (_, rips, _, code) = written.borrow()[0].clone();
    assert_eq!(rips, [BP + 1]);
    assert_eq!(code, Some(0x8000_0004), "the step's single-step trap, as WinDbg's last event");
    assert_eq!(dbg.session_mut().last_exception().map(|e| e.address), Some(BP), ".exr -1 still has the breakpoint");
}

#[test]
fn the_os_s_writer_runs_with_the_patches_lifted_and_put_back() {
    let (mut dbg, state, written) = at_breakpoint(State { native_dumps: true, ..State::default() });
    dbg.write_dump(DumpKind::FullMinidump, &nowhere(), false).unwrap();
    dbg.write_dump(DumpKind::SmallMinidump, &nowhere(), false).unwrap();
    let s = state.borrow();
    assert_eq!(s.dumped_memory.len(), 2, "both minidumps by the OS");
    assert!(s.dumped_memory.iter().all(|m| m.get(&BP) == Some(&STEPS_ALONE[0])), "no int3 while the OS reads");
    assert_eq!(s.byte(BP), 0xcc, "the breakpoint is back");
    drop(s);
    // A core file is rdb's own even where the OS writes minidumps.
    dbg.write_dump(DumpKind::Core, &nowhere(), false).unwrap();
    assert_eq!(written.borrow().len(), 1);
    assert_eq!(dbg.session_mut().go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(3)));
}

#[test]
fn an_existing_file_and_a_core_of_a_windows_process_are_refused() {
    let blocks = Some(Blocks { peb: 0x7ffd_e000, teb: 0x7ffd_f000 });
    let (mut dbg, _, written) = at_breakpoint(State { blocks, ..State::default() });
    let existing = std::env::temp_dir();
    let refused = dbg.write_dump(DumpKind::SmallMinidump, &existing, false).unwrap_err().to_string();
    assert!(refused.ends_with("already exists: use /o to overwrite it"), "{refused}");
    let core = dbg.write_dump(DumpKind::Core, &nowhere(), false).unwrap_err().to_string();
    assert_eq!(core, "an ELF core file is for Linux processes: write a minidump (/ma or /m)");
    assert!(written.borrow().is_empty());
}
