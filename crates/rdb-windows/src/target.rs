//! Skeleton: replaced by the real backend. `WindowsTarget` has no values yet (launch and attach always fail), so
//! the console can be built and run on Windows while none of its `Target` methods can ever be called.
use std::path::Path;
use std::sync::Arc;

use rdb_engine::Result;
use rdb_engine::regs::{DebugRegisters, Registers};
use rdb_engine::target::{ContinueStatus, Event, Interrupter, Pid, Region, Resume, Target, Tid};

pub enum WindowsTarget {}

impl WindowsTarget {
    pub fn launch(_program: &Path, _args: &[String]) -> Result<WindowsTarget> {
        Err(rdb_engine::err!("not yet"))
    }
    pub fn attach(_pid: u32) -> Result<WindowsTarget> {
        Err(rdb_engine::err!("not yet"))
    }
}

impl Target for WindowsTarget {
    fn pid(&self) -> Pid {
        match *self {}
    }
    fn wait_event(&mut self) -> Result<Event> {
        match *self {}
    }
    fn resume(&mut self, _status: ContinueStatus, _how: Resume) -> Result<()> {
        match *self {}
    }
    fn read_memory(&mut self, _address: u64, _buf: &mut [u8]) -> Result<usize> {
        match *self {}
    }
    fn write_memory(&mut self, _address: u64, _data: &[u8]) -> Result<()> {
        match *self {}
    }
    fn registers(&mut self, _tid: Tid) -> Result<Registers> {
        match *self {}
    }
    fn set_registers(&mut self, _tid: Tid, _regs: &Registers) -> Result<()> {
        match *self {}
    }
    fn debug_registers(&mut self, _tid: Tid) -> Result<DebugRegisters> {
        match *self {}
    }
    fn set_debug_registers(&mut self, _tid: Tid, _regs: &DebugRegisters) -> Result<()> {
        match *self {}
    }
    fn threads(&self) -> Vec<Tid> {
        match *self {}
    }
    fn memory_regions(&mut self) -> Result<Vec<Region>> {
        match *self {}
    }
    fn interrupter(&self) -> Arc<dyn Interrupter> {
        match *self {}
    }
    fn detach(&mut self) -> Result<()> {
        match *self {}
    }
    fn kill(&mut self) -> Result<()> {
        match *self {}
    }
    fn launched(&self) -> bool {
        match *self {}
    }
}
