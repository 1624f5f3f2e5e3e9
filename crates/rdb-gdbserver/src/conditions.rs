//! A gdb breakpoint's condition, sent as agent bytecode: translated to a MASM condition the engine compiles into
//! the debuggee (a false hit then costs no stop at all), or, where MASM cannot say the same thing, kept and run
//! here at each hit, as gdbserver does (a stop, but no round trip to the client).

use rdb_engine::debugger::Debugger;
use rdb_engine::session::Condition;
use rdb_engine::target::Tid;

use crate::agent::{AgentError, Machine, Program};
use crate::registers::{Flavour, Slot, table};

/// The conditions of the last `Z0`/`Z1` packet, for the breakpoint gdbstub inserts for it next.
#[derive(Debug, Default)]
pub struct PendingConditions {
    last: Option<(u8, u64, Vec<Vec<u8>>)>,
}

impl PendingConditions {
    pub fn set(&mut self, kind: u8, address: u64, programs: Vec<Vec<u8>>) {
        self.last = Some((kind, address, programs));
    }

    /// The bytecode programs sent with the insertion of a breakpoint of `kind` at `address` (`Some(empty)`: none).
    pub fn take(&mut self, kind: u8, address: u64) -> Option<Vec<Vec<u8>>> {
        match self.last.take() {
            Some((k, a, programs)) if k == kind && a == address => Some(programs),
            _ => None,
        }
    }
}

/// A breakpoint's conditions as rdb runs them.
#[derive(Debug, Clone, Default)]
pub enum Conditions {
    /// Unconditional.
    #[default]
    None,
    /// Compiled into the debuggee by the engine.
    Engine(Condition),
    /// Run by the server at each hit: the hit stops when any is non-zero.
    Server(Vec<Program>),
}

impl Conditions {
    /// The conditions of `programs` (gdb stops when any of them is true), for `flavour`'s register numbers; an
    /// error for bytecode that is not a valid program.
    pub fn of(programs: &[Vec<u8>], flavour: Flavour) -> Result<Conditions, AgentError> {
        if programs.is_empty() {
            return Ok(Conditions::None);
        }
        let parsed = programs.iter().map(|p| Program::parse(p)).collect::<Result<Vec<_>, _>>()?;
        let names = table(flavour);
        let register = move |n: u32| -> Option<&'static str> {
            let r = names.get(n as usize)?;
            match r.slot {
                Slot::General(_) | Slot::Rip | Slot::Eflags | Slot::FsBase | Slot::GsBase => Some(r.name),
                _ => None,
            }
        };
        let masm: Option<Vec<String>> = parsed.iter().map(|p| p.to_masm(&register)).collect();
        Ok(match masm {
            Some(parts) if parts.len() == 1 => Conditions::Engine(Condition::masm(parts.concat())),
            Some(parts) => Conditions::Engine(Condition::masm(
                parts.iter().map(|p| format!("(({p}) != 0)")).collect::<Vec<_>>().join(" | "),
            )),
            None => Conditions::Server(parsed),
        })
    }

    pub fn engine(&self) -> Option<Condition> {
        match self {
            Conditions::Engine(c) => Some(c.clone()),
            _ => None,
        }
    }
}

/// Whether any of `programs` holds on thread `tid`; a program that cannot be run (a register or memory it reads is
/// not there) holds, so the client sees the hit rather than miss it.
pub fn any_holds(d: &mut Debugger, tid: Tid, programs: &[Program], flavour: Flavour) -> bool {
    let mut machine = Thread { d, tid, flavour };
    programs.iter().any(|p| p.evaluate(&mut machine).map(|v| v != 0).unwrap_or(true))
}

/// A stopped thread as agent bytecode sees it.
struct Thread<'a> {
    d: &'a mut Debugger,
    tid: Tid,
    flavour: Flavour,
}

impl Machine for Thread<'_> {
    fn register(&mut self, number: u32) -> Result<u64, AgentError> {
        let unknown = || AgentError::new(format!("no register {number}"));
        let r = table(self.flavour).get(number as usize).copied().ok_or_else(unknown)?;
        let general = self.d.session_mut().registers(self.tid).map_err(|e| AgentError::new(e.to_string()))?;
        let file = crate::registers::RegisterFile { general, float: None, flavour: Some(self.flavour) };
        let bytes = file.get(&r).ok_or_else(unknown)?;
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        Ok(u64::from_le_bytes(word))
    }

    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<(), AgentError> {
        match self.d.session_mut().read_memory(address, buf) {
            Ok(n) if n == buf.len() => Ok(()),
            Ok(_) => Err(AgentError::new(format!("memory at {address:#x} cannot be read"))),
            Err(e) => Err(AgentError::new(e.to_string())),
        }
    }
}
