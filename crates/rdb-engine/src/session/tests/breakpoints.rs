//! The breakpoint façade against the scripted fake target: several sites to one breakpoint, owners, the atomic
//! add (and replace), and what the engine says about breakpoints, as data.

use super::*;

type Step = Box<dyn FnMut(&mut State) -> Event>;

/// Two places the same code could be (an inlined function's copies), each an instruction the thread steps alone.
const A: u64 = ENTRY + 0x100;
const B: u64 = ENTRY + 0x200;
const CODE: [(u64, &[u8]); 2] = [(A, STEPS_ALONE), (B, STEPS_ALONE)];
const DATA: u64 = 0x40_4000;
/// A module loaded after the start, and the breakpoint `bu later+0x10` waits for.
const LATER: u64 = 0x5000_0000;

/// The thread reaches the int3 at `address`.
fn hit(address: u64) -> Step {
    Box::new(move |s: &mut State| {
        s.set_rip(address);
        breakpoint_at(address)(s)
    })
}

/// The module `later` loads.
fn later_loads() -> Step {
    Box::new(|_| {
        event(EventKind::ModuleLoaded { base: LATER, size: 0x1000, path: PathBuf::from("/nonexistent/later.so") })
    })
}

/// A console breakpoint at `first` that also resolved to `more`. (Resolution yields one address today; a function
/// inlined in several places will yield a site for each, which the table already holds.)
fn with_sites(session: &mut Session, spec: Spec, more: &[u64]) -> u32 {
    let id = session.add_breakpoint(TID, spec).unwrap();
    let b = session.breakpoints.get_mut(id).unwrap();
    b.sites.extend(more.iter().map(|a| Site::new(*a)));
    id
}

fn spec_of(owner: Owner, kind: Kind, address: u64) -> Spec {
    Spec::new(owner, kind, Location::Expr(format!("{address:#x}")))
}

fn hardware(size: u8, address: u64) -> Spec {
    spec_of(Owner::Console, Kind::Hardware { access: HwAccess::Write, size }, address)
}

/// The breakpoint notices, in order (module and thread notices left out).
fn said(notices: &Rc<RefCell<Vec<Notice>>>) -> Vec<Notice> {
    let breakpoints = |n: &&Notice| {
        !matches!(
            n,
            Notice::ModuleLoaded { .. }
                | Notice::ModuleUnloaded { .. }
                | Notice::ThreadCreated { .. }
                | Notice::ThreadExited { .. }
                | Notice::ProcessExited { .. }
        )
    };
    notices.borrow().iter().filter(breakpoints).cloned().collect()
}

fn table(session: &Session) -> Vec<Breakpoint> {
    session.breakpoints.iter().cloned().collect()
}

// ---- sites ----------------------------------------------------------------------------------------------------

#[test]
fn a_site_disabled_alone_has_no_int3_and_the_others_keep_theirs() {
    let script: Script = VecDeque::from([Box::new(|s: &mut State| {
        assert_eq!(s.byte(A), 0xcc, "the enabled site is in");
        assert_eq!(s.byte(B), STEPS_ALONE[0], "the disabled one is not");
        event(EventKind::ProcessExited { status: ExitStatus::Code(0) })
    }) as Step]);
    let (mut session, _, _) = started(&CODE, script);
    let id = with_sites(&mut session, code_at(A), &[B]);
    session.enable_site(id, B, false).unwrap();
    assert_eq!(session.breakpoints.wanted(), BTreeSet::from([A]));
    assert!(session.enable_site(id, B + 1, true).is_err(), "no such site");
    assert_eq!(session.go(None).unwrap().reason, StopReason::ProcessExited(ExitStatus::Code(0)));
}

#[test]
fn a_breakpoint_with_two_sites_stops_at_either() {
    let script: Script = VecDeque::from([hit(A), single_step_to(A + 1), hit(B)]);
    let (mut session, _, _) = started(&CODE, script);
    let id = with_sites(&mut session, code_at(A), &[B]);
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![id]));
    assert_eq!(session.breakpoints.get(id).unwrap().last_hit, Some(A));
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![id]));
    let b = session.breakpoints.get(id).unwrap();
    assert_eq!((b.hits, b.last_hit), (2, Some(B)));
    assert_eq!(b.sites.iter().map(|s| s.hits).collect::<Vec<_>>(), [1, 1], "each site counts its own");
}

