//! Looking at the stopped debuggee: `threads`, `stackTrace` (paged, inlined calls marked), `scopes` (Locals,
//! Arguments, Registers), `variables` (children paged, with memory references), `setVariable`, `evaluate`
//! (the C++ evaluator for watches and hovers; any rdb console command in the `repl`), `exceptionInfo`.

use std::sync::Arc;

use rdb_engine::regs::GPR_NAMES;
use rdb_engine::session::{StackFrame as EngineFrame, StopReason};
use rdb_engine::values::{Expansion, Summary, Value, VariableKind};
use rdb_windbg::Refusal;
use serde_json::json;

use super::references::{FrameRef, Reference, ScopeKind};
use super::values::{child_path, counts, text};
use super::{Adapter, Reply};
use crate::arguments::{
    EvaluateArguments, NoArguments, ScopesArguments, SetVariableArguments, StackTraceArguments, ThreadArguments,
    VariablesArguments,
};
use crate::types::{Scope, Source, StackFrame, Thread, Variable};

/// The deepest stack `stackTrace` unwinds (its `totalFrames` says so when there are more).
const MAX_FRAMES: usize = 4096;

/// One child to show, with what the client needs to page it.
struct Shown {
    name: String,
    value: Value,
    summary: Summary,
    path: Option<String>,
    /// How many children it has, as the engine counts them (a visualized container's elements included).
    expansion: Expansion,
}

/// The engine's count of `value`'s children; a value whose children cannot be counted shows none.
fn expansion_of(s: &mut rdb_engine::session::Session, value: &Value) -> Expansion {
    s.expansion(value).unwrap_or(Expansion { count: 0, indexed: false, entries: false, claimed: None })
}

/// A value to show, as its dynamic type where it has one (a `Shape *` to a Circle as a `Circle *`, as the console's
/// `dx` shows it), with its summary and children counted for that type.
fn shown(
    s: &mut rdb_engine::session::Session,
    name: String,
    value: Value,
    summary: Summary,
    path: Option<String>,
) -> Shown {
    let (value, summary) = match s.dynamic(&value) {
        Ok(refined) if refined.ty != value.ty => {
            let summary = s.summary(&refined).unwrap_or(summary);
            (refined, summary)
        }
        _ => (value, summary),
    };
    Shown { expansion: expansion_of(s, &value), name, value, summary, path }
}

impl Adapter {
    pub(super) fn threads(&mut self, _: NoArguments) -> Reply {
        if self.runner.is_none() || self.ended {
            return Ok(json!({ "threads": [] }));
        }
        let threads = self.with(|s| Ok(s.threads_info()))?;
        let threads: Vec<Thread> =
            threads.iter().map(|t| Thread { id: t.tid, name: format!("Thread {} ({})", t.index, t.tid) }).collect();
        Ok(json!({ "threads": threads }))
    }

    pub(super) fn stack_trace(&mut self, args: StackTraceArguments) -> Reply {
        let tid = self.thread_id(args.thread_id)?;
        let start = args.start_frame.unwrap_or(0);
        let levels = match args.levels {
            None | Some(0) => MAX_FRAMES,
            Some(n) => n,
        };
        let want = start.saturating_add(levels).min(MAX_FRAMES);
        // One more than shown, to know whether there are more.
        let frames = self.with(move |s| s.frames(tid, want + 1))?;
        let total = frames.len();
        let mut shown = Vec::new();
        for f in frames.into_iter().skip(start).take(levels.min(want.saturating_sub(start))) {
            shown.push(self.stack_frame(tid, &f));
        }
        Ok(json!({ "stackFrames": shown, "totalFrames": total }))
    }

    fn stack_frame(&mut self, tid: u32, f: &EngineFrame) -> StackFrame {
        let id = self.refs.frame_id(FrameRef { tid, frame: f.index });
        let mut name = match &f.place {
            Some(p) => match &p.symbol {
                Some(s) if s.offset == 0 || f.source.is_some() => s.name.clone(),
                Some(s) => format!("{}+{:#x}", s.name, s.offset),
                None => format!("{}+{:#x}", p.module, p.module_offset),
            },
            None => format!("{:#x}", f.pc),
        };
        if f.inlined.is_some() {
            name.push_str(" [inlined]");
        }
        StackFrame {
            id,
            name,
            source: f.source.as_ref().map(|l| source(&l.file)),
            line: f.source.as_ref().map_or(0, |l| self.client_line(l.line)),
            column: if f.source.is_some() { self.client_line(1) } else { 0 },
            instruction_pointer_reference: format!("{:#x}", f.pc),
            // The id `module` events and `modules` give: the module's base.
            module_id: f.place.as_ref().map(|p| format!("{:#x}", f.pc.wrapping_sub(p.module_offset))),
            presentation_hint: f.inlined.map(|_| "subtle"),
        }
    }

