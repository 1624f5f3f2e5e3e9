//! Breakpoints of every kind DAP has, in the engine's one table as `Owner::Dap`'s: source lines, functions,
//! instructions, data (the engine's `ba`: a debug register), and the exception filters (the engine's `sx`).
//! Each request replaces the client's set of its kind; the engine checks and resolves each breakpoint, and says
//! where it landed (a line without code moves to the next that has some).

use std::collections::HashMap;

use rdb_engine::session::{
    Action, Breakpoint as EngineBreakpoint, Condition, HwAccess, Kind, Location, Owner, Session, Spec,
};
use serde_json::json;

use super::references::{Reference, ScopeKind};
use super::{Adapter, Reply};
use crate::arguments::{
    DataBreakpointInfoArguments, SetBreakpointsArguments, SetDataBreakpointsArguments,
    SetExceptionBreakpointsArguments, SetFunctionBreakpointsArguments, SetInstructionBreakpointsArguments,
};
use crate::types::{Breakpoint, ExceptionBreakpointsFilter, Source};

/// Which request made a breakpoint: the `stopped` reason its hits report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Source,
    Function,
    Instruction,
    Data,
}

impl Family {
    pub fn reason(self) -> &'static str {
        match self {
            Family::Source => "breakpoint",
            Family::Function => "function breakpoint",
            Family::Instruction => "instruction breakpoint",
            Family::Data => "data breakpoint",
        }
    }
}

/// The client's breakpoints: the engine's ids by request, and what the engine does not keep for DAP.
#[derive(Default)]
pub struct Breakpoints {
    /// Source breakpoints by the path the client gave.
    by_source: HashMap<String, Vec<u32>>,
    by_family: HashMap<u32, Family>,
    /// Logpoints: the message a hit writes instead of stopping.
    pub logs: HashMap<u32, String>,
}

impl Breakpoints {
    pub fn family(&self, id: u32) -> Option<Family> {
        self.by_family.get(&id).copied()
    }

    fn ids_of(&self, family: Family) -> Vec<u32> {
        self.by_family.iter().filter(|(_, f)| **f == family).map(|(id, _)| *id).collect()
    }

    fn forget(&mut self, ids: &[u32]) {
        for id in ids {
            self.by_family.remove(id);
            self.logs.remove(id);
        }
    }
}

/// One breakpoint as asked: where, of which kind, its condition and hit condition.
struct Wanted {
    kind: Kind,
    location: Location,
    condition: Option<String>,
    hit_condition: Option<String>,
    deferred: bool,
}

/// What came of one: its id, or why it was not placed.
type Placed = Result<u32, String>;

/// Replace breakpoints `old` by `wanted`, in one call on the debugger's thread; each placed one with what the
/// client is told of it.
fn replace(session: &mut Session, old: &[u32], wanted: Vec<Wanted>) -> Vec<(Placed, Breakpoint)> {
    for id in old {
        session.remove_breakpoint(*id);
    }
    let tid = session.event_thread();
    wanted
        .into_iter()
        .map(|w| {
            let placed = place(session, tid, w);
            let shown = match &placed {
                Ok(id) => describe(session, *id),
                Err(why) => Breakpoint {
                    verified: false,
                    message: Some(why.clone()),
                    reason: Some("failed"),
                    ..Default::default()
                },
            };
            (placed, shown)
        })
        .collect()
}

fn place(session: &mut Session, tid: u32, w: Wanted) -> Placed {
    let mut spec = Spec::new(Owner::Dap, w.kind, w.location);
    spec.condition = w.condition.filter(|c| !c.trim().is_empty()).map(Condition::cxx);
    spec.passes = match w.hit_condition.as_deref().map(str::trim) {
        None | Some("") => 1,
        Some(text) => passes(text)?,
    };
    spec.deferred = w.deferred;
    session.add_breakpoint(tid, spec).map_err(|e| e.to_string())
}