#[test]
fn a_pass_count_counts_the_hits_at_every_site() {
    let script: Script = VecDeque::from([hit(A), single_step_to(A + 1), hit(B), single_step_to(B + 1), hit(A)]);
    let (mut session, _, _) = started(&CODE, script);
    let id = with_sites(&mut session, Spec { passes: 3, ..code_at(A) }, &[B]);
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![id]), "the third hit, at A again");
    let b = session.breakpoints.get(id).unwrap();
    assert_eq!((b.hits, b.remaining), (3, 1));
    assert_eq!(b.sites.iter().map(|s| s.hits).collect::<Vec<_>>(), [2, 1]);
}

#[test]
fn a_condition_is_the_breakpoints_at_every_site() {
    let script: Script = VecDeque::from([
        Box::new(|s: &mut State| {
            s.regs.get_mut(&TID).unwrap().rax = 1;
            hit(A)(s)
        }) as Step,
        single_step_to(A + 1),
        Box::new(|s: &mut State| {
            s.regs.get_mut(&TID).unwrap().rax = 7;
            hit(B)(s)
        }),
    ]);
    let (mut session, _, _) = started(&CODE, script);
    let id = with_sites(&mut session, when(A, "@rax == 7"), &[B]);
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![id]));
    let b = session.breakpoints.get(id).unwrap();
    assert_eq!((b.hits, b.last_hit), (1, Some(B)), "false at A: no hit there");
}

// ---- owners ---------------------------------------------------------------------------------------------------

#[test]
fn clearing_one_owners_breakpoints_leaves_the_others() {
    let (mut session, _, _) = started(&CODE, VecDeque::new());
    let console = session.add_breakpoint(TID, code_at(A)).unwrap();
    session.add_breakpoint(TID, spec_of(Owner::Dap, Kind::Software, A)).unwrap();
    session.add_breakpoint(TID, spec_of(Owner::Dap, Kind::Software, B)).unwrap();
    session.clear_breakpoints(Owner::Dap);
    assert_eq!(session.breakpoints.ids(), [console]);
    assert_eq!(session.breakpoints.wanted(), BTreeSet::from([A]));
    session.clear_breakpoints(Owner::Python);
    assert_eq!(session.breakpoints.ids(), [console], "an owner with none clears nothing");
}

#[test]
fn two_owners_breakpoints_at_one_address_both_report_the_hit() {
    let (mut session, _, _) = started(&CODE, VecDeque::from([hit(A)]));
    let console = session.add_breakpoint(TID, code_at(A)).unwrap();
    let dap = session.add_breakpoint(TID, spec_of(Owner::Dap, Kind::Software, A)).unwrap();
    assert_eq!((console, dap), (0, 1), "a DAP breakpoint at the console's address does not replace it");
    assert_eq!(session.go(None).unwrap().reason, StopReason::Breakpoint(vec![console, dap]));
    assert!(session.breakpoints.iter().all(|b| b.hits == 1));
}

#[test]
fn a_front_end_replaces_only_its_own_breakpoints() {
    let (mut session, _, _) = started(&CODE, VecDeque::new());
    let dap = session.add_breakpoint(TID, spec_of(Owner::Dap, Kind::Software, A)).unwrap();
    let old = session.add_breakpoint(TID, Spec { passes: 3, ..code_at(A) }).unwrap();
    let before = table(&session);
    let everything_at = |t: &Breakpoints, at: &[u64]| -> Vec<u32> {
        t.iter().filter(|b| b.sites.iter().any(|s| at.contains(&s.address))).map(|b| b.id).collect()
    };
    let err = session.add_breakpoint_replacing(TID, code_at(A), everything_at).unwrap_err();
    assert_eq!(err.to_string(), "breakpoint 0 is a DAP client's: only its owner replaces it");
    assert_eq!(table(&session), before, "nothing changed");
    // The console's own, at the same address: replaced, its id taken again (the lowest free).
    let console_at = |t: &Breakpoints, at: &[u64]| -> Vec<u32> {
        let mine = t.owned_by(Owner::Console);
        mine.filter(|b| b.sites.iter().any(|s| at.contains(&s.address))).map(|b| b.id).collect()
    };
    let new = session.add_breakpoint_replacing(TID, when(A, "@rdi == 4"), console_at).unwrap();
    assert_eq!(new, old);
    let b = session.breakpoints.get(new).unwrap();
    assert_eq!((b.spec.passes, b.spec.condition.clone()), (1, Some(Condition::masm("@rdi == 4"))));
    assert_eq!(b.hits, before[1].hits, "its hits kept");
    assert_eq!(session.breakpoints.get(dap).unwrap(), &before[0], "the DAP client's is untouched");
}

// ---- atomicity ------------------------------------------------------------------------------------------------

