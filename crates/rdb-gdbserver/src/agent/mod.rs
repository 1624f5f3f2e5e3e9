//! gdb's agent expressions (the bytecode `Z0` packets carry as a breakpoint's condition).
//! PLACEHOLDER until the agent branch lands: every program falls back to evaluation, which fails.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentError(pub String);

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub trait Machine {
    fn register(&mut self, number: u32) -> Result<u64, AgentError>;
    fn read_memory(&mut self, address: u64, buf: &mut [u8]) -> Result<(), AgentError>;
}

#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct Program(Vec<u8>);

impl Program {
    pub fn parse(bytes: &[u8]) -> Result<Program, AgentError> {
        Ok(Program(bytes.to_vec()))
    }
    pub fn to_masm(&self, _register: &dyn Fn(u32) -> Option<&'static str>) -> Option<String> {
        None
    }
    pub fn evaluate(&self, _machine: &mut dyn Machine) -> Result<u64, AgentError> {
        Err(AgentError("not yet".into()))
    }
}