/// A hit condition as the engine counts passes (it stops from that hit on): `5`, `>= 5`, `> 4`.
fn passes(text: &str) -> Result<u32, String> {
    let (rest, add) = if let Some(r) = text.strip_prefix(">=") {
        (r, 0)
    } else if let Some(r) = text.strip_prefix('>') {
        (r, 1)
    } else {
        (text, 0)
    };
    rest.trim().parse::<u32>().ok().and_then(|n| n.checked_add(add)).ok_or_else(|| {
        format!("hit condition '{text}' is not understood: give a count (5, >= 5 or > 4): it stops from that hit on")
    })
}

/// The client's view of breakpoint `id` as the engine placed it.
pub fn describe(session: &Session, id: u32) -> Breakpoint {
    let Some(b) = session.breakpoints().get(id) else {
        return Breakpoint { id: Some(id), verified: false, reason: Some("failed"), ..Default::default() };
    };
    shown(session, b)
}

fn shown(session: &Session, b: &EngineBreakpoint) -> Breakpoint {
    let first = b.addresses().first().copied();
    let line = first.and_then(|a| session.modules.source_line(a));
    Breakpoint {
        id: Some(b.id),
        verified: b.is_resolved(),
        message: (!b.is_resolved()).then(|| "waiting for a module with code there to load".to_string()),
        source: line.as_ref().map(|l| Source {
            name: l.file.file_name().map(|n| n.to_string_lossy().into_owned()),
            path: Some(l.file.display().to_string()),
        }),
        line: line.as_ref().map(|l| l.line as i64),
        instruction_reference: first.map(|a| format!("{a:#x}")),
        reason: (!b.is_resolved()).then_some("pending"),
    }
}

/// The exception filters a client can turn on, each onto the engine's `sx` filters.
pub fn exception_filters() -> Vec<ExceptionBreakpointsFilter> {
    let filter = |filter: &str, label: &str, description: &str, default| ExceptionBreakpointsFilter {
        filter: filter.into(),
        label: label.into(),
        description: description.into(),
        default,
    };
    vec![
        filter(
            "faults",
            "Faults (first chance)",
            "Stop at access violations, illegal instructions and divisions by zero before the program's own handlers (sxe av, ii, dz); off: only when unhandled",
            true,
        ),
        filter(
            "cxx-throw",
            "C++: on throw",
            "Stop where a C++ exception is thrown (sxe eh); off: only when nothing catches it",
            false,
        ),
        filter(
            "signals",
            "Signals",
            "Stop when the program gets a signal a debugger stops for by default (SIGINT, SIGUSR1...); off: pass them on silently",
            true,
        ),
    ]
}

/// The sx filters each DAP filter sets: (names, action when on, action when off).
fn filter_actions(filter: &str, session: &Session) -> Vec<(String, Action, Action)> {
    match filter {
        "faults" => ["av", "ii", "dz"].iter().map(|n| (n.to_string(), Action::Break, Action::SecondChance)).collect(),
        "cxx-throw" => vec![("eh".into(), Action::Break, Action::SecondChance)],
        "signals" => {
            let defaults = rdb_engine::session::Filters::default();
            defaults
                .iter()
                .filter(|f| matches!(f.code, rdb_engine::session::EventCode::Signal(_)) && f.action == Action::Break)
                // SIGTRAP is the engine's own business (breakpoints, steps).
                .filter(|f| f.name != "sigtrap")
                .map(|f| (f.name.clone(), Action::Break, Action::Ignore))
                .filter(|(n, ..)| session.filters.iter().any(|f| &f.name == n))
                .collect()
        }
        _ => Vec::new(),
    }
}