#[test]
fn a_bad_condition_adds_nothing_and_replaces_nothing() {
    let (mut session, _, _) = started(&CODE, VecDeque::new());
    let err = session.add_breakpoint(TID, when(A, "nosuch == 1")).unwrap_err();
    assert_eq!(err.to_string(), "Bad condition: Couldn't resolve error at 'nosuch'");
    assert!(table(&session).is_empty(), "no breakpoint without its condition");
    // A `bp` that would redefine one at the same address leaves it as it was.
    session.add_breakpoint(TID, Spec { passes: 3, ..code_at(A) }).unwrap();
    let before = table(&session);
    let err = session.add_breakpoint_replacing(TID, when(A, "@rax =="), |_, _| vec![0]).unwrap_err();
    assert_eq!(err.to_string(), "Bad condition: Syntax error at '<EOL>'");
    assert_eq!(table(&session), before);
}

/// The executable's code, and a page of data after it (where `DATA` is).
fn mapped(state: &Rc<RefCell<State>>) {
    let region = |start: u64, end: u64, executable: bool, name: &str| Region {
        start,
        end,
        readable: true,
        writable: !executable,
        executable,
        name: Some(name.to_string()),
        ..Region::default()
    };
    state.borrow_mut().regions = vec![
        region(EXE_BASE, EXE_BASE + 0x2000, true, "/nonexistent/demo"),
        region(DATA, DATA + 0x1000, false, "/nonexistent/demo"),
        region(LIBC_BASE, LIBC_BASE + 0x1000, true, "/nonexistent/libc.so.6"),
        region(LATER, LATER + 0x1000, false, "/nonexistent/later.so"),
    ];
}

#[test]
fn bp_on_data_or_unmapped_memory_adds_nothing() {
    let (mut session, state, _) = started(&CODE, VecDeque::new());
    mapped(&state);
    let err = session.add_breakpoint(TID, code_at(DATA)).unwrap_err().to_string();
    assert!(err.ends_with("is not in executable memory (/nonexistent/demo): a breakpoint there would corrupt data"));
    assert_eq!(session.add_breakpoint(TID, code_at(0x9000_0000)).unwrap_err(), Error::MemoryAccess(0x9000_0000));
    let bu = Spec { deferred: true, ..code_at(DATA) };
    assert!(session.add_breakpoint(TID, bu).is_err(), "a bu that resolves now is held to code too");
    assert!(table(&session).is_empty());
    // A data breakpoint is for data.
    assert!(session.add_breakpoint(TID, hardware(4, DATA)).is_ok());
}

#[test]
fn a_misaligned_or_refused_ba_adds_nothing() {
    let (mut session, state, _) = started(&CODE, VecDeque::new());
    let err = session.add_breakpoint(TID, hardware(4, DATA + 2)).unwrap_err().to_string();
    assert!(err.contains("not aligned to 4 bytes"), "{err}");
    assert!(table(&session).is_empty());
    assert!(state.borrow().debug_regs.is_empty(), "no debug register was written");
    // The kernel refusing the registers is known only once they are written: the add is undone, and a breakpoint
    // it would have replaced is back under its own id.
    let old = session.add_breakpoint(TID, hardware(8, DATA)).unwrap();
    let before = table(&session);
    state.borrow_mut().refuse_debug_registers = true;
    let err = session.add_breakpoint_replacing(TID, hardware(4, DATA + 8), |_, _| vec![old]).unwrap_err();
    assert_eq!(err.to_string(), "Unable to set the hardware breakpoint: Invalid argument");
    assert_eq!(table(&session), before);
}

#[test]
fn a_ba_on_a_thread_that_does_not_exist_adds_nothing() {
    let (mut session, _, _) = started(&CODE, VecDeque::new());
    let err = session.add_breakpoint(TID, Spec { thread: Some(TID + 7), ..hardware(4, DATA) }).unwrap_err();
    assert_eq!(err, Error::NoSuchThread(TID + 7));
    assert!(table(&session).is_empty());
}

#[test]
fn a_bpm_whose_page_cannot_be_guarded_adds_nothing_and_says_why() {
    let (mut session, state, notices) = started(&CODE, VecDeque::new());
    {
        let mut s = state.borrow_mut();
        s.has_page_guards = true;
        s.unguardable.insert(DATA);
    }
    let bpm = spec_of(Owner::Console, Kind::Memory { access: MemAccess::Write, size: 4 }, DATA);
    let err = session.add_breakpoint(TID, bpm).unwrap_err();
    assert_eq!(err.to_string(), "Unable to set the memory breakpoint at 00000000`00404000");
    assert!(table(&session).is_empty());
    assert_eq!(said(&notices), [Notice::PageNotGuarded { id: 0, page: DATA, error: Error::MemoryAccess(DATA) }]);
}

