//! Skeleton: replaced by the real backend.
use std::path::Path;

use rdb_engine::Result;

pub struct WindowsTarget {}

impl WindowsTarget {
    pub fn launch(_program: &Path, _args: &[String]) -> Result<WindowsTarget> {
        Err(rdb_engine::err!("not yet"))
    }
    pub fn attach(_pid: u32) -> Result<WindowsTarget> {
        Err(rdb_engine::err!("not yet"))
    }
}