    pub(super) fn scopes(&mut self, args: ScopesArguments) -> Reply {
        let at = self.refs.frame(args.frame_id)?;
        let scope = |refs: &mut super::References, name: &str, hint, kind| Scope {
            name: name.into(),
            presentation_hint: hint,
            variables_reference: refs.add(Reference::Scope { at, kind }),
            expensive: false,
        };
        let scopes = [
            scope(&mut self.refs, "Locals", "locals", ScopeKind::Locals),
            scope(&mut self.refs, "Arguments", "arguments", ScopeKind::Arguments),
            scope(&mut self.refs, "Registers", "registers", ScopeKind::Registers),
        ];
        Ok(json!({ "scopes": scopes }))
    }

    pub(super) fn variables(&mut self, args: VariablesArguments) -> Reply {
        let hex = args.format.and_then(|f| f.hex).unwrap_or(false);
        let start = args.start.unwrap_or(0);
        let count = args.count.filter(|c| *c > 0).unwrap_or(usize::MAX);
        if let Some(filter) = args.filter.as_deref()
            && filter != "indexed"
            && filter != "named"
        {
            return Err(format!("unknown filter '{filter}': indexed or named"));
        }
        let reference = self.refs.get(args.variables_reference)?.clone();
        let (at, shown) = match reference {
            Reference::Scope { at, kind: ScopeKind::Registers } => return self.registers(at, hex),
            Reference::Scope { at, kind } => {
                let wanted = if kind == ScopeKind::Locals { VariableKind::Local } else { VariableKind::Parameter };
                let shown = self.with(move |s| {
                    let vars = s.variables(at.tid, at.frame)?;
                    Ok(vars
                        .variables
                        .into_iter()
                        .filter(|v| v.kind == wanted)
                        .skip(start)
                        .take(count)
                        .map(|v| shown(s, v.name.clone(), v.value, v.summary, Some(v.name)))
                        .collect::<Vec<_>>())
                })?;
                (at, shown)
            }
            Reference::Value { value, name, path, at } => {
                let shown = self.with(move |s| {
                    // A page never reaches past the children there are (the engine caps a corrupt length).
                    let there = s.expansion(&value)?.count as usize;
                    let count = count.min(there.saturating_sub(start));
                    let children = s.children(&value, &name, start, count)?;
                    Ok(children
                        .into_iter()
                        .map(|c| {
                            let path = path.as_deref().and_then(|p| child_path(p, &c));
                            shown(s, c.name, c.value, c.summary, path)
                        })
                        .collect::<Vec<_>>())
                })?;
                (at, shown)
            }
        };
        let variables: Vec<Variable> = shown.into_iter().map(|s| self.variable(s, at, hex)).collect();
        Ok(json!({ "variables": variables }))
    }

    /// One value as DAP's `Variable`, a reference made for its children if it has any.
    fn variable(&mut self, shown: Shown, at: FrameRef, hex: bool) -> Variable {
        let Shown { name, value, summary, path, expansion } = shown;
        let expansion = counts(&expansion);
        let variables_reference = match expansion {
            Some(_) => self.refs.add(Reference::Value {
                value: Box::new(value.clone()),
                name: name.clone(),
                path: path.clone(),
                at,
            }),
            None => 0,
        };
        Variable {
            value: text(&summary, &value.ty, hex),
            ty: Some(value.ty.name.clone()),
            variables_reference,
            named_variables: expansion.and_then(|e| e.0),
            indexed_variables: expansion.and_then(|e| e.1),
            memory_reference: value.address.map(|a| format!("{a:#x}")),
            evaluate_name: path,
            name,
        }
    }

    /// The frame's registers: all of them in the innermost frame, those the unwinder recovered in a caller.
    fn registers(&mut self, at: FrameRef, hex: bool) -> Reply {
        let regs = self.with(move |s| {
            let frames = s.frames(at.tid, at.frame + 1)?;
            frames.get(at.frame).map(|f| f.registers).ok_or_else(|| rdb_engine::Error::msg("the frame is gone"))
        })?;
        let names = GPR_NAMES.iter().copied().chain(["rip", "rflags"]);
        let variables: Vec<Variable> = names
            .filter_map(|n| regs.get(n).map(|v| (n, v)))
            .map(|(n, v)| Variable {
                name: n.into(),
                value: if hex || n != "rflags" { format!("{v:#018x}") } else { format!("{v:#x}") },
                ty: Some("unsigned long".into()),
                variables_reference: 0,
                named_variables: None,
                indexed_variables: None,
                memory_reference: Some(format!("{v:#x}")),
                evaluate_name: Some(format!("@{n}")),
            })
            .collect();
        Ok(json!({ "variables": variables }))
    }