// ---- notices --------------------------------------------------------------------------------------------------

#[test]
fn a_breakpoint_says_when_it_resolves_now_or_when_its_module_loads() {
    let script: Script = VecDeque::from([later_loads(), exit(0)]);
    let (mut session, _, notices) = started(&CODE, script);
    let bp = session.add_breakpoint(TID, code_at(A)).unwrap();
    let waits = Spec { deferred: true, ..Spec::new(Owner::Dap, Kind::Software, Location::Expr("later+0x10".into())) };
    let bu = session.add_breakpoint(TID, waits).unwrap();
    assert_eq!(said(&notices), [Notice::BreakpointResolved { id: bp, addresses: vec![A] }], "the bu waits, unsaid");
    assert!(!session.breakpoints.get(bu).unwrap().is_resolved());
    session.go(None).unwrap();
    assert_eq!(said(&notices)[1..], [Notice::BreakpointResolved { id: bu, addresses: vec![LATER + 0x10] }]);
}

#[test]
fn a_deferred_breakpoint_that_resolves_to_data_stays_unresolved_and_says_why() {
    let script: Script = VecDeque::from([later_loads(), exit(0)]);
    let (mut session, state, notices) = started(&CODE, script);
    mapped(&state);
    let waits =
        Spec { deferred: true, ..Spec::new(Owner::Console, Kind::Software, Location::Expr("later+0x10".into())) };
    let id = session.add_breakpoint(TID, waits).unwrap();
    session.go(None).unwrap();
    let notes = said(&notices);
    let [Notice::BreakpointStaysUnresolved { id: said_id, error }] = notes.as_slice() else { panic!("{notes:?}") };
    assert_eq!(*said_id, id);
    assert!(error.to_string().contains("is not in executable memory (/nonexistent/later.so)"), "{error}");
    assert!(!session.breakpoints.get(id).unwrap().is_resolved());
}

#[test]
fn an_int3_that_cannot_be_written_disables_its_breakpoints_and_says_so() {
    let script: Script = VecDeque::from([exit(0)]);
    let (mut session, state, notices) = started(&CODE, script);
    state.borrow_mut().unwritable.insert(A);
    let console = session.add_breakpoint(TID, code_at(A)).unwrap();
    let dap = session.add_breakpoint(TID, spec_of(Owner::Dap, Kind::Software, A)).unwrap();
    session.go(None).unwrap();
    let error = Error::MemoryAccess(A);
    assert_eq!(
        said(&notices)[2..],
        [
            Notice::BreakpointNotInserted { id: console, address: A, error: error.clone() },
            Notice::BreakpointNotInserted { id: dap, address: A, error },
        ]
    );
    assert!(session.breakpoints.iter().all(|b| !b.enabled));
}

#[test]
fn an_internal_int3_that_cannot_be_written_is_said_apart() {
    let script: Script = VecDeque::from([exit(0)]);
    let (mut session, state, notices) = started(&CODE, script);
    state.borrow_mut().unwritable.insert(B);
    session.run(Resumption::GoTo { address: B, status: None }).unwrap();
    assert_eq!(said(&notices), [Notice::InternalBreakpointNotInserted { address: B, error: Error::MemoryAccess(B) }]);
}

#[test]
fn debug_registers_a_new_thread_refuses_are_said_with_the_thread() {
    let script: Script = VecDeque::from([
        Box::new(|s: &mut State| {
            s.refuse_debug_registers = true;
            Event { pid: PID, tid: 101, kind: EventKind::ThreadCreated { start: None } }
        }) as Step,
        exit(0),
    ]);
    let (mut session, _, notices) = started(&CODE, script);
    session.add_breakpoint(TID, hardware(4, DATA)).unwrap();
    session.go(None).unwrap();
    assert_eq!(
        said(&notices)[1..],
        [Notice::DebugRegistersRefused { tid: 101, error: Error::msg("Invalid argument") }]
    );
}

#[test]
fn a_hardware_breakpoint_with_more_sites_than_registers_is_disabled_and_says_so() {
    let (mut session, state, notices) = started(&CODE, VecDeque::new());
    let id = with_sites(&mut session, hardware(8, DATA), &[DATA + 8, DATA + 16, DATA + 24, DATA + 32]);
    // What a restart can do: resolve more than fit, the table changed behind the registers.
    session.enable_breakpoint(id, true).unwrap();
    assert_eq!(said(&notices)[1..], [Notice::NoHardwareSlot { id }]);
    assert!(!session.breakpoints.get(id).unwrap().enabled);
    assert_eq!(state.borrow().debug_regs[&TID].dr7, 0, "and it holds no register any more");
}