impl Adapter {
    pub(super) fn set_breakpoints(&mut self, args: SetBreakpointsArguments) -> Reply {
        let path = args.source.path.clone().ok_or("the source has no path: rdb sets breakpoints by file path")?;
        let mut wanted = Vec::new();
        let mut logs = Vec::new();
        for b in args.breakpoints {
            let line = self.engine_line(b.line)?;
            logs.push(b.log_message);
            wanted.push(Wanted {
                kind: Kind::Software,
                location: Location::Line { module: None, file: path.clone(), line },
                condition: b.condition,
                hit_condition: b.hit_condition,
                deferred: true,
            });
        }
        let old = self.breakpoints.by_source.remove(&path).unwrap_or_default();
        self.breakpoints.forget(&old);
        let placed = self.with(move |s| Ok(replace(s, &old, wanted)))?;
        let mut ids = Vec::new();
        let mut shown = Vec::new();
        for ((placed, mut b), log) in placed.into_iter().zip(logs) {
            if let Ok(id) = placed {
                ids.push(id);
                self.breakpoints.by_family.insert(id, Family::Source);
                if let Some(log) = log {
                    self.breakpoints.logs.insert(id, log);
                }
            }
            b.line = b.line.map(|l| self.client_line(l as u32));
            shown.push(b);
        }
        self.breakpoints.by_source.insert(path, ids);
        Ok(json!({ "breakpoints": shown }))
    }

    pub(super) fn set_function_breakpoints(&mut self, args: SetFunctionBreakpointsArguments) -> Reply {
        let wanted = args
            .breakpoints
            .into_iter()
            .map(|b| Wanted {
                kind: Kind::Software,
                location: Location::Expr(b.name),
                condition: b.condition,
                hit_condition: b.hit_condition,
                deferred: true,
            })
            .collect();
        self.replace_family(Family::Function, wanted)
    }

    pub(super) fn set_instruction_breakpoints(&mut self, args: SetInstructionBreakpointsArguments) -> Reply {
        let mut wanted = Vec::new();
        for b in args.breakpoints {
            let address = super::memory::address(&b.instruction_reference, b.offset)?;
            wanted.push(Wanted {
                kind: Kind::Software,
                location: Location::Expr(format!("{address:#x}")),
                condition: b.condition,
                hit_condition: b.hit_condition,
                deferred: false,
            });
        }
        self.replace_family(Family::Instruction, wanted)
    }

    pub(super) fn set_data_breakpoints(&mut self, args: SetDataBreakpointsArguments) -> Reply {
        let mut wanted = Vec::new();
        for b in args.breakpoints {
            let (address, size) = parse_data_id(&b.data_id)?;
            let access = match b.access_type.as_deref() {
                None | Some("write") => HwAccess::Write,
                // x86's debug registers have no read-only watch: a read is caught with the writes.
                Some("read") | Some("readWrite") => HwAccess::ReadWrite,
                Some(other) => return Err(format!("unknown accessType '{other}': read, write or readWrite")),
            };
            wanted.push(Wanted {
                kind: Kind::Hardware { access, size },
                location: Location::Expr(format!("{address:#x}")),
                condition: b.condition,
                hit_condition: b.hit_condition,
                deferred: false,
            });
        }
        self.replace_family(Family::Data, wanted)
    }

    fn replace_family(&mut self, family: Family, wanted: Vec<Wanted>) -> Reply {
        let old = self.breakpoints.ids_of(family);
        self.breakpoints.forget(&old);
        let placed = self.with(move |s| Ok(replace(s, &old, wanted)))?;
        let mut shown = Vec::new();
        for (placed, mut b) in placed {
            if let Ok(id) = placed {
                self.breakpoints.by_family.insert(id, family);
            }
            b.line = b.line.map(|l| self.client_line(l as u32));
            shown.push(b);
        }
        Ok(json!({ "breakpoints": shown }))
    }