    pub(super) fn set_variable(&mut self, args: SetVariableArguments) -> Reply {
        let hex = args.format.and_then(|f| f.hex).unwrap_or(false);
        let reference = self.refs.get(args.variables_reference)?.clone();
        let name = args.name.clone();
        let (at, target) = match reference {
            Reference::Scope { at, kind: ScopeKind::Registers } => {
                let value = args.value.clone();
                let set = self.with(move |s| {
                    if at.frame != 0 {
                        return Err(rdb_engine::Error::msg("only the innermost frame's registers can be set"));
                    }
                    let v = s.evaluate(at.tid, &value)?;
                    s.set_register(at.tid, &name, v)?;
                    Ok(v)
                })?;
                return Ok(json!({ "value": format!("{set:#018x}") }));
            }
            Reference::Scope { at, .. } => {
                let value = self.with(move |s| {
                    let vars = s.variables(at.tid, at.frame)?;
                    vars.variables
                        .into_iter()
                        .find(|v| v.name == name)
                        .map(|v| v.value)
                        .ok_or_else(|| rdb_engine::Error::msg(format!("no variable '{name}' there")))
                })?;
                (at, value)
            }
            Reference::Value { value, name: parent, at, .. } => {
                let value = self.with(move |s| {
                    let children = super::values::named_child_candidates(s, &value, &parent)?;
                    children
                        .into_iter()
                        .find(|c| c.name == name)
                        .map(|c| c.value)
                        .ok_or_else(|| rdb_engine::Error::msg(format!("no child '{name}' there")))
                })?;
                (at, value)
            }
        };
        let text_of = args.value;
        let (value, summary) = self.with(move |s| {
            let v = s.assign(at.tid, at.frame, &target, &text_of)?;
            let summary = s.summary(&v)?;
            Ok((v, summary))
        })?;
        Ok(json!({ "value": text(&summary, &value.ty, hex), "type": value.ty.name }))
    }

    pub(super) fn evaluate(&mut self, args: EvaluateArguments) -> Reply {
        let hex = args.format.and_then(|f| f.hex).unwrap_or(false);
        let at = match args.frame_id {
            Some(id) => self.refs.frame(id)?,
            None if args.context.as_deref() == Some("repl") => FrameRef { tid: 0, frame: 0 },
            None => self.current_frame()?,
        };
        match args.context.as_deref() {
            Some("repl") => self.repl(args.expression),
            None | Some("watch") | Some("hover") | Some("variables") | Some("clipboard") => {
                let expr = args.expression.clone();
                let name = args.expression.clone();
                let shown = self.with(move |s| {
                    let v = s.evaluate_cxx(at.tid, at.frame, &expr)?;
                    let summary = s.summary(&v)?;
                    Ok(shown(s, name, v, summary, Some(expr)))
                })?;
                let v = self.variable(shown, at, hex);
                let mut body = json!({
                    "result": v.value,
                    "type": v.ty,
                    "variablesReference": v.variables_reference,
                    "namedVariables": v.named_variables,
                    "indexedVariables": v.indexed_variables,
                    "memoryReference": v.memory_reference,
                });
                // Absent, not null: the specification's optional fields.
                if let Some(map) = body.as_object_mut() {
                    map.retain(|_, v| !v.is_null());
                }
                Ok(body)
            }
            Some(other) => Err(format!("unknown context '{other}': watch, repl, hover, clipboard or variables")),
        }
    }

    /// Any command of rdb's console, its text the result. Running stays the client's: a command that would let
    /// the debuggee run or end the session is refused, since the client would not know where it stopped.
    fn repl(&mut self, line: String) -> Reply {
        let console = Arc::clone(&self.console);
        let lines = self.call(move |d| {
            let Ok(mut console) = console.lock() else { return vec!["the console is unusable".to_string()] };
            let (mut lines, refused) = console.run_inspecting(d, &line);
            match refused {
                Some(Refusal::Run(text)) => {
                    lines.push(format!("'{text}' would let the debuggee run: use the editor's continue or step"))
                }
                Some(Refusal::Quit) => lines.push("use the editor's stop or disconnect to end the session".into()),
                None => {}
            }
            lines
        })?;
        Ok(json!({ "result": lines.join("\n"), "variablesReference": 0 }))
    }

    pub(super) fn exception_info(&mut self, args: ThreadArguments) -> Reply {
        let tid = self.thread_id(args.thread_id)?;
        let Some(stop) = self.last_stop.as_ref().filter(|s| s.tid == tid) else {
            return Err(format!("thread {tid} did not stop on an exception"));
        };
        let StopReason::Exception(e) = &stop.reason else {
            return Err(format!("thread {tid} did not stop on an exception"));
        };
        let e = e.clone();
        let (_, code) = rdb_windbg::report::exception_name(&e.kind);
        let name = self.exception_text(&e);
        let kind = rdb_engine::session::exception_code(&e.kind);
        let thrown = e.clone();
        let (filter, thrown) =
            self.with(move |s| Ok((s.filters.get(kind).name.clone(), s.cxx_exception_type(&thrown))))?;
        let chance = if e.first_chance { "first chance" } else { "second chance: the program did not handle it" };
        Ok(json!({
            "exceptionId": filter,
            "description": format!("{name} (code {code:#x}) at {:#x}, {chance}", e.address),
            "breakMode": if e.first_chance { "always" } else { "unhandled" },
            // The thrown C++ type where known, else the sx filter's name.
            "details": { "message": name, "typeName": thrown.unwrap_or(filter) },
        }))
    }
}

fn source(path: &std::path::Path) -> Source {
    Source { name: path.file_name().map(|n| n.to_string_lossy().into_owned()), path: Some(path.display().to_string()) }
}
