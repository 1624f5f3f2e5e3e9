//! The engine's façade driven directly, in this test process, as the front ends drive it: a [`SessionDriver`] is
//! a `Debugger` over this machine's backend behind the test kit's `Driver`, so the scenarios every front end runs
//! (`rdb_testkit::scenarios`) pin what the façade itself promises, with no protocol or text in between.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use rdb_engine::debugger::{Debugger, Launch};
use rdb_engine::session::{
    Kind, Location as EngineLocation, Notice, Owner, Resumption, Spec, Stop, StopReason as EngineReason,
};
use rdb_engine::target::{ExitStatus, Tid};
use rdb_testkit::prelude::*;

/// A debugger of this machine whose notices are kept for the test to look at.
pub fn debugger() -> (Debugger, Rc<RefCell<Vec<Notice>>>) {
    rdb_host::install();
    let notices = Rc::new(RefCell::new(Vec::new()));
    let seen = notices.clone();
    let listener = Box::new(move |n: &Notice| seen.borrow_mut().push(n.clone()));
    (Debugger::new(Box::new(rdb_host::Native), listener), notices)
}

/// A breakpoint of a program using the engine at `location`.
pub fn code_at(location: &str) -> Spec {
    Spec::new(Owner::Library, Kind::Software, EngineLocation::Expr(location.to_string()))
}

/// The launch of debuggee `name` (built for Linux) with `args`.
pub fn launch_of(name: &str, args: &[&str]) -> Launch {
    Launch { program: debuggee(name), args: args.iter().map(|a| a.to_string()).collect(), ..Default::default() }
}

/// The test kit's `Driver` over the engine's `Debugger` (Linux only: the test runs on this machine's backend).
pub struct SessionDriver {
    dbg: Option<Debugger>,
    /// The thread of the last stop: the one `read_register` reads.
    thread: Tid,
}

impl SessionDriver {
    pub fn new(backend: Backend) -> SessionDriver {
        assert_eq!(backend, Backend::Linux, "the session driver runs this machine's backend");
        SessionDriver { dbg: None, thread: 0 }
    }

    fn dbg(&mut self) -> &mut Debugger {
        self.dbg.as_mut().expect("the session driver has no debuggee: launch one first")
    }

    /// A stop as data: the reason in the kit's words, the thread, and where it is.
    fn stop_data(&mut self, stop: Stop) -> StopData {
        let reason = match &stop.reason {
            EngineReason::InitialBreakpoint => StopReason::Entry,
            EngineReason::Breakpoint(ids) => StopReason::Breakpoint { ids: ids.clone() },
            EngineReason::Exception(e) => StopReason::Exception {
                code: e.kind.code(),
                name: format!("{:?}", e.kind),
                first_chance: e.first_chance,
            },
            EngineReason::BreakIn { .. } => StopReason::BreakIn,
            EngineReason::ProcessExited(ExitStatus::Code(code)) => StopReason::Exited { code: *code as u32 },
            EngineReason::ProcessExited(ExitStatus::Signal(signal)) => StopReason::Signaled { signal: *signal as u32 },
            other => panic!("a stop the driver does not expect: {other:?}"),
        };
        self.thread = stop.tid;
        let session = self.dbg().session_mut();
        if !session.is_live() {
            return StopData { reason, thread: Some(stop.tid), pc: None, function: None, source: None };
        }
        let frame = session.frames(stop.tid, 1).expect("the stopped thread's frame").remove(0);
        let function = frame.place.and_then(|p| p.symbol.map(|s| format!("{}!{}", p.module, s.name)));
        let source = frame.source.map(|l| SourceLine { file: l.file.display().to_string(), line: l.line });
        StopData { reason, thread: Some(stop.tid), pc: Some(frame.pc), function, source }
    }
}

impl Driver for SessionDriver {
    fn backend(&self) -> Backend {
        Backend::Linux
    }

    fn launch(&mut self, name: &str, args: &[&str]) -> StopData {
        let (mut dbg, _) = debugger();
        let stop = dbg.launch(launch_of(name, args)).unwrap_or_else(|e| panic!("launch {name}: {e}"));
        self.dbg = Some(dbg);
        self.stop_data(stop)
    }

    fn set_breakpoint(&mut self, at: &Location) -> u32 {
        let location = match at {
            Location::Symbol(name) => EngineLocation::Expr(name.clone()),
            Location::Line { file, line } => EngineLocation::Line { module: None, file: file.clone(), line: *line },
        };
        let tid = self.thread;
        self.dbg()
            .session_mut()
            .add_breakpoint(tid, Spec::new(Owner::Library, Kind::Software, location))
            .unwrap_or_else(|e| panic!("breakpoint at {at:?}: {e}"))
    }

    fn resume(&mut self) -> StopData {
        let stop = self.dbg().run(Resumption::Go { status: None }).unwrap_or_else(|e| panic!("run: {e}"));
        self.stop_data(stop)
    }

    fn read_memory(&mut self, address: u64, len: usize) -> Vec<u8> {
        let mut bytes = vec![0; len];
        let n = self.dbg().session_mut().read_memory(address, &mut bytes).expect("read memory");
        bytes.truncate(n);
        bytes
    }

    fn evaluate_symbol(&mut self, symbol: &str) -> u64 {
        let tid = self.thread;
        self.dbg().session_mut().evaluate(tid, symbol).unwrap_or_else(|e| panic!("? {symbol}: {e}"))
    }

    fn read_register(&mut self, name: &str) -> u64 {
        let tid = self.thread;
        self.dbg().session_mut().register(tid, name).unwrap_or_else(|e| panic!("register {name}: {e}"))
    }

    fn process_id(&self) -> u32 {
        self.dbg.as_ref().map(|d| d.session().pid()).expect("a debuggee")
    }

    fn debuggee_output(&self) -> String {
        panic!("the session driver's debuggee writes to the test's own output: no scenario on Linux reads it")
    }

    fn detach(&mut self) {
        self.dbg().session_mut().detach().expect("detach");
    }

    fn quit(&mut self) {
        let mut dbg = self.dbg.take().expect("a debugger to end");
        assert!(dbg.end_others().is_empty());
        dbg.session_mut().end().expect("end the session");
    }
}