    /// Where a variable is and how big, for a data breakpoint on it (`dataId`: `0xADDRESS/SIZE`).
    pub(super) fn data_breakpoint_info(&mut self, args: DataBreakpointInfoArguments) -> Reply {
        let name = args.name.clone();
        let found: Result<(u64, u64), String> = if args.as_address == Some(true) {
            let address = super::memory::address(&name, None)?;
            Ok((address, args.bytes.unwrap_or(8)))
        } else {
            let value = match args.variables_reference {
                Some(r) if r > 0 => match self.refs.get(r)?.clone() {
                    Reference::Scope { at, kind } => {
                        let wanted = name.clone();
                        self.with(move |s| {
                            let vars = s.variables(at.tid, at.frame)?;
                            let v = vars.variables.into_iter().find(|v| v.name == wanted);
                            Ok(v.filter(|_| kind != ScopeKind::Registers).map(|v| v.value))
                        })?
                    }
                    Reference::Value { value, name: parent, .. } => {
                        let wanted = name.clone();
                        self.with(move |s| {
                            let children = super::values::named_child_candidates(s, &value, &parent)?;
                            Ok(children.into_iter().find(|c| c.name == wanted).map(|c| c.value))
                        })?
                    }
                },
                _ => {
                    let at = match args.frame_id {
                        Some(id) => self.refs.frame(id)?,
                        None => self.current_frame()?,
                    };
                    let text = name.clone();
                    Some(self.with(move |s| s.evaluate_cxx(at.tid, at.frame, &text))?)
                }
            };
            match value {
                Some(v) => match (v.address, v.ty.size) {
                    (Some(a), Some(size)) => Ok((a, size)),
                    _ => Err(format!("'{name}' is not in memory: it cannot be watched")),
                },
                None => Err(format!("no variable '{name}' there")),
            }
        };
        Ok(match found {
            Ok((address, size)) => json!({
                "dataId": format!("{address:#x}/{size}"),
                "description": format!("{name} ({size} bytes at {address:#x})"),
                "accessTypes": ["write", "readWrite"],
                "canPersist": false,
            }),
            Err(why) => json!({ "dataId": null, "description": why }),
        })
    }

    pub(super) fn set_exception_breakpoints(&mut self, args: SetExceptionBreakpointsArguments) -> Reply {
        let known: Vec<String> = exception_filters().into_iter().map(|f| f.filter).collect();
        if let Some(unknown) = args.filters.iter().find(|f| !known.contains(f)) {
            return Err(format!("unknown exception filter '{unknown}': {}", known.join(", ")));
        }
        if args.filter_options.as_ref().is_some_and(|o| !o.is_empty())
            || args.exception_options.as_ref().is_some_and(|o| !o.is_empty())
        {
            return Err("filterOptions and exceptionOptions are not supported: give filters".into());
        }
        let on = args.filters;
        self.with(move |s| {
            for filter in exception_filters() {
                let enabled = on.contains(&filter.filter);
                for (name, when_on, when_off) in filter_actions(&filter.filter, s) {
                    s.filters.set(&name, if enabled { when_on } else { when_off })?;
                }
            }
            Ok(())
        })?;
        Ok(json!({}))
    }

    /// A breakpoint the engine resolved later (its module loaded): the client is told where.
    pub(super) fn breakpoint_changed(&mut self, id: u32) {
        if self.breakpoints.family(id).is_none() {
            return;
        }
        let Ok(mut b) = self.with(move |s| Ok(describe(s, id))) else { return };
        b.line = b.line.map(|l| self.client_line(l as u32));
        self.wire.event("breakpoint", json!({ "reason": "changed", "breakpoint": b }));
    }
}

fn parse_data_id(id: &str) -> Result<(u64, u8), String> {
    let bad = || format!("dataId '{id}' is not one dataBreakpointInfo gave");
    let (address, size) = id.split_once('/').ok_or_else(bad)?;
    let address = super::memory::address(address, None).map_err(|_| bad())?;
    let size = size.parse::<u8>().map_err(|_| bad())?;
    Ok((address, size))
}
